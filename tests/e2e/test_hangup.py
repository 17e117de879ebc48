"""SIGHUP and SIGTERM end the run's tree, record it as cancelled and restore the terminal, headless and in the TUI."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from cli_helpers import cli_env, load_record, pid_alive, read_pids, start_workbench

HANGING_APP = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open({pids!r}, "w").write(f"{{os.getpid()}}\\n{{child.pid}}\\n")
print("running", flush=True)
time.sleep(60)
"""


def wait_for_pids(path: Path, count: int = 2, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        if path.exists() and len(path.read_text().split()) >= count:
            return read_pids(path)
        assert time.monotonic() < deadline, "the App never started"
        time.sleep(0.05)


def assert_gone(pids: list[int], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while any(pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in pids if pid_alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], "the run's processes outlived the workbench"


def latest_record(app: Path) -> dict:
    runs = sorted((app / ".workbench" / "runs").iterdir(), reverse=True)
    return json.loads((runs[0] / "record.json").read_text())


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_headless_run_ends_its_tree_and_records_it_as_cancelled(make_app, tmp_path: Path, signum: int) -> None:
    pids_file = tmp_path / "pids"
    app = make_app(HANGING_APP.format(pids=str(pids_file)))
    record_path = tmp_path / "record.json"
    process = start_workbench(app, "--record", record_path)
    pids = wait_for_pids(pids_file)
    process.send_signal(signum)
    try:
        process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 130
    assert load_record(record_path)["status"] == "cancelled"
    assert_gone(pids)


def test_a_run_with_stdout_closed_is_like_a_reader_that_went_away(make_app, tmp_path: Path) -> None:
    app = make_app("print('to nobody')\nimport sys; print('to stderr', file=sys.stderr)\n")
    done = subprocess.run(
        f'exec "{sys.executable}" -m workbench run "{app}" >&-',
        shell=True,
        capture_output=False,
        stderr=subprocess.PIPE,
        env=cli_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert b"to stderr" in done.stderr
    assert b"workbench: succeeded" in done.stderr


def _read_all(fd: int, until: float) -> bytes:
    data = b""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_the_tui_ends_the_run_records_it_and_restores_the_terminal(make_app, tmp_path: Path, signum: int) -> None:
    pids_file = tmp_path / "pids"
    app = make_app(HANGING_APP.format(pids=str(pids_file)))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # a terminal has a size
    env = {**cli_env(), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", str(app), "--no-watch"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        _read_all(master, time.monotonic() + 3)  # let it draw
        deadline = time.monotonic() + 90  # a TUI starts slowly on a loaded machine
        while not (pids_file.exists() and len(pids_file.read_text().split()) >= 2):
            os.write(master, b"r")
            _read_all(master, time.monotonic() + 1)
            assert time.monotonic() < deadline, "the run never started"
        pids = wait_for_pids(pids_file)
        process.send_signal(signum)
        screen = _read_all(master, time.monotonic() + 15)
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert_gone(pids)
    assert process.returncode == 128 + signum
    assert latest_record(app)["status"] == "cancelled"
    if signum == signal.SIGTERM:  # with SIGHUP the terminal is gone: nothing to restore
        assert b"\x1b[?1049l" in screen, "the terminal's main screen was not restored"
