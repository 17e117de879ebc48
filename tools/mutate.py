#!/usr/bin/env python3
"""Mutation testing of the workbench's core: change one thing, run the tests that cover it, see them fail.

    nice python3 tools/mutate.py                      # every core module, 2 workers
    nice python3 tools/mutate.py kwargs runner -j 1   # some modules only
    python3 tools/mutate.py --list kwargs             # the mutants, without running anything

Each mutant is one small, realistic change to one module (a comparison turned
around, `and` for `or`, a constant off by one, a call left out, a return value
lost, ...). For each, only the test files that cover that module run (`-x`,
stopping at the first failure), in a private copy of the repository, so a whole
pass takes minutes, not hours, and the working tree is never touched. A mutant
the tests fail on is killed; one they pass on survived: either the tests miss a
behaviour, or the change does not alter behaviour at all (an equivalent mutant).
Known equivalents are listed, with the reason, in `tools/mutation_equivalents.txt`
and reported apart. See docs/testing.md.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (module file or package folder, the test files that cover it, found anywhere under tests/)
    "kwargs": ("workbench/kwargs.py", ("test_kwargs.py",)),
    "lifecycle": ("workbench/lifecycle.py", ("test_lifecycle.py",)),
    "checks": (
        "workbench/checks",
        (
            "test_checks.py",
            "test_checks_argument_reads.py",
            "test_checks_details.py",
            "test_checks_runs.py",
            "test_declared.py",
            "test_requirements.py",
        ),
    ),
    "runner": ("workbench/runner.py", ("test_runner.py", "test_proctree.py", "test_escapees.py")),
    "staging": (
        "workbench/staging",
        (
            "test_staging.py",
            "test_staging_reuse.py",
            "test_staging_slots.py",
            "test_staging_checked.py",
            "test_staging_repairs.py",
            "test_staging_bounds.py",
        ),
    ),
    "history": (
        "workbench/history.py",
        ("test_records.py", "test_history.py", "test_history_live.py", "test_history_index.py", "test_history_budget.py"),
    ),
    "judge": ("workbench/presets/judge.py", ("test_presets.py", "test_presets_judge.py")),
}


def _units() -> dict[str, tuple[str, tuple[str, ...]]]:
    """One unit per module file: a package's modules become `checks/main_py` and so on."""
    units = {}
    for name, (path, tests) in TARGETS.items():
        if (REPO / path).is_dir():
            for module in sorted((REPO / path).glob("*.py")):
                units[f"{name}/{module.stem}"] = (str(module.relative_to(REPO)), tests)
        else:
            units[name] = (path, tests)
    return units


UNITS = _units()

EQUIVALENTS = REPO / "tools" / "mutation_equivalents.txt"

_LEAN_PYTEST = [
    word
    for plugin in ("cacheprovider", "hypothesispytest", "textual-snapshot", "syrupy", "benchmark")
    for word in ("-p", f"no:{plugin}")
]
"""Plugins the core's tests do not use, switched off: hypothesis' alone costs a second a run."""

_COMPARE_SWAPS: dict[type, type] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
}
_SYMBOLS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
    ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
    ast.FloorDiv: "//", ast.Div: "/", ast.And: "and", ast.Or: "or",
}


@dataclass(frozen=True)
class Mutant:
    target: str
    index: int
    line: int
    description: str
    source_line: str
    end_line: int = 0

    @property
    def key(self) -> str:
        """What identifies it across edits elsewhere in the file: module, the line's text, the change."""
        return f"{self.target} | {self.source_line.strip()} | {self.description}"


@dataclass
class Outcome:
    mutant: Mutant
    result: str  # killed, survived, timeout, error
    seconds: float
    detail: str = ""


