"""Names that are not UTF-8 (Linux file names are bytes) never lose a run; arguments must be text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import cli_env, own_lines
from workbench.history import RunHistory

BAD_OUTPUT_APP = """
import os, sys
os.makedirs("output", exist_ok=True)
open(b"output/bad\\xff.txt", "wb").write(b"data")
print(sorted(os.listdir(b"input")))
"""


def workbench(*args: object, **kwargs) -> subprocess.CompletedProcess[bytes]:
    words = [os.fsencode(arg) if isinstance(arg, Path) else arg for arg in args]
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"workbench", *[w if isinstance(w, bytes) else str(w).encode() for w in words]],
        capture_output=True,
        env=cli_env(),
        timeout=60,
        **kwargs,
    )


@pytest.fixture
def bad_app(tmp_path: Path) -> Path:
    # The App's own folder name is not UTF-8 either.
    root = Path(os.fsdecode(os.fsencode(tmp_path) + b"/app\xff"))
    root.mkdir()
    (root / "main.py").write_text(BAD_OUTPUT_APP)
    return root


def test_a_run_with_names_that_are_not_utf8_is_recorded_losslessly(bad_app: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (Path(os.fsdecode(os.fsencode(inputs) + b"/in\xfe.txt"))).write_text("x")
    record_path = tmp_path / "record.json"
    done = workbench(b"run", bad_app, b"-i", inputs, b"--record", record_path)
    assert done.returncode == 0, done.stderr
    text = record_path.read_text(encoding="utf-8")  # valid UTF-8 JSON
    record = json.loads(text)
    output = record["outputs"][0]
    assert os.fsencode(output["path"]) == b"bad\xff.txt"  # lossless: the same bytes
    assert output["display"] == "bad\\xff.txt"
    assert os.fsencode(record["inputs"][0]["name"]) == b"inputs/in\xfe.txt"
    assert os.fsencode(record["app_path"]).endswith(b"/app\xff")
    kept = RunHistory(bad_app).latest()
    assert kept is not None and kept.outputs[0].path == "bad\udcff.txt"
    assert (Path(kept.output_dir) / kept.outputs[0].path).read_bytes() == b"data"
    for line in own_lines(done.stderr):
        assert "\udcff" not in line


@pytest.mark.parametrize("how", ["-k", "--kwargs-file"])
def test_an_argument_that_is_not_unicode_text_is_refused_before_the_run(
    bad_app: Path, tmp_path: Path, how: str
) -> None:
    if how == "-k":
        done = workbench(b"run", bad_app, b"-k", b"note=caf\xe9")
    else:
        arguments = tmp_path / "kwargs.json"
        arguments.write_text('{"note": "\\ud800"}')
        done = workbench(b"run", bad_app, b"--kwargs-file", arguments)
    assert done.returncode == 2
    (line,) = own_lines(done.stderr)
    assert "'note'" in line and "not valid Unicode text" in line
    assert RunHistory(bad_app).run_ids() == []  # nothing ran


PRESET_APP = """
import os
os.makedirs("output", exist_ok=True)
open(b"output/bad\\xff.txt", "wb").write(b"data")
print("done")
"""


def test_workbench_test_reports_and_writes_junit_for_names_that_are_not_utf8(bad_app: Path, tmp_path: Path) -> None:
    (bad_app / "main.py").write_text(PRESET_APP)
    inputs = bad_app / "data"
    inputs.mkdir()
    (Path(os.fsdecode(os.fsencode(inputs) + b"/in\xfe.txt"))).write_text("x")
    (bad_app / "presets.toml").write_text(
        '[preset.ok]\ninputs = ["data"]\n[preset.ok.expect]\nstdout_contains = ["done"]\n\n'
        '[preset.bad]\n[preset.bad.expect]\nstdout_contains = ["never"]\noutputs_exist = ["missing.txt"]\n'
    )
    junit = tmp_path / "junit.xml"
    done = workbench(b"test", bad_app, b"--junit", junit)
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert done.returncode == 1
    assert b"PASS ok" in done.stdout and b"FAIL bad" in done.stdout
    suite = ET.parse(junit).getroot()
    assert suite.find("testsuite").get("name") == "app\\xff"


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_tui_runs_presets_and_shows_runs_with_names_that_are_not_utf8(bad_app: Path) -> None:
    import time

    from workbench.ui.app import create_app
    from workbench.ui.presets.view import PresetsView
    from workbench.ui.settings import UISettings

    (bad_app / "main.py").write_text(PRESET_APP)
    (bad_app / "presets.toml").write_text('[preset.ok]\n[preset.ok.expect]\nstdout_contains = ["done"]\n')
    settings = UISettings(cursor_blink=False, animate=False, show_clock=False, watch_step_ms=20, watch_debounce_ms=200)
    app = create_app(bad_app, watch=True, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7", "A")
        view = app.screen.query_one(PresetsView)
        deadline = time.monotonic() + 30
        await pilot.pause(0.2)
        while view.running:
            assert time.monotonic() < deadline, "the Presets tab stayed running"
            await pilot.pause(0.05)
        assert view.results["ok"].passed
        await pilot.press("6")
        await pilot.pause(0.3)
        svg = app.export_screenshot()
        assert "\udcff" not in svg
        await pilot.press("5")
        await pilot.pause(0.3)
        assert "bad\\xff.txt" in app.export_screenshot()
