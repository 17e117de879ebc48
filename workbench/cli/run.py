"""`workbench run`: run an App once, headless, as a Node would.

stdout carries exactly the App's stdout; the workbench's own messages go to
stderr. It stays light: it imports neither Textual nor the UI nor pydantic (its
record is `workbench.plainrecord`'s, the same JSON), and starts the App before
it builds the record.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .common import ENDING_SIGNALS, USAGE_ERROR, ArgumentParser, PassThrough, claim_standard_streams, say

NODE_STRICT_STATUS = 3
"""`workbench run --node-strict`: the App exited 0 here, but a Node would fail or hang on the run."""

if TYPE_CHECKING:
    from ..records import RunRecord


def _add_job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-k",
        "--kwarg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a keyword argument for the Job (repeatable; the value may contain '=' or be empty)",
    )
    parser.add_argument("--kwargs-file", type=Path, metavar="FILE", help="a JSON object of keyword arguments")
    parser.add_argument(
        "-i",
        "--input",
        action="append",
        default=[],
        metavar="PATH",
        help="a file or folder to place in the run's input/ (repeatable)",
    )
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="end the App after this many seconds")
    parser.add_argument(
        "--args-mode",
        choices=["stdin", "argv"],
        default="stdin",
        help="stdin: one JSON object on stdin, as the docs say (default); argv: --key value pairs, as the Node software does",
    )
    parser.add_argument(
        "--buffering",
        choices=["flushed", "unbuffered"],
        default="flushed",
        help="flushed (default): stdout line-buffered as on a terminal, live and in order with stderr, "
        "switching to block buffering flushed every 50 ms when the App floods it; "
        "unbuffered: PYTHONUNBUFFERED=1 (several times slower for Apps that print a lot)",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="the Python the App's environment is made from (default: python3.11 on PATH, else uv's 3.11,"
        " else the workbench's own); a Node runs 3.11",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a variable for the App (repeatable); it otherwise sees only PATH, HOME, LANG, LC_*, TZ, TMPDIR and TERM",
    )
    install = parser.add_mutually_exclusive_group()
    install.add_argument(
        "--reinstall", action="store_true", help="rebuild the App's requirements.txt environment before the run"
    )
    install.add_argument(
        "--no-install",
        action="store_true",
        help="make no environment: run with the interpreter as it is, its packages included"
        " (the run gets an environment finding)",
    )


def _run_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="workbench run",
        description="Run an App once, as a Node would, in a fresh staged workspace. "
        "stdout carries exactly the App's stdout; the workbench's own messages go to stderr.",
    )
    parser.add_argument("app_dir", metavar="APP_DIR", help="the App folder (it holds main.py)")
    _add_job_options(parser)
    parser.add_argument("--record", type=Path, metavar="FILE", help="also write the run's record (JSON) to FILE")
    parser.add_argument("--keep", type=int, metavar="N", help="keep the newest N runs in the history (default 50)")
    parser.add_argument(
        "--keep-bytes",
        metavar="SIZE",
        help="keep at most SIZE of logs and outputs in the history (500M, 2G; default 2G, or $WORKBENCH_KEEP_BYTES):"
        " the oldest runs go first, and a run's outputs over it are listed but not all kept",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no closing summary or Node verdict on stderr")
    parser.add_argument(
        "--node-strict",
        action="store_true",
        help=f"exit with status {NODE_STRICT_STATUS} when the App exited 0 but a Node would fail or hang on the run",
    )
    return parser


def collect_kwargs(pairs: list[str], kwargs_file: Path | None) -> dict[str, str]:
    """The Job's arguments from a file and `-k` options (options win); raises ArgumentError."""
    from ..kwargs import load_arguments_file, parse_assignment

    values: dict[str, str] = {}
    if kwargs_file is not None:
        values.update(load_arguments_file(kwargs_file))
    for pair in pairs:
        name, value = parse_assignment(pair)
        values[name] = value
    return values


