"""Tabs: the base of every view that fills one of the main screen's tabs, and of the screen that holds them.

A `TabView` knows how it refreshes and takes focus; a `TabsScreen` shows its
tabs' views, refreshes each when it is shown after a change, and puts the focus
in it.

Each tab has a home widget: a table, tree, log or list, never a text field (so
the letter keys act) nor a button (so a stray Enter presses nothing). Showing a
tab, by any means, puts the focus there; Escape anywhere in the tab goes back
to it. See docs/tui.md, "Focus".

Only the tab shown first is built before the first paint: the others are built
and mounted just after it (`TabsScreen.tab_view`), so a screen of many tabs paints
as soon as a screen of one, and their modules are imported then, off the event loop
(`TabsScreen.preload`). A view asked to refresh before it is mounted loads on mount.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import ClassVar

from textual import events, on
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from .bridge import ThreadBridge
from .compositor import CoveredCompositor


class FocusTabs(TabbedContent):
    """A `TabbedContent` that follows the focus into a pane only while the focus is still there.

    `TabbedContent` shows the pane a focused widget is in when that pane's `TabPane.Focused`
    arrives, which is some messages after the focus moved. Keys pressed faster than that
    (tab switches during a flood of output) left stale ones in flight: each showed the
    pane it named again, whose focus then sent another, and the tabs flipped back and
    forth long after the last key. A pane the focus has left since is not shown.
    """

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        # Textual calls this handler, then `TabbedContent`'s own (which shows the pane) unless prevented.
        if not event.tab_pane.has_focus_within:
            event.stop()
            event.prevent_default()


class AfterFirstPaint(Widget):
    """Stands in for widgets until the screen has painted once, then builds and mounts them in its place.

    Like `textual.lazy.Lazy`, but the widgets are built only then (`build`), may wait a
    little longer (`when`: the hidden tabs' views wait for their modules to be imported
    off the event loop), and `mounted` is called once they are in (so what needs them can
    go on).
    """

    DEFAULT_CSS = "AfterFirstPaint { display: none; }"

    def __init__(
        self,
        build: Callable[[], list[Widget]],
        mounted: Callable[[], None],
        *,
        when: Callable[[Callable[[], object]], None] | None = None,
    ) -> None:
        super().__init__()
        self._build = build
        self._mounted = mounted
        self._when = when

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        parent = self.parent
        if not isinstance(parent, Widget):
            return

        async def mount() -> None:
            if not self.is_attached:
                return  # the screen is going (the workbench quit in its first instant)
            await parent.mount_all(self._build(), after=self)
            await self.remove()
            self._mounted()

        if self._when is None:
            self.call_after_refresh(mount)
        else:
            self.call_after_refresh(self._when, partial(self.call_later, mount))


class TabView(Widget):
    """A view that fills one tab of the main screen.

    A view that is also a container names the container first (`class RunPane(Vertical, TabView)`):
    Textual inherits CSS along the first base class only.
    """

    HOME: ClassVar[str]
    """A selector for the view's home widget, the one that takes the focus when the tab is shown."""

    def home(self) -> Widget:
        """The widget that takes the focus when this view's tab is shown."""
        return self.query_one(self.HOME)

    def take_focus(self) -> None:
        """Put the focus on the home widget now (not after a refresh, so nothing can take it back)."""
        home = self.home()
        if self.screen.focused is not home:
            self.screen.set_focus(home)

    @property
    def bridge(self) -> ThreadBridge:
        """How code on a worker thread reaches this view: never touch the view from a thread but through it."""
        return ThreadBridge(self)

    def refresh_view(self) -> None:
        """Read what the view shows again (its tab was shown after something changed)."""

    @property
    def ready(self) -> bool:
        """Whether the view is mounted whole. A view that mounts part of itself after the first
        paint says so here, and calls `TabsScreen.view_ready` once that part is in."""
        return self.is_mounted


