"""How the UI shows a run's Node verdict and findings (see `workbench.node`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ..node.findings import VERDICT_TEXT, Severity, describe_verdict
from ..runindex import RunSummary

if TYPE_CHECKING:
    from ..records import RunRecord  # pydantic: loaded with the first record, not before the first paint

VERDICT_STYLES = {
    Severity.OK: "green",
    Severity.WARN: "yellow",
    Severity.FAIL: "bold red",
    Severity.HANG: "bold red",
}
VERDICT_SHORT = {Severity.OK: "ok", Severity.WARN: "warn", Severity.FAIL: "would fail", Severity.HANG: "would hang"}
"""The History's column: short enough for 10 cells."""
FINDING_MARKS = {Severity.WARN: ("⚠", "yellow"), Severity.FAIL: ("✗", "red"), Severity.HANG: ("⧗", "red")}
SHOWN_FINDINGS = 4
"""Findings listed above the Run tab's output; the rest are counted (all are in the record)."""


def verdict_cell(record: RunRecord | RunSummary) -> Text:
    """The History's `On a Node` cell (of a run's record or its summary)."""
    if record.node is None:
        return Text("—", style="dim")
    verdict = Severity(record.node.verdict)
    return Text(VERDICT_SHORT[verdict], style=VERDICT_STYLES[verdict])


def verdict_text(record: RunRecord) -> Text:
    """`on a Node: would hang`, styled by the verdict (empty when the App did not run)."""
    if record.node is None:
        return Text()
    verdict = Severity(record.node.verdict)
    return Text(describe_verdict(verdict), style=VERDICT_STYLES[verdict])


def findings_text(record: RunRecord | None) -> Text:
    """One line per finding: mark, code and message (plain text: messages name the App's files)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if record is None or record.node is None:
        return text
    findings = record.node.findings
    for index, item in enumerate(findings[:SHOWN_FINDINGS]):
        mark, style = FINDING_MARKS.get(Severity(item.severity), ("·", "dim"))
        if index:
            text.append("\n")
        text.append(f"{mark} {item.code}: ", style=f"bold {style}")
        text.append(item.message)
    if len(findings) > SHOWN_FINDINGS:
        text.append(f"\n… and {len(findings) - SHOWN_FINDINGS} more in the run's record", style="dim")
    return text


__all__ = ["VERDICT_TEXT", "findings_text", "verdict_cell", "verdict_text"]
