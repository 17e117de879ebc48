"""Running presets from the Presets tab: one or all in a worker thread, and rounds of every preset (watch mode)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import Button, DataTable

from ...appdir import AppFolder
from ...display import safe_text
from ...history import RunHistory
from ...job import Job
from ...preset_rounds import PresetState, PresetStatus, Round, RoundRunner
from ...presets import Preset, PresetResult, run_preset
from .board import PresetsBoard
from .dialogs import RegressionScreen


class RunControl:
    """The Job a run of presets is on, and whether the author cancelled the run.

    Shared by the UI thread (Cancel) and the worker (and the Job's own thread, which
    reports each new Job), so every read and write is under one lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._cancelled = False

    def begin(self) -> None:
        """A new run: no Job yet, not cancelled."""
        with self._lock:
            self._job, self._cancelled = None, False

    def attach(self, job: Job | None) -> None:
        """The run is on `job` now (None between presets); a cancel asked for already ends it at once."""
        with self._lock:
            self._job = job
            cancel = job is not None and self._cancelled
        if cancel and job is not None:
            job.cancel()

    def cancel(self) -> None:
        """End the Job going, and let the run start no other."""
        with self._lock:
            self._cancelled = True
            job = self._job
        if job is not None:
            job.cancel()

    @property
    def job(self) -> Job | None:
        with self._lock:
            return self._job

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled


