"""The run history of an App, kept in `.workbench/runs/` of its folder.

This module does not import pydantic: `workbench run` starts the App before it
pays for building the record models (`workbench.records`), which it only needs
once the App is running.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .appdir import RUNS_DIR, ensure_state_dir
from .fsutil import atomic_write_text, json_text, remove_tree

if TYPE_CHECKING:
    from .records import RunRecord

DEFAULT_KEEP_RUNS = 50
"""How many runs a history keeps before pruning the oldest."""

RECORD_FILE = "record.json"
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
OUTPUT_DIR = "output"


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: local time to the microsecond plus a random tag."""
    now = now or datetime.now()
    return now.strftime("%Y%m%d-%H%M%S-%f") + "-" + secrets.token_hex(4)


def record_json(record: RunRecord) -> str:
    """A run's record as JSON text; names that are not UTF-8 kept losslessly (see `fsutil.json_text`)."""
    return json_text(record.model_dump(mode="json"))


class RunHistory:
    """The runs of one App, newest first, stored under `.workbench/runs/`."""

    def __init__(self, app_root: Path, keep: int = DEFAULT_KEEP_RUNS) -> None:
        self.app_root = app_root
        self.keep = max(1, keep)

    @property
    def root(self) -> Path:
        return ensure_state_dir(self.app_root) / RUNS_DIR

    def run_dir(self, run_id: str) -> Path:
        return self.root / run_id

    def create_run_dir(self, run_id: str) -> Path:
        path = self.run_dir(run_id)
        path.mkdir(parents=True)
        return path

    def save(self, record: RunRecord) -> Path:
        path = self.run_dir(record.id) / RECORD_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, record_json(record))
        return path

    def load(self, run_id: str) -> RunRecord | None:
        """The record of one run, or None if it is missing or unreadable."""
        try:
            text = (self.run_dir(run_id) / RECORD_FILE).read_text(encoding="utf-8")
            from .records import RunRecord

            return RunRecord.model_validate(json.loads(text))
        except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
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
