"""Logs of a run's output: a batch of lines costs one pass at C speed, and a hidden log does no work."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable

from rich.cells import cell_len
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import Log

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Where `Log.write` breaks a text into lines."""


class BatchLog(Log):
    """Textual's `Log`, whose `write_lines` measures the new lines at once instead of in a thread.

    `Log.write_lines` starts a worker thread per call to measure the lines' widths, one
    `cell_len` each: in a flood that is a thread per batch competing with the UI for the
    GIL, and a stream of worker messages. Here a batch of printable ASCII is measured by
    `len` at C speed, and other text only where a line could be the widest. What is
    shown is the same: the same lines (split and blank lines dropped as `Log` does), the
    same width, pruning and scrolling. It keeps `Log`'s own state (`_lines`, `_width`,
    `_prune_max_lines`), which the pinned Textual version and this module's tests hold still.

    One thing differs, an upstream bug: once `Log` holds `max_lines`, it refreshes the rows
    where the new lines were before the oldest were pruned, below the view, and a view at
    the end keeps its scroll offset: the screen goes on showing the lines it showed (a run's
    live log froze once it had 5,000 lines). A batch that prunes refreshes every line in
    view here (not the scrollbars: the log's length and position did not change). Minimal
    reproduction (Textual 8.2.8; prints `line 49`, not `line 52`):

        import asyncio
        from textual.app import App
        from textual.widgets import Log

        class A(App):
            def compose(self):
                yield Log(max_lines=50)

        async def main():
            app = A()
            async with app.run_test(size=(60, 10)) as pilot:
                log = app.query_one(Log)
                log.write_lines([f"line {i}" for i in range(50)])
                await pilot.pause(0.2)
                log.write_lines([f"line {i}" for i in range(50, 53)])
                await pilot.pause(0.2)
                print(app.screen._compositor.render_strips()[-2].text.split()[:2])

        asyncio.run(main())
    """

    _style_of_lines: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of `crop`, with the log's style worked out once for all of them."""
        self._style_of_lines = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._style_of_lines = None

    @property
    def rich_style(self) -> Style:
        """`Log` asks for its style for every line it draws, and `DOMNode.rich_style` works it
        out from every ancestor each time: nearly half of drawing a line of a run's log."""
        if self._style_of_lines is not None:
            return self._style_of_lines
        return super().rich_style

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> BatchLog:
        lines = list(lines)
        if "" in lines or not "".join(lines).isprintable():  # a line break to split at, or a blank line
            lines = [part for line in lines for part in line.splitlines()]  # as `Log` splits them (blank lines go)
        return self._append(lines, scroll_end)

    def write_block(self, text: str) -> BatchLog:
        """Write a block of text (a log's tail) as whole lines after those shown, blank lines kept.

        What `Log.write` shows of it, in one batch rather than a line at a time (and
        never joined to the last line written, as `write` would).
        """
        lines = _LINE_BREAK.split(text) if text else []
        if lines and not lines[-1]:
            lines.pop()  # the break that ends the last line starts none
        return self._append(lines, None)

    def _append(self, lines: list[str], scroll_end: bool | None) -> BatchLog:
        if not lines:
            return self
        is_vertical_scroll_end = self.is_vertical_scroll_end
        auto_scroll = self.auto_scroll if scroll_end is None else scroll_end
        start_line = len(self._lines)
        self._lines.extend(lines)
        pruned = self.max_lines is not None and len(self._lines) > self.max_lines
        if pruned:
            self._prune_max_lines()
        self._width = max(self._width, _widest(lines, self._width))
        self.virtual_size = Size(self._width, len(self._lines))
        if pruned:  # every line moved up: all the lines shown changed (see the class's docstring)
            self.refresh_lines(self.scroll_offset.y, self.size.height)
        else:
            self.refresh_lines(start_line, len(lines))
        if auto_scroll and not self.is_vertical_scrollbar_grabbed and is_vertical_scroll_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self.refresh()
        return self


def _widest(lines: list[str], at_least: int) -> int:
    """The widest of `lines` in cells as `Log` draws them (tabs expanded), or `at_least` if none is wider."""
    joined = "".join(lines)
    if joined.isascii() and joined.isprintable():  # one cell a character
        return max(map(len, lines))
    if "\t" in joined:
        lines = [line.expandtabs() for line in lines]
    widest = at_least
    # A line takes at most two cells a character: only lines that could be wider are measured.
    for line in sorted(lines, key=len, reverse=True):
        if 2 * len(line) <= widest:
            break
        widest = max(widest, cell_len(Log._process_line(line)))
    return widest


class StreamLog(BatchLog):
    """A log that only does work while it is on screen: lines for a hidden log wait (bounded)."""

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
