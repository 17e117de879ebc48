"""A log pane of a run's output that does work only while it is on screen."""

from __future__ import annotations

from collections import deque

from textual.widgets import Log


class StreamLog(Log):
    """A Log that only does work while it is on screen: lines for a hidden log wait (bounded)."""

    def __init__(self, max_lines: int, *, id: str | None = None) -> None:
        super().__init__(max_lines=max_lines, id=id)
        self._waiting: deque[str] = deque(maxlen=max_lines)

    def feed(self, lines: list[str]) -> None:
        """Show new lines now if the log is visible, else when it is shown."""
        self._waiting.extend(lines)
        if self.is_on_screen:
            self.flush()

    def flush(self) -> None:
        if self._waiting:
            lines = list(self._waiting)
            self._waiting.clear()
            self.write_lines(lines)

    @property
    def tail(self) -> list[str]:
        """The lines the log holds, counting those waiting for it to be shown."""
        lines = [*self.lines, *self._waiting]
        return lines[-self.max_lines :] if self.max_lines else lines

    def reset(self) -> None:
        self._waiting.clear()
        self.clear()

    def on_show(self) -> None:
        self.flush()
