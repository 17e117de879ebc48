"""The core never imports Textual: it must run, and be tested, without a terminal."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import workbench

CORE_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(workbench.__path__, prefix="workbench.")
    if not info.name.startswith("workbench.ui") and info.name != "workbench.__main__"
)


def test_the_core_has_modules_to_check() -> None:
    assert {"workbench.appdir", "workbench.job", "workbench.runner", "workbench.cli"} <= set(CORE_MODULES)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"{module} imports textual\n{result.stderr}"


def test_workbench_run_does_not_import_textual(sample_app) -> None:
    app = sample_app("echo")
    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        f"status = main(['run', {str(app)!r}, '-q', '-k', 'message_string=hi'])\n"
        "sys.exit(90 if 'textual' in sys.modules else status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "hi" in result.stdout


def test_the_import_contract_covers_every_core_module() -> None:
    # lint-imports checks only the modules its contract names: a new core module must join the list.
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(workbench.__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        item for item in config["tool"]["importlinter"]["contracts"] if "workbench.ui" in item["forbidden_modules"]
    ]
    top_level = {f"workbench.{info.name}" for info in pkgutil.iter_modules(workbench.__path__) if info.name != "ui"}
    assert set(contract["source_modules"]) == top_level
    assert "textual" in contract["forbidden_modules"]


def test_no_module_of_the_workbench_imports_itself_through_others() -> None:
    # Import cycles, lazy imports included (grimp sees every import statement).
    import grimp

    graph = grimp.build_graph("workbench")
    edges = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in edges[module]:
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(edges):
        if module not in order:
            visit(module)
    assert cycles == []


def test_workbench_run_starts_the_app_before_importing_what_only_its_end_needs(sample_app) -> None:
    # pydantic, the Node's verdict and the history's index are imported while the App runs (or after).
    app = sample_app("echo")
    code = (
        "import sys\n"
        "from workbench import runner\n"
        "from workbench.cli import main\n"
        "seen = []\n"
        "start = runner.ProcessRun.start\n"
        "def spy(self):\n"
        "    seen.append(set(sys.modules))\n"
        "    start(self)\n"
        "runner.ProcessRun.start = spy\n"
        f"status = main(['run', {str(app)!r}, '-q', '-k', 'message_string=hi'])\n"
        "late = ('pydantic', 'workbench.records', 'workbench.node.verdict', 'workbench.runindex')\n"
        "early = sorted(name for name in late if name in seen[0])\n"
        "print('imported before the App started:', early)\n"
        "sys.exit(status or (91 if early else 0) or (92 if 'workbench.runindex' not in sys.modules else 0))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "imported before the App started: []" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
