"""The Run pane: start, cancel and re-run the App, with its output live."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.compose import compose
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from ..appdir import AppFolder
from ..display import author_paths, first_clauses, names_workspace, safe_text
from ..environment import EnvironmentProvider
from ..errors import JobError
from ..filepreview import terminal_safe
from ..history import RunHistory
from ..job import Job, JobSpec
from ..node.job_output import JobOutput, job_output
from ..proctree import Sample
from .messages import OpenExternally
from .output_stream import STDERR, OutputBuffer
from .resource_view import ResourceView
from .run_status import READY, STATUS_MESSAGE_CHARS, RunStatusLine, record_status, running_status
from .settings import UISettings
from .stream_log import StreamLog
from .tab_view import AfterFirstPaint, FocusTabs, TabsScreen, TabView
from .verdict import findings_text

if TYPE_CHECKING:
    from ..records import RunRecord  # pydantic: loaded with the first record, not before the first paint


LOGS_AFTER = 0.05
"""Seconds between the Run tab's buttons and its logs, just after the first paint."""


class RunPane(Vertical, TabView):
    """Runs the App through the core's `Job`, showing stdout, stderr and both as they arrive."""

    BINDINGS = [
        Binding("v", "next_log", "Next view", id="run.next_log", tooltip="Show the next view: combined, stdout, stderr, install"),
    ]

    @dataclass
    class RunStarted(Message):
        """The App's process started (posted from the run's thread)."""

        record: RunRecord
        started: float
        """`time.monotonic()` when the process had started."""

    @dataclass
    class RunFinished(Message):
        """A run ended and its record is saved."""

        record: RunRecord
        job_output: JobOutput | None = None
        """The run as a Node would report it, read in the run's thread."""
        workspace: Path | None = None
        """Where the App ran (its staged copy), to show as the App's folder."""

    @dataclass
    class RunRefused(Message):
        """A run was not started: the reason says what to fix."""

        reason: str

    @dataclass
    class Note(Message):
        """Something the run wants the author to know (a warning from the core)."""

        text: str

    def __init__(self, app_folder: AppFolder, history: RunHistory, settings: UISettings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.app_folder = app_folder
        self.history = history
        self.settings = settings
        self.job: Job | None = None
        self.buffer: OutputBuffer | None = None
        self.last_spec: JobSpec | None = None
        self.last_record: RunRecord | None = None
        self.refused = False
        """Whether the status line says why the last run was refused."""
        self._started_at: float | None = None
        self._requested_at: float | None = None
        self._trigger: str | None = None
        self._cancelling = False
        self._timer: Timer | None = None
        self._ended: threading.Event | None = None
        self._installing: deque[str] = deque()
        """Installer lines (requirements.txt) not shown yet; appended from the run's thread."""
        self._samples: deque[Sample] = deque(maxlen=1000)
        """Samples of the run's processes not drawn yet; appended from the run's sampling thread."""
        self._workspace: Path | None = None
        """The staged copy the current run's App runs in, once known: its paths are shown as the App's."""
        self._body_in = False
        """Whether the buttons and logs are mounted (just after the first paint)."""

    def compose(self) -> ComposeResult:
        status = RunStatusLine(id="run-status")
        status.text = Text(READY, style="dim")
        yield status
        detail = Static(id="run-detail")
        detail.display = False
        yield detail
        findings = Static(id="run-findings")
        findings.display = False
        yield findings
        # The buttons come just after the first paint, and the logs in the frame after that: in
        # one frame, they took 70 ms to draw in a fresh process, and no key is read meanwhile.
        yield AfterFirstPaint(lambda: compose(self, self._compose_actions()), self._actions_mounted)

    def _compose_actions(self) -> ComposeResult:
        with Horizontal(id="run-actions"):
            yield Button("Run", id="run-start", variant="primary", compact=True,
                         tooltip="Run the App with the arguments and inputs (r)")
            yield Button("Cancel", id="run-cancel", variant="error", disabled=True, compact=True,
                         tooltip="End the run's whole process tree (x)")
            yield Button("Re-run", id="run-rerun", disabled=True, compact=True, tooltip="Run again exactly as last time (R)")
            yield Button("stdout log", id="open-stdout", disabled=True, compact=True,
                         tooltip="Open the full stdout log in $PAGER (o)")
            yield Button("stderr log", id="open-stderr", disabled=True, compact=True,
                         tooltip="Open the full stderr log in $PAGER (O)")
        if self.settings.live_resources:
            yield ResourceView(id="run-resources")

    def _actions_mounted(self) -> None:
        # A moment later rather than at once: the logs' frame (40 ms in a fresh process) is then
        # not drawn straight after the buttons', and a key pressed meanwhile waits for one, not both.
        self.set_timer(LOGS_AFTER, self._mount_logs)

    async def _mount_logs(self) -> None:
        if self.is_attached:
            await self.mount_all(compose(self, self._compose_logs()))
            self._body_mounted()

    def _compose_logs(self) -> ComposeResult:
        with FocusTabs(id="run-logs"):
            with TabPane("combined", id="tab-combined"):
                yield StreamLog(self.settings.tail_lines, id="log-combined")
            with TabPane("stdout", id="tab-stdout"):
                yield StreamLog(self.settings.tail_lines, id="log-stdout")
            with TabPane("stderr", id="tab-stderr"):
                yield StreamLog(self.settings.tail_lines, id="log-stderr")
            with TabPane("install", id="tab-install"):
                yield StreamLog(self.settings.tail_lines, id="log-install")
            with TabPane("job output", id="tab-job"):
                yield StreamLog(self.settings.tail_lines, id="log-job")

    def _body_mounted(self) -> None:
        self._body_in = True
        self._set_buttons()
        if isinstance(self.screen, TabsScreen):
            self.screen.view_ready(self)

    @property
    def ready(self) -> bool:
        return self.is_mounted and self._body_in

    def home(self) -> Widget:
        """The log shown (combined, stdout, stderr or install)."""
        logs = self.query_one("#run-logs", TabbedContent)
        return logs.get_pane(logs.active).query_one(StreamLog)

    def action_next_log(self) -> None:
        """Show the next of the output views, with the focus on its log."""
        logs = self.query_one("#run-logs", TabbedContent)
        panes = [pane.id for pane in logs.query(TabPane) if pane.id is not None]
        logs.active = panes[(panes.index(logs.active) + 1) % len(panes)] if logs.active in panes else panes[0]
        self.take_focus()

    def on_mount(self) -> None:
        self._timer = self.set_interval(self.settings.drain_interval, self._drain, pause=True)

    # -- state ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, spec: JobSpec) -> bool:
        """Start a run of the App; False (with the reason shown) when it is refused or one is going."""
        if self.running:
            return False
        self._requested_at = time.monotonic()
        buffer = OutputBuffer(self.settings.tail_lines)
        installing: deque[str] = deque(maxlen=self.settings.tail_lines)
        samples: deque[Sample] = deque(maxlen=1000)
        try:
            job = Job(
                self.app_folder,
                spec,
                buffer,
                history=self.history,
                environment=self._environment(installing),
                notify=self._post_note,
                on_started=self._post_started,
                on_sample=samples.append if self.settings.live_resources else None,
            )
        except JobError as error:
            self.show_refusal(str(error))
            self.post_message(self.RunRefused(str(error)))
            return False
        self.job, self.buffer, self.last_spec = job, buffer, spec
        self._installing = installing
        self._samples = samples
        if self.settings.live_resources:
            self.query_one(ResourceView).reset()
        self._ended = threading.Event()
        self._trigger = spec.trigger
        self._started_at = None
        self._cancelling = False
        self._workspace = None
        for log in self.query(StreamLog):
            log.reset()
        self.show_detail("")
        self.show_findings(None)
        self._set_buttons()
        self._show_status()
        assert self._timer is not None
        self._timer.resume()
        self._run_worker(job, self._ended)
        return True

    def cancel(self) -> threading.Event | None:
        """End the current run's process tree (SIGTERM, then SIGKILL after the grace period).

        Returns an event set once the run has ended and is recorded (None when none is going).
        """
        if self.job is None:
            return None
        self._cancelling = True
        self.job.cancel()
        if self.is_mounted:
            self._show_status()
        return self._ended

    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def _run_worker(self, job: Job, ended: threading.Event) -> RunRecord:
        try:
            record = job.run()
        finally:
            ended.set()
        output = job_output(record) if record.node is not None else None
        self.bridge.post(self.RunFinished(record, output, job.workspace))
        return record

    # -- draining output ------------------------------------------------------------------

    def _post_note(self, text: str) -> None:
        """The Job's notes, from its thread."""
        self.bridge.post(self.Note(text))

    def _post_started(self, record: RunRecord) -> None:
        """The Job's record once the App started, from its thread."""
        self.bridge.post(self.RunStarted(record, time.monotonic()))

    def _environment(self, installing: deque[str]) -> EnvironmentProvider | None:
        """The App's environment (bare, or from requirements.txt), its installer's lines sent to the install pane."""
        from ..envs import environment_provider

        return environment_provider(output=installing.append)

    def on_show(self) -> None:
        """The Run tab is shown: what arrived while it was hidden is drawn now, in one batch."""
        self._drain()

    def _drain(self, *, hidden_too: bool = False) -> None:
        """Move what the run's threads gathered into the pane (the timer's tick, and once more at the end).

        While the tab is hidden the output stays where it is: the buffer and the installer's
        lines keep a bounded tail (as the logs would), and `on_show` takes it in one batch.
        The resource samples are taken always, so no peak is lost, and drawn when shown.
        """
        if self._samples:
            taken = [self._samples.popleft() for _ in range(len(self._samples))]  # each taken once, none lost
            self.query_one(ResourceView).add_samples(taken)
        if not (hidden_too or self.is_on_screen):
            return
        if self._installing:
            lines = list(self._installing)
            self._installing.clear()
            self.query_one("#log-install", StreamLog).feed(lines)
            if self._started_at is None and self.running:
                self.query_one("#run-logs", TabbedContent).active = "tab-install"
                self._show_status(installing=lines[-1])
        if self.buffer is None:
            return
        if self._workspace is None and self.job is not None:
            self._workspace = self.job.workspace  # set by the run's thread before the App starts
        drained = self.buffer.drain()
        if drained.stdout:
            self.query_one("#log-stdout", StreamLog).feed(self._author_paths(drained.stdout))
        if drained.stderr:
            self.query_one("#log-stderr", StreamLog).feed(self._author_paths(drained.stderr))
        if drained.combined_lines:
            lines, streams = drained.combined_lines, drained.combined_streams
            if STDERR in streams:  # stderr's lines are marked
                lines = [f"! {line}" if stream == STDERR else line for stream, line in zip(streams, lines, strict=True)]
            self.query_one("#log-combined", StreamLog).feed(self._author_paths(lines))
        if self.running:
            self._show_status(drained.stdout_lines, drained.stderr_lines)

    def _author_paths(self, lines: list[str], workspace: Path | None = None) -> list[str]:
        """Display-safe lines with the run's workspace path written as the App's folder.

        The buffer hands over whole lines (a path split between two reads is joined
        first), already made safe; a line that changes is made safe again, since the
        App's folder name is the author's but shown all the same.
        """
        workspace = workspace or self._workspace
        if workspace is None or not names_workspace("\n".join(lines), workspace):  # a flood's batch: one check
            return lines
        root = self.app_folder.root
        shown = []
        for line in lines:
            mapped = author_paths(line, workspace, root)
            shown.append(line if mapped is line else terminal_safe(mapped))
        return shown

    # -- status line ----------------------------------------------------------------------

    def _set_buttons(self) -> None:
        running = self.running
        self.query_one("#run-start", Button).disabled = running
        self.query_one("#run-cancel", Button).disabled = not running
        self.query_one("#run-rerun", Button).disabled = running or self.last_spec is None
        has_logs = self.last_record is not None and not running
        self.query_one("#open-stdout", Button).disabled = not has_logs
        self.query_one("#open-stderr", Button).disabled = not has_logs

    def _show_status(
        self, stdout_lines: int | None = None, stderr_lines: int | None = None, *, installing: str | None = None
    ) -> None:
        text = running_status(
            cancelling=self._cancelling,
            elapsed=None if self._started_at is None else time.monotonic() - self._started_at,
            show_clock=self.settings.show_clock,
            installing=installing,
            stdout_lines=stdout_lines,
            stderr_lines=stderr_lines,
            trigger=self._trigger,
        )
        self.query_one("#run-status", RunStatusLine).update(text)

    def show_refusal(self, reason: str) -> None:
        """Say why a run was not started; it stays until `clear_refusal` (the cause fixed) or a run."""
        self.refused = True
        shown, rest = first_clauses(reason, STATUS_MESSAGE_CHARS)
        text = Text.assemble(("✗ not run: ", "bold red"), safe_text(shown))
        self.query_one("#run-status", RunStatusLine).update(text)
        self.show_detail(rest)

    def show_detail(self, text: str) -> None:
        """The rest of a status's message, wrapped under the status line (hidden when there is none)."""
        detail = self.query_one("#run-detail", Static)
        detail.update(Text(safe_text(text)))
        detail.display = bool(text)

    def clear_refusal(self) -> None:
        """The reason a run was refused is gone: show the last run again (or that none ran yet)."""
        if not self.refused or self.running:
            return
        self.refused = False
        if self.last_record is not None:
            self.show_record(self.last_record)
        else:
            self.query_one("#run-status", RunStatusLine).update(Text(READY, style="dim"))
            self.show_detail("")

    def show_record(self, record: RunRecord) -> None:
        """Show how a run ended (`run_status.record_status`) and its Node findings."""
        self.refused = False
        text, rest = record_status(record)
        self.query_one("#run-status", RunStatusLine).update(text)
        self.show_detail(rest)
        self.show_findings(record)

    def show_findings(self, record: RunRecord | None) -> None:
        """List the run's Node findings above the output (hidden when there are none)."""
        findings = self.query_one("#run-findings", Static)
        text = findings_text(record)
        findings.update(text)
        findings.display = bool(text.plain)

    def show_job_output(self, output: JobOutput | None, workspace: Path | None = None) -> None:
        """Fill the Job output view: the joined text a Node reports, then its error.

        Paths in the run's `workspace` are shown as the App's own (the logs keep them as written).
        """
        log = self.query_one("#log-job", StreamLog)
        log.reset()
        if output is None:
            return
        lines = []
        if output.note:
            lines.append(f"[{output.note}]")
        if output.cut:
            lines.append("[… the start of the output is left out here]")
        lines += self._author_paths(terminal_safe(output.text).split("\n"), workspace)
        if output.error:
            lines.append(output.error)
        log.feed(lines)

    # -- events ---------------------------------------------------------------------------

    @on(RunStarted)
    def _started(self, event: RunStarted) -> None:
        self._started_at = event.started
        logs = self.query_one("#run-logs", TabbedContent)
        if logs.active == "tab-install":
            logs.active = "tab-combined"
        if self.running:
            self._show_status(*(self.buffer.counts if self.buffer else (0, 0)))

    @on(RunFinished)
    def _finished(self, event: RunFinished) -> None:
        if self.buffer is not None:
            self.buffer.close()
        self._drain(hidden_too=True)  # the buffer goes: its tail waits in the logs if they are hidden
        self.job = None
        self.buffer = None
        self.last_record = event.record
        self._cancelling = False
        if self.settings.live_resources:
            self.query_one(ResourceView).finish(event.record.peak_memory_bytes)
        if self._timer is not None:
            self._timer.pause()
        self.show_record(event.record)
        self.show_job_output(event.job_output, event.workspace)
        self._set_buttons()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "run" or event.state is not WorkerState.ERROR:
            return
        # job.run() failed in a way the core did not expect: say so, and be ready for another run.
        self.job = None
        self.buffer = None
        if self._timer is not None:
            self._timer.pause()
        error = event.worker.error
        self.show_refusal(f"the run failed inside the workbench: {error}")
        self._set_buttons()
        self.post_message(self.RunRefused(f"the run failed inside the workbench: {error}"))

    @on(Button.Pressed, "#run-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.cancel()

    @on(Button.Pressed, "#open-stdout")
    def _open_stdout(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_open_log("stdout")

    @on(Button.Pressed, "#open-stderr")
    def _open_stderr(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_open_log("stderr")

    def action_open_log(self, stream: str) -> None:
        """Open the last run's full log of one stream in the author's $PAGER."""
        record = self.last_record
        if record is None:
            self.notify("no run yet: nothing to open", severity="warning")
            return
        self.post_message(OpenExternally(Path(record.stdout_log if stream == "stdout" else record.stderr_log), pager=True))
