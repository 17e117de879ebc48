"""Run ids are ordered by UTC time, never local time: runs under two time zones sort as they happened."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cli_helpers import cli_env
from workbench.history import RunHistory, new_run_id

APP = "import json, sys\nprint(json.loads(sys.stdin.read())['n'])\n"


def run_in_zone(app: Path, zone: str, n: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "run", str(app), "-k", f"n={n}", "--keep", "1", "-q"],
        env={**cli_env(), "TZ": zone},
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()


def test_runs_under_two_time_zones_sort_as_they_happened(make_app) -> None:
    app = make_app(APP)
    run_in_zone(app, "Pacific/Kiritimati", "first")  # UTC+14
    time.sleep(0.01)
    run_in_zone(app, "Pacific/Pago_Pago", "second")  # UTC-11: its local time is a day earlier
    history = RunHistory(app)
    (kept,) = history.run_ids()  # --keep 1 kept the newer run
    record = history.load(kept)
    assert record is not None and record.kwargs == {"n": "second"}


def test_ids_follow_utc_time_and_stay_sortable() -> None:
    utc = datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)
    fall_back = timezone(timedelta(hours=-7))  # the same instant seen from a zone behind
    assert new_run_id(utc)[:22] == new_run_id(utc.astimezone(fall_back))[:22] == "20261101-083000-000000"
    ids = [new_run_id(utc + timedelta(microseconds=step)) for step in (0, 1, 10, 1_000_000)]
    assert sorted(ids) == ids
    assert json.dumps(ids)  # plain text
