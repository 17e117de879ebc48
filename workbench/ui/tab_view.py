"""The base of every view that fills one of the main screen's tabs: how it refreshes and takes focus.

Each tab has a home widget: a table, tree, log or list, never a text field (so
the letter keys act) nor a button (so a stray Enter presses nothing). Showing a
tab, by any means, puts the focus there; Escape anywhere in the tab goes back
to it. See docs/tui.md, "Focus".
"""

from __future__ import annotations

from typing import ClassVar

from textual.widget import Widget

from .bridge import ThreadBridge


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
