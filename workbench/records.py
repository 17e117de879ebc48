"""Run records and the run history kept in `.workbench/runs/` of an App folder."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .appdir import ensure_state_dir
from .fsutil import atomic_write_text, remove_tree
from .kwargs import ArgsMode

DEFAULT_KEEP_RUNS = 50
"""How many runs a history keeps before pruning the oldest."""

RECORD_FILE = "record.json"
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
OUTPUT_DIR = "output"


class RunStatus(StrEnum):
    SUCCEEDED = "succeeded"
    """The App exited with status 0."""
    FAILED = "failed"
    """The App exited with another status, or was killed by a signal it was not sent by us."""
    TIMED_OUT = "timed_out"
    """The run's timeout ended it."""
    CANCELLED = "cancelled"
    """The author (Ctrl-C, the cancel key, a restart on save) ended it."""
    ERROR = "error"
    """The App could not be started (an environment failed to build, staging failed)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StagedInputRecord(_Record):
    """One file placed in the run's `input/`."""

    name: str
    """Path relative to `input/`."""
    size: int
    sha256: str


class OutputRecord(_Record):
    """One entry the App left in `output/`."""

    path: str
    """Path relative to `output/`, with forward slashes."""
    size: int
    """Bytes of the file; for a symlink, the length of its target."""
    sha256: str | None
    """Of the file's contents; None for a symlink, which is never followed."""
    is_symlink: bool = False
    link_target: str | None = None
    """Where a symlink points, as written by the App."""


class EnvironmentRecord(_Record):
    """How the run's Python environment was provided (see `workbench.envs`)."""

    path: str | None = None
    """The environment's folder; None when the workbench's interpreter was used."""
    requirements_sha256: str | None = None
    """Hash of the requirements.txt the environment was built from."""
    reused: bool = False
    """True when an existing environment was reused without installing."""
    seconds: float = 0.0
    """Time spent checking, creating or installing the environment."""
    installer: str | None = None
    """`uv` or `pip`, when something was installed."""
    log: str | None = None
    """Path of the installer's full log, when something was installed."""
    python_version: str | None = None
    """The version of the Python the environment was made from (`3.11.7`)."""
    skipped: bool = False
    """True when the App has requirements but ran without them (`--no-install`)."""


class RunRecord(_Record):
    """Everything known about one run of an App."""

    id: str
    app_path: str
    started_at: datetime
    ended_at: datetime | None = None
    duration_seconds: float | None = None
    """Wall-clock time from the App's start to its end, as the Node records it."""
    status: RunStatus
    exit_code: int | None = None
    """The App's exit status; negative when a signal ended it."""
    message: str | None = None
    """Why the run ended as it did, in one line (a timeout, an environment failure)."""
    args_mode: ArgsMode
    kwargs: dict[str, str]
    inputs: list[StagedInputRecord] = []
    outputs: list[OutputRecord] = []
    output_dir: str
    """Absolute path of the kept copy of the run's `output/`."""
    stdout_log: str
    stderr_log: str
    stdout_lines: int = 0
    stderr_lines: int = 0
    interpreter: str
    """The Python that ran `main.py`."""
    environment: EnvironmentRecord | None = None
    app_hash: str
    """`AppFolder.content_hash()` of the App's files when the run started."""
    peak_memory_bytes: int | None = None
    """Peak resident memory of the App's process tree (see `workbench.memory`)."""
    trigger: str | None = None
    """Why the run started: `manual`, `preset NAME`, `saved main.py`, ..."""
    preset: str | None = None


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: local time to the microsecond plus a random tag."""
    now = now or datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-%f") + "-" + secrets.token_hex(2)


class RunHistory:
    """The runs of one App, newest first, stored under `.workbench/runs/`."""

    def __init__(self, app_root: Path, keep: int = DEFAULT_KEEP_RUNS) -> None:
        self.app_root = app_root
        self.keep = max(1, keep)

    @property
    def root(self) -> Path:
        return ensure_state_dir(self.app_root) / "runs"

    def run_dir(self, run_id: str) -> Path:
        return self.root / run_id

    def create_run_dir(self, run_id: str) -> Path:
        path = self.run_dir(run_id)
        path.mkdir(parents=True)
        return path

    def save(self, record: RunRecord) -> Path:
        path = self.run_dir(record.id) / RECORD_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, record.model_dump_json(indent=2))
        return path

    def load(self, run_id: str) -> RunRecord | None:
        """The record of one run, or None if it is missing or unreadable."""
        try:
            text = (self.run_dir(run_id) / RECORD_FILE).read_text(encoding="utf-8")
            return RunRecord.model_validate_json(text)
        except (OSError, ValidationError, ValueError):
            return None

    def run_ids(self) -> list[str]:
        """Ids of the stored runs, newest first."""
        try:
            names = [entry.name for entry in os.scandir(self.root) if entry.is_dir()]
        except OSError:
            return []
        return sorted(names, reverse=True)

    def records(self, limit: int | None = None) -> list[RunRecord]:
        """Readable records, newest first; unreadable ones are skipped."""
        found = []
        for run_id in self.run_ids():
            record = self.load(run_id)
            if record is not None:
                found.append(record)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def latest(self) -> RunRecord | None:
        found = self.records(limit=1)
        return found[0] if found else None

    def prune(self, protect: frozenset[str] = frozenset()) -> list[str]:
        """Delete all but the newest `keep` runs; return the ids deleted."""
        removed = []
        for run_id in self.run_ids()[self.keep :]:
            if run_id in protect:
                continue
            remove_tree(self.run_dir(run_id))
            removed.append(run_id)
        return removed
