"""Progress on the workbench's own long work (hashing, staging, collecting), as lines of text.

Work that ends within half a second says nothing; longer work says where it is
every half second, through the function given (stderr headless, the run pane in the TUI).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .fsutil import human_size

DELAY = 0.5
"""Seconds of work before the first progress line, and between lines."""

_BYTES = {"hashing", "staging"}
"""Work counted in bytes; the rest is counted in files."""


class ProgressLine:
    """A `Progress` callback (`progress(what, done, total)`) that reports through `say`, throttled."""

    def __init__(self, say: Callable[[str], None], delay: float = DELAY) -> None:
        self.say = say
        self.delay = delay
        self._started: dict[str, float] = {}
        self._last = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        started = self._started.setdefault(what, now)
        if now - started < self.delay or now - self._last < self.delay:
            return
        self._last = now
        if what in _BYTES:
            amount = f"{human_size(done)} of {human_size(total)}" if total else human_size(done)
        else:
            amount = f"{done:,} of {total:,} files" if total else f"{done:,} files"
        self.say(f"{what}: {amount} ({now - started:.1f} s)")
