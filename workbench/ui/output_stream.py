"""The bounded, thread-safe buffer between a run's reader threads and the UI.

The runner calls `on_stdout`/`on_stderr` from its reader threads with chunks
of bytes, kept as they came (counted, and bounded by their lines). Nothing here
touches a widget: when a UI timer calls `drain()` now and then, the chunks are
decoded incrementally, split into lines and appended to bounded deques, and what
is new is taken. However fast an App prints, memory stays bounded by
`tail_lines`, a reader thread only counts, and the UI decodes only the chunks
whose lines can still be seen, never a widget's work per chunk or line.

This module imports no Textual, so it is tested (and benchmarked) on its own.
"""

from __future__ import annotations

import codecs
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import repeat

from ..filepreview import has_control_characters, terminal_safe

DEFAULT_TAIL_LINES = 5000
STDOUT = "stdout"
STDERR = "stderr"
_OTHER = {STDOUT: STDERR, STDERR: STDOUT}
PARTIAL_LINE_WAIT = 0.25
"""How long the combined view waits for one stream's unfinished line before showing the other's lines."""


@dataclass
class Drained:
    """The lines that arrived since the last drain (at most the tail of them)."""

    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    combined_lines: list[str] = field(default_factory=list)
    """Both streams' lines in the order they arrived."""
    combined_streams: list[str] = field(default_factory=list)
    """The stream of each of `combined_lines`."""
    stdout_lines: int = 0
    stderr_lines: int = 0
    """Complete lines counted so far, per stream."""

    @property
    def combined(self) -> list[tuple[str, str]]:
        """(stream, line) pairs in the order they arrived."""
        return list(zip(self.combined_streams, self.combined_lines, strict=True))

    @property
    def empty(self) -> bool:
        return not (self.stdout or self.stderr)


