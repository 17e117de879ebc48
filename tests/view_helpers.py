"""Helpers of the view tests: a one-widget App, real runs pinned to fixed ids and times, waiting for workers.

Shared by the views, snapshot and app tiers (`tests/views`, `tests/snapshots`, `tests/app`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Log, Static, Tree
from textual.worker import WorkerCancelled, WorkerState

from workbench.appdir import AppFolder
from workbench.history import RunHistory
from workbench.job import Job, JobSpec
from workbench.records import RunRecord
from workbench.ui.history_view import HistoryView
from workbench.ui.lifecycle_panel import LifecyclePanel
from workbench.ui.messages import OpenExternally
from workbench.ui.output_browser import OutputBrowser

SIZE = (120, 36)
BIG_SIZE = 3 * 1024 * 1024

EXTRA_OUTPUTS = f"""

# Added by the tests: a symlink the browser must not follow, and a file too large to read whole.
os.symlink("../../etc/passwd", "output/escape-link")
with open("output/big.log", "w") as f:
    line = "a long log line that repeats to make a large file\\n"
    f.write(line * ({BIG_SIZE} // len(line) + 1))
"""


def pilot_test(test):
    """Run an async pilot test on a fresh event loop (the suite has no async plugin)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(test(*args, **kwargs))

    return run


class Quiet:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


class Harness(App[None]):
    """Mounts one view, with a footer, and records what it asks the shell to open."""

    def __init__(self, view: Widget) -> None:
        super().__init__()
        self.view = view
        self.opened: list[OpenExternally] = []
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield self.view
        yield Footer()

    @on(OpenExternally)
    def _open(self, message: OpenExternally) -> None:
        self.opened.append(message)

    @on(HistoryView.RunSelected)
    @on(LifecyclePanel.StateChanged)
    def _record(self, message: HistoryView.RunSelected | LifecyclePanel.StateChanged) -> None:
        self.messages.append(message)


def run_job(root: Path, trigger: str = "manual", **kwargs: str) -> RunRecord:
    """Run the App at `root` once, as the UI would, and return its saved record."""
    return Job(AppFolder.open(root), JobSpec(kwargs=kwargs, trigger=trigger), Quiet()).run()


def pin_run(history: RunHistory, record: RunRecord, run_id: str, started_at: datetime, duration: float) -> RunRecord:
    """Give a run a fixed id, start time and duration, so views of it can be snapshotted."""
    old_dir = history.run_dir(record.id)
    new_dir = history.run_dir(run_id)
    shutil.move(old_dir, new_dir)
    pinned = record.model_copy(
        update={
            "id": run_id,
            "started_at": started_at,
            "ended_at": started_at + timedelta(seconds=duration),
            "duration_seconds": duration,
            "output_dir": str(new_dir / "output"),
            "stdout_log": str(new_dir / "stdout.log"),
            "stderr_log": str(new_dir / "stderr.log"),
        }
    )
    history.save(pinned)
    return pinned


def outputs_app(sample_app) -> Path:
    """A private copy of the `outputs` sample App that also leaves a symlink and a 3 MiB log."""
    root = sample_app("outputs")
    with open(root / "main.py", "a") as handle:
        handle.write(EXTRA_OUTPUTS)
    return root


async def settle(pilot) -> None:
    """Let workers finish, and the workers their results start, and everything be drawn."""
    for _ in range(10):
        await pilot.pause()
        busy = [worker for worker in pilot.app.workers if worker.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if not busy:
            await pilot.pause()
            return
        for worker in busy:
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer exclusive worker
                try:
                    await asyncio.wait_for(worker.wait(), 20)
                except TimeoutError:
                    raise AssertionError(f"timed out after 20 s waiting until worker {worker.name!r} ended") from None
    raise AssertionError(f"workers still busy: {busy}")


def tree_labels(browser: OutputBrowser) -> list[str]:
    tree = browser.query_one(Tree)
    return [str(tree.get_node_at_line(line).label) for line in range(tree.last_line + 1)]


def select_output(browser: OutputBrowser, rel: str) -> None:
    tree = browser.query_one(Tree)
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node.data is not None and node.data.path == rel:
            tree.cursor_line = line
            return
    raise AssertionError(f"{rel} is not in the tree")


def preview_title(browser: OutputBrowser) -> str:
    return str(browser.query_one("#output-preview-title", Static).content)


def preview_text(browser: OutputBrowser) -> str:
    return str(browser.query_one("#output-preview-text", Static).content)


def preview_message(browser: OutputBrowser) -> str:
    return str(browser.query_one("#output-preview-message", Static).content)


# ---------------------------------------------------------------- Outputs


GREETING_APP = """
import json, os, sys
kwargs = json.loads(sys.stdin.read())
name = kwargs.get("name", "nobody")
print("hello", name)
print("done")
print("a warning about", name, file=sys.stderr)
os.makedirs("output", exist_ok=True)
open("output/greeting.txt", "w").write(f"hello {name}\\n")
open(f"output/{name}.txt", "w").write(name)
open("output/constant.txt", "w").write("same every time\\n")
if name == "fail":
    sys.exit(3)
"""


T0 = datetime(2025, 11, 28, 9, 30, 0, tzinfo=timezone.utc)
"""When the pinned runs started: earlier than any real run, so real runs sort before them."""
RUN_IDS = ["20251128-093000-000000-0001", "20251128-093100-000000-0002", "20251128-093200-000000-0003"]


def make_history(make_app) -> tuple[RunHistory, list[RunRecord]]:
    """Three runs of one App (ada, grace, then a failing one), pinned to fixed ids and times; newest first."""
    root = make_app(GREETING_APP, name="greeter")
    history = RunHistory(root)
    pinned = []
    for index, (name, trigger) in enumerate([("ada", "manual"), ("grace", "saved main.py"), ("fail", "preset smoke")]):
        record = run_job(root, trigger=trigger, name=name)
        pinned.append(pin_run(history, record, RUN_IDS[index], T0 + timedelta(minutes=index), 0.25 + index))
    return history, pinned[::-1]


def table_rows(view: HistoryView) -> list[list[str]]:
    table = view.query_one("#history-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


def log_lines(view: HistoryView, log_id: str) -> list[str]:
    return list(view.query_one(log_id, Log).lines)


@pytest.fixture
def utc(monkeypatch):
    """Show times in UTC, whatever the machine's zone."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
