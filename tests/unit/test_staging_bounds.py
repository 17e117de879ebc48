"""Staging's bounds in detail: how long an idle slot and an unused App cache are kept, how often the
stage root is swept, and how much of a run's outputs the history keeps; errors on the way are notes."""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

import pytest

from workbench.appcache import app_cache_dir
from workbench.appdir import AppFolder
from workbench.staging import collect_outputs, discard_workspace, keep_within_budget, stage_workspace
from workbench.staging.slots import sweep_stage_root

MINUTE = 60
DAY = 24 * 3600


@pytest.fixture
def app(make_app) -> AppFolder:
    return AppFolder.open(make_app("print('hi')\n"))


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


T = int(time.time())  # a fixed time: the files' times are set to it, and the staging's clock reads from it


@pytest.fixture
def clock(monkeypatch):
    """The slots' clock, set by the test: `clock.now` seconds after T."""
    from types import SimpleNamespace

    from workbench.staging import slots

    state = SimpleNamespace(now=0.0)
    monkeypatch.setattr(slots, "time", SimpleNamespace(time=lambda: T + state.now))
    return state


def at(path: Path, seconds: float = 0.0) -> None:
    os.utime(path, (T + seconds, T + seconds))


@pytest.mark.parametrize(("idle", "pruned"), [(15 * MINUTE, True), (15 * MINUTE - 1, False)])
def test_a_free_slot_is_pruned_once_unused_for_15_minutes(app: AppFolder, tmp_path: Path, clock, idle, pruned) -> None:
    stage = tmp_path / "stage"
    held = [stage_workspace(app, [], parent=stage) for _ in range(5)]
    for workspace in held:
        discard_workspace(workspace)
    slots = app_cache_dir(app, stage) / "slots"
    for number in range(5):
        at(slots / f"{number}.lock")  # all last used at T...
    at(slots / "3.lock", -idle)  # ...but slot 3, `idle` seconds before
    (stage / ".swept").touch()
    at(stage / ".swept")
    again = stage_workspace(app, [], parent=stage)  # claims slot 0, prunes what is idle
    try:
        assert again.path.parent.name == "0"
        assert (slots / "3").exists() is not pruned
        assert (slots / "3.manifest").exists() is not pruned
        assert (slots / "3.lock").exists()  # lock files stay: another process may hold one open
        assert all((slots / str(number)).is_dir() for number in (1, 2, 4))  # used at T: kept
    finally:
        discard_workspace(again)


def test_giving_a_slot_back_marks_its_last_use(app: AppFolder, tmp_path: Path) -> None:
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    lock = app_cache_dir(app, tmp_path / "stage") / "slots" / "0.lock"
    age(lock, 3600)
    discard_workspace(workspace)
    assert time.time() - lock.stat().st_mtime < 600


def caches(make_app, stage: Path, names=("old", "current")) -> list[Path]:
    found = []
    for name in names:
        one = AppFolder.open(make_app("print(1)\n", name=name))
        discard_workspace(stage_workspace(one, [], parent=stage))
        found.append(app_cache_dir(one, stage))
    return found


def last_used(cache: Path, seconds: float) -> None:
    for entry in (cache / "slots").iterdir():
        at(entry, seconds)


@pytest.mark.parametrize(("unused", "swept"), [(30 * DAY, True), (30 * DAY - 1, False)])
def test_an_apps_cache_unused_for_30_days_is_swept(make_app, tmp_path: Path, clock, unused, swept) -> None:
    stage = tmp_path / "stage"
    old, *fresh, current = caches(make_app, stage, ("old", "f1", "f2", "f3", "current"))
    foreign = [f"x{i}" for i in range(20)]  # folders that are not caches of the workbench's: never touched
    for name in foreign:
        (stage / name).mkdir()
    for cache in fresh:
        last_used(cache, 0)
    last_used(old, -unused)
    last_used(current, -40 * DAY)  # the App being staged is never swept
    (stage / ".swept").unlink(missing_ok=True)
    assert sweep_stage_root(stage, current=current) == ([old] if swept else [])
    assert old.exists() is not swept
    assert all(cache.is_dir() for cache in (*fresh, current)) and all((stage / name).is_dir() for name in foreign)


@pytest.mark.parametrize(("since", "sweeps"), [(3600, True), (3600 - 1, False)])
def test_the_stage_root_is_swept_at_most_once_an_hour(make_app, tmp_path: Path, clock, since, sweeps) -> None:
    stage = tmp_path / "stage"
    old, current = caches(make_app, stage)
    last_used(old, -40 * DAY)
    at(stage / ".swept", -since)
    assert sweep_stage_root(stage, current=current) == ([old] if sweeps else [])


