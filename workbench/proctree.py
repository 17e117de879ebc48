"""Finding, measuring and ending every process a run started, from `/proc`.

A run's processes are recognised three ways, so that neither a child that
leaves the process group (`setsid`, a daemonising double fork) nor one that
clears its environment escapes:
- descent: a process whose parent chain leads to the App's main process;
- the run's own session and process group (the main process leads both), which
  only the run's processes can be in, even once their parent has died;
- a tag: the variable `WORKBENCH_RUN_TAG=<token>` that the run puts in the
  App's environment and that its children inherit.
One process escapes all three: one that leaves the session, is orphaned (a
double fork) and replaces its environment, all between two samples. Catching
it would take a cgroup or making the workbench a child subreaper, which would
also adopt (and risk ending) processes the workbench starts for the author,
such as their editor.

Memory is sampled, not traced: every `SAMPLE_INTERVAL` seconds the resident
set sizes (RSS) of all the run's processes are summed, and the largest sum is
the run's peak. The main process's own peak from `wait4` (`ru_maxrss`) is
folded in, so a short spike of the main process is not missed between samples.
Short-lived children between two samples can be missed; the figure is a floor.
On systems without `/proc`, only the process group is signalled and only
`ru_maxrss` is measured.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

TAG_VARIABLE = "WORKBENCH_RUN_TAG"
SAMPLE_INTERVAL = 0.1
_PROC = "/proc"
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class ProcInfo:
    """One process, as `/proc/<pid>/stat` describes it."""

    pid: int
    ppid: int
    start_time: int
    """Clock ticks since boot; with the pid, identifies a process across pid reuse."""
    rss_bytes: int
    state: str = "R"
    """The kernel's one-letter state; `Z` is a zombie (ended, not yet reaped)."""
    pgrp: int = 0
    session: int = 0

    @property
    def zombie(self) -> bool:
        return self.state in ("Z", "X")


def _read_stat(pid: int) -> ProcInfo | None:
    try:
        with open(f"{_PROC}/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces or ')'.
    fields = data[data.rfind(b")") + 2 :].split()
    try:
        state = fields[0].decode("ascii", "replace")
        ppid, pgrp, session = int(fields[1]), int(fields[2]), int(fields[3])
        start_time = int(fields[19])
        rss_pages = int(fields[21])
    except (IndexError, ValueError):
        return None
    return ProcInfo(pid, ppid, start_time, rss_pages * _PAGE_SIZE, state, pgrp, session)


def _has_tag(pid: int, tag: bytes) -> bool:
    try:
        with open(f"{_PROC}/{pid}/environ", "rb") as handle:
            return tag in handle.read().split(b"\0")
    except OSError:
        return False


class ProcessTree:
    """The processes of one run, rooted at its main process."""

    def __init__(self, root_pid: int, token: str) -> None:
        self.root_pid = root_pid
        self._tag = f"{TAG_VARIABLE}={token}".encode()
        self._verdicts: dict[tuple[int, int], bool] = {}
        self.available = os.path.isdir(f"{_PROC}/self")
        root = _read_stat(root_pid) if self.available else None
        self._root_start: int | None = root.start_time if root is not None else None

    def _in_root_group(self, info: ProcInfo) -> bool:
        """In the run's own session or process group (both named by the main process's pid).

        Only processes of the run can be there, even after their parent died;
        the start time guards against the pid being reused after the run.
        """
        if self.root_pid not in (info.pgrp, info.session):
            return False
        return self._root_start is not None and info.start_time >= self._root_start

    def members(self) -> list[ProcInfo]:
        """The run's live processes (the main one included while it lives)."""
        if not self.available:
            return []
        table: dict[int, ProcInfo] = {}
        for name in os.listdir(_PROC):
            if name.isdigit():
                info = _read_stat(int(name))
                if info is not None:
                    table[info.pid] = info
        own_pid = os.getpid()
        members: dict[int, ProcInfo] = {}
        for info in table.values():
            if info.pid == own_pid:
                continue
            key = (info.pid, info.start_time)
            verdict = self._verdicts.get(key)
            if verdict is None:
                verdict = (
                    info.pid == self.root_pid
                    or self._in_root_group(info)
                    or _has_tag(info.pid, self._tag)
                )
                if verdict or len(self._verdicts) < 100_000:
                    self._verdicts[key] = verdict
            if verdict:
                members[info.pid] = info
        # Add descendants that cleared their environment.
        changed = True
        while changed:
            changed = False
            for info in table.values():
                if info.pid not in members and info.ppid in members:
                    members[info.pid] = info
                    self._verdicts[(info.pid, info.start_time)] = True
                    changed = True
        return list(members.values())

    def rss_bytes(self) -> int:
        return sum(info.rss_bytes for info in self.members())

    def signal_all(self, signum: int) -> int:
        """Send a signal to the process group and every member; return how many were alive."""
        alive = 0
        try:
            os.killpg(self.root_pid, signum)
            alive += 1
        except (ProcessLookupError, PermissionError):
            pass
        for info in self.members():
            try:
                os.kill(info.pid, signum)
                alive += 1
            except (ProcessLookupError, PermissionError):
                pass
        return alive

    def living(self) -> list[ProcInfo]:
        """The run's processes that still run: members that are not zombies."""
        return [info for info in self.members() if not info.zombie]

    def any_alive(self) -> bool:
        """Whether any process of the run still runs.

        Zombies do not count: they have ended, and a zombie whose parent died
        waits for the system's init to reap it, which may take seconds.
        """
        if self.available:
            return bool(self.living())
        try:
            os.killpg(self.root_pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False


def describe_signal(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
