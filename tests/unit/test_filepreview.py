"""File previews: kinds, partial reads, hex dumps, CSV tables and image headers, without a terminal."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from workbench.filepreview import (
    PREVIEW_LIMIT,
    PREVIEW_MAX_LINES,
    PreviewKind,
    decode_text,
    head_lines,
    hex_lines,
    human_size,
    language_for,
    parse_csv,
    preview_file,
    printable_name,
    read_head,
    read_tail,
    terminal_safe,
)
from workbench.images import identify


def image_bytes(width: int, height: int, fmt: str = "PNG", mode: str = "RGB") -> bytes:
    """An image made by Pillow, in memory."""
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, fmt)
    return buffer.getvalue()


def test_human_size_reads_naturally() -> None:
    assert human_size(0) == "0 B"
    assert human_size(1023) == "1023 B"
    assert human_size(1024) == "1 KiB"
    assert human_size(1536) == "1.5 KiB"
    assert human_size(12 * 1024 * 1024) == "12 MiB"
    assert human_size(200 * 1024 + 5) == "200 KiB"


def test_language_by_extension() -> None:
    assert language_for("main.py") == "python"
    assert language_for("REPORT.MD") == "markdown"
    assert language_for("conf.yml") == "yaml"
    assert language_for("notes.unknownext") == "text"
    assert language_for("Makefile") == "text"


def test_image_headers_give_format_and_dimensions() -> None:
    png = identify(image_bytes(64, 32))
    assert (png.format, png.width, png.height) == ("PNG", 64, 32)
    gif = identify(image_bytes(300, 7, "GIF"))
    assert (gif.format, gif.width, gif.height) == ("GIF", 300, 7)
    jpeg = identify(image_bytes(1920, 1080, "JPEG"))
    assert (jpeg.format, jpeg.width, jpeg.height) == ("JPEG", 1920, 1080)
    assert jpeg.describe() == "JPEG image, 1920 × 1080 pixels"
    webp = identify(image_bytes(10, 20, "WEBP"))
    assert (webp.format, webp.width, webp.height) == ("WEBP", 10, 20)


def test_foreign_bytes_are_no_image() -> None:
    assert identify(b"hello world") is None
    assert identify(b"\x89PNG\r\n\x1a\n") is None  # a signature alone
    assert identify(b"") is None


def test_hex_lines_show_offsets_bytes_and_printable_text() -> None:
    lines = hex_lines(b"\x89PNG\r\n\x1a\n" + b"ABCDEFGHIJ", offset=0x100)
    assert len(lines) == 2
    assert lines[0].startswith("00000100  89 50 4e 47 0d 0a 1a 0a  41 42 43 44 45 46 47 48")
    assert lines[0].endswith("|.PNG....ABCDEFGH|")
    assert lines[1].startswith("00000110  49 4a ")
    assert lines[1].endswith("|IJ|")
    # Short last lines keep the text column aligned with full ones.
    assert lines[0].index("|") == lines[1].index("|")


def test_parse_csv_caps_rows_and_columns_and_pads_short_rows() -> None:
    text = "a,b,c\n" + "".join(f"{i},{i * 2}\n" for i in range(10))
    table = parse_csv(text, max_rows=3, max_columns=2)
    assert table.header == ["a", "b"]
    assert table.rows == [["0", "0"], ["1", "2"], ["2", "4"]]
    assert table.more_rows
    assert table.columns == 3
    full = parse_csv("x,y,z\n1\n")
    assert full.rows == [["1", "", ""]] and not full.more_rows


def test_parse_csv_of_a_partial_read_drops_the_cut_line() -> None:
    table = parse_csv("id,name\n1,ada\n2,gra", complete=False)
    assert table.rows == [["1", "ada"]]
    assert table.more_rows


def test_parse_csv_reports_malformed_input_instead_of_raising() -> None:
    table = parse_csv("a,b\n1,2\n3," + "x" * 200_000 + "\n4,5\n")
    assert table.header == ["a", "b"] and table.rows == [["1", "2"]]
    assert table.problem is not None and "line" in table.problem


def test_decode_text_tolerates_a_character_cut_by_a_partial_read() -> None:
    data = "héllo wö".encode()
    assert decode_text(data[:-1], complete=False) == "héllo w"
    assert decode_text(b"abc\x00def") is None
    assert decode_text(bytes(range(128, 256))) is None
    assert decode_text(b"the caf\xe9 serves tea and coffee all day") == "the caf\ufffd serves tea and coffee all day"


def test_read_head_reads_only_the_start_of_a_large_file(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    with open(big, "wb") as handle:
        handle.truncate(12 * 1024 * 1024)
    data, size = read_head(big, 1000)
    assert len(data) == 1000 and size == 12 * 1024 * 1024


def test_read_head_never_follows_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("do not read me")
    (tmp_path / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(OSError):
        read_head(tmp_path / "link")


def test_read_tail_starts_at_a_line(tmp_path: Path) -> None:
    log = tmp_path / "stdout.log"
    log.write_text("".join(f"line {i}\n" for i in range(1000)))
    tail, cut = read_tail(log, 100)
    assert cut
    assert tail.endswith("line 999\n")
    assert tail.startswith("line ")
    assert len(tail) <= 100
    whole, cut = read_tail(log, 1 << 20)
    assert not cut and whole.startswith("line 0\n")
    assert read_tail(tmp_path / "missing.log") == ("", False)


def test_preview_kinds(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "d.json").write_text(json.dumps({"b": [1, 2]}))
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "t.csv").write_text("id,name\n1,ada\n")
    (tmp_path / "g.png").write_bytes(image_bytes(5, 4))
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)))
    (tmp_path / "fake.png").write_bytes(b"\x00\x01 not an image")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "script.py").write_text("print('hi')\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to("../outside/secret.txt")
    os.mkfifo(tmp_path / "fifo")

    text = preview_file(tmp_path / "a.txt")
    assert (text.kind, text.text, text.language) == (PreviewKind.TEXT, "hello\n", "text")
    assert text.extent() == "6 B" and not text.truncated
    pretty = preview_file(tmp_path / "d.json")
    assert pretty.kind is PreviewKind.JSON and pretty.text == '{\n  "b": [\n    1,\n    2\n  ]\n}'
    bad = preview_file(tmp_path / "bad.json")
    assert bad.kind is PreviewKind.TEXT and bad.text == "{nope" and bad.notes[0].startswith("not valid JSON")
    table = preview_file(tmp_path / "t.csv")
    assert table.kind is PreviewKind.CSV and table.table.header == ["id", "name"] and table.table.rows == [["1", "ada"]]
    image = preview_file(tmp_path / "g.png")
    assert image.kind is PreviewKind.IMAGE and (image.image.width, image.image.height) == (5, 4)
    assert preview_file(tmp_path / "blob.bin").kind is PreviewKind.BINARY
    fake = preview_file(tmp_path / "fake.png")
    assert fake.kind is PreviewKind.BINARY and fake.notes == ["named .png but not an image Pillow reads"]
    assert preview_file(tmp_path / "empty").kind is PreviewKind.EMPTY
    assert preview_file(tmp_path / "script.py").language == "python"
    assert preview_file(tmp_path / "folder").kind is PreviewKind.FOLDER
    link = preview_file(tmp_path / "link")
    assert link.kind is PreviewKind.SYMLINK and link.link_target == "../outside/secret.txt"
    fifo = preview_file(tmp_path / "fifo")  # must not block waiting for a writer
    assert fifo.kind is PreviewKind.UNREADABLE and "special file" in fifo.error
    gone = preview_file(tmp_path / "nothing-here")
    assert gone.kind is PreviewKind.UNREADABLE and "gone" in gone.error


def test_preview_of_a_large_file_is_partial_and_says_so(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    line = b"0123456789" * 7 + b"\n"
    with open(big, "wb") as handle:
        handle.write(line * (12 * 1024 * 1024 // len(line) + 1))
    size = big.stat().st_size
    preview = preview_file(big)
    assert preview.kind is PreviewKind.TEXT
    assert len(preview.data) == PREVIEW_LIMIT and preview.size == size
    assert preview.truncated
    assert preview.extent() == "showing the first 64 KiB of 12 MiB"


def test_large_json_is_shown_as_text_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(list(range(100_000))))
    preview = preview_file(path)
    assert preview.kind is PreviewKind.TEXT and preview.language == "json" and preview.truncated


def test_large_binary_shows_the_hex_limit_in_its_extent(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    preview = preview_file(path)
    assert preview.kind is PreviewKind.BINARY
    assert preview.extent() == "showing the first 16 KiB of 1 MiB"


def test_head_lines_caps_long_texts() -> None:
    assert head_lines("a\nb\nc\n", 3) == ("a\nb\nc\n", False)
    assert head_lines("a\nb\nc", 3) == ("a\nb\nc", False)
    assert head_lines("a\nb\nc\nd", 2) == ("a\nb\n", True)
    assert head_lines("", 2) == ("", False)


def test_a_file_of_many_short_lines_is_previewed_up_to_the_line_cap(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text("x\n" * 10_000)
    preview = preview_file(path)
    assert preview.text.count("\n") == PREVIEW_MAX_LINES
    assert preview.notes == [f"showing the first {PREVIEW_MAX_LINES} lines"]
    assert not preview.truncated  # the whole 20 KB was read; only the drawing is capped


def test_terminal_safe_removes_escape_sequences_and_controls() -> None:
    assert terminal_safe("\x1b[31mred\x1b[0m text") == "red text"
    assert terminal_safe("\x1b]0;evil title\x07after") == "after"
    assert terminal_safe("a\r\nb\rc") == "a\nb\nc"
    assert terminal_safe("tab\tok\nbell\x07 del\x7f c1\x9b") == "tab\tok\nbell\ufffd del\ufffd c1\ufffd"


def test_printable_name_writes_controls_as_escapes() -> None:
    assert printable_name("plain name.txt") == "plain name.txt"
    assert printable_name("a\nb\tc\x1b[31m") == "a\\nb\\tc\\x1b[31m"


def test_previews_and_tails_are_terminal_safe(tmp_path: Path) -> None:
    (tmp_path / "colour.log").write_text("\x1b[1;32mok\x1b[0m\n")
    (tmp_path / "t.csv").write_text("a,b\n\x1b[2Jx,y\n")
    assert preview_file(tmp_path / "colour.log").text == "ok\n"
    assert preview_file(tmp_path / "t.csv").table.rows == [["x", "y"]]
    assert read_tail(tmp_path / "colour.log") == ("ok\n", False)
