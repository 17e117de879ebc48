"""Odd input gives a clear message or a note, never a traceback: deep trees, long names, loops, caps."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import cli_env, own_lines
from workbench.appdir import AppFolder
from workbench.presets import PresetError, load_presets

DEPTH = 1100
"""Deeper than Python's default recursion limit (1000)."""

APP = "import os\nprint('ran')\nprint(sorted(os.listdir('input')))\n"


def workbench(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=timeout,
    )


_DEEP_ROOTS: list[Path] = []


@pytest.fixture(autouse=True)
def _remove_deep_trees():
    """Remove the deep trees a test made: pytest's own clean-up of old temporary
    folders (shutil.rmtree) recurses once a level and would fail on them later."""
    yield
    from workbench.fsutil import remove_tree

    while _DEEP_ROOTS:
        remove_tree(_DEEP_ROOTS.pop())


def deep_tree(root: Path, depth: int = DEPTH) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _DEEP_ROOTS.append(root)
    path = root
    for _ in range(depth):  # level by level: mkdir(parents=True) itself recurses once a level
        path = path / "d"
        path.mkdir()
    (path / "leaf.txt").write_text("leaf")
    return path


def assert_no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr[-2000:]


def test_a_tree_deeper_than_the_recursion_limit_in_the_app_folder(make_app) -> None:
    from workbench.appcache import app_cache_dir

    app = make_app(APP)
    deep_tree(app)
    _DEEP_ROOTS.append(app_cache_dir(AppFolder.open(app)))  # the staged copies of the deep App
    run = workbench("run", app)
    assert_no_traceback(run)
    assert run.returncode == 0
    preview = workbench("preview", app)
    assert_no_traceback(preview)
    assert preview.returncode == 0
    assert len(AppFolder.open(app).files()) == 2


def test_a_tree_deeper_than_the_recursion_limit_as_an_input(make_app, tmp_path: Path) -> None:
    app = make_app(APP)
    deep_tree(tmp_path / "data")
    record_path = tmp_path / "record.json"
    run = workbench("run", app, "-i", tmp_path / "data", "--record", record_path)
    assert_no_traceback(run)
    assert run.returncode == 0
    (staged,) = json.loads(record_path.read_text())["inputs"]
    assert staged["name"] == "data/" + "d/" * DEPTH + "leaf.txt"


def test_the_inputs_pane_sizes_a_deep_folder(tmp_path: Path) -> None:
    from workbench.ui.inputs_pane import path_size

    deep_tree(tmp_path / "data")
    assert path_size(tmp_path / "data") == "4 B (folder)"


def test_an_app_folder_with_a_240_byte_name_runs(make_app, tmp_path: Path) -> None:
    app = make_app(APP, name="a" * 240)
    record_path = tmp_path / "record.json"
    run = workbench("run", app, "--record", record_path)
    assert_no_traceback(run)
    assert run.returncode == 0, run.stderr
    assert json.loads(record_path.read_text())["status"] == "succeeded"


def test_a_symlink_loop_in_an_input_folder_is_skipped_with_a_note(make_app, tmp_path: Path) -> None:
    app = make_app(APP)
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "sub" / "file.txt").write_text("x")
    os.symlink("self", data / "self")  # a link to itself
    os.symlink("b", data / "a")
    os.symlink("a", data / "b")  # two links to each other
    os.symlink("..", data / "sub" / "up")  # a folder loop
    record_path = tmp_path / "record.json"
    run = workbench("run", app, "-i", data, "--record", record_path)
    assert_no_traceback(run)
    assert run.returncode == 0
    notes = own_lines(run.stderr.encode())
    for name in ("data/self", "data/a", "data/b"):
        assert any(f"input {name}: a symlink that loops; skipped" in line for line in notes), notes
    assert [item["name"] for item in json.loads(record_path.read_text())["inputs"]] == ["data/sub/file.txt"]


@pytest.mark.parametrize("how", ["read-only", "state-is-a-file"])
def test_workbench_test_refuses_an_app_whose_runs_cannot_be_kept_like_run(make_app, tmp_path: Path, how: str) -> None:
    if how == "read-only" and os.geteuid() == 0:
        pytest.skip("root writes to read-only folders")
    app = make_app(APP, **{"presets.toml": "[preset.one]\n"})
    if how == "state-is-a-file":
        (app / ".workbench").write_text("not a folder")
    else:
        app.chmod(0o555)
    try:
        run = workbench("run", app)
        test = workbench("test", app, "--junit", tmp_path / "j.xml")
    finally:
        app.chmod(0o755)
    assert_no_traceback(test)
    assert run.returncode == test.returncode == 2
    assert own_lines(run.stderr.encode())[-1] == own_lines(test.stderr.encode())[-1]
    assert "cannot keep the run there" in run.stderr


