"""The pumps of a run's output: each of stdout and stderr read on its own thread as it
arrives, into a log file and a sink, with what a Node would make of it (bytes, the
second its pipe would have filled, the first byte that is not UTF-8).
"""

from __future__ import annotations

import codecs
import io
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .fsutil import size_from_environment
from .node.findings import PIPE_LIMIT

READ_SIZE = 1 << 20
BATCH_DELAY = 0.01
"""After a small read, wait this long so the App's many small writes arrive as one chunk.

An unbuffered `print` is two `write` calls; reading each as it comes costs a
wake-up per write on both sides. Waiting 10 ms keeps output live to the eye and
lets a flood through at nearly the speed of writing to a file.
"""
POLL_INTERVAL = 0.1
"""How often a reader blocked on a quiet pipe checks whether it should stop."""
DEFAULT_LOG_LIMIT = 256 * 1024**2
"""How much of each stream a run's log file keeps: an App flooding its output writes 100 MB
a second, and a log without a bound fills the disk before the run is over. What comes after
is still counted, judged and shown live; the log ends with a line that says so."""
LOG_LIMIT_VARIABLE = "WORKBENCH_LOG_LIMIT"
"""Sets the limit (`64M`, `1G`, a number of bytes) in place of `DEFAULT_LOG_LIMIT`."""


def log_limit() -> int:
    """The byte limit of each log file: `$WORKBENCH_LOG_LIMIT` if it is a size, else the default."""
    return size_from_environment(LOG_LIMIT_VARIABLE, DEFAULT_LOG_LIMIT)


@dataclass(frozen=True)
class StreamFacts:
    """What one output stream carried, for judging the run as a Node would."""

    bytes: int = 0
    crossed_at: float | None = None
    """Seconds into the run when the stream passed `mark` bytes (a Node's pipe would be full); None: never."""
    bad_offset: int | None = None
    """Offset of the first byte that is not valid UTF-8; None: the stream is valid UTF-8."""
    mark: int = PIPE_LIMIT


class _Stream:
    """Pumps one pipe into a log file and a callback, counting lines."""

    def __init__(
        self,
        fd: int,
        log_path: Path,
        deliver: Callable[[bytes], None],
        ended: threading.Event,
        started_at: float,
        mark: int = PIPE_LIMIT,
        limit: int | None = None,
    ) -> None:
        self.fd = fd
        self.limit = log_limit() if limit is None else limit
        """How many bytes the log file keeps (the rest is counted and delivered, not written)."""
        self.started_at = started_at
        self.mark = mark
        self.crossed_at: float | None = None
        self.bad_offset: int | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._undecided = False
        """The decoder holds the first bytes of a character split between two reads."""
        self.ended = ended
        """Set when the main process has exited: no more waiting for writes to batch up."""
        self.log_path = log_path
        self.deliver = deliver
        self.lines = 0
        self.bytes = 0
        self._last = b"\n"
        self.error: BaseException | None = None
        self.stop = threading.Event()
        """Set to stop reading (a process that escaped the run still holds the pipe open)."""
        self.thread = threading.Thread(target=self._pump, name=f"workbench-read-{log_path.stem}", daemon=True)

    def _pump(self) -> None:
        try:
            poller = select.poll()
            poller.register(self.fd, select.POLLIN)
            with open(self.log_path, "wb", buffering=0) as log:
                try:
                    self._read_into(log, poller)
                finally:
                    if self.bytes > self.limit:
                        log.write(self._cut_note().encode())
        except OSError as error:
            self.error = error
        finally:
            # The descriptor stays open until `ProcessRun.wait` closes it: while it is open,
            # the pipe's inode cannot be reused, so the search for processes holding the
            # run's pipes can never find an unrelated process's new pipe.
            if self._last != b"\n":
                self.lines += 1  # a last line without a newline still counts
            if self.bad_offset is None and self._undecided:
                self._check_utf8(b"", final=True)  # the stream ends inside a character

    def _cut_note(self) -> str:
        return (
            f"\n[workbench: this log stops after its first {self.limit:,} bytes; the App wrote {self.bytes:,} bytes"
            f" to {self.log_path.stem} in all. {LOG_LIMIT_VARIABLE} sets how much a log keeps.]\n"
        )

    def _read_into(self, log: io.FileIO, poller: select.poll) -> None:
        while not self.stop.is_set():
            if not poller.poll(POLL_INTERVAL * 1000):
                continue
            data = os.read(self.fd, READ_SIZE)
            if not data:
                break
            if self.bytes < self.limit:
                log.write(data[: self.limit - self.bytes])
            self.lines += data.count(b"\n")
            if self.bad_offset is None and (self._undecided or not data.isascii()):
                self._check_utf8(data)
            self.bytes += len(data)
            if self.crossed_at is None and self.bytes > self.mark:
                self.crossed_at = time.monotonic() - self.started_at
            self._last = data[-1:]
            try:
                self.deliver(data)
            except Exception as error:  # a sink's failure must not stop the log
                self.error = error
                self.deliver = _discard
            if len(data) < READ_SIZE // 4:
                self.ended.wait(BATCH_DELAY)

    def _check_utf8(self, data: bytes, final: bool = False) -> None:
        """Feed the UTF-8 decoder (ASCII reads skip it: a flood of ASCII costs nothing here)."""
        held = len(self._decoder.getstate()[0])
        try:
            self._decoder.decode(data, final)
        except UnicodeDecodeError as error:
            self.bad_offset = self.bytes - held + error.start
            return
        self._undecided = bool(self._decoder.getstate()[0])

    def facts(self) -> StreamFacts:
        return StreamFacts(self.bytes, self.crossed_at, self.bad_offset, self.mark)

def _discard(_data: bytes) -> None:
    pass
