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
