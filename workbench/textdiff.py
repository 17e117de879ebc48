"""Capped unified diffs: the one way the workbench shows how two texts differ.

Golden copies (`workbench.presets`) and run comparisons (`workbench.compare`) both
show a unified diff cut at a number of lines, and say how much was left out.
"""

from __future__ import annotations

import difflib


def capped_unified_diff(
    before: list[str], after: list[str], from_label: str, to_label: str, *, limit: int, context: int = 3
) -> tuple[list[str], int]:
    """The first `limit` lines of the unified diff of two lists of lines, and how many lines were left out."""
    rows: list[str] = []
    left_out = 0
    for row in difflib.unified_diff(before, after, from_label, to_label, n=context, lineterm=""):
        if len(rows) < limit:
            rows.append(row)
        else:
            left_out += 1
    return rows, left_out
