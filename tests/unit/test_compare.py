"""Comparing two runs: the stdout diff (bounded) and the outputs added, removed or changed."""

from __future__ import annotations

from pathlib import Path

from workbench import compare
from workbench.appdir import AppFolder
from workbench.compare import Change, FactChange, compare_facts, compare_outputs, compare_runs, ordered
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
    assert result.facts == [FactChange("argument mode", "a", "b")]
    assert result.summary() == (
        "stdout: +1 −1 lines · stderr: the same · arguments: 1 changed · inputs: the same"
        " · outputs: 1 added, 1 removed, 2 changed, 1 unchanged"
    )
    pointer = next(item for item in result.outputs if item.path == "pointer")
    assert pointer.describe() == "changed  pointer  (link → same.txt → link → changing.txt)"


def test_the_same_run_twice_has_no_changes(make_app) -> None:
    root = make_app(VARYING_APP)
    first = run(root, mode="a")
    again = run(root, mode="a")
    result = compare_runs(first, again)
    assert result.stdout_same and result.stderr_same and result.facts == [] and result.same
    assert result.outputs == [] and result.unchanged_outputs == 4
    assert result.summary() == (
        "stdout: the same · stderr: the same · arguments: the same · inputs: the same"
        " · outputs: 0 added, 0 removed, 0 changed, 4 unchanged"
    )


def record(
    tmp_path: Path, name: str, stdout: str | None, outputs: list[OutputRecord] = (), stderr: str = "", **fields
) -> RunRecord:
    log = tmp_path / f"{name}.log"
    if stdout is not None:
        log.write_text(stdout)
    err_log = tmp_path / f"{name}.err"
    err_log.write_text(stderr)
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
            "stderr_log": str(err_log),
            "interpreter": "python",
            "app_hash": "x",
            **fields,
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
    assert "the stdout diff is cut at 50 lines" in result.notes


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


def test_stderr_is_compared_like_stdout(tmp_path: Path) -> None:
    old = record(tmp_path, "old", "same\n", stderr="warning: one\n")
    new = record(tmp_path, "new", "same\n", stderr="warning: one\nTraceback (most recent call last):\n")
    result = compare_runs(old, new)
    assert result.stdout_same and not result.stderr_same and not result.same
    assert result.stderr_diff[:2] == ["--- stderr of old", "+++ stderr of new"]
    assert "+Traceback (most recent call last):" in result.stderr_diff
    assert result.summary().startswith("stdout: the same · stderr: +1 −0 lines · ")


def test_the_status_and_exit_status_are_compared(tmp_path: Path) -> None:
    old = record(tmp_path, "old", "", exit_code=0)
    new = record(tmp_path, "new", "", status="failed", exit_code=1, message="exit code 1")
    result = compare_runs(old, new)
    assert result.facts == [FactChange("status", "succeeded", "failed"), FactChange("exit status", "0", "1")]
    assert "status: succeeded → failed · exit status: 0 → 1" in result.summary()
    timed_out = record(tmp_path, "late", "", status="timed_out", exit_code=None)
    assert compare_facts(old, timed_out)[1].describe() == "exit status: removed (was 0)"


def test_arguments_and_the_args_mode_are_compared(tmp_path: Path) -> None:
    old = record(tmp_path, "old", "", kwargs={"a": "1", "gone": "x", "same": "s"})
    new = record(tmp_path, "new", "", kwargs={"a": "2", "new": "y" * 200, "same": "s"}, args_mode="argv")
    facts = compare_runs(old, new).facts
    assert [fact.describe() for fact in facts] == [
        "args mode: stdin → argv",
        "argument a: 1 → 2",
        "argument gone: removed (was x)",
        "argument new: added (" + "y" * 59 + "…)",
    ]
    assert "arguments: 4 changed · inputs: the same" in compare_runs(old, new).summary()


def test_inputs_are_compared_by_name_and_hash(tmp_path: Path) -> None:
    def staged(name: str, digest: str, size: int = 3) -> dict:
        return {"name": name, "size": size, "sha256": digest * 64}

    old = record(tmp_path, "old", "", inputs=[staged("a.csv", "a"), staged("b.csv", "b"), staged("gone.txt", "c")])
    new = record(tmp_path, "new", "", inputs=[staged("a.csv", "a"), staged("b.csv", "d"), staged("new.txt", "e", 2048)])
    facts = compare_runs(old, new).facts
    assert [fact.describe() for fact in facts] == [
        "input b.csv: 3 B, sha256 bbbbbbbbbbbb → 3 B, sha256 dddddddddddd",
        "input gone.txt: removed (was 3 B, sha256 cccccccccccc)",
        "input new.txt: added (2 KiB, sha256 eeeeeeeeeeee)",
    ]


def test_the_node_verdict_is_compared_when_the_records_have_one(tmp_path: Path) -> None:
    from types import SimpleNamespace

    def with_node(run: RunRecord, verdict: str, *codes: str) -> SimpleNamespace:
        findings = [SimpleNamespace(code=code, severity=verdict, message="m") for code in codes]
        return SimpleNamespace(**{**dict(run), "node": SimpleNamespace(verdict=verdict, findings=findings)})

    old, new = record(tmp_path, "old", ""), record(tmp_path, "new", "")
    assert compare_facts(with_node(old, "ok"), with_node(new, "ok")) == []
    assert compare_facts(with_node(old, "ok"), with_node(new, "hang", "pipe_blocks")) == [
        FactChange("Node verdict", "ok", "hang: pipe_blocks")
    ]
    assert compare_facts(old, with_node(new, "fail", "undecodable_output", "output_folder")) == [
        FactChange("Node verdict", None, "fail: output_folder, undecodable_output")
    ]
    assert compare_facts(old, new) == []


def test_untrusted_names_and_values_are_made_printable(tmp_path: Path) -> None:
    old = record(tmp_path, "old", "", kwargs={"k": "plain"})
    new = record(tmp_path, "new", "", kwargs={"k": "\x1b[31mred\x07"})
    line = compare_runs(old, new).facts[0].describe()
    assert "\x1b" not in line and "\x07" not in line and line.startswith("argument k: plain → ")
