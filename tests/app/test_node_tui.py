"""The Node verdict in the TUI: beside the run's status, the findings in view, the Job output view, History."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import UISettings
from workbench.ui.stream_log import StreamLog

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False, watch_step_ms=20, watch_debounce_ms=200)


async def run_once(app: WorkbenchApp, pilot) -> None:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    await pilot.press("f5")
    deadline = time.monotonic() + 60
    while screen.run_pane.running or screen.run_pane.last_record is None:
        assert time.monotonic() < deadline, "the run never ended"
        await pilot.pause(0.05)
    await pilot.pause(0.1)


async def test_the_run_tab_shows_the_verdict_the_findings_and_the_job_output(make_app) -> None:
    root: Path = make_app("import sys\nprint('x' * 70_000)\nprint('\\x1b[31mboom', file=sys.stderr)\nsys.exit(3)\n")
    app = create_app(root, watch=False, settings=SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await run_once(app, pilot)
        status = str(app.screen.query_one("#run-status").render())
        assert "failed" in status and "on a Node: would hang" in status
        findings = app.screen.query_one("#run-findings", Static)
        assert findings.display and findings.region.height >= 1  # in view, above the output
        assert "pipe_blocks" in str(findings.render())
        job = app.screen.query_one("#log-job", StreamLog).tail
        assert job[0].startswith("[on a Node this Job never ends")
        # stdout + "\n" + stderr (the escape sequence removed), then the Job's error
        assert job[1:] == ["x" * 70_000, "", "boom", "", "Job failed with exit code 3"]


async def test_history_has_a_column_for_the_verdict(make_app) -> None:
    root: Path = make_app("import os\nos.mkdir('output/d')\n")
    app = create_app(root, watch=False, settings=SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await run_once(app, pilot)
        await pilot.press("6")
        table = app.screen.query_one("#history-table", DataTable)
        for _ in range(100):
            if table.row_count:
                break
            await pilot.pause(0.05)
        assert str(table.get_cell_at((0, 2))) == "would fail"
        assert [str(column.label) for column in table.columns.values()][:3] == [" ", "Status", "On a Node"]


async def test_the_app_tab_lists_imports_that_would_fail_on_a_node(make_app) -> None:
    root: Path = make_app("import json\n\n\ndef f():\n    import pydantic\n")
    app = create_app(root, watch=False, settings=SETTINGS)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("1")
        pane = app.screen.query_one("#app-problems", Static)
        for _ in range(100):
            if "pydantic" in str(pane.render()):
                break
            await pilot.pause(0.05)
        text = str(pane.render())
        assert "imports: 1 import would fail on a Node (pydantic)" in text
