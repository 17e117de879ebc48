"""`workbench test`: run an App's saved Job presets headless and check their expectations, for CI.

Prints one line per preset (PASS or FAIL, its name, how long it took), under a
failure exactly which expectations failed and how, then a closing line
`N passed, N failed`. Exit status: 0 when every preset passed, 1 when any
failed, 2 for a problem found before running (a bad folder, an invalid presets
file, an unknown --preset), 130 when Ctrl-C or SIGTERM cancelled the runs.
Like `workbench run`, it never imports Textual.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ..display import safe_text
from .common import ENDING_SIGNALS, USAGE_ERROR, ArgumentParser, PassThrough, say

if TYPE_CHECKING:
    from ..appdir import AppFolder
    from ..job import Job
    from ..presets import Preset, PresetResult

FAILED = 1
INTERRUPTED = 130
"""Ctrl-C or SIGTERM ended the runs (as `workbench run` exits for a cancelled run)."""


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="workbench test",
        description="Run the App's saved Job presets (presets.toml) headless and check their expectations. "
        "Exits 0 only when every preset passed; 1 when one failed; 2 for a problem found before running.",
    )
    parser.add_argument("app_dir", metavar="APP_DIR", help="the App folder (it holds main.py and presets.toml)")
    parser.add_argument(
        "-p",
        "--preset",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this preset (repeatable; default: every preset, in the file's order)",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write the results as JUnit XML to FILE")
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="run N presets side by side (default 1: one after another; with --watch, the machine's cores)",
    )
    parser.add_argument(
        "-w",
        "--watch",
        action="store_true",
        help="run the presets again after every save to the App (or to presets.toml and golden/), "
        "cancelling a round going; a board after each round; Ctrl-C ends with the last round's exit status",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="pass the App's stdout and stderr through (interleaved with --jobs)"
    )
    return parser


def command_test(argv: list[str]) -> int:
    """The `workbench test` command; returns its exit status."""
    options = _parser().parse_args(argv)
    from ..appdir import AppFolder, AppFolderError
    from ..presets import PresetError, load_presets

    if options.jobs is not None and options.jobs < 1:
        say(f"test: --jobs {options.jobs}: must be at least 1")
        return USAGE_ERROR
    try:
        app = AppFolder.open(options.app_dir)
        preset_file = load_presets(app.root)
    except (AppFolderError, PresetError) as error:
        say(str(error))
        return USAGE_ERROR
    unknown = [name for name in options.preset if name not in preset_file.presets]
    if unknown:
        known = ", ".join(preset_file.names()) or "none"
        say(f"--preset {unknown[0]}: no such preset in {preset_file.path.name} (the presets are: {known})")
        return USAGE_ERROR
    names = list(dict.fromkeys(options.preset)) if options.preset else preset_file.names()
    if not names:
        say(f"{preset_file.path.name}: holds no presets; add a [preset.NAME] table (see docs/presets.md)")
        return USAGE_ERROR
    if options.watch:
        if options.junit is not None:
            say("test: --junit and --watch cannot be used together")
            return USAGE_ERROR
        from .rounds import watch_presets

        return watch_presets(app, list(dict.fromkeys(options.preset)) or None, jobs=options.jobs)
    presets = [preset_file.presets[name] for name in names]
    from ..errors import JobError
    from ..history import RunHistory
    from ..job import check_history

    try:  # the same message and status as `workbench run` when runs cannot be kept
        check_history(RunHistory(app.root))
    except JobError as error:
        say(str(error))
        return USAGE_ERROR
    results, interrupted = run_all(app, presets, jobs=options.jobs or 1, verbose=options.verbose, report=_print_result)
    passed = sum(result.passed for result in results)
    from ..preset_report import memory_line

    print(f"{passed} passed, {len(results) - passed} failed", flush=True)
    if memory := memory_line(results):  # on stderr, with the workbench's own lines: the report stays exact
        say(memory)
    if options.junit is not None:
        try:
            write_junit(options.junit, app.name, results)
        except OSError as error:
            say(f"--junit {options.junit}: could not be written ({error.strerror or error})")
            return USAGE_ERROR
    if interrupted:
        return INTERRUPTED
    return 0 if passed == len(results) else FAILED


def run_all(
    app: AppFolder,
    presets: list[Preset],
    *,
    jobs: int = 1,
    verbose: bool = False,
    report: Callable[[PresetResult], None] = lambda result: None,
) -> tuple[list[PresetResult], bool]:
    """Run presets (`jobs` at a time), calling `report` for each result in the presets' order.

    Ctrl-C or SIGTERM cancels every running Job (and the ones not started yet);
    those presets fail as cancelled. Returns the results and whether that happened.
    """
    from ..history import RunHistory
    from ..presets import DISCARD, run_preset

    history = RunHistory(app.root)
    sink = PassThrough() if verbose else DISCARD
    seen_notes: set[str] = set()
    notes_lock = threading.Lock()
    running: list[Job] = []
    cancelled = threading.Event()

    def notify(message: str) -> None:
        with notes_lock:  # the same warning (an App's own output/ folder) comes once per preset
            if message in seen_notes:
                return
            seen_notes.add(message)
        say(message)

    def on_job(job: Job) -> None:
        with notes_lock:
            running.append(job)
        if cancelled.is_set():
            job.cancel()

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        cancelled.set()
        with notes_lock:
            for job in running:
                job.cancel()

    def one(preset: Preset) -> PresetResult:
        return run_preset(app, preset, sink, history=history, notify=notify, on_job=on_job)

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, interrupt) for sig in ENDING_SIGNALS} if in_main_thread else {}
    results: list[PresetResult] = []
    try:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="workbench-preset") as pool:
            futures: list[Future[PresetResult]] = [pool.submit(one, preset) for preset in presets]
            for future in futures:  # in the presets' order, whatever order they end in
                result = _wait(future)
                results.append(result)
                report(result)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return results, cancelled.is_set()


def _wait(future: Future[PresetResult]) -> PresetResult:
    # A short timeout keeps the main thread responsive to signals while it waits.
    while True:
        try:
            return future.result(timeout=0.2)
        except TimeoutError:
            continue


def _print_result(result: PresetResult) -> None:
    """One line for the preset and, under a failure, what failed and how."""
    verdict = "PASS" if result.passed else "FAIL"
    print(f"{verdict} {safe_text(result.preset.name)} ({result.duration_seconds:.2f} s)", flush=True)
    for failure in result.failures:
        for line in failure.lines():
            print(f"    {safe_text(line)}")
    sys.stdout.flush()


def junit_tree(app_name: str, results: list[PresetResult]) -> ET.ElementTree[ET.Element]:
    """The results as JUnit XML: one testsuite for the App, one testcase per preset."""
    failures = sum(not result.passed for result in results)
    total_time = sum(result.duration_seconds for result in results)
    suites = ET.Element("testsuites", name="workbench test", tests=str(len(results)), failures=str(failures))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=_xml_safe(app_name),
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{total_time:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_xml_safe(f"presets.{app_name}"),
            name=_xml_safe(result.preset.name), time=f"{result.duration_seconds:.3f}"
        )
        if result.failures:
            first = result.failures[0]
            failure = ET.SubElement(
                case, "failure", message=_xml_safe(f"{first.expectation}: {first.message}"), type=_xml_safe(first.expectation)
            )
            failure.text = _xml_safe("\n".join(line for item in result.failures for line in item.lines()))
        if result.record is not None:
            ET.SubElement(case, "system-out").text = f"run {result.record.id}: {result.record.status.value}"
    ET.indent(suites)
    return ET.ElementTree(suites)


_XML_INVALID = re.compile("[\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Text that XML 1.0 can hold and that is safe to show: each line through `safe_text`
    (control characters, escapes, bidi overrides and bytes that are not UTF-8 made
    visible), and the two non-characters XML refuses shown as `?`."""
    return _XML_INVALID.sub("?", "\n".join(safe_text(line) for line in text.split("\n")))


def write_junit(path: Path, app_name: str, results: list[PresetResult]) -> None:
    """Write the results as JUnit XML to `path`."""
    junit_tree(app_name, results).write(path, encoding="utf-8", xml_declaration=True)
