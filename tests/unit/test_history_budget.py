"""The history's byte budget at its edges, and the defaults of reading runs back: records with their
outputs, the outputs from the first, the newest summary."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from workbench.history import RunHistory, new_run_id, record_json
from workbench.kwargs import ArgsMode
from workbench.records import OutputRecord, RunRecord
from workbench.status import RunStatus

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def save_run(history: RunHistory, minutes: int, outputs: int = 1) -> RunRecord:
    run_id = new_run_id(START.replace(tzinfo=None) + timedelta(minutes=minutes))
    run_dir = history.create_run_dir(run_id)
    record = RunRecord(
        id=run_id, app_path=str(history.app_root), started_at=START + timedelta(minutes=minutes),
        status=RunStatus.SUCCEEDED, exit_code=0, args_mode=ArgsMode.STDIN, kwargs={},
        output_dir=str(run_dir / "output"), stdout_log=str(run_dir / "stdout.log"),
        stderr_log=str(run_dir / "stderr.log"), interpreter="python", app_hash="h" * 64,
        outputs=[OutputRecord(path=f"f{i}.txt", size=1000, sha256="0" * 64) for i in range(outputs)],
    )
    (run_dir / "output").mkdir()
    for i in range(outputs):
        (run_dir / "output" / f"f{i}.txt").write_bytes(b"x" * 1000)
    history.save(record)
    history.release(run_id)
    return record


def used_bytes(history: RunHistory) -> int:
    return sum(summary.kept_bytes for summary in history.summaries())


def test_runs_that_fill_the_budget_exactly_are_all_kept(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    runs = [save_run(history, minute) for minute in range(3)]
    history.keep_bytes = used_bytes(history)
    assert history.prune() == []
    history.keep_bytes -= 1  # the control: one byte less, and the oldest goes
    assert history.prune() == [runs[0].id]


def test_a_run_still_going_neither_counts_twice_nor_stops_the_budget(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    runs = [save_run(history, minute) for minute in range(3)]
    exact = used_bytes(history)
    going = new_run_id(START.replace(tzinfo=None) + timedelta(minutes=10))  # the newest: no record yet
    history.create_run_dir(going)
    history.keep_bytes = exact
    assert history.prune() == []  # a run without a summary adds nothing it has not written
    history.keep_bytes = exact - 1
    assert history.prune() == [runs[0].id]  # older runs past it are still pruned
    history.release(going)


def test_reading_runs_back_gives_their_outputs_unless_told_not_to(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    assert history.latest_summary() is None
    old = save_run(history, 0, outputs=3)
    new = save_run(history, 1, outputs=2)
    assert [record.outputs for record in history.records()] == [new.outputs, old.outputs]
    assert [item.path for item in history.outputs(old.id)] == ["f0.txt", "f1.txt", "f2.txt"]
    assert [item.path for item in history.outputs(old.id, count=1)] == ["f0.txt"]
    assert history.latest_summary().id == new.id
    assert json.loads(record_json(new))["outputs"] == [item.model_dump(mode="json") for item in new.outputs]
    assert "outputs" not in json.loads(record_json(new, outputs=False))
