"""The suite's own waiting helpers fail fast, naming what never happened."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from waiting import call_within, join, wait_until, wait_until_async


def test_wait_until_returns_once_the_condition_holds() -> None:
    ready = time.monotonic() + 0.05
    wait_until(lambda: time.monotonic() >= ready, what="the moment came")


def test_wait_until_fails_naming_the_condition() -> None:
    with pytest.raises(AssertionError, match="timed out after 0.05 s waiting until the sky fell"):
        wait_until(lambda: False, timeout=0.05, what="the sky fell")


def test_the_async_twin_fails_naming_the_condition() -> None:
    with pytest.raises(AssertionError, match="waiting until the run ended"):
        asyncio.run(wait_until_async(lambda: False, timeout=0.05, what="the run ended"))


def test_a_blocking_call_is_bounded_and_its_result_or_error_handed_back() -> None:
    assert call_within(lambda: 42, what="the answer came") == 42
    with pytest.raises(ZeroDivisionError):
        call_within(lambda: 1 / 0, what="the division ended")
    never = threading.Event()
    started = time.monotonic()
    with pytest.raises(AssertionError, match="waiting until the event was set"):
        call_within(never.wait, timeout=0.1, what="the event was set")
    assert time.monotonic() - started < 5
    never.set()


def test_join_is_bounded() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait, daemon=True)
    thread.start()
    with pytest.raises(AssertionError, match="waiting until the worker ended"):
        join(thread, timeout=0.05, what="the worker ended")
    release.set()
    join(thread, what="the released worker ended")
