"""A staged copy checked after its run: put right then, trusted at its next claim (no walk);
never put right through a symlink a run left; idle slots and the caches of gone Apps pruned."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from test_staging_reuse import app_files, expected, tree, vandalise

from workbench.appcache import app_cache_dir
from workbench.appdir import AppFolder
from workbench.history import RunHistory
from workbench.job import Job, JobSpec
from workbench.staging import check_workspace, discard_workspace, stage_workspace
from workbench.staging.slots import claim_slot, prune_idle_slots, sweep_stage_root
from workbench.status import RunStatus


class _Collect:
    def __init__(self) -> None:
        self.out = b""

    def on_stdout(self, data: bytes) -> None:
        self.out += data

    def on_stderr(self, data: bytes) -> None:
        pass


@pytest.fixture
def app(make_app) -> AppFolder:
    root = make_app(
        "print('hi')\n",
        **{"lib__util.py": "X = 1\n", "lib__deep__data.bin": "0123456789", "notes.txt": "keep me\n"},
    )
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    return AppFolder.open(root)


def test_a_copy_checked_after_its_run_is_put_right_and_not_walked_again(app: AppFolder, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    first = stage_workspace(app, [], parent=stage)
    assert first.walked  # a new copy
    before = first.entries()
    vandalise(first.path)
    seen = check_workspace(first)
    assert seen is not None
    assert "new.txt" in seen and "moved/" in seen and "lib/deep" in seen and seen["main.py"] != before["main.py"]
    discard_workspace(first)
    second = stage_workspace(app, [], parent=stage)
    try:
        assert second.path == first.path and not second.walked  # trusted: checked after its run
        assert app_files(second.path) == expected(app)
        entries = tree(second.path)
        assert sorted(rel for rel in entries if "/" not in rel) == sorted(
            ["input", "lib", "main.py", "notes.txt", "run.sh"] + ["output"]
        )
        assert entries["run.sh"][1] == 0o755 and entries["lib"][1] == 0o755
        assert all(entry[3] == 1 for entry in entries.values() if entry[0] == "file")
        assert os.listdir(second.path.parent) == [second.path.name]
    finally:
        discard_workspace(second)
    third = stage_workspace(app, [], parent=stage)  # discarded unchecked: walked again
    try:
        assert third.walked and app_files(third.path) == expected(app)
    finally:
        discard_workspace(third)


def test_an_authors_edit_and_mode_change_reach_a_checked_copy(app: AppFolder, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    first = stage_workspace(app, [], parent=stage)
    check_workspace(first)
    discard_workspace(first)
    util = app.root / "lib" / "util.py"
    info = os.stat(util)
    util.write_text("X = 2\n")  # same size, modification time put back
    os.utime(util, ns=(info.st_atime_ns, info.st_mtime_ns))
    (app.root / "notes.txt").chmod(0o700)
    (app.root / "lib" / "deep" / "data.bin").unlink()
    (app.root / "lib" / "deep").rmdir()
    (app.root / "new" / "folder").mkdir(parents=True)
    (app.root / "new" / "folder" / "a.txt").write_text("a")
    second = stage_workspace(app, [], parent=stage)
    try:
        assert not second.walked
        assert app_files(second.path) == expected(app)
        entries = tree(second.path)
        assert "lib/deep" not in entries and entries["notes.txt"][1] == 0o700
    finally:
        discard_workspace(second)


def test_a_workspace_renamed_and_replaced_by_a_symlink_to_the_authors_folder(app: AppFolder, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    before = tree(app.root, skip_state=True)
    first = stage_workspace(app, [], parent=stage)
    os.rename(first.path, first.path.with_name("elsewhere"))
    first.path.symlink_to(app.root)  # what a run could do from its working folder
    assert check_workspace(first) is None
    discard_workspace(first)
    assert tree(app.root, skip_state=True) == before  # nothing removed through the link
    second = stage_workspace(app, [], parent=stage)
    try:
        assert second.walked and not second.path.is_symlink()
        assert app_files(second.path) == expected(app)
        assert os.listdir(second.path.parent) == [second.path.name]
    finally:
        discard_workspace(second)
    assert tree(app.root, skip_state=True) == before


WRITER = r"""
import json, os
listing = {}
for dirpath, dirs, files in os.walk("."):
    dirs.sort()
    for name in sorted(dirs + files):
        listing[os.path.relpath(os.path.join(dirpath, name))] = os.path.isdir(os.path.join(dirpath, name))
