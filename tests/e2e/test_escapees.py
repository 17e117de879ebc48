"""A process that escapes the run's tree but holds its pipes never holds the run open."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import load_record, own_lines, pid_alive, read_pids, start_workbench
from waiting import finish
from workbench import runner
from workbench.pipeholders import pipe_holders, pipe_inode
from workbench.proctree import ProcessTree
from workbench.runner import Outcome, ProcessRun

# The App's grandchild leaves the session, is orphaned by a double fork, and replaces
# its environment (so no tag), all while keeping stdout and stderr: the pipes.
# It ignores SIGTERM, so only SIGKILL after the grace period ends it.
ESCAPEE_APP = """
import os, sys, time
pids = {pids!r}
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        code = (
            "import os, signal, sys, time\\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
            f"open({{pids!r}}, 'a').write(f'{{{{os.getpid()}}}}\\\\n')\\n"
            "print('escaped', flush=True)\\n"
            "while True:\\n"
            "    time.sleep(0.05)\\n"
            "    print('still here', flush=True)\\n"
        )
        os.execve(sys.executable, [sys.executable, "-c", code], {{}})
    os._exit(0)
os.wait()
while not os.path.exists(pids) or not open(pids).read().strip():
    time.sleep(0.01)
print("main done", flush=True)
{main_tail}
"""


def escapee_app(make_app, tmp_path: Path, main_tail: str = "sys.exit(0)") -> tuple[Path, Path]:
    pids = tmp_path / "pids"
    return make_app(ESCAPEE_APP.format(pids=str(pids), main_tail=main_tail)), pids


def kill_all(pids: list[int]) -> list[int]:
    survivors = [pid for pid in pids if pid_alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    return survivors


def test_pipe_holders_finds_a_process_holding_a_pipe() -> None:
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            time.sleep(30)
            os._exit(0)
        os.close(write_end)
        deadline = time.monotonic() + 5
        while pid not in pipe_holders({pipe_inode(read_end)}, exclude={os.getpid()}):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert os.getpid() not in pipe_holders({pipe_inode(read_end)}, exclude={os.getpid()})
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert pipe_holders({pipe_inode(read_end)}, exclude={os.getpid()}) == []
    finally:
        os.close(read_end)


class _Blind(ProcessTree):
    """A tree that never sees a process after the main one ends: the escape the tree can miss."""

    def members(self):  # type: ignore[override]
        return [info for info in super().members() if info.pid == self.root_pid]


class StdoutSink:
    """Keeps what the run writes on stdout."""

    def __init__(self) -> None:
        self.out: list[bytes] = []

    def on_stdout(self, data: bytes) -> None:
        self.out.append(data)

    def on_stderr(self, data: bytes) -> None:
        pass


def escapee_run(app: Path, sink: Any, stdout_log: Path, stderr_log: Path, **options: Any) -> ProcessRun:
    """A run of the App's main.py, not started, its output to `sink` and the two logs."""
    return ProcessRun([sys.executable, "main.py"], cwd=app, env=dict(os.environ), stdin_data=None,
                      stdout_log=stdout_log, stderr_log=stderr_log, sink=sink, **options)


