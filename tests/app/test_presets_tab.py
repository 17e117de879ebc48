"""The Presets tab: says which preset a result is of, follows presets.toml on disk, fits 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui import make, screen, wait_for, watcher_ready  # noqa: F401, I001
from textual.widgets import Button, DataTable, Static
from textual.widgets._footer import FooterKey

from workbench.ui.main_screen import TABS
from workbench.ui.presets.view import PresetsView

pytestmark = pytest.mark.anyio

SMALL, LARGE = (80, 24), (120, 40)

APP = """
    import json, sys
    args = json.loads(sys.stdin.read() or "{}")
    print("hello", args.get("name", "nobody"))
"""
PRESETS = """
    [preset.ann]
    kwargs = { name = "ann" }
    [preset.ann.expect]
    stdout_contains = ["hello ann"]

    [preset.bob-with-a-longer-name]
    kwargs = { name = "bob" }
    [preset.bob-with-a-longer-name.expect]
    stdout_contains = ["hello bob", "a line this App never prints, however long the run goes on"]
"""
ONE_MORE = """
    [preset.cy]
    kwargs = { name = "cy" }
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def greeter(make_app) -> Path:
    return make_app(APP, **{"presets.toml": PRESETS})


def _width_of(table: DataTable, key: str) -> int:
    return next(column.width for column in table.columns.values() if column.key.value == key)


def board(app) -> PresetsView:
    return app.screen.query_one(PresetsView)


def rows(app) -> list[str]:
    return [str(row.value) for row in board(app).query_one(DataTable).rows]


def text_of(app, selector: str) -> str:
    return str(board(app).query_one(selector, Static).render())


async def test_a_result_names_its_preset_and_the_highlighted_one_says_it_did_not_run(greeter: Path) -> None:
    """Never `1 passed` over `Not run in this session.` without saying which preset passed."""
    app = make(greeter)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("7", "enter")  # runs the highlighted preset, ann
        await wait_for(pilot, lambda: "ann" in board(app).results and not board(app).running)
        await pilot.pause()
        await pilot.press("down")
        assert board(app).selected_name == "bob-with-a-longer-name"
        assert text_of(app, "#presets-status").startswith("✓ ann passed")
        assert text_of(app, "#presets-summary").startswith("1 of 2 presets run in this session: 1 passed, 0 failed")
        assert text_of(app, "#presets-detail-text").endswith("Not run in this session.")


async def test_presets_toml_saved_with_watch_on_reloads_the_tab_and_runs_nothing(greeter: Path, watcher_ready) -> None:  # noqa: F811
    """The watcher runs no Job for presets.toml (the presets are not the App), but the tab reloads."""
    app = make(greeter, watch=True)
    async with app.run_test(size=LARGE) as pilot:
        await wait_for(pilot, lambda: len(watcher_ready) >= 1, what="watch mode placed its watches")
        await pilot.press("7")
        board(app)._file_watch.pause()  # only the watcher's news can reload it now
        assert rows(app) == ["ann", "bob-with-a-longer-name"]
        presets = greeter / "presets.toml"
        presets.write_text(presets.read_text() + ONE_MORE.replace("\n    ", "\n"))
        await wait_for(pilot, lambda: rows(app) == ["ann", "bob-with-a-longer-name", "cy"], what="the tab reloaded")
        await pilot.pause(0.5)
        assert screen(app).run_pane.last_record is None and not screen(app).run_pane.running
        assert text_of(app, "#presets-status").startswith("3 presets in presets.toml")


async def test_presets_toml_edited_with_watch_off_reloads_the_tab_shown(greeter: Path) -> None:
    app = make(greeter)
    async with app.run_test(size=LARGE) as pilot:
        await pilot.press("7")
        presets = greeter / "presets.toml"
        presets.write_text(presets.read_text() + ONE_MORE.replace("\n    ", "\n"))
        await wait_for(pilot, lambda: rows(app) == ["ann", "bob-with-a-longer-name", "cy"], what="the tab reloaded")
        presets.write_text("[preset.ann\n")  # broken: the tab says so
        await wait_for(pilot, lambda: text_of(app, "#presets-status").startswith("✗"), what="the problem is shown")


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
async def test_nothing_of_the_board_runs_off_screen(greeter: Path, size: tuple[int, int]) -> None:
    """After a run with a long failure: no column scrolls sideways, every button is whole."""
    app = make(greeter)
    async with app.run_test(size=size) as pilot:
        await pilot.press("7", "A")
        await wait_for(pilot, lambda: len(board(app).results) == 2 and not board(app).running)
        await pilot.pause()
        table = board(app).query_one(DataTable)
        assert table.max_scroll_x == 0, f"the board scrolls sideways by {table.max_scroll_x}"
        keys = [column.key.value for column in table.columns.values()]
        assert keys[-4:] == ["result", "time", "node", "reason"]
        assert str(table.get_cell("bob-with-a-longer-name", "result")) == "FAIL stdout_contains"
        assert str(table.get_cell("ann", "time")).endswith(" s")
        for button in board(app).query(Button):
            assert button.region.right <= size[0] and button.region.width >= len(str(button.label)), button
        if size == SMALL:
            assert "args" not in keys  # shown in the detail under the table instead
        reason = "stdout_contains: stdout does not contain 'a line this App never prints, however long the run goes on'"
        shown = str(table.get_cell("bob-with-a-longer-name", "reason"))
        assert shown.endswith("…") and reason.startswith(shown[:-1])  # the detail below shows it whole
        assert _width_of(table, "reason") >= (20 if size == LARGE else 12)
        # Resized, the board is laid out again for the new width.
        before = _width_of(table, "reason")
        await pilot.resize_terminal(*(LARGE if size == SMALL else SMALL))
        await pilot.pause()
        assert table.max_scroll_x == 0
        assert (_width_of(table, "reason") > before) == (size == SMALL)


async def test_every_tab_s_footer_starts_with_quit_and_has_one_cancel(greeter: Path) -> None:
    app = make(greeter)
    async with app.run_test(size=SMALL) as pilot:
        main = screen(app)
        for tab in TABS:
            main.action_show_tab(tab)
            await pilot.pause()
            shown = [key for key in app.screen.query(FooterKey) if key.region.width and key.region.right <= SMALL[0]]
            assert shown and (shown[0].key, shown[0].description) == ("ctrl+q", "Quit"), tab
            cancels = [key.key for key in shown if key.description == "Cancel"]
            assert len(cancels) <= 1, (tab, cancels)
