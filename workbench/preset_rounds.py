"""Rounds of presets for watch mode: every save runs every preset of the App, in parallel.

A `Round` runs each preset of the App once (as many at a time as the machine
has cores, by default), tracking each preset's state (queued, running, passed,
failed), its time, its Node verdict when the run record carries one, and its
first failure reason. A `RoundRunner` starts rounds: a new round cancels the
one going (its Jobs end their whole process trees) and starts once it has
ended, so two rounds never compete for the machine.

Across rounds the runner remembers each preset's last result and its last
passing run. A preset that passed in the round before and fails now is a
**regression**; its `Regression` says how the failing run differs from the
last passing one: exit status, Node verdict, stdout and outputs.

The UI and `workbench test --watch` both drive this module; it never imports Textual.
What a board says of the results (verdicts, reasons, memory, regressions) is
in `preset_report`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from .appdir import AppFolder
from .history import RunHistory
from .job import Job
from .preset_report import Regression, first_reason, verdict_text
from .presets import DISCARD, Preset, PresetResult, run_preset
from .status import RunStatus


class PresetState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    """The round was cancelled before the preset's run ended: it says nothing about the App."""


def default_jobs() -> int:
    """Presets run at once by default: the machine's cores."""
    return max(1, os.cpu_count() or 1)


@dataclass
class PresetStatus:
    """One preset's place in a round."""

    name: str
    state: PresetState = PresetState.QUEUED
    started_at: float | None = None
    """`time.monotonic()` when its Job was created."""
    duration_seconds: float | None = None
    result: PresetResult | None = None
    regression: Regression | None = None

    @property
    def verdict(self) -> str | None:
        return verdict_text(self.result.record) if self.result is not None else None

    @property
    def reason(self) -> str | None:
        """The first failure reason, on one printable line."""
        if self.result is None or self.state is not PresetState.FAILED:
            return None
        return first_reason(self.result.failures)

    def elapsed(self, now: float | None = None) -> float | None:
        """Seconds so far (running) or in all (ended)."""
        if self.duration_seconds is not None:
            return self.duration_seconds
        if self.started_at is None:
            return None
        return (now if now is not None else time.monotonic()) - self.started_at


@dataclass(frozen=True)
class RoundResult:
    """How a round ended."""

    number: int
    passed: int
    total: int
    regressions: tuple[str, ...]
    cancelled: bool

    @property
    def failed(self) -> int:
        return self.total - self.passed

    def summary(self) -> str:
        """`presets 11/12 · 1 regression` (with `· cancelled` when it did not finish)."""
        text = f"presets {self.passed}/{self.total}"
        if self.regressions:
            text += f" · {len(self.regressions)} regression" + ("s" if len(self.regressions) > 1 else "")
        if self.cancelled:
            text += " · cancelled"
        return text

    @property
    def exit_status(self) -> int:
        """As `workbench test`: 0 when every preset passed, else 1."""
        return 0 if self.passed == self.total and not self.cancelled else 1


class Round:
    """One run of every preset; `run()` blocks, `cancel()` is safe from any thread."""

    def __init__(
        self,
        number: int,
        reason: str,
        app: AppFolder,
        presets: list[Preset],
        *,
        history: RunHistory,
        jobs: int,
        on_change: Callable[[Round, PresetStatus], None],
        judge: Callable[[PresetResult], Regression | None],
        notify: Callable[[str], None],
    ) -> None:
        self.number = number
        self.reason = reason
        self.app = app
        self.presets = presets
        self.history = history
        self.jobs = max(1, jobs)
        self.statuses: dict[str, PresetStatus] = {preset.name: PresetStatus(preset.name) for preset in presets}
        self.result: RoundResult | None = None
        self.started_at = time.monotonic()
        """When the round was asked for (a save)."""
        self.began_at: float | None = None
        """When its first preset was started (after the round it replaced had ended)."""
        self.ended_at: float | None = None
        self._on_change = on_change
        self._judge = judge
        self._notify = notify
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._jobs_running: list[Job] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """End every running Job of the round; the ones not started never start."""
        self._cancelled.set()
        with self._lock:
            jobs = list(self._jobs_running)
        for job in jobs:
            job.cancel()

    def results(self) -> list[PresetResult]:
        """The presets' results so far, in the presets' order."""
        return [status.result for status in self.statuses.values() if status.result is not None]

    def _on_job(self, status: PresetStatus, job: Job) -> None:
        with self._lock:
            self._jobs_running.append(job)
        status.state = PresetState.RUNNING
        status.started_at = time.monotonic()
        self._on_change(self, status)
        if self._cancelled.is_set():
            job.cancel()

    def _one(self, preset: Preset) -> None:
        status = self.statuses[preset.name]
        if self._cancelled.is_set():
            status.state = PresetState.CANCELLED
            self._on_change(self, status)
            return
        result = run_preset(
            self.app, preset, DISCARD, history=self.history, notify=self._notify, on_job=lambda job: self._on_job(status, job)
        )
        status.result = result
        status.duration_seconds = result.duration_seconds
        record = result.record
        if self._cancelled.is_set() and (record is None or record.status is RunStatus.CANCELLED or not result.passed):
            status.state = PresetState.CANCELLED  # ended by the cancel, or judged while it came
        else:
            status.state = PresetState.PASSED if result.passed else PresetState.FAILED
            status.regression = self._judge(result)
        self._on_change(self, status)

    def run(self) -> RoundResult:
        """Run every preset, `jobs` at a time; returns (and keeps) the round's result."""
        self.began_at = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="workbench-round") as pool:
            for future in [pool.submit(self._one, preset) for preset in self.presets]:
                future.result()
        self.ended_at = time.monotonic()
        statuses = list(self.statuses.values())
        self.result = RoundResult(
            number=self.number,
            passed=sum(status.state is PresetState.PASSED for status in statuses),
            total=len(statuses),
            regressions=tuple(status.name for status in statuses if status.regression is not None),
            cancelled=self.cancelled,
        )
        return self.result


