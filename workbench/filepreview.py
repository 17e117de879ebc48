"""Previews of files a run left behind: what kind of file, and a bounded look at its contents.

Nothing here reads a file whole: a preview reads at most `PREVIEW_LIMIT` bytes
from the start (or the end, for logs), so a 12 GB output costs the same as a
12 kB one. Symlinks are described, never followed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from .display import ESCAPE_SEQUENCE, has_unsafe_characters, safe_text
from .fsutil import human_size, read_tail_bytes
from .images import ImageInfo, identify, identify_file

PREVIEW_LIMIT = 64 * 1024
"""Bytes read from the start of a file to preview it."""
HEX_LIMIT = 16 * 1024
"""Bytes of a binary file shown as hex (1024 lines of 16 bytes)."""
CSV_MAX_ROWS = 500
CSV_MAX_COLUMNS = 40
PREVIEW_MAX_LINES = 2000
"""Lines of text shown at most (a 64 KiB file of short lines is long to draw)."""
TAIL_LIMIT = 64 * 1024
"""Bytes read from the end of a log to show its tail."""


class PreviewKind(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    IMAGE = "image"
    BINARY = "binary"
    EMPTY = "empty"
    SYMLINK = "symlink"
    FOLDER = "folder"
    UNREADABLE = "unreadable"
    """Missing, special (a FIFO, a device), or could not be read: `FilePreview.error` says which."""


_LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".html": "html",
    ".htm": "html",
    ".xml": "xml",
    ".svg": "xml",
    ".css": "css",
    ".js": "javascript",
    ".ts": "typescript",
    ".sh": "bash",
    ".bash": "bash",
    ".sql": "sql",
    ".rs": "rust",
    ".go": "go",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".java": "java",
    ".r": "r",
    ".tex": "latex",
    ".diff": "diff",
    ".patch": "diff",
    ".log": "text",
    ".txt": "text",
    ".csv": "text",
    ".tsv": "text",
}
_IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".ico", ".avif", ".heic", ".jp2"}
)
"""Names that promise an image: a file so named that Pillow cannot read gets a note saying so."""
_TEXT_IMAGE_EXTENSIONS = frozenset({".ppm", ".pgm", ".pbm", ".pnm", ".xbm", ".xpm"})
"""Image formats whose files are text: identified by Pillow before being taken for text."""
_CSV_DELIMITERS = {".csv": ",", ".tsv": "\t"}


def strip_escapes(text: str) -> str:
    """Text without its ANSI escape sequences (see `workbench.display.ESCAPE_SEQUENCE`)."""
    return ESCAPE_SEQUENCE.sub("", text)


def has_control_characters(text: str) -> bool:
    """Whether text holds anything `terminal_safe` would change (newlines and tabs do not count)."""
    return has_unsafe_characters(text)


def terminal_safe(text: str) -> str:
    """A block of text (output, a preview) that cannot drive the terminal: see `workbench.display`."""
    return safe_text(text, block=True)


def printable_name(name: str) -> str:
    """A name (a file, an argument) on one line, made visible and inert: see `workbench.display`."""
    return safe_text(name)


def language_for(name: str) -> str:
    """The syntax-highlighting language (a Pygments lexer name) for a file name; `text` if unknown."""
    return _LANGUAGES.get(os.path.splitext(name)[1].lower(), "text")


def hex_lines(data: bytes, offset: int = 0, width: int = 16) -> list[str]:
    """A hex dump: `00000010  89 50 4e 47 ...  |.PNG....|`, one line per `width` bytes."""
    lines = []
    for start in range(0, len(data), width):
        chunk = data[start : start + width]
        hexes = " ".join(f"{byte:02x}" for byte in chunk)
        half = width // 2 * 3
        if len(chunk) > width // 2:
            hexes = hexes[: half - 1] + "  " + hexes[half:]
        text = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in chunk)
        lines.append(f"{offset + start:08x}  {hexes:<{width * 3}} |{text}|")
    return lines


@dataclass(frozen=True)
class CsvTable:
    """The first rows and columns of a CSV file."""

    header: list[str]
    rows: list[list[str]]
    more_rows: bool
    """More rows follow than are shown (or the preview stopped mid-file)."""
    columns: int
    """Columns in the widest row read, which may be more than are shown."""
    problem: str | None = None
    """Why parsing stopped early, in one line (a malformed row)."""


def parse_csv(
    text: str,
    delimiter: str = ",",
    *,
    max_rows: int = CSV_MAX_ROWS,
    max_columns: int = CSV_MAX_COLUMNS,
    complete: bool = True,
) -> CsvTable:
    """Parse CSV text into a header and at most `max_rows` rows of `max_columns` cells.

    `complete=False` says the text is the start of a longer file: its last,
    possibly cut, line is dropped. Short rows are padded so every row has the
    header's width.
    """
    if not complete:
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut >= 0 else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    widest = 0
    more = not complete
    problem = None
    try:
        for row in reader:
            widest = max(widest, len(row))
            if len(rows) > max_rows:
                more = True
                break
            rows.append([terminal_safe(cell) for cell in row[:max_columns]])
    except csv.Error as error:
        problem = f"line {reader.line_num}: {error}"
    header = rows.pop(0) if rows else []
    shown = min(widest, max_columns)
    header = header + [""] * (shown - len(header))
    rows = [row + [""] * (shown - len(row)) for row in rows]
    return CsvTable(header, rows, more, widest, problem)


def decode_text(data: bytes, *, complete: bool = True) -> str | None:
    """The bytes as text, or None if they look binary.

    UTF-8 is tried first (a character cut at the end of a partial read is
    tolerated); text in another encoding that is almost all printable ASCII
    is shown with replacement characters.
    """
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if not complete and error.start >= len(data) - 3:
            try:
                return data[: error.start].decode("utf-8")
            except UnicodeDecodeError:
                pass
    printable = sum(1 for byte in data if 32 <= byte < 127 or byte in b"\t\r\n\f")
    if data and printable / len(data) >= 0.95:
        return data.decode("utf-8", errors="replace")
    return None


@dataclass(frozen=True)
class FilePreview:
    """A bounded preview of one file, ready to show."""

    path: Path
    kind: PreviewKind
    size: int = 0
    """The file's size in bytes (for a symlink, the length of its target)."""
    data: bytes = b""
    """The bytes read: at most `PREVIEW_LIMIT` from the start."""
    text: str | None = None
    """The text to show (JSON pretty-printed) for text, JSON and CSV files."""
    language: str = "text"
    table: CsvTable | None = None
    image: ImageInfo | None = None
    link_target: str | None = None
    error: str | None = None
    """Why the file cannot be shown (unreadable kinds), or a note (JSON that did not parse)."""
    notes: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return len(self.data) < self.size and self.kind not in (PreviewKind.SYMLINK, PreviewKind.FOLDER)

    def extent(self) -> str:
        """How much is shown: `1.2 KiB`, or `showing the first 64 KiB of 12 MiB`."""
        shown = len(self.data)
        if self.kind is PreviewKind.BINARY:
            shown = min(shown, HEX_LIMIT)
        if shown < self.size:
            return f"showing the first {human_size(shown)} of {human_size(self.size)}"
        return human_size(self.size)