class TabsScreen(Screen[None]):
    """A screen whose `TabbedContent` (id `tabs`) holds one `TabView` per pane."""

    def __init__(self) -> None:
        super().__init__()
        self._compositor = CoveredCompositor()  # a shown tab renders only what is not covered
        self._stale: set[str] = set()
        """Tabs whose view changed while hidden (or before it was mounted): refreshed when next shown."""
        self._views: dict[str, TabView] = {}
        """Each tab's view once built, mounted or not yet."""
        self._builders: dict[str, Callable[[], TabView]] = {}
        """How to build each tab's view not built yet."""
        self._waiting: list[Callable[[], object]] = []
        """What waits for every view to be mounted (see `after_views_mounted`)."""
        self._preloading: dict[str, Callable[[], object]] | None = {}
        """The stand-ins waiting for the hidden views' modules to be imported, by tab; None once they are."""
        self._releasing: dict[str, Callable[[], object]] = {}
        """The stand-ins not yet let to mount their views, once the modules are imported (one at a time)."""
        self._mounting: str | None = None
        """The tab whose stand-in is mounting its view (the next goes once it is mounted)."""
        self._preload_started = False
        self._first_tab: str | None = None
        """The tab whose view is built before the first paint."""

    def preload(self) -> None:
        """Import what the hidden tabs' views need, on a worker thread after the first paint.

        Their stand-ins build them only once this has returned: imported on the event loop
        (pydantic, the checks, the presets), the modules would hold up keys for 100 ms and more.
        """

    def _on_mount(self, event: events.Mount) -> None:
        self.call_after_refresh(self._start_preload)

    # -- the screen is drawn in short steps, keys read between them ----------------------

    _draw_queued = False
    _preparing: Iterator[None] | None = None
    """The steps left of preparing the next drawing (`CoveredCompositor.prepare_update`)."""
    _prepared_for = -1
    """The layout the preparation under way is for (`CoveredCompositor.layouts`)."""
    _changed_meanwhile = False
    """Whether more of the screen changed since the preparation under way began."""
    _preparations = 0
    """How many preparations the drawing waiting has had for its layout (at most `MAX_PREPARATIONS`)."""
    DRAW_STEP = 0.004
    """How long, in seconds, a pass of the event loop spends preparing a drawing, at most (a step
    more, some 2 ms): a key is read between two passes."""
    MAX_PREPARATIONS = 3
    PASSES_GIVEN = 3
    """How many passes of the event loop running a step gives to whatever else the loop has
    waiting: a key the screen does not take first goes from the focused widget up to the
    screen through each container's queue, a pass each."""
    _passes_given = 0

    def _compositor_refresh(self) -> None:
        """Draw what changed over the next passes of the event loop, in short steps.

        Textual draws what changed at once, in the pass that laid it out: a tab shown while an
        App floods its output took 25 to 50 ms in which no key could be read. Here the drawing
        is prepared a few lines of a widget at a time, a few milliseconds a pass
        (`_draw_step`), then drawn from what the widgets kept. A key that comes meanwhile
        waits one step, not the whole frame.
        """
        if self is not self.app.screen or self.app.is_inline:
            super()._compositor_refresh()
            return
        self._changed_meanwhile = True
        if not self._draw_queued:
            # A callback of the loop's own, not a message: this screen's queue may be taken
            # later in this same pass, and the drawing with it.
            self._draw_queued = True
            self._call_soon(self._draw_step)

    def _call_soon(self, callback: Callable[[], object]) -> None:
        asyncio.get_running_loop().call_soon(callback, context=contextvars.copy_context())

    def _draw_step(self) -> None:
        """Prepare the drawing for up to `DRAW_STEP`, and draw it once prepared.

        A new layout (another tab shown, a scroll) starts the preparation again. What changed
        while it was prepared (a widget's answer to its new size or focus, a log's new lines)
        is prepared in turn, up to `MAX_PREPARATIONS` times for a layout, so that the drawing
        itself renders next to nothing; a screen that never stops changing is drawn anyway.
        A step waits while the loop has anything else ready (`PASSES_GIVEN`): asyncio's queue
        of callbacks ready to run is private (`_ready`), and without it a step does not wait.
        """
        if not self.is_attached:
            self._end_drawing()
            return
        ready = getattr(asyncio.get_running_loop(), "_ready", None)
        if ready and self._passes_given < self.PASSES_GIVEN:
            self._passes_given += 1
            self._call_soon(self._draw_step)
            return
        self._passes_given = 0
        try:
            if not self._prepared(deadline=time.perf_counter() + self.DRAW_STEP):
                self._call_soon(self._draw_step)
                return
            self._end_drawing()
            super()._compositor_refresh()
        except Exception as error:  # as Textual reports an error in drawing
            self._end_drawing()
            self.app._handle_exception(error)

    def _end_drawing(self) -> None:
        """Nothing waits to be drawn any more: the next change queues a new drawing."""
        self._draw_queued, self._preparing, self._preparations = False, None, 0

    def _prepared(self, deadline: float) -> bool:
        """Prepare the drawing until `deadline`: True once it is ready to draw."""
        compositor = self._compositor
        assert isinstance(compositor, CoveredCompositor)
        while True:
            if self._preparing is None:
                self._take_updates()
                if compositor.layouts != self._prepared_for:
                    self._prepared_for, self._preparations = compositor.layouts, 0
                self._preparing = compositor.prepare_update()
                self._changed_meanwhile = False
                self._preparations += 1
            for _ in self._preparing:
                if time.perf_counter() >= deadline:
                    return False
            self._preparing = None
            if compositor.layouts != self._prepared_for:
                continue  # laid out again meanwhile
            changed = self._take_updates() or self._changed_meanwhile
            if not changed or self._preparations >= self.MAX_PREPARATIONS:
                return True

    def _take_updates(self) -> bool:
        """Add what widgets asked to redraw since the screen's last update to what is drawn next.

        Textual does this on its update timer, then draws, then forgets the widgets: a widget
        that asked between the two, drawn later, would be forgotten without being drawn.
        True when there was any.
        """
        if not self._dirty_widgets:
            return False
        self._compositor.update_widgets(self._dirty_widgets)
        self._dirty_widgets.clear()
        return True

    def _start_preload(self) -> None:
        """Once the tab shown first is whole: the imports, competing for the interpreter, made its
        last frames (the Run tab's logs) half as long again."""
        if self._preload_started or self._first_tab is None or not self.ready(self._first_tab):
            return  # the tab's view starts it once whole (`view_ready`)
        self._preload_started = True
        self.run_worker(self._preload, thread=True, group="preload", exit_on_error=False)

    def _preload(self) -> None:
        try:
            self.preload()
        finally:  # a module that cannot be imported fails where its view is built, as it would have
            ThreadBridge(self).call(self._preloaded)

    def _preloaded(self) -> None:
        self._releasing, self._preloading = self._preloading or {}, None
        self._release_next()

    def _release_next(self) -> None:
        """Let the next stand-in build and mount its view (the tab shown first, if it waits); the
        one after goes once that view is mounted (`_view_mounted`). Released together,
        their mounts shared passes of the event loop of 70 ms and more, with no key read."""
        self._mounting = None
        if self._releasing:
            shown = self._active_tab()
            self._mounting = shown if shown in self._releasing else next(iter(self._releasing))
            self._releasing.pop(self._mounting)()

    def _after_preload(self, tab: str, callback: Callable[[], object]) -> None:
        if self._preloading is None:
            callback()
        else:
            self._preloading[tab] = callback

    def tab_view(self, tab: str, build: Callable[[], TabView], *, first: bool) -> Widget:
        """What a tab's pane holds in `compose`: the view, built now, for the tab shown `first`;
        else a stand-in that builds and mounts it just after the first paint (or `view(tab)`
        builds it before, when asked)."""
        self._builders[tab] = build
        if first:
            self._first_tab = tab
            return self.view(tab)
        return AfterFirstPaint(
            lambda: [self.view(tab)], partial(self._view_mounted, tab), when=partial(self._after_preload, tab)
        )

    @property
    def views_mounted(self) -> bool:
        """Whether every tab's view is mounted (they are, soon after the first paint)."""
        return not self._builders and all(view.ready for view in self._views.values())

    def after_views_mounted(self, callback: Callable[[], object]) -> None:
        """Call `callback` now if every tab's view is mounted, else once they are, in the order asked.

        For what reaches a hidden tab's view (a key, a paste, a save in watch mode) in the
        instant between the first paint and the views' mounting: it waits, not fails.
        """
        if self.views_mounted:
            callback()
        else:
            self._waiting.append(callback)

    def ready(self, tab: str) -> bool:
        """Whether a tab's view is mounted whole (asking builds no view: one built before its
        modules are imported would import them on the event loop)."""
        return tab not in self._builders and self.view(tab).ready

    def view_ready(self, view: TabView) -> None:
        """`view` has mounted the part of itself it left for after the first paint."""
        self._view_mounted(next(tab for tab, built in self._views.items() if built is view))

    def _view_mounted(self, tab: str) -> None:
        """A view mounted (or made whole) after the first paint: if its tab is shown already, refresh and focus it."""
        if not self.view(tab).ready:
            return
        if tab == self._mounting:
            self.call_later(self._release_next)
        if tab == self._first_tab:
            self.call_after_refresh(self._start_preload)
        if self.is_attached and self._active_tab() == tab:
            if tab in self._stale:
                self._reload(tab)
            if not self.view(tab).has_focus_within:
                self.view(tab).take_focus()
        if self.views_mounted:
            waiting, self._waiting = self._waiting, []
            for callback in waiting:
                callback()

    def _active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active

    def view(self, tab: str) -> TabView:
        """The view that fills a tab (its pane's one child; found by class, not CSS type: a
        view that is also a container has its container's CSS type). It may not be mounted yet:
        then it is built, if it was not (its stand-in mounts it)."""
        if tab in self._builders:
            self._views[tab] = self._builders.pop(tab)()
        if tab in self._views:
            return self._views[tab]
        pane = self.query_one("#tabs", TabbedContent).get_pane(tab)
        return next(child for child in pane.children if isinstance(child, TabView))

    def _reload(self, tab: str) -> None:
        """Refresh a tab's view now if the tab is shown, else when it is next shown."""
        if self._active_tab() != tab or not self.ready(tab):
            self._stale.add(tab)
            return
        self._stale.discard(tab)
        self.view(tab).refresh_view()

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        """However a tab was shown (key, palette, click), its view is fresh and the focus is in it."""
        tab = event.pane.id or ""
        if tab != self._active_tab():
            return  # another tab was shown since: that one's message follows
        if tab in self._stale:
            self._reload(tab)
        if not event.pane.has_focus_within and self.ready(tab):
            self.view(tab).take_focus()

    def action_show_tab(self, tab: str) -> None:
        """Show one of the tabs, with the focus on its home widget (a table, tree, log or list:
        never a text field, so the letter keys keep working, nor a button, which a stray Enter
        would press). The focus moves now, so no widget of the tab left behind can pull it back."""
        self.query_one("#tabs", TabbedContent).active = tab
        if self.ready(tab):  # else it takes the focus once mounted
            self.view(tab).take_focus()

    def action_go_home(self) -> None:
        """Leave a text field (or any widget) for the home widget of the tab shown; there, do nothing."""
        if self.ready(self._active_tab()):
            self.view(self._active_tab()).take_focus()