def test_a_symlink_in_the_stage_root_is_never_swept_through(make_app, tmp_path: Path, clock) -> None:
    stage = tmp_path / "stage"
    (current,) = caches(make_app, stage, ("current",))
    outside = tmp_path / "outside"
    (outside / "slots").mkdir(parents=True)
    (outside / "app-path").write_bytes(os.fsencode(str(tmp_path / "no-such-app")))  # looks like a gone App's cache
    (stage / "link").symlink_to(outside)
    (stage / ".swept").unlink(missing_ok=True)
    assert sweep_stage_root(stage, current=current) == []
    assert (stage / "link").is_symlink() and (outside / "app-path").exists()


def test_sweeping_and_pruning_leave_no_file_open(app: AppFolder, make_app, tmp_path: Path, clock) -> None:
    stage = tmp_path / "stage"
    held = [stage_workspace(app, [], parent=stage) for _ in range(3)]
    for workspace in held[1:]:
        discard_workspace(workspace)
    slots = app_cache_dir(app, stage) / "slots"
    for number in (1, 2):
        at(slots / f"{number}.lock", -3600)
    old, current = caches(make_app, stage)
    last_used(old, -40 * DAY)
    (stage / ".swept").unlink(missing_ok=True)
    before = open_fds()
    again = stage_workspace(app, [], parent=stage)  # slot 0 is held: slot 1, and 2 is pruned
    discard_workspace(again)
    assert open_fds() == before
    assert not old.exists() and not (slots / "2").exists()
    discard_workspace(held[0])
    assert sweep_stage_root(stage, current=current) == []
    before = open_fds()
    (stage / ".swept").unlink()
    sweep_stage_root(stage, current=current)  # every cache's lock files are tried, and let go
    assert open_fds() == before


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_cache_with_a_slot_in_use_is_not_swept(make_app, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    gone = AppFolder.open(make_app("print(1)\n", name="gone"))
    current = AppFolder.open(make_app("print(2)\n", name="current"))
    held = stage_workspace(gone, [], parent=stage)
    discard_workspace(stage_workspace(current, [], parent=stage))
    (gone.root / "main.py").unlink()
    (stage / ".swept").unlink(missing_ok=True)
    try:
        assert sweep_stage_root(stage, current=app_cache_dir(current, stage)) == []
        assert held.path.is_dir()
    finally:
        discard_workspace(held)
    (stage / ".swept").unlink()
    assert sweep_stage_root(stage, current=app_cache_dir(current, stage)) == [app_cache_dir(gone, stage)]


# the history's share of a run's outputs ----------------------------------------------------------


def test_outputs_over_the_budget_keep_the_first_files_in_path_order(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    for name, size in (("a.txt", 3), ("b.txt", 5), ("c.txt", 4)):
        (output / name).write_bytes(b"x" * size)
    (output / "link").symlink_to("a.txt")
    keep = tmp_path / "kept"
    found, _ = collect_outputs(output, keep)
    assert keep_within_budget(found, keep, 12) is None  # exactly the budget: all kept
    message = keep_within_budget(found, keep, 8)
    assert message == (
        "outputs not all kept: 3 files of 12 B are over the history's budget of 8 B; kept 2 files (8 B)"
        " in path order; every output is still listed with its size and sha256"
    )
    assert sorted(os.listdir(keep)) == ["a.txt", "b.txt", "link"]


def test_a_file_that_does_not_fit_leaves_room_for_a_smaller_one_after_it(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    for name, size in (("a.txt", 3), ("b.txt", 9), ("c.txt", 4)):
        (output / name).write_bytes(b"x" * size)
    keep = tmp_path / "kept"
    found, _ = collect_outputs(output, keep)
    assert keep_within_budget(found, keep, 8) is not None
    assert sorted(os.listdir(keep)) == ["a.txt", "c.txt"]


# errors on the way are notes ------------------------------------------------------------------------


def test_an_output_file_that_cannot_be_read_is_noted_and_not_kept(tmp_path: Path, monkeypatch) -> None:
    from workbench.staging import outputs

    real = outputs.file_digest

    def refuse(path):
        if str(path).endswith("bad.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(outputs, "file_digest", refuse)
    output = tmp_path / "output"
    output.mkdir()
    (output / "bad.txt").write_text("unreadable")
    (output / "good.txt").write_text("fine")
    keep = tmp_path / "kept"
    found, notes = collect_outputs(output, keep)
    assert [item.path for item in found] == ["good.txt"]
    assert notes == ["output/bad.txt: could not be collected (Permission denied)"]
    assert os.listdir(keep) == ["good.txt"]


def test_input_entries_that_cannot_be_listed_or_copied_are_noted(app: AppFolder, tmp_path: Path, monkeypatch) -> None:
    import shutil

    from workbench.staging import check_inputs

    data = tmp_path / "data"
    for rel in ("a/x.txt", "b/y.txt", "c.txt", "d.txt"):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text(rel)
    os.mkfifo(tmp_path / "fifo")
    (data / "e-link").symlink_to(tmp_path / "fifo")  # a symlink to something that is not a file
    real_scandir, real_copymode = os.scandir, shutil.copymode

    def refuse_a(path=".", *args, **kwargs):
        if isinstance(path, (str, os.PathLike)) and Path(path).name == "a":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path, *args, **kwargs)

    def refuse_c(source, dest, *args, **kwargs):
        if Path(source).name == "c.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(source))
        return real_copymode(source, dest, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", refuse_a)
    monkeypatch.setattr(shutil, "copymode", refuse_c)
    workspace = stage_workspace(app, check_inputs([data]), parent=tmp_path / "stage")
    try:
        assert [item.name for item in workspace.inputs] == ["data/d.txt", "data/b/y.txt"]
        assert workspace.notes == [
            "input data/c.txt: could not be staged (Permission denied); skipped",
            "input data/e-link: not a regular file or folder; not staged",
            "input data/a: cannot be listed (Permission denied); not staged",
        ]
    finally:
        discard_workspace(workspace)


def test_a_manifest_that_cannot_be_written_fails_staging_and_leaves_no_temporary_file(
    app: AppFolder, tmp_path: Path, monkeypatch
) -> None:
    from workbench.staging import StagingError

    real_replace = os.replace

    def disk_full(src, dst, *args, **kwargs):
        if str(dst).endswith(".manifest"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(StagingError, match="No space left on device"):
        stage_workspace(app, [], parent=tmp_path / "stage")
    slots = app_cache_dir(app, tmp_path / "stage") / "slots"
    assert [name for name in os.listdir(slots) if name.startswith(".")] == []
    monkeypatch.undo()
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")  # the slot was given back
    try:
        assert workspace.path.parent.name == "0"
    finally:
        discard_workspace(workspace)


# the cache's own folders -------------------------------------------------------------------------


def test_the_slots_folder_is_private_and_a_symlink_put_there_is_replaced(app: AppFolder, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    discard_workspace(stage_workspace(app, [], parent=stage))
    cache = app_cache_dir(app, stage)
    assert stat.S_IMODE(os.stat(cache / "slots").st_mode) == 0o700
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the workbench's")
    os.rename(cache / "slots", tmp_path / "moved-slots")
    (cache / "slots").symlink_to(outside)  # as a run could, from ../../..
    workspace = stage_workspace(app, [], parent=stage)
    try:
        assert not (cache / "slots").is_symlink() and stat.S_IMODE(os.stat(cache / "slots").st_mode) == 0o700
        assert os.listdir(outside) == ["keep.txt"]
        assert workspace.path.parent == cache / "slots" / "0"
    finally:
        discard_workspace(workspace)


def test_the_apps_cache_replaced_by_a_symlink_is_a_real_folder_again(app: AppFolder, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    discard_workspace(stage_workspace(app, [], parent=stage))
    cache = app_cache_dir(app, stage)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the workbench's")
    os.rename(cache, tmp_path / "moved-cache")
    cache.symlink_to(outside)
    workspace = stage_workspace(app, [], parent=stage)
    try:
        assert not cache.is_symlink() and cache.is_dir()
        assert workspace.path.is_relative_to(cache)
        assert os.listdir(outside) == ["keep.txt"]  # nothing written through the link: no app-path, no hash cache
    finally:
        discard_workspace(workspace)


def test_a_lock_that_cannot_be_taken_fails_staging_and_leaves_nothing_open(app: AppFolder, tmp_path: Path, monkeypatch) -> None:
    import fcntl

    from workbench.staging import StagingError

    real_flock = fcntl.flock

    def no_locks(fd: int, operation: int) -> None:
        if operation & fcntl.LOCK_EX:
            raise OSError(errno.ENOLCK, "No locks available")
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", no_locks)
    before = open_fds()
    with pytest.raises(StagingError, match="No locks available"):
        stage_workspace(app, [], parent=tmp_path / "stage")
    assert open_fds() == before


def test_an_output_that_cannot_be_copied_stays_where_the_app_left_it(tmp_path: Path, monkeypatch) -> None:
    from workbench.staging import outputs

    real_rename, real_copy = os.rename, outputs.copy_and_hash
    output = tmp_path / "output"
    output.mkdir()
    (output / "bad.txt").write_text("cannot be copied")
    (output / "good.txt").write_text("fine")

    def cross_device(src, dst, *args, **kwargs):
        if Path(src) == output:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(src, dst, *args, **kwargs)

    def refuse(source: Path, dest: Path):
        if source.name == "bad.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(source))
        return real_copy(source, dest)

    monkeypatch.setattr(os, "rename", cross_device)
    monkeypatch.setattr(outputs, "copy_and_hash", refuse)
    found, notes = collect_outputs(output, tmp_path / "kept")
    assert [item.path for item in found] == ["good.txt"]
    assert notes == ["output/bad.txt: could not be collected (Permission denied)"]
    assert (output / "bad.txt").read_text() == "cannot be copied"  # never the App's output/ that is deleted


# the walk after a run --------------------------------------------------------------------------------


def test_a_folder_the_walk_after_the_run_cannot_list_means_the_copy_is_walked_again(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    from workbench.staging import check_workspace

    files = {f"{folder}__f.txt": folder for folder in ("a", "b", "c", "d", "lib")}
    app = AppFolder.open(make_app("x = 1\n", **files))
    stage = tmp_path / "stage"
    workspace = stage_workspace(app, [], parent=stage)
    (workspace.path / "lib" / "f.txt").write_text("changed by the run")
    real_scandir = os.scandir

    def refuse_lib(path=".", *args, **kwargs):
        if isinstance(path, (str, os.PathLike)) and Path(path).name == "lib":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", refuse_lib)
    seen = check_workspace(workspace)
    monkeypatch.undo()
    assert seen is not None
    assert {"a/f.txt", "b/f.txt", "c/f.txt", "d/f.txt", "main.py"} <= seen.keys()  # the rest was walked
    discard_workspace(workspace)
    again = stage_workspace(app, [], parent=stage)
    try:
        assert again.walked  # not trusted: walked, and put right
        assert (again.path / "lib" / "f.txt").read_text() == "lib"
    finally:
        discard_workspace(again)


def test_a_checked_copy_deleted_from_the_cache_is_made_again(app: AppFolder, tmp_path: Path) -> None:
    import shutil

    from workbench.staging import check_workspace

    stage = tmp_path / "stage"
    workspace = stage_workspace(app, [], parent=stage)
    check_workspace(workspace)
    discard_workspace(workspace)
    shutil.rmtree(workspace.path)
    again = stage_workspace(app, [], parent=stage)
    try:
        assert (again.path / "main.py").read_text() == "print('hi')\n"
        assert sorted(os.listdir(again.path)) == ["input", "main.py", "output"]
    finally:
        discard_workspace(again)


def test_the_workspace_is_named_after_the_app(make_app, tmp_path: Path) -> None:
    app = AppFolder.open(make_app("x = 1\n", name="my-app"))
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert workspace.path.name == "my-app"
    finally:
        discard_workspace(workspace)


def test_an_entry_the_walk_after_the_run_cannot_stat_is_removed_and_put_back(make_app, tmp_path: Path, monkeypatch) -> None:
    from workbench.staging import check_workspace

    app = AppFolder.open(make_app("x = 1\n", **{f"{name}__f.txt": name for name in ("a", "b", "c", "lib")}))
    stage = tmp_path / "stage"
    workspace = stage_workspace(app, [], parent=stage)
    real_scandir = os.scandir

    class Unstattable:
        """A folder entry whose stat fails, as when a process still running changes it under the walk."""

        def __init__(self, entry) -> None:
            self._entry = entry

        def __getattr__(self, name: str):
            return getattr(self._entry, name)

        def stat(self, *args, **kwargs):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", self._entry.path)

    def scandir(path=".", *args, **kwargs):
        entries = real_scandir(path, *args, **kwargs)
        if isinstance(path, (str, os.PathLike)) and Path(path) == workspace.path:
            return iter([Unstattable(entry) if entry.name == "lib" else entry for entry in entries])
        return entries

    monkeypatch.setattr(os, "scandir", scandir)
    seen = check_workspace(workspace)
    monkeypatch.undo()
    assert seen is not None and {"a/f.txt", "b/f.txt", "c/f.txt", "main.py"} <= seen.keys()
    discard_workspace(workspace)
    again = stage_workspace(app, [], parent=stage)
    try:
        assert sorted(os.listdir(again.path)) == ["a", "b", "c", "input", "lib", "main.py", "output"]
        assert (again.path / "lib" / "f.txt").read_text() == "lib"
    finally:
        discard_workspace(again)
