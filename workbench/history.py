"""The run history of an App, kept in `.workbench/runs/` of its folder.

This module does not import pydantic: `workbench run` starts the App before it
pays for building the record models (`workbench.records`), which it only needs
once the App is running.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .appdir import RUNS_DIR, ensure_state_dir
from .fsutil import atomic_write_text, json_text, remove_tree, size_from_environment

if TYPE_CHECKING:
    from .records import OutputRecord, RunRecord
    from .runindex import RunSummary


# `workbench.runindex` is imported on first use, once a run has ended: its models cost a
# run's start nothing (`workbench run` makes the run's folder long before it reads the index).
def read_summary(run_dir: Path, record_file: str = "record.json") -> RunSummary | None:
    from .runindex import read_summary

    return read_summary(run_dir, record_file)


def write_summary(run_dir: Path, record: RunRecord) -> RunSummary:
    from .runindex import write_summary

    return write_summary(run_dir, record)


def write_outputs(run_dir: Path, outputs: list[OutputRecord]) -> None:
    from .runindex import write_outputs

    write_outputs(run_dir, outputs)


def output_records(run_dir: Path, start: int = 0, count: int | None = None) -> list[OutputRecord]:
    from .runindex import output_records

    return output_records(run_dir, start, count)


def iter_output_records(run_dir: Path) -> Iterator[OutputRecord]:
    from .runindex import iter_output_records

    return iter_output_records(run_dir)


DEFAULT_KEEP_RUNS = 50
"""How many runs a history keeps before pruning the oldest."""
DEFAULT_KEEP_BYTES = 2 * 1024**3
"""How many bytes (logs and kept outputs) a history keeps before pruning the oldest runs.
A single run's outputs over it are kept only up to it (see `staging.keep_within_budget`)."""
KEEP_BYTES_VARIABLE = "WORKBENCH_KEEP_BYTES"
"""Sets the byte budget (`500M`, `2G`, a number of bytes) where no `keep_bytes` is given."""


def default_keep_bytes() -> int:
    return size_from_environment(KEEP_BYTES_VARIABLE, DEFAULT_KEEP_BYTES)

RECORD_FILE = "record.json"
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"
OUTPUT_DIR = "output"
LIVE_FILE = ".live"
"""In a run's folder while the run goes: the running process holds a lock on it (flock)."""
LOCK_FILE = "runs.lock"
"""In `.workbench/`, beside `runs/`: held while a run's folder is made and while the history is pruned."""


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC time to the microsecond plus a random tag.

    Never local time: runs made under two time zones, or in the hour a clock
    falls back, would sort in the wrong order (and pruning would keep the wrong ones).
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return now.strftime("%Y%m%d-%H%M%S-%f") + "-" + secrets.token_hex(4)


def record_json(record: RunRecord, *, outputs: bool = True) -> str:
    """A run's record as JSON text (the history's `record.json` leaves the outputs to
    `outputs.jsonl`, see `workbench.runindex`); names that are not UTF-8 kept losslessly
    (see `fsutil.json_text`)."""
    return json_text(record.model_dump(mode="json", exclude=None if outputs else {"outputs"}))


