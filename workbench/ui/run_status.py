"""The Run tab's status line: what a run is doing, or how it ended, each fact once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..display import first_clauses, plural, safe_text
from ..proctree import describe_signal
from .marks import status_mark, status_words
from .verdict import verdict_text

if TYPE_CHECKING:
    from ..records import RunRecord  # pydantic: loaded with the first record, not before the first paint

READY = "No run yet. Press r to run the App."
STATUS_MESSAGE_CHARS = 60
"""A status's message longer than this is cut to whole clauses on the status line, the rest shown under it."""


class RunStatusLine(Widget):
    """The run's status in two fixed lines: updating it redraws it without a new layout."""

    DEFAULT_CSS = """
    RunStatusLine { height: 2; padding: 0 1; }
    """

    text: reactive[Text] = reactive(Text, layout=False)

    def update(self, text: Text) -> None:
        self.text = text

    def render(self) -> Text:
        return self.text


def line_count(count: int) -> str:
    return plural(count, "line")


def running_status(
    *,
    cancelling: bool,
    elapsed: float | None,
    show_clock: bool,
    installing: str | None,
    stdout_lines: int | None,
    stderr_lines: int | None,
    trigger: str | None,
) -> Text:
    """The status of a run going on: cancelling, installing, starting (`elapsed` None) or running."""
    text = Text()
    if cancelling:
        text.append("■ cancelling… ", style="bold yellow")
    elif elapsed is None and installing is not None:
        text.append("● installing requirements.txt… ", style="bold cyan")
        text.append(safe_text(installing.strip()[:80]) + " ", style="dim")
    elif elapsed is None:
        text.append("● starting… ", style="bold cyan")
    else:
        text.append("● running ", style="bold cyan")
        if show_clock:
            text.append(f"· {elapsed:.1f} s ")
    if stdout_lines is not None:
        text.append(f"· stdout {line_count(stdout_lines)} · stderr {line_count(stderr_lines or 0)} ")
    text.append(f"· started by {safe_text(trigger or 'manual')}", style="dim")
    return text


def record_status(record: RunRecord) -> tuple[Text, str]:
    """How a run ended, on the status line: status, exit code, duration, verdict, line counts, why it started.

    Each fact once: the message is left out when the status or the exit code already say it;
    an App ended by signal N shows exit code 128+N, as `workbench run` exits and the README says.
    Returns the line and the rest of a message too long for it (shown under it).
    """
    mark, colour = status_mark(record.status)
    code = record.exit_code
    shown_code = None if code is None else (128 - code if code < 0 else code)
    text = Text()
    text.append(f"{mark} {status_words(record.status)}", style=f"bold {colour}")
    said = {record.status.value, status_words(record.status), f"exit code {code}", f"exit code {shown_code}"}
    rest = ""
    if record.message and record.message not in said:
        message, rest = first_clauses(record.message, STATUS_MESSAGE_CHARS)
        text.append(f" ({safe_text(message)})")
    if shown_code is not None:
        text.append(f" · exit code {shown_code}")
        if code is not None and code < 0 and not (record.message or "").startswith("killed by"):
            text.append(f" ({describe_signal(-code)})")
    if record.duration_seconds is not None:
        text.append(f" · {record.duration_seconds:.2f} s")
    if record.node is not None:
        text.append(" · ")
        text.append_text(verdict_text(record))
    text.append(f" · stdout {line_count(record.stdout_lines)} · stderr {line_count(record.stderr_lines)}")
    text.append(f" · started by {safe_text(record.trigger or 'manual')}", style="dim")
    return text, rest
