"""Which keyword arguments main.py appears to read: a heuristic over its syntax tree."""

from __future__ import annotations

import ast
from dataclasses import dataclass


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
