"""One Job, run as a Node runs it: validate, stage, start, stream, collect, record.

The headless commands, the UI and the presets all run Apps through `Job`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .appcache import Stamp
from .appcache import snapshot as take_snapshot
from .appdir import STATE_DIR, AppFolder
from .environment import EnvironmentFailed, EnvironmentProvider, PreparedEnvironment
from .errors import JobError
from .history import OUTPUT_DIR, STDERR_LOG, STDOUT_LOG, RunHistory, new_run_id
from .kwargs import ArgsMode, ArgumentError, argv_problems, argv_tail, check_arguments, stdin_payload
from .node.environment import app_variables, flush_shim_dir
from .proctree import TAG_VARIABLE, describe_signal
from .progress import ProgressLine
from .runner import Outcome, OutputSink, ProcessResult, ProcessRun
from .staging import (
    StagingError,
    Workspace,
    check_inputs,
    check_workspace,
    collect_outputs,
    discard_workspace,
    keep_within_budget,
    stage_workspace,
)
from .status import RunStatus

if TYPE_CHECKING:
    from .node.findings import Finding
    from .node.verdict import WorkspaceChanges
    from .proctree import Sample
    from .records import RunRecord


def requirements_environment() -> EnvironmentProvider:
    """The default provider: the App's environment, bare or from requirements.txt (see `workbench.envs`).

    Installer output goes to the Job's `notify`.
    """
    from .envs import environment_provider

    return environment_provider()


class Buffering(StrEnum):
    """How the App's Python buffers its stdout, and so how live and how fast its output is."""

    FLUSHED = "flushed"
    """The default: stdout line-buffered, as on a terminal (each line live, in order with
    stderr), switching to block buffering flushed every 50 ms in a flood (see `flush_shim`)."""
    UNBUFFERED = "unbuffered"
    """PYTHONUNBUFFERED=1: every write reaches the workbench at once, at two system calls
    a print: several times slower for an App that prints a lot."""


@dataclass
class JobSpec:
    """What to run: the Job's arguments, inputs and how they are passed."""

    kwargs: dict[str, str] = field(default_factory=dict)
    inputs: list[str | os.PathLike[str]] = field(default_factory=list)
    args_mode: ArgsMode = ArgsMode.STDIN
    timeout: float | None = None
    trigger: str | None = None
    """Why this run starts, shown in the history (`manual`, `saved main.py`, ...)."""
    preset: str | None = None
    buffering: Buffering = Buffering.FLUSHED
    env: dict[str, str] = field(default_factory=dict)
    """Variables given to the App besides the allow-list (`--env KEY=VALUE`)."""


@dataclass(frozen=True)
class PreparedJob:
    arguments: dict[str, str]
    """The keyword arguments, checked by `workbench.kwargs`' rules."""
    inputs: list[Path]


def prepare(spec: JobSpec) -> PreparedJob:
    """Check the arguments and inputs; raise JobError naming the first problem."""
    try:
        arguments = check_arguments(dict(spec.kwargs))
    except ArgumentError as error:
        raise JobError(str(error)) from None
    if spec.args_mode is ArgsMode.ARGV and (problems := argv_problems(arguments)):
        raise JobError("; ".join(problems))
    try:
        inputs = check_inputs(list(spec.inputs))
    except StagingError as error:
        raise JobError(str(error)) from None
    if spec.timeout is not None and not spec.timeout > 0:
        raise JobError(f"timeout {spec.timeout}: must be a positive number of seconds")
    return PreparedJob(arguments, inputs)


def app_environment(
    buffering: Buffering = Buffering.FLUSHED, extra: dict[str, str] | None = None, *, state_dir: Path
) -> dict[str, str]:
    """The variables the App runs with: built, not inherited (see `workbench.node.environment`).

    Besides the allow-list and `extra`, the workbench's own: in `flushed` mode a copy
    of the flush shim on `PYTHONPATH` (kept in `state_dir`), in `unbuffered` mode
    `PYTHONUNBUFFERED=1`.
    """
    if buffering is Buffering.UNBUFFERED:
        own = {"PYTHONUNBUFFERED": "1"}
    else:
        own = {"PYTHONPATH": str(flush_shim_dir(state_dir))}
    return app_variables(own=own, extra=extra)


