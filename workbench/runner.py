"""Running one process the way a Node runs an App, streaming its output in bounded memory.

`ProcessRun` knows nothing of Apps: it starts a command in its own session,
feeds its stdin, streams stdout and stderr separately as they arrive into log
files and a sink (each pumped by a thread of `workbench.streams`), samples its
memory, and ends its whole process tree on a timeout, a cancel, or when the
main process exits.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from .pipeholders import describe_process, pipe_holders, pipe_inode
from .proctree import TAG_VARIABLE, ProcessTree, Sample, TreeSampler, maxrss_bytes
from .streams import StreamFacts, _Stream

PIPE_SIZE = 1 << 20
"""Pipes are widened to this, where the system allows, so a chatty App rarely blocks."""
KILL_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL when a run's process tree is ended."""
DRAIN = 0.5
"""Seconds the output pipes are still read once the run's process tree has ended.

Output already written is read in far less. A pipe still open after this is held
by a process that escaped the tree (see `workbench.pipeholders`): it is ended, and
reading stops.
"""
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


class OutputSink(Protocol):
    """Receives a run's output as it arrives, from reader threads."""

    def on_stdout(self, data: bytes) -> None: ...

    def on_stderr(self, data: bytes) -> None: ...


class Outcome(StrEnum):
    EXITED = "exited"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ProcessResult:
    outcome: Outcome
    exit_code: int | None
    """The exit status; negative when a signal ended the process."""
    duration_seconds: float
    peak_memory_bytes: int | None
    stdout_lines: int
    stderr_lines: int
    stragglers: int
    """Processes of the run still alive after the main process ended (and then ended by us)."""
    ended: tuple[str, ...] = ()
    """The processes besides the main one that the workbench ended (`pid 12 (python3 x.py)`):
    on a timeout or cancel, and after the main process ended, stragglers in the run's
    tree and escapees still holding its pipes."""
    stdout: StreamFacts = StreamFacts()
    stderr: StreamFacts = StreamFacts()


