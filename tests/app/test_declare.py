"""Declaring the App's keyword arguments from the TUI: a deliberate action, never a side effect of typing."""

from __future__ import annotations

from pathlib import Path

import pytest

from waiting import wait_until_async
from workbench.appdir import DECLARED_FILE, AppFolder
from workbench.checks import check_arguments
from workbench.declared import load_declared
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.app_pane import AppPane
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import UISettings

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SIZE = (120, 40)
SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False)


def make(root: Path) -> WorkbenchApp:
    return create_app(root, watch=False, settings=SETTINGS)


def screen(app: WorkbenchApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def finding_names(app: WorkbenchApp) -> list[str]:
    return [result.name for result in app.screen.query_one(AppPane).findings]


async def test_typing_arguments_changes_no_check_until_d_declares_them(sample_app) -> None:
    root = sample_app("echo")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "ctrl+n", *"message_string", "tab", *"Hello")
        screen(app).store.save()  # as the pause after typing would
        assert not check_arguments(AppFolder.open(root)).detail.count("message_string")
        assert not (root / DECLARED_FILE).exists()
        await pilot.press("escape", "d")
        await pilot.pause()
        assert load_declared(root) == {"message_string": "Hello"}
        assert "message_string" in check_arguments(AppFolder.open(root)).detail
        await pilot.press("1")  # the App tab checks again: main.py's read is declared now
        await wait_until_async(
            lambda: "arguments_read" not in finding_names(app), what="the App tab dropped arguments_read", pause=pilot.pause
        )
        await pilot.press("2", "tab", *"_2")  # typing more changes the draft only
        screen(app).store.save()
        assert screen(app).store.draft.kwargs == {"message_string_2": "Hello"}
        assert load_declared(root) == {"message_string": "Hello"}


async def test_arguments_with_problems_are_not_declared(sample_app) -> None:
    root = sample_app("echo")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "ctrl+n", *"bad name", "tab", *"x")
        await pilot.press("escape", "d")
        await pilot.pause()
        assert not (root / DECLARED_FILE).exists()
        assert any("not declared" in str(notice.message) for notice in app._notifications)
