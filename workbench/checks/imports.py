"""The `imports` check: each import of the App's Python files would work on a Node (see `workbench.node.imports`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from ..appdir import REQUIREMENTS, AppFolder
from ..node.imports import app_imports, modules_from_names, undeclared
from ..node.python import find_node_python
from ..node.verdict import top_level_modules
from ..records import RunRecord
from ..runindex import RunSummary
from .result import CheckResult, _failed, _passed, _plural


def provided_by_requirements(app: AppFolder, runs: Iterable[RunRecord | RunSummary]) -> tuple[frozenset[str], str]:
    """The modules the App's requirements provide, and where that was learnt.

    From the installed environment of the newest run of the current requirements.txt
    (its marker lists its distributions' modules), else from the requirement names.
    """
    from ..envs.store import is_complete, marker_modules
    from ..requirements import declared_requirements

    try:
        current: str | None = hashlib.sha256((app.root / REQUIREMENTS).read_bytes()).hexdigest()
    except OSError:
        current = None
    for run in runs:
        env = run.environment
        if env is None or env.path is None or env.bare or env.requirements_sha256 != current:
            continue
        if is_complete(Path(env.path)) and (modules := marker_modules(Path(env.path))) is not None:
            return modules, "the App's installed environment"
    names = [item.name for item in declared_requirements(app.root)]
    return modules_from_names(names), f"the names in {REQUIREMENTS} (run the App once to check the installed ones)"


def check_imports(app: AppFolder, runs: Iterable[RunRecord | RunSummary]) -> CheckResult:
    """Every import of the App's Python files is in the Node's standard library, the App or its requirements."""
    name = "imports"
    files = app.files()
    python_files = [item.path for item in files if item.path.endswith(".py")]
    sites, unreadable = app_imports(app.root, python_files)
    stdlib = find_node_python().facts.stdlib
    own = top_level_modules(item.path for item in files)
    provided: frozenset[str]
    if app.requirements is None:
        provided, source = frozenset(), f"no {REQUIREMENTS}"
    else:
        provided, source = provided_by_requirements(app, runs)
    flagged = undeclared(sites, stdlib=stdlib, own=own, provided=provided)
    skipped = f"; {', '.join(unreadable)} not read (it does not parse)" if unreadable else ""
    if flagged:
        modules = sorted({site.top_level for site in flagged})
        return _failed(
            name, "error",
            f"{_plural(len(flagged), 'import')} would fail on a Node ({', '.join(modules)}): neither the standard"
            f" library, the App's own modules nor its requirements ({source}) provide them; add each distribution"
            f" to {REQUIREMENTS}{skipped}",
            items=[site.describe() for site in flagged],
        )
    return _passed(
        name,
        f"{_plural(len({site.top_level for site in sites}), 'module')} imported, each from the standard library,"
        f" the App or its requirements ({source}){skipped}",
    )
