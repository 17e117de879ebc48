"""Pilot tests: watch mode that tests. A save runs a round of every preset; the Presets tab is its board."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from preset_helpers import GREETER, PRESETS
from workbench.preset_rounds import PresetState
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.header import WorkbenchHeader
from workbench.ui.presets.dialogs import RegressionScreen
from workbench.ui.presets.view import PresetsView
from workbench.ui.settings import UISettings, WatchTarget

pytestmark = pytest.mark.anyio

SETTINGS = UISettings(
    cursor_blink=False,
    animate=False,
    show_clock=False,
    watch_step_ms=20,
    watch_debounce_ms=200,
    watch_target=WatchTarget.PRESETS,
    round_jobs=3,
)
SIZE = (120, 40)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def greeter(make_app) -> Path:
    return make_app(GREETER, **{"mode.txt": "none\n", "presets.toml": PRESETS})


def make(root: Path, watch: bool = True) -> WorkbenchApp:
    return create_app(root, watch=watch, settings=SETTINGS)


async def wait_for(pilot, predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await pilot.pause(0.05)


def board(app: WorkbenchApp) -> PresetsView:
    return app.screen.query_one(PresetsView)


def header(app: WorkbenchApp) -> WorkbenchHeader:
    return app.screen.query_one(WorkbenchHeader)


def cells(app: WorkbenchApp, key: str) -> dict[str, str]:
    table = board(app).query_one(DataTable)
    return {row.value: str(table.get_cell(row.value, key)) for row in table.rows}


def round_done(app: WorkbenchApp, number: int) -> bool:
    round_ = board(app).round
    return round_ is not None and round_.number == number and round_.result is not None


async def test_the_header_shows_what_a_save_runs_and_t_switches_it(greeter: Path) -> None:
    app = create_app(greeter, watch=True, settings=replace(SETTINGS, watch_target=WatchTarget.JOB))
    async with app.run_test(size=SIZE) as pilot:
        assert "watch on·restart " in str(header(app).render())
        await pilot.press("t")
        assert "watch on·restart·presets" in str(header(app).render())
        await pilot.press("t")
        assert "watch on·restart·job+presets" in str(header(app).render())
        await pilot.press("t")
        assert app.screen.watch_target is WatchTarget.JOB


async def test_a_save_starts_a_round_of_every_preset(greeter: Path) -> None:
    app = make(greeter)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.4)  # the watcher registers
        assert board(app).round is None
        (greeter / "main.py").write_text((greeter / "main.py").read_text() + "\n# saved\n")
        await wait_for(pilot, lambda: round_done(app, 1))
        await pilot.pause()
        assert board(app).round.reason == "saved main.py"
        assert cells(app, "result") == {"ann": "PASS", "bob": "PASS", "cy": "PASS"}
        assert all(value.endswith(" s") for value in cells(app, "time").values())
        assert header(app).round_result == "presets 3/3"
        assert "presets 3/3" in str(header(app).render())
        assert app.screen.run_pane.last_record is None  # watching presets only: the Job did not run


async def test_a_save_during_a_round_restarts_it(make_app) -> None:
    slow = PRESETS.replace('kwargs = { name = "cy" }', 'kwargs = { name = "cy", sleep = "30" }')
    root = make_app(GREETER, **{"mode.txt": "none\n", "presets.toml": slow})
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.4)
        (root / "mode.txt").write_text("nobody\n")
        await wait_for(pilot, lambda: board(app).round is not None)
        first = board(app).round
        await wait_for(pilot, lambda: first.statuses["cy"].state is PresetState.RUNNING)
        await wait_for(pilot, lambda: cells(app, "result")["cy"] == "running")  # the board follows
        started = time.monotonic()
        # Make cy quick, and save again while the first round is going.
        (root / "presets.toml").write_text(PRESETS)
        await wait_for(pilot, lambda: round_done(app, 2))
        await pilot.pause()
        assert time.monotonic() - started < 15  # the 30 s preset was cancelled, not waited for
        assert first.result is not None and first.result.cancelled
        assert first.statuses["cy"].state is PresetState.CANCELLED
        assert board(app).round.reason == "saved presets.toml"
        assert cells(app, "result") == {"ann": "PASS", "bob": "PASS", "cy": "PASS"}
        assert header(app).round_result == "presets 3/3"  # never the cancelled round's


async def test_a_change_that_breaks_one_of_three_presets_is_marked_a_regression(greeter: Path) -> None:
    app = make(greeter)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.4)
        (greeter / "mode.txt").write_text("none again\n")
        await wait_for(pilot, lambda: round_done(app, 1))
        (greeter / "mode.txt").write_text("bob\n")
        await wait_for(pilot, lambda: round_done(app, 2))
        await pilot.pause()
        result = cells(app, "result")
        assert result["ann"] == "PASS" and result["cy"] == "PASS"
        assert result["bob"] == "REGRESSION FAIL exit_status"
        reason, shown = "exit_status: the App exited with status 3, expected 0", cells(app, "reason")["bob"]
        assert shown == reason or (shown.endswith("…") and reason.startswith(shown[:-1]))  # the room there is
        assert header(app).round_result == "presets 2/3 · 1 regression"
        assert header(app).round_ok is False
        # Enter on it shows the difference against its last passing run.
        await pilot.press("7")
        table = board(app).query_one(DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("bob"))
        await pilot.pause()
        detail = str(board(app).query_one("#presets-detail-text", Static).render())
        assert "REGRESSION passed in run" in detail
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RegressionScreen)
        text = str(app.screen.query_one("#regression-diff-text", Static).render())
        assert "exit: exit 0 → exit 3" in text
        assert "-hello bob" in text and "+oops bob" in text
        assert "removed  greeting.txt" in text
        await pilot.press("escape")
        await pilot.pause()
        # Fixed again: it passes and is no longer marked.
        (greeter / "mode.txt").write_text("none\n")
        await wait_for(pilot, lambda: round_done(app, 3))
        await pilot.pause()
        assert cells(app, "result")["bob"] == "PASS"
        assert header(app).round_result == "presets 3/3"


# ---------------------------------------------------------------------------
# The board, as snapshots (run ids, times and memory pinned so the pictures hold still)


@pytest.fixture
def pinned(monkeypatch):
    import itertools

    import workbench.job as job_module
    import workbench.ui.presets.board as presets_board

    counter = itertools.count(1)
    monkeypatch.setattr(job_module, "new_run_id", lambda: f"20260101-000000-{next(counter):04d}")
    monkeypatch.setattr(
        presets_board, "memory_line", lambda results: "peak memory 20 MiB (preset ann) · suggested Node memory 64 MiB"
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_the_board_after_a_regression(snap_compare, make_app, pinned, size) -> None:
    root = make_app(GREETER, name="greeter", **{"mode.txt": "none\n", "presets.toml": PRESETS})
    # One preset at a time, so the run ids (pinned) come in the same order every time.
    app = create_app(root, watch=False, settings=replace(SETTINGS, round_jobs=1))

    async def two_rounds(pilot) -> None:
        await wait_for(pilot, lambda: app.screen.views_mounted)  # the Presets tab's view is built after the first paint
        view = board(app)
        view.start_round("saved main.py")
        await wait_for(pilot, lambda: round_done(app, 1))
        (root / "mode.txt").write_text("bob\n")
        view.start_round("saved mode.txt")
        await wait_for(pilot, lambda: round_done(app, 2))
        for result in view.results.values():
            result.duration_seconds = 0.25
        view._refresh_board()
        await pilot.press("7")
        table = view.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("bob"))
        await pilot.pause()

    assert snap_compare(app, run_before=two_rounds, terminal_size=size)


def test_the_command_line_chooses_what_a_save_runs(monkeypatch, greeter: Path) -> None:
    import workbench.ui.app as app_module
    from workbench.cli import main

    chosen: list[UISettings] = []

    def no_terminal(self) -> None:  # record the settings instead of taking the terminal
        chosen.append(self.settings)

    monkeypatch.setattr(app_module.WorkbenchApp, "run", no_terminal)
    assert main([str(greeter), "--on-save", "both"]) == 0
    assert chosen[-1].watch_target is WatchTarget.BOTH
    assert main([str(greeter)]) == 0
    assert chosen[-1].watch_target is WatchTarget.JOB