def command_run(argv: list[str]) -> int:
    closed = claim_standard_streams()  # before any file is opened: see its docstring
    options = _run_parser().parse_args(argv)

    def installer_output(line: str) -> None:  # live, indented under the workbench's own lines; never stdout
        sys.stderr.write(f"  {safe_text(line, block=True)}\n")
        sys.stderr.flush()
    from ..appdir import AppFolder, AppFolderError
    from ..display import safe_text
    from ..environment import EnvironmentProvider
    from ..envs import environment_provider
    from ..errors import JobError
    from ..fsutil import atomic_write_text, parse_size
    from ..history import DEFAULT_KEEP_RUNS, RunHistory
    from ..job import Buffering, Job, JobSpec, exit_status
    from ..kwargs import ArgsMode, ArgumentError
    from ..node.environment import EnvironmentVariableError, parse_variable
    from ..status import RunStatus

    try:
        app = AppFolder.open(options.app_dir)
        spec = JobSpec(
            kwargs=collect_kwargs(options.kwarg, options.kwargs_file),
            inputs=options.input,
            args_mode=ArgsMode(options.args_mode),
            timeout=options.timeout,
            trigger="workbench run",
            buffering=Buffering(options.buffering),
            env=dict(parse_variable(item) for item in options.env),
        )
        keep = options.keep if options.keep is not None else DEFAULT_KEEP_RUNS
        if keep < 1:
            raise JobError(f"--keep {keep}: must be at least 1")
        keep_bytes = None
        if options.keep_bytes is not None:
            try:
                keep_bytes = parse_size(options.keep_bytes)
            except ValueError as error:
                raise JobError(f"--keep-bytes {error}") from None
        environment: EnvironmentProvider = environment_provider(
            options.python, reinstall=options.reinstall, install=not options.no_install, output=installer_output
        )
        job = Job(
            app,
            spec,
            PassThrough(closed),
            history=RunHistory(app.root, keep=keep, keep_bytes=keep_bytes),
            environment=environment,
            notify=say,
            plain_record=True,  # the command ends with the run: no pydantic on its path (see `workbench.plainrecord`)
        )
    except (AppFolderError, ArgumentError, JobError, EnvironmentVariableError) as error:  # InterpreterError is a JobError
        say(str(error))
        return USAGE_ERROR
    except OSError as error:
        say(f"{error.filename or options.app_dir}: {error.strerror or error}")
        return USAGE_ERROR

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        job.cancel()

    previous = {sig: signal.signal(sig, interrupt) for sig in ENDING_SIGNALS}
    try:
        record = job.run()
    except JobError as error:  # found before the App started: nothing ran
        say(str(error))
        return USAGE_ERROR
    except OSError as error:  # the App ran, but its record could not be kept
        say(f"the run's record could not be saved ({error.strerror or error})")
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if options.record is not None:
        try:
            from ..history import record_json

            # Atomic, as the history's records are: a reader sees the old file or the whole new one.
            atomic_write_text(options.record, record_json(record) + "\n")
        except OSError as error:
            say(f"--record {options.record}: could not be written ({error.strerror or error})")
    if not options.quiet:
        say(summary_line(record))
        for line in verdict_lines(record):
            say(line)
    elif record.status is RunStatus.ERROR and record.message:
        say(record.message)  # the App did not run: say why even when quiet
    status = exit_status(record)
    if options.node_strict and status == 0 and record.node is not None:
        from ..node.findings import blocks_publish

        if blocks_publish(record.node.verdict):
            return NODE_STRICT_STATUS
    return status


def verdict_lines(record: RunRecord) -> list[str]:
    """The Node's verdict on a run and one line per finding (nothing when the App did not run)."""
    if record.node is None:
        return []
    from ..node.findings import describe_verdict

    lines = [describe_verdict(record.node.verdict)]
    lines += [f"  {item.code} ({item.severity}): {item.message}" for item in record.node.findings]
    return lines


def summary_line(record: RunRecord) -> str:
    """One line on how a run ended, for the end of a headless run."""
    parts = [record.status.value]
    if record.message:
        parts.append(f"({record.message})")
    if record.duration_seconds is not None:
        parts.append(f"in {record.duration_seconds:.2f} s")
    if record.workbench_seconds is not None:
        parts.append(f"(+ {record.workbench_seconds:.2f} s of the workbench's)")
    if record.outputs:
        parts.append(f"· {len(record.outputs)} output(s) in {record.output_dir}")
    if record.outputs_not_kept:
        parts.append("(not all kept)")
    parts.append(f"· run {record.id}")
    return " ".join(parts)

