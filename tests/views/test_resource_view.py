"""What runs cost, drawn small: live CPU and memory sparklines, and duration and peak memory across runs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual.app import App, ComposeResult
from textual.widgets import Sparkline, Static

from view_helpers import SIZE, Harness, make_history, pilot_test, settle, utc  # noqa: F401
from workbench.ui.history_view import HistoryView
from workbench.ui.resource_view import LIVE_SAMPLES, ResourceView, RunTrend

MIB = 1024 * 1024


@dataclass(frozen=True)
class FakeSample:
    at: float
    rss_bytes: int
    cpu_percent: float
    processes: int


class LiveApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResourceView(id="resources")


def text(app: App, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


@pilot_test
async def test_the_live_view_shows_current_and_peak_values_and_the_process_count() -> None:
    app = LiveApp()
    async with app.run_test(size=(100, 5)) as pilot:
        view = app.query_one(ResourceView)
        assert not view.display  # nothing to show before a run
        view.reset()
        await pilot.pause()
        assert view.display
        view.add_samples([FakeSample(0.1, 10 * MIB, 50.0, 1), FakeSample(0.2, 30 * MIB, 180.0, 3)])
        view.add_samples([FakeSample(0.3, 20 * MIB, 20.0, 2)])
        await pilot.pause()
        assert app.query_one("#resource-memory", Sparkline).data == [10 * MIB, 30 * MIB, 20 * MIB]
        assert app.query_one("#resource-cpu", Sparkline).data == [50.0, 180.0, 20.0]
        assert text(app, "#resource-memory-text") == "20 MiB peak 30 MiB"
        assert text(app, "#resource-cpu-text") == "20% peak 180%"
        assert text(app, "#resource-processes") == "2 processes"
        view.finish(peak_memory_bytes=42 * MIB)  # the record's peak folds in the main process's own
        await pilot.pause()
        assert text(app, "#resource-memory-text") == "20 MiB peak 42 MiB"
        assert text(app, "#resource-processes") == "0 processes"
        # A new run starts afresh; a long run keeps only the latest samples.
        view.reset()
        view.add_samples(FakeSample(i / 10, i, 1.0, 1) for i in range(LIVE_SAMPLES + 50))
        await pilot.pause()
        data = app.query_one("#resource-memory", Sparkline).data
        assert len(data) == LIVE_SAMPLES and data[0] == 50


@pilot_test
async def test_history_plots_duration_and_peak_memory_oldest_first(make_app, utc) -> None:  # noqa: F811
    history, records = make_history(make_app)
    view = HistoryView(history)
    async with Harness(view).run_test(size=SIZE) as pilot:
        await settle(pilot)
        trend = view.query_one(RunTrend)
        assert trend.query_one("#trend-duration", Sparkline).data == [0.25, 1.25, 2.25]
        peaks = [record.peak_memory_bytes for record in records[::-1]]
        assert trend.query_one("#trend-memory", Sparkline).data == [float(peak) for peak in peaks]
        assert str(trend.query_one("#trend-duration-range", Static).render()) == (
            "0.25 s – 2.25 s · last 2.25 s · 3 run(s)"
        )


STEPS_APP = """
import time
blocks = []
for step in range(5):
    blocks.append(bytearray(24 * 1024 * 1024))  # 24 MiB more, touched: resident
    for i in range(0, len(blocks[-1]), 4096):
        blocks[-1][i] = 1
    time.sleep(0.4)
print("allocated", len(blocks))
"""


@pilot_test
async def test_the_run_tab_draws_the_sampled_memory_of_an_app_that_allocates_in_steps(make_app) -> None:
    from workbench.ui.app import create_app
    from workbench.ui.settings import UISettings

    root = make_app(STEPS_APP)
    app = create_app(root, watch=False, settings=UISettings(cursor_blink=False, animate=False, show_clock=False))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("r")
        pane = app.screen.run_pane
        seen_processes = False
        deadline = asyncio.get_running_loop().time() + 60
        while pane.running or pane.last_record is None:
            view = app.screen.query_one(ResourceView)
            seen_processes = seen_processes or view.processes >= 1
            assert asyncio.get_running_loop().time() < deadline, "the run never ended"
            await pilot.pause(0.05)
        await pilot.pause()
        view = app.screen.query_one(ResourceView)
        memory = app.screen.query_one("#resource-memory", Sparkline).data
        assert len(memory) >= 10, memory
        third = len(memory) // 3
        early, late = max(memory[:third]), max(memory[-third:])
        assert late - early >= 48 * MIB, (early, late)  # at least two steps of 24 MiB between them
        assert memory.index(max(memory)) > len(memory) // 2  # the peak comes late, as the App grows
        assert seen_processes
        assert view.peak_memory >= 5 * 24 * MIB
        assert view.peak_memory >= pane.last_record.peak_memory_bytes  # the record's peak is folded in at the end
        assert "peak" in text(app, "#resource-memory-text")
