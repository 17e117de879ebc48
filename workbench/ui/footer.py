"""The footer: Textual's, with Quit first, so a narrow terminal never cuts it off."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer

QUIT_ACTIONS = ("quit", "app.quit")


class WorkbenchFooter(Footer):
    """A Footer that shows Quit first: keys past the right edge are cut, Quit never is."""

    def compose(self) -> ComposeResult:
        quit_keys: list[Widget] = []
        others: list[Widget] = []
        for widget in super().compose():
            # A footer key carries its binding's action.
            (quit_keys if getattr(widget, "action", None) in QUIT_ACTIONS else others).append(widget)
        yield from quit_keys
        yield from others
