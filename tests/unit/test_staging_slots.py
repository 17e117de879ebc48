"""Staged copies in detail: one per concurrent run, leftovers of a run removed, an App file a run changed restored."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.appdir import AppFolder
from workbench.staging import collect_outputs, discard_workspace, stage_workspace


@pytest.fixture
def app(make_app) -> AppFolder:
    return AppFolder.open(make_app("print('hi')\n", **{"lib__util.py": "X = 1\n"}))


def test_runs_at_once_get_staged_copies_of_their_own(app: AppFolder, tmp_path: Path) -> None:
    first = stage_workspace(app, [], parent=tmp_path / "stage")
    second = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert first.path != second.path
        (first.path / "main.py").write_text("changed by the first run\n")
        assert (second.path / "main.py").read_text() == "print('hi')\n"
    finally:
        discard_workspace(first)
        discard_workspace(second)
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert again.path in (first.path, second.path)  # a free copy is reused, not a third made
    finally:
        discard_workspace(again)


def test_what_a_run_left_is_removed_and_what_it_changed_is_restored(app: AppFolder, tmp_path: Path) -> None:
    workspace = stage_workspace(app, [], parent=tmp_path / "stage")
    (workspace.path / "cache.db").write_text("a run's cache")
    (workspace.path / "scratch").mkdir()
    (workspace.path / "scratch" / "tmp.txt").write_text("more")
    (workspace.path / "lib" / "util.py").write_text("X = 'changed by the run'\n")
    discard_workspace(workspace)
    again = stage_workspace(app, [], parent=tmp_path / "stage")
    try:
        assert again.path == workspace.path
        assert not (again.path / "cache.db").exists() and not (again.path / "scratch").exists()
        assert (again.path / "lib" / "util.py").read_text() == "X = 1\n"
        assert again.restored == 1 and again.removed == 2
        assert sorted(p.name for p in again.path.iterdir()) == ["input", "lib", "main.py", "output"]
    finally:
        discard_workspace(again)


def test_collected_outputs_are_listed_folder_by_folder_in_order(tmp_path: Path) -> None:
    output = tmp_path / "output"
    for rel in ("b.txt", "a/z.txt", "a.txt", "a/b/c.txt", "a-b.txt"):
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_text(rel)
    found, notes = collect_outputs(output, tmp_path / "kept")
    assert notes == []
    assert [item.path for item in found] == ["a/b/c.txt", "a/z.txt", "a-b.txt", "a.txt", "b.txt"]