@dataclass
class _Memory:
    """What the runner remembers of a preset across rounds."""

    last: PresetResult | None = None
    last_passing: PresetResult | None = None


class RoundRunner:
    """Starts rounds in a thread; a new round cancels the one going and starts once it has ended.

    `on_change(round, status)` is called from worker threads whenever a preset's state
    changes; `on_round_end(round)` once a round has ended (cancelled or not).
    """

    def __init__(
        self,
        app: AppFolder,
        *,
        history: RunHistory | None = None,
        jobs: int | None = None,
        on_change: Callable[[Round, PresetStatus], None] = lambda round_, status: None,
        on_round_end: Callable[[Round], None] = lambda round_: None,
        notify: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.app = app
        self.history = history or RunHistory(app.root)
        self.jobs = jobs if jobs is not None else default_jobs()
        self.on_change = on_change
        self.on_round_end = on_round_end
        self.notify = notify
        self.current: Round | None = None
        self.last_finished: Round | None = None
        """The last round that ran to its end (not cancelled)."""
        self._memory: dict[str, _Memory] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._count = 0

    def remember(self, result: PresetResult) -> None:
        """Count a result run outside a round (a preset run on its own) as the preset's latest."""
        memory = self._memory.setdefault(result.preset.name, _Memory())
        memory.last = result
        if result.passed:
            memory.last_passing = result

    def difference(self, name: str) -> Regression | None:
        """How the preset's latest run (when it failed) differs from its last passing run, if there was one."""
        with self._lock:
            memory = self._memory.get(name)
        if memory is None or memory.last is None or memory.last.passed or memory.last_passing is None:
            return None
        return Regression(name, memory.last_passing, memory.last)

    def _judge(self, result: PresetResult) -> Regression | None:
        with self._lock:
            memory = self._memory.setdefault(result.preset.name, _Memory())
            previous, passing = memory.last, memory.last_passing
            self.remember(result)
        if not result.passed and previous is not None and previous.passed and passing is not None:
            return Regression(result.preset.name, passing, result)
        return None

    def start(self, presets: list[Preset], reason: str) -> Round:
        """Start a round of `presets` (cancelling the round going); returns it at once."""
        with self._lock:
            self._count += 1
            previous_round, previous_thread = self.current, self._thread
            round_ = Round(
                self._count,
                reason,
                self.app,
                presets,
                history=self.history,
                jobs=self.jobs,
                on_change=self.on_change,
                judge=self._judge,
                notify=self.notify,
            )
            self.current = round_
            if previous_round is not None:
                previous_round.cancel()
            thread = threading.Thread(
                target=self._run, args=(round_, previous_thread), name=f"workbench-round-{round_.number}", daemon=True
            )
            self._thread = thread
        thread.start()
        return round_

    def _run(self, round_: Round, previous: threading.Thread | None) -> None:
        if previous is not None:
            previous.join()  # its Jobs end their process trees first
        if not round_.cancelled:
            round_.run()
        else:
            for status in round_.statuses.values():
                status.state = PresetState.CANCELLED
            round_.result = RoundResult(round_.number, 0, len(round_.statuses), (), True)
        if not round_.cancelled:
            self.last_finished = round_
        self.on_round_end(round_)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def cancel(self) -> threading.Thread | None:
        """Cancel the round going; returns its thread (join it to wait until its Jobs ended)."""
        with self._lock:
            if self.current is not None:
                self.current.cancel()
            return self._thread

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no round is going; True when none is."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True
