"""Run records (JSON round trip) and the run history: atomic writes, pruning, unreadable records."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from workbench import fsutil
from workbench.fsutil import atomic_write_text
from workbench.history import DEFAULT_KEEP_RUNS, RECORD_FILE, RunHistory, new_run_id
from workbench.kwargs import ArgsMode
from workbench.records import OutputRecord, RunRecord, StagedInputRecord
from workbench.runindex import OUTPUTS_FILE, SUMMARY_FILE
from workbench.status import RunStatus

START = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)


def make_record(run_id: str, **changes) -> RunRecord:
    fields = dict(
        id=run_id,
        app_path="/apps/demo",
        started_at=START,
        ended_at=START + timedelta(seconds=1.5),
        duration_seconds=1.5,
        status=RunStatus.SUCCEEDED,
        exit_code=0,
        args_mode=ArgsMode.STDIN,
        kwargs={"message_string": "Hello InfraX!", "ü": "€"},
        inputs=[StagedInputRecord(name="a b/é.txt", size=3, sha256="0" * 64)],
        outputs=[
            OutputRecord(path="result.txt", size=10, sha256="1" * 64),
            OutputRecord(path="link", size=11, sha256=None, is_symlink=True, link_target="/etc/passwd"),
        ],
        output_dir=f"/apps/demo/.workbench/runs/{run_id}/output",
        stdout_log="/x/stdout.log",
        stderr_log="/x/stderr.log",
        stdout_lines=2,
        stderr_lines=0,
        interpreter="/usr/bin/python3",
        app_hash="f" * 64,
        peak_memory_bytes=12_345_678,
    )
    fields.update(changes)
    return RunRecord(**fields)


def test_json_round_trip() -> None:
    record = make_record("r1")
    again = RunRecord.model_validate_json(record.model_dump_json())
    assert again == record
    assert again.started_at == START and again.started_at.tzinfo is not None
    assert again.outputs[1].is_symlink and again.outputs[1].sha256 is None
    data = json.loads(record.model_dump_json())
    assert data["status"] == "succeeded" and data["args_mode"] == "stdin"


def test_every_status_round_trips() -> None:
    for status in RunStatus:
        record = make_record("r", status=status, exit_code=None if status is RunStatus.ERROR else 1)
        assert RunRecord.model_validate_json(record.model_dump_json()).status is status
    assert {s.value for s in RunStatus} == {"succeeded", "failed", "timed_out", "cancelled", "error"}


def test_unknown_fields_are_refused() -> None:
    data = json.loads(make_record("r").model_dump_json())
    data["surprise"] = 1
    with pytest.raises(ValidationError):
        RunRecord.model_validate(data)


def test_run_ids_sort_by_time_and_are_unique() -> None:
    early = new_run_id(datetime(2026, 1, 1, 9, 0, 0, 1))
    late = new_run_id(datetime(2026, 1, 1, 10, 0, 0, 0))
    assert early < late
    assert len({new_run_id(START) for _ in range(50)}) == 50


def test_history_save_and_load(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    record = make_record("20260101-000000-000000-aaaa")
    path = history.save(record)
    assert path == tmp_path / ".workbench" / "runs" / record.id / RECORD_FILE
    assert (tmp_path / ".workbench" / ".gitignore").read_text() == "*\n"
    assert history.load(record.id) == record
    assert history.latest() == record
    assert history.load("missing") is None


def test_saved_record_is_readable_by_others(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    path = history.save(make_record("r"))
    # Like any file the author's tools write: not private to the workbench's temporary-file mode.
    assert os.stat(path).st_mode & 0o044 == 0o044


def test_unreadable_records_are_skipped(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    ids = [f"20260101-00000{i}-000000-aaaa" for i in range(4)]
    for run_id in ids:
        history.save(make_record(run_id))
    (history.run_dir(ids[3]) / RECORD_FILE).write_text('{"id": "trunc')  # a torn write
    (history.run_dir(ids[2]) / RECORD_FILE).write_text('{"id": "x"}')  # not a record
    (history.run_dir(ids[1]) / RECORD_FILE).unlink()  # a run that never finished
    (history.root / "stray-file").write_text("not a run folder")
    assert history.run_ids() == list(reversed(ids))
    assert [r.id for r in history.records()] == [ids[0]]
    assert history.latest().id == ids[0]


def test_records_newest_first_with_limit(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    ids = [new_run_id(START + timedelta(minutes=i)) for i in range(5)]
    for run_id in ids:
        history.save(make_record(run_id))
    assert [r.id for r in history.records()] == list(reversed(ids))
    assert [r.id for r in history.records(limit=2)] == [ids[4], ids[3]]


def test_empty_history(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "app")
    (tmp_path / "app").mkdir()
    assert history.records() == [] and history.latest() is None and history.prune() == []


def test_prune_keeps_the_newest_n(tmp_path: Path) -> None:
    history = RunHistory(tmp_path, keep=3)
    ids = [new_run_id(START + timedelta(minutes=i)) for i in range(6)]
    for run_id in ids:
        history.save(make_record(run_id))
        (history.run_dir(run_id) / "stdout.log").write_text("log")
    removed = history.prune()
    assert sorted(removed) == ids[:3]
    assert history.run_ids() == list(reversed(ids[3:]))
    for run_id in ids[:3]:
        assert not history.run_dir(run_id).exists()


def test_prune_protects_the_current_run(tmp_path: Path) -> None:
    history = RunHistory(tmp_path, keep=1)
    ids = [new_run_id(START + timedelta(minutes=i)) for i in range(3)]
    for run_id in ids:
        history.save(make_record(run_id))
    history.prune(protect=frozenset({ids[0]}))
    assert set(history.run_ids()) == {ids[2], ids[0]}


def test_prune_removes_read_only_leftovers(tmp_path: Path) -> None:
    history = RunHistory(tmp_path, keep=1)
    ids = [new_run_id(START + timedelta(minutes=i)) for i in range(2)]
    for run_id in ids:
        history.save(make_record(run_id))
    kept_output = history.run_dir(ids[0]) / "output" / "sub"
    kept_output.mkdir(parents=True)
    (kept_output / "f").write_text("x")
    kept_output.chmod(0o500)
    assert history.prune() == [ids[0]]
    assert not history.run_dir(ids[0]).exists()


def test_keep_is_at_least_one(tmp_path: Path) -> None:
    assert RunHistory(tmp_path, keep=0).keep == 1
    assert RunHistory(tmp_path).keep == DEFAULT_KEEP_RUNS


class TestAtomicWrite:
    def test_replaces_contents(self, tmp_path: Path) -> None:
        path = tmp_path / "f.json"
        atomic_write_text(path, "one")
        atomic_write_text(path, "two é")
        assert path.read_text(encoding="utf-8") == "two é"
        assert os.listdir(tmp_path) == ["f.json"]

    def test_a_failed_write_leaves_the_old_file_and_no_debris(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "f.json"
        atomic_write_text(path, "old")

        def crash(*_args):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(fsutil.os, "fsync", crash)
        with pytest.raises(OSError):
            atomic_write_text(path, "new" * 1000)
        assert path.read_text() == "old"
        assert os.listdir(tmp_path) == ["f.json"]

    def test_history_survives_a_crash_mid_save(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        history = RunHistory(tmp_path)
        record = make_record("r1")
        history.save(record)

        def crash(*_args):
            raise KeyboardInterrupt

        monkeypatch.setattr(fsutil.os, "replace", crash)
        with pytest.raises(KeyboardInterrupt):
            history.save(make_record("r1", status=RunStatus.FAILED))
        monkeypatch.undo()
        assert history.load("r1") == record
        assert sorted(os.listdir(history.run_dir("r1"))) == sorted([RECORD_FILE, OUTPUTS_FILE, SUMMARY_FILE])


def test_environment_facts_and_their_record_have_the_same_fields() -> None:
    """The start path fills a plain dataclass (no pydantic before the App runs); the record copies it field by field."""
    import dataclasses

    from workbench.environment import EnvironmentFacts
    from workbench.records import EnvironmentRecord

    facts = {field.name: field.default for field in dataclasses.fields(EnvironmentFacts)}
    record = {name: field.default for name, field in EnvironmentRecord.model_fields.items()}
    assert facts == record
