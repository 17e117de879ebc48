"""A key, a paste or a save in the instant between the first paint and the hidden tabs' views.

Only the tab shown first is built before the first paint; the others are mounted
just after it (`TabsScreen.tab_view`). What reaches one of them in between, a
key pressed as the workbench opens (`r`, `m`, `R`), a file dropped on it, a save
in watch mode, waits until they are mounted and then acts: it must never find
no view and stop the workbench with a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from waiting import wait_until_async
from workbench.history import RunHistory
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import UISettings

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False)


def before_views(app: WorkbenchApp, act) -> list[bool]:
    """Call `act(screen)` as the app starts, before the hidden views are mounted; the list
    gets whether they were mounted then (so a test knows it tried the instant it means to)."""
    mounted_then: list[bool] = []

    def early() -> None:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        mounted_then.append(screen.views_mounted)
        act(screen)

    app.call_later(early)
    return mounted_then


async def settle(app: WorkbenchApp, pilot, condition, what: str) -> None:
    await wait_until_async(condition, what=what, pause=lambda: pilot.pause(0.05))
    assert app.is_running, "the workbench stopped"


async def test_run_key_before_the_views_are_mounted_runs_once_they_are(make_app) -> None:
    app_dir = make_app("print('ran early')\n")
    app = create_app(app_dir, watch=False, settings=SETTINGS)
    mounted_then = before_views(app, lambda screen: app.post_message(events.Key("r", "r")))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, lambda: RunHistory(app_dir).latest() is not None, "the early r key ran the App")
        assert mounted_then == [False]
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.views_mounted
        assert screen.query_one("#tabs").active == "run"
    record = RunHistory(app_dir).latest()
    assert record is not None and record.trigger == "manual" and record.status.value == "succeeded"


async def test_args_mode_key_before_the_views_are_mounted_changes_the_mode(make_app) -> None:
    app_dir = make_app("print('hi')\n")
    app = create_app(app_dir, watch=False, settings=SETTINGS)
    modes: list[str] = []

    def press_m(screen: MainScreen) -> None:
        modes.append(str(screen.args_mode))
        app.post_message(events.Key("m", "m"))

    mounted_then = before_views(app, press_m)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, lambda: str(app.screen.args_mode) != modes[0], "the early m key changed the args mode")
        assert mounted_then == [False]


async def test_a_paste_before_the_views_are_mounted_stages_the_file(make_app, tmp_path: Path) -> None:
    app_dir = make_app("print('hi')\n")
    dropped = tmp_path / "data.csv"
    dropped.write_text("a,b\n")
    app = create_app(app_dir, watch=False, settings=SETTINGS)
    mounted_then = before_views(app, lambda screen: screen.post_message(events.Paste(str(dropped))))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, lambda: app.screen.draft.inputs == [str(dropped)], "the early paste staged the file")
        assert mounted_then == [False]
        assert app.screen.query_one("#tabs").active == "inputs"


async def test_a_save_in_watch_mode_before_the_views_are_mounted_runs_the_app(make_app) -> None:
    app_dir = make_app("print('saved early')\n")
    app = create_app(app_dir, watch=True, settings=SETTINGS)
    mounted_then = before_views(app, lambda screen: screen.app_changed("main.py changed"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, lambda: RunHistory(app_dir).latest() is not None, "the early save ran the App")
        assert mounted_then == [False]
    record = RunHistory(app_dir).latest()
    assert record is not None and record.trigger == "main.py changed"
