"""Run a callback once after a burst of events has gone quiet (typing, saving the draft)."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


class Debounce:
    """Calls `callback` once, `delay` seconds after the last `poke()`.

    One timer per quiet spell, however many pokes: a poke only notes the time,
    and the timer, when it fires early, waits out the rest.
    """

    def __init__(self, owner: MessagePump, delay: float, callback: Callable[[], object]) -> None:
        self.owner = owner
        self.delay = delay
        self.callback = callback
        self._last = 0.0
        self._timer: Timer | None = None

    @property
    def pending(self) -> bool:
        return self._timer is not None

    def poke(self) -> None:
        """Something changed: call back once things have been quiet for `delay` seconds."""
        self._last = time.monotonic()
        if self._timer is None:
            self._timer = self.owner.set_timer(self.delay, self._fire)

    def _fire(self) -> None:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0.005:
            self._timer = self.owner.set_timer(wait, self._fire)
            return
        self._timer = None
        self.callback()

    def flush(self) -> None:
        """Call back now if a call is pending (before a run reads what was typed, say)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self.callback()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
