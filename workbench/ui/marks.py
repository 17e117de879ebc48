"""How the views draw a run's status and a diff: one table and one rule for every view.

The Run tab's status line, the History table and its comparison, and the Presets
tab's diffs all take their glyphs and colours from here, so a timed-out run looks
the same wherever it is shown.
"""

from __future__ import annotations

from ..status import RunStatus

STATUS_MARKS: dict[RunStatus, tuple[str, str, str]] = {
    RunStatus.SUCCEEDED: ("✓", "succeeded", "green"),
    RunStatus.FAILED: ("✗", "failed", "red"),
    RunStatus.TIMED_OUT: ("⏱", "timed out", "yellow"),
    RunStatus.CANCELLED: ("■", "cancelled", "yellow"),
    RunStatus.ERROR: ("!", "error", "red"),
}
"""Each status: its glyph, its words and its colour."""


def status_mark(status: RunStatus) -> tuple[str, str]:
    """A status's glyph and colour."""
    glyph, _words, colour = STATUS_MARKS[status]
    return glyph, colour


def status_words(status: RunStatus) -> str:
    """A status in words (`timed out`)."""
    return STATUS_MARKS[status][1]


def status_label(status: RunStatus) -> str:
    """A status's glyph and words (`⏱ timed out`)."""
    glyph, words, _colour = STATUS_MARKS[status]
    return f"{glyph} {words}"


def diff_style(line: str) -> str:
    """The style of one line of a unified diff ('' for a context line), for rich Text and Content alike."""
    if line.startswith(("---", "+++")):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return ""
