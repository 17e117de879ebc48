"""The modal screens of the Presets tab: the golden-copy diff before accepting, and a regression's difference."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...preset_report import Regression
from ...presets import GoldenChange
from ..marks import diff_style


class GoldenDiffScreen(ModalScreen[bool]):
    """Shows what accepting a run's outputs would change; dismisses with True to accept."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel", id="golden_cancel", tooltip="Keep the golden copies as they are"),
    ]

    DEFAULT_CSS = """
    GoldenDiffScreen { align: center middle; }
    GoldenDiffScreen > Vertical { width: 90%; height: 80%; border: thick $accent; background: $surface; padding: 0 1; }
    GoldenDiffScreen #golden-diff { height: 1fr; }
    GoldenDiffScreen Horizontal { height: auto; }
    """

    def __init__(self, preset_name: str, changes: list[GoldenChange]) -> None:
        super().__init__()
        self.preset_name = preset_name
        self.changes = changes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Accept this run's outputs as the golden copies of {self.preset_name}?", style="bold"))
            with VerticalScroll(id="golden-diff"):
                yield Static(self._diff_text(), id="golden-diff-text")
            with Horizontal():
                yield Button("Accept", id="golden-accept", variant="warning", compact=True, disabled=not self.writes)
                yield Button("Cancel", id="golden-cancel", compact=True)
                yield Static("", id="golden-hint")

    def on_mount(self) -> None:
        # Enter presses the focused button: the safe one first.
        self.query_one("#golden-cancel", Button).focus()

    @on(events.DescendantFocus)
    def _show_enter(self, event: events.DescendantFocus) -> None:
        """Say which button Enter presses (the focused one)."""
        if isinstance(event.widget, Button):
            self.query_one("#golden-hint", Static).update(
                Text.assemble(
                    "  Enter: ", (str(event.widget.label), "bold"), " · Tab: the other button · Escape: cancel", style="dim"
                )
            )

    @property
    def writes(self) -> bool:
        """Whether accepting would change any golden copy."""
        return any(change.kind in ("new", "changed") for change in self.changes)

    def _diff_text(self) -> Text:
        text = Text()
        if not self.changes:
            text.append("The run left no output files to keep.\n", style="dim")
        for change in self.changes:
            style = {"new": "bold green", "changed": "bold yellow", "unchanged": "dim", "missing": "bold red"}[change.kind]
            note = {"missing": " (the run did not write it; it stays as it is)", "unchanged": ""}.get(change.kind, "")
            text.append(f"{change.kind:>9} {change.path} ({change.match}){note}\n", style=style)
            for row in change.diff:
                row_style = diff_style(row)
                text.append(f"          {row}\n", style=row_style)
        return text

    @on(Button.Pressed, "#golden-accept")
    def _accept(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#golden-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)


class RegressionScreen(ModalScreen[None]):
    """How a preset's failing run differs from its last passing run: exit, verdict, stdout, outputs."""

    BINDINGS = [
        Binding("escape,q,enter", "dismiss(None)", "Close", id="regression_close", tooltip="Back to the presets"),
    ]

    DEFAULT_CSS = """
    RegressionScreen { align: center middle; }
    RegressionScreen > Vertical { width: 90%; height: 80%; border: thick $error; background: $surface; padding: 0 1; }
    RegressionScreen #regression-diff { height: 1fr; }
    """

    def __init__(self, regression: Regression, *, is_regression: bool = True) -> None:
        super().__init__()
        self.regression = regression
        self.is_regression = is_regression

    def compose(self) -> ComposeResult:
        title = "Regression" if self.is_regression else "Failing"
        with Vertical():
            yield Static(Text(f"{title}: {self.regression.preset}, against its last passing run", style="bold"))
            with VerticalScroll(id="regression-diff"):
                yield Static(self._text(), id="regression-diff-text")

    def _text(self) -> Text:
        text = Text()
        for row in self.regression.lines():  # each line already printable: App text escaped
            text.append(row + "\n", style=diff_style(row) or "")
        return text

