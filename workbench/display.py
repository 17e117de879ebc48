"""Showing untrusted strings safely: the one function every view and text output uses.

Everything the workbench shows that came from an App is untrusted: its file
names, its presets, the arguments typed for it, the names of staged inputs and
above all its output. A terminal acts on some characters instead of showing
them: escape sequences (CSI colours and cursor moves, OSC titles and clipboard
writes, DCS and other strings), the other C0 and C1 control characters, and
the bidirectional overrides that reorder what follows them. `safe_text` makes
all of these visible and inert, so what is shown is what is there.

It never interprets markup either: the result is plain text, to be put in a
`rich.text.Text` (or a `Content`) as it is, never parsed as markup.

JSON outputs are not shown through it: they keep the exact strings.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]"  # the other escapes (charset selection, keypad modes, RIS)
)
"""One complete terminal escape sequence, in its 7-bit or 8-bit form."""

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that change the direction of the text around them (the "Trojan Source" set)."""

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_IN_BLOCK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by `surrogateescape`
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{code:02x}")
    return f"\\u{code:04x}"


def _block_char(match: re.Match[str]) -> str:
    char = match.group()
    if 0xD800 <= ord(char) <= 0xDFFF or ord(char) < 0xA0:
        return "\ufffd"
    return _escape(match)


def _glyph(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures: ␛ for ESC, ␀ for NUL
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def safe_text(text: str | bytes, *, block: bool = False, same_length: bool = False) -> str:
    """`text` with everything that could drive a terminal made visible and inert.

    A name (the default: a file name, an argument, a description) comes out on
    one line, each control character, escape and bidirectional override written
    as an escape (`\\x1b`, `\\n`, `\\u202e`), a byte that is not UTF-8 as `\\xff`.

    A block of output (`block=True`, an App's stdout) keeps its lines and tabs:
    complete escape sequences (colours, titles) are dropped, carriage returns
    end lines, any other control character (a stray ESC included) becomes `�`
    and a bidirectional override is written as its escape.

    For text being edited (`same_length=True`, an argument's value in its
    field), each such character becomes exactly one visible character instead
    (`␛` for ESC, `�` for the others), so positions in the text stay the same.

    Bytes are read as UTF-8, invalid bytes shown as above.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    if same_length:
        return _UNSAFE.sub(_glyph, text)
    if not block:
        return _UNSAFE.sub(_escape, text)
    text = ESCAPE_SEQUENCE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE_IN_BLOCK.sub(_block_char, text)


def has_unsafe_characters(text: str) -> bool:
    """Whether `safe_text(text, block=True)` would change `text` (newlines and tabs do not count)."""
    if text.isascii() and text.replace("\n", "").replace("\t", "").isprintable():  # the common case, at C speed
        return False
    return _UNSAFE_IN_BLOCK.search(text) is not None


_NAME_CHAR = r"[\w.~+@%-]"
"""A character that continues a file name: after the workspace's path, it makes a longer name."""


@lru_cache(maxsize=16)
def _workspace_pattern(workspace: str) -> tuple[tuple[str, ...], re.Pattern[str]]:
    """The workspace's path as written and with symlinks resolved (`/tmp` is `/private/tmp` on macOS)."""
    forms = {workspace.rstrip("/") or "/"}
    forms.add(os.path.realpath(workspace))
    ordered = tuple(sorted(forms, key=len, reverse=True))  # the longer form first
    alternatives = "|".join(re.escape(form) for form in ordered)
    # Whole paths only: not inside a longer path (`/x/tmp/ws`), not a longer name (`/tmp/ws2`).
    return ordered, re.compile(rf"(?<![\w/.~+@%-])(?:{alternatives})(?!{_NAME_CHAR})")


def author_paths(text: str, workspace: str | os.PathLike[str], app_root: str | os.PathLike[str]) -> str:
    """`text` with the run's workspace path written as the App's own folder.

    A run happens in a staged copy of the App in the system's temporary folder, so
    a traceback names `/tmp/workbench-stage-1000/<app>-<hash>/slots/0/<app>/main.py`
    where the author edits `<app root>/main.py`. Each whole occurrence of the
    workspace's path (as given, or with its symlinks resolved, as Python writes it)
    becomes `app_root`: at the start of a line, inside `File "..."`, after a space,
    a quote, `=` or `:`. A path that only begins like it (`.../slots/0/app2`) or
    holds it further in (`/x/tmp/...`) stays as it is.

    For what is shown only: logs and records keep the App's output as it was.
    The text is mapped as it is given, so a stream must be mapped in whole lines
    (a path split between two reads is not recognised in either half).
    """
    forms, pattern = _workspace_pattern(os.fspath(workspace))
    if not any(form in text for form in forms):  # the common case, at C speed
        return text
    root = os.fspath(app_root)
    return pattern.sub(lambda match: root, text)


def names_workspace(text: str, workspace: str | os.PathLike[str]) -> bool:
    """Whether `author_paths` could change `text`: a batch of lines (joined) is checked at once, at C speed."""
    forms, _pattern = _workspace_pattern(os.fspath(workspace))
    return any(form in text for form in forms)


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 file`, `2 files` (`many` for a plural that is not `word` + s)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def first_clauses(text: str, limit: int) -> tuple[str, str]:
    """`text` cut to whole sentences or clauses of at most `limit` characters: (shown, the rest).

    A message too long for the line it is shown on is cut where a sentence or a
    clause ends (`. `, `; `, `: `), never inside a word, a quoted name or brackets,
    and the rest is shown elsewhere (under it). When even the first clause is longer
    than `limit`, it is shown whole: a line that wraps beats a sentence cut in two.
    The separator itself goes: the rest starts with its own first word.
    """
    text = text.strip()
    if len(text) <= limit:
        return text, ""
    cut: tuple[int, int] | None = None
    depth = 0
    quote: str | None = None
    for index, char in enumerate(text[:-1]):
        before = text[index - 1] if index else " "
        after = text[index + 1]
        if quote is not None:
            if char == quote and not after.isalnum():
                quote = None
            continue
        if char in "'\"`" and not before.isalnum():
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char in ".;:" and after == " " and depth == 0 and index > 0:
            if cut is not None and index + (char == ".") > limit:
                break
            cut = (index + (char == "."), index + 2)
            if index + (char == ".") > limit:
                break
    if cut is None:
        return text, ""
    return text[: cut[0]].rstrip(), text[cut[1] :].strip()