def history_problem(app_root: Path, error: OSError) -> str:
    """Why runs cannot be kept in the App's `.workbench/`, and what to do (one message for every command)."""
    return (
        f"{app_root / STATE_DIR}: cannot keep the run there"
        f" ({error.strerror or error}); make it a writable folder or remove it"
    )


def check_history(history: RunHistory) -> None:
    """Raise JobError when the history cannot keep runs (a read-only App folder, `.workbench` a file)."""
    try:
        history.root.mkdir(exist_ok=True)
    except OSError as error:
        raise JobError(history_problem(history.app_root, error)) from None


def exit_status(record: RunRecord) -> int:
    """The exit status a headless command gives for a run, by the `workbench run` contract."""
    if record.status is RunStatus.TIMED_OUT:
        return 124
    if record.status is RunStatus.CANCELLED:
        return 130
    if record.status is RunStatus.ERROR:
        return 2
    code = record.exit_code or 0
    return 128 - code if code < 0 else code


class Job:
    """One run of an App. Create, then call `run()` (blocking); `cancel()` from any thread."""

    def __init__(
        self,
        app: AppFolder,
        spec: JobSpec,
        sink: OutputSink,
        *,
        history: RunHistory | None = None,
        environment: EnvironmentProvider | None = None,
        notify: Callable[[str], None] = lambda message: None,
        on_started: Callable[[RunRecord], None] = lambda record: None,
        on_sample: Callable[[Sample], None] | None = None,
        plain_record: bool = False,
    ) -> None:
        self.app = app
        self.spec = spec
        self.sink = sink
        self.history = history or RunHistory(app.root)
        self.environment = environment if environment is not None else requirements_environment()
        self.notify = notify
        self.on_started = on_started
        self.on_sample = on_sample
        """Called from the sampling thread with each sample of the App's processes (a live view of its cost)."""
        self.plain_record = plain_record
        """Build the record without pydantic (`workbench.plainrecord`: same fields, same JSON), for a
        command that ends with the run and would otherwise pay more for pydantic than a small App runs."""
        if not app.main_py.is_file():
            # Checked again here, not only when the folder was opened: an editor or a `git
            # checkout` may have removed it since, and Python's own "can't open file" reads
            # like a failure of the App.
            raise JobError(
                f"{app.main_py.name} is gone from {app.root}: the Node starts an App as"
                f" `python {app.main_py.name}`; put it back, then run again"
            )
        self.prepared = prepare(spec)
        self.run_id = new_run_id()
        self._began = time.monotonic()
        self._process: ProcessRun | None = None
        self._cancelled = threading.Event()
        self.workspace: Path | None = None
        """Where the App runs (its staged copy), set before it starts: views map it back to `app.root`."""

    def cancel(self) -> None:
        """End the run (its whole process tree); safe from any thread, at any stage."""
        self._cancelled.set()
        self.environment.cancel()  # an install in progress ends too
        if self._process is not None:
            self._process.cancel()

    def run(self) -> RunRecord:
        """Run the Job to its end and return its saved record.

        Raises JobError, before anything runs, when the run's folder cannot be made.
        """
        try:
            run_dir = self.history.create_run_dir(self.run_id)
        except OSError as error:
            raise JobError(history_problem(self.app.root, error)) from None
        self._began = time.monotonic()
        progress = ProgressLine(self.notify)
        snapshot = take_snapshot(self.app, progress=progress)
        # The record's fields, gathered before the App starts; the pydantic record is
        # built once the App runs (`_record`), so building it costs the App no time.
        record: dict[str, Any] = dict(
            id=self.run_id,
            app_path=str(self.app.root),
            started_at=datetime.now(timezone.utc),
            status=RunStatus.ERROR,
            args_mode=self.spec.args_mode,
            buffering=self.spec.buffering.value,
            kwargs=self.prepared.arguments,
            output_dir=str(run_dir / OUTPUT_DIR),
            stdout_log=str(run_dir / STDOUT_LOG),
            stderr_log=str(run_dir / STDERR_LOG),
            interpreter=sys.executable,
            app_hash=snapshot.content_hash,
            trigger=self.spec.trigger,
            preset=self.spec.preset,
        )
        workspace: Workspace | None = None
        try:
            for warning in self.app.warnings() + self.app.outside_link_warnings():
                self.notify(warning)
            if self._cancelled.is_set():
                return self._finish(self._record(record), RunStatus.CANCELLED, "cancelled before the App started")
            try:
                env = self.environment(self.app, self.notify)
            except EnvironmentFailed as error:
                record["environment"] = vars(error.record) if error.record is not None else None
                if self._cancelled.is_set():
                    return self._finish(self._record(record), RunStatus.CANCELLED, str(error))
                return self._finish(self._record(record), RunStatus.ERROR, str(error))
            record["interpreter"] = env.interpreter
            record["environment"] = vars(env.record) if env.record is not None else None
            try:
                workspace = stage_workspace(self.app, self.prepared.inputs, snapshot=snapshot, progress=progress)
            except StagingError as error:
                return self._finish(self._record(record), RunStatus.ERROR, str(error))
            self._prepared_env = env
            self.workspace = workspace.path
            record["inputs"] = [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in workspace.inputs]
            for note in workspace.notes:
                self.notify(note)
            if self._cancelled.is_set():
                return self._finish(self._record(record), RunStatus.CANCELLED, "cancelled before the App started")
            return self._run_process(record, workspace, run_dir, env.interpreter)
        finally:
            if workspace is not None:
                discard_workspace(workspace)
            self.history.release(self.run_id)
            self.history.prune(protect=frozenset({self.run_id}))

    def _run_process(
        self, fields: dict[str, Any], workspace: Workspace, run_dir: Path, interpreter: str
    ) -> RunRecord:
        arguments = self.prepared.arguments
        stdin_data = stdin_payload(arguments) if self.spec.args_mode is ArgsMode.STDIN else None
        argv = [interpreter, "main.py"]
        if self.spec.args_mode is ArgsMode.ARGV:
            argv += argv_tail(arguments)
        try:
            env = app_environment(self.spec.buffering, self.spec.env, state_dir=self.app.state_dir)
        except OSError as error:
            return self._finish(self._record(fields), RunStatus.ERROR, f"could not prepare the App's environment: {error}")
        fields["env_names"] = sorted({*env, TAG_VARIABLE})
        before = workspace.entries()  # as staged: no walk
        process = ProcessRun(
            argv,
            cwd=workspace.path,
            env=env,
            stdin_data=stdin_data,
            stdout_log=Path(fields["stdout_log"]),
            stderr_log=Path(fields["stderr_log"]),
            sink=self.sink,
            timeout=self.spec.timeout,
            on_sample=self.on_sample,
        )
        try:
            process.start()
        except OSError as error:
            message = f"could not start {interpreter}: {error.strerror or error}"
            return self._finish(self._record(fields), RunStatus.ERROR, message)
        self._process = process
        fields["started_at"] = datetime.now(timezone.utc)
        if self._cancelled.is_set():
            process.cancel()
        record = self._record(fields)  # while the App runs
        self.on_started(record)
        _import_for_the_end()  # while the App runs, too
        result = process.wait()
        record.duration_seconds = round(result.duration_seconds, 6)
        record.exit_code = result.exit_code
        record.peak_memory_bytes = result.peak_memory_bytes
        record.stdout_lines = result.stdout_lines
        record.stderr_lines = result.stderr_lines
        findings = self._node_findings(result, workspace, before, Path(fields["stderr_log"]))
        outputs, notes = collect_outputs(workspace.output_dir, run_dir / OUTPUT_DIR, ProgressLine(self.notify))
        models = _record_models(self.plain_record)
        record.node = models.NodeRecord.of(findings)
        record.outputs = [models.OutputRecord(**vars(item)) for item in outputs]
        record.output_count = len(outputs)
        record.output_bytes = sum(item.size for item in outputs)
        not_kept = keep_within_budget(outputs, run_dir / OUTPUT_DIR, self.history.keep_bytes)
        if not_kept is not None:
            record.outputs_not_kept = not_kept
            notes.append(not_kept)
        for note in notes:
            self.notify(note)
        record.ended_processes = list(result.ended)
        if result.stragglers:
            self.notify(
                f"the App left {result.stragglers} process(es) running after it ended;"
                f" the workbench ended them: {', '.join(result.ended[-result.stragglers:])}"
            )
        if result.outcome is Outcome.TIMED_OUT:
            return self._finish(record, RunStatus.TIMED_OUT, f"timed out after {self.spec.timeout:g} s")
        if result.outcome is Outcome.CANCELLED:
            return self._finish(record, RunStatus.CANCELLED, "cancelled")
        if result.exit_code == 0:
            return self._finish(record, RunStatus.SUCCEEDED, None)
        code = result.exit_code if result.exit_code is not None else -1
        message = f"killed by {describe_signal(-code)}" if code < 0 else f"exit code {code}"
        return self._finish(record, RunStatus.FAILED, message)

    def _node_findings(
        self, result: ProcessResult, workspace: Workspace, before: dict[str, Stamp], stderr_log: Path
    ) -> list[Finding]:
        """What a Node would have made of this run, read while the workspace still exists."""
        # Imported once the App has ended: building its models costs a short run's start nothing.
        from .node.verdict import (
            RunObservations,
            StreamObservation,
            missing_modules,
            node_findings,
            scan_output,
            top_level_modules,
        )

        env: PreparedEnvironment = self._prepared_env
        observed = RunObservations(
            streams=[
                StreamObservation("stdout", result.stdout.bytes, result.stdout.crossed_at,
                                  result.stdout.bad_offset, result.stdout.mark),
                StreamObservation("stderr", result.stderr.bytes, result.stderr.crossed_at,
                                  result.stderr.bad_offset, result.stderr.mark),
            ],
            output=scan_output(workspace.output_dir),
            workspace=self._workspace_changes(workspace, before),
            exit_code=result.exit_code,
            timed_out_after=self.spec.timeout if result.outcome is Outcome.TIMED_OUT else None,
            provided=env.provided,
            stdlib=env.stdlib or frozenset(sys.stdlib_module_names),
            own=top_level_modules(path for path in before if path.endswith((".py", "/"))),
            environment_findings=list(env.findings),
        )
        if result.exit_code not in (0, None) and result.outcome is Outcome.EXITED:
            observed.missing = missing_modules(stderr_log, workspace.path)
        return node_findings(observed)

    def _record(self, fields: dict[str, Any]) -> RunRecord:
        return _new_record(fields, self.plain_record)

    @staticmethod
    def _workspace_changes(workspace: Workspace, before: dict[str, Stamp]) -> WorkspaceChanges:
        """The run's changes to its workspace, from the walk that also lets its copy be put right."""
        from .node.verdict import snapshot_of, stamp_changes, workspace_changes

        entries = check_workspace(workspace)
        if entries is None:  # the run renamed its workspace away: look at what is at its path now
            return workspace_changes(snapshot_of(before), workspace.path)
        return stamp_changes(before, entries)

    def _finish(self, record: RunRecord, status: RunStatus, message: str | None) -> RunRecord:
        record.status = status
        record.message = message
        record.ended_at = datetime.now(timezone.utc)
        elapsed = time.monotonic() - self._began
        record.workbench_seconds = round(max(0.0, elapsed - (record.duration_seconds or 0.0)), 6)
        self.history.save(record)
        return record


def _import_for_the_end() -> None:
    """Import what the end of a run needs (the Node's verdict, the history's index), kept
    off the path that starts the App and done while it runs, on the other core."""
    from . import runindex as _runindex  # noqa: F401
    from .node import verdict as _verdict  # noqa: F401


def _record_models(plain: bool) -> Any:
    """The module of the record's models: `workbench.records` (pydantic, imported on first use:
    see `workbench.history`) or `workbench.plainrecord` (the same record without pydantic)."""
    if plain:
        from . import plainrecord

        return plainrecord
    from . import records

    return records


def _new_record(fields: dict[str, Any], plain: bool = False) -> RunRecord:
    """The record of a run; a plain one has the same attributes and JSON (see `Job.plain_record`)."""
    record: RunRecord = _record_models(plain).RunRecord(**fields)
    return record
