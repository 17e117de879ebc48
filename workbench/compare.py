"""Comparing two runs of an App: everything a Job shows its user, and what it was given.

Compared: stdout and stderr (unified diffs), the status and exit status, the
arguments and the args mode, the staged inputs, the outputs (added, removed or
changed) and the Node's verdict when the records carry one. The logs are read
boundedly (the first `LOG_LIMIT` bytes of each) and each diff is capped, so
comparing two floods costs no more than comparing two greetings. Inputs and
outputs are compared by the sha256 the run record keeps, never by reading them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .filepreview import printable_name, read_head
from .fsutil import human_size
from .records import OutputRecord, RunRecord, StagedInputRecord
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


FACT_VALUE_LIMIT = 60
"""Characters of a value (an argument's, say) shown in a fact's line."""


@dataclass(frozen=True)
class FactChange:
    """One fact of the runs that differs: the exit status, an argument, an input, the Node verdict."""

    name: str
    """What differs: `exit status`, `argument message_string`, `input data.csv`, `Node verdict`."""
    old: str | None
    """Its value in the old run; None when the old run did not have it."""
    new: str | None
    """Its value in the new run; None when the new run does not have it."""

    def describe(self) -> str:
        """One line: `exit status: 0 → 1`, `argument limit: added (10)`, `input a.txt: removed`."""
        name = printable_name(self.name)
        if self.old is None:
            return f"{name}: added ({_shorten(self.new)})"
        if self.new is None:
            return f"{name}: removed (was {_shorten(self.old)})"
        return f"{name}: {_shorten(self.old)} → {_shorten(self.new)}"


def _shorten(value: str | None) -> str:
    text = printable_name(value or "")
    return text if len(text) <= FACT_VALUE_LIMIT else text[: FACT_VALUE_LIMIT - 1] + "…"


@dataclass(frozen=True)
class RunComparison:
    """How the `new` run differs from the `old` one."""

    old: RunRecord
    new: RunRecord
    stdout_diff: list[str]
    """Unified diff lines of stdout, old to new, without line endings; empty when the same."""
    diff_truncated: bool
    """The stdout diff was cut at `MAX_DIFF_LINES`."""
    notes: list[str]
    """What was not compared in full (long logs, missing logs), one line each."""
    outputs: list[OutputChange]
    unchanged_outputs: int
    stderr_diff: list[str] = field(default_factory=list)
    """Unified diff lines of stderr, as `stdout_diff`."""
    stderr_truncated: bool = False
    """The stderr diff was cut at `MAX_DIFF_LINES`."""
    facts: list[FactChange] = field(default_factory=list)
    """The status, exit status, args mode, arguments, inputs and Node verdict that differ, in that order."""

    @property
    def stdout_same(self) -> bool:
        return not self.stdout_diff

    @property
    def stderr_same(self) -> bool:
        return not self.stderr_diff

    @property
    def same(self) -> bool:
        """Nothing compared differs."""
        return self.stdout_same and self.stderr_same and not self.facts and not self.outputs

    def summary(self) -> str:
        """One line: `stdout: +4 −4 lines · stderr: the same · exit status: 0 → 1 · ... · outputs: 1 added, ...`."""
        return " · ".join(self.summary_lines())

    def summary_lines(self) -> tuple[str, str]:
        """The summary in two lines: what the Job showed (logs, status, verdict), then what it was given and made."""
        shown = [
            _diff_summary("stdout", self.stdout_diff, self.diff_truncated),
            _diff_summary("stderr", self.stderr_diff, self.stderr_truncated),
        ]
        for name in ("status", "exit status", "Node verdict"):
            shown.extend(fact.describe() for fact in self.facts if fact.name == name)
        given = []
        for label, prefix in (("arguments", ("argument ", "args mode")), ("inputs", ("input ",))):
            count = sum(1 for fact in self.facts if fact.name.startswith(prefix))
            given.append(f"{label}: {count} changed" if count else f"{label}: the same")
        counts = {change: sum(1 for item in self.outputs if item.change is change) for change in Change}
        given.append(
            f"outputs: {counts[Change.ADDED]} added, {counts[Change.REMOVED]} removed,"
            f" {counts[Change.CHANGED]} changed, {self.unchanged_outputs} unchanged"
        )
        return " · ".join(shown), " · ".join(given)


def _diff_summary(stream: str, diff: list[str], truncated: bool) -> str:
    if not diff:
        return f"{stream}: the same"
    removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
    added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
    return f"{stream}: +{added} −{removed} lines" + ("+" if truncated else "")


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


def compare_facts(old: RunRecord, new: RunRecord) -> list[FactChange]:
    """The status, exit status, Node verdict, args mode, arguments and inputs that differ."""
    facts: list[FactChange] = []

    def differ(name: str, was: str | None, now: str | None) -> None:
        if was != now:
            facts.append(FactChange(name, was, now))

    differ("status", old.status.value, new.status.value)
    differ("exit status", _text(old.exit_code), _text(new.exit_code))
    differ("Node verdict", _node_verdict(old), _node_verdict(new))
    differ("args mode", _text(old.args_mode.value), _text(new.args_mode.value))
    for key in sorted(old.kwargs.keys() | new.kwargs.keys()):
        differ(f"argument {key}", old.kwargs.get(key), new.kwargs.get(key))
    before = {item.name: item for item in old.inputs}
    after = {item.name: item for item in new.inputs}
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was is None or now is None or (was.sha256, was.size) != (now.sha256, now.size):
            differ(f"input {name}", _input_text(was), _input_text(now))
    return facts


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _input_text(item: StagedInputRecord | None) -> str | None:
    return None if item is None else f"{human_size(item.size)}, sha256 {item.sha256[:12]}"


def _node_verdict(record: RunRecord) -> str | None:
    """The Node's verdict with its finding codes (`fail: pipe_blocks`), when the record has one."""
    node = getattr(record, "node", None)
    if node is None:
        return None
    codes = sorted({str(getattr(finding, "code", "?")) for finding in getattr(node, "findings", [])})
    verdict = str(getattr(node, "verdict", "?"))
    return f"{verdict}: {', '.join(codes)}" if codes else verdict


def _read_log(path: str, label: str, stream: str, notes: list[str]) -> list[str]:
    try:
        data, size = read_head(Path(path), LOG_LIMIT)
    except FileNotFoundError:
        notes.append(f"{label}'s {stream} log is missing; compared as empty")
        return []
    except OSError as error:
        notes.append(f"{label}'s {stream} log cannot be read ({error.strerror or error}); compared as empty")
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    if size > len(data):
        lines = lines[:-1]  # the last line read may be cut
    if len(lines) > MAX_LOG_LINES:
        lines = lines[:MAX_LOG_LINES]
        notes.append(f"compared the first {MAX_LOG_LINES} lines of {label}'s {stream}")
    elif size > len(data):
        notes.append(f"compared the first {human_size(len(data))} of {label}'s {stream} ({human_size(size)})")
    return lines


def _diff_logs(old: RunRecord, new: RunRecord, stream: str, notes: list[str]) -> tuple[list[str], bool]:
    before = _read_log(getattr(old, f"{stream}_log"), f"run {old.id}", stream, notes)
    after = _read_log(getattr(new, f"{stream}_log"), f"run {new.id}", stream, notes)
    diff, left_out = capped_unified_diff(before, after, f"{stream} of {old.id}", f"{stream} of {new.id}", limit=MAX_DIFF_LINES)
    if left_out > 0:
        notes.append(f"the {stream} diff is cut at {MAX_DIFF_LINES} lines")
    return diff, left_out > 0


def compare_runs(old: RunRecord, new: RunRecord) -> RunComparison:
    """Compare two runs: `old` is the base, `new` the one whose changes are shown."""
    notes: list[str] = []
    stdout_diff, stdout_truncated = _diff_logs(old, new, "stdout", notes)
    stderr_diff, stderr_truncated = _diff_logs(old, new, "stderr", notes)
    changes, unchanged = compare_outputs(old.outputs, new.outputs)
    return RunComparison(
        old,
        new,
        stdout_diff,
        stdout_truncated,
        notes,
        changes,
        unchanged,
        stderr_diff=stderr_diff,
        stderr_truncated=stderr_truncated,
        facts=compare_facts(old, new),
    )


def ordered(a: RunRecord, b: RunRecord) -> tuple[RunRecord, RunRecord]:
    """The two runs, older first: the natural base and target of a comparison."""
    return (a, b) if (a.started_at, a.id) <= (b.started_at, b.id) else (b, a)
