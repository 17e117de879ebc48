"""The frame of a shown tab: drawn as Textual draws it, without the lines nobody sees, in short
steps with the event loop's other work between them, and whole even when Textual's map of the
widgets is out of date.

No timing is asserted: the tests compare what is drawn, count the lines rendered, and
note the order in which the layout, the loop's other callbacks and the drawing happen.
"""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual._styles_cache import StylesCache
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static, TabbedContent

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


async def test_what_came_while_a_tab_was_laid_out_runs_before_it_is_drawn(make_app, monkeypatch) -> None:
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
            before_drawing = order[first_layout : order.index("draw", first_layout)]
            assert before_drawing[:2] == ["layout", "a callback that came meanwhile"], order
            assert all(before_drawing[i + 1] == "a callback that came meanwhile"
                       for i, what in enumerate(before_drawing) if what == "layout"), order


async def test_a_tab_is_prepared_in_steps_with_the_loop_s_callbacks_between_them(make_app, monkeypatch) -> None:
    # One step a pass (no time for a second): a callback queued at each pass runs between
    # every two steps, and the drawing, once prepared, renders no line itself.
    order: list[str] = []
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    prepare, render_update, render_line = (CoveredCompositor.prepare_update, CoveredCompositor.render_update,
                                           StylesCache.render_line)
    drawing = [False]
    lines_rendered_drawing: list[int] = []

    def noting_prepare(self, *args, **kwargs):
        for step in prepare(self, *args, **kwargs):
            order.append("step")
            yield step

    def noting_render(self, *args, **kwargs):
        order.append("draw")
        drawing[0] = True
        lines_rendered_drawing.append(0)
        try:
            return render_update(self, *args, **kwargs)
        finally:
            drawing[0] = False

    def counting_line(self, *args, **kwargs):
        if drawing[0]:
            lines_rendered_drawing[-1] += 1
        return render_line(self, *args, **kwargs)

    def tick() -> None:
        order.append("tick")
        if "draw" not in order:
            asyncio.get_running_loop().call_soon(tick)

    async with app.run_test(size=SIZE) as pilot:
        tabs = screen(app).query_one("#tabs", TabbedContent)
        monkeypatch.setattr(MainScreen, "DRAW_STEP", 0.0)
        monkeypatch.setattr(CoveredCompositor, "prepare_update", noting_prepare)
        monkeypatch.setattr(CoveredCompositor, "render_update", noting_render)
        monkeypatch.setattr(StylesCache, "render_line", counting_line)
        for key in "6145":
            await pilot.pause()
            order.clear()
            lines_rendered_drawing.clear()
            tick()
            await pilot.press(key)
            await wait_until_async(lambda key=key: tabs.active == TABS[key] and "draw" in order,  # noqa: B023
                                   what="the tab was drawn", pause=pilot.pause)
            steps = order[: order.index("draw")]
            assert steps.count("step") > 5, f"the {TABS[key]} tab: {order}"
            assert not any(a == b == "step" for a, b in zip(steps, steps[1:], strict=False)), order
            assert lines_rendered_drawing[0] == 0, f"the {TABS[key]} tab"


async def test_a_key_bubbling_through_queues_is_not_held_up_by_the_drawing(make_app, monkeypatch) -> None:
    # A key the screen does not take first goes from queue to queue (the focused widget, its
    # containers, the screen), a pass of the loop each: the drawing's steps give those passes
    # to it. Three hops, one a pass, all before the first step, however long a step may take.
    order: list[str] = []
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)
    reflow, prepare = CoveredCompositor.reflow, CoveredCompositor.prepare_update

    def hop(number: int) -> None:
        order.append(f"hop {number}")
        if number < 3:
            asyncio.get_running_loop().call_soon(hop, number + 1)

    def noting_reflow(self, *args, **kwargs):
        result = reflow(self, *args, **kwargs)
        if not order:
            asyncio.get_running_loop().call_soon(hop, 1)
        return result

    def noting_prepare(self, *args, **kwargs):
        for step in prepare(self, *args, **kwargs):
            order.append("step")
            yield step

    async with app.run_test(size=SIZE) as pilot:
        tabs = screen(app).query_one("#tabs", TabbedContent)
        await pilot.pause()
        monkeypatch.setattr(MainScreen, "DRAW_STEP", 10.0)
        monkeypatch.setattr(CoveredCompositor, "reflow", noting_reflow)
        monkeypatch.setattr(CoveredCompositor, "prepare_update", noting_prepare)
        await pilot.press("6")
        await wait_until_async(lambda: tabs.active == "history" and "step" in order, what="the tab was prepared",
                               pause=pilot.pause)
        assert order[:4] == ["hop 1", "hop 2", "hop 3", "step"], order