class _Decoder:
    """Bytes to complete lines for one stream, keeping a partial last line.

    Only the last `keep` lines of a chunk are decoded: in a flood, the lines
    before them would be pushed out of the tail at once, so they are counted
    (at C speed) but never turned into strings. A newline always ends a UTF-8
    sequence, so cutting the chunk after one loses no character.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""

    def feed(self, data: bytes, final: bool = False, keep: int | None = None) -> tuple[int, list[str]]:
        """The number of lines completed by `data`, and the last `keep` of them (default: the decoder's)."""
        keep = self.keep if keep is None else keep
        complete = data.count(b"\n")
        if complete > keep:
            data = b"\n".join(data.rsplit(b"\n", keep + 1)[1:])
            self._decoder.reset()
            self._partial = ""
        text = self._partial + self._decoder.decode(data, final=final)
        if not text:
            return complete, []
        lines = text.split("\n")
        self._partial = lines.pop()
        if final and self._partial:
            lines.append(self._partial)
            self._partial = ""
            complete += 1
        if has_control_characters(text):
            lines = [_displayable(line) for line in lines]
        return complete, lines

    @property
    def has_partial(self) -> bool:
        return bool(self._partial)


def _displayable(line: str) -> str:
    """A line as a terminal would leave it, with nothing in it that could drive the UI's terminal.

    After carriage returns (a progress bar redrawing itself) only the last text
    written stays; escape sequences (colours, cursor moves) are removed.
    """
    if "\r" in line:
        line = next((part for part in reversed(line.split("\r")) if part), "")
    return terminal_safe(line)


class OutputBuffer:
    """An `OutputSink` that keeps a bounded tail of a run's lines for the UI to drain."""

    def __init__(self, tail_lines: int = DEFAULT_TAIL_LINES) -> None:
        self.tail_lines = tail_lines
        self._lock = threading.Lock()
        # The chunks as they came, decoded only when the UI drains: an App flooding its output
        # sends 100 chunks of 700 KB a second, and decoding each one's tail on its reader
        # thread (2 ms each, holding the interpreter) slowed the UI by a fifth; the UI drains
        # a few times a second, and only while it shows the output. `_raw_lines` counts each
        # chunk's lines, per stream, in the same order (`_raw_total` their sum).
        self._raw: deque[tuple[str, bytes, float]] = deque()
        self._raw_lines: dict[str, deque[int]] = {STDOUT: deque(), STDERR: deque()}
        self._raw_total = {STDOUT: 0, STDERR: 0}
        self._decoders = {STDOUT: _Decoder(tail_lines), STDERR: _Decoder(tail_lines)}
        self._counts = {STDOUT: 0, STDERR: 0}
        # What the UI has not drained yet; bounded, so a flood only keeps its tail. The combined
        # view is two deques in step (each line and its stream): a flood makes no object per
        # line but the line itself, so it does not set off the garbage collector, whose full
        # passes over the UI's objects would stall the UI.
        self._pending: dict[str, deque[str]] = {STDOUT: deque(maxlen=tail_lines), STDERR: deque(maxlen=tail_lines)}
        self._combined_lines: deque[str] = deque(maxlen=tail_lines)
        self._combined_streams: deque[str] = deque(maxlen=tail_lines)
        # The combined view orders lines by the arrival of their first bytes. An unbuffered
        # print reaches the pipe in two writes (text, then newline), so a line is often
        # finished after the other stream's next line arrived: lines wait in `_held` (with
        # their arrivals in `_held_arrivals`, in step) while the other stream has an older
        # unfinished line, for at most PARTIAL_LINE_WAIT. Only the tail can ever be shown.
        self._arrivals = 0
        self._partial_since: dict[str, tuple[int, float] | None] = {STDOUT: None, STDERR: None}
        self._held: dict[str, deque[str]] = {STDOUT: deque(maxlen=tail_lines), STDERR: deque(maxlen=tail_lines)}
        self._held_arrivals: dict[str, deque[int]] = {
            STDOUT: deque(maxlen=tail_lines),
            STDERR: deque(maxlen=tail_lines),
        }

    # -- the sink side, called from reader threads -------------------------------------

    def on_stdout(self, data: bytes) -> None:
        self._add(STDOUT, data)

    def on_stderr(self, data: bytes) -> None:
        self._add(STDERR, data)

    def _add(self, stream: str, data: bytes) -> None:
        """Keep a chunk as it came, counted: it is decoded when the UI drains (see `_raw`)."""
        newlines = data.count(b"\n")
        with self._lock:
            self._counts[stream] += newlines
            self._raw.append((stream, data, time.monotonic()))
            self._raw_lines[stream].append(newlines)
            self._raw_total[stream] += newlines
            self._bound_raw(stream)

    def _bound_raw(self, stream: str) -> None:
        """Drop the oldest chunks of `stream` while the chunks after them hold more lines than the tail.

        Their lines would be pushed out of the tail by the newer ones before any drain could
        show them, and so would the end of a line they began (the first line decoded from
        what is left, which is older than all the lines after it).
        """
        counts = self._raw_lines[stream]
        while len(counts) > 1 and self._raw_total[stream] - counts[0] > self.tail_lines:
            self._raw_total[stream] -= counts.popleft()
            index = next(i for i, (chunk_stream, _, _) in enumerate(self._raw) if chunk_stream == stream)
            del self._raw[index]

    def _decode_raw(self) -> None:
        """Decode the chunks kept since the last drain, in the order they came (under the lock)."""
        while self._raw:
            stream, data, arrived = self._raw.popleft()
            self._raw_total[stream] -= self._raw_lines[stream].popleft()
            # Of this chunk's lines, those the stream's newer chunks leave in the tail.
            self._take(stream, data, arrived, keep=max(self.tail_lines - self._raw_total[stream], 0))

    def _take(self, stream: str, data: bytes, arrived: float, final: bool = False, keep: int | None = None) -> None:
        """Decode one chunk into lines (the last `keep` of them), for each stream's view and the combined one."""
        self._arrivals += 1
        arrival = self._arrivals
        decoder = self._decoders[stream]
        count, lines = decoder.feed(data, final=final, keep=keep)
        if final:
            self._counts[stream] += count  # the last line, without a newline (`data` is empty)
        since = self._partial_since[stream]
        if lines:
            self._pending[stream].extend(lines)
            self._held[stream].extend(lines)
            arrivals = self._held_arrivals[stream]
            arrivals.append(since[0] if since else arrival)  # the first line began in an earlier read
            arrivals.extend(repeat(arrival, len(lines) - 1))
        if not decoder.has_partial:
            self._partial_since[stream] = None
        elif lines or since is None:
            self._partial_since[stream] = (arrival, arrived)
        self._release(arrived, force=final)

    def _release(self, now: float, force: bool = False) -> None:
        """Move held lines to the combined view, oldest first, unless an older line is unfinished."""
        while True:
            heads = [(arrivals[0], stream) for stream, arrivals in self._held_arrivals.items() if arrivals]
            if not heads:
                return
            _, stream = min(heads)
            other = _OTHER[stream]
            limit = self._held_arrivals[other][0] if self._held_arrivals[other] else None
            waiting_on = self._partial_since[other]
            if not force and waiting_on is not None and now - waiting_on[1] < PARTIAL_LINE_WAIT:
                limit = waiting_on[0] if limit is None else min(limit, waiting_on[0])
            held, arrivals = self._held[stream], self._held_arrivals[stream]
            if limit is None:  # nothing older is pending: all of them, at C speed (a flood of one stream)
                moved = len(held)
                self._combined_lines.extend(held)
                held.clear()
                arrivals.clear()
            else:
                moved = 0
                while arrivals and arrivals[0] < limit:
                    self._combined_lines.append(held.popleft())
                    arrivals.popleft()
                    moved += 1
            self._combined_streams.extend(repeat(stream, moved))
            if not moved:
                return

    def close(self) -> None:
        """Flush partial last lines (an App's output need not end with a newline)."""
        with self._lock:
            self._decode_raw()
            now = time.monotonic()
            self._take(STDOUT, b"", now, final=True)
            self._take(STDERR, b"", now, final=True)

    # -- the UI side -------------------------------------------------------------------

    def drain(self) -> Drained:
        """Take the lines that arrived since the last drain."""
        with self._lock:
            self._decode_raw()
            self._release(time.monotonic())  # lines that waited long enough for the other stream's line
            drained = Drained(
                stdout=list(self._pending[STDOUT]),
                stderr=list(self._pending[STDERR]),
                combined_lines=list(self._combined_lines),
                combined_streams=list(self._combined_streams),
                stdout_lines=self._counts[STDOUT],
                stderr_lines=self._counts[STDERR],
            )
            self._pending[STDOUT].clear()
            self._pending[STDERR].clear()
            self._combined_lines.clear()
            self._combined_streams.clear()
        return drained

    @property
    def counts(self) -> tuple[int, int]:
        """Lines of stdout and stderr seen so far."""
        with self._lock:
            return self._counts[STDOUT], self._counts[STDERR]

