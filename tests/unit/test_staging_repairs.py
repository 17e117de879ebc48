"""Staging's repair and fallback paths: copies without reflinks or copy_file_range, a staged copy a run
damaged (modes, a symlink in place of a folder or of the copy itself, leftovers), a manifest that cannot be
trusted, outputs on another file system. Each ends with the workspace exact and the author's files untouched."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

import pytest

from workbench.appcache import snapshot
from workbench.appdir import AppFolder
from workbench.staging import StagingError, check_workspace, collect_outputs, discard_workspace, stage_workspace

BIG = bytes(range(256)) * (10 * 1024 + 7)  # 2.5 MiB: more than one block of every copy loop


@pytest.fixture
def app(make_app) -> AppFolder:
    root = make_app("print('hi')\n", **{"lib__util.py": "X = 1\n", "a__b.txt": "one-letter folder\n"})
    (root / "big.bin").write_bytes(BIG)
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    return AppFolder.open(root)


def app_tree(root: Path) -> dict[str, tuple]:
    """The App's files and folders under root (not input/ or output/): contents and modes, links as links."""
    found: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [name for name in dirnames if name not in ("input", "output", ".workbench")]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir",)
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), Path(path).read_bytes())
    return found


def exact(workspace_path: Path, app: AppFolder) -> bool:
    staged = app_tree(workspace_path)
    return staged == app_tree(app.root) and sorted(os.listdir(workspace_path)) == sorted(
        [*os.listdir(app.root), "input", "output"]
    ) and os.listdir(workspace_path / "input") == [] and os.listdir(workspace_path / "output") == []


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(params=["checked after the run", "walked when next claimed"])
def end_run(request):
    """How a run's copy is given back: checked after the run (as a Job does), then put right by
    `discard_workspace`; or given back unchecked (the workbench was stopped), walked at its next claim."""

    def end(workspace) -> None:
        if request.param == "checked after the run":
            check_workspace(workspace)
        discard_workspace(workspace)

    end.checked = request.param == "checked after the run"
    return end


class Unreadable:
    """A snapshot of the App in which one file could not be read (as root, permissions cannot make one)."""

    def __init__(self, real, path: str) -> None:
        self._real = real
        self._path = path

    def __getattr__(self, name: str):
        return getattr(self._real, name)

    @property
    def files(self):
        return [item._replace(sha256=None) if item.path == self._path else item for item in self._real.files]


# copies without the fast paths -----------------------------------------------------------------


def test_without_reflinks_or_copy_file_range_the_copy_is_exact(app: AppFolder, tmp_path: Path, monkeypatch) -> None:
    """No FICLONE, and copy_file_range failing after a first part: the byte copy starts again from the start."""
    real_copy_file_range = os.copy_file_range
    used: dict[int, int] = {}

    def no_reflink(fd, request, *args):
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    def fails_after_a_part(src: int, dst: int, count: int, *args) -> int:
        file = os.fstat(dst).st_ino
        used[file] = used.get(file, 0) + 1
        if used[file] > 1:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_copy_file_range(src, dst, 5)

    monkeypatch.setattr(fcntl, "ioctl", no_reflink)
    monkeypatch.setattr(os, "copy_file_range", fails_after_a_part)
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert len(used) == len(app.files()) and set(used.values()) == {2}  # every file fell back
        assert exact(workspace.path, app)
        assert (workspace.path / "big.bin").read_bytes() == BIG
    finally:
        discard_workspace(workspace)


def test_staging_and_discarding_leave_no_file_open(app: AppFolder, tmp_path: Path, end_run) -> None:
    before = open_fds()
    for _ in range(2):
        workspace = stage_workspace(app, [], parent=tmp_path / "stage")
        (workspace.path / "main.py").write_text("changed by the run\n")  # copied again next time
        end_run(workspace)
    assert open_fds() == before


# what a run can do to its staged copy ------------------------------------------------------------


def test_the_staged_copy_is_private_and_its_folders_have_the_modes_of_a_fresh_copy(
    app: AppFolder, tmp_path: Path, end_run
) -> None:
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    slot = workspace.path.parent
    try:
        assert stat.S_IMODE(os.stat(slot).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(workspace.path).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(workspace.path / "lib").st_mode) == 0o755
        assert stat.S_IMODE(os.stat(workspace.path / "a").st_mode) == 0o755
        locks = list((tmp_path / "stage").rglob("*.lock"))
        assert locks and all(stat.S_IMODE(os.stat(lock).st_mode) == 0o600 for lock in locks)
        # A run changes the modes of its copy, of a folder in it, and of the folder holding it.
        os.chmod(workspace.path / "lib", 0o700)
        os.chmod(workspace.path, 0o755)
        os.chmod(slot, 0o755)
    finally:
        end_run(workspace)
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert again.path == workspace.path
        assert stat.S_IMODE(os.stat(again.path / "lib").st_mode) == 0o755
        assert stat.S_IMODE(os.stat(again.path).st_mode) == 0o700
        if not end_run.checked:  # the walk at the claim puts the slot's folder right too (the App's cache is 0700 anyway)
            assert stat.S_IMODE(os.stat(slot).st_mode) == 0o700
        assert again.restored == 0 and exact(again.path, app)
    finally:
        discard_workspace(again)