def read_head(path: Path, limit: int = PREVIEW_LIMIT) -> tuple[bytes, int]:
    """At most `limit` bytes from the start of a regular file, and its size; never follows a symlink."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(f"{path}: not a regular file")
        chunks = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks), info.st_size
    finally:
        os.close(fd)


def read_tail(path: Path, limit: int = TAIL_LIMIT) -> tuple[str, bool]:
    """The last `limit` bytes of a text file (from a line start) and whether earlier text was left out.

    A missing file reads as empty. Invalid UTF-8 is shown with replacement
    characters; the text is made `terminal_safe` for showing.
    """
    try:
        data, cut = read_tail_bytes(path, limit)
    except FileNotFoundError:
        return "", False
    return terminal_safe(data.decode("utf-8", errors="replace")), cut


def preview_file(path: Path, *, limit: int = PREVIEW_LIMIT) -> FilePreview:
    """Describe and partially read one file for showing; never raises for a bad file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return FilePreview(path, PreviewKind.UNREADABLE, error="the file is gone (the run's folder was pruned or edited)")
    except OSError as error:
        return FilePreview(path, PreviewKind.UNREADABLE, error=f"cannot be read: {error.strerror or error}")
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(path)
        except OSError as error:
            return FilePreview(path, PreviewKind.UNREADABLE, error=f"symlink cannot be read: {error.strerror}")
        return FilePreview(path, PreviewKind.SYMLINK, size=len(os.fsencode(target)), link_target=target)
    if stat.S_ISDIR(info.st_mode):
        return FilePreview(path, PreviewKind.FOLDER)
    if not stat.S_ISREG(info.st_mode):
        return FilePreview(path, PreviewKind.UNREADABLE, error="a special file (FIFO, socket or device); not read")
    try:
        data, size = read_head(path, limit)
    except OSError as error:
        return FilePreview(path, PreviewKind.UNREADABLE, size=info.st_size, error=f"cannot be read: {error.strerror or error}")
    return preview_bytes(path, data, size)


