"""File previews: kinds, partial reads, hex dumps, CSV tables and image headers, without a terminal."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import pytest

from workbench.filepreview import (
    PREVIEW_LIMIT,
    PREVIEW_MAX_LINES,
    ImageDecodeError,
    PreviewKind,
    decode_png,
    decode_text,
    head_lines,
    hex_lines,
    human_size,
    image_info,
    language_for,
    load_png_pixels,
    parse_csv,
    preview_file,
    printable_name,
    read_head,
    read_tail,
    terminal_safe,
)


def png_bytes(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg_bytes(width: int, height: int) -> bytes:
    """A JPEG header: SOI, an APP0 segment, a DQT-like segment, then a baseline SOF0 frame."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + bytes(65)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8" + app0 + dqt + sof + b"\xff\xda" + bytes(20)


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


def test_png_gif_and_jpeg_headers_give_dimensions() -> None:
    png = image_info(png_bytes(64, 32))
    assert (png.format, png.width, png.height) == ("PNG", 64, 32)
    gif = image_info(b"GIF89a" + struct.pack("<HH", 300, 7) + bytes(10))
    assert (gif.format, gif.width, gif.height) == ("GIF", 300, 7)
    jpeg = image_info(jpeg_bytes(1920, 1080))
    assert (jpeg.format, jpeg.width, jpeg.height) == ("JPEG", 1920, 1080)
    assert jpeg.describe() == "JPEG image, 1920 × 1080 pixels"


def test_truncated_or_foreign_headers() -> None:
    assert image_info(b"\x89PNG\r\n\x1a\n").describe() == "PNG image (size not found in its first bytes)"
    cut_jpeg = image_info(jpeg_bytes(10, 10)[:30])
    assert cut_jpeg is not None and cut_jpeg.width is None
    assert image_info(b"hello world") is None
    assert image_info(b"") is None


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
    (tmp_path / "g.png").write_bytes(png_bytes(5, 4))
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
    assert fake.kind is PreviewKind.BINARY and "not a PNG" in fake.notes[0]
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


# ---------------------------------------------------------------- drawing PNG images


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def encode_png(width: int, height: int, color: int, rows: list[bytes], palette: bytes = b"") -> bytes:
    """A PNG whose row y uses filter y % 5, so decoding exercises every filter."""
    bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    out = bytearray()
    previous = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        kind = y % 5
        filtered = bytearray()
        for i, value in enumerate(row):
            left = row[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            predictor = [0, left, up, (left + up) >> 1, _paeth(left, up, corner)][kind]
            filtered.append((value - predictor) & 255)
        out += bytes([kind]) + filtered
        previous = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + (chunk(b"PLTE", palette) if palette else b"")
    return b"\x89PNG\r\n\x1a\n" + chunks + chunk(b"IDAT", zlib.compress(bytes(out))) + chunk(b"IEND", b"")


def rgb_rows(width: int, height: int) -> list[bytes]:
    return [bytes(v for x in range(width) for v in ((x * 37) % 256, (y * 53) % 256, (x * y) % 256)) for y in range(height)]


def test_decode_png_undoes_every_row_filter() -> None:
    rows = rgb_rows(13, 10)
    pixels = decode_png(encode_png(13, 10, 2, rows))
    assert (pixels.width, pixels.height) == (13, 10)
    assert pixels.rows == rows


def test_decode_png_gray_palette_and_alpha() -> None:
    gray = decode_png(encode_png(3, 1, 0, [bytes([0, 128, 255])]))
    assert gray.rows == [bytes([0, 0, 0, 128, 128, 128, 255, 255, 255])]
    palette = bytes([255, 0, 0, 0, 255, 0])
    indexed = decode_png(encode_png(2, 1, 3, [bytes([1, 0])], palette))
    assert indexed.rows == [bytes([0, 255, 0, 255, 0, 0])]
    # Opaque pixels keep their colour; transparent ones show the backdrop.
    rgba = decode_png(encode_png(2, 1, 6, [bytes([200, 100, 50, 255, 200, 100, 50, 0])]))
    assert rgba.rows == [bytes([200, 100, 50, 32, 32, 32])]
    gray_alpha = decode_png(encode_png(1, 1, 4, [bytes([255, 255])]))
    assert gray_alpha.rows == [bytes([255, 255, 255])]


def test_decode_png_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(ImageDecodeError, match="too large"):
        decode_png(png_bytes(600, 600))
    sixteen_bit = bytearray(png_bytes(2, 2))
    sixteen_bit[24] = 16  # bit depth
    with pytest.raises(ImageDecodeError, match="16-bit"):
        decode_png(bytes(sixteen_bit))
    with pytest.raises(ImageDecodeError, match="cut short"):
        decode_png(png_bytes(20, 20)[:40])
    with pytest.raises(ImageDecodeError, match="not a PNG"):
        decode_png(b"GIF89a")


def test_sample_scales_down_keeping_the_aspect_and_never_up() -> None:
    pixels = decode_png(encode_png(40, 20, 2, rgb_rows(40, 20)))
    small = pixels.sample(10, 10)
    assert (len(small[0]), len(small)) == (10, 5)
    assert small[1][2] == (pixels.rows[4][24], pixels.rows[4][25], pixels.rows[4][26])
    same = pixels.sample(100, 100)
    assert (len(same[0]), len(same)) == (40, 20)


def test_load_png_pixels_reads_a_file_but_not_through_a_link(tmp_path: Path) -> None:
    (tmp_path / "g.png").write_bytes(png_bytes(8, 4))
    (tmp_path / "link.png").symlink_to(tmp_path / "g.png")
    assert load_png_pixels(tmp_path / "g.png").width == 8
    with pytest.raises(ImageDecodeError, match="cannot be read"):
        load_png_pixels(tmp_path / "link.png")


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
