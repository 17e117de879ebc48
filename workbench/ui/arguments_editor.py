"""The keyword-arguments editor: rows of name and value, validated as the author types."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.highlighter import Highlighter
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ..display import plural, safe_text
from ..kwargs import MAX_VALUE_CHARS, ArgsMode, argument_problems, argv_problems, name_problem, value_problem
from .debounce import Debounce
from .tab_view import TabView

VALIDATE_AFTER = 0.15
"""Seconds of quiet in the typing before the rows are checked and their problems shown."""


class SafeHighlighter(Highlighter):
    """Shows a field's control characters, escapes and bidi overrides as visible, inert characters.

    One character for one, so the cursor stays where the author put it; the value itself is unchanged.
    """

    def __call__(self, text: str | Text) -> Text:
        plain = text.plain if isinstance(text, Text) else text
        return Text(safe_text(plain, same_length=True), no_wrap=True, overflow="ignore", end="")

    def highlight(self, text: Text) -> None:  # the work is done in __call__, which returns new text
        pass


class ArgumentRow(Vertical):
    """One keyword argument: its name, its value, a character counter and what is wrong."""

    def __init__(self, name: str = "", value: str = "") -> None:
        super().__init__(classes="argument-row")
        self._argument_name = name
        self._argument_value = value

    def compose(self) -> ComposeResult:
        with Horizontal(classes="argument-fields"):
            yield Input(
                self._argument_name, placeholder="name", classes="argument-name", compact=True, select_on_focus=False,
                highlighter=SafeHighlighter(),
            )
            yield Input(
                self._argument_value, placeholder="value", classes="argument-value", compact=True, select_on_focus=False,
                highlighter=SafeHighlighter(),
            )
            yield Label("", classes="argument-counter")
            yield Button("✕", classes="argument-remove", tooltip="Remove this argument", compact=True)
        yield Label("", classes="argument-reason")

    def on_mount(self) -> None:
        self.validate()

    @on(Input.Changed, ".argument-name")
    def _name_changed(self, event: Input.Changed) -> None:
        self._argument_name = event.value

    @on(Input.Changed, ".argument-value")
    def _value_changed(self, event: Input.Changed) -> None:
        self._argument_value = event.value

    @property
    def name_text(self) -> str:
        return self._argument_name

    @property
    def value_text(self) -> str:
        return self._argument_value

    @property
    def is_blank(self) -> bool:
        return not self._argument_name and not self._argument_value

    def problem(self, duplicate: bool = False) -> str | None:
        """The first thing wrong with this row (a blank row is simply left out)."""
        if self.is_blank:
            return None
        problem = name_problem(self._argument_name) or value_problem(self._argument_value)
        if problem is None and duplicate:
            problem = f"the name {self._argument_name!r} is given twice; the App would see only the last value"
        return problem

    def validate(self, duplicate: bool = False) -> str | None:
        """Show the counter and the first problem of this row; return the problem."""
        problem = self.problem(duplicate)
        self.set_class(problem is not None, "-invalid")
        counters = self.query(".argument-counter").results(Label)
        reasons = self.query(".argument-reason").results(Label)
        for counter in counters:
            counter.update(f"{len(self._argument_value)}/{MAX_VALUE_CHARS}")
            counter.set_class(len(self._argument_value) > MAX_VALUE_CHARS, "-over")
        for reason in reasons:
            reason.update(Text(safe_text(problem or "")))
            reason.display = problem is not None
        return problem


class ArgumentList(VerticalScroll):
    """The argument rows: the Arguments tab's home. Enter starts editing."""

    BINDINGS = [
        Binding("enter", "edit", "Edit", id="arguments.edit", tooltip="Edit the first argument (a new one when there is none)"),
    ]

    async def action_edit(self) -> None:
        """Put the cursor in the first argument's value, or add a row when there is none."""
        rows = list(self.query(ArgumentRow))
        if rows:
            rows[0].query_one(".argument-value", Input).focus()
        else:
            editor = next(node for node in self.ancestors if isinstance(node, ArgumentsEditor))
            await editor.action_add_argument()


MAX_ROWS = 40
"""Rows the editor shows. A draft (or preset) with more arguments keeps the rest, unshown:
thousands of rows of fields would keep the terminal busy for minutes before it draws."""


