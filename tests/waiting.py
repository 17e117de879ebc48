"""Waiting in tests on a condition, never on the clock, and never without a bound.

`wait_until` polls a condition until it holds or a deadline passes, then fails
with a message naming what never happened. `wait_until_async` is its twin for
Pilot tests (it lets the app run between polls). `finish` and `join` bound a
blocking wait on a run or a thread, so a hang fails in seconds with a message
instead of at pytest-timeout.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 20.0
"""Seconds: well under the suite's pytest-timeout (120 s), long enough for a loaded machine."""


def wait_until(condition: Callable[[], object], *, timeout: float = DEFAULT_TIMEOUT, what: str, interval: float = 0.01) -> None:
    """Poll `condition()` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting until {what}")
        time.sleep(interval)


async def wait_until_async(
    condition: Callable[[], object],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    what: str,
    pause: Callable[[], Awaitable[Any]] | None = None,
) -> None:
    """The async twin of `wait_until`: between polls, await `pause()` (e.g. `pilot.pause`)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting until {what}")
        if pause is None:
            await asyncio.sleep(0.02)
        else:
            await pause()


def call_within(function: Callable[[], T], *, timeout: float = DEFAULT_TIMEOUT, what: str) -> T:
    """Call a blocking `function` in a thread; fail naming `what` if it has not returned in `timeout` s."""
    result: list[T] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            result.append(function())
        except BaseException as error:  # handed back to the test's thread below
            errors.append(error)

    thread = threading.Thread(target=call, name="test-call-within", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"timed out after {timeout:g} s waiting until {what}")
    if errors:
        raise errors[0]
    return result[0]


def finish(run: Any, *, timeout: float = DEFAULT_TIMEOUT, what: str = "the run ended") -> Any:
    """`run.wait()` (a ProcessRun or a Job), bounded."""
    return call_within(run.wait, timeout=timeout, what=what)


def join(thread: threading.Thread, *, timeout: float = DEFAULT_TIMEOUT, what: str) -> None:
    """`thread.join()`, failing naming `what` if the thread is still alive after `timeout` s."""
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"timed out after {timeout:g} s waiting until {what}")


def read_line(stream: Any, *, timeout: float = DEFAULT_TIMEOUT, what: str = "a line arrived") -> bytes:
    """`stream.readline()` (a subprocess's pipe), bounded."""
    return call_within(stream.readline, timeout=timeout, what=what)