print(json.dumps(listing))
with open("lib/util.py", "r+") as handle:
    handle.write("Y")
os.utime("lib/util.py", (0, 0))
os.mkdir("made")
open("made/x", "w").close()
open("new.txt", "w").close()
os.unlink("notes.txt")
"""


def test_runs_one_after_another_each_see_only_the_authors_files(make_app) -> None:
    root = make_app(WRITER, **{"lib__util.py": "X = 1\n", "notes.txt": "n\n"})
    app = AppFolder.open(root)
    history = RunHistory(root)
    seen = []
    for _ in range(3):
        sink = _Collect()
        record = Job(app, JobSpec(), sink, history=history).run()
        assert record.status is RunStatus.SUCCEEDED, record.message
        seen.append(json.loads(sink.out))
        assert record.node is not None
        assert {item.code for item in record.node.findings} >= {"workspace_write"}
        message = next(item.message for item in record.node.findings if item.code == "workspace_write")
        assert "+made/" in message and "~lib/util.py" in message and "-notes.txt" in message, message
    assert seen[0] == seen[1] == seen[2]
    assert set(seen[0]) == {"main.py", "lib", "lib/util.py", "notes.txt", "input", "output"}
    assert (root / "lib" / "util.py").read_text() == "X = 1\n" and (root / "notes.txt").exists()


def test_idle_slots_after_the_first_are_pruned_never_one_in_use(app: AppFolder, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    held = [stage_workspace(app, [], parent=stage) for _ in range(4)]
    for workspace in held[1:3]:
        discard_workspace(workspace)  # slots 1 and 2 free; 0 and 3 held
    slots = app_cache_dir(app, stage) / "slots"
    old = time.time() - 3600
    for number in (0, 1, 3):
        os.utime(slots / f"{number}.lock", (old, old))
    removed = prune_idle_slots(slots, keep=2)
    assert removed == [1]  # idle and free; 0 is the first, 2 recently used, 3 in use
    assert not (slots / "1").exists() and (slots / "0").is_dir() and (slots / "3").is_dir()
    for workspace in (held[0], held[3]):
        discard_workspace(workspace)
    again = stage_workspace(app, [], parent=stage)
    try:
        assert app_files(again.path) == expected(app)
    finally:
        discard_workspace(again)


def test_the_caches_of_gone_apps_are_swept(make_app, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    gone = AppFolder.open(make_app("print(1)\n", name="gone"))
    kept = AppFolder.open(make_app("print(2)\n", name="kept"))
    for app in (gone, kept):
        discard_workspace(stage_workspace(app, [], parent=stage))
    gone_cache = app_cache_dir(gone, stage)
    (gone.root / "main.py").unlink()
    (stage / ".swept").unlink(missing_ok=True)
    slot = claim_slot(app_cache_dir(kept, stage))  # sweeps the stage root
    slot.release()
    assert not gone_cache.exists() and app_cache_dir(kept, stage).is_dir()
    assert sweep_stage_root(stage, current=app_cache_dir(kept, stage)) == []  # at most once an hour


def test_an_unchanged_app_in_a_checked_copy_is_handed_out_as_it_is(app: AppFolder, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    first = stage_workspace(app, [], parent=stage)
    (first.output_dir / "result.txt").write_text("the run's output")
    (first.input_dir / "given.txt").write_text("the run's input")
    staged = first.entries()
    seen = check_workspace(first)
    assert seen is not None and seen.keys() == staged.keys()  # input/ and output/ are the run's own
    assert {rel: value for rel, value in seen.items() if not rel.endswith("/")} == {
        rel: value for rel, value in staged.items() if not rel.endswith("/")
    }
    discard_workspace(first)
    second = stage_workspace(app, [], parent=stage)
    try:
        assert not second.walked and second.restored == 0 and second.entries() == staged
        assert app_files(second.path) == expected(app)
        assert os.listdir(second.input_dir) == [] and os.listdir(second.output_dir) == []
    finally:
        discard_workspace(second)