def test_an_unchanged_app_is_not_copied_again(make_app, tmp_path: Path, end_run) -> None:
    """Folders named like the system folders deeper down, and one-letter folders, are App folders like any."""
    root = make_app("x = 1\n", **{"a__x.py": "", "lib__input__data.txt": "d", "lib__output__o.txt": "o", "b__c__d.txt": ""})
    app = AppFolder.open(root)
    first = stage_workspace(app, [], parent=tmp_path / "stage")
    assert first.restored == 5
    end_run(first)
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert again.restored == 0 and again.removed == 0
        assert exact(again.path, app)
    finally:
        discard_workspace(again)


def test_a_symlink_a_run_put_in_place_of_a_folder_is_removed_not_followed(app: AppFolder, tmp_path: Path, end_run) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("not the run's to delete")
    (outside / "util.py").write_text("not the App's")
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    os.rename(workspace.path / "lib", workspace.path / "lib-moved")
    (workspace.path / "lib").symlink_to(outside)
    end_run(workspace)
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert not (again.path / "lib").is_symlink()
        assert exact(again.path, app)
        assert sorted(os.listdir(outside)) == ["precious.txt", "util.py"]
        assert again.restored == 1  # lib/util.py, copied again
        if not end_run.checked:  # what the walk at the claim removed: lib-moved/ and the link
            assert again.removed == 2
    finally:
        discard_workspace(again)


