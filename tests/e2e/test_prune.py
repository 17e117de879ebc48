"""Pruning the history never deletes a run that is still going, in this process or another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import cli_env, start_workbench
from workbench.history import RunHistory


def test_a_live_run_is_never_pruned_by_another_history(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    ours = RunHistory(root, keep=1)
    ours.create_run_dir("20260101-000000-000000-aaaa")  # oldest, still going
    others = RunHistory(root, keep=1)
    for run_id in ("20260101-000001-000000-bbbb", "20260101-000002-000000-cccc"):
        others.create_run_dir(run_id)
        others.release(run_id)
    assert others.is_live("20260101-000000-000000-aaaa")
    assert others.prune() == ["20260101-000001-000000-bbbb"]
    ours.release("20260101-000000-000000-aaaa")
    assert not others.is_live("20260101-000000-000000-aaaa")
    assert others.prune() == ["20260101-000000-000000-aaaa"]


def test_a_marker_left_by_a_dead_process_does_not_keep_a_run(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    history = RunHistory(root, keep=1)
    code = (
        "import os, sys; from pathlib import Path; from workbench.history import RunHistory;"
        f"RunHistory(Path({str(root)!r})).create_run_dir('20260101-000000-000000-dead'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=cli_env())
    history.create_run_dir("20260101-000001-000000-live")
    assert history.prune() == ["20260101-000000-000000-dead"]


SLOW = """
import os, sys, time
if "--quick" in sys.argv:
    sys.exit(0)
print("slow start", flush=True)
deadline = time.monotonic() + 40
while time.monotonic() < deadline and not os.path.exists({flag!r}):
    time.sleep(0.05)
print("slow done", flush=True)
"""


def test_two_runs_with_keep_1_at_once_keep_each_others_logs(make_app, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    app = make_app(SLOW.format(flag=str(flag)))
    slow_record = tmp_path / "slow.json"
    slow = start_workbench(app, "--keep", "1", "--record", slow_record)
    runs = app / ".workbench" / "runs"
    deadline = time.monotonic() + 20
    while not (runs.is_dir() and any(p.is_dir() for p in runs.iterdir())):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    flag_after = subprocess.run(  # a newer run finishes (and prunes) while the slow one goes
        [sys.executable, "-m", "workbench", "run", str(app), "--keep", "1", "-q", "--args-mode", "argv", "-k", "quick=1"],
        env={**cli_env()},
        capture_output=True,
        timeout=60,
    )
    assert flag_after.returncode == 0
    flag.write_text("go")
    slow.communicate(timeout=60)
    assert slow.returncode == 0
    record = json.loads(slow_record.read_text())
    log = Path(record["stdout_log"])
    assert log.read_text() == "slow start\nslow done\n"
    assert (log.parent / "record.json").exists()


@pytest.mark.timeout(300)  # 61 runs through `workbench test`: minutes on a loaded machine
def test_workbench_test_with_jobs_4_never_prunes_the_slow_preset(make_app, tmp_path: Path) -> None:
    """The slow preset stays live until every quick run has ended (and pruned past the keep
    of 50): it waits on that, not on a clock, so a loaded machine only makes the test slower."""
    runs = tmp_path / "app" / ".workbench" / "runs"
    quick = tmp_path / "quick"
    quick.mkdir()
    slow = f"""
import os, sys, time, json, uuid
args = json.loads(sys.stdin.read())

def live_runs():
    count = 0
    for entry in os.scandir({str(runs)!r}):
        if os.path.exists(os.path.join(entry.path, ".live")):
            count += 1
    return count

if args.get("slow"):
    print("slow start", flush=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if len(os.listdir({str(quick)!r})) >= 60 and live_runs() <= 1:
            print("slow done", flush=True)  # every quick run has ended: only this one is live
            break
        time.sleep(0.05)
else:
    open(os.path.join({str(quick)!r}, uuid.uuid4().hex), "w").close()
    print("quick")
"""
    presets = '[preset.aa-slow]\nkwargs = { slow = "1" }\n'
    presets += '[preset.aa-slow.expect]\nstdout_contains = ["slow start", "slow done"]\n'
    presets += "".join(
        f'\n[preset.q{index:02d}]\n[preset.q{index:02d}.expect]\nstdout_contains = ["quick"]\n' for index in range(60)
    )
    app = make_app(slow, **{"presets.toml": presets})
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "test", str(app), "--jobs", "4"],
        capture_output=True,
        env=cli_env(),
        timeout=280,
    )
    out = done.stdout.decode()
    assert "PASS aa-slow" in out, out + done.stderr.decode()
    assert done.returncode == 0
    assert out.splitlines()[-1] == "61 passed, 0 failed"
    assert len([entry for entry in os.scandir(runs) if entry.is_dir()]) <= 51