class PresetRuns(PresetsBoard):
    """The board, with presets run one or all at a time, and rounds of every preset at once."""

    # The messages keep the `presets_view` namespace: handlers are named `on_presets_view_...`.

    @dataclass
    class PresetFinished(Message, namespace="presets_view"):
        """One preset ran and was checked (posted from the worker's thread)."""

        result: PresetResult

    @dataclass
    class RunAllFinished(Message, namespace="presets_view"):
        """A run of several presets ended; `results` in the order they ran."""

        results: list[PresetResult]
        cancelled: bool = False

    @dataclass
    class RoundChanged(Message, namespace="presets_view"):
        """A preset of a round changed state (posted from the round's threads)."""

        round: Round
        name: str

    @dataclass
    class RoundEnded(Message, namespace="presets_view"):
        """A round of presets ended (cancelled or not); `round.result` says how."""

        round: Round

    def __init__(
        self,
        app: AppFolder,
        *,
        history: RunHistory | None = None,
        jobs: int | None = None,
        clock: bool = True,
        id: str | None = None,
    ) -> None:
        super().__init__(app, history=history, clock=clock, id=id)
        self.runner = RoundRunner(
            app,
            history=self.history,
            jobs=jobs,
            on_change=self._post_round_changed,
            on_round_end=self._post_round_ended,
        )
        """Runs rounds of every preset (watch mode); remembers each preset's last passing run."""
        self.control = RunControl()
        """The Job the run of presets is on, and whether it was cancelled (written by the worker, under a lock)."""

    @property
    def job(self) -> Job | None:
        """The Job the run of presets is on (None between presets and when none runs)."""
        return self.control.job

    def _post_round_changed(self, round_: Round, status: PresetStatus) -> None:
        """A preset of the round changed state (from the round's threads)."""
        self.bridge.post(self.RoundChanged(round_, status.name))

    def _post_round_ended(self, round_: Round) -> None:
        """The round ended (from the round's threads)."""
        self.bridge.post(self.RoundEnded(round_))

    def on_unmount(self) -> None:
        self.cancel_round()

    # -- one preset, or all, one after another ---------------------------------------------

    @on(Button.Pressed, "#preset-run")
    def action_run_selected(self) -> None:
        """Run the highlighted preset."""
        if self._busy:
            return
        self.reload()  # run what the file says now
        name = self.selected_name
        if name is not None:
            self._start([self.presets[name]])

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        """Enter on a regression shows how it differs from its last passing run; on another preset, runs it."""
        if self.selected_name in self.regressions:
            self.action_show_difference()
        else:
            self.action_run_selected()

    @on(Button.Pressed, "#preset-run-all")
    def action_run_all(self) -> None:
        """Run every preset, one after another."""
        if self._busy:
            return
        self.reload()
        if self.presets:
            self._start(list(self.presets.values()))

    @on(Button.Pressed, "#preset-cancel")
    async def action_cancel(self) -> None:
        """End the running preset, skipping the rest of a run-all; with none running, cancel the App's run."""
        if self._busy:
            self.control.cancel()
        else:
            await self.run_action("screen.cancel_run")

    def _start(self, presets: list[Preset]) -> None:
        self._busy = True
        self.control.begin()
        self._set_buttons()
        names = ", ".join(preset.name for preset in presets[:3]) + ("…" if len(presets) > 3 else "")
        self._show_status(Text.assemble(("● running ", "bold cyan"), names))
        self._run_worker(presets)

    @work(thread=True, exclusive=True, group="presets", exit_on_error=False)
    def _run_worker(self, presets: list[Preset]) -> None:
        """Run the presets one after another (on a worker thread: the UI only through the bridge)."""
        results = []
        try:
            for preset in presets:
                if self.control.cancelled:
                    break
                result = run_preset(
                    self.app_folder,
                    preset,
                    history=self.history,
                    notify=self._notify_from_thread,
                    on_job=self.control.attach,
                )
                self.control.attach(None)
                results.append(result)
                self.bridge.post(self.PresetFinished(result))
        finally:  # whatever happens, the tab stops showing "running"
            self.control.attach(None)
            self.bridge.post(self.RunAllFinished(results, cancelled=self.control.cancelled))

    def _notify_from_thread(self, text: str) -> None:
        """A note from a preset's Job (on its thread), shown as a warning."""
        self.bridge.call(self.notify, safe_text(text), severity="warning", markup=False)

    @on(PresetFinished)
    def _preset_finished(self, message: PresetFinished) -> None:
        result = message.result
        self.results[result.preset.name] = result
        self.runner.remember(result)
        if result.passed:
            self.regressions.pop(result.preset.name, None)
        self._refresh_board([result.preset.name])
        self._show_summary()
        self._show_detail()

    @on(RunAllFinished)
    def _all_finished(self, message: RunAllFinished) -> None:
        self._busy = False
        passed = sum(result.passed for result in message.results)
        failed = len(message.results) - passed
        if len(message.results) == 1:  # named: the tab may highlight another preset, one not run
            result = message.results[0]
            said = f"{safe_text(result.preset.name)} {'passed' if result.passed else 'failed'}"
        else:
            said = f"run of {len(message.results)} presets: {passed} passed, {failed} failed"
        text = Text.assemble(
            ("✓ " if not failed else "✗ ", "bold green" if not failed else "bold red"),
            said,
            (" · cancelled" if message.cancelled else "", "yellow"),
        )
        self._show_status(text)
        self._set_buttons()

    # -- rounds: every preset at once after a save (watch mode) ----------------------------

    def start_round(self, reason: str) -> Round | None:
        """Run every preset of the file as it is now, in parallel; a round going is cancelled first."""
        self.reload()
        if self.preset_file is None or not self.presets:
            return None
        round_ = self.runner.start(list(self.presets.values()), reason)
        self.round = round_
        self._refresh_board()
        self._show_status(Text.assemble(("● round ", "bold cyan"), (str(round_.number), "bold cyan"), f" · {reason}"))
        self._show_summary()
        self._ticker.resume()
        return round_

    def cancel_round(self) -> threading.Thread | None:
        """Cancel the round going; its thread ends once its Jobs have ended their process trees."""
        return self.runner.cancel()

    @on(RoundChanged)
    def _round_changed(self, message: RoundChanged) -> None:
        if message.round is not self.round:
            return  # a cancelled round's last news
        status = message.round.statuses[message.name]
        if status.state in (PresetState.PASSED, PresetState.FAILED) and status.result is not None:
            self.results[message.name] = status.result
            if status.regression is not None:
                self.regressions[message.name] = status.regression
            elif status.state is PresetState.PASSED:
                self.regressions.pop(message.name, None)
            # A preset still failing stays marked until it passes: the save that broke it is behind it.
        self._refresh_board([message.name])
        if message.name == self.selected_name:
            self._show_detail()

    @on(RoundEnded)
    def _round_ended(self, message: RoundEnded) -> None:
        if message.round is not self.round or message.round.result is None:
            return
        self._ticker.pause()
        result = message.round.result
        ok = result.passed == result.total
        self._show_status(
            Text.assemble(
                ("✓ " if ok else "✗ ", "bold green" if ok else "bold red"), f"round {result.number} · {message.round.reason}"
            )
        )
        self._refresh_board()
        self._show_summary()
        self._show_detail()

    def action_show_difference(self) -> None:
        """Show how the highlighted preset's failing run differs from its last passing run."""
        name = self.selected_name
        if name is None:
            return
        regression = self.regressions.get(name)
        if regression is not None:
            self.app.push_screen(RegressionScreen(regression))
            return
        difference = self.runner.difference(name)
        if difference is None:
            self.notify(f"{name} has no failing run after a passing one in this session", severity="information")
            return
        self.app.push_screen(RegressionScreen(difference, is_regression=False))
