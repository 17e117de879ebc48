"""Reading requirements files as pip reads them: the one home of that rule.

pip reads a requirements file in logical lines: a line ending in `\\` continues on
the next, and `#` at the start of a line or after whitespace starts a comment.
`logical_lines` does the same, for the checks (`workbench.checks`, which say
whether pip would accept each line) and for the environments (`workbench.envs`,
which hash requirements.txt with the files it includes and name the requirement
an install failed on).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .appdir import REQUIREMENTS

_MAX_INCLUDE_DEPTH = 10

_INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(?P<path>\S+)")


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) per logical line: comments removed, `\\` continuations joined, blank lines left out."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending.append(raw[:-1])
            continue
        pending.append(raw)
        line = strip_comment(" ".join(pending)).strip()
        pending = []
        if line:
            yield start, line
    if pending:
        line = strip_comment(" ".join(pending)).strip()
        if line:
            yield start, line


def strip_comment(line: str) -> str:
    """The line without its comment: as pip does, `#` at the start or after whitespace starts one."""
    for index, char in enumerate(line):
        if char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


@dataclass(frozen=True)
class Requirement:
    """One requirement line, for naming the one that failed."""

    name: str
    """The project name, as written."""
    file: str
    """The requirements file, relative to the App folder."""
    line: int


def _included_paths(text: str, base: Path) -> list[Path]:
    found = []
    for _number, line in logical_lines(text):
        match = _INCLUDE.match(line)
        if match is None:
            continue
        target = match.group("path")
        if "://" in target:
            continue  # a URL: not hashed (use --reinstall after it changes)
        found.append(base / target)
    return found


def requirement_sources(app_root: Path) -> list[tuple[Path, bytes | None]]:
    """requirements.txt and the files it includes (`-r`, `-c`), with their contents (None: unreadable)."""
    seen: set[Path] = set()
    sources: list[tuple[Path, bytes | None]] = []
    pending = [(app_root / REQUIREMENTS, 0)]
    while pending:
        path, depth = pending.pop(0)
        key = Path(os.path.normpath(path))
        if key in seen:
            continue
        seen.add(key)
        try:
            data = key.read_bytes()
        except OSError:
            sources.append((key, None))
            continue
        sources.append((key, data))
        if depth < _MAX_INCLUDE_DEPTH:
            text = data.decode("utf-8", "replace")
            pending.extend((child, depth + 1) for child in _included_paths(text, key.parent))
    return sources


def declared_requirements(app_root: Path) -> list[Requirement]:
    """The named requirements of requirements.txt and its includes (options and URLs skipped)."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

    found = []
    for path, data in requirement_sources(app_root):
        if data is None:
            continue
        rel = os.path.relpath(path, app_root)
        for number, line in logical_lines(data.decode("utf-8", "replace")):
            if line.startswith("-"):
                continue
            try:
                found.append(Requirement(Parsed(line).name, rel, number))
            except InvalidRequirement:
                name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
                if name:
                    found.append(Requirement(name.group(0), rel, number))
    return found
