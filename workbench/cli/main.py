"""The `workbench` command: the TUI by default, and headless subcommands for scripts and CI.

This is the one module of the CLI that imports the UI, to launch it (`command_tui`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

from .common import ArgumentParser, say
from .run import command_run

SUBCOMMANDS = ("run", "preview", "test", "serve")


def command_tui(argv: list[str]) -> int:
    parser = ArgumentParser(prog="workbench", description="Open the InfraX Workbench on an App folder.")
    parser.add_argument("app_dir", nargs="?", default=".", metavar="APP_DIR", help="the App folder (default: here)")
    parser.add_argument("--no-watch", action="store_true", help="start with watch mode off")
    parser.add_argument(
        "--on-save",
        choices=["job", "presets", "both"],
        default="job",
        help="what a save runs in watch mode: the Job (default), a round of every preset, or both (t switches it)",
    )
    options = parser.parse_args(argv)
    try:
        from ..ui.app import run_tui
    except ImportError as error:
        say(f"the workbench UI cannot start: {error}")
        return 1
    return run_tui(Path(options.app_dir), watch=not options.no_watch, on_save=options.on_save)


HELP = """usage: workbench [APP_DIR]               open the workbench on an App folder (default: here)
       workbench run APP_DIR [options]   run an App once, headless
       workbench preview APP_DIR         which lifecycle actions are allowed, and the checks
       workbench test APP_DIR            run the App's saved Job presets and check their expectations
       workbench serve APP_DIR           serve the workbench in a web browser (localhost; needs the serve extra)

`workbench COMMAND --help` describes each command's options."""


def _end_process(status: int) -> NoReturn:
    """End the `workbench` program now, skipping the interpreter's teardown.

    Once a headless run has saved its record and said its last line there is
    nothing left to do, and tearing down pydantic's many modules would add some
    20 ms to every `workbench run` (see benchmarks/bench_run.py).
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the workbench was started with it closed
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    """The `workbench` command. Called with `argv` (from Python), it returns the exit status."""
    as_program = argv is None
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(HELP)
        return 0
    if argv and argv[0] == "--version":
        from .. import __version__

        print(f"workbench {__version__}")
        return 0
    command, rest = (argv[0], argv[1:]) if argv and argv[0] in SUBCOMMANDS else ("tui", argv)
    try:
        if command == "run":
            status = command_run(rest)
            if as_program:
                _end_process(status)
            return status
        if command == "preview":
            from .preview import command_preview

            return command_preview(rest)
        if command == "test":
            from .test import command_test

            return command_test(rest)
        if command == "serve":
            from .serve import command_serve

            return command_serve(rest)
        return command_tui(rest)
    except KeyboardInterrupt:
        return 130

