"""Snapshots of the Outputs, History and Lifecycle views at 120x40 and 80x24.

Runs are real (sample Apps through `Job`), then pinned to fixed ids, times and
durations so the pictures do not change from one test run to the next.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from view_helpers import Harness, make_history, outputs_app, run_job, select_output, settle, utc  # noqa: F401
from workbench.appdir import AppFolder
from workbench.ui.history_view import HistoryView
from workbench.ui.lifecycle_panel import LifecyclePanel
from workbench.ui.output_browser import OutputBrowser

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
T0 = datetime(2026, 11, 28, 9, 30, 0, tzinfo=timezone.utc)


@pytest.fixture
def outputs_record(sample_app):
    record = run_job(outputs_app(sample_app))
    assert record.status == "succeeded", record.message
    return record


@pytest.mark.parametrize("size", SIZES)
def test_outputs_json_preview(snap_compare, outputs_record, size) -> None:
    browser = OutputBrowser()

    async def before(pilot) -> None:
        browser.show_run(outputs_record)
        await settle(pilot)
        select_output(browser, "data.json")
        await settle(pilot)

    assert snap_compare(Harness(browser), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_outputs_csv_preview(snap_compare, outputs_record, size) -> None:
    browser = OutputBrowser()

    async def before(pilot) -> None:
        browser.show_run(outputs_record)
        await settle(pilot)
        select_output(browser, "table.csv")
        await settle(pilot)

    assert snap_compare(Harness(browser), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_outputs_large_file_and_symlink(snap_compare, outputs_record, size) -> None:
    browser = OutputBrowser()

    async def before(pilot) -> None:
        browser.show_run(outputs_record)
        await settle(pilot)
        select_output(browser, "escape-link" if size == (80, 24) else "big.log")
        await settle(pilot)

    assert snap_compare(Harness(browser), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_history_logs(snap_compare, make_app, utc, size) -> None:  # noqa: F811
    history, _records = make_history(make_app)
    view = HistoryView(history)

    async def before(pilot) -> None:
        await settle(pilot)
        view.query_one("#history-table").focus()
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(Harness(view), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_history_compare(snap_compare, make_app, utc, size) -> None:  # noqa: F811
    history, _records = make_history(make_app)
    view = HistoryView(history)

    async def before(pilot) -> None:
        await settle(pilot)
        view.query_one("#history-table").focus()
        await pilot.press("down", "down", "m", "up", "c")
        await settle(pilot)

    assert snap_compare(Harness(view), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_lifecycle_panel(snap_compare, sample_app, size) -> None:
    panel = LifecyclePanel(AppFolder.open(sample_app("echo")))

    async def before(pilot) -> None:
        await settle(pilot)
        panel.query_one("#lifecycle-actions").focus()
        await pilot.press("]", "down")
        await settle(pilot)

    assert snap_compare(Harness(panel), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_outputs_image_preview(snap_compare, outputs_record, size) -> None:
    browser = OutputBrowser()

    async def before(pilot) -> None:
        browser.show_run(outputs_record)
        await settle(pilot)
        select_output(browser, "gradient.png")
        await settle(pilot)

    assert snap_compare(Harness(browser), terminal_size=size, run_before=before)
