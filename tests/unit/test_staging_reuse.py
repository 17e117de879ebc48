"""Staged copies are reused between runs: the invariants that make that safe.

A run never sees a previous run's writes; a changed or deleted author file is
always seen; nothing a run does through any path it has changes the author's folder.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

import pytest

from workbench.appcache import snapshot
from workbench.appdir import AppFolder
from workbench.history import RunHistory
from workbench.job import Job, JobSpec
from workbench.staging import discard_workspace, stage_workspace
from workbench.status import RunStatus


class _Quiet:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


def tree(root: Path, *, skip_state: bool = False) -> dict[str, tuple]:
    """Every entry under root without following symlinks: (kind, mode, bytes or link target)."""
    found: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if skip_state and rel_dir.split(os.sep)[0] == ".workbench":
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if skip_state and rel == ".workbench":
                continue
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), Path(path).read_bytes(), info.st_nlink)
    return found


def app_files(workspace_path: Path) -> dict[str, bytes]:
    out = {}
    for rel, entry in tree(workspace_path).items():
        if entry[0] == "file":
            out[rel] = entry[2]
        elif entry[0] == "link":
            out[rel] = b"<link>"
    return out


@pytest.fixture
def app(make_app) -> AppFolder:
    root = make_app(
        "print('hi')\n",
        **{"lib__util.py": "X = 1\n", "lib__deep__data.bin": "0123456789", "notes.txt": "keep me\n"},
    )
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    return AppFolder.open(root)


def expected(app: AppFolder) -> dict[str, bytes]:
    return {f.path: (app.root / f.path).read_bytes() for f in app.files()}


def vandalise(root: Path) -> None:
    """Everything a run could do to its staged copy through the paths it has."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            info = os.stat(path)
            with open(path, "r+b") as handle:  # an in-place write of the same size...
                handle.write(b"!" * max(1, info.st_size))
            os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # ...with its old times
    os.truncate(root / "notes.txt", 0)
    os.chmod(root / "run.sh", 0o600)
    os.unlink(root / "lib" / "util.py")
    os.link(root / "main.py", root / "hard-link")
    (root / "lib" / "deep" / "data.bin").unlink()
    (root / "lib" / "deep" / "data.bin").symlink_to("/etc/hostname")
    os.rename(root / "lib" / "deep", root / "moved")
    (root / "lib" / "deep").symlink_to(root.parent)
    (root / "new.txt").write_text("a previous run's file")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (root / "input" / "left.txt").write_text("left in input/")
    (root / "output" / "left.txt").write_text("left in output/")
    (root.parent / "beside.txt").write_text("written to ../")
    os.chmod(root / "lib", 0o500)


def test_a_previous_runs_writes_are_gone(app: AppFolder, tmp_path: Path) -> None:
    first = stage_workspace(app, [], parent=tmp_path / "stage")
    vandalise(first.path)
    discard_workspace(first)
    second = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert second.path == first.path  # the same staged copy, put right
        assert app_files(second.path) == expected(app)
        entries = tree(second.path)
        assert entries["input"] == ("dir", 0o755) or entries["input"][0] == "dir"
        assert [rel for rel in entries if rel.startswith(("input/", "output/"))] == []
        assert entries["run.sh"][1] == 0o755
        assert all(entry[3] == 1 for entry in entries.values() if entry[0] == "file")  # no shared inode
        assert os.listdir(second.path.parent) == [second.path.name]
        assert second.restored >= 4 and second.removed >= 3
    finally:
        discard_workspace(second)


def test_a_changed_or_deleted_author_file_is_seen(app: AppFolder, tmp_path: Path) -> None:
    first = stage_workspace(app, [], parent=tmp_path / "stage")
    discard_workspace(first)
    # An edit that keeps the size and puts the modification time back.
    util = app.root / "lib" / "util.py"
    info = os.stat(util)
    util.write_text("X = 2\n")
    os.utime(util, ns=(info.st_atime_ns, info.st_mtime_ns))
    (app.root / "notes.txt").unlink()
    (app.root / "added.py").write_text("Y = 3\n")
    second = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        files = app_files(second.path)
        assert files == expected(app)
        assert files["lib/util.py"] == b"X = 2\n" and "notes.txt" not in files
    finally:
        discard_workspace(second)


