"""The frame of a shown tab: drawn as Textual draws it, without the lines nobody sees, and
in a pass of the event loop of its own, after what came while it was laid out.

No timing is asserted: the tests compare what is drawn, count the lines rendered, and
note the order in which the layout, the loop's other callbacks and the drawing happen.
"""

from __future__ import annotations

import asyncio

import pytest
from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import ContentSwitcher, TabbedContent

from waiting import wait_until_async
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.compositor import CoveredCompositor
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import UISettings

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SIZE = (120, 40)
SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False, live_resources=False)
TABS = {"1": "app", "2": "arguments", "3": "inputs", "4": "run", "5": "outputs", "6": "history", "7": "presets",
        "8": "lifecycle"}


def screen(app: WorkbenchApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def textuals_chops(compositor: Compositor, crop: Region, lines: set[int]) -> list[dict[int, Strip]]:
    """What Textual's own compositor draws (every widget rendered whole, then cut)."""
    return [dict(chop) for chop in Compositor._render_chops(compositor, crop, lines.__contains__)]


async def test_each_tab_is_drawn_exactly_as_textual_draws_it(make_app) -> None:
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_until_async(lambda: screen(app).run_pane.last_record is not None, what="the run ended",
                               pause=pilot.pause)
        compositor = app.screen._compositor
        assert isinstance(compositor, CoveredCompositor)
        whole = compositor.size.region
        for key, tab in TABS.items():
            await pilot.press(key)
            await wait_until_async(lambda tab=tab: screen(app).query_one("#tabs", TabbedContent).active == tab,  # noqa: B023
                                   what=f"the {tab} tab was shown", pause=pilot.pause)
            await pilot.pause()
            every_line = set(range(whole.height))
            assert [dict(chop) for chop in compositor._render_chops(whole, every_line.__contains__)] == \
                textuals_chops(compositor, whole, every_line), f"the {tab} tab"
            # A partial update: a region across the tab bar, the view and its edge, some lines of it.
            crop, lines = Region(0, 1, 70, 20), {1, 2, 3, 7, 8, 15, 20}
            ours = [dict(chop) for chop in compositor._render_chops(crop, lines.__contains__)]
            theirs = textuals_chops(compositor, crop, lines)
            assert [ours[y] for y in sorted(lines)] == [theirs[y] for y in sorted(lines)], f"the {tab} tab"


async def test_lines_covered_by_the_widgets_in_front_are_not_rendered(make_app, monkeypatch) -> None:
    rendered: dict[str, int] = {}
    render_lines = Widget.render_lines

    def counting(self, crop: Region):
        name = type(self).__name__
        rendered[name] = rendered.get(name, 0) + crop.height
        return render_lines(self, crop)

    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        await pilot.pause()
        compositor = app.screen._compositor
        switcher = app.screen.query_one("#tabs", TabbedContent).query_one(ContentSwitcher)
        assert switcher.region == app.screen.query_one("#tabs", TabbedContent).active_pane.region  # covered whole
        monkeypatch.setattr(Widget, "render_lines", counting)
        whole = compositor.size.region
        textuals_chops(compositor, whole, set(range(whole.height)))
        theirs = dict(rendered)
        rendered.clear()
        compositor.render_strips()
        assert theirs["ContentSwitcher"] == switcher.region.height and "ContentSwitcher" not in rendered
        assert sum(rendered.values()) * 2 < sum(theirs.values())


async def test_a_tab_is_laid_out_and_drawn_in_two_passes_of_the_event_loop(make_app, monkeypatch) -> None:
    # What the loop got while the tab was laid out (a key from the terminal's input thread
    # comes as such a callback) runs before the tab is drawn, not after.
    order: list[str] = []
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    reflow, render_update = CoveredCompositor.reflow, CoveredCompositor.render_update

    def noting_reflow(self, *args, **kwargs):
        result = reflow(self, *args, **kwargs)
        order.append("layout")
        asyncio.get_running_loop().call_soon(order.append, "a callback that came meanwhile")
        return result

    def noting_render(self, *args, **kwargs):
        order.append("draw")
        return render_update(self, *args, **kwargs)

    async with app.run_test(size=SIZE) as pilot:
        tabs = screen(app).query_one("#tabs", TabbedContent)
        monkeypatch.setattr(CoveredCompositor, "reflow", noting_reflow)
        monkeypatch.setattr(CoveredCompositor, "render_update", noting_render)
        for key in "61":
            order.clear()
            await pilot.press(key)
            await wait_until_async(lambda key=key: tabs.active == TABS[key] and "draw" in order,  # noqa: B023
                                   what="the tab was drawn", pause=pilot.pause)
            first_layout = order.index("layout")
            assert order[first_layout : first_layout + 3] == ["layout", "a callback that came meanwhile", "draw"]


async def test_a_frame_leaves_no_strip_holding_itself(make_app) -> None:
    # `Strip.divide` into one piece keeps the strip in its own cache: a cycle for the garbage
    # collector to find, for nearly every line of every frame.
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        for key in "146":
            await pilot.press(key)
            await pilot.pause()
            compositor = app.screen._compositor
            whole = compositor.size.region
            drawn = [piece for chop in compositor._render_chops(whole, lambda y: True) for piece in chop.values()]
            assert drawn and not [piece for piece in drawn
                                  if any(piece in pieces for pieces in piece._divide_cache._cache.values())]