async def test_what_a_widget_asked_to_redraw_while_a_drawing_was_prepared_is_drawn_with_it(make_app) -> None:
    # Textual forgets the widgets that asked to be redrawn once it draws: one that asked after
    # the screen's update, while the drawing was prepared, must be drawn with it, not dropped.
    drawn: list[str] = []
    app = create_app(make_app("print('hello')\n"), watch=False, settings=SETTINGS)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = screen(app)
        label = next(widget for widget in main._compositor.visible_widgets
                     if isinstance(widget, Static) and widget.region.width >= 11)
        display = app._display

        def capture(screen, update):
            if update is not None:
                drawn.append(drawn_text(update))
            return display(screen, update)

        app._display = capture  # type: ignore[method-assign]
        main._compositor._dirty_regions.add(Region(0, 0, 1, 1))
        main._compositor_refresh()  # a drawing is prepared, as after the screen's update
        label.update("redrawn")
        main._dirty_widgets.add(label)  # as the label's Update message does, before the timer
        await wait_until_async(lambda: drawn, what="the screen was drawn", pause=pilot.pause)
        assert "redrawn" in drawn[0]


async def test_what_is_shown_after_keys_in_a_burst_is_the_screen_as_it_is(make_app) -> None:
    # Keys faster than the tabs are drawn: each new layout restarts the preparation. Every
    # update sent to the terminal, applied in turn, gives the screen Textual would draw now.
    app = create_app(make_app("for i in range(3000):\n    print('line', i)\n"), watch=False, settings=SETTINGS)
    width, height = SIZE
    shown = [[" "] * width for _ in range(height)]

    async with app.run_test(size=SIZE) as pilot:
        display = app._display

        def apply(screen, update):
            if update is not None:
                paint(shown, update)
            return display(screen, update)

        app._display = apply  # type: ignore[method-assign]
        app.screen.refresh()
        await pilot.pause()
        await pilot.press("r")
        for keys in ("4", "61", "4", "5", "26", "4"):
            for key in keys:
                app.post_message(events.Key(key, key))
            await asyncio.sleep(0.02)
        await wait_until_async(lambda: screen(app).run_pane.last_record is not None, what="the run ended",
                               pause=pilot.pause)
        for _ in range(3):
            await pilot.pause()
            await wait_until_async(lambda: not screen(app)._draw_queued, what="the screen was drawn",
                                   pause=pilot.pause)
        now = [[" "] * width for _ in range(height)]
        paint(now, app.screen._compositor.render_full_update())
        assert ["".join(line) for line in shown] == ["".join(line) for line in now]


def drawn_text(update: object) -> str:
    lines = [[" "] * SIZE[0] for _ in range(SIZE[1])]
    paint(lines, update)
    return "\n".join("".join(line) for line in lines)


def paint(lines: list[list[str]], update: object) -> None:
    """Apply a compositor's update to `lines`, one character a cell (each chop drawn whole)."""
    if isinstance(update, LayoutUpdate):
        for y, strips in enumerate(update.strips):
            lines[y][:] = list("".join(strip.text for strip in strips))[: len(lines[y])]
        return
    assert isinstance(update, ChopsUpdate)
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
            if strip is not None and not (x > x2 or end <= x1):
                for offset, character in enumerate(strip.text):
                    lines[y][x + offset] = character


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


async def test_a_drawing_still_prepared_when_the_workbench_quits_is_dropped(make_app, monkeypatch) -> None:
    # The screen's compositor forgets its widgets as the screen closes: a drawing left to do
    # then would send the terminal lines with nothing in them, and fail. (Here the drawing
    # waits while the loop has anything else to do: until the workbench has nearly quit.)
    monkeypatch.setattr(MainScreen, "PASSES_GIVEN", 10**9)
    folder = make_app("print('hello')\n")
    for _ in range(5):
        app = create_app(folder, watch=False, settings=SETTINGS)
        async with app.run_test(size=SIZE) as pilot:  # an error in drawing is raised on leaving
            await pilot.press("6")
            main = screen(app)
            main.refresh()
            main._compositor._dirty_regions.add(main._compositor.size.region)
            main._compositor_refresh()
            app.exit()
        assert not main._draw_queued


# -- a frame drawn while Textual's map of the widgets is out of date ------------------------
# A drawing prepared over several passes can come after the screen's widgets changed and
# before they are laid out again; a widget not shown that asks to be redrawn leaves the map of
# every widget out of date, rebuilt from the widgets as they are whenever one asks for its
# region. The frame drawn must still fill every cell, with the cuts of the widgets it draws.


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
