"""The workbench's preflight checks of an App on disk, before a deploy.

Each check has a name, a result and a one-line detail the author can act on.
They read the App and its run records and never write anything. The lifecycle
preview (`workbench.lifecycle`) gates actions on them.
"""

from __future__ import annotations

import ast
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from pydantic import BaseModel, ConfigDict

from .appcache import content_hash
from .appdir import ENTRY_POINT, REQUIREMENTS, RUNS_DIR, STATE_DIR, AppFolder
from .draft import load_draft
from .fsutil import human_size
from .history import RunHistory
from .kwargs import argument_problems
from .records import RunRecord
from .requirements import logical_lines
from .status import RunStatus

Level = Literal["error", "warning", "info"]


class CheckResult(BaseModel):
    """The outcome of one preflight check."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    level: Level
    """How much a failure matters: `error` blocks actions, `warning` does not, `info` only informs."""
    detail: str
    """One line: what was found and, when not ok, what to do."""
    skipped: bool = False
    """The check could not run because another one failed (named in the detail)."""
    items: list[str] = []
    """The individual findings or files behind the detail, one per entry."""
    needed_for: list[str] = []
    """The lifecycle actions this check must pass for (filled in by `lifecycle.preview`)."""


def _passed(name: str, detail: str, items: list[str] | None = None) -> CheckResult:
    return CheckResult(name=name, ok=True, level="info", detail=detail, items=items or [])


def _failed(name: str, level: Level, detail: str, items: list[str] | None = None) -> CheckResult:
    return CheckResult(name=name, ok=False, level=level, detail=detail, items=items or [])


def _skipped(name: str, detail: str) -> CheckResult:
    return CheckResult(name=name, ok=False, level="info", detail=detail, skipped=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# main.py ---------------------------------------------------------------------------------


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


# requirements.txt ------------------------------------------------------------------------

# pip options allowed on a line of their own in a requirements file.
_FILE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable",
    "-i", "--index-url", "--extra-index-url", "--no-index", "-f", "--find-links",
    "--no-binary", "--only-binary", "--prefer-binary", "--require-hashes", "--pre",
    "--trusted-host", "--use-feature",
})
_TAKES_FILE = frozenset({"-r", "--requirement", "-c", "--constraint"})
# pip options allowed after a requirement on the same line.
_LINE_OPTIONS = frozenset({"--hash", "--config-settings", "-C", "--global-option"})


class RequirementsProblem(ValueError):
    """A line of a requirements file that pip would not accept."""


@dataclass
class RequirementsSummary:
    names: list[str]
    options: int = 0
    unchecked: int = 0
    """Lines pip accepts that are not requirement specifiers (paths, URLs, editables)."""


def _option_name(word: str) -> str:
    return word.split("=", 1)[0]


def _looks_like_location(text: str) -> bool:
    return "://" in text or text.startswith((".", "/", "~")) or text.endswith((".whl", ".tar.gz", ".zip"))


def parse_requirements(path: Path, root: Path, seen: frozenset[Path] = frozenset()) -> RequirementsSummary:
    """Parse a requirements file line by line as pip reads it; RequirementsProblem names the first bad line.

    Nested `-r`/`-c` files must be inside the App folder and are parsed too.
    """
    label = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RequirementsProblem(f"{label} is not UTF-8 text") from None
    except OSError as error:
        raise RequirementsProblem(f"{label} cannot be read ({error.strerror or error})") from None
    summary = RequirementsSummary(names=[])
    for number, line in logical_lines(text):
        where = f"{label} line {number}"
        words = line.split()
        if line.startswith("-"):
            option = _option_name(words[0])
            if option not in _FILE_OPTIONS:
                raise RequirementsProblem(f"{where}: {option} is not an option pip accepts in a requirements file")
            value = line[len(option):].lstrip(" =")
            if option in _TAKES_FILE:
                if not value:
                    raise RequirementsProblem(f"{where}: {option} needs a file name")
                nested = (path.parent / value).resolve()
                if not nested.is_relative_to(root) or not nested.is_file():
                    raise RequirementsProblem(f"{where}: {option} {value}: no such file inside the App")
                if option in ("-r", "--requirement") and nested not in seen | {path.resolve()}:
                    inner = parse_requirements(nested, root, seen | {path.resolve()})
                    summary.names += inner.names
                    summary.options += inner.options
                    summary.unchecked += inner.unchecked
            if option in ("-e", "--editable"):
                summary.unchecked += 1
            else:
                summary.options += 1
            continue
        # A requirement, perhaps followed by per-requirement options (--hash=...), as pip splits it.
        spec_words = []
        for word in words:
            if word.startswith("-"):
                if _option_name(word) not in _LINE_OPTIONS:
                    raise RequirementsProblem(f"{where}: {_option_name(word)} is not allowed after a requirement")
                break
            spec_words.append(word)
        spec = " ".join(spec_words)
        try:
            requirement = Requirement(spec)
        except InvalidRequirement as error:
            if _looks_like_location(spec):
                summary.unchecked += 1
                continue
            message = str(error).splitlines()
            column = ""
            if len(message) >= 3 and "^" in message[-1]:
                column = f", column {message[-1].index('^') - 3}"
            hint = ""
            if "=" in spec and not any(op in spec for op in ("==", ">=", "<=", "!=", "~=")):
                hint = "; for an exact version write '=='"
            raise RequirementsProblem(
                f"{where}{column}: {spec!r} is not a requirement specifier ({message[0]}){hint}"
            ) from None
        summary.names.append(requirement.name)
    return summary


def check_requirements(app: AppFolder) -> CheckResult:
    """requirements.txt, if present, parses line by line as pip requirement specifiers."""
    name = "requirements"
    path = app.root / REQUIREMENTS
    if not path.exists():
        return _passed(name, f"no {REQUIREMENTS}: the App runs with the standard library only")
    if not path.is_file():
        return _failed(name, "error", f"{REQUIREMENTS} is not a file; the Node runs `pip install -r {REQUIREMENTS}`")
    try:
        summary = parse_requirements(path, app.root)
    except RequirementsProblem as problem:
        return _failed(name, "error", f"{problem}; pip would refuse it")
    parts = [_plural(len(summary.names), "requirement")]
    if summary.names:
        parts[0] += " (" + ", ".join(summary.names) + ")"
    if summary.options:
        parts.append(_plural(summary.options, "pip option"))
    if summary.unchecked:
        parts.append(f"{summary.unchecked} path/URL/editable line(s) not checked")
    return _passed(name, f"{REQUIREMENTS} parses: " + ", ".join(parts), items=summary.names)


# keyword arguments -----------------------------------------------------------------------


def declared_arguments(app: AppFolder) -> dict[str, str]:
    """The App's declared keyword arguments: the workbench's Job draft (`.workbench/draft.json`)."""
    return load_draft(app.root).kwargs


def check_arguments(app: AppFolder) -> CheckResult:
    """The declared keyword arguments follow the platform's rules (as `workbench run` checks them)."""
    name = "arguments"
    declared = declared_arguments(app)
    if not declared:
        return _passed(name, "no keyword arguments declared in the workbench's Job draft")
    problems = argument_problems(dict(declared))
    if problems:
        return _failed(name, "error", "; ".join(problems), items=problems)
    return _passed(name, f"{_plural(len(declared), 'keyword argument')} declared: " + ", ".join(declared))


