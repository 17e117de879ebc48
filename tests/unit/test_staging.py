"""Staging a fresh workspace for a run, and collecting what the App left in `output/`."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from workbench.appdir import AppFolder
from workbench.staging import (
    StagingError,
    check_inputs,
    collect_outputs,
    discard_workspace,
    stage_workspace,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def app(make_app) -> AppFolder:
    root = make_app("print('hi')\n", **{"lib__util.py": "X = 1\n"})
    (root / "input").mkdir()
    (root / "input" / "stale.txt").write_text("the author's own input/ is never used")
    (root / "output").mkdir()
    (root / "output" / "stale.txt").write_text("nor their output/")
    (root / ".workbench").mkdir()
    (root / ".workbench" / "draft.json").write_text("{}")
    return AppFolder.open(root)


def listing(root: Path) -> dict[str, bytes | None]:
    """Every path under root: file contents, or None for a folder."""
    found: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            found[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, root)] = Path(path).read_bytes()
    return found


def test_workspace_holds_the_app_and_empty_input_output(app: AppFolder, tmp_path: Path) -> None:
    workspace = stage_workspace(app, [], parent=tmp_path)
    try:
        assert listing(workspace.path) == {
            "main.py": b"print('hi')\n",
            "lib": None,
            "lib/util.py": b"X = 1\n",
            "input": None,
            "output": None,
        }
        assert workspace.input_dir == workspace.path / "input"
        assert workspace.output_dir == workspace.path / "output"
        assert workspace.inputs == []
        assert not workspace.path.is_relative_to(app.root)
    finally:
        discard_workspace(workspace)
    # The staged copy is kept for the next run, its input/ and output/ gone.
    assert not workspace.input_dir.exists() and not workspace.output_dir.exists()
    again = stage_workspace(app, [], parent=tmp_path)
    try:
        assert again.path == workspace.path and again.restored == 0
    finally:
        discard_workspace(again)


def test_workspace_is_outside_the_app_folder_by_default(app: AppFolder) -> None:
    workspace = stage_workspace(app, [])
    try:
        assert not workspace.path.is_relative_to(app.root)
        assert not app.root.is_relative_to(workspace.path)
    finally:
        discard_workspace(workspace)


def test_modes_are_kept(app: AppFolder, tmp_path: Path) -> None:
    (app.root / "run.sh").write_text("#!/bin/sh\n")
    (app.root / "run.sh").chmod(0o755)
    workspace = stage_workspace(app, [], parent=tmp_path)
    try:
        assert os.stat(workspace.path / "run.sh").st_mode & 0o777 == 0o755
    finally:
        discard_workspace(workspace)


def test_stages_files_and_folders_with_odd_names(app: AppFolder, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / "my folder" / "sub dir").mkdir(parents=True)
    (sources / "my folder" / "sub dir" / "naïve résumé.txt").write_bytes("é\n".encode())
    (sources / "my folder" / "日本.csv").write_bytes(b"a,b\n")
    (sources / "my folder" / "empty").mkdir()
    single = sources / "a file.bin"
    single.write_bytes(bytes(range(256)))
    workspace = stage_workspace(app, check_inputs([single, sources / "my folder"]), parent=tmp_path)
    try:
        staged = {f.name: (f.size, f.sha256) for f in workspace.inputs}
        assert staged == {
            "a file.bin": (256, sha(bytes(range(256)))),
            "my folder/sub dir/naïve résumé.txt": (3, sha("é\n".encode())),
            "my folder/日本.csv": (4, sha(b"a,b\n")),
        }
        inputs = listing(workspace.input_dir)
        assert inputs["a file.bin"] == bytes(range(256))
        assert inputs["my folder/sub dir/naïve résumé.txt"] == "é\n".encode()
        assert inputs["my folder/empty"] is None  # the folder's tree is kept, empty folders too
        assert listing(workspace.output_dir) == {}
    finally:
        discard_workspace(workspace)
    # Staging copies: the sources are untouched.
    assert single.read_bytes() == bytes(range(256))


class TestCheckInputs:
    def test_missing_path(self, tmp_path: Path) -> None:
        with pytest.raises(StagingError, match="no such file or folder") as caught:
            check_inputs([tmp_path / "missing.txt"])
        assert "missing.txt" in str(caught.value)

    def test_dangling_symlink(self, tmp_path: Path) -> None:
        link = tmp_path / "link"
        link.symlink_to(tmp_path / "missing")
        with pytest.raises(StagingError):
            check_inputs([link])

    def test_fifo_is_refused(self, tmp_path: Path) -> None:
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(StagingError, match="not a regular file or folder"):
            check_inputs([tmp_path / "pipe"])

    def test_name_clash(self, tmp_path: Path) -> None:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        (tmp_path / "a" / "data.txt").write_text("a")
        (tmp_path / "b" / "data.txt").write_text("b")
        with pytest.raises(StagingError, match="input/data.txt") as caught:
            check_inputs([tmp_path / "a" / "data.txt", tmp_path / "b" / "data.txt"])
        assert "rename" in str(caught.value)

    def test_the_same_path_twice_is_staged_once(self, tmp_path: Path) -> None:
        (tmp_path / "data.txt").write_text("a")
        assert check_inputs([tmp_path / "data.txt", str(tmp_path / "data.txt")]) == [(tmp_path / "data.txt").resolve()]

    def test_order_kept(self, tmp_path: Path) -> None:
        for name in ("b", "a", "c"):
            (tmp_path / name).write_text(name)
        assert [p.name for p in check_inputs([tmp_path / "b", tmp_path / "a", tmp_path / "c"])] == ["b", "a", "c"]


class TestCollect:
    def test_files_folders_and_hashes(self, tmp_path: Path) -> None:
        out = tmp_path / "output"
        (out / "reports" / "daily").mkdir(parents=True)
        (out / "a.txt").write_bytes(b"hello")
        (out / "reports" / "daily" / "r é.csv").write_bytes(b"1,2\n")
        keep = tmp_path / "kept"
        found, notes = collect_outputs(out, keep)
        assert notes == []
        assert [(f.path, f.size, f.sha256, f.is_symlink) for f in found] == [
            ("a.txt", 5, sha(b"hello"), False),
            ("reports/daily/r é.csv", 4, sha(b"1,2\n"), False),
        ]
        assert (keep / "reports" / "daily" / "r é.csv").read_bytes() == b"1,2\n"

    def test_symlinks_are_recorded_not_followed(self, tmp_path: Path) -> None:
        out = tmp_path / "output"
        out.mkdir()
        (out / "passwd").symlink_to("/etc/passwd")
        (out / "dir_link").symlink_to("/etc")
        (out / "dangling").symlink_to("nowhere")
        keep = tmp_path / "kept"
        found, notes = collect_outputs(out, keep)
        assert notes == []
        by_path = {f.path: f for f in found}
        assert set(by_path) == {"passwd", "dir_link", "dangling"}
        link = by_path["passwd"]
        assert link.is_symlink and link.link_target == "/etc/passwd" and link.sha256 is None
        assert link.size == len("/etc/passwd")
        assert (keep / "passwd").is_symlink() and os.readlink(keep / "passwd") == "/etc/passwd"
        # The folder link was not descended into.
        assert not any(f.path.startswith("dir_link/") for f in found)

    def test_fifo_is_skipped_without_hanging(self, tmp_path: Path) -> None:
        out = tmp_path / "output"
        out.mkdir()
        os.mkfifo(out / "pipe")
        (out / "ok.txt").write_text("ok")
        found, notes = collect_outputs(out, tmp_path / "kept")
        assert [f.path for f in found] == ["ok.txt"]
        assert len(notes) == 1 and "output/pipe" in notes[0]

    def test_output_deleted_or_replaced(self, tmp_path: Path) -> None:
        found, notes = collect_outputs(tmp_path / "output", tmp_path / "kept")
        assert found == [] and len(notes) == 1
        (tmp_path / "output").write_text("a file")
        found, notes = collect_outputs(tmp_path / "output", tmp_path / "kept2")
        assert found == [] and len(notes) == 1
        (tmp_path / "output").unlink()
        (tmp_path / "output").symlink_to("/etc")
        found, notes = collect_outputs(tmp_path / "output", tmp_path / "kept3")
        assert found == [] and len(notes) == 1

    def test_read_only_output_is_collected_and_removable(self, tmp_path: Path) -> None:
        out = tmp_path / "output"
        (out / "sub").mkdir(parents=True)
        (out / "sub" / "f.txt").write_text("x")
        (out / "sub").chmod(stat.S_IRUSR | stat.S_IXUSR)
        out.chmod(stat.S_IRUSR | stat.S_IXUSR)
        found, _notes = collect_outputs(out, tmp_path / "kept")
        assert [f.path for f in found] == ["sub/f.txt"]
        from workbench.fsutil import remove_tree

        remove_tree(tmp_path)
        assert not tmp_path.exists()


def test_staged_folder_with_symlinks(app: AppFolder, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "f.txt").write_text("f")
    (data / "sub" / "loop").symlink_to("..")  # would recurse for ever if followed
    (data / "file_link").symlink_to(data / "sub" / "f.txt")
    (data / "dangling").symlink_to(tmp_path / "missing")
    os.mkfifo(data / "pipe")
    workspace = stage_workspace(app, check_inputs([data]), parent=tmp_path)
    try:
        assert sorted(f.name for f in workspace.inputs) == ["data/file_link", "data/sub/f.txt"]
        # A file symlink is staged as the file, as an upload would carry it.
        assert not (workspace.input_dir / "data" / "file_link").is_symlink()
        assert (workspace.input_dir / "data" / "file_link").read_text() == "f"
        assert not (workspace.input_dir / "data" / "sub" / "loop").exists()
        notes = "\n".join(workspace.notes)
        assert "data/sub/loop" in notes and "data/dangling" in notes and "data/pipe" in notes
        assert len(workspace.notes) == 3
    finally:
        discard_workspace(workspace)


def test_the_root_folder_cannot_be_staged() -> None:
    with pytest.raises(StagingError, match="root folder"):
        check_inputs(["/"])


def _deep_tree(root: Path, depth: int) -> Path:
    """A chain of `depth` folders under root, made relative to each one (past PATH_MAX if need be)."""
    root.mkdir()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        leaf = os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
        os.write(leaf, b"x")
        os.close(leaf)
        os.fchmod(fd, 0o500)
    finally:
        os.close(fd)
    return root


def test_remove_tree_of_any_depth(tmp_path: Path) -> None:
    from workbench.fsutil import remove_tree

    root = _deep_tree(tmp_path / "deep", 2500)  # deeper than the recursion limit and PATH_MAX
    (root / "d" / "sibling").write_text("s")
    remove_tree(root)
    assert not root.exists()


def test_collect_a_very_deep_output_tree(tmp_path: Path) -> None:
    from workbench.fsutil import remove_tree

    out = _deep_tree(tmp_path / "output", 1500)
    try:
        found, _notes = collect_outputs(out, tmp_path / "kept")
        assert [f.path for f in found] == ["d/" * 1500 + "leaf.txt"]
    finally:  # pytest's own clean-up of old temporary folders recurses once per level
        remove_tree(out)
        remove_tree(tmp_path / "kept")
