"""The Run tab's panes name the author's own files, not the staged copy the App ran in."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui import SIZE, log_lines, make, screen, wait_for  # noqa: I001
from textual.widgets import Log

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_traceback_names_the_app_folder_and_the_log_keeps_the_workspace(make_app) -> None:
    root = make_app(
        "import os, sys\nimport helper\nprint('cwd ' + os.getcwd())\nhelper.fail()\n",
        **{"helper.py": "def fail():\n    raise ValueError('boom')\n"},
    )
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        pane = screen(app).run_pane
        record = pane.last_record
        assert record is not None and record.exit_code == 1
        for view in ("stderr", "combined", "job"):
            text = "\n".join(log_lines(app, view))
            assert f'File "{root}/main.py", line 4' in text, (view, text)
            assert f'File "{root}/helper.py", line 2, in fail' in text, (view, text)
            assert "slots" not in text, (view, text)
        assert f"cwd {root}" in log_lines(app, "stdout")
        # The logs on disk are the App's output as it was: the staged copy's paths.
        raw = Path(record.stderr_log).read_text(encoding="utf-8")
        assert f'File "{root}/main.py"' not in raw and "/slots/" in raw and 'main.py", line 4' in raw


async def test_a_past_runs_traceback_in_history_names_the_app_folder(make_app) -> None:
    root = make_app("import helper\nhelper.fail()\n", **{"helper.py": "def fail():\n    raise ValueError('boom')\n"})
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        record = screen(app).run_pane.last_record
        assert record is not None and "/slots/" in Path(record.stderr_log).read_text(encoding="utf-8")
        await pilot.press("6")
        log = app.screen.query_one("#history-stderr", Log)
        await wait_for(pilot, lambda: any("boom" in line for line in log.lines))
        text = "\n".join(log.lines)
        assert f'File "{root}/helper.py", line 2, in fail' in text, text
        assert "/slots/" not in text, text


def test_staged_workspace_paths_lists_the_copies_runs_had_and_creates_nothing(make_app, tmp_path: Path) -> None:
    from workbench.appdir import AppFolder
    from workbench.staging import discard_workspace, stage_workspace, staged_workspace_paths

    root = make_app("print('hi')\n")
    stage = tmp_path / "stage"
    assert staged_workspace_paths(root, stage) == []
    assert not stage.exists()
    workspace = stage_workspace(AppFolder(root), [], stage)
    try:
        assert staged_workspace_paths(root, stage) == [workspace.path]
        assert staged_workspace_paths(root / "other", stage) == []
    finally:
        discard_workspace(workspace)
