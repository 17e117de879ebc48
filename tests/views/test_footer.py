"""The workbench's Footer keeps no FooterKey alive past a recompose (Textual 8.2.8's Footer does)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from functools import partial

from textual.app import App, ComposeResult
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from workbench.ui.footer import LeanFooter


class _A(Input):
    BINDINGS = [("f1", "bell", "Ring A")]


class _B(Input):
    BINDINGS = [("f2", "bell", "Ring B")]


class _Switching(App[None]):
    BINDINGS = [("f3", "bell", "Ring")]

    def __init__(self, footer: Callable[[], Footer]) -> None:
        super().__init__()
        self.footer_class = footer

    def compose(self) -> ComposeResult:
        yield _A()
        yield _B()
        yield self.footer_class()


def _footer_keys_alive() -> int:
    return sum(isinstance(item, FooterKey) for item in gc.get_objects())


async def _keys_alive_after_switches(footer: type[Footer], switches: int) -> tuple[int, int, Footer]:
    gc.collect()
    before = _footer_keys_alive()  # other tests' apps may still hold theirs: count only what this app adds
    app = _Switching(footer)
    async with app.run_test() as pilot:
        for _ in range(switches):
            await pilot.press("tab")
        await pilot.pause()
        gc.collect()
        shown = app.query_one(Footer)
        alive = _footer_keys_alive() - before
        watchers = len(getattr(shown, "__watchers", {}).get("compact", []))
        return alive, watchers, shown


def test_upstream_footer_leaks_and_lean_footer_does_not() -> None:
    alive, watchers, _ = asyncio.run(_keys_alive_after_switches(Footer, 20))
    assert alive > 20 and watchers > 20  # the upstream bug this works around; if fixed, drop LeanFooter
    alive, watchers, _ = asyncio.run(_keys_alive_after_switches(LeanFooter, 20))
    assert alive <= 6 and watchers == 0


def test_lean_footer_keys_follow_compact() -> None:
    asyncio.run(_compact())


async def _compact() -> None:
    app = _Switching(LeanFooter)
    async with app.run_test() as pilot:
        footer = app.query_one(LeanFooter)
        await pilot.pause()
        def bound() -> list[FooterKey]:  # the command palette's key has its own style
            return [key for key in footer.query(FooterKey) if not key.has_class("-command-palette")]

        assert bound() and not any(key.compact or key.has_class("-compact") for key in bound())
        footer.compact = True
        await pilot.pause()
        assert all(key.compact and key.has_class("-compact") for key in bound())
        await pilot.press("tab")
        await pilot.pause()
        assert all(key.compact and key.has_class("-compact") for key in bound())


class _Three(App[None]):
    """Three fields with bindings of their own: A and B one each, C two and one disabled by `check_action`."""

    BINDINGS = [("f3", "bell", "Ring")]

    def __init__(self, footer: type[Footer]) -> None:
        super().__init__()
        self.footer_class = footer

    def compose(self) -> ComposeResult:
        yield _A(id="a")
        yield _B(id="b")
        yield _C(id="c")
        yield self.footer_class()


class _C(Input):
    BINDINGS = [("f4", "bell", "Ring C"), ("f5", "nothing", "Never")]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "nothing" else True  # shown, disabled


def _keys_shown(app: App) -> list[tuple[object, ...]]:
    return [
        (key.key, key.key_display, key.description, key.action, key._disabled, key.tooltip,
         frozenset(key.classes - {"-follows-footer"}))
        for key in app.query_one(Footer).query(FooterKey)
    ]


def test_lean_footer_shows_what_footer_shows_reusing_its_keys() -> None:
    asyncio.run(_reusing())


async def _reusing() -> None:
    lean, upstream = _Three(LeanFooter), _Three(Footer)
    async with lean.run_test() as lean_pilot, upstream.run_test() as upstream_pilot:
        for field in ("b", "c", "a", "c", "b"):
            for app, pilot in ((lean, lean_pilot), (upstream, upstream_pilot)):
                app.query_one(f"#{field}").focus()
                await pilot.pause()
                await pilot.pause()
            before = {id(key) for key in lean.query(FooterKey)}
            assert _keys_shown(lean) == _keys_shown(upstream), field
            assert len(lean.query(FooterKey)) == len(upstream.query(FooterKey))
        # Between two fields with as many keys, the keys shown are the same widgets, given new
        # bindings, and no key is made to learn them (a key made and thrown away is garbage in cycles).
        made: list[FooterKey] = []
        init = FooterKey.__init__

        def noting_init(self, *args, **kwargs) -> None:
            made.append(self)
            init(self, *args, **kwargs)

        FooterKey.__init__ = noting_init  # type: ignore[method-assign]
        try:
            lean.query_one("#a").focus()
            await lean_pilot.pause()
            await lean_pilot.pause()
        finally:
            FooterKey.__init__ = init  # type: ignore[method-assign]
        assert made == []
        assert {id(key) for key in lean.query(FooterKey)} == before
        assert [key.description for key in lean.query(FooterKey)] == ["Ring A", "palette"]


def test_a_held_footer_shows_its_keys_once_released_and_follows_changes_then() -> None:
    asyncio.run(_held())


async def _held() -> None:
    app = _Switching(partial(LeanFooter, held=True))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.query_one(_B).focus()  # a change of bindings while held
        await pilot.pause()
        assert not app.query(FooterKey)
        app.query_one(LeanFooter).release()
        await pilot.pause()
        assert [key.description for key in app.query(FooterKey) if key.description.startswith("Ring ")] == ["Ring B"]
        app.query_one(_A).focus()
        await pilot.pause()
        assert [key.description for key in app.query(FooterKey) if key.description.startswith("Ring ")] == ["Ring A"]
