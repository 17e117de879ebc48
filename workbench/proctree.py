"""Finding, measuring and ending every process a run started, with `psutil`.

A run's processes are recognised three ways, so that neither a child that
leaves the process group (`setsid`, a daemonising double fork) nor one that
clears its environment escapes:
- descent: a process whose parent, when first seen, was one of the run's;
- the run's own session and process group (the main process leads both), which
  only the run's processes can be in, even once their parent has died;
- a tag: the variable `WORKBENCH_RUN_TAG=<token>` that the run puts in the
  App's environment and that its children inherit.
A process is judged once, when its pid appears, and only if it started after
the run's main process (older ones cannot be the run's); once recognised, it
stays the run's until its pid leaves the system's list. Signals go through
`psutil`, which checks the start time and refuses a pid that now names
another process.
One process escapes all three: one that leaves the session, is orphaned (a
double fork) and replaces its environment, all between two samples. Catching
it would take a cgroup or making the workbench a child subreaper, which would
also adopt (and risk ending) processes the workbench starts for the author,
such as their editor.

Every `SAMPLE_INTERVAL` seconds, `TreeSampler` sums the resident set sizes
(RSS) and the CPU time of the run's processes into a `Sample` (time, RSS,
CPU percent, process count); the largest RSS is the run's peak. The runner
folds in the main process's own peak from `wait4` (`ru_maxrss`), so a short
spike of the main process is not missed between samples. Children that live
and die between two samples are missed: the figure is a floor.

What is guaranteed, by platform (`psutil` does the finding on each):
- Linux (and Windows through WSL 2, which runs a Linux kernel): all three ways
  of recognising a process; RSS and CPU of every process of the run.
- macOS: the same. The environment tag is read from a process's initial
  environment, which macOS shows for the author's own processes; a process
  that is not readable (another user's, a hardened binary) is still found
  by descent, session and process group.
- Anywhere `psutil` cannot list processes at all, the process group alone is
  signalled and the main process's `ru_maxrss` alone is measured.
Native Windows is not supported: the Node is Linux, and Apps are tried there
through WSL.

`psutil` is imported on first use, off the path that starts the App: the
runner's first sample makes the first use, one interval after the start. A run
that ends before it often needs no psutil at all: on Linux, `/proc` says at
once whether any process started since the run's main process (none of the
run's can be older); if none did, none of the run's is left, and the lists are
not walked. If any did, psutil judges them as always.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psutil

TAG_VARIABLE = "WORKBENCH_RUN_TAG"
SAMPLE_INTERVAL = 0.1
"""Seconds between two samples of a run's processes."""
SAMPLE_HISTORY = 3000
"""Samples kept for a live view (five minutes at `SAMPLE_INTERVAL`); older ones are dropped."""
_MAX_VERDICTS = 100_000
"""Processes judged not to be the run's that are remembered, so each is judged once."""


def _psutil() -> Any:  # the module, imported on first use
    import psutil

    return psutil


def _start_ticks(pid: int) -> int | None:
    """When a process started, in clock ticks since boot (`/proc/PID/stat`, what psutil reads
    for `create_time`), or None where there is no such file (not Linux, or the pid is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
        return int(data[data.rfind(b")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _started_since(ticks: int, exclude: int) -> bool | None:
    """Whether any process but `exclude` started at or after `ticks` (a reused pid included);
    None when `/proc` cannot be listed."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    for name in names:
        if not name.isdigit() or int(name) == exclude:
            continue
        started = _start_ticks(int(name))
        if started is None:
            if os.path.isdir(f"/proc/{name}"):
                return True  # there, but unreadable: psutil judges it
            continue  # ended while listed
        if started >= ticks:
            return True
    return False


@dataclass(frozen=True)
class ProcInfo:
    """One process of a run, as last seen."""

    pid: int
    ppid: int
    rss_bytes: int
    zombie: bool = False
    """Ended, not yet reaped by its parent: no longer runs, holds no memory."""
    cpu_seconds: float = 0.0
    """User and system CPU time used so far."""


@dataclass(frozen=True)
class Sample:
    """The run's processes at one moment, for the peak figure and a live view."""

    at: float
    """Seconds since the sampler started (monotonic)."""
    rss_bytes: int
    """Resident memory of all the run's processes together."""
    cpu_percent: float
    """CPU used by the run's processes since the previous sample, in percent of one core (200 = two cores busy)."""
    processes: int
    """The run's processes that still run (zombies not counted)."""


def maxrss_bytes(ru_maxrss: int, platform: str = sys.platform) -> int:
    """`getrusage`/`wait4`'s `ru_maxrss` in bytes: macOS counts bytes, Linux kibibytes."""
    return ru_maxrss if platform == "darwin" else ru_maxrss * 1024


