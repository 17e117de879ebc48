"""Pilot tests of the Outputs, History and Lifecycle views, each mounted alone in a tiny App.

The run records come from running real Apps through `workbench.job.Job`.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static, Tree

from workbench.appdir import AppFolder
from workbench.job import Job, JobSpec
from workbench.records import RunHistory, RunRecord
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


@pytest.fixture
def outputs_run(sample_app) -> RunRecord:
    record = run_job(outputs_app(sample_app))
    assert record.status == "succeeded", record.message
    return record


async def settle(pilot) -> None:
    """Let workers finish and their results be drawn."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


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


@pilot_test
async def test_output_tree_shows_every_output_with_folders_and_links(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        labels = tree_labels(browser)
        assert labels == [
            "big.log  3 MiB",
            "data.json  162 B",
            "escape-link → ../../etc/passwd",
            "gradient.png  3.8 KiB",
            "reports/",
            "daily/",
            "2026-11-28.md  35 B",
            "summary.txt  64 B",
            "table.csv  61 B",
        ]
        # The cursor starts on the first file, which is previewed.
        assert preview_title(browser).startswith("big.log  ·  text  ·  showing the first 64 KiB of 3 MiB")


@pilot_test
async def test_preview_of_each_kind(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)

        select_output(browser, "data.json")
        await settle(pilot)
        assert preview_title(browser) == "data.json  ·  JSON  ·  162 B"
        assert preview_text(browser).startswith('{\n  "app": "outputs",\n  "items": [\n    {\n      "id": 0,')

        select_output(browser, "table.csv")
        await settle(pilot)
        table = browser.query_one("#output-preview-table", DataTable)
        assert table.display and table.row_count == 4
        assert [str(column.label) for column in table.columns.values()] == ["id", "name", "score"]
        assert table.get_row_at(3) == ["3", "guido", "80"]

        select_output(browser, "gradient.png")
        await settle(pilot)
        assert preview_title(browser).startswith("gradient.png  ·  PNG  ·  3.8 KiB")
        assert "PNG image, 64 × 32 pixels" in preview_message(browser)

        select_output(browser, "reports/daily/2026-11-28.md")
        await settle(pilot)
        assert browser.preview.language == "markdown"
        assert preview_text(browser).startswith("# Daily report")

        select_output(browser, "reports")
        await settle(pilot)
        assert preview_title(browser) == "reports/  ·  folder"
        assert preview_message(browser) == "1 output in this folder."


@pilot_test
async def test_a_symlink_is_shown_and_never_followed(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    app = Harness(browser)
    async with app.run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "escape-link")
        await settle(pilot)
        assert browser.preview.kind == "symlink"
        assert browser.preview.data == b""
        assert "A symbolic link to ../../etc/passwd" in preview_message(browser)
        assert "root:" not in preview_message(browser)
        await pilot.press("e")
        await pilot.pause()
        assert app.opened == []


@pilot_test
async def test_a_large_file_is_previewed_partially(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "big.log")
        await settle(pilot)
        assert len(browser.preview.data) == 64 * 1024
        assert browser.preview.size > BIG_SIZE
        assert "showing the first 64 KiB of 3 MiB" in preview_title(browser)
        assert preview_text(browser).startswith("a long log line that repeats")


@pilot_test
async def test_binary_output_is_shown_as_hex(make_app) -> None:
    root = make_app(
        """
        import os
        os.makedirs("output", exist_ok=True)
        open("output/blob.bin", "wb").write(bytes(range(256)))
        """
    )
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(run_job(root))
        await settle(pilot)
        assert preview_title(browser) == "blob.bin  ·  binary  ·  256 B"
        lines = preview_text(browser).splitlines()
        assert len(lines) == 16
        assert lines[4].startswith("00000040  40 41 42 43 44 45 46 47  48 49 4a")
        assert lines[4].endswith("|@ABCDEFGHIJKLMNO|")


@pilot_test
async def test_keys_open_the_selected_output_in_editor_or_pager(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    app = Harness(browser)
    async with app.run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "summary.txt")
        browser.query_one(Tree).focus()
        await pilot.press("e", "v")
        await pilot.pause()
        expected = Path(outputs_run.output_dir) / "summary.txt"
        assert [(message.path, message.pager) for message in app.opened] == [(expected, False), (expected, True)]


@pilot_test
async def test_no_run_and_a_run_without_outputs(make_app) -> None:
    root = make_app("print('nothing written')\n")
    record = run_job(root)
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert preview_message(browser) == "No run selected."
        browser.show_run(record)
        await settle(pilot)
        assert preview_message(browser) == f"Run {record.id} left nothing in output/."
        assert tree_labels(browser) == []
        browser.show_run(None)
        await pilot.pause()
        assert preview_message(browser) == "No run selected."


@pilot_test
async def test_an_output_deleted_after_the_run_is_reported(outputs_run: RunRecord) -> None:
    os.unlink(Path(outputs_run.output_dir) / "summary.txt")
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "summary.txt")
        await settle(pilot)
        assert "the file is gone" in preview_message(browser)
