"""What every `workbench` subcommand shares: its messages on stderr, its parser, the usage exit status."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import NoReturn

USAGE_ERROR = 2
"""The exit status for a problem found before anything ran (a bad folder, a bad option)."""


def say(message: str) -> None:
    """Print one of the workbench's own messages on stderr, marked as its own.

    A message may name files, arguments and presets, which are untrusted: each
    of its lines is made safe to show (see `workbench.display`).
    """
    from ..display import safe_text

    message = "\n".join(safe_text(line) for line in message.split("\n"))
    try:
        sys.stderr.write(f"workbench: {message}\n")
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # no stderr, a reader gone, a terminal hung up
        pass


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2, as for every problem found before a run."""

    def error(self, message: str) -> NoReturn:
        say(f"{self.prog.split()[-1]}: {message} (see --help)")
        raise SystemExit(USAGE_ERROR)


ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals that cancel a headless run: Ctrl-C, `kill`, and the terminal going away (SIGHUP)."""


def claim_standard_streams() -> frozenset[int]:
    """Put /dev/null on each of stdin, stdout and stderr that was started closed (`>&-`).

    Otherwise the next file the workbench opens (a pipe for the App's output) would
    take that number, and output meant for the author would go into it. Returns the
    numbers that were closed: to the workbench, a reader that went away.
    """
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
    for fd in sorted(closed):
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    return frozenset(closed)


class PassThrough:
    """A sink that copies the App's bytes unchanged to the workbench's stdout and stderr."""

    def __init__(self, closed: frozenset[int] = frozenset()) -> None:
        self._open = {1: 1 not in closed, 2: 2 not in closed}

    def _write(self, fd: int, data: bytes) -> None:
        if not self._open[fd]:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except OSError:  # the reader went away (`| head`): keep logging, stop passing through
            self._open[fd] = False

    def on_stdout(self, data: bytes) -> None:
        self._write(1, data)

    def on_stderr(self, data: bytes) -> None:
        self._write(2, data)