class RunHistory:
    """The runs of one App, newest first, stored under `.workbench/runs/`."""

    def __init__(self, app_root: Path, keep: int = DEFAULT_KEEP_RUNS, keep_bytes: int | None = None) -> None:
        self.app_root = app_root
        self.keep = max(1, keep)
        self._live: dict[str, int] = {}
        """Run id to the open descriptor holding its live lock, for the runs this history started."""
        self._live_guard = threading.Lock()
        self.keep_bytes = max(0, keep_bytes) if keep_bytes is not None else default_keep_bytes()

    @property
    def root(self) -> Path:
        return ensure_state_dir(self.app_root) / RUNS_DIR

    def run_dir(self, run_id: str) -> Path:
        return self.root / run_id

    def create_run_dir(self, run_id: str) -> Path:
        """Make a run's folder, marked live (never pruned) until `release(run_id)`."""
        path = self.run_dir(run_id)
        with self._locked():
            path.mkdir(parents=True)
            fd = os.open(path / LIVE_FILE, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, f"{os.getpid()}\n".encode())
        with self._live_guard:
            self._live[run_id] = fd
        return path

    def release(self, run_id: str) -> None:
        """The run has ended (its record saved): it is no longer live, and may be pruned."""
        with self._live_guard:
            fd = self._live.pop(run_id, None)
        if fd is None:
            return
        try:
            os.unlink(self.run_dir(run_id) / LIVE_FILE)
        except OSError:
            pass
        os.close(fd)  # releases the lock

    def is_live(self, run_id: str) -> bool:
        """Whether a run is still going, in this process or another (its live lock is held)."""
        with self._live_guard:
            if run_id in self._live:
                return True
        try:
            fd = os.open(self.run_dir(run_id) / LIVE_FILE, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        except OSError:
            return True  # cannot tell: keep it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return True
        finally:
            os.close(fd)  # a marker nobody holds is left by a process that died: not live
        return False

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The history's lock, across processes: making a run's folder and pruning never interleave."""
        self.root.mkdir(exist_ok=True)
        fd = os.open(ensure_state_dir(self.app_root) / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def save(self, record: RunRecord) -> Path:
        """Write a run's record, its outputs listing (`outputs.jsonl`) and its summary (last)."""
        path = self.run_dir(record.id) / RECORD_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        write_outputs(path.parent, record.outputs)
        record.output_count = len(record.outputs)
        record.output_bytes = sum(item.size for item in record.outputs)
        atomic_write_text(path, record_json(record, outputs=False))
        write_summary(path.parent, record)
        return path

    def load(self, run_id: str, *, outputs: bool = True) -> RunRecord | None:
        """The record of one run, or None if it is missing or unreadable.

        With `outputs=False` its outputs are not read (`record.outputs` is empty;
        `output_count` says how many there are): see `outputs()` to read them in pages.
        """
        run_dir = self.run_dir(run_id)
        try:
            text = (run_dir / RECORD_FILE).read_text(encoding="utf-8")
            from .records import RunRecord

            record = RunRecord.model_validate(json.loads(text))
        except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
            return None
        if outputs and not record.outputs and record.output_count:
            record.outputs = output_records(run_dir)
        return record

    def outputs(self, run_id: str, start: int = 0, count: int | None = None) -> list[OutputRecord]:
        """A page of one run's outputs (`OutputRecord`s, in path order) without reading its record."""
        return output_records(self.run_dir(run_id), start, count)

    def iter_outputs(self, run_id: str) -> Iterator[OutputRecord]:
        """One run's outputs (`OutputRecord`s, in path order) read one by one: a reader that
        stops early (a view whose run is no longer wanted) reads no more."""
        return iter_output_records(self.run_dir(run_id))

    def summaries(self, limit: int | None = None) -> list[RunSummary]:
        """Summaries of the finished runs, newest first (no record is read)."""
        found = []
        for summary in self.iter_summaries():
            found.append(summary)
            if limit is not None and len(found) >= limit:
                break
        return found

    def iter_summaries(self) -> Iterator[RunSummary]:
        """Summaries of the finished runs, newest first, read one by one as the caller goes."""
        for run_id in self.run_ids():
            summary = read_summary(self.run_dir(run_id), RECORD_FILE)
            if summary is not None:
                yield summary

    def latest_summary(self) -> RunSummary | None:
        return next(self.iter_summaries(), None)

    def run_ids(self) -> list[str]:
        """Ids of the stored runs, newest first."""
        try:
            names = [entry.name for entry in os.scandir(self.root) if entry.is_dir()]
        except OSError:
            return []
        return sorted(names, reverse=True)

    def records(self, limit: int | None = None, *, outputs: bool = True) -> list[RunRecord]:
        """Readable records, newest first; unreadable ones are skipped.

        Each is read whole: to list runs, use `summaries()`."""
        found = []
        for run_id in self.run_ids():
            record = self.load(run_id, outputs=outputs)
            if record is not None:
                found.append(record)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def latest(self, *, outputs: bool = True) -> RunRecord | None:
        """The newest readable record (found through the summaries: older runs are not read)."""
        for summary in self.iter_summaries():
            record = self.load(summary.id, outputs=outputs)
            if record is not None:
                return record
        return None

    def prune(self, protect: frozenset[str] = frozenset()) -> list[str]:
        """Delete all but the newest `keep` runs, then the oldest finished runs past the byte
        budget (`keep_bytes`); return the ids deleted.

        A run still going (here or in another process) is never deleted: each
        is checked under the history's lock, which a new run's folder is made under too.
        Runs still going and protected runs count against the byte budget.
        """
        removed: list[str] = []
        try:
            with self._locked():
                ids = self.run_ids()
                for run_id in ids[self.keep :]:
                    if run_id in protect or self.is_live(run_id):
                        continue
                    remove_tree(self.run_dir(run_id))
                    removed.append(run_id)
                used = 0
                for run_id in ids[: self.keep]:
                    summary = read_summary(self.run_dir(run_id), RECORD_FILE)
                    used += summary.kept_bytes if summary is not None else 0
                    if summary is None or run_id in protect or self.is_live(run_id):
                        continue
                    if used > self.keep_bytes:
                        remove_tree(self.run_dir(run_id))
                        removed.append(run_id)
        except OSError:
            pass  # the history cannot be locked (a read-only folder): nothing more is pruned
        return removed
