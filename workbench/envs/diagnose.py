"""Diagnosing a failed install: the requirement that failed and the installer's reason, in one line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..appdir import REQUIREMENTS
from ..filepreview import strip_escapes
from ..requirements import Requirement

_NAMED_FAILURES = (
    re.compile(r"No matching distribution found for (?P<req>\S+)"),
    re.compile(r"Could not find a version that satisfies the requirement (?P<req>\S+)"),
    re.compile(r"Because (?P<req>\S+) was not found in the (?:package registry|cache)"),
    re.compile(r"Because there is no version of (?P<req>[A-Za-z0-9._-]+)"),
    re.compile(r"Because only (?P<req>[A-Za-z0-9._-]+)"),
    re.compile(r"Because you require (?P<req>[A-Za-z0-9._-]+)"),
    re.compile(r"Cannot install (?P<req>.+?) because these package versions have conflicting dependencies"),
    re.compile(r"Failed to (?:build|download|fetch|prepare distributions|resolve)[^`]*`(?P<req>[^`]+)`"),
    re.compile(r"Failed to fetch: \S*/simple/(?P<req>[A-Za-z0-9._-]+)/?"),
    re.compile(r"Failed building wheel for (?P<req>\S+)"),
    re.compile(r"Failed to build (?P<req>\S+)"),
    re.compile(r"Invalid requirement: '?(?P<req>[^'\n]+)'?"),
    re.compile(r"Could not open requirements file: .*?'(?P<req>[^']+)'"),
    re.compile(r"Distribution not found at:\s*(?P<req>\S+)"),
)
_ERROR_LINE = re.compile(r"^\s*(?:ERROR:|error:|cause:|Caused by:|×|╰─▶)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Diagnosis:
    """What made an installation fail, in the author's terms."""

    requirement: str | None
    """The requirement that failed, as the installer or requirements.txt names it."""
    where: str | None
    """`requirements.txt line 3`, when the requirement was found in the files."""
    reason: str
    """The installer's own words for the failure (one line)."""


def diagnose(lines: list[str], declared: list[Requirement]) -> Diagnosis:
    """Find the failing requirement and the installer's reason in its output."""
    clean = [strip_escapes(line).rstrip() for line in lines]
    errors = [line for line in clean if _ERROR_LINE.match(line)]
    telling = ("Because", "No matching", "Cannot install", "conflict", "Failed to", "Could not")
    reason_line = next((line for line in errors if any(word in line for word in telling)), None)
    if reason_line is None:
        reason_line = errors[-1] if errors else next((line for line in reversed(clean) if line.strip()), "")
    requirement = _named_requirement(clean)
    by_name = {_canonical(item.name): item for item in declared}
    found = None
    if requirement:
        url_name = re.search(r"/simple/([A-Za-z0-9._-]+)/?$", requirement)
        if url_name:
            requirement = url_name.group(1)
        head = re.match(r"[A-Za-z0-9._-]+", requirement)
        found = by_name.get(_canonical(head.group(0))) if head else None
    else:
        for item in declared:
            word = re.compile(rf"(?<![A-Za-z0-9._-]){re.escape(item.name)}(?![A-Za-z0-9_-])", re.IGNORECASE)
            if any(word.search(line) for line in errors):
                found = item
                requirement = item.name
                break
    reason = _ERROR_LINE.sub("", reason_line).strip().rstrip(".") or "the installer failed"
    after = clean[clean.index(reason_line) + 1 :] if reason_line in clean else []
    causes = [line for line in after if line.strip().startswith("cause:")]
    if causes:
        root_cause = _ERROR_LINE.sub("", causes[-1]).strip().rstrip(".")
        if root_cause and root_cause not in reason:
            reason = f"{reason} ({root_cause})"
    if len(reason) > 300:
        reason = reason[:297] + "..."
    return Diagnosis(requirement, f"{found.file} line {found.line}" if found else None, reason)


def _named_requirement(lines: list[str]) -> str | None:
    for pattern in _NAMED_FAILURES:
        for line in lines:
            match = pattern.search(line)
            if match:
                return match.group("req").strip().strip(".,'\"") or None
    joined = "\n".join(lines)  # an installer may wrap a long message onto the next line
    for pattern in _NAMED_FAILURES:
        match = pattern.search(joined)
        if match:
            return match.group("req").strip().strip(".,'\"") or None
    return None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()



def _failure_message(diagnosis: Diagnosis, log_path: Path) -> str:
    if diagnosis.requirement:
        where = f" ({diagnosis.where})" if diagnosis.where else ""
        head = f"could not install requirement '{diagnosis.requirement}'{where}"
    else:
        head = f"could not install the App's {REQUIREMENTS}"
    return f"{head}: {diagnosis.reason}; full installer log: {log_path}"
