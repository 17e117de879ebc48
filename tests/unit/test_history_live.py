"""A run still going is live: its folder holds a marker its process keeps locked, which every
history (in any process) reads before pruning; the history's own lock orders making and pruning."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from waiting import join
from workbench.history import LIVE_FILE, LOCK_FILE, RunHistory

OLD = "20260101-000000-000000-aaaa"
NEW = "20260101-000001-000000-bbbb"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_live_run_is_marked_with_its_process_and_seen_live_by_every_history(tmp_path: Path) -> None:
    ours = RunHistory(tmp_path)
    ours.root  # noqa: B018  (makes .workbench/)
    before = open_fds()
    path = ours.create_run_dir(OLD)
    assert (path / LIVE_FILE).read_text() == f"{os.getpid()}\n"
    assert ours.is_live(OLD) is True
    assert RunHistory(tmp_path).is_live(OLD) is True  # another history, as in another process
    ours.release(OLD)
    assert not (path / LIVE_FILE).exists()
    assert not ours.is_live(OLD) and not RunHistory(tmp_path).is_live(OLD)
    assert open_fds() == before  # the lock was let go with its descriptor


def test_a_marker_nobody_holds_is_not_live_and_reading_it_leaves_nothing_open(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    folder = history.run_dir(OLD)
    folder.mkdir(parents=True)
    (folder / LIVE_FILE).write_text("12345\n")  # left by a process that died
    before = open_fds()
    assert not history.is_live(OLD)
    assert open_fds() == before


def test_a_marker_that_cannot_be_read_or_locked_keeps_the_run(tmp_path: Path, monkeypatch) -> None:
    history = RunHistory(tmp_path, keep=1)
    folder = history.run_dir(OLD)
    folder.mkdir(parents=True)
    (folder / LIVE_FILE).symlink_to(LIVE_FILE)  # opening it fails (a loop), not "no such file"
    assert history.is_live(OLD)
    (folder / LIVE_FILE).unlink()
    (folder / LIVE_FILE).write_text("")
    real_flock = fcntl.flock

    def no_locks(fd: int, operation: int) -> None:
        if operation & fcntl.LOCK_SH:
            raise OSError(37, "No locks available")
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", no_locks)
    assert history.is_live(OLD)
    history.create_run_dir(NEW)
    history.release(NEW)
    assert history.prune() == []  # the run that cannot be told apart from a live one is kept
    monkeypatch.undo()
    assert history.prune() == [OLD]  # the control: once it can be told, it goes


def test_making_a_run_folder_waits_for_the_historys_lock(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    history.root  # noqa: B018  (makes .workbench/)
    lock = os.open(tmp_path / ".workbench" / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)  # as another process pruning
    made = threading.Thread(target=history.create_run_dir, args=(OLD,))
    made.start()
    try:
        made.join(0.3)
        assert made.is_alive() and not history.run_dir(OLD).exists()
    finally:
        os.close(lock)
    join(made, what="the run folder was made once the lock was free")
    assert history.is_live(OLD)
    history.release(OLD)