def test_a_preset_whose_run_cannot_be_kept_fails_clearly(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    # The TUI's Presets tab and `workbench test` both go through run_preset: it never raises.
    from workbench.history import RunHistory
    from workbench.presets import run_preset

    app = make_app(APP, **{"presets.toml": "[preset.one]\n"})
    folder = AppFolder.open(app)
    preset = load_presets(app).presets["one"]

    def refuse(self, run_id):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(RunHistory, "create_run_dir", refuse)
    result = run_preset(folder, preset)
    assert not result.passed
    assert "cannot keep the run there" in result.failures[0].message


def test_junit_always_parses_with_control_characters_in_names(make_app, tmp_path: Path) -> None:
    app = make_app("import sys\nprint('\\x1b[31mred\\x00\\x07')\nsys.exit(1)\n", name="app\x07\x1b[2J\x0b")
    (app / "presets.toml").write_text('[preset.one]\ndescription = "bell \\u0007"\n')
    junit = tmp_path / "junit.xml"
    done = workbench("test", app, "--junit", junit)
    assert_no_traceback(done)
    assert done.returncode == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "app\\x07\\x1b[2J\\x0b"


def test_saving_a_preset_writes_through_a_symlink_and_keeps_the_mode(make_app, tmp_path: Path) -> None:
    from workbench.presets import Preset, save_preset

    app = make_app(APP)
    real = tmp_path / "kept" / "presets.toml"
    real.parent.mkdir()
    real.write_text("[preset.old]\n")
    real.chmod(0o600)
    (app / "presets.toml").symlink_to(real)
    save_preset(app, Preset(name="new"))
    assert (app / "presets.toml").is_symlink()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert set(load_presets(app).presets) == {"old", "new"}


def test_a_kwargs_file_is_capped(make_app, tmp_path: Path) -> None:
    app = make_app(APP)
    done = workbench("run", app, "--kwargs-file", "/dev/zero", timeout=60)
    assert done.returncode == 2
    (line,) = own_lines(done.stderr.encode())
    assert "/dev/zero: larger than 1024 KiB" in line
    big = tmp_path / "big.json"
    big.write_text(json.dumps({f"k{index}": "v" * 1000 for index in range(2000)}))
    done = workbench("run", app, "--kwargs-file", big)
    assert done.returncode == 2 and "larger than" in done.stderr


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[preset.p]\ntimeout = "5"\n', "timeout"),
        ("[preset.p]\ntimeout = true\n", "timeout"),
        ("[preset.p.expect]\nexit_status = 100000000000000000000\n", "exit_status"),
        ("[preset.p.expect]\nexit_status = 256\n", "exit_status"),
        ("[preset.p.expect]\nexit_status = -1\n", "exit_status"),
        ('[preset.p.expect]\nexit_status = "0"\n', "exit_status"),
    ],
)
def test_presets_are_validated_strictly(make_app, text: str, field: str) -> None:
    app = make_app(APP, **{"presets.toml": text})
    with pytest.raises(PresetError, match=field):
        load_presets(app)


def test_symlinks_pointing_outside_the_app_are_warned_about(make_app, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the author's secret")
    app = make_app(APP)
    (app / "data.txt").symlink_to(secret)
    (app / "inside.txt").symlink_to(app / "main.py")  # inside: fine
    run = workbench("run", app)
    assert run.returncode == 0
    assert any(f"data.txt is a symlink to {secret}, outside the App folder" in line for line in own_lines(run.stderr.encode()))
    assert not any("inside.txt" in line for line in own_lines(run.stderr.encode()))
    preview = workbench("preview", app, "--json")
    (check,) = [item for item in json.loads(preview.stdout)["checks"] if item["name"] == "outside_links"]
    assert not check["ok"] and check["items"] == [f"data.txt -> {secret}"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_two_thousand_draft_arguments_do_not_hang_the_tui(make_app) -> None:
    from workbench.ui.app import create_app
    from workbench.ui.arguments_editor import MAX_ROWS, ArgumentsEditor
    from workbench.ui.settings import UISettings

    app_dir = make_app(APP)
    (app_dir / ".workbench").mkdir()
    kwargs = {f"arg{index}": f"value {index}" for index in range(2000)}
    (app_dir / ".workbench" / "draft.json").write_text(json.dumps({"kwargs": kwargs}))
    settings = UISettings(cursor_blink=False, animate=False, show_clock=False, watch_step_ms=20, watch_debounce_ms=200)
    app = create_app(app_dir, watch=False, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:  # before, it timed out waiting for the screen
        await pilot.press("2")
        await pilot.pause()
        editor = app.screen.query_one(ArgumentsEditor)
        assert len(editor.rows()) == MAX_ROWS
        assert editor.arguments() == kwargs  # the arguments not shown are kept
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "arg0" in screen and f"and {2000 - MAX_ROWS} more arguments" in screen
