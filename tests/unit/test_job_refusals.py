"""A Job refuses, before anything runs, what would only fail confusingly later."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.appdir import AppFolder
from workbench.errors import JobError
from workbench.history import RunHistory
from workbench.job import Job, JobSpec


class _Quiet:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


def test_a_job_whose_main_py_is_gone_is_refused_saying_so(make_app) -> None:
    root: Path = make_app("print('hello')\n")
    app = AppFolder.open(root)  # opened while main.py was there, as the TUI does
    (root / "main.py").unlink()
    with pytest.raises(JobError, match=r"main\.py is gone .*python main\.py"):
        Job(app, JobSpec(), _Quiet(), history=RunHistory(root))
    assert RunHistory(root).run_ids() == []  # nothing ran, nothing recorded


def test_a_job_with_main_py_in_place_is_accepted(make_app) -> None:
    root: Path = make_app("print('hello')\n")
    Job(AppFolder.open(root), JobSpec(), _Quiet(), history=RunHistory(root))
