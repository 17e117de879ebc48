"""A frame drawn while Textual's map of the widgets is out of date.

A drawing prepared over several passes of the event loop (`TabsScreen._draw_step`) can
come after the screen's widgets changed and before they are laid out again; a widget not
shown that asks to be redrawn leaves Textual's map of every widget out of date, and the
map is rebuilt from the widgets as they are whenever one asks for its region. The frame
drawn must still fill every cell of the screen, with the cuts of the widgets it draws.
"""

from __future__ import annotations

import pytest
from textual.widgets import TabbedContent

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


def cuts_of(compositor: CoveredCompositor) -> list[list[int]]:
    """The cuts of the widgets shown, worked out from them as Textual does."""
    width, height = compositor.size
    cuts: list[set[int]] = [{0, width} for _ in range(height)]
    for region, clip in compositor.visible_widgets.values():
        x, y, region_width, region_height = region.intersection(clip)
        if region_width and region_height:
            for line in cuts[y : y + region_height]:
                line.update((x, x + region_width))
    return [sorted(line) for line in cuts]


async def settled_on_outputs(app: WorkbenchApp, pilot) -> tuple[MainScreen, CoveredCompositor, TabbedContent]:
    await pilot.press("5")
    await pilot.pause()
    main = app.screen
    assert isinstance(main, MainScreen)
    compositor = main._compositor
    assert isinstance(compositor, CoveredCompositor)
    return main, compositor, main.query_one("#tabs", TabbedContent)


def out_of_date(main: MainScreen, compositor: CoveredCompositor, tabs: TabbedContent) -> None:
    """Another tab shown, not yet laid out; the map rebuilt, then out of date again, with no map
    of the widgets shown: as a hidden widget's redraw, then its region asked for, leave it."""
    hidden = main.query_one("#tabs").query_one("#history")
    compositor.update_widgets({hidden})
    compositor.full_map  # noqa: B018  # the property rebuilds it
    tabs.active = "history"
    compositor.update_widgets({hidden})
    assert compositor._full_map_invalidated and compositor._visible_map is None


async def test_the_cuts_are_those_of_the_widgets_shown_when_the_map_is_rebuilt(make_app) -> None:
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        main, compositor, tabs = await settled_on_outputs(app, pilot)
        compositor.cuts  # noqa: B018  # worked out and kept, as for any frame
        out_of_date(main, compositor, tabs)
        compositor.full_map  # noqa: B018
        assert compositor.cuts == cuts_of(compositor)


async def test_a_frame_drawn_from_an_out_of_date_map_fills_the_screen(make_app) -> None:
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        main, compositor, tabs = await settled_on_outputs(app, pilot)
        out_of_date(main, compositor, tabs)
        whole = compositor.size.region
        chops = compositor._render_chops(whole, lambda y: True)
        assert all(piece is not None for chop in chops for piece in chop.values())
        assert [sum(piece.cell_length for piece in chop.values()) for chop in chops] == [SIZE[0]] * SIZE[1]
        # The same frame as one drawn once the map is up to date: not the widgets of one map
        # drawn in the regions of another.
        again = compositor._render_chops(whole, lambda y: True)
        assert not compositor._full_map_invalidated
        assert [text_of(chop) for chop in chops] == [text_of(chop) for chop in again]


def text_of(chop) -> str:
    return "".join(piece.text for piece in chop.values())