def test_a_copy_a_run_replaced_with_a_symlink_is_made_again_and_what_it_left_beside_it_goes(
    app: AppFolder, tmp_path: Path, end_run
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    # What a run can do from inside: `../` is the folder holding its copy.
    os.rename(workspace.path, workspace.path.parent / "renamed")
    workspace.path.symlink_to(outside)
    (workspace.path.parent / "beside.txt").write_text("written to ../")
    end_run(workspace)
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert again.path == workspace.path and not again.path.is_symlink()
        assert exact(again.path, app)
        assert os.listdir(again.path.parent) == [again.path.name]
        assert again.removed == 2  # renamed/ and beside.txt (the link was the copy's own name)
        assert os.listdir(outside) == ["precious.txt"]
    finally:
        discard_workspace(again)


def test_input_and_output_left_by_a_run_that_never_discarded_its_copy_are_emptied(app: AppFolder, tmp_path: Path) -> None:
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    (workspace.path / "output" / "result.txt").write_text("from a run that was killed")
    (workspace.path / "input" / "data.txt").write_text("its input")
    workspace.slot.release()  # the process died: its lock went with it, nothing was checked or discarded
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert again.path == workspace.path
        assert exact(again.path, app)
    finally:
        discard_workspace(again)


@pytest.mark.parametrize("manifest", [b"not marshal data", b"\xe9\x00", None])
def test_a_manifest_that_cannot_be_trusted_means_every_file_is_copied_again(
    app: AppFolder, tmp_path: Path, manifest: bytes | None
) -> None:
    import marshal

    first = stage_workspace(app, [], parent=tmp_path / "stage")
    discard_workspace(first)
    (path,) = (tmp_path / "stage").rglob("*.manifest")
    if manifest is None:  # a manifest of another version, with entries that would still match
        data = marshal.loads(path.read_bytes())
        manifest = marshal.dumps({**data, "version": -1})
    path.write_bytes(manifest)
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert again.restored == len(app.files())
        assert exact(again.path, app)
    finally:
        discard_workspace(again)
    third = stage_workspace(app, [], parent=tmp_path / "stage")  # and the manifest was written again
    try:
        assert third.restored == 0
    finally:
        discard_workspace(third)


def test_an_app_file_that_could_not_be_read_stops_staging_and_frees_the_copy(app: AppFolder, tmp_path: Path) -> None:
    unreadable = Unreadable(snapshot(app), "lib/util.py")
    with pytest.raises(StagingError) as raised:
        stage_workspace(app, [], parent=tmp_path / "stage", snapshot=unreadable)
    assert str(raised.value) == f"could not stage the run: {app.root / 'lib/util.py'}: cannot be read"
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert workspace.path.parent.name == "0"  # the first copy was given back
        assert exact(workspace.path, app)
    finally:
        discard_workspace(workspace)


def test_staging_reports_its_progress_in_bytes(app: AppFolder, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    workspace = stage_workspace(app, [], parent=tmp_path / "stage", progress=lambda *call: calls.append(call))
    discard_workspace(workspace)
    staging = [call for call in calls if call[0] == "staging"]
    total = sum(item.size for item in app.files())
    assert len(staging) == len(app.files())
    assert [done for _, done, _ in staging] == sorted(done for _, done, _ in staging)
    assert staging[-1] == ("staging", total, total)


# collecting outputs on another file system --------------------------------------------------------


def test_outputs_are_copied_when_they_cannot_be_moved(tmp_path: Path, monkeypatch) -> None:
    output = tmp_path / "output"
    (output / "sub").mkdir(parents=True)
    (output / "sub" / "r.txt").write_text("result")
    (output / "top.txt").write_text("top")
    (output / "link").symlink_to("top.txt")
    os.mkfifo(output / "pipe")
    real_rename = os.rename

    def cross_device(src, dst, *args, **kwargs):
        if Path(src) == output:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", cross_device)
    calls: list[tuple[str, int, int]] = []
    keep = tmp_path / "history" / "run-1" / "output"  # its parents do not exist yet
    found, notes = collect_outputs(output, keep, progress=lambda *call: calls.append(call))
    assert [(item.path, item.is_symlink, item.link_target) for item in found] == [
        ("link", True, "top.txt"), ("sub/r.txt", False, None), ("top.txt", False, None)
    ]
    assert notes == ["output/pipe: not a regular file, folder or symlink; skipped"]
    assert (keep / "sub" / "r.txt").read_text() == "result"
    assert os.readlink(keep / "link") == "top.txt"
    assert sorted(os.listdir(keep)) == ["link", "sub", "top.txt"]
    assert (output / "top.txt").exists()  # copied, not moved
    assert calls == [("collecting", 2, 0), ("collecting", 3, 0)]  # entries found so far, after each file


def test_a_moved_output_loses_its_special_files(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    (output / "r.txt").write_text("r")
    os.mkfifo(output / "pipe")
    keep = tmp_path / "history" / "run-1" / "output"
    found, notes = collect_outputs(output, keep)
    assert [item.path for item in found] == ["r.txt"]
    assert notes == ["output/pipe: not a regular file, folder or symlink; skipped"]
    assert os.listdir(keep) == ["r.txt"] and not output.exists()


def test_an_output_that_is_not_a_folder_still_gets_its_kept_folder(tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.symlink_to(tmp_path)
    keep = tmp_path / "history" / "run-1" / "output"
    found, notes = collect_outputs(output, keep)
    assert found == [] and notes == ["the App replaced output/ with something that is not a folder; nothing was collected"]
    assert keep.is_dir() and os.listdir(keep) == []


def test_a_folder_that_cannot_be_listed_is_noted_and_the_rest_collected(tmp_path: Path, monkeypatch) -> None:
    output = tmp_path / "output"
    for rel in ("a/x.txt", "b/y.txt"):
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_text(rel)
    real_scandir = os.scandir

    def refuse_a(path):
        if Path(path).name == "a":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refuse_a)
    found, notes = collect_outputs(output, tmp_path / "kept")
    assert [item.path for item in found] == ["b/y.txt"]
    assert notes == ["output/a/: cannot be listed (Permission denied)"]


def test_an_input_folders_entries_that_are_not_staged_each_say_why(app: AppFolder, tmp_path: Path) -> None:
    from workbench.staging import check_inputs

    data = tmp_path / "data"
    data.mkdir()
    (data / "f.txt").write_text("f")
    (data / "dangling").symlink_to(tmp_path / "missing")
    (data / "folder-link").symlink_to(tmp_path)
    (data / "self-loop").symlink_to("self-loop")
    os.mkfifo(data / "pipe")
    workspace = stage_workspace(app, check_inputs([data]), parent=tmp_path / "stage")
    try:
        assert [item.name for item in workspace.inputs] == ["data/f.txt"]
        assert workspace.notes == [
            "input data/dangling: a symlink to nothing; not staged",
            "input data/folder-link: a symlink to a folder; not followed, not staged",
            "input data/pipe: not a regular file or folder; not staged",
            "input data/self-loop: a symlink that loops; skipped",
        ]
    finally:
        discard_workspace(workspace)