@dataclass(frozen=True)
class ArgumentRead:
    """A keyword argument `main.py` appears to read."""

    key: str
    line: int
    how: str
    """`stdin JSON` or `argparse`."""
    has_default: bool = False


@dataclass
class ArgumentReads:
    """What main.py appears to read, found in its syntax tree."""

    reads: list[ArgumentRead]
    dynamic_line: int | None = None
    """The first line where the stdin object is used in a way that can read any key (printed, iterated, passed on)."""


_KEY_METHODS = frozenset({"get", "pop", "setdefault"})


def _mentions_stdin(node: ast.AST, stdin_names: set[str]) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and inner.attr == "stdin":
            return True
        if isinstance(inner, ast.Name) and (inner.id == "stdin" or inner.id in stdin_names):
            return True
    return False


def _is_stdin_text(node: ast.AST, stdin_names: set[str]) -> bool:
    """`sys.stdin.read()`, `sys.stdin.buffer.read()`, `stdin.read()`, or a name holding one."""
    if isinstance(node, ast.Name):
        return node.id in stdin_names
    if isinstance(node, ast.BoolOp):
        return any(_is_stdin_text(value, stdin_names) for value in node.values)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "read"
        and _mentions_stdin(node.func.value, stdin_names)
    )


def _is_json_load(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr in ("loads", "load") and isinstance(func.value, ast.Name) and func.value.id == "json"
    return isinstance(func, ast.Name) and func.id in ("loads", "load")


def _assigned_names(node: ast.AST) -> list[tuple[str, ast.AST]]:
    """(name, value) for simple assignments: `x = ...`, `x: T = ...`, `(x := ...)`."""
    if isinstance(node, ast.Assign):
        return [(target.id, node.value) for target in node.targets if isinstance(target, ast.Name)]
    if isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
        return [(node.target.id, node.value)]
    if isinstance(node, ast.NamedExpr):
        return [(node.target.id, node.value)]
    return []


def find_argument_reads(tree: ast.Module) -> ArgumentReads:
    """The keys main.py reads from the JSON object on stdin, and the `--flags` it gives argparse.

    A heuristic over the syntax tree: names bound to `json.loads(...stdin...)` (directly or
    through a name holding the stdin text) are the arguments object, tracked by name across
    the module; `obj["key"]`, `obj.get("key")` and `"key" in obj` are reads.
    """
    # One walk over the tree (a generated main.py can hold a million nodes); the rest works on what it keeps.
    assignments: list[tuple[str, ast.AST]] = []
    candidates: list[ast.AST] = []
    name_loads: list[ast.Name] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                name_loads.append(node)
        elif isinstance(node, (ast.Subscript, ast.Compare)) or (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        ):
            candidates.append(node)
        assignments += _assigned_names(node)

    stdin_names: set[str] = set()
    payload_names: set[str] = set()

    def is_payload(node: ast.AST) -> bool:
        """`json.loads(...stdin...)`, a name bound to one, or `that or {}`."""
        if isinstance(node, ast.Name):
            return node.id in payload_names
        if isinstance(node, ast.BoolOp):
            return any(is_payload(value) for value in node.values)
        return isinstance(node, ast.Call) and _is_json_load(node) and _mentions_stdin(node, stdin_names)

    # Repeat until nothing changes: `text = sys.stdin.read(); args = json.loads(text); a = args`.
    changed = True
    while changed:
        changed = False
        for name, value in assignments:
            if name in payload_names or name in stdin_names:
                continue
            if is_payload(value):
                payload_names.add(name)
                changed = True
            elif _is_stdin_text(value, stdin_names):
                stdin_names.add(name)
                changed = True

    reads: list[ArgumentRead] = []
    accounted: set[int] = set()
    for node in candidates:
        if isinstance(node, ast.Subscript):
            if is_payload(node.value) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                accounted.add(id(node.value))
                reads.append(ArgumentRead(node.slice.value, node.lineno, "stdin JSON"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in _KEY_METHODS and is_payload(node.func.value):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    accounted.add(id(node.func.value))
                    reads.append(ArgumentRead(first.value, node.lineno, "stdin JSON", has_default=len(node.args) > 1))
            elif node.func.attr == "add_argument":
                flags = [
                    arg.value for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("--")
                ]
                if flags:
                    has_default = any(keyword.arg == "default" for keyword in node.keywords)
                    reads.append(ArgumentRead(flags[0][2:], node.lineno, "argparse", has_default=has_default))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            left, right = node.left, node.comparators[0]
            if is_payload(right) and isinstance(left, ast.Constant) and isinstance(left.value, str):
                accounted.add(id(right))
                reads.append(ArgumentRead(left.value, node.lineno, "stdin JSON"))
    for name, value in assignments:
        if isinstance(value, ast.Name) and name in payload_names:
            accounted.add(id(value))  # an alias, tracked by its own name
    # Any other load of the object (printed, iterated, passed on) may read any key.
    dynamic = [node.lineno for node in name_loads if node.id in payload_names and id(node) not in accounted]
    dynamic_line = min(dynamic, default=None)
    reads.sort(key=lambda read: (read.line, read.key))
    return ArgumentReads(reads, dynamic_line)


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


# the App folder --------------------------------------------------------------------------


def check_system_folders(app: AppFolder) -> CheckResult:
    """No `input/` or `output/` in the App: the platform wipes and recreates them for every Job."""
    name = "system_folders"
    found = app.warnings()
    if found:
        return _failed(name, "warning", "; ".join(found), items=found)
    return _passed(name, "no input/ or output/ folder in the App")


def _stored_runs(app: AppFolder) -> list[RunRecord]:
    # Without runs there is nothing to read; RunHistory.root would create .workbench/.
    if not (app.root / STATE_DIR / RUNS_DIR).is_dir():
        return []
    return RunHistory(app.root).records()


def check_last_run(app: AppFolder, runs: list[RunRecord], app_hash: str) -> CheckResult:
    """The most recent run of the App's current contents succeeded."""
    name = "last_run"
    record = next((run for run in runs if run.app_hash == app_hash), None)
    if record is None:
        older = " (earlier runs were of other contents)" if runs else ""
        return _failed(
            name, "error",
            f"no run of the current contents yet{older}: run it with `workbench run {shlex.quote(str(app.root))}`",
        )
    if record.status is RunStatus.SUCCEEDED:
        took = f" in {record.duration_seconds:.2f} s" if record.duration_seconds is not None else ""
        return _passed(name, f"the latest run of the current contents ({record.id}) succeeded{took}")
    why = f": {record.message}" if record.message else (
        f": exit code {record.exit_code}" if record.exit_code is not None else ""
    )
    return _failed(
        name, "error",
        f"the latest run of the current contents ({record.id}) {record.status.value}{why}; fix it and run again",
    )


def check_deploy_upload(app: AppFolder) -> CheckResult:
    """What a deploy would upload: the App's files and their total size."""
    name = "deploy_upload"
    files = app.files()
    total = sum(item.size for item in files)
    shown = ", ".join(item.path for item in files[:6])
    more = f", +{len(files) - 6} more" if len(files) > 6 else ""
    items = [f"{item.path} ({human_size(item.size)})" for item in files]
    return _passed(name, f"{_plural(len(files), 'file')}, {human_size(total)}: {shown}{more}", items=items)


def _top_level_folders(path: Path) -> set[str]:
    try:
        with os.scandir(path) as entries:
            return {entry.name for entry in entries if entry.is_dir(follow_symlinks=False)}
    except OSError:  # the kept copy was pruned or moved: the record's paths alone tell
        return set()


def _output_folders(record: RunRecord) -> list[str]:
    """Folders the run left directly inside output/, from its record and its kept copy."""
    folders = {item.path.split("/", 1)[0] for item in record.outputs if "/" in item.path}
    return sorted(folders | _top_level_folders(Path(record.output_dir)))


def check_output_folders(app: AppFolder, runs: list[RunRecord]) -> CheckResult:
    """The last run left no folder inside output/: the Node uploads only the entries directly inside it."""
    name = "output_folders"
    if not runs:
        return _passed(name, "no run yet to look at output/ (the Node uploads only its top-level entries)")
    record = runs[0]
    folders = _output_folders(record)
    if folders:
        listed = ", ".join(f"output/{folder}/" for folder in folders)
        return _failed(
            name, "warning",
            f"the last run ({record.id}) wrote folder(s) {listed}: the Node uploads only the entries"
            " directly inside output/, so write files there (or an archive) instead",
            items=[f"output/{folder}/" for folder in folders],
        )
    return _passed(name, f"the last run ({record.id}) wrote {_plural(len(record.outputs), 'file')} directly in output/")


def run_checks(app: AppFolder) -> list[CheckResult]:
    """Every preflight check of the App, in a fixed order."""
    tree, main_check = parse_main(app)
    runs = _stored_runs(app)
    return [
        main_check,
        check_requirements(app),
        check_arguments(app),
        check_argument_reads(app, tree),
        check_system_folders(app),
        check_last_run(app, runs, content_hash(app)),
        check_deploy_upload(app),
        check_output_folders(app, runs),
    ]
