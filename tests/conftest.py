"""Fixtures shared by the whole suite."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_APPS = REPO / "sample_apps"


@pytest.fixture(autouse=True, scope="session")
def _private_stage_root(tmp_path_factory):
    """Staged copies and hash caches of the suite's Apps go to the session's temporary folder
    (the CLI tests' subprocesses inherit the variable)."""
    import os

    from workbench.appcache import STAGE_DIR_VARIABLE

    os.environ[STAGE_DIR_VARIABLE] = str(tmp_path_factory.mktemp("stage"))
    yield


@pytest.fixture(autouse=True)
def _tabs_mounted_before_a_test_drives(monkeypatch):
    """A test driving the workbench starts once every tab's view is mounted (the views of the
    tabs not shown first are mounted just after the first paint, `TabsScreen.tab_view`), as a
    person would: the first paint comes well before a first key."""
    import sys
    from contextlib import asynccontextmanager

    module = sys.modules.get("workbench.ui.app")
    if module is None:  # a test of the core: Textual is not imported for it
        yield
        return
    from workbench.ui.tab_view import TabsScreen

    original = module.WorkbenchApp.run_test

    @asynccontextmanager
    async def run_test(self, *args, **kwargs):
        async with original(self, *args, **kwargs) as pilot:
            for _ in range(500):
                screen = self.screen
                if not isinstance(screen, TabsScreen) or screen.views_mounted:
                    break
                await pilot.pause(0.01)
            yield pilot

    monkeypatch.setattr(module.WorkbenchApp, "run_test", run_test)
    yield


@pytest.fixture
def make_app(tmp_path: Path):
    """Write an App folder from a main.py source (and other files) and return its path."""

    def make(main_source: str, name: str = "app", **files: str) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True)
        (root / "main.py").write_text(textwrap.dedent(main_source))
        for rel, text in files.items():
            path = root / rel.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return make


@pytest.fixture
def sample_app(tmp_path: Path):
    """A private copy of one of the sample Apps, so runs leave the repository clean."""
    import shutil

    from workbench.appdir import STATE_DIR

    def copy(name: str) -> Path:
        dest = tmp_path / "samples" / name
        shutil.copytree(SAMPLE_APPS / name, dest, ignore=shutil.ignore_patterns(STATE_DIR, "__pycache__"))
        return dest

    return copy
