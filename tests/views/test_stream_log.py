"""The run's logs: a batch of lines written at once shows what Textual's `Log` shows, and a hidden log does no work."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Log, TabbedContent, TabPane

from view_helpers import pilot_test
from waiting import wait_until_async
from workbench.ui.stream_log import BatchLog, StreamLog

BATCHES = [
    ["plain ascii", "a longer plain ascii line", "x"],
    ["", "blank lines go", "", ""],
    ["tab\there", "\tleading tab", "wide 漢字 and emoji 🎉"],
    ["carriage\rreturn", "vertical\x0btab", "form\x0cfeed", "line\u2028separator", "next\x85line"],
    ["control \x01\x07 chars", "esc \x1b[31m", "del \x7f", "zero\u200bwidth"],
    ["a" * 300, "漢" * 200],
]


class _Logs(App[None]):
    def compose(self) -> ComposeResult:
        yield Log(id="upstream")
        yield BatchLog(id="batch")


def _drawn(log: Log, render: Callable[[Region], list[Strip]], view: Region) -> list[Strip]:
    log._styles_cache.clear()
    log._render_line_cache.clear()
    return render(view)


@pilot_test
async def test_a_batch_shows_the_lines_and_width_log_shows() -> None:
    app = _Logs()
    async with app.run_test(size=(80, 20)) as pilot:
        upstream, batch = app.query_one("#upstream", Log), app.query_one("#batch", BatchLog)
        for lines in BATCHES:
            upstream.write_lines(lines)
            batch.write_lines(lines)
            # Log measures the lines' widths in a worker thread: wait for it.
            await wait_until_async(lambda: upstream.virtual_size.width == batch.virtual_size.width,
                                   what="Log measured the batch", pause=pilot.pause)
            assert list(batch.lines) == list(upstream.lines)
            assert batch.virtual_size == upstream.virtual_size
            # Drawn as `Log` draws it, though its style is looked up once for all the lines.
            view = Region(0, 0, *batch.size)
            assert _drawn(batch, batch.render_lines, view) == _drawn(batch, partial(Log.render_lines, batch), view)


@pilot_test
async def test_a_block_keeps_its_blank_lines_and_starts_a_line_of_its_own() -> None:
    app = _Logs()
    async with app.run_test(size=(80, 20)) as pilot:
        batch = app.query_one("#batch", BatchLog)
        batch.write_line("… the last lines of 900")
        batch.write_block("first\n\nthird\r\nfourth\rfifth\n")
        await pilot.pause()
        assert list(batch.lines) == ["… the last lines of 900", "first", "", "third", "fourth", "fifth"]
        batch.write_block("")
        assert len(batch.lines) == 6


class _Hidden(App[None]):
    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            with TabPane("shown", id="shown"):
                yield Log(id="other")
            with TabPane("hidden", id="hidden"):
                yield StreamLog(100, id="stream")


@pilot_test
async def test_a_hidden_log_writes_nothing_until_shown_then_its_bounded_tail() -> None:
    app = _Hidden()
    async with app.run_test(size=(80, 20)) as pilot:
        stream = app.query_one("#stream", StreamLog)
        writes: list[int] = []
        original = stream.write_lines
        stream.write_lines = lambda lines, scroll_end=None: writes.append(len(list(lines))) or original(lines)  # type: ignore[method-assign]
        for batch in range(30):
            stream.feed([f"line {batch * 10 + i}" for i in range(10)])
        await pilot.pause()
        assert writes == [] and list(stream.lines) == []  # hidden: nothing drawn, nothing measured
        assert stream.tail == [f"line {i}" for i in range(200, 300)]  # but kept: the last 100
        app.query_one("#tabs", TabbedContent).active = "hidden"
        await wait_until_async(lambda: bool(stream.lines), what="the log was shown", pause=pilot.pause)
        assert writes == [100]  # one batch, of the tail only
        assert list(stream.lines) == [f"line {i}" for i in range(200, 300)]
        stream.feed(["line 300"])  # shown: written at once
        assert writes == [100, 1] and stream.lines[-1] == "line 300" and len(stream.lines) == 100


class _Full(App[None]):
    def compose(self) -> ComposeResult:
        yield BatchLog(max_lines=50, id="batch")


def _lines_shown(app: App[None]) -> list[str]:
    """The log's lines on the screen (its scrollbar left out)."""
    return [" ".join(words[:2]) for strip in app.screen._compositor.render_strips() if (words := strip.text.split())
            and words[0] == "line"]


@pilot_test
async def test_a_full_log_shows_the_lines_written_after_it_filled() -> None:
    # Once the log holds `max_lines`, each batch pushes out as many lines as it brings and the
    # view at the end stays at the same scroll offset: every line shown changed all the same.
    app = _Full()
    async with app.run_test(size=(60, 10)) as pilot:
        batch = app.query_one("#batch", BatchLog)
        batch.write_lines([f"line {i}" for i in range(50)])
        await pilot.pause()
        assert _lines_shown(app)[-1] == "line 49"
        for start in (50, 53, 200):  # a few lines, then a batch bigger than the log
            count = 3 if start < 200 else 120
            batch.write_lines([f"line {i}" for i in range(start, start + count)])
            await pilot.pause()
            shown = _lines_shown(app)
            last = start + count - 1
            assert shown == [f"line {i}" for i in range(last - len(shown) + 1, last + 1)]