@pytest.mark.parametrize("how", ["exits", "timeout", "cancel"])
def test_an_escapee_holding_the_pipes_is_ended_and_reading_stops(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setattr(runner, "ProcessTree", _Blind)
    app, pids = escapee_app(make_app, tmp_path, "sys.exit(0)" if how == "exits" else "time.sleep(60)")
    sink = StdoutSink()
    run = escapee_run(app, sink, tmp_path / "stdout.log", tmp_path / "stderr.log",
                      timeout=2.0 if how == "timeout" else None, kill_grace=0.5)
    if how != "exits":
        # A timeout or cancel cuts the drain short: a drain of 30 s would fail the bound on `took`.
        monkeypatch.setattr(runner, "DRAIN", 30.0)
    started = time.monotonic()
    run.start()
    if how == "cancel":
        threading.Timer(1.0, run.cancel).start()
    try:
        result = finish(run, timeout=15)
        took = time.monotonic() - started
    finally:
        survivors = kill_all(read_pids(pids) if pids.exists() else [])
    assert survivors == [], "the escapee outlived the run"
    expected = {"exits": Outcome.EXITED, "timeout": Outcome.TIMED_OUT, "cancel": Outcome.CANCELLED}[how]
    assert result.outcome is expected
    assert took < {"exits": 4.0, "timeout": 5.0, "cancel": 4.0}[how]
    escapee = read_pids(pids)[0]
    assert any(item.startswith(f"pid {escapee} ") for item in result.ended), result.ended
    assert b"escaped" in b"".join(sink.out)


@pytest.mark.parametrize("how", ["exits", "timeout", "sigterm", "sigint"])
def test_workbench_run_is_not_held_open_by_an_escapee(make_app, tmp_path: Path, how: str) -> None:
    app, pids = escapee_app(make_app, tmp_path, "sys.exit(0)" if how == "exits" else "time.sleep(60)")
    record_path = tmp_path / "record.json"
    args = ["--record", record_path] + (["--timeout", "2"] if how == "timeout" else [])
    started = time.monotonic()
    process = start_workbench(app, *args)
    try:
        if how in ("sigterm", "sigint"):
            deadline = time.monotonic() + 20
            while not (pids.exists() and pids.read_text().strip()):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(0.3)
            process.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        process.kill()
        survivors = kill_all(read_pids(pids) if pids.exists() else [])
    assert survivors == [], "the escapee outlived `workbench run`"
    assert took < 10
    record = load_record(record_path)
    expected = {"exits": "succeeded", "timeout": "timed_out", "sigterm": "cancelled", "sigint": "cancelled"}[how]
    assert record["status"] == expected
    assert process.returncode == {"succeeded": 0, "timed_out": 124, "cancelled": 130}[expected]
    assert b"escaped" in stdout and b"main done" in stdout
    # Caught by the tree or by the pipes it held: either way the record names it.
    escapee = read_pids(pids)[0]
    assert any(item.startswith(f"pid {escapee} ") for item in record["ended_processes"]), record
    if how == "exits":
        assert any("the workbench ended them" in line for line in own_lines(stderr))


# An escapee that ends itself cleanly on SIGTERM: it says it is ending, cleans up for 0.2 s,
# says goodbye and exits. It and the main process note when things happen (CLOCK_MONOTONIC
# is one clock for every process of the machine).
CLEAN_ESCAPEE = """
import os, signal, sys, time
times = sys.argv[1]
def note(what):
    with open(times, "a") as handle:
        handle.write(f"{what} {os.getpid()} {time.monotonic()!r}\\n")
def end(signum, frame):
    note("term")
    os.write(1, b"ending\\n")
    time.sleep(0.2)  # cleaning up
    os.write(1, b"bye\\n")
    note("exit")
    os._exit(0)
signal.signal(signal.SIGTERM, end)
note("up")
while True:
    os.write(1, b"still here\\n")
    time.sleep(0.05)
"""

CLEAN_ESCAPEE_MAIN = """
import os, sys, time
times = os.path.abspath("times")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve(sys.executable, [sys.executable, "escapee.py", times], {})
    os._exit(0)
os.wait()
while not os.path.exists(times) or "up" not in open(times).read():
    time.sleep(0.01)
with open(times, "a") as handle:
    handle.write(f"main {os.getpid()} {time.monotonic()!r}\\n")
"""


def read_times(path: Path) -> dict[str, tuple[int, float]]:
    return {what: (int(pid), float(at)) for what, pid, at in (line.split() for line in path.read_text().splitlines())}


def test_an_escapee_gets_the_drain_then_sigterm_and_its_grace_and_its_last_words_are_kept(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the main process ends, the pipes get 0.5 s to drain (docs/security.md); then the
    # escapee holding them gets SIGTERM and the grace to end itself, and what it writes as it
    # ends is kept, even while the screen is busy drawing; once it is gone, wait() returns.
    monkeypatch.setattr(runner, "ProcessTree", _Blind)
    app = make_app(CLEAN_ESCAPEE_MAIN, **{"escapee.py": CLEAN_ESCAPEE})

    class BusyScreen:
        def __init__(self) -> None:
            self.out = bytearray()
            self.drawing = False

        def on_stdout(self, data: bytes) -> None:
            if b"ending" in data and not self.drawing:
                self.drawing = True
                time.sleep(0.4)  # drawing, while the escapee writes its last words and exits
            self.out += data

        def on_stderr(self, data: bytes) -> None:
            pass

    screen = BusyScreen()
    run = escapee_run(app, screen, app / "stdout.log", app / "stderr.log", kill_grace=3.0)
    run.start()
    try:
        result = finish(run, timeout=15)
        returned = time.monotonic()
    finally:
        times = read_times(app / "times") if (app / "times").exists() else {}
        survivors = kill_all([times["up"][0]] if "up" in times else [])
    assert survivors == [], "the escapee outlived the run"
    assert result.outcome is Outcome.EXITED and result.exit_code == 0
    escapee, _ = times["up"]
    assert any(item.startswith(f"pid {escapee} ") for item in result.ended), result.ended
    # SIGTERM, not SIGKILL: it ended itself within the grace, and its last words were delivered.
    assert "term" in times and "exit" in times, times
    assert bytes(screen.out).endswith(b"ending\nbye\n")
    assert (app / "stdout.log").read_bytes().endswith(b"ending\nbye\n")
    # The drain: half a second after the main process ended, not before, and not much after.
    drained = times["term"][1] - times["main"][1]
    assert 0.5 <= drained < 1.0, drained
    # Gone at once: wait() returns without waiting out the grace or the bound on SIGKILL.
    assert returned - times["exit"][1] < 1.0, returned - times["exit"][1]


def test_without_proc_reading_stops_after_the_drain_and_no_reader_is_left(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where the pipes' holders cannot be found (no /proc: not Linux), an escapee still holding
    # the pipes is left running, but reading stops after the drain: the run never hangs on it,
    # and no reader thread outlives wait().
    monkeypatch.setattr(runner, "ProcessTree", _Blind)
    monkeypatch.setattr(runner, "pipe_holders", lambda inodes, exclude=frozenset(): [])
    app, pids = escapee_app(make_app, tmp_path)
    sink = StdoutSink()
    run = escapee_run(app, sink, tmp_path / "held-stdout.log", tmp_path / "held-stderr.log", kill_grace=0.5)
    run.start()
    try:
        result = finish(run, timeout=10)
        readers = [t.name for t in threading.enumerate() if t.name.startswith("workbench-read-held-")]
        escapee = read_pids(pids)[0]
        still_held = pid_alive(escapee)
    finally:
        kill_all(read_pids(pids) if pids.exists() else [])
    assert still_held, "the escapee did not hold the pipes to the end"
    assert readers == []
    assert result.outcome is Outcome.EXITED and result.ended == ()
    assert b"escaped" in b"".join(sink.out)
