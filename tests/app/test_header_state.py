"""The header draws the main screen's typed state, bound with data_bind: the screen changes it, the header follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.job import Buffering
from workbench.kwargs import ArgsMode
from workbench.lifecycle import State
from workbench.status import RunStatus
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.header import RunState, WorkbenchHeader
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import OnSave, UISettings, WatchTarget

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False)


def make(root: Path) -> WorkbenchApp:
    return create_app(root, watch=False, settings=SETTINGS)


def header_text(app: WorkbenchApp) -> str:
    return str(app.screen.query_one(WorkbenchHeader).render())


async def test_the_header_starts_from_the_screens_typed_state(sample_app) -> None:
    app = make(sample_app("echo"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen, header = app.screen, app.screen.query_one(WorkbenchHeader)
        assert isinstance(screen, MainScreen)
        assert header.args_mode is ArgsMode.STDIN and header.watching is False
        assert header.on_save is OnSave.RESTART and header.watch_target is WatchTarget.JOB
        assert header.buffering is Buffering.FLUSHED and header.run_status is RunState.IDLE
        assert header.lifecycle_state is State.CREATED
        assert "echo" in header_text(app) and "run idle" in header_text(app)


async def test_a_change_on_the_screen_reaches_the_header(sample_app) -> None:
    app = make(sample_app("echo"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen, header = app.screen, app.screen.query_one(WorkbenchHeader)
        assert isinstance(screen, MainScreen)
        await pilot.press("m")  # the args mode, through the editor and the draft
        await pilot.pause()
        assert screen.args_mode is ArgsMode.ARGV and header.args_mode is ArgsMode.ARGV
        screen.run_status = RunStatus.TIMED_OUT
        screen.watching = True
        screen.watch_target = WatchTarget.BOTH
        screen.buffering = Buffering.UNBUFFERED
        screen.round_result, screen.round_ok = "presets 2/3 · 1 regression", False
        await pilot.pause()
        text = header_text(app)
        assert "args argv" in text and "run timed out" in text and "output unbuffered" in text
        assert "on·restart·job+presets" in text and "presets 2/3 · 1 regression" in text
        assert header.run_status is RunStatus.TIMED_OUT
