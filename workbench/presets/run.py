"""Running a preset through the core's `Job`, and judging the run."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..appdir import AppFolder
from ..errors import JobError
from ..history import RunHistory
from ..job import Job
from ..runner import OutputSink
from .judge import Failure, PresetResult, check_expectations
from .model import Preset


class _Discard:
    """A sink that drops the App's output (it is still logged in the run's folder)."""

    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


DISCARD: OutputSink = _Discard()


def run_preset(
    app: AppFolder,
    preset: Preset,
    sink: OutputSink = DISCARD,
    *,
    history: RunHistory | None = None,
    notify: Callable[[str], None] = lambda message: None,
    on_job: Callable[[Job], None] = lambda job: None,
) -> PresetResult:
    """Run a preset through the core's `Job` and judge the run. Blocks; `on_job` gets the Job to cancel."""
    started = time.monotonic()
    try:
        job = Job(app, preset.job_spec(app.root), sink, history=history or RunHistory(app.root), notify=notify)
    except JobError as error:
        return PresetResult(preset, None, [Failure("run", f"the Job cannot start: {error}")], time.monotonic() - started)
    on_job(job)
    try:
        record = job.run()
    except JobError as error:  # found before the App started (the run's folder cannot be made)
        return PresetResult(preset, None, [Failure("run", f"the Job cannot start: {error}")], time.monotonic() - started)
    except OSError as error:  # the App ran, but its record could not be kept
        failure = Failure("run", f"the run's record could not be saved ({error.strerror or error})")
        return PresetResult(preset, None, [failure], time.monotonic() - started)
    failures = check_expectations(preset, record, app.root)
    return PresetResult(preset, record, failures, time.monotonic() - started)