def head_lines(text: str, max_lines: int = PREVIEW_MAX_LINES) -> tuple[str, bool]:
    """At most `max_lines` lines of the text, and whether some were left out."""
    end = -1
    for _ in range(max_lines):
        end = text.find("\n", end + 1)
        if end < 0:
            return text, False
    if end == len(text) - 1:
        return text, False
    return text[: end + 1], True


def preview_bytes(path: Path, data: bytes, size: int) -> FilePreview:
    """Classify the first bytes of a file (of `size` bytes) by its name and contents."""
    preview = _classify(path, data, size)
    if preview.text is not None:
        preview = replace(preview, text=terminal_safe(preview.text))
    if preview.text is not None and preview.kind is not PreviewKind.CSV:
        text, cut = head_lines(preview.text)
        if cut:
            return replace(preview, text=text, notes=[*preview.notes, f"showing the first {PREVIEW_MAX_LINES} lines"])
    return preview


def _classify(path: Path, data: bytes, size: int) -> FilePreview:
    if size == 0:
        return FilePreview(path, PreviewKind.EMPTY)
    complete = len(data) >= size
    suffix = path.suffix.lower()
    text = decode_text(data, complete=complete)
    if text is None or suffix in _TEXT_IMAGE_EXTENSIONS:
        image = identify(data)
        if image is None and not complete:
            image = identify_file(path)  # a header longer than the bytes read (a large ICC profile, EXIF)
        if image is not None:
            return FilePreview(path, PreviewKind.IMAGE, size, data, image=image)
    if text is None:
        notes = [] if suffix not in _IMAGE_EXTENSIONS else [f"named {suffix} but not an image Pillow reads"]
        return FilePreview(path, PreviewKind.BINARY, size, data, notes=notes)
    if suffix == ".json":
        if not complete:
            return FilePreview(path, PreviewKind.TEXT, size, data, text=text, language="json")
        try:
            pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError as error:
            return FilePreview(path, PreviewKind.TEXT, size, data, text=text, language="json", notes=[f"not valid JSON: {error}"])
        return FilePreview(path, PreviewKind.JSON, size, data, text=pretty, language="json")
    if suffix in _CSV_DELIMITERS:
        table = parse_csv(text, _CSV_DELIMITERS[suffix], complete=complete)
        return FilePreview(path, PreviewKind.CSV, size, data, text=text, table=table)
    return FilePreview(path, PreviewKind.TEXT, size, data, text=text, language=language_for(path.name))
