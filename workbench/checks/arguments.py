"""The declared keyword arguments: they follow the platform's rules, and main.py reads what is declared."""

from __future__ import annotations

import ast

from ..appdir import DECLARED_FILE, ENTRY_POINT, AppFolder
from ..declared import DeclaredArgumentsError, load_declared
from ..kwargs import argument_problems
from .argument_reads import ArgumentRead, find_argument_reads
from .result import CheckResult, _failed, _passed, _plural, _skipped


def declared_arguments(app: AppFolder) -> dict[str, str]:
    """The App's declared keyword arguments (`arguments.toml`, see `workbench.declared`).

    None when the file is unreadable: `check_arguments` says why; the other checks read it as none.
    """
    try:
        return load_declared(app.root)
    except DeclaredArgumentsError:
        return {}


def check_arguments(app: AppFolder) -> CheckResult:
    """The declared keyword arguments follow the platform's rules (as `workbench run` checks them)."""
    name = "arguments"
    try:
        declared = load_declared(app.root)
    except DeclaredArgumentsError as error:
        return _failed(name, "error", str(error), items=[str(error)])
    if not declared:
        return _passed(name, f"no keyword arguments declared ({DECLARED_FILE})")
    problems = argument_problems(dict(declared))
    if problems:
        return _failed(name, "error", "; ".join(problems), items=problems)
    return _passed(name, f"{_plural(len(declared), 'keyword argument')} declared: " + ", ".join(declared))


def check_argument_reads(app: AppFolder, tree: ast.Module | None) -> CheckResult:
    """Keys main.py reads against those declared: each mismatch is a warning naming the key and line."""
    name = "arguments_read"
    if tree is None:
        return _skipped(name, f"not checked: {ENTRY_POINT} does not compile (see main_py)")
    found = find_argument_reads(tree)
    declared = declared_arguments(app)
    first_read: dict[str, ArgumentRead] = {}
    for read in found.reads:
        first_read.setdefault(read.key, read)
    findings = []
    for key, read in first_read.items():
        if key not in declared:
            default = " with a default" if read.has_default else ""
            findings.append(
                f"{ENTRY_POINT} line {read.line} reads {key!r} ({read.how}{default}) but it is not declared"
            )
    if found.dynamic_line is None:
        for key in declared:
            if key not in first_read:
                findings.append(f"{key!r} is declared but {ENTRY_POINT} never reads it")
    if findings:
        return _failed(name, "warning", "; ".join(findings), items=findings)
    if not first_read and not declared:
        if found.dynamic_line is not None:
            return _passed(name, f"{ENTRY_POINT} uses the arguments object as a whole (line {found.dynamic_line})")
        return _passed(name, f"{ENTRY_POINT} reads no keyword arguments and none are declared")
    keys = ", ".join(first_read) or "none by name"
    note = f"; it also uses the whole object (line {found.dynamic_line})" if found.dynamic_line else ""
    return _passed(name, f"every key {ENTRY_POINT} reads is declared ({keys}){note}")
