"""The buffer between a run's reader threads and the UI: decoded, ordered, counted, bounded."""

from __future__ import annotations

import threading

from waiting import join
from workbench.ui import output_stream
from workbench.ui.output_stream import STDERR, STDOUT, OutputBuffer


def test_lines_split_across_chunks_are_joined() -> None:
    buffer = OutputBuffer()
    buffer.on_stdout(b"hel")
    buffer.on_stdout(b"lo\nwor")
    assert buffer.drain().stdout == ["hello"]
    buffer.on_stdout(b"ld\n")
    assert buffer.drain().stdout == ["world"]


def test_a_multibyte_character_split_across_chunks_decodes() -> None:
    data = "naïve ✓\n".encode()
    buffer = OutputBuffer()
    for i in range(len(data)):
        buffer.on_stdout(data[i : i + 1])
    assert buffer.drain().stdout == ["naïve ✓"]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    buffer = OutputBuffer()
    buffer.on_stderr(b"bad \xff byte\n")
    assert buffer.drain().stderr == ["bad \ufffd byte"]


def test_the_combined_view_keeps_arrival_order_and_counts_lines() -> None:
    buffer = OutputBuffer()
    buffer.on_stdout(b"one\n")
    buffer.on_stderr(b"two\n")
    buffer.on_stdout(b"three\r\n")
    drained = buffer.drain()
    assert drained.combined == [(STDOUT, "one"), (STDERR, "two"), (STDOUT, "three")]
    assert (drained.stdout_lines, drained.stderr_lines) == (2, 1)


def test_a_last_line_without_newline_arrives_on_close() -> None:
    buffer = OutputBuffer()
    buffer.on_stdout(b"done")
    assert buffer.drain().stdout == []
    buffer.close()
    drained = buffer.drain()
    assert drained.stdout == ["done"] and drained.stdout_lines == 1


def test_a_flood_keeps_only_the_tail_but_counts_everything() -> None:
    buffer = OutputBuffer(tail_lines=100)
    for chunk in range(50):
        buffer.on_stdout(b"".join(b"%d\n" % (chunk * 1000 + i) for i in range(1000)))
    drained = buffer.drain()
    assert drained.stdout_lines == 50_000
    assert len(drained.stdout) == 100 and len(drained.combined) == 100
    assert drained.stdout[-1] == "49999" and drained.stdout[0] == "49900"


def test_two_reader_threads_lose_no_count() -> None:
    buffer = OutputBuffer(tail_lines=10)

    def pump(feed) -> None:
        for _ in range(2000):
            feed(b"x\ny\n")

    threads = [threading.Thread(target=pump, args=(f,)) for f in (buffer.on_stdout, buffer.on_stderr)]
    for thread in threads:
        thread.start()
    for thread in threads:
        join(thread, what="the pump thread ended")
    assert buffer.counts == (4000, 4000)


def test_combined_view_orders_a_line_by_its_first_bytes() -> None:
    # An unbuffered print writes the text, then the newline: the other stream's
    # line that arrived in between must not jump ahead of it.
    buffer = OutputBuffer(100)
    buffer.on_stdout(b"step 3/8: working...")
    buffer.on_stderr(b"warning: step 3 was slow\n")
    buffer.on_stdout(b"\n")
    buffer.on_stdout(b"step 4/8\n")
    assert buffer.drain().combined == [
        ("stdout", "step 3/8: working..."),
        ("stderr", "warning: step 3 was slow"),
        ("stdout", "step 4/8"),
    ]


def test_an_unfinished_line_holds_the_other_stream_only_briefly(monkeypatch) -> None:
    buffer = OutputBuffer(100)
    buffer.on_stderr(b"Enter a value: ")  # a prompt that never gets its newline
    buffer.on_stdout(b"a\nb\n")
    assert buffer.drain().combined == []
    monkeypatch.setattr(output_stream, "PARTIAL_LINE_WAIT", 0.0)
    drained = buffer.drain()
    assert drained.combined == [("stdout", "a"), ("stdout", "b")]
    assert drained.stdout_lines == 2


def test_lines_cannot_drive_the_terminal() -> None:
    buffer = OutputBuffer(100)
    buffer.on_stdout(b"\x1b[31mred\x1b[0m text\n\x1b]0;new title\x07plain\nloading 10%\rloading 100%\n")
    buffer.close()
    assert buffer.drain().stdout == ["red text", "plain", "loading 100%"]