class ProcessTree:
    """The processes of one run, rooted at its main process (which leads its own session)."""

    def __init__(self, root_pid: int, token: str, *, started_at: float | None = None) -> None:
        self.root_pid = root_pid
        self._token = token
        self._started_at = time.time() if started_at is None else started_at
        """Wall-clock time just before the main process started: nothing older is the run's."""
        self._lock = threading.Lock()
        self._members: dict[int, tuple[psutil.Process, int]] = {}
        """The run's processes seen so far, each with its parent pid when first seen."""
        self._strangers: set[int] = set()
        self._root_start: float | None = None
        self._ready = False
        self.available = True
        """False where `psutil` cannot list processes: then only the process group is signalled."""
        self.unavailable_reason: str | None = None
        self._root_ticks = _start_ticks(root_pid)
        """The main process's start in clock ticks since boot, read as it starts (Linux), else None."""

    def _prepare(self) -> None:
        """Import `psutil` and note the main process's start time (the first scan does it)."""
        if self._ready:
            return
        self._ready = True
        try:
            ps = _psutil()
            ps.pids()
        except (ImportError, OSError) as error:  # no psutil, or no way to list processes here
            self.available = False
            self.unavailable_reason = str(error)
            return
        try:
            root = ps.Process(self.root_pid)
            self._root_start = root.create_time()
            self._members[root.pid] = (root, os.getpid())
        except ps.Error:  # already gone: its start as read when it started, in psutil's clock
            if self._root_ticks is not None:
                self._root_start = float(self._root_ticks) / os.sysconf("SC_CLK_TCK") + ps.boot_time()

    def _in_run_session(self, proc: psutil.Process) -> bool:
        """In the run's own session or process group (both named by the main process's pid).

        Only processes of the run can be there, even after their parent died;
        the start time guards against the pid being reused after the run.
        """
        try:
            if self.root_pid not in (os.getsid(proc.pid), os.getpgid(proc.pid)):
                return False
            started = proc.create_time()
        except (OSError, _psutil().Error):
            return False
        return bool(started >= self._start_floor())

    def _start_floor(self) -> float:
        """No process of the run started before this (psutil's clock: the main process's start time).

        psutil's start times are exact to a clock tick among themselves on Linux, but
        its boot time is rounded to a second, hence the margin against the wall clock.
        """
        return self._root_start if self._root_start is not None else self._started_at - 1.0

    def _has_tag(self, proc: psutil.Process) -> bool:
        ps = _psutil()
        try:
            return bool(proc.environ().get(TAG_VARIABLE) == self._token)
        except (ps.Error, OSError):
            return False  # not ours to read (another user's, a hardened binary) or gone

    def _scan(self) -> list[psutil.Process]:
        """Find the run's live processes (zombies included); remember each verdict.

        A process is judged once, when its pid first appears: a pid that leaves the
        system's list is forgotten, so one that comes back is judged afresh. (A pid
        ended and reused within one sampling interval would keep the old verdict;
        signals still go through psutil, which refuses a pid that names another process.)
        """
        if not self._ready and self._nothing_started_since_root():
            return []  # no process of the run is left, and psutil is not needed to know it
        self._prepare()
        if not self.available:
            return []
        ps = _psutil()
        pids = set(ps.pids())
        pids.discard(0)
        pids.discard(os.getpid())
        self._members = {pid: known for pid, known in self._members.items() if pid in pids}
        self._strangers &= pids
        floor = self._start_floor()
        parents: dict[int, tuple[psutil.Process, int]] = {}
        for pid in pids - self._members.keys() - self._strangers:
            try:
                proc = ps.Process(pid)
                if proc.create_time() < floor:  # older than the run: never one of its processes
                    self._remember_stranger(pid)
                    continue
                parents[pid] = (proc, proc.ppid())
            except ps.Error:
                continue
            if self._in_run_session(proc) or self._has_tag(proc):
                self._members[pid] = parents[pid]
        # Descent: a new process whose parent is the run's (repeat for grandchildren seen at once).
        undecided = [pid for pid in parents if pid not in self._members]
        changed = True
        while changed:
            changed = False
            for pid in undecided:
                if pid not in self._members and parents[pid][1] in self._members:
                    self._members[pid] = parents[pid]
                    changed = True
        for pid in undecided:
            if pid not in self._members:
                self._remember_stranger(pid)
        return [proc for proc, _ppid in self._members.values()]

    def _nothing_started_since_root(self) -> bool:
        """True when no process but this one started since the run's main process, which has
        then ended too: none is the run's. False when one did, or `/proc` cannot tell."""
        if self._root_ticks is None:
            return False
        return _started_since(self._root_ticks, exclude=os.getpid()) is False

    def _remember_stranger(self, pid: int) -> None:
        if len(self._strangers) < _MAX_VERDICTS:
            self._strangers.add(pid)

    def _info(self, proc: psutil.Process) -> ProcInfo | None:
        ps = _psutil()
        ppid = self._members[proc.pid][1] if proc.pid in self._members else 0
        try:
            with proc.oneshot():
                zombie = proc.status() == ps.STATUS_ZOMBIE
                if zombie:
                    return ProcInfo(proc.pid, ppid, 0, zombie=True)
                times = proc.cpu_times()
                return ProcInfo(proc.pid, ppid, proc.memory_info().rss, cpu_seconds=times.user + times.system)
        except ps.ZombieProcess:
            return ProcInfo(proc.pid, ppid, 0, zombie=True)
        except ps.AccessDenied:
            return ProcInfo(proc.pid, ppid, 0)  # ours, but not readable (a setuid program)
        except ps.NoSuchProcess:
            return None

    def members(self) -> list[ProcInfo]:
        """The run's processes (the main one included while it lives), zombies too."""
        with self._lock:
            procs = self._scan()
            return [info for info in map(self._info, procs) if info is not None]

    def living(self) -> list[ProcInfo]:
        """The run's processes that still run: members that are not zombies."""
        return [info for info in self.members() if not info.zombie]

    def rss_bytes(self) -> int:
        return sum(info.rss_bytes for info in self.members())

    def any_alive(self) -> bool:
        """Whether any process of the run still runs.

        Zombies do not count: they have ended, and a zombie whose parent died
        waits for the system's init to reap it, which may take seconds.
        """
        with self._lock:
            self._prepare()
            available = self.available
        if available:
            return bool(self.living())
        try:
            os.killpg(self.root_pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def signal_all(self, signum: int) -> int:
        """Send a signal to the process group and every member; return how many were alive."""
        # Look before signalling: once the main process has died, its children are
        # reparented and descent can no longer tell they were the run's.
        with self._lock:
            procs = self._scan()
        alive = 0
        try:
            os.killpg(self.root_pid, signum)
            alive += 1
        except (ProcessLookupError, PermissionError):
            pass
        if not procs:
            return alive
        ps = _psutil()
        for proc in procs:
            try:
                proc.send_signal(signum)  # refuses a pid that now names another process
                alive += 1
            except ps.Error:
                pass
        return alive


class TreeSampler:
    """Samples a run's processes every `interval`: the peak RSS, recent samples, and each one as it comes."""

    def __init__(self, tree: ProcessTree, *, interval: float = SAMPLE_INTERVAL, history: int = SAMPLE_HISTORY) -> None:
        self.tree = tree
        self.interval = interval
        self.peak_rss_bytes = 0
        self.recent: deque[Sample] = deque(maxlen=history)
        """The latest samples, oldest first (bounded)."""
        self._cpu: dict[int, float] = {}
        self._origin = time.monotonic()
        self._last_at: float | None = None
        self.callback_error: BaseException | None = None

    def sample(self) -> Sample:
        """Measure the tree now, note the peak, and return the sample."""
        infos = self.tree.members()
        now = time.monotonic()
        living = [info for info in infos if not info.zombie]
        rss = sum(info.rss_bytes for info in living)
        cpu_now = {info.pid: info.cpu_seconds for info in living}
        if self._last_at is None:
            percent = 0.0
        else:
            # A process new since the last sample counts all its CPU time, spent (almost all) since then.
            used = sum(max(0.0, seconds - self._cpu.get(pid, 0.0)) for pid, seconds in cpu_now.items())
            percent = 100.0 * used / max(now - self._last_at, 1e-6)
        self._cpu = cpu_now
        self._last_at = now
        sample = Sample(now - self._origin, rss, percent, len(living))
        self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
        self.recent.append(sample)
        return sample

    def samples(self, stop: threading.Event, *, first_delay: float | None = None) -> Iterator[Sample]:
        """Yield a sample every interval until `stop` is set (the first after `first_delay`, one interval by default)."""
        delay = self.interval if first_delay is None else first_delay
        while not stop.wait(delay):
            delay = self.interval
            try:
                yield self.sample()
            except OSError:
                continue

    def run(self, stop: threading.Event, on_sample: Callable[[Sample], None] | None = None) -> None:
        """Sample until `stop` is set, handing each sample to `on_sample`.

        A callback that raises is not called again (its error is kept in
        `callback_error`); sampling, and so the peak, goes on.
        """
        for sample in self.samples(stop):
            if on_sample is None:
                continue
            try:
                on_sample(sample)
            except Exception as error:  # a live view's failure must not stop the peak figure
                self.callback_error = error
                on_sample = None


def describe_signal(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