# ---------------------------------------------------------------------------------- making mutants


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0]))
        # An attribute docstring: a string statement right after an assignment.
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for stmt in body[1:]:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                    found.add(id(stmt))
    return found


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Nodes never mutated: docstrings, annotations, `if TYPE_CHECKING:` blocks, asserts, logging."""
    skipped: set[int] = set()

    def skip_all(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(child) for child in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            skip_all(node.returns)
            for arg in (*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs, node.args.vararg, node.args.kwarg):
                if arg is not None:
                    skip_all(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            skip_all(node.annotation)
        elif isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skip_all(node)
        elif isinstance(node, ast.Assert):
            skip_all(node)
    for docstring in _docstring_nodes(tree):
        skipped.add(docstring)
    return skipped


def _sites(tree: ast.Module) -> list[tuple[ast.AST, str, int, callable]]:
    """Every mutation site: (node, description, line, apply(node_copy) -> None)."""
    skipped = _skipped_nodes(tree)
    sites = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                swap = _COMPARE_SWAPS.get(type(op))
                if swap is not None:
                    def apply(n, position=position, swap=swap):
                        n.ops[position] = swap()
                    sites.append((node, f"{_SYMBOLS[type(op)]} -> {_SYMBOLS[swap]}", line, apply))
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            def apply(n, other=other):
                n.op = other()
            sites.append((node, f"{_SYMBOLS[type(node.op)]} -> {_SYMBOLS[other]}", line, apply))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            sites.append((node, "not x -> x", line, "unwrap"))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
            swap = _BINOP_SWAPS[type(node.op)]
            if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                continue  # string concatenation and %-formatting: a crash, not a behaviour
            def apply(n, swap=swap):
                n.op = swap()
            sites.append((node, f"{_SYMBOLS[type(node.op)]} -> {_SYMBOLS[swap]}", line, apply))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            def apply(n):
                n.value = not n.value
            sites.append((node, f"{node.value} -> {not node.value}", line, apply))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
            new = node.value + 1
            def apply(n, new=new):
                n.value = new
            sites.append((node, f"{node.value!r} -> {new!r}", line, apply))
        elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            def apply(n):
                n.value = ast.Constant(None)
            sites.append((node, "return x -> return None", line, apply))
        elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
            sites.append((node, "call left out", line, "pass"))
        elif isinstance(node, ast.Break):
            sites.append((node, "break -> continue", line, "continue"))
        elif isinstance(node, ast.Continue):
            sites.append((node, "continue -> break", line, "break"))
    sites.sort(key=lambda site: (site[2], site[1]))
    return sites


class _Replace(ast.NodeTransformer):
    def __init__(self, target_index: int, action) -> None:
        self.target_index = target_index
        self.action = action
        self.index = -1

    def visit(self, node):
        if getattr(node, "_mutation_site", None) == self.target_index:
            if self.action == "unwrap":
                return node.operand
            if self.action == "pass":
                return ast.copy_location(ast.Pass(), node)
            if self.action == "continue":
                return ast.copy_location(ast.Continue(), node)
            if self.action == "break":
                return ast.copy_location(ast.Break(), node)
            self.action(node)
            return node
        return self.generic_visit(node)


def mutants_of(target: str) -> tuple[list[Mutant], callable]:
    """The mutants of a target, and a function giving the mutated source of one."""
    path = REPO / UNITS[target][0]
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    sites = _sites(tree)
    for index, (node, _description, _line, _apply) in enumerate(sites):
        node._mutation_site = index  # type: ignore[attr-defined]
    mutants = [
        Mutant(target, index, line, description, lines[line - 1] if 0 < line <= len(lines) else "",
               getattr(node, "end_lineno", line) or line)
        for index, (node, description, line, _apply) in enumerate(sites)
    ]

    def mutated_source(index: int) -> str:
        action = sites[index][3]
        tree_copy = copy.deepcopy(tree)
        new_tree = _Replace(index, action).visit(tree_copy)
        ast.fix_missing_locations(new_tree)
        return ast.unparse(new_tree) + "\n"

    return mutants, mutated_source


# ---------------------------------------------------------------------------------- running them


def test_files(target: str, root: Path) -> list[str]:
    names = UNITS[target][1]
    found = sorted(str(path.relative_to(root)) for name in names for path in (root / "tests").rglob(name))
    if not found:
        raise SystemExit(f"mutate: no test file named {', '.join(names)} under tests/ for {target}")
    return found


class LineTracer:
    """A pytest plugin recording which tests execute which lines of one file (in every thread)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.current = ""  # "" while no test runs: module import, collection
        self.lines: dict[int, set[str]] = {}
        self.passed = True

    def _local(self, frame, event, _arg):
        if event == "line":
            self.lines.setdefault(frame.f_lineno, set()).add(self.current)
        return self._local

    def _global(self, frame, _event, _arg):
        return self._local if frame.f_code.co_filename == self.filename else None

    def pytest_configure(self, config) -> None:
        sys.settrace(self._global)
        threading.settrace(self._global)

    def pytest_runtest_setup(self, item) -> None:
        self.current = item.nodeid
        # Again for each test: a test or a library may have replaced the trace function.
        sys.settrace(self._global)
        threading.settrace(self._global)

    def pytest_runtest_teardown(self, item) -> None:
        self.current = item.nodeid

    def pytest_unconfigure(self, config) -> None:
        sys.settrace(None)
        threading.settrace(None)


