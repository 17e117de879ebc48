"""The keyboard and focus model, driven by Pilot as an author would (docs/tui.md, "Focus").

Every tab has a home widget. Showing a tab (number key, alt+number, the palette's
"Show ..." commands, a click, r/R) always shows it with the focus on its home; Escape
goes home from anywhere; a key typed into a text field changes that field and
nothing else; the help screen lists every binding there is.
"""

from __future__ import annotations

import string

import pytest
from test_tui import SIZE, make, screen, wait_for  # noqa: I001
from textual.command import CommandPalette
from textual.theme import BUILTIN_THEMES
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Log, RadioSet, Select, Tree

from workbench.draft import JobDraft, save_draft
from workbench.kwargs import ArgsMode
from workbench.ui.app import WorkbenchApp
from workbench.ui.arguments_editor import ArgumentList, ArgumentRow
from workbench.ui.commands import COMMANDS
from workbench.ui.header import WorkbenchHeader
from workbench.ui.help import HelpScreen, help_sections, own_bindings, plain_text
from workbench.ui.main_screen import TABS, MainScreen

pytestmark = pytest.mark.anyio

SMALL = (80, 24)
"""The matrix tests run at the smallest size the workbench supports (and draw less)."""

KINDS: tuple[tuple[str, type[Widget]], ...] = (
    ("text field", Input),
    ("table", DataTable),
    ("tree", Tree),
    ("button", Button),
    ("select", Select),
    ("radio set", RadioSet),
    ("log", Log),
    ("list", ArgumentList),
)
"""The kinds of widget the focus can be in, in the order they are looked for."""

TYPED = string.ascii_letters + string.digits + string.punctuation + " éß"
"""Every printable ASCII character (and two others) an author may type into a field."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def busy_app(sample_app):
    """The concat sample with an argument and a staged input, so every tab has fields, tables and buttons."""
    root = sample_app("concat")
    save_draft(
        root,
        JobDraft(kwargs={"delay": "14"}, args_mode=ArgsMode.STDIN, inputs=[str(root / "examples" / "a.txt")]),
    )
    return root


def kind_of(widget: Widget) -> str | None:
    for name, cls in KINDS:
        if isinstance(widget, cls):
            return name
    return None


def sources(main: MainScreen, tab: str) -> dict[str, Widget]:
    """One focusable widget of each kind in a tab (the tab shown), by kind."""
    pane = main.query_one("#tabs").get_pane(tab)
    found: dict[str, Widget] = {}
    for widget in main.focus_chain:
        if pane in widget.ancestors and (kind := kind_of(widget)) is not None:
            found.setdefault(kind, widget)
    return found


def assert_home(main: MainScreen, tab: str, how: str) -> None:
    assert main._active_tab() == tab, f"{how}: tab {main._active_tab()} shown, not {tab}"
    home = main.view(tab).home()
    assert main.focused is home, f"{how}: focus on {main.focused!r}, not {tab}'s home {home!r}"


async def focus_source(pilot, main: MainScreen, tab: str, kind: str) -> Widget:
    """Put the focus in a widget of one kind in a tab, as a click or the tab key would."""
    if main._active_tab() != tab:
        main.action_show_tab(tab)
    widget = sources(main, tab)[kind]
    main.set_focus(widget)
    await pilot.pause()
    assert main.focused is widget
    return widget


async def run_palette(pilot, app: WorkbenchApp, name: str) -> None:
    """Open the command palette, search for a command by its name, run it."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    palette = app.screen
    palette.query_one(Input).value = name
    hits = palette.query_one("CommandList")
    await wait_for(pilot, lambda: hits.option_count > 0 and hits.highlighted is not None)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))
    await pilot.pause()


async def test_every_tab_has_a_home_that_is_neither_a_text_field_nor_a_button(busy_app) -> None:
    app = make(busy_app)
    async with app.run_test(size=SIZE):
        main = screen(app)
        for tab in TABS:
            home = main.view(tab).home()
            assert not isinstance(home, (Input, Button)), tab
            assert home.can_focus, tab


def every_pair_once() -> list[tuple[str, str]]:
    """Every (from tab, to tab) pair once, each starting where the last ended (an Euler circuit
    of the complete graph of tabs, loops included), so each check costs one tab switch."""
    unused = {tab: list(TABS) for tab in TABS}
    stack, circuit = [TABS[0]], []
    while stack:
        if unused[stack[-1]]:
            stack.append(unused[stack[-1]].pop())
        else:
            circuit.append(stack.pop())
    circuit.reverse()
    pairs = list(zip(circuit, circuit[1:], strict=False))
    assert sorted(pairs) == sorted((a, b) for a in TABS for b in TABS)
    return pairs


