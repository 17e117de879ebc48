"""The run as the Job's user would read it on a Node: one text, then the Job's error.

The Node reports a Job's output as `stdout + "\\n" + stderr` and, when the App
exited with another status than 0, its error as `Job failed with exit code N`.
A run the Node would hang on, or whose output it could not decode, is never
reported at all: a note says so above the text it would have shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..records import RunRecord

TAIL_BYTES = 256 * 1024
"""How much of the end of each stream is read for the view."""


@dataclass(frozen=True)
class JobOutput:
    note: str | None
    """Why a Node would never show this (a hang, undecodable output); None when it would."""
    text: str
    """`stdout + "\\n" + stderr` (each cut to its end when long)."""
    error: str | None
    """`Job failed with exit code N`, or None when the Job succeeded."""
    cut: bool = False
    """Whether the start of a stream was left out."""


def _tail(path: str | os.PathLike[str], limit: int) -> tuple[str, bool]:
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.seek(max(0, size - limit))
            data = handle.read(limit)
    except OSError:
        return "", False
    return data.decode("utf-8", "replace"), size > limit


def job_output(record: RunRecord, limit: int = TAIL_BYTES) -> JobOutput:
    """What the Node would report for this run (`record` is a `RunRecord`)."""
    stdout, cut_out = _tail(Path(record.stdout_log), limit)
    stderr, cut_err = _tail(Path(record.stderr_log), limit)
    note = None
    codes = {item.code for item in record.node.findings} if record.node is not None else set()
    if "pipe_blocks" in codes:
        note = "on a Node this Job never ends (pipe_blocks): the App blocks on a full pipe; nothing is reported"
    elif "undecodable_output" in codes:
        note = "on a Node this Job's output cannot be decoded (undecodable_output): nothing is reported"
    code = record.exit_code
    error = f"Job failed with exit code {code}" if code not in (0, None) else None
    return JobOutput(note, stdout + "\n" + stderr, error, cut_out or cut_err)
