"""What runs cost, drawn small: a run's CPU and memory live, and duration and peak memory across runs.

`ResourceView` sits in the Run tab. While a run goes, the run's sampler (see
`workbench.proctree`) measures its process tree every 0.1 s; the Run tab hands
the samples over with its output, and this view shows CPU and memory as
sparklines with their current and peak values and the number of processes.

`RunTrend` sits in the History tab: the duration and peak memory of the runs
kept, oldest to newest, as two sparklines with their range.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from ..fsutil import human_size

LIVE_SAMPLES = 300
"""Samples a live sparkline keeps: the last 30 s at the sampler's 0.1 s."""


class ResourceSample(Protocol):
    """One measurement of a run's process tree (`workbench.proctree.Sample`)."""

    @property
    def rss_bytes(self) -> int: ...

    @property
    def cpu_percent(self) -> float: ...

    @property
    def processes(self) -> int: ...


class ResourceView(Horizontal):
    """A run's CPU and memory as sparklines, with current and peak values and the process count."""

    DEFAULT_CSS = """
    ResourceView {
        height: 1;
        display: none;
        padding: 0 1;
        &.-active { display: block; }
        .resource-label { width: auto; color: $text-muted; }
        .resource-value { width: auto; min-width: 10; padding: 0 1; }
        Sparkline { width: 1fr; min-width: 8; height: 1; }
        #resource-cpu > .sparkline--max-color { color: $warning; }
        #resource-cpu > .sparkline--min-color { color: $success; }
        #resource-memory > .sparkline--max-color { color: $error; }
        #resource-memory > .sparkline--min-color { color: $primary; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cpu: deque[float] = deque(maxlen=LIVE_SAMPLES)
        self.memory: deque[float] = deque(maxlen=LIVE_SAMPLES)
        self.peak_cpu = 0.0
        self.peak_memory = 0
        self.processes = 0

    def compose(self) -> ComposeResult:
        yield Static("cpu", classes="resource-label")
        yield Sparkline([], id="resource-cpu", summary_function=max)
        yield Static(id="resource-cpu-text", classes="resource-value")
        yield Static("memory", classes="resource-label")
        yield Sparkline([], id="resource-memory", summary_function=max)
        yield Static(id="resource-memory-text", classes="resource-value")
        yield Static(id="resource-processes", classes="resource-value")

    def reset(self) -> None:
        """Start afresh for a new run (and show the view)."""
        self.cpu.clear()
        self.memory.clear()
        self.peak_cpu = 0.0
        self.peak_memory = 0
        self.processes = 0
        self.add_class("-active")
        self._draw()

    def add_samples(self, samples: Iterable[ResourceSample]) -> None:
        """Take the samples measured since the last call (from the UI thread)."""
        added = False
        for sample in samples:
            self.cpu.append(sample.cpu_percent)
            self.memory.append(float(sample.rss_bytes))
            self.peak_cpu = max(self.peak_cpu, sample.cpu_percent)
            self.peak_memory = max(self.peak_memory, sample.rss_bytes)
            self.processes = sample.processes
            added = True
        if added:
            self._draw()

    def finish(self, peak_memory_bytes: int | None) -> None:
        """The run ended: its recorded peak (which folds in the main process's own) is the peak shown."""
        if peak_memory_bytes:
            self.peak_memory = max(self.peak_memory, peak_memory_bytes)
        self.processes = 0
        self._draw()

    def on_show(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """Show the values; a hidden view only keeps them (each update would ask the screen for a layout)."""
        if not self.is_on_screen:
            return  # drawn when shown
        self.query_one("#resource-cpu", Sparkline).data = list(self.cpu)
        self.query_one("#resource-memory", Sparkline).data = list(self.memory)
        cpu_now = self.cpu[-1] if self.cpu else 0.0
        memory_now = int(self.memory[-1]) if self.memory else 0
        self.query_one("#resource-cpu-text", Static).update(
            Text.assemble(f"{cpu_now:.0f}%", (f" peak {self.peak_cpu:.0f}%", "dim"))
        )
        self.query_one("#resource-memory-text", Static).update(
            Text.assemble(human_size(memory_now), (f" peak {human_size(self.peak_memory)}", "dim"))
        )
        count = self.processes
        self.query_one("#resource-processes", Static).update(
            Text(f"{count} process{'es' if count != 1 else ''}", style="dim" if not count else "")
        )


class RunTrend(Widget):
    """The duration and peak memory of past runs, oldest to newest, as two small sparklines."""

    DEFAULT_CSS = """
    RunTrend {
        height: auto;
        padding: 0 1;
        Horizontal { height: 1; }
        .trend-label { width: 13; color: $text-muted; }
        .trend-range { width: auto; padding: 0 1; }
        Sparkline { width: 1fr; height: 1; }
        #trend-duration > .sparkline--max-color { color: $warning; }
        #trend-memory > .sparkline--max-color { color: $error; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("duration", classes="trend-label")
            yield Sparkline([], id="trend-duration", summary_function=max)
            yield Static(id="trend-duration-range", classes="trend-range")
        with Horizontal():
            yield Static("peak memory", classes="trend-label")
            yield Sparkline([], id="trend-memory", summary_function=max)
            yield Static(id="trend-memory-range", classes="trend-range")

    def show_runs(self, durations: Sequence[float | None], peaks: Sequence[int | None]) -> None:
        """Plot the runs' figures, oldest first (runs without a figure are left out of its line)."""
        known_durations = [value for value in durations if value is not None]
        known_peaks = [value for value in peaks if value]
        self.query_one("#trend-duration", Sparkline).data = known_durations
        self.query_one("#trend-memory", Sparkline).data = [float(value) for value in known_peaks]
        self.query_one("#trend-duration-range", Static).update(_range(known_durations, lambda v: f"{v:.2f} s"))
        self.query_one("#trend-memory-range", Static).update(_range(known_peaks, lambda v: human_size(int(v))))


def _range(values: Sequence[float], show) -> Text:
    if not values:
        return Text("no runs yet", style="dim")
    return Text.assemble(
        (f"{show(min(values))} – {show(max(values))}", ""), (f" · last {show(values[-1])} · {len(values)} run(s)", "dim")
    )
