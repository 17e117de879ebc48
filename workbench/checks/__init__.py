"""The workbench's preflight checks of an App on disk, before a deploy.

Each check has a name, a result and a one-line detail the author can act on.
They read the App and its run records and never write anything. The lifecycle
preview (`workbench.lifecycle`) gates actions on them.

This package holds one module a part: `result` (the model), `main_py`,
`requirements`, `arguments` with `argument_reads` (the heuristic over main.py's
syntax tree), `imports` (the imports a Node could not satisfy) and `folder`
(the App folder and its runs).
"""

from __future__ import annotations

from ..appcache import content_hash
from ..appdir import AppFolder
from .argument_reads import ArgumentRead, ArgumentReads, find_argument_reads
from .arguments import check_argument_reads, check_arguments, declared_arguments
from .folder import (
    check_deploy_upload,
    check_last_run,
    check_output_folders,
    check_outside_links,
    check_system_folders,
    stored_runs,
)
from .imports import check_imports
from .main_py import parse_main
from .requirements import RequirementsProblem, RequirementsSummary, check_requirements, parse_requirements
from .result import CheckResult, Level

__all__ = [
    "ArgumentRead",
    "ArgumentReads",
    "CheckResult",
    "Level",
    "RequirementsProblem",
    "RequirementsSummary",
    "check_argument_reads",
    "check_arguments",
    "check_deploy_upload",
    "check_imports",
    "check_last_run",
    "check_output_folders",
    "check_outside_links",
    "check_requirements",
    "check_system_folders",
    "declared_arguments",
    "find_argument_reads",
    "parse_main",
    "parse_requirements",
    "run_checks",
    "stored_runs",
]


def run_checks(app: AppFolder) -> list[CheckResult]:
    """Every preflight check of the App, in a fixed order."""
    tree, main_check = parse_main(app)
    runs = stored_runs(app)
    return [
        main_check,
        check_requirements(app),
        check_imports(app, runs),
        check_arguments(app),
        check_argument_reads(app, tree),
        check_system_folders(app),
        check_last_run(app, runs, content_hash(app)),
        check_deploy_upload(app),
        check_output_folders(app, runs),
        check_outside_links(app),
    ]
