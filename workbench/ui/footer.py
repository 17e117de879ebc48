"""The footer: Textual's, with Quit first, and without its leak of keys.

The upstream bug: `Footer.compose()` yields every `FooterKey` with
`.data_bind(compact=Footer.compact)`, which registers a watcher *on the Footer*
(`Footer.__watchers["compact"]`) holding a closure over the key. The Footer
recomposes whenever the screen's bindings change (every focus change: every tab
switch in the workbench), removing the old keys, but their watchers stay on the
Footer: `reactive._check_watchers` drops the watchers of closed nodes only when
`compact` itself changes, which it never does. Each recompose therefore keeps
every old FooterKey (and its styles, render cache, tooltips) alive for good, and
`_watch`'s duplicate check over that list grows slower too. Minimal reproduction
(Textual 8.2.8; prints `1003 1002`: two FooterKeys and two watchers left per focus change):

    import asyncio, gc
    from textual.app import App
    from textual.widgets import Footer, Input
    from textual.widgets._footer import FooterKey

    class A(Input):
        BINDINGS = [("f1", "bell", "Ring A")]

    class B(Input):
        BINDINGS = [("f2", "bell", "Ring B")]

    class Leak(App):
        BINDINGS = [("f3", "bell", "Ring")]

        def compose(self):
            yield A()
            yield B()
            yield Footer()

    async def main():
        app = Leak()
        async with app.run_test() as pilot:
            for _ in range(500):
                await pilot.press("tab")
            gc.collect()
            footer = app.query_one(Footer)
            print(sum(isinstance(o, FooterKey) for o in gc.get_objects()),
                  len(getattr(footer, "__watchers")["compact"]))

    asyncio.run(main())

`LeanFooter` yields the same keys without `data_bind` and sets their `compact`
itself when its own changes, so nothing outlives a recompose.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

QUIT_ACTIONS = ("quit", "app.quit")


class LeanFooter(Footer):
    """`Footer` without the per-recompose watcher leak (see the module's docstring)."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # Undo `data_bind` before it is initialised (it would register the leaking watcher).
            if isinstance(widget, FooterKey):  # grouped keys come through here too
                self._unbind(widget)
            yield widget

    def _unbind(self, key: FooterKey) -> None:
        # Only the keys bound to the Footer's `compact` (not the command palette's key).
        if not key._reactive_connect or key._reactive_connect.pop("compact", None) is None:
            return
        key.set_reactive(FooterKey.compact, self.compact)
        key.set_class(self.compact, "-compact")
        key.add_class("-follows-footer")

    def watch_compact(self, compact: bool) -> None:
        for key in self.query(FooterKey).filter(".-follows-footer"):
            key.compact = compact


class WorkbenchFooter(LeanFooter):
    """A Footer that shows Quit first: keys past the right edge are cut, Quit never is."""

    def compose(self) -> ComposeResult:
        quit_keys: list[Widget] = []
        others: list[Widget] = []
        for widget in super().compose():
            # A footer key carries its binding's action.
            (quit_keys if getattr(widget, "action", None) in QUIT_ACTIONS else others).append(widget)
        yield from quit_keys
        yield from others