class Workspace:
    """A private copy of the repository in which one mutant at a time is written."""

    def __init__(self, base: Path, number: int) -> None:
        self.root = base / f"worker-{number}"
        ignore = shutil.ignore_patterns(".git", "__pycache__", ".workbench", ".mypy_cache", ".ruff_cache", "*.egg-info")
        shutil.copytree(REPO, self.root, ignore=ignore, symlinks=True)
        self.originals = {unit: (self.root / module).read_text(encoding="utf-8") for unit, (module, _) in UNITS.items()}


def _pytest_args(tests: list[str], timeout: float) -> list[str]:
    return ["-x", "-q", *_LEAN_PYTEST, f"--timeout={int(timeout)}", *tests]


def _child(root: Path, args: list[str], log: Path, plugin: object | None = None) -> None:
    """In a forked child: run pytest in `root` (as `python -m pytest` there would), then exit with its status."""
    code = 3
    try:
        os.setsid()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(root)
        sys.path.insert(0, str(root))
        sys.dont_write_bytecode = True
        import pytest

        code = int(pytest.main(args, plugins=[plugin] if plugin is not None else []))
        if plugin is not None:
            (root / ".lines.json").write_text(
                json.dumps({str(line): sorted(tests) for line, tests in plugin.lines.items()}), encoding="utf-8"
            )
    except BaseException:  # noqa: BLE001 -- anything at all: report it through the status
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        os._exit(code)


def baseline(workspace: Workspace, target: str) -> tuple[float, dict[int, set[str]]]:
    """Run a target's tests unmutated: their time, and which tests run each line of the module."""
    module = UNITS[target][0]
    tracer = LineTracer(str(workspace.root / module))
    log = workspace.root / f".baseline-{target.replace('/', '-')}.log"
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(workspace.root, _pytest_args(test_files(target, workspace.root), 600), log, tracer)
    _pid, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"mutate: the tests of {target} fail unmutated:\n{log.read_text()[-3000:]}")
    lines = json.loads((workspace.root / ".lines.json").read_text(encoding="utf-8"))
    return seconds, {int(line): set(tests) for line, tests in lines.items()}


def tests_for(mutant: Mutant, coverage: dict[int, set[str]], files: list[str]) -> list[str] | None:
    """The tests to run for a mutant: those that run its lines; all the files when its lines run
    at import (a constant, a default); None when no test runs them (it survives unrun)."""
    hits: set[str] = set()
    for line in range(mutant.line, mutant.end_line + 1):
        hits |= coverage.get(line, set())
    if not hits:
        return None
    if "" in hits:
        return files
    return sorted(hits)


