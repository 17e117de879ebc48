"""Untrusted names and output never drive the terminal: `workbench.display.safe_text` and every view using it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import cli_env
from workbench.display import safe_text

# OSC 52 (writes the clipboard), a title change, a screen clear (7-bit and C1), a
# right-to-left override, a bell, and Rich markup: everything a name could try.
HOSTILE = "clip\x1b]52;c;aGk=\x07\x1b]0;pwned\x1b\\\x1b[2J\u009b2J\u202eevil[red]marked[reverse]X.py"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def assert_inert(text: str, where: str) -> None:
    found = UNSAFE.findall(text)
    assert not found, f"{where}: {found!r} reached the terminal"


def test_a_name_is_shown_on_one_line_with_every_control_visible() -> None:
    shown = safe_text(HOSTILE)
    assert_inert(shown, "safe_text")
    assert "\n" not in safe_text("a\nb") and safe_text("a\nb") == "a\\nb"
    assert shown.startswith("clip\\x1b]52;c;aGk=\\x07")
    assert "\\u202eevil[red]marked[reverse]X.py" in shown
    assert safe_text("plain name.txt") == "plain name.txt"
    assert safe_text(b"bad\xff.txt") == "bad\\xff.txt"
    assert safe_text("bad\udcff.txt") == "bad\\xff.txt"  # a name kept with surrogateescape


def test_a_block_of_output_keeps_lines_and_drops_sequences() -> None:
    assert safe_text("\x1b[31mred\x1b[0m\tok\r\nnext\x1b]0;t\x07!", block=True) == "red\tok\nnext!"
    assert safe_text("c1 csi \x9b2J and osc \x9d0;t\x9c.", block=True) == "c1 csi  and osc ."
    assert_inert(safe_text(HOSTILE, block=True), "block")


def test_an_edited_field_keeps_its_length() -> None:
    shown = safe_text(HOSTILE, same_length=True)
    assert len(shown) == len(HOSTILE)
    assert_inert(shown, "same_length")
    assert shown.startswith("clip␛]52")


# --------------------------------------------------------------------------- every view

HOSTILE_APP = f"""
import os, sys
print({HOSTILE!r})
print({HOSTILE!r}, file=sys.stderr)
os.makedirs("output", exist_ok=True)
open(os.path.join("output", {HOSTILE!r}), "w").write("x")
sys.exit(3)
"""


@pytest.fixture
def hostile_app(make_app, tmp_path: Path) -> Path:
    root = make_app(HOSTILE_APP)
    (root / HOSTILE).write_text("print('a module with a hostile name')\n")
    staged = tmp_path / "inputs" / HOSTILE
    staged.parent.mkdir()
    staged.write_text("data")
    description = json.dumps(HOSTILE)  # a TOML basic string is a JSON string
    (root / "presets.toml").write_text(
        f"[preset.hostile]\ndescription = {description}\nkwargs = {{ note = {description} }}\n"
    )
    (root / ".workbench").mkdir()
    (root / ".workbench" / "draft.json").write_text(
        json.dumps({"kwargs": {"note": HOSTILE}, "inputs": [str(staged)], "args_mode": "stdin"})
    )
    return root


def run_command(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)], capture_output=True, env=cli_env(), timeout=60
    )


def test_headless_text_outputs_show_hostile_names_inertly(hostile_app: Path, tmp_path: Path) -> None:
    staged = tmp_path / "inputs" / HOSTILE
    run = run_command("run", hostile_app, "-i", staged, "-k", f"note={HOSTILE}", "--record", tmp_path / "r.json")
    assert run.returncode == 3
    # stdout and stderr carry the App's own bytes unchanged; the workbench's own lines are safe.
    assert HOSTILE.encode() in run.stdout
    own = [line for line in run.stderr.decode("utf-8", "surrogateescape").splitlines() if line.startswith("workbench:")]
    assert own
    for line in own:
        assert_inert(line, "workbench run")
    record = json.loads((tmp_path / "r.json").read_text())
    assert record["outputs"][0]["path"] == HOSTILE  # JSON stays exact
    assert record["inputs"][0]["name"] == HOSTILE

    preview = run_command("preview", hostile_app)
    assert preview.returncode == 0
    assert_inert(preview.stdout.decode(), "workbench preview")
    assert_inert(preview.stderr.decode(), "workbench preview (stderr)")

    junit = tmp_path / "junit.xml"
    test = run_command("test", hostile_app, "--junit", junit)
    assert test.returncode == 1
    report = test.stdout.decode()
    assert "FAIL hostile" in report
    assert "\\x1b]52" in report  # the tail of stderr is shown, visibly
    assert_inert(report, "workbench test")
    assert_inert(test.stderr.decode(), "workbench test (stderr)")


SIZE = (120, 40)


async def _screens(app_dir: Path) -> dict[str, str]:
    from workbench.ui.app import create_app
    from workbench.ui.settings import UISettings

    settings = UISettings(cursor_blink=False, animate=False, show_clock=False, watch_step_ms=20, watch_debounce_ms=200)
    app = create_app(app_dir, watch=False, settings=settings)
    shots: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key, tab in [("1", "app"), ("2", "arguments"), ("3", "inputs")]:
            await pilot.press(key)
            await pilot.pause(0.1)
            shots[tab] = app.export_screenshot()
        await pilot.press("4", "f5")
        deadline = time.monotonic() + 30
        while app.screen.run_pane.running or app.screen.run_pane.last_record is None:  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, "the run never ended"
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        shots["run"] = app.export_screenshot()
        for key, tab in [("5", "outputs"), ("6", "history"), ("7", "presets")]:
            await pilot.press(key)
            await pilot.pause(0.2)
            shots[tab] = app.export_screenshot()
        await pilot.press("A")
        deadline = time.monotonic() + 30
        while app.screen.query_one("PresetsView").running:
            assert time.monotonic() < deadline, "the presets never ended"
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        shots["presets after run"] = app.export_screenshot()
    return shots


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_every_tui_view_shows_hostile_names_inertly(hostile_app: Path) -> None:
    shots = await _screens(hostile_app)
    for tab, svg in shots.items():
        assert_inert(svg, f"the {tab} tab")
    # Markup in a file name is shown as written, never interpreted.
    assert "[red]marked[reverse]X.py" in shots["app"].replace("&#160;", " ")
