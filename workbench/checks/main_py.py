"""main.py: it exists and compiles (its syntax tree feeds the argument-reads check)."""

from __future__ import annotations

import ast

from ..appdir import ENTRY_POINT, AppFolder
from .result import CheckResult, _failed, _passed


def parse_main(app: AppFolder) -> tuple[ast.Module | None, CheckResult]:
    """Read and compile main.py: its syntax tree (None when it does not compile) and the check."""
    name = "main_py"
    path = app.root / ENTRY_POINT
    if not path.is_file():
        return None, _failed(name, "error", f"no {ENTRY_POINT} at the App's root: the Node starts `python {ENTRY_POINT}`")
    try:
        source = path.read_bytes()
    except OSError as error:
        return None, _failed(name, "error", f"{ENTRY_POINT} cannot be read ({error.strerror or error})")
    try:
        tree = ast.parse(source, filename=ENTRY_POINT)
        compile(tree, ENTRY_POINT, "exec", dont_inherit=True)
    except SyntaxError as error:
        where = f"line {error.lineno}" if error.lineno else "somewhere"
        kind = type(error).__name__
        return None, _failed(name, "error", f"{ENTRY_POINT} {where}: {error.msg} ({kind}); fix it and check again")
    except (ValueError, RecursionError, MemoryError) as error:
        why = str(error) or type(error).__name__
        return None, _failed(name, "error", f"{ENTRY_POINT} does not compile: {why}")
    return tree, _passed(name, f"{ENTRY_POINT} compiles")
