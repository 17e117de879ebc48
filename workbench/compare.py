"""Comparing two runs of an App: what changed in stdout, and which outputs were added, removed or changed.

The logs are read boundedly (the first `LOG_LIMIT` bytes of each) and the diff
is capped, so comparing two floods costs no more than comparing two greetings.
Outputs are compared by the sha256 the run record keeps, never by reading them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .filepreview import printable_name, read_head
from .fsutil import human_size
from .records import OutputRecord, RunRecord
from .textdiff import capped_unified_diff

LOG_LIMIT = 256 * 1024
"""Bytes read from the start of each run's stdout."""
MAX_LOG_LINES = 5000
"""Lines of each stdout compared (difflib is slow on long, very different inputs)."""
MAX_DIFF_LINES = 1000
"""Lines of unified diff kept."""


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class OutputChange:
    """One output that differs between the two runs."""

    path: str
    change: Change
    old: OutputRecord | None
    new: OutputRecord | None

    def describe(self) -> str:
        """One line: `changed  data.json  (1.2 KiB → 1.3 KiB)`."""
        path = printable_name(self.path)
        if self.change is Change.ADDED and self.new is not None:
            return f"added    {path}  ({_describe_entry(self.new)})"
        if self.change is Change.REMOVED and self.old is not None:
            return f"removed  {path}  ({_describe_entry(self.old)})"
        assert self.old is not None and self.new is not None
        return f"changed  {path}  ({_describe_entry(self.old)} → {_describe_entry(self.new)})"


def _describe_entry(entry: OutputRecord) -> str:
    if entry.is_symlink:
        return f"link → {printable_name(entry.link_target or '?')}"
    return human_size(entry.size)


@dataclass(frozen=True)
class RunComparison:
    """How the `new` run differs from the `old` one."""

    old: RunRecord
    new: RunRecord
    stdout_diff: list[str]
    """Unified diff lines of stdout, old to new, without line endings; empty when the same."""
    diff_truncated: bool
    """The diff was cut at `MAX_DIFF_LINES`."""
    notes: list[str]
    """What was not compared in full (long logs, missing logs), one line each."""
    outputs: list[OutputChange]
    unchanged_outputs: int

    @property
    def stdout_same(self) -> bool:
        return not self.stdout_diff

    def summary(self) -> str:
        """One line: `stdout: 4 lines changed · outputs: 1 added, 0 removed, 2 changed, 3 unchanged`."""
        if self.stdout_same:
            stdout = "stdout: the same"
        else:
            removed = sum(1 for line in self.stdout_diff if line.startswith("-") and not line.startswith("---"))
            added = sum(1 for line in self.stdout_diff if line.startswith("+") and not line.startswith("+++"))
            stdout = f"stdout: +{added} −{removed} lines" + ("+" if self.diff_truncated else "")
        counts = {change: sum(1 for item in self.outputs if item.change is change) for change in Change}
        outputs = (
            f"outputs: {counts[Change.ADDED]} added, {counts[Change.REMOVED]} removed,"
            f" {counts[Change.CHANGED]} changed, {self.unchanged_outputs} unchanged"
        )
        return f"{stdout} · {outputs}"


def compare_outputs(old: list[OutputRecord], new: list[OutputRecord]) -> tuple[list[OutputChange], int]:
    """The outputs added, removed or changed (by sha256, or link target), sorted by path; and the unchanged count."""
    before = {entry.path: entry for entry in old}
    after = {entry.path: entry for entry in new}
    changes = []
    unchanged = 0
    for path in sorted(before.keys() | after.keys()):
        was, now = before.get(path), after.get(path)
        if was is None:
            changes.append(OutputChange(path, Change.ADDED, None, now))
        elif now is None:
            changes.append(OutputChange(path, Change.REMOVED, was, None))
        elif _same(was, now):
            unchanged += 1
        else:
            changes.append(OutputChange(path, Change.CHANGED, was, now))
    return changes, unchanged


def _same(a: OutputRecord, b: OutputRecord) -> bool:
    if a.is_symlink or b.is_symlink:
        return a.is_symlink == b.is_symlink and a.link_target == b.link_target
    return a.sha256 == b.sha256 and a.size == b.size


def _read_log(path: str, label: str, notes: list[str]) -> list[str]:
    try:
        data, size = read_head(Path(path), LOG_LIMIT)
    except FileNotFoundError:
        notes.append(f"{label}'s stdout log is missing; compared as empty")
        return []
    except OSError as error:
        notes.append(f"{label}'s stdout log cannot be read ({error.strerror or error}); compared as empty")
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    if size > len(data):
        lines = lines[:-1]  # the last line read may be cut
    if len(lines) > MAX_LOG_LINES:
        lines = lines[:MAX_LOG_LINES]
        notes.append(f"compared the first {MAX_LOG_LINES} lines of {label}'s stdout")
    elif size > len(data):
        notes.append(f"compared the first {human_size(len(data))} of {label}'s stdout ({human_size(size)})")
    return lines


def compare_runs(old: RunRecord, new: RunRecord) -> RunComparison:
    """Compare two runs: `old` is the base, `new` the one whose changes are shown."""
    notes: list[str] = []
    before = _read_log(old.stdout_log, f"run {old.id}", notes)
    after = _read_log(new.stdout_log, f"run {new.id}", notes)
    diff, left_out = capped_unified_diff(before, after, f"stdout of {old.id}", f"stdout of {new.id}", limit=MAX_DIFF_LINES)
    truncated = left_out > 0
    if truncated:
        notes.append(f"the diff is cut at {MAX_DIFF_LINES} lines")
    changes, unchanged = compare_outputs(old.outputs, new.outputs)
    return RunComparison(old, new, diff, truncated, notes, changes, unchanged)


def ordered(a: RunRecord, b: RunRecord) -> tuple[RunRecord, RunRecord]:
    """The two runs, older first: the natural base and target of a comparison."""
    return (a, b) if (a.started_at, a.id) <= (b.started_at, b.id) else (b, a)
