"""Snapshots of the workbench's main screens at 80x24 and 120x40, with a sample App.

The App is copied to a fixed path (the App pane shows it), watch mode is off
(no watcher thread), cursors do not blink and no run has durations or times.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import REPO
from workbench.appdir import STATE_DIR
from workbench.draft import JobDraft, save_draft
from workbench.kwargs import ArgsMode
from workbench.ui.app import create_app
from workbench.ui.settings import UISettings

FIXED = Path(tempfile.gettempdir()) / "workbench-snapshots"
SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False)


@pytest.fixture
def fixed_app():
    """Copy a sample App to a fixed path (fresh each time), with an optional draft.

    The path is shared by every test session on the machine, so the fixture holds
    an exclusive lock on it for the test's length: two sessions running the
    snapshots at once take turns instead of copying over each other's App.
    """
    FIXED.mkdir(parents=True, exist_ok=True)
    lock = open(FIXED.with_name(FIXED.name + ".lock"), "w")  # noqa: SIM115 (held until the test ends)
    fcntl.flock(lock, fcntl.LOCK_EX)
    made = []

    def copy(name: str, draft: JobDraft | None = None) -> Path:
        dest = FIXED / name
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(REPO / "sample_apps" / name, dest, ignore=shutil.ignore_patterns(STATE_DIR, "__pycache__"))
        if draft is not None:
            save_draft(dest, draft)
        made.append(dest)
        return dest

    try:
        yield copy
    finally:
        for dest in made:
            shutil.rmtree(dest, ignore_errors=True)
        lock.close()


def app_for(path: Path):
    return create_app(path, watch=False, settings=SETTINGS)


@pytest.mark.parametrize("size", SIZES)
def test_run_tab_before_any_run(snap_compare, fixed_app, size) -> None:
    assert snap_compare(app_for(fixed_app("progress")), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_app_tab(snap_compare, fixed_app, size) -> None:
    assert snap_compare(app_for(fixed_app("concat")), press=["1"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_arguments_with_an_over_long_value(snap_compare, fixed_app, size) -> None:
    draft = JobDraft(kwargs={"message_string": "Hello InfraX!", "payload": "x" * 1025}, args_mode=ArgsMode.ARGV)
    assert snap_compare(app_for(fixed_app("echo", draft)), press=["2"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_inputs_with_staged_files(snap_compare, fixed_app, size) -> None:
    root = fixed_app("concat")
    examples = root / "examples"
    draft = JobDraft(inputs=[str(examples / "part1.txt"), str(examples / "part2.txt"), str(examples)])
    save_draft(root, draft)
    assert snap_compare(app_for(root), press=["3"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_a_folder_that_is_not_an_app(snap_compare, size) -> None:
    folder = FIXED / "not-an-app"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "src").mkdir(parents=True)
    (folder / "README.md").write_text("no main.py here\n")
    try:
        assert snap_compare(app_for(folder), terminal_size=size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, fixed_app, size) -> None:
    assert snap_compare(app_for(fixed_app("progress")), press=["question_mark"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_focus_in_an_argument_field(snap_compare, fixed_app, size) -> None:
    """The focused field has an accent fill; the argument list (the tab's home) its bar when focused."""
    draft = JobDraft(kwargs={"message_string": "Hello InfraX!", "count": "3"})
    assert snap_compare(app_for(fixed_app("echo", draft)), press=["2", "enter"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_focus_on_a_button(snap_compare, fixed_app, size) -> None:
    draft = JobDraft(kwargs={"message_string": "Hello InfraX!"})
    assert snap_compare(app_for(fixed_app("echo", draft)), press=["2", "enter", "tab"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_presets_tab(snap_compare, fixed_app, size) -> None:
    """Every button and column in view at 80x24, Quit in the footer, one Cancel."""
    assert snap_compare(app_for(fixed_app("concat")), press=["7"], terminal_size=size)
