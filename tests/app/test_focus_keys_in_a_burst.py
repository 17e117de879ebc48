"""Keys that arrive together (a fast typist, a terminal's buffered input): each acts on the screen the one before left.

Pilot waits for the app to go idle after each key; a real terminal does not. These
tests post the keys at once, as a terminal delivers a burst, and look once all are handled.
"""

from __future__ import annotations

import pytest
from test_tui import SIZE, make, screen  # noqa: I001
from textual import events

from workbench.ui.app import WorkbenchApp
from workbench.ui.main_screen import TABS

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def burst(app: WorkbenchApp, *keys: str) -> None:
    """Deliver keys the way a terminal does when they arrive in one read: no pause for a refresh between them."""
    assert app._driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


async def settled_focus_after(app: WorkbenchApp, pilot, *keys: str) -> object:
    await pilot.pause()
    burst(app, *keys)
    for _ in range(5):
        await pilot.pause(0.05)
    return screen(app).focused


@pytest.mark.parametrize("tab", TABS)
async def test_tab_right_after_a_tab_key_moves_from_that_tabs_home(sample_app, tab: str) -> None:
    """`2` then Tab at once goes where Tab goes from the Arguments list, as it does with a pause between."""
    root = sample_app("concat")
    number = str(TABS.index(tab) + 1)
    for direction in ("tab", "shift+tab"):
        expected = None
        app = make(root)
        async with app.run_test(size=SIZE) as pilot:
            main = screen(app)
            # With a pause: the reference.
            await pilot.press(number)
            await pilot.press(direction)
            expected = main.focused
            assert expected is not None
            await pilot.press("escape", "1" if tab != "app" else "8")
            assert main._active_tab() != tab
            got = await settled_focus_after(app, pilot, number, direction)
            assert main._active_tab() == tab, f"{number} {direction}: tab {main._active_tab()}"
            assert got is expected, f"{number} then {direction} at once: focus on {got!r}, not {expected!r}"