def _preload() -> None:
    """Import once, before forking, what every test run imports: each run then starts in a fraction of a second."""
    for name in ("pytest", "_pytest.python", "_pytest.runner", "_pytest.fixtures", "pytest_timeout", "anyio", "pydantic",
                 "tomlkit", "watchfiles", "psutil", "packaging.requirements", "json", "subprocess", "difflib", "asyncio"):
        try:
            __import__(name)
        except ImportError:
            pass


def load_equivalents() -> dict[str, str]:
    """Known equivalent mutants: `key` -> why (one `key  # why` a line)."""
    found = {}
    if EQUIVALENTS.is_file():
        for raw in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
            if raw.strip() and not raw.startswith("#"):
                key, _, why = raw.rpartition("  # ")  # the last: a source line may hold a comment
                found[key.strip()] = why.strip()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help=f"modules to mutate: {', '.join(TARGETS)} (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="test runs at once (default 2)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--report", type=Path, help="also write every outcome as JSON to this file")
    parser.add_argument("--only", type=int, nargs="*", help="run only these mutant numbers (with one target)")
    options = parser.parse_args()
    chosen = options.targets or list(TARGETS)
    unknown = [target for target in chosen if target not in TARGETS and target not in UNITS]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    targets = [unit for unit in UNITS if unit in chosen or unit.split("/")[0] in chosen]
    equivalents = load_equivalents()

    plan: list[tuple[Mutant, callable]] = []
    for target in targets:
        mutants, mutated = mutants_of(target)
        for mutant in mutants:
            if options.only is None or mutant.index in options.only:
                plan.append((mutant, mutated))
    if options.list:
        for mutant, _ in plan:
            print(f"{mutant.target}#{mutant.index} line {mutant.line}: {mutant.description}   {mutant.source_line.strip()}")
        print(f"{len(plan)} mutants")
        return 0

    try:
        os.nice(10)
    except OSError:
        pass
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.environ.pop("PYTHONPATH", None)
    _preload()
    base = Path(tempfile.mkdtemp(prefix="workbench-mutate-"))
    print(f"mutate: {len(plan)} mutants of {', '.join(targets)}; {options.jobs} at once; copies in {base}", flush=True)
    workspaces = [Workspace(base, number) for number in range(options.jobs)]

    # The unmutated tests must pass; their time bounds each mutant's run, and which tests
    # run which line chooses the tests for each mutant.
    bounds: dict[str, float] = {}
    coverage: dict[str, dict[int, set[str]]] = {}
    for target in targets:
        seconds, coverage[target] = baseline(workspaces[0], target)
        bounds[target] = max(20.0, 3 * seconds + 10)
        print(f"  {target}: {', '.join(test_files(target, workspaces[0].root))} pass unmutated in {seconds:.1f} s", flush=True)

    outcomes: list[Outcome] = []
    started = time.monotonic()
    queue = list(plan)
    running: dict[int, tuple[Workspace, Mutant, float]] = {}
    free = list(workspaces)

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if options.report:  # as it goes, one JSON object a line: a pass cut short still tells
            with open(options.report.with_suffix(".partial.jsonl"), "a", encoding="utf-8") as partial:
                partial.write(json.dumps({**asdict(outcome.mutant), "result": outcome.result}) + "\n")
        mark = {"killed": ".", "timeout": "T", "error": "E", "survived": "S", "uncovered": "U"}[outcome.result]
        print(mark, end="" if len(outcomes) % 80 else "\n", flush=True)

    while queue or running:
        while queue and free:
            mutant, mutated = queue.pop(0)
            files = test_files(mutant.target, workspaces[0].root)
            selected = tests_for(mutant, coverage[mutant.target], files)
            if selected is None:
                record(Outcome(mutant, "uncovered", 0.0, "no test runs this line"))
                continue
            workspace = free.pop()
            module_path = workspace.root / UNITS[mutant.target][0]
            module_path.write_text(mutated(mutant.index), encoding="utf-8")
            log = workspace.root / ".mutant.log"
            pid = os.fork()
            if pid == 0:
                _child(workspace.root, _pytest_args(selected, bounds[mutant.target]), log)
            running[pid] = (workspace, mutant, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for child, (_workspace, mutant, began) in list(running.items()):
                if now - began > bounds[mutant.target] + 30:
                    try:
                        os.killpg(child, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.02)
            continue
        workspace, mutant, began = running.pop(pid)
        seconds = time.monotonic() - began
        (workspace.root / UNITS[mutant.target][0]).write_text(workspace.originals[mutant.target], encoding="utf-8")
        free.append(workspace)
        try:
            os.killpg(pid, signal.SIGKILL)  # anything the tests left running
        except (ProcessLookupError, PermissionError):
            pass
        if os.WIFSIGNALED(status):
            result = "timeout"
        else:
            code = os.waitstatus_to_exitcode(status)
            result = {0: "survived", 1: "killed"}.get(code, "error")
            if result == "killed" and "Timeout" in (workspace.root / ".mutant.log").read_text(errors="replace"):
                result = "timeout"
        record(Outcome(mutant, result, seconds))
    print()
    shutil.rmtree(base, ignore_errors=True)

    # Report: per module, then every survivor with its line.
    outcomes.sort(key=lambda o: (o.mutant.target, o.mutant.index))
    total_killed = total = total_equivalent = 0
    print(f"\n{'module':<22} {'mutants':>7} {'killed':>7} {'timeout':>7} {'equiv.':>7} {'survived':>8} {'kill rate':>9}")
    for target in targets:
        mine = [o for o in outcomes if o.mutant.target == target]
        killed = sum(1 for o in mine if o.result in ("killed", "timeout", "error"))
        timeouts = sum(1 for o in mine if o.result == "timeout")
        equivalent = sum(1 for o in mine if o.result in ("survived", "uncovered") and o.mutant.key in equivalents)
        survived = sum(1 for o in mine if o.result in ("survived", "uncovered")) - equivalent
        judged = len(mine) - equivalent
        rate = 100 * killed / judged if judged else 100.0
        print(f"{target:<22} {len(mine):>7} {killed:>7} {timeouts:>7} {equivalent:>7} {survived:>8} {rate:>8.1f}%")
        total_killed += killed
        total += len(mine)
        total_equivalent += equivalent
    judged = total - total_equivalent
    print(f"{'all':<22} {total:>7} {total_killed:>7} {'':>7} {total_equivalent:>7} {judged - total_killed:>8}"
          f" {100 * total_killed / judged if judged else 100:>8.1f}%")
    print(f"raw kill rate (equivalents counted as survivors): {100 * total_killed / total if total else 100:.1f}%;"
          f" {time.monotonic() - started:.0f} s")
    survivors = [o for o in outcomes if o.result in ("survived", "uncovered") and o.mutant.key not in equivalents]
    if survivors:
        print("\nsurvivors (the tests pass with this change):")
        for o in survivors:
            m = o.mutant
            unrun = "  (no test runs this line)" if o.result == "uncovered" else ""
            print(f"  {UNITS[m.target][0]}:{m.line} #{m.index} {m.description}{unrun}\n      {m.source_line.strip()}")
    errors = [o for o in outcomes if o.result == "error"]
    if errors:
        print("\nmutants that broke the test run itself (counted as killed):")
        for o in errors:
            print(f"  {UNITS[o.mutant.target][0]}:{o.mutant.line} #{o.mutant.index} {o.mutant.description}")
    if options.report:
        options.report.write_text(json.dumps([{**asdict(o.mutant), "result": o.result, "seconds": round(o.seconds, 2),
                                               "equivalent": equivalents.get(o.mutant.key)} for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
