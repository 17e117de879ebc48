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

It also does far less on a change of the screen's bindings. `Footer` recomposes
after every one (a focus change sends two): it mounts and styles every key again,
then lays out and draws the screen again in a frame of its own, which cost a tab
switch more than the switch itself. `LeanFooter` gathers the changes into one
update, in the frame of the change, skips it when the keys are the ones shown, and
else gives the keys it has the new bindings (mounting or removing only the
difference in number); only a change of kind (a group of keys) recomposes.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import groupby
from typing import NamedTuple, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

QUIT_ACTIONS = ("quit", "app.quit")


class _Key(NamedTuple):
    """What `Footer.compose` makes a key of (`LeanFooter._wanted`), in `FooterKey`'s own terms."""

    key: str
    key_display: str
    description: str
    action: str
    disabled: bool
    tooltip: str | None
    """None for none (as `FooterKey` keeps an empty one)."""


_Widget = TypeVar("_Widget", Widget, _Key)


class LeanFooter(Footer):
    """`Footer` without the per-recompose watcher leak, recomposed only when its keys change (see the module's docstring)."""

    _composed: object = None
    """What the keys shown were composed from (`_keys_shown`)."""
    _update_queued = False

    def __init__(self, *, held: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self._held = held
        """Whether the keys wait for `release()` (a screen that builds itself over several frames
        shows its keys once it is whole: with them, its first frames took a fifth longer)."""
        self._changed_while_held = False

    def release(self) -> None:
        """Show the keys now (they are composed in the next frame), and follow every change from now on."""
        self._held = False
        if self._changed_while_held:
            self._changed_while_held = False
            self.bindings_changed(self.screen)

    def compose(self) -> ComposeResult:
        self._composed = self._keys_shown()
        for widget in super().compose():
            # Undo `data_bind` before it is initialised (it would register the leaking watcher).
            if isinstance(widget, FooterKey):  # grouped keys come through here too
                self._unbind(widget)
            yield widget

    def _unbind(self, key: FooterKey) -> None:
        # Only the keys bound to the Footer's `compact` (not the command palette's key).
        if not key._reactive_connect or key._reactive_connect.pop("compact", None) is None:
            return
        self._follow(key)

    def _follow(self, key: FooterKey) -> None:
        """Make a key (not mounted yet) follow the footer's `compact`, as `watch_compact` does."""
        key.set_reactive(FooterKey.compact, self.compact)
        # Not mounted yet: its styles are worked out once, when it is mounted.
        key.set_class(self.compact, "-compact", update=False)
        key.add_class("-follows-footer", update=False)

    def ordered(self, keys: list[_Widget]) -> list[_Widget]:
        """The keys (widgets, or `_Key`s) in the order shown: as `Footer` orders them."""
        return keys

    def _wanted(self) -> tuple[list[_Key], list[_Key]] | None:
        """The keys `compose` makes, and the command palette's, as data; None if it makes a group of keys.

        `Footer.compose` makes every key a widget: the footer learnt the new keys of a tab
        that way, and the nine keys it threw away at each tab switch were half of what the
        garbage collector then had to find (1,700 objects in cycles a switch). This is
        the same walk over the screen's bindings as `Footer.compose` (Textual 8.2.8), with
        no widget made.
        """
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        self.styles.grid_size_columns = len(by_action)  # as `Footer.compose` sets it
        keys: list[_Key] = []
        for group, same_group in groupby(by_action.values(), lambda bindings: bindings[0][0].group):
            actions = list(same_group)
            if group is not None and len(actions) > 1:
                return None
            for (binding, enabled, tooltip), *_others in actions:
                keys.append(
                    _Key(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                         not enabled, tooltip or None)
                )
        palette: list[_Key] = []
        found = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and found is not None:
            _node, binding, enabled, _tooltip = found
            palette.append(_Key(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                                not enabled, binding.tooltip or binding.description or None))
        return self.ordered(keys), palette

    def _new_key(self, wanted: _Key) -> FooterKey:
        key = FooterKey(wanted.key, wanted.key_display, wanted.description, wanted.action, disabled=wanted.disabled,
                        tooltip=wanted.tooltip or "")
        self._follow(key)
        return key

    def _keys_shown(self) -> object:
        """What `Footer.compose` makes its keys of: the shown bindings (with their state), and the palette's."""
        if not self._bindings_ready:
            return None
        active = self.screen.active_bindings
        shown = tuple((binding, enabled, tooltip) for _node, binding, enabled, tooltip in active.values() if binding.show)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self.show_command_palette else None
        return shown, palette and palette[1:], self.app.ENABLE_COMMAND_PALETTE

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self._held:
            self._changed_while_held = True
            return
        if self.is_attached and screen is self.screen and not self._update_queued:
            self._update_queued = True
            self.call_later(self._update_keys)  # before the screen's next frame, which draws it with the change

    async def _update_keys(self) -> None:
        """Show the keys of the bindings as they are now, reusing the keys shown."""
        self._update_queued = False
        if not self.is_attached or self._keys_shown() == self._composed:
            return
        wanted = self._wanted()
        shown = [child for child in self.children if not child.has_class("-textual-system")]
        if wanted is None or not _plain_keys(shown):
            await self.recompose()
            return
        self._composed = self._keys_shown()
        wanted_keys, wanted_palette = wanted
        shown_keys, shown_palette = _split_palette(shown)
        if len(wanted_palette) != len(shown_palette):
            await self.recompose()
            return
        async with self.batch():
            for key, new in [*zip(shown_keys, wanted_keys, strict=False), *zip(shown_palette, wanted_palette, strict=True)]:
                _take_binding(key, new)
            if len(shown_keys) > len(wanted_keys):
                await self.remove_children(shown_keys[len(wanted_keys) :])
            elif len(wanted_keys) > len(shown_keys):
                extra = [self._new_key(wanted) for wanted in wanted_keys[len(shown_keys) :]]
                if shown_palette:
                    await self.mount_all(extra, before=shown_palette[0])
                else:
                    await self.mount_all(extra)

    def watch_compact(self, compact: bool) -> None:
        for key in self.query(FooterKey).filter(".-follows-footer"):
            key.compact = compact


def _plain_keys(widgets: list[Widget]) -> bool:
    """Whether the footer's widgets are keys only (no group of keys and its label)."""
    return all(type(widget) is FooterKey for widget in widgets)


def _split_palette(keys: list[Widget]) -> tuple[list[FooterKey], list[FooterKey]]:
    """The keys of bindings, and the command palette's key (last, with a style of its own)."""
    split: tuple[list[FooterKey], list[FooterKey]] = ([], [])
    for key in keys:
        assert isinstance(key, FooterKey)
        split[key.has_class("-command-palette")].append(key)
    return split


def _take_binding(key: FooterKey, new: _Key) -> None:
    """A key shown takes the binding, state and tooltip wanted."""
    if (key.key, key.key_display, key.description, key.action, key._disabled, key.tooltip) == new:
        return
    key.key, key.key_display, key.description, key.action = new.key, new.key_display, new.description, new.action
    key._disabled = new.disabled
    key.set_class(new.disabled, "-disabled")
    key.tooltip = new.tooltip
    key.refresh(layout=True)


class WorkbenchFooter(LeanFooter):
    """A Footer that shows Quit first: keys past the right edge are cut, Quit never is."""

    def compose(self) -> ComposeResult:
        yield from self.ordered(list(super().compose()))

    def ordered(self, keys: list[_Widget]) -> list[_Widget]:
        # A footer key (and a `_Key`) carries its binding's action.
        quit_keys = [key for key in keys if getattr(key, "action", None) in QUIT_ACTIONS]
        return quit_keys + [key for key in keys if key not in quit_keys]
