"""The buffer between a run's reader threads and the UI: decoded, ordered, counted, bounded."""

from __future__ import annotations

import threading
import tracemalloc

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


def _numbered(count: int, stream: str = "out") -> bytes:
    return "".join(f"{stream} line {i}\n" for i in range(count)).encode()


def test_chunks_kept_between_drains_give_the_exact_tail() -> None:
    # While the Run tab is hidden nothing is drained: older chunks are dropped, and a chunk
    # that starts inside a dropped line must not show the end of that line as a line.
    data = _numbered(600)
    buffer = OutputBuffer(tail_lines=100)
    for start in range(0, len(data), 137):
        buffer.on_stdout(data[start : start + 137])
    drained = buffer.drain()
    assert drained.stdout == [f"out line {i}" for i in range(500, 600)]
    assert drained.stdout_lines == 600
    assert [line for _, line in drained.combined] == drained.stdout


def test_drained_late_or_at_once_the_combined_view_is_the_same() -> None:
    out, err = _numbered(400, "out"), _numbered(300, "err")
    chunks = []
    for i in range(0, max(len(out), len(err)), 97):
        chunks += [(STDOUT, out[i : i + 97]), (STDERR, err[i : i + 53])]
    eager, lazy = OutputBuffer(tail_lines=50), OutputBuffer(tail_lines=50)
    seen: list[tuple[str, str]] = []
    for stream, chunk in chunks:
        for buffer in (eager, lazy):
            (buffer.on_stdout if stream == STDOUT else buffer.on_stderr)(chunk)
        seen += eager.drain().combined
    for buffer in (eager, lazy):
        buffer.close()
    seen += eager.drain().combined
    assert lazy.drain().combined == seen[-50:]


def test_the_reader_threads_only_count(monkeypatch) -> None:
    decoded_on: list[str] = []
    feed = output_stream._Decoder.feed

    def recording_feed(self, *args, **kwargs):
        decoded_on.append(threading.current_thread().name)
        return feed(self, *args, **kwargs)

    monkeypatch.setattr(output_stream._Decoder, "feed", recording_feed)
    buffer = OutputBuffer(tail_lines=100)
    reader = threading.Thread(target=lambda: [buffer.on_stdout(b"x\n" * 50) for _ in range(20)], name="reader")
    reader.start()
    join(reader, what="the reader thread ended")
    assert decoded_on == [] and buffer.counts == (1000, 0)
    assert len(buffer.drain().stdout) == 100
    assert decoded_on and set(decoded_on) == {threading.current_thread().name}


def test_a_flood_never_drained_keeps_bounded_memory() -> None:
    buffer = OutputBuffer(tail_lines=100)
    tracemalloc.start()
    try:
        for chunk in range(300):  # 20 MB, never drained (the Run tab hidden)
            buffer.on_stdout(b"flood line %05d of the flood\n" % chunk * 2000)  # 66 KB each
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert buffer.counts == (600_000, 0)
    assert len(buffer.drain().stdout) == 100
