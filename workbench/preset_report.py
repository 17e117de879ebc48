"""What is said of presets' results: the Node verdict, the first failure reason, a memory suggestion, a regression.

The board of a round (the UI's Presets tab, `workbench test --watch`) and the
summaries of `workbench test` show these; `preset_rounds` runs the rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .filepreview import printable_name
from .fsutil import human_size
from .presets import Failure, PresetResult
from .status import RunStatus

NODE_MEMORY_MARGIN = 0.5
"""The suggested Node memory is the peak over all presets plus this share of it..."""
NODE_MEMORY_STEP = 64 * 1024 * 1024
"""...rounded up to a multiple of this (64 MiB)."""
REASON_WIDTH = 160
"""Characters of a first failure reason kept for a board's line."""


def verdict_text(record: Any) -> str | None:
    """The Node verdict a run record carries (`record.node.verdict`: `ok`, `warn`, `fail`, `hang`), if any."""
    if record is None:
        return None
    node = getattr(record, "node", None)
    verdict = getattr(node, "verdict", None) if node is not None else getattr(record, "verdict", None)
    if verdict is None:
        return None
    for attribute in ("value", "status", "state", "outcome"):
        value = getattr(verdict, attribute, None)
        if isinstance(value, str):
            return value
    return str(verdict)


def first_reason(failures: list[Failure]) -> str | None:
    """The first failure as one printable line (App text has its control characters escaped)."""
    if not failures:
        return None
    first = failures[0]
    line = printable_name(f"{first.expectation}: {first.message}")
    return line if len(line) <= REASON_WIDTH else line[: REASON_WIDTH - 1] + "…"


def suggest_node_memory(peak_bytes: int | None) -> int | None:
    """The Node memory to give an App whose runs peaked at `peak_bytes`: the peak plus
    `NODE_MEMORY_MARGIN`, rounded up to `NODE_MEMORY_STEP`."""
    if not peak_bytes:
        return None
    wanted = peak_bytes * (1 + NODE_MEMORY_MARGIN)
    steps = -(-int(wanted) // NODE_MEMORY_STEP)
    return max(1, steps) * NODE_MEMORY_STEP


def memory_line(results: list[PresetResult]) -> str | None:
    """`peak memory 41 MiB (preset big) · suggested Node memory 128 MiB (peak + 50%)`, or None."""
    peaks = [
        (result.record.peak_memory_bytes, result.preset.name)
        for result in results
        if result.record is not None and result.record.peak_memory_bytes
    ]
    if not peaks:
        return None
    peak, name = max(peaks)
    suggestion = suggest_node_memory(peak)
    assert suggestion is not None
    margin = f"{NODE_MEMORY_MARGIN:.0%}"
    return (
        f"peak memory {human_size(peak)} (preset {name}) · "
        f"suggested Node memory {human_size(suggestion)} (peak + {margin}, rounded up to {human_size(NODE_MEMORY_STEP)})"
    )


@dataclass
class Regression:
    """How a preset's failing run differs from its last passing run."""

    preset: str
    passing: PresetResult
    failing: PresetResult

    def lines(self) -> list[str]:
        """The difference, one printable line each: exit, verdict, stdout (a diff), outputs."""
        from .compare import compare_runs

        old, new = self.passing.record, self.failing.record
        rows = [f"{self.preset}: passed in run {old.id if old else '?'}, fails in run {new.id if new else '?'}"]
        for failure in self.failing.failures:
            rows.extend(printable_name(line) for line in failure.lines())
        if old is None or new is None:
            rows.append("(no run record to compare: the Job did not start)")
            return rows
        if (old.status, old.exit_code) != (new.status, new.exit_code):
            rows.append(f"exit: {_exit_text(old)} → {_exit_text(new)}")
        else:
            rows.append(f"exit: {_exit_text(new)} (the same)")
        was, now = verdict_text(old), verdict_text(new)
        if was is not None or now is not None:
            rows.append(f"verdict: {was} → {now}" if was != now else f"verdict: {now} (the same)")
        comparison = compare_runs(old, new)
        rows.append(comparison.summary())
        rows.extend(printable_name(line) for line in comparison.stdout_diff[:40])
        if len(comparison.stdout_diff) > 40:
            rows.append(f"... ({len(comparison.stdout_diff) - 40} more diff lines)")
        rows.extend(f"output {item.describe()}" for item in comparison.outputs)
        rows.extend(f"({note})" for note in comparison.notes)
        return rows


def _exit_text(record: Any) -> str:
    if record.status is RunStatus.SUCCEEDED or record.status is RunStatus.FAILED:
        return f"exit {record.exit_code}"
    return f"{record.status.value}" + (f" ({record.message})" if record.message else "")
