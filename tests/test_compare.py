"""Comparing two runs: the stdout diff (bounded) and the outputs added, removed or changed."""

from __future__ import annotations

from pathlib import Path

from workbench import compare
from workbench.appdir import AppFolder
from workbench.compare import Change, compare_outputs, compare_runs, ordered
from workbench.job import Job, JobSpec
from workbench.records import OutputRecord, RunRecord


class Quiet:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


VARYING_APP = """
import json, os, sys
kwargs = json.loads(sys.stdin.read())
mode = kwargs["mode"]
print("start")
print("mode is", mode)
print("end")
os.makedirs("output", exist_ok=True)
open("output/same.txt", "w").write("constant\\n")
open("output/changing.txt", "w").write(mode)
open(f"output/only-{mode}.txt", "w").write("x")
os.symlink("same.txt" if mode == "a" else "changing.txt", "output/pointer")
"""


def run(app_root: Path, **kwargs: str) -> RunRecord:
    return Job(AppFolder.open(app_root), JobSpec(kwargs=kwargs), Quiet()).run()


def test_compare_two_real_runs(make_app) -> None:
    root = make_app(VARYING_APP)
    first = run(root, mode="a")
    second = run(root, mode="b")
    result = compare_runs(*ordered(second, first))
    assert result.old.id == first.id
    assert result.stdout_diff[0] == f"--- stdout of {first.id}"
    assert "-mode is a" in result.stdout_diff
    assert "+mode is b" in result.stdout_diff
    assert " start" in result.stdout_diff
    assert not result.diff_truncated and result.notes == []
    changes = {item.path: item.change for item in result.outputs}
    assert changes == {
        "changing.txt": Change.CHANGED,
        "only-a.txt": Change.REMOVED,
        "only-b.txt": Change.ADDED,
        "pointer": Change.CHANGED,
    }
    assert result.unchanged_outputs == 1
    assert result.summary() == "stdout: +1 −1 lines · outputs: 1 added, 1 removed, 2 changed, 1 unchanged"
    pointer = next(item for item in result.outputs if item.path == "pointer")
    assert pointer.describe() == "changed  pointer  (link → same.txt → link → changing.txt)"


def test_the_same_run_twice_has_no_changes(make_app) -> None:
    root = make_app(VARYING_APP)
    first = run(root, mode="a")
    again = run(root, mode="a")
    result = compare_runs(first, again)
    assert result.stdout_same
    assert result.outputs == [] and result.unchanged_outputs == 4
    assert result.summary().startswith("stdout: the same · outputs: 0 added, 0 removed, 0 changed")


def record(tmp_path: Path, name: str, stdout: str | None, outputs: list[OutputRecord] = ()) -> RunRecord:
    log = tmp_path / f"{name}.log"
    if stdout is not None:
        log.write_text(stdout)
    return RunRecord.model_validate(
        {
            "id": name,
            "app_path": str(tmp_path),
            "started_at": "2026-11-28T10:00:00Z",
            "status": "succeeded",
            "args_mode": "stdin",
            "kwargs": {},
            "outputs": [o.model_dump() for o in outputs],
            "output_dir": str(tmp_path / name),
            "stdout_log": str(log),
            "stderr_log": str(log),
            "interpreter": "python",
            "app_hash": "x",
        }
    )


def test_a_missing_log_compares_as_empty_with_a_note(tmp_path: Path) -> None:
    result = compare_runs(record(tmp_path, "old", None), record(tmp_path, "new", "hello\n"))
    assert "+hello" in result.stdout_diff
    assert result.notes == ["run old's stdout log is missing; compared as empty"]


def test_long_logs_are_compared_boundedly_and_the_diff_is_capped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(compare, "MAX_DIFF_LINES", 50)
    old = record(tmp_path, "old", "".join(f"old {i}\n" for i in range(200_000)))
    new = record(tmp_path, "new", "".join(f"new {i}\n" for i in range(200_000)))
    result = compare_runs(old, new)
    assert len(result.stdout_diff) == 50 and result.diff_truncated
    assert any(note.startswith("compared the first") for note in result.notes)
    assert "the diff is cut at 50 lines" in result.notes


def test_a_long_log_cut_mid_line_does_not_show_the_cut_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(compare, "LOG_LIMIT", 10)
    result = compare_runs(record(tmp_path, "old", "same\nabcdefgh\n"), record(tmp_path, "new", "same\nabcdefgh\n"))
    assert result.stdout_same
    assert result.notes == [
        "compared the first 10 B of run old's stdout (14 B)",
        "compared the first 10 B of run new's stdout (14 B)",
    ]


def test_outputs_compare_by_hash_and_link_target() -> None:
    file_a = OutputRecord(path="f", size=1, sha256="aa")
    file_b = OutputRecord(path="f", size=1, sha256="bb")
    link = OutputRecord(path="f", size=3, sha256=None, is_symlink=True, link_target="abc")
    assert compare_outputs([file_a], [file_a]) == ([], 1)
    assert compare_outputs([file_a], [file_b])[0][0].change is Change.CHANGED
    assert compare_outputs([file_a], [link])[0][0].change is Change.CHANGED
    assert compare_outputs([link], [link]) == ([], 1)
