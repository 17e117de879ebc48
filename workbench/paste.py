"""Turning pasted or dropped text into file paths.

Terminals paste files dropped on them as text, each in its own way: one path
per line, paths separated by spaces with the spaces inside a name escaped by a
backslash (iTerm2, GNOME Terminal), paths in single or double quotes
(Konsole, Windows Terminal), or `file://` URIs with percent-encoding (kitty,
some file managers). `split_pasted` reads all of these; `resolve_pasted` says
which of the paths exist.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Unterminated(ValueError):
    pass


def _uri_to_path(word: str) -> str:
    """`file:///a%20b` (or `file://localhost/a%20b`) as `/a b`; other words unchanged."""
    if not word.lower().startswith("file:"):
        return word
    parts = urlsplit(word)
    if parts.netloc not in ("", "localhost"):
        return word  # a file on another host: not something we can stage
    return unquote(parts.path)


def _split_words(line: str) -> list[str]:
    """Split one line as a POSIX shell would: quotes, backslash escapes, whitespace."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if ch.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            i += 1
        elif ch == "\\" and i + 1 < n:
            current.append(line[i + 1])
            in_word = True
            i += 2
        elif ch == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise _Unterminated(line)
            current.append(line[i + 1 : end])
            in_word = True
            i = end + 1
        elif ch == '"':
            i += 1
            in_word = True
            while True:
                if i >= n:
                    raise _Unterminated(line)
                ch = line[i]
                if ch == '"':
                    i += 1
                    break
                if ch == "\\" and i + 1 < n and line[i + 1] in '"\\$`':
                    current.append(line[i + 1])
                    i += 2
                else:
                    current.append(ch)
                    i += 1
        else:
            current.append(ch)
            in_word = True
            i += 1
    if in_word:
        words.append("".join(current))
    return words


def split_pasted(text: str, exists: Callable[[str], bool] = os.path.lexists) -> list[str]:
    """The paths in pasted text, in order, with quotes, escapes and `file://` undone.

    A line that is, as a whole, an existing path is taken as one path even when
    it holds spaces (some terminals paste a dropped file's name unquoted).
    """
    paths: list[str] = []
    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        whole = _uri_to_path(line)
        if exists(os.path.expanduser(whole)):
            paths.append(whole)
            continue
        try:
            words = _split_words(line)
        except _Unterminated:
            words = [line]  # not shell syntax after all: keep the line as typed
        paths += [_uri_to_path(word) for word in words if word]
    return paths


@dataclass
class PastedPaths:
    """What a paste held: paths that exist (absolute), and words that name nothing."""

    found: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def resolve_pasted(text: str, cwd: Path | None = None) -> PastedPaths:
    """Split pasted text into paths; existing ones made absolute (relative to `cwd`)."""
    base = cwd or Path.cwd()
    result = PastedPaths()

    def exists(candidate: str) -> bool:
        return os.path.lexists(base / candidate)

    for word in split_pasted(text, exists=exists):
        path = base / os.path.expanduser(word)
        if os.path.lexists(path):
            absolute = Path(os.path.abspath(path))
            if absolute not in result.found:
                result.found.append(absolute)
        else:
            result.missing.append(word)
    return result
