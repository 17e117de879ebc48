"""Watch mode sees saves to the App's files, and never the files a run or the workbench writes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from watchfiles import Change

from workbench.appdir import AppFolder
from workbench.watch import describe_changes, is_swap_file, is_watched, watch_app


@pytest.fixture
def app(make_app) -> AppFolder:
    return AppFolder.open(make_app("print('hi')\n", **{"lib__util.py": "X = 1\n"}))


@pytest.mark.parametrize("rel", ["main.py", "lib/util.py", "data/table.csv", "requirements.txt"])
def test_the_apps_files_are_watched(app: AppFolder, rel: str) -> None:
    assert is_watched(app, app.root / rel)


@pytest.mark.parametrize(
    "rel",
    [
        ".workbench/runs/1/output/result.txt",
        ".workbench/draft.json",
        ".venv/lib/site.py",
        "input/data.txt",
        "output/result.txt",
        "__pycache__/main.cpython-311.pyc",
        "lib/__pycache__/util.cpython-311.pyc",
        ".git/index",
        ".main.py.swp",
        "main.py~",
        ".#main.py",
        "main.py.___jb_tmp___",
        "4913",
    ],
)
def test_what_is_not_the_app_is_not_watched(app: AppFolder, rel: str) -> None:
    assert not is_watched(app, app.root / rel)


def test_files_outside_the_app_are_not_watched(app: AppFolder, tmp_path: Path) -> None:
    assert not is_watched(app, tmp_path / "elsewhere.py")


def test_swap_file_names() -> None:
    assert is_swap_file(".main.py.swx") and is_swap_file("#main.py#")
    assert not is_swap_file("main.py") and not is_swap_file("swap.py")


def test_a_burst_is_described_by_its_first_file(app: AppFolder) -> None:
    change = describe_changes(
        app,
        {
            (Change.modified, str(app.root / "main.py")),
            (Change.added, str(app.root / "lib/util.py")),
            (Change.modified, str(app.root / ".workbench/draft.json")),
        },
    )
    assert change is not None
    assert change.paths == ("lib/util.py", "main.py")
    assert change.reason == "added lib/util.py and 1 other file"


def test_a_save_is_described_as_saved(app: AppFolder) -> None:
    change = describe_changes(app, {(Change.modified, str(app.root / "main.py"))})
    assert change is not None and change.reason == "saved main.py"


def test_a_burst_of_only_excluded_files_is_nothing(app: AppFolder) -> None:
    assert describe_changes(app, {(Change.added, str(app.root / "output/x.txt"))}) is None


async def _collect(app: AppFolder, actions, quiet: float = 0.6) -> list:
    """Run the watcher, perform `actions` (after it is ready), and gather what it reports."""
    stop = asyncio.Event()
    seen = []

    async def consume() -> None:
        async for change in watch_app(app, stop_event=stop, step_ms=30, debounce_ms=300):
            seen.append(change)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.3)  # let the watcher register
    await actions()
    await asyncio.sleep(quiet)
    stop.set()
    await asyncio.wait_for(task, 5)
    return seen


def test_a_burst_of_saves_gives_one_change(app: AppFolder) -> None:
    async def actions() -> None:
        for i in range(5):
            (app.root / "main.py").write_text(f"print({i})\n")
            await asyncio.sleep(0.005)

    seen = asyncio.run(_collect(app, actions))
    assert len(seen) == 1
    assert seen[0].reason == "saved main.py"


def test_writes_by_runs_and_the_workbench_give_no_change(app: AppFolder) -> None:
    async def actions() -> None:
        for rel in (
            ".workbench/runs/1/output/result.txt",
            "output/result.txt",
            "input/x.txt",
            "__pycache__/m.pyc",
            ".main.py.swp",
        ):
            path = app.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("written by a run")

    assert asyncio.run(_collect(app, actions)) == []


def test_the_ui_watches_with_the_watchers_own_timings() -> None:
    from workbench.ui.settings import UISettings
    from workbench.watch import DEBOUNCE_MS, STEP_MS

    settings = UISettings()
    assert (settings.watch_step_ms, settings.watch_debounce_ms) == (STEP_MS, DEBOUNCE_MS)