def four_pairs_each() -> list[tuple[str, str]]:
    """From every tab to four others (1, 3, 5 and 7 tabs on), each starting where the last ended:
    every tab is left four times (so each kind of widget there has a turn) and reached four times."""
    order = [0]
    for stride in (1, 3, 5, 7):
        for _ in TABS:
            order.append((order[-1] + stride) % len(TABS))
    pairs = [(TABS[a], TABS[b]) for a, b in zip(order, order[1:], strict=False)]
    assert len(set(pairs)) == 4 * len(TABS)
    return pairs


Plan = list[tuple[int, str, str, int]]
"""Steps of a walk: (step, from tab, to tab, which visit of the from tab this is)."""


def plan(pairs: list[tuple[str, str]]) -> Plan:
    visits: dict[str, int] = {}
    steps = []
    for step, (source, target) in enumerate(pairs):
        steps.append((step, source, target, visits.get(source, 0)))
        visits[source] = visits.get(source, 0) + 1
    return steps


def slices(steps: Plan, count: int) -> list[Plan]:
    """The walk in `count` parts, each a test of its own (each part starts where it starts)."""
    size = -(-len(steps) // count)
    return [steps[i : i + size] for i in range(0, len(steps), size)]


KEY_WALK = slices(plan(every_pair_once()), 8)
PALETTE_WALK = slices(plan(four_pairs_each()), 8)


def test_the_walks_leave_every_tab_often_enough_for_each_kind_of_widget() -> None:
    """Each tab is left at least as often as it has kinds of widget (at most 4), so the rotation
    of kinds in `walk` starts from every kind of widget of every tab."""
    for walk, least in ((KEY_WALK, 8), (PALETTE_WALK, 4)):
        left = [source for part in walk for _, source, _, _ in part]
        assert all(left.count(tab) >= least for tab in TABS)
        assert least >= len(KINDS) // 2  # no tab has more than four kinds (checked below too)


async def walk(pilot, main: MainScreen, switch, steps: Plan) -> set[tuple[str, str]]:
    """Walk part of a plan: before each step, the focus goes into a widget of the tab left, each
    kind of widget there in turn; `switch(widget, target, step)` switches and says how."""
    covered: set[tuple[str, str]] = set()
    for step, source, target, visit in steps:
        kinds = list(sources(main, source)) if main._active_tab() == source else None
        if kinds is None:
            main.action_show_tab(source)
            await pilot.pause()
            kinds = list(sources(main, source))
        assert 1 <= len(kinds) <= 4, (source, kinds)
        kind = kinds[visit % len(kinds)]
        widget = await focus_source(pilot, main, source, kind)
        how = await switch(widget, target, step)
        assert_home(main, target, f"{how} from a {kind} in {source}")
        covered.add((source, kind))
    return covered


@pytest.mark.parametrize("steps", KEY_WALK, ids=[f"part{n}" for n in range(1, len(KEY_WALK) + 1)])
async def test_every_tab_key_lands_on_its_home_from_every_kind_of_widget(busy_app, steps: Plan) -> None:
    """From every tab to every tab (64 pairs, in 8 parts), with the focus in each kind of widget in
    turn, the tab keys show the tab with the focus on its home. Number keys and alt+number take
    turns; in a text field a digit is typed instead (and nothing else happens), and alt+number switches."""
    app = make(busy_app)
    async with app.run_test(size=SMALL) as pilot:
        main = screen(app)

        async def press_tab_key(widget: Widget, target: str, step: int) -> str:
            number = TABS.index(target) + 1
            if step % 2 and isinstance(widget, Input):
                before, tab = widget.value, main._active_tab()
                await pilot.press(str(number))
                assert widget.value == before + str(number) and main.focused is widget
                assert main._active_tab() == tab
            key = f"alt+{number}" if step % 2 or isinstance(widget, Input) else str(number)
            await pilot.press(key)
            return key

        await walk(pilot, main, press_tab_key, steps)


@pytest.mark.parametrize("steps", PALETTE_WALK, ids=[f"part{n}" for n in range(1, len(PALETTE_WALK) + 1)])
async def test_palette_show_commands_land_on_their_home_from_every_kind_of_widget(busy_app, steps: Plan) -> None:
    """The palette's "Show ..." commands, each from four tabs, from every kind of widget of every tab.

    (Every pair of tabs, as for the keys, would take minutes: a palette search is slow.)"""
    app = make(busy_app)
    shows = {
        command.action.removeprefix("show_tab('").removesuffix("')"): command
        for command in COMMANDS
        if command.action.startswith("show_tab(")
    }
    assert sorted(shows) == sorted(TABS)
    async with app.run_test(size=SMALL) as pilot:
        main = screen(app)

        async def run_show(widget: Widget, target: str, step: int) -> str:
            await run_palette(pilot, app, shows[target].name)
            return f"palette {shows[target].name!r}"

        await walk(pilot, main, run_show, steps)


async def test_every_kind_of_widget_is_a_starting_point(busy_app) -> None:
    """The kinds the walks start from: every tab has some, and together they are every kind."""
    app = make(busy_app)
    async with app.run_test(size=SMALL) as pilot:
        main = screen(app)
        seen = set()
        for tab in TABS:
            main.action_show_tab(tab)
            await pilot.pause()
            kinds = set(sources(main, tab))
            assert 1 <= len(kinds) <= 4, (tab, kinds)
            seen |= kinds
        assert {"text field", "table", "tree", "button", "select", "log", "list"} <= seen


async def test_a_click_on_a_tab_lands_on_its_home(busy_app) -> None:
    app = make(busy_app)
    async with app.run_test(size=SIZE) as pilot:
        main = screen(app)
        await pilot.press("2", "enter")  # the cursor into the first argument's value
        assert isinstance(main.focused, Input)
        for tab in TABS:
            await pilot.click(f"#--content-tab-{tab}")
            await pilot.pause()
            assert_home(main, tab, f"a click on {tab}")


async def test_r_from_a_remove_button_runs_shows_the_run_tab_and_x_cancels(busy_app) -> None:
    """The sequence of the report: r on an argument's remove button, then x."""
    app = make(busy_app)
    async with app.run_test(size=SIZE) as pilot:
        main = screen(app)
        await pilot.press("2")
        main.set_focus(main.query_one(".argument-remove", Button))
        await pilot.pause()
        await pilot.press("r")
        assert_home(main, "run", "r from a remove button")
        await pilot.press("x")
        await wait_for(pilot, lambda: main.run_pane.last_record is not None and not main.run_pane.running)
        row = main.query_one(ArgumentRow)
        assert (row.name_text, row.value_text) == ("delay", "14")
        # R from a text field is typed; ctrl+r and F7 run from there, and land on the Run tab.
        await pilot.press("2", "enter")
        field = main.focused
        assert isinstance(field, Input)
        await pilot.press("R")
        assert main._active_tab() == "arguments" and field.value.endswith("R")
        await pilot.press("f7")
        assert_home(main, "run", "F7 from a text field")
        await wait_for(pilot, lambda: not main.run_pane.running)


@pytest.mark.parametrize("tab", ["arguments", "inputs", "presets"])
async def test_typing_every_printable_character_changes_only_that_field(busy_app, tab: str) -> None:
    """The tabs with text fields (the test below checks no other tab has one)."""
    app = make(busy_app)
    async with app.run_test(size=SIZE) as pilot:
        main = screen(app)
        header = main.query_one(WorkbenchHeader)

        def state() -> tuple:
            return (header.args_mode, header.watching, header.on_save, header.buffering, header.run_status, len(app.screen_stack))

        for shown in [tab]:  # noqa: B007
            await pilot.press(f"alt+{TABS.index(shown) + 1}")
            pane = main.query_one("#tabs").get_pane(shown)
            fields = [widget for widget in main.focus_chain if isinstance(widget, Input) and pane in widget.ancestors]
            for field in fields:
                others = {other: other.value for other in main.query(Input) if other is not field}
                before = state()
                main.set_focus(field)
                await pilot.pause()
                field.value = ""
                await pilot.press(*TYPED)
                await pilot.pause()
                assert field.value == TYPED, (shown, field)
                assert main.focused is field and main._active_tab() == shown
                assert state() == before, (shown, field)
                assert {other: other.value for other in others} == others
                assert not main.run_pane.running and main.run_pane.last_record is None
                await pilot.press("escape")


@pytest.mark.parametrize("tab", TABS)
async def test_escape_leaves_every_field_and_a_second_escape_is_harmless(busy_app, tab: str) -> None:
    """From each kind of widget of each tab (text fields included), Escape goes to the tab's home."""
    app = make(busy_app)
    async with app.run_test(size=SMALL) as pilot:
        main = screen(app)
        await pilot.press(f"alt+{TABS.index(tab) + 1}")
        for widget in list(sources(main, tab).values()):
            main.set_focus(widget)
            await pilot.pause()
            values = {field: field.value for field in main.query(Input)}
            await pilot.press("escape")
            assert_home(main, tab, f"escape from {widget!r}")
            await pilot.press("escape")
            assert_home(main, tab, f"a second escape from {widget!r}")
            assert {field: field.value for field in main.query(Input)} == values


async def test_the_help_screen_lists_every_binding_there_is(busy_app) -> None:
    app = make(busy_app)
    async with app.run_test(size=SIZE) as pilot:
        main = screen(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = plain_text(app.screen.sections)
        sections = {section.title: section for section in app.screen.sections}
        tabs = main.query_one("#tabs")
        expected = 0
        for where, nodes in [("Everywhere", [app, main])] + [
            (f"{n} {tabs.get_tab(tab).label}", list(tabs.get_pane(tab).walk_children()))
            for n, tab in enumerate(TABS, 1)
        ]:
            section = sections[where]
            for node in nodes:
                for binding in own_bindings(node):
                    key = app.get_key_display(binding)
                    listed = any(key in row.keys and row.description == binding.description for row in section.rows)
                    assert listed, (where, binding)
                    assert binding.description in shown
                    expected += 1
        assert expected > 40
        for line in ("Watch mode", "Args mode", "Buffering"):
            assert f"{line}:" in shown
        await pilot.press("escape")
        assert app.screen is main
        # F1 works from inside a text field too; ? is typed there.
        await pilot.press("3")
        main.set_focus(main.query_one("#input-path", Input))
        await pilot.pause()
        await pilot.press("question_mark")
        assert app.screen is main and main.query_one("#input-path", Input).value.endswith("?")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await run_palette(pilot, app, "Help: every key")
        assert isinstance(app.screen, HelpScreen)


async def test_help_is_generated_from_the_bindings(busy_app) -> None:
    """A binding added to a view shows up in the help at once (nothing is listed by hand)."""
    from textual.binding import Binding

    from workbench.ui.lifecycle_panel import LifecyclePanel

    app = make(busy_app)
    async with app.run_test(size=SIZE):
        main = screen(app)
        original = LifecyclePanel.BINDINGS
        LifecyclePanel.BINDINGS = [*original, Binding("z", "noop", "Zap the state", tooltip="test only")]
        try:
            text = plain_text(help_sections(main, TABS))
        finally:
            LifecyclePanel.BINDINGS = original
        lifecycle = text.split("8 Lifecycle", 1)[1]
        assert "Zap the state" in lifecycle


@pytest.mark.parametrize("theme", sorted(BUILTIN_THEMES))
async def test_focus_is_visible_in_every_theme(busy_app, theme: str) -> None:
    """The focused widget has an accent bar (tables, trees, logs, the argument list) or an accent
    fill (text fields, buttons) that the same widget unfocused has not, in every built-in theme."""
    app = make(busy_app)
    async with app.run_test(size=SMALL) as pilot:
        main = screen(app)
        await pilot.press("2")
        field = main.query_one(".argument-value", Input)
        button = main.query_one("#add-argument", Button)
        rows = main.query_one(ArgumentList)
        app.theme = theme
        accent = app.current_theme.to_color_system().accent
        for widget in (rows, field, button):
            main.set_focus(None)
            await pilot.pause()
            blurred = (widget.styles.border_left, widget.styles.background)
            main.set_focus(widget)
            await pilot.pause()
            focused = (widget.styles.border_left, widget.styles.background)
            assert focused != blurred, (theme, widget)
            if widget is rows:
                assert focused[0][0] == "thick", theme
                assert max(abs(a - b) for a, b in zip(focused[0][1].rgb, accent.rgb, strict=True)) <= 2, theme
            else:
                assert focused[1].a > 0 and focused[1] != app.screen.styles.background, (theme, widget)


async def test_only_the_arguments_inputs_and_presets_tabs_have_text_fields(busy_app) -> None:
    app = make(busy_app)
    async with app.run_test(size=SMALL) as pilot:
        main = screen(app)
        with_fields = set()
        for tab in TABS:
            main.action_show_tab(tab)
            await pilot.pause()
            if "text field" in sources(main, tab):
                with_fields.add(tab)
        assert with_fields == {"arguments", "inputs", "presets"}