class ArgumentsEditor(Vertical, TabView):
    """Edit the next Job's keyword arguments and how they reach the App."""

    HOME = "#argument-rows"

    @dataclass
    class Changed(Message):
        """The arguments changed (they are kept even while invalid, so no typing is lost)."""

        editor: ArgumentsEditor
        kwargs: dict[str, str]

        @property
        def control(self) -> ArgumentsEditor:
            return self.editor

    @dataclass
    class ModeChanged(Message):
        """The author picked another args mode."""

        mode: ArgsMode

    def __init__(self, kwargs: dict[str, str], mode: ArgsMode, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial, self._hidden = _split_rows(kwargs)
        self._mode = mode
        self._ready = False
        self._validate_later = Debounce(self, VALIDATE_AFTER, self.revalidate_shown)

    def compose(self) -> ComposeResult:
        with Horizontal(id="args-mode-bar"):
            yield Label("Args mode:", id="args-mode-label")
            with RadioSet(id="args-mode"):
                yield RadioButton("stdin JSON (the docs)", value=self._mode is ArgsMode.STDIN, id="mode-stdin")
                yield RadioButton("--key value (the Node)", value=self._mode is ArgsMode.ARGV, id="mode-argv")
        with ArgumentList(id="argument-rows"):
            for name, value in self._initial.items():
                yield ArgumentRow(name, value)
        with Horizontal(id="arguments-actions"):
            yield Button("Add argument", id="add-argument", compact=True, tooltip="Add a keyword argument row (ctrl+n)")
            yield Static(f"values: at most {MAX_VALUE_CHARS} characters each", id="arguments-hint")
        yield Label("", id="arguments-hidden")
        yield Label("", id="arguments-summary")

    def on_mount(self) -> None:
        self._ready = True
        self.revalidate(post=False)

    # -- reading -------------------------------------------------------------------------

    def rows(self) -> list[ArgumentRow]:
        return list(self.query(ArgumentRow))

    def arguments(self) -> dict[str, str]:
        """The arguments as the next Job would get them (blank rows left out)."""
        shown = {row.name_text: row.value_text for row in self.rows() if not row.is_blank}
        return {**self._hidden, **shown}

    def problems(self) -> list[str]:
        """Every problem with the arguments, each naming the argument; empty when a run may start.

        The same rules the Job applies (`workbench.kwargs`), the argv rule in argv mode included,
        and a name given twice (which a dict of arguments cannot even hold)."""
        arguments = self.arguments()
        problems = argument_problems(dict(arguments))
        if self._mode is ArgsMode.ARGV:
            problems += argv_problems(arguments)
        counts = Counter(row.name_text for row in self.rows() if not row.is_blank)
        for name in sorted(name for name, count in counts.items() if count > 1):
            problems.append(f"argument {name!r}: given twice")
        return problems

    @property
    def mode(self) -> ArgsMode:
        return self._mode

    # -- changing ------------------------------------------------------------------------

    def revalidate_shown(self) -> None:
        """Show what is wrong (after a pause in the typing); the screen has the arguments already."""
        self.revalidate(post=False)

    def revalidate(self, post: bool = True) -> None:
        """Check every row again, show what is wrong, and tell the screen (to save the draft)."""
        if not self._ready:
            return
        self._validate_later.cancel()
        counts = Counter(row.name_text for row in self.rows() if not row.is_blank)
        for row in self.rows():
            row.validate(duplicate=not row.is_blank and counts[row.name_text] > 1)
        hidden = self.query_one("#arguments-hidden", Label)
        hidden.update(
            f"… and {plural(len(self._hidden), 'more argument')}, kept but not shown (the editor shows {MAX_ROWS})"
            if self._hidden
            else ""
        )
        hidden.display = bool(self._hidden)
        problems = self.problems()
        summary = self.query_one("#arguments-summary", Label)
        count = len(self.arguments())
        if problems:
            they = "it is" if len(problems) == 1 else "they are"
            summary.update(f"✗ {plural(len(problems), 'problem')}: a run is refused until {they} fixed")
        else:
            summary.update(f"✓ {plural(count, 'argument')}, ready to run")
        summary.set_class(bool(problems), "-invalid")
        if post:
            self.post_message(self.Changed(self, self.arguments()))

    def set_mode(self, mode: ArgsMode) -> None:
        """Switch the args mode (from a key or the command palette)."""
        if mode is self._mode:
            return
        self._mode = mode
        self.query_one("#mode-stdin", RadioButton).value = mode is ArgsMode.STDIN
        self.query_one("#mode-argv", RadioButton).value = mode is ArgsMode.ARGV
        self.post_message(self.ModeChanged(mode))
        self.revalidate(post=False)  # the argv rule applies in argv mode only

    async def action_add_argument(self) -> None:
        """Add an empty row and put the cursor in its name."""
        row = ArgumentRow()
        await self.query_one("#argument-rows", VerticalScroll).mount(row)
        row.query_one(".argument-name", Input).focus()
        row.scroll_visible()

    async def load(self, kwargs: dict[str, str], mode: ArgsMode) -> None:
        """Show another set of arguments (a preset loaded into the draft, say)."""
        rows = self.query_one("#argument-rows", VerticalScroll)
        await rows.remove_children()
        shown, self._hidden = _split_rows(kwargs)
        await rows.mount_all([ArgumentRow(name, value) for name, value in shown.items()])
        self.set_mode(mode)
        self.revalidate(post=False)

    async def add_argument(self, name: str, value: str) -> ArgumentRow:
        """Add a filled row (used by tests and presets)."""
        row = ArgumentRow(name, value)
        await self.query_one("#argument-rows", VerticalScroll).mount(row)
        self.revalidate()
        return row

    @on(Button.Pressed, "#add-argument")
    async def _add_pressed(self) -> None:
        await self.action_add_argument()

    @on(Button.Pressed, ".argument-remove")
    async def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = next(a for a in event.button.ancestors if isinstance(a, ArgumentRow))
        await row.remove()
        self.revalidate()

    @on(Input.Changed, ".argument-name, .argument-value")
    def _field_changed(self, event: Input.Changed) -> None:
        """A key typed: the screen gets the arguments now (cheap); the rows are checked and
        their problems shown once the typing pauses (checking on every key costs a burst dearly)."""
        event.stop()
        self.post_message(self.Changed(self, self.arguments()))
        self._validate_later.poke()

    @on(RadioSet.Changed, "#args-mode")
    def _mode_picked(self, event: RadioSet.Changed) -> None:
        event.stop()
        mode = ArgsMode.STDIN if event.pressed.id == "mode-stdin" else ArgsMode.ARGV
        if mode is not self._mode:
            self._mode = mode
            self.post_message(self.ModeChanged(mode))
            self.revalidate(post=False)


def _split_rows(kwargs: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The arguments the editor shows as rows (the first MAX_ROWS), and the rest, kept unshown."""
    items = list(kwargs.items())
    return dict(items[:MAX_ROWS]), dict(items[MAX_ROWS:])