def test_concurrent_runs_get_separate_copies(app: AppFolder, tmp_path: Path) -> None:
    one = stage_workspace(app, [], parent=tmp_path / "stage")
    two = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert one.path != two.path
        (one.path / "main.py").write_text("changed by run one")
        (one.path / "output" / "x").write_text("one's output")
        assert (two.path / "main.py").read_text() == "print('hi')\n"
        assert not (two.path / "output" / "x").exists()
    finally:
        discard_workspace(one)
        discard_workspace(two)


def test_incremental_hash_matches_a_full_hash(app: AppFolder, tmp_path: Path) -> None:
    def full() -> str:
        digest = hashlib.sha256()
        for f in app.files():
            digest.update(f.path.encode() + b"\0" + hashlib.sha256((app.root / f.path).read_bytes()).hexdigest().encode() + b"\0")
        return digest.hexdigest()

    cache = tmp_path / "cache"
    cache.mkdir()
    assert snapshot(app, cache_dir=cache).content_hash == full()
    again = snapshot(app, cache_dir=cache)
    assert again.content_hash == full()
    # An edit keeping size and modification time is still seen (its change time moved).
    main = app.root / "main.py"
    info = os.stat(main)
    main.write_text("print('HI')\n")
    os.utime(main, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert snapshot(app, cache_dir=cache).content_hash == full() != again.content_hash


def test_incremental_hash_reads_only_what_changed(app: AppFolder, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    old = 1_600_000_000_000_000_000  # files not modified just now, so not "racily clean"
    for f in app.files():
        os.utime(app.root / f.path, ns=(old, old))
    time.sleep(0.2)  # past the window in which a change time counts as "just now"
    assert snapshot(app, cache_dir=cache).hashed_files == len(app.files())
    assert snapshot(app, cache_dir=cache).hashed_files == 0
    (app.root / "notes.txt").write_text("changed\n")
    assert snapshot(app, cache_dir=cache).hashed_files == 1


HOSTILE_MAIN = r"""
import os, sys
here = os.getcwd()
# In-place writes, truncation, chmod and links on every file it was given.
for dirpath, dirs, files in os.walk(here):
    for name in files:
        path = os.path.join(dirpath, name)
        try:
            with open(path, "r+b") as handle:
                handle.write(b"OVERWRITTEN")
            os.truncate(path, 3)
            os.chmod(path, 0o000)
            os.link(path, path + ".hard")
        except OSError as error:
            print("write failed", path, error, file=sys.stderr)
# Symlink tricks: a staged folder and file replaced by links upward, then written through.
os.rename("lib", "lib.moved")
os.symlink("..", "lib")
os.unlink("notes.txt")
os.symlink("../../../notes.txt", "notes.txt")
for path in ("lib/util.py", "notes.txt", "../main.py", "../../main.py", "../../../main.py"):
    try:
        with open(path, "w") as handle:
            handle.write("WRITTEN THROUGH " + path)
    except OSError:
        pass
os.symlink(here, "output/self")
with open("output/out.txt", "w") as handle:
    handle.write("result")
"""


def test_the_authors_folder_is_untouched_by_a_hostile_run(make_app) -> None:
    root = make_app(HOSTILE_MAIN, **{"lib__util.py": "X = 1\n", "notes.txt": "keep me\n"})
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    app = AppFolder.open(root)
    before = tree(root, skip_state=True)
    history = RunHistory(root)
    for _ in range(2):  # the second run starts from the copy the first one vandalised
        record = Job(app, JobSpec(), _Quiet(), history=history).run()
        assert record.status is RunStatus.SUCCEEDED, record.message
        assert tree(root, skip_state=True) == before
    kept = Path(record.output_dir)
    assert (kept / "out.txt").read_text() == "result"
    # The next workspace holds the author's files only.
    workspace = stage_workspace(app, [])
    try:
        assert app_files(workspace.path) == expected(app)
    finally:
        discard_workspace(workspace)
