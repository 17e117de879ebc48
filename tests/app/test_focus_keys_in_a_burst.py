"""Keys that arrive together (a fast typist, a terminal's buffered input): each acts on the screen the one before left.

Pilot waits for the app to go idle after each key; a real terminal does not. These
tests post the keys at once, as a terminal delivers a burst, and look once all are handled.
"""

from __future__ import annotations

import pytest
from test_tui import SIZE, make, screen, wait_for  # noqa: I001
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


def type_bytes(app: WorkbenchApp, data: str) -> None:
    """Deliver what a terminal sends, read by Textual's own parser (as the real driver does)."""
    from textual._xterm_parser import XTermParser

    from workbench.ui.keys import read_alt_digits

    read_alt_digits()
    assert app._driver is not None
    parser = XTermParser()
    for token in [*parser.feed(data), *parser.feed("")]:
        token.set_sender(app)
        app._driver.send_message(token)


async def test_alt_and_a_number_from_a_text_field_as_a_terminal_sends_it_shows_the_tab(sample_app) -> None:
    """xterm and tmux send alt+3 as ESC 3: the tab is shown and the field keeps its text."""
    from textual.widgets import Input

    root = sample_app("concat")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        main = screen(app)
        for number, tab in enumerate(TABS, start=1):
            await pilot.press("3")
            field = main.query_one("#input-path", Input)
            main.set_focus(field)
            await pilot.pause()
            field.value = "abc"
            type_bytes(app, f"\x1b{number}")
            await wait_for(pilot, lambda: main._active_tab() == tab, what=f"ESC {number} showed {tab}")  # noqa: B023
            await pilot.pause()
            assert field.value == "abc", f"ESC {number} typed into the field: {field.value!r}"
            assert main.focused is main.view(tab).home()


async def test_a_path_typed_on_the_inputs_table_goes_into_the_path_field(sample_app, tmp_path) -> None:
    """The report's sequence: a path typed fast with the focus on the table. `/` (or `~`) moves into
    the field, and every key after it is typed there: no args mode, watch or run changes on the way."""
    from textual.widgets import Input

    from workbench.ui.header import WorkbenchHeader

    root = sample_app("concat")
    staged = tmp_path / "dir with m r x t w" / "part.txt"
    staged.parent.mkdir()
    staged.write_text("x")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        main = screen(app)
        header = main.query_one(WorkbenchHeader)
        await pilot.press("3")
        assert main.focused is main.view("inputs").home()
        before = (header.args_mode, header.watching, header.on_save, header.buffering, header.run_status)
        field = main.query_one("#input-path", Input)
        for text in (str(staged), "~/mrxtw"):
            field.value = ""
            main.set_focus(main.view("inputs").home())
            await pilot.pause()
            type_bytes(app, text)
            await wait_for(pilot, lambda: field.value == text, what=f"the field holds {text!r}")  # noqa: B023
            assert main.focused is field and main._active_tab() == "inputs"
            assert (header.args_mode, header.watching, header.on_save, header.buffering, header.run_status) == before
            assert not main.run_pane.running and main.run_pane.last_record is None
        # In the field itself, / and ~ are typed like any other character.
        field.value = "a"
        await pilot.press("slash", "tilde")
        assert field.value == "a/~"
