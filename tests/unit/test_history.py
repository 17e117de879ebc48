"""The run history's ids, folders and defaults, as the README documents them."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from workbench.history import DEFAULT_KEEP_RUNS, RunHistory, new_run_id


def test_a_run_id_is_the_local_time_to_the_microsecond_and_32_random_bits() -> None:
    before = datetime.now().strftime("%Y%m%d-%H%M")
    run_id = new_run_id()
    assert re.fullmatch(r"\d{8}-\d{6}-\d{6}-[0-9a-f]{8}", run_id), run_id
    assert run_id[:13] >= before
    assert new_run_id(datetime(2026, 1, 2, 3, 4, 5, 6)).startswith("20260102-030405-000006-")


def test_the_history_keeps_50_runs_unless_told_otherwise(tmp_path: Path) -> None:
    assert DEFAULT_KEEP_RUNS == 50  # the README's `--keep N (default 50)`
    assert RunHistory(tmp_path).keep == 50
    assert RunHistory(tmp_path, keep=3).keep == 3


def test_a_run_folder_is_made_once_and_never_reused(tmp_path: Path) -> None:
    history = RunHistory(tmp_path)
    path = history.create_run_dir("20260101-000000-000000-abcd1234")
    assert path == tmp_path / ".workbench" / "runs" / "20260101-000000-000000-abcd1234" and path.is_dir()
    with pytest.raises(FileExistsError):
        history.create_run_dir("20260101-000000-000000-abcd1234")


def test_pruning_goes_on_past_a_protected_run(tmp_path: Path) -> None:
    from datetime import timedelta

    from workbench.history import RECORD_FILE

    history = RunHistory(tmp_path, keep=1)
    start = datetime(2026, 1, 1, 9, 0, 0)
    ids = [new_run_id(start + timedelta(minutes=i)) for i in range(4)]  # oldest first
    for run_id in ids:
        history.create_run_dir(run_id)
        (history.run_dir(run_id) / RECORD_FILE).write_text("{}")
        history.release(run_id)  # the run has ended: no longer live, so it may be pruned
    # The second newest is protected (the run going); the two older than it are still pruned.
    assert history.prune(protect=frozenset({ids[2]})) == [ids[1], ids[0]]
    assert history.run_ids() == [ids[3], ids[2]]


def test_the_history_keeps_2_gib_unless_told_otherwise(tmp_path: Path, monkeypatch) -> None:
    from workbench.history import KEEP_BYTES_VARIABLE

    monkeypatch.delenv(KEEP_BYTES_VARIABLE, raising=False)
    assert RunHistory(tmp_path).keep_bytes == 2 * 1024**3  # the README's "at most 2 GiB"
    monkeypatch.setenv(KEEP_BYTES_VARIABLE, "500M")
    assert RunHistory(tmp_path).keep_bytes == 500 * 1024**2
    monkeypatch.setenv(KEEP_BYTES_VARIABLE, "lots")  # not a size: the default
    assert RunHistory(tmp_path).keep_bytes == 2 * 1024**3
    assert RunHistory(tmp_path, keep_bytes=1000).keep_bytes == 1000
    assert RunHistory(tmp_path, keep_bytes=-5).keep_bytes == 0
