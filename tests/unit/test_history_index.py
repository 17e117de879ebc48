"""The history's index: summaries list runs without reading records; outputs are listed apart and
read in pages; the byte budget prunes the oldest finished runs and never a run still going."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from workbench.appdir import AppFolder
from workbench.history import RunHistory, new_run_id
from workbench.job import Job, JobSpec
from workbench.kwargs import ArgsMode
from workbench.progress import ProgressLine
from workbench.records import OutputRecord, RunRecord
from workbench.runindex import OUTPUTS_FILE, SUMMARY_FILE
from workbench.status import RunStatus

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


class _Quiet:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


def save_run(history: RunHistory, minutes: int, outputs: int = 0, size: int = 10, **extra) -> RunRecord:
    run_id = new_run_id(START.replace(tzinfo=None) + timedelta(minutes=minutes))
    run_dir = history.create_run_dir(run_id)
    record = RunRecord(
        id=run_id, app_path=str(history.app_root), started_at=START + timedelta(minutes=minutes),
        status=RunStatus.SUCCEEDED, exit_code=0, args_mode=ArgsMode.STDIN, kwargs=extra.pop("kwargs", {}),
        output_dir=str(run_dir / "output"), stdout_log=str(run_dir / "stdout.log"),
        stderr_log=str(run_dir / "stderr.log"), interpreter="python", app_hash="h" * 64,
        outputs=[OutputRecord(path=f"d/f{i:05}.txt", size=size, sha256="0" * 64) for i in range(outputs)],
        **extra,
    )
    history.save(record)
    history.release(run_id)  # ended: no longer live
    return record


def test_summaries_list_runs_without_reading_their_records(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    old = save_run(history, 0, outputs=3, size=7)
    new = save_run(history, 1, outputs=1000, preset="p")
    for record in (old, new):  # records no summary needs
        (history.run_dir(record.id) / "record.json").write_text("not json")
    summaries = history.summaries()
    assert [s.id for s in summaries] == [new.id, old.id]
    assert summaries[0].output_count == 1000 and summaries[0].preset == "p"
    assert summaries[1].output_count == 3 and summaries[1].output_bytes == 21
    assert summaries[1].status is RunStatus.SUCCEEDED and summaries[1].output_folders == ("d",)
    assert history.summaries(limit=1) == summaries[:1]


def test_record_file_stays_small_and_outputs_are_read_in_pages(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    record = save_run(history, 0, outputs=5000)
    run_dir = history.run_dir(record.id)
    assert (run_dir / "record.json").stat().st_size < 4000
    assert "outputs" not in json.loads((run_dir / "record.json").read_text())
    assert len((run_dir / OUTPUTS_FILE).read_text().splitlines()) == 5000
    assert history.load(record.id) == record
    light = history.load(record.id, outputs=False)
    assert light.outputs == [] and light.output_count == 5000
    page = history.outputs(record.id, start=100, count=3)
    assert [item.path for item in page] == ["d/f00100.txt", "d/f00101.txt", "d/f00102.txt"]
    assert history.latest(outputs=False).id == record.id


def test_outputs_are_read_one_by_one_in_path_order(tmp_path: Path) -> None:
    # History's view reads a highlighted run's outputs this way, and stops when another run is highlighted.
    history = RunHistory(tmp_path)
    record = save_run(history, 0, outputs=300)
    reader = history.iter_outputs(record.id)
    first = next(reader)
    assert first.path == "d/f00000.txt"
    rest = list(reader)
    assert len(rest) == 299
    assert [first, *rest] == history.outputs(record.id) == history.load(record.id).outputs


def test_a_record_from_before_summaries_gets_one(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    record = save_run(history, 0, outputs=2)
    run_dir = history.run_dir(record.id)
    # As records were written before: outputs inside, no summary, no listing.
    (run_dir / "record.json").write_text(record.model_dump_json(exclude={"output_count", "output_bytes"}))
    (run_dir / SUMMARY_FILE).unlink()
    (run_dir / OUTPUTS_FILE).unlink()
    [summary] = history.summaries()
    assert summary.id == record.id and summary.output_count == 2
    assert (run_dir / SUMMARY_FILE).exists()
    assert history.load(record.id).outputs == record.outputs


def _fill_outputs(history: RunHistory, record: RunRecord, size: int) -> None:
    out = history.run_dir(record.id) / "output" / "d"
    out.mkdir(parents=True)
    (out / "f00000.txt").write_bytes(b"x" * size)


def test_byte_budget_prunes_the_oldest_finished_runs(tmp_path: Path) -> None:
    history = RunHistory(tmp_path, keep=50, keep_bytes=25_000)
    runs = [save_run(history, minute, outputs=1, size=10_000) for minute in range(4)]
    for record in runs:  # the kept bytes are the outputs' (and the small files')
        _fill_outputs(history, record, 10_000)
    removed = history.prune()
    assert removed == [runs[1].id, runs[0].id]  # the newest two fit; the older go, oldest last in line
    assert sorted(history.run_ids()) == sorted([runs[2].id, runs[3].id])


def test_a_live_run_over_the_budget_and_the_count_is_never_pruned(tmp_path: Path) -> None:
    history = RunHistory(tmp_path, keep=1, keep_bytes=15_000)
    live_id = new_run_id(START.replace(tzinfo=None) - timedelta(minutes=5))  # the oldest of all
    live_dir = history.create_run_dir(live_id)  # going: its lock is held, it has no record yet
    (live_dir / "output").mkdir()
    (live_dir / "output" / "big.bin").write_bytes(b"x" * 50_000)
    runs = [save_run(history, minute, outputs=1, size=10_000) for minute in range(3)]
    for record in runs:
        _fill_outputs(history, record, 10_000)
    other = RunHistory(tmp_path, keep=1, keep_bytes=15_000)  # as another process sees it: only the lock says live
    removed = other.prune()
    assert sorted(removed) == sorted([runs[0].id, runs[1].id])
    assert sorted(other.run_ids()) == sorted([live_id, runs[2].id])
    history.release(live_id)  # ended: now it may go
    assert other.prune() == [live_id]


def test_the_summary_carries_the_node_verdict_for_the_last_run_check(tmp_path: Path) -> None:
    from workbench.checks.folder import check_last_run
    from workbench.records import FindingRecord, NodeRecord

    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("print(1)\n")
    folder = AppFolder.open(app)
    history = RunHistory(app)
    finding = FindingRecord(code="pipe_blocks", severity="hang", message="64 KiB on stdout")
    older = save_run(history, 0, node=NodeRecord(verdict="ok"))
    newer = save_run(history, 1, node=NodeRecord(verdict="hang", findings=[finding]))
    for record in (older, newer):  # the check reads no record
        (history.run_dir(record.id) / "record.json").write_text("not json")
    summary = history.summaries()[0]
    assert summary.node is not None and summary.node.verdict == "hang"
    assert [(item.code, item.severity, item.message) for item in summary.node.findings] == [
        ("pipe_blocks", "hang", "64 KiB on stdout")
    ]
    check = check_last_run(folder, history.iter_summaries(), "h" * 64)
    assert not check.ok and newer.id in check.detail and "pipe_blocks" in check.detail
    (history.run_dir(newer.id) / SUMMARY_FILE).unlink()  # with its record unreadable, the newer run is not listed
    check = check_last_run(folder, history.iter_summaries(), "h" * 64)
    assert check.ok and older.id in check.detail


def test_latest_stops_at_the_newest_run(tmp_path: Path, monkeypatch) -> None:
    from workbench import runindex

    history = RunHistory(tmp_path)
    runs = [save_run(history, minute, outputs=10) for minute in range(20)]
    read: list[Path] = []
    original = runindex.read_summary

    def counting(run_dir: Path, record_file: str = "record.json"):
        read.append(run_dir)
        return original(run_dir, record_file)

    monkeypatch.setattr("workbench.history.read_summary", counting)
    latest = history.latest(outputs=False)
    assert latest is not None and latest.id == runs[-1].id and latest.output_count == 10
    assert latest.outputs == []
    assert read == [history.run_dir(runs[-1].id)]


def test_outputs_over_the_budget_are_listed_but_not_all_kept(make_app) -> None:
    root = make_app(
        """
        for name in ("a.bin", "b.bin", "c.bin"):
            with open("output/" + name, "wb") as handle:
                handle.write(b"x" * 1000)
        """
    )
    app = AppFolder.open(root)
    history = RunHistory(app.root, keep_bytes=1500)
    notes: list[str] = []
    record = Job(app, JobSpec(), _Quiet(), history=history, notify=notes.append).run()
    assert record.status is RunStatus.SUCCEEDED
    assert [item.path for item in record.outputs] == ["a.bin", "b.bin", "c.bin"]
    assert record.output_bytes == 3000
    assert record.outputs_not_kept and "kept 1 files" in record.outputs_not_kept
    assert any("not all kept" in note for note in notes)
    kept = sorted(path.name for path in Path(record.output_dir).iterdir())
    assert kept == ["a.bin"]
    assert history.summaries()[0].outputs_not_kept == record.outputs_not_kept
    assert record.workbench_seconds is not None and record.workbench_seconds >= 0


def test_progress_line_waits_then_reports() -> None:
    said: list[str] = []
    quiet = ProgressLine(said.append, delay=60)
    quiet("staging", 10, 100)
    assert said == []
    eager = ProgressLine(said.append, delay=0)
    eager("hashing", 1024 * 1024, 2 * 1024 * 1024)
    eager("collecting", 5, 0)
    assert said[0].startswith("hashing: 1 MiB of 2 MiB") and said[1].startswith("collecting: 5 files")


def test_a_summary_carries_what_the_history_list_shows_and_an_older_one_is_built_again(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    record = save_run(history, 0, outputs=2, kwargs={"name": "ada", "mode": "fast"}, peak_memory_bytes=12_345)
    [summary] = history.summaries()
    assert summary.kwargs == (("name", "ada"), ("mode", "fast"))
    assert (summary.stdout_log, summary.stderr_log) == (record.stdout_log, record.stderr_log)
    assert summary.peak_memory_bytes == 12_345
    # A summary of the version before (no arguments, logs nor memory) is built again from the record, once.
    path = history.run_dir(record.id) / SUMMARY_FILE
    fields = json.loads(path.read_text())
    for name in ("kwargs", "stdout_log", "stderr_log", "peak_memory_bytes"):
        del fields[name]
    fields["version"] = 2
    path.write_text(json.dumps(fields))
    [again] = history.summaries()
    assert (again.kwargs, again.stdout_log, again.peak_memory_bytes) == (summary.kwargs, record.stdout_log, 12_345)
    assert json.loads(path.read_text())["version"] == 3