class ProcessRun:
    """One process tree, started, streamed, measured and ended."""

    def __init__(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        stdin_data: bytes | None,
        stdout_log: Path,
        stderr_log: Path,
        sink: OutputSink,
        timeout: float | None = None,
        kill_grace: float = KILL_GRACE,
        on_sample: Callable[[Sample], None] | None = None,
    ) -> None:
        self.argv = argv
        self.cwd = cwd
        self.token = secrets.token_hex(8)
        self.env = {**env, TAG_VARIABLE: self.token}
        self.stdin_data = stdin_data
        self.stdout_log = stdout_log
        self.stderr_log = stderr_log
        self.sink = sink
        self.timeout = timeout
        self.kill_grace = kill_grace
        self.on_sample = on_sample
        """Called from the sampling thread with each sample of the run's processes (memory, CPU, count)."""
        self._cancel = threading.Event()
        self._exited = threading.Event()
        self._main_peak = 0
        self._started_at = 0.0
        self._ended_at = 0.0
        self.pid: int | None = None
        self.sampler: TreeSampler | None = None
        """Samples the run's processes once it has started: `peak_rss_bytes`, `recent` samples."""

    def start(self) -> None:
        """Start the process; raises OSError when it cannot be started."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        for fd in (out_w, err_w):
            try:
                fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
            except OSError:
                pass  # the system's limit; the default size works, only slower
        wall_start = time.time()
        try:
            self._proc = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.PIPE if self.stdin_data is not None else subprocess.DEVNULL,
                stdout=out_w,
                stderr=err_w,
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            raise
        self._pipe_inodes = frozenset({pipe_inode(out_r), pipe_inode(err_r)})
        os.close(out_w)
        os.close(err_w)
        self._started_at = time.monotonic()
        self.pid = self._proc.pid
        self.tree = ProcessTree(self._proc.pid, self.token, started_at=wall_start)
        self.sampler = TreeSampler(self.tree)
        self._out = _Stream(out_r, self.stdout_log, self.sink.on_stdout, self._exited, self._started_at)
        self._err = _Stream(err_r, self.stderr_log, self.sink.on_stderr, self._exited, self._started_at)
        self._out.thread.start()
        self._err.thread.start()
        self._feeder: threading.Thread | None = None
        if self.stdin_data is not None:
            self._feeder = threading.Thread(target=self._feed_stdin, name="workbench-stdin", daemon=True)
            self._feeder.start()
        threading.Thread(target=self._wait_main, name="workbench-wait", daemon=True).start()
        # Last: the sampler may import psutil (at its first sample), holding the GIL for long
        # stretches, and each `Thread.start()` waits until its thread has run (see `_sample`).
        self._sampling = threading.Thread(target=self._sample, name="workbench-sample", daemon=True)
        self._sampling.start()

    def _feed_stdin(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None and self.stdin_data is not None
        try:
            stdin.write(self.stdin_data)
        except (BrokenPipeError, OSError, ValueError):
            pass  # the App exited or closed stdin without reading it all: as on a Node
        finally:
            try:
                stdin.close()
            except (BrokenPipeError, OSError):
                pass

    def _sample(self) -> None:
        # The first sample waits one interval, and imports psutil: a short App's peak is its own
        # `ru_maxrss`, scanning processes while it starts would only compete with it, and one
        # that ends before it and leaves nothing may need no psutil at all (`ProcessTree`).
        assert self.sampler is not None
        self.sampler.run(self._exited, self.on_sample)

    def cancel(self) -> None:
        """End the run's whole process tree (thread-safe; returns at once)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _wait_main(self) -> None:
        """Block until the main process exits; record its status and its own peak memory."""
        _pid, status, rusage = os.wait4(self._proc.pid, 0)
        self._ended_at = time.monotonic()
        self._proc.returncode = os.waitstatus_to_exitcode(status)
        self._main_peak = maxrss_bytes(rusage.ru_maxrss)
        self._exited.set()

    def wait(self) -> ProcessResult:
        """Wait for the run to end, enforcing the timeout and a cancel; end every straggler."""
        outcome = Outcome.EXITED
        deadline = None if self.timeout is None else self._started_at + self.timeout
        ended: list[str] = []
        while not self._exited.wait(0.05):
            if self._cancel.is_set() and outcome is Outcome.EXITED:
                outcome = Outcome.CANCELLED
                ended += self._end_tree(describe=True)
            elif deadline is not None and time.monotonic() >= deadline and outcome is Outcome.EXITED:
                outcome = Outcome.TIMED_OUT
                ended += self._end_tree(describe=True)
        ended = [item for item in ended if not item.startswith(f"pid {self._proc.pid} ")]  # the main process
        # Children the App left behind hold the pipes open and would outlive the run.
        left = self._end_tree(describe=True)
        left += self._end_pipe_holders(deadline)
        os.close(self._out.fd)
        os.close(self._err.fd)
        # The last sample is in the peak, and no thread is left inside psutil when the caller exits.
        self._sampling.join()
        if self._feeder is not None:
            # Ends at once, as every process that could hold stdin has ended; the bound
            # only matters for one that escaped the tree (the thread is a daemon).
            self._feeder.join(timeout=1.0)
        return ProcessResult(
            outcome=outcome,
            exit_code=self._proc.returncode,
            duration_seconds=self._ended_at - self._started_at,
            peak_memory_bytes=max(self._main_peak, self.sampler.peak_rss_bytes if self.sampler else 0) or None,
            stdout_lines=self._out.lines,
            stderr_lines=self._err.lines,
            stragglers=len(left),
            ended=tuple(dict.fromkeys(ended + left)),
            stdout=self._out.facts(),
            stderr=self._err.facts(),
        )

    def _readers_done(self) -> bool:
        return not (self._out.thread.is_alive() or self._err.thread.is_alive())

    def _end_pipe_holders(self, deadline: float | None) -> list[str]:
        """Let the pipes drain; then end whatever still holds them, and stop reading them.

        A cancel or the timeout cuts the drain short; the whole takes at most
        the drain and one kill grace period.
        """
        drain_until = time.monotonic() + DRAIN
        while not self._readers_done() and time.monotonic() < drain_until:
            if self._cancel.is_set() or (deadline is not None and time.monotonic() >= deadline):
                break
            self._out.thread.join(0.02)
        if self._readers_done():
            return []
        holders = pipe_holders(self._pipe_inodes, exclude={os.getpid()})
        ended = [describe_process(pid) for pid in holders]
        _end_processes(holders, self.kill_grace)
        for stream in (self._out, self._err):
            stream.thread.join(DRAIN)  # the rest of what they wrote, now that they are gone
            stream.stop.set()
        for stream in (self._out, self._err):
            stream.thread.join()  # returns within POLL_INTERVAL: the reader checks `stop`
        return ended

    def _end_tree(self, describe: bool = False) -> list[str]:
        """SIGTERM the whole tree, then SIGKILL whatever is left after the grace period.

        With `describe`, returns the processes it found still running, as the record names them.
        """
        living = [describe_process(info.pid) for info in self.tree.living()] if describe else []
        if describe and self.tree.available and not living:
            return []
        self._end_tree_now()
        return living

    def _end_tree_now(self) -> None:
        end_tree(self.tree.signal_all, self.tree.any_alive, self.kill_grace)


def _end_processes(pids: list[int], grace: float) -> None:
    """SIGTERM each process, then SIGKILL the ones still there after `grace` seconds."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + grace
    remaining = list(pids)
    while remaining and time.monotonic() < deadline:
        remaining = [pid for pid in remaining if _running(pid)]
        if remaining:
            time.sleep(0.02)
    for pid in remaining:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + 1.0  # SIGKILL cannot be refused, but takes a moment to land
    while remaining and time.monotonic() < deadline:
        remaining = [pid for pid in remaining if _running(pid)]
        if remaining:
            time.sleep(0.01)


def _running(pid: int) -> bool:
    """Whether a process exists and has not ended (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
        return data[data.rfind(b")") + 2 : data.rfind(b")") + 3] not in (b"Z", b"X")
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False


def end_tree(signal_all: Callable[[int], int], any_alive: Callable[[], bool], grace: float = KILL_GRACE) -> None:
    """End a tree of processes: SIGTERM, then SIGKILL whatever is left after `grace` seconds.

    The one way the workbench ends processes, for a run's tree (`ProcessRun`) and an
    installer's process group (`workbench.envs`). `signal_all` sends a signal to every
    process and returns how many it reached; `any_alive` says whether one still runs.
    """
    if not signal_all(signal.SIGTERM):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not any_alive():
            return
        time.sleep(0.02)
    for _ in range(50):
        signal_all(signal.SIGKILL)
        if not any_alive():
            return
        time.sleep(0.02)
