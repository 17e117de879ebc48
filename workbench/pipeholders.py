"""Which processes hold a run's pipes: the last word on what belongs to a run (Linux only).

A process can leave a run's process tree in every way the tree can see: it
calls `setsid()`, forks twice so init adopts it, and clears its environment.
What it cannot shed without closing them is the run's stdout and stderr pipes
it inherited, and while it holds them, reading the run's output never ends.
Each pipe has an inode; `/proc/<pid>/fd/<n>` of every process that holds it
reads `pipe:[<inode>]`. This finds exactly the processes still holding the run's
pipes, so the runner can end them once the App's main process has ended.

Without `/proc` (not Linux) it finds nothing, and the runner stops reading the
pipes after its drain instead.
"""

from __future__ import annotations

import os

_PROC = "/proc"


def pipe_inode(fd: int) -> int:
    """The inode of the pipe an open descriptor refers to (both ends share it)."""
    return os.fstat(fd).st_ino


def pipe_holders(inodes: set[int] | frozenset[int], exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Pids of the processes (other than `exclude`) with a descriptor open on one of the pipes."""
    if not inodes or not os.path.isdir(f"{_PROC}/self/fd"):
        return []
    wanted = {f"pipe:[{inode}]" for inode in inodes}
    holders = []
    for name in os.listdir(_PROC):
        if not name.isdigit() or int(name) in exclude:
            continue
        fd_dir = f"{_PROC}/{name}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # gone, or another user's
            continue
        for fd in fds:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target in wanted:
                holders.append(int(name))
                break
    return holders


def describe_process(pid: int) -> str:
    """`pid 1234 (python3 main.py)`: a process as the run's record names it."""
    try:
        with open(f"{_PROC}/{pid}/cmdline", "rb") as handle:
            words = handle.read().rstrip(b"\0").split(b"\0")
        command = b" ".join(words).decode("utf-8", "replace")[:200]
    except OSError:
        command = ""
    if not command:
        try:
            with open(f"{_PROC}/{pid}/comm", "rb") as handle:
                command = handle.read().strip().decode("utf-8", "replace")
        except OSError:
            command = "?"
    return f"pid {pid} ({command})"
