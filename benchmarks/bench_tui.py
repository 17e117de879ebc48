"""Benchmark of the workbench TUI (run by hand; prints figures).

Headless (`App.run_test()`), in this process, so the figures are those of the
workbench process itself:

(a) the time for the TUI to ingest a run of an App printing 2 million lines
    (from the run key to the final status shown), as a ratio to
    `python main.py > /dev/null` (target <= 2). The App runs as the workbench
    runs it by default (staged, line-buffered then block-buffered and flushed
    every 50 ms in a flood; `--buffering unbuffered` for PYTHONUNBUFFERED=1); the baseline is printed both
    as an author would run it and with PYTHONUNBUFFERED=1, and the same Job
    run through the core with no UI shows what the TUI itself adds;
(b) event-loop stalls during that run: a task that sleeps 10 ms in a loop
    records how late it wakes (target worst <= 50 ms); and key latency: while
    the flood runs, `m` is pressed again and again (each 20 ms after the last
    was handled), each timed from the key event to its handler's effect (the
    header showing the new args mode). Percentiles are printed only with the
    samples they need (p95 from 20, p99 from 100), else only the worst;
(c) the peak memory of this process (ru_maxrss; target <= 150 MB);
(d) in watch mode, the delay from writing main.py to the new run's process
    having started, median and worst over N saves (target median <= 100 ms).

Usage: python benchmarks/bench_tui.py [--lines N] [--saves N] [--reps N] [--buffering unbuffered|flushed]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from textual import events

from workbench.job import Buffering
from workbench.ui.app import create_app
from workbench.ui.header import WorkbenchHeader
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import UISettings

FLOOD_APP = """\
for i in range({lines}):
    print(f"line {{i}}")
"""
TRIVIAL_APP = 'print("saved {n}")\n'
SETTINGS = UISettings(cursor_blink=False, animate=False)


def baseline(app_dir: Path, unbuffered: bool) -> float:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    started = time.perf_counter()
    subprocess.run([sys.executable, "main.py"], cwd=app_dir, stdout=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - started


class _Discard:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


def headless(app_dir: Path, buffering: str) -> float:
    """The same run through the core with no UI (what `workbench run > /dev/null` costs)."""
    from workbench.appdir import AppFolder
    from workbench.job import Buffering, Job, JobSpec

    started = time.perf_counter()
    Job(AppFolder.open(app_dir), JobSpec(trigger="benchmark", buffering=Buffering(buffering)), _Discard()).run()
    return time.perf_counter() - started


class StallMeter:
    """Sleeps `interval` in a loop on the event loop and records how late each wake-up is."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.worst = 0.0
        self.lates: list[float] = []
        self._stop = False

    async def run(self) -> None:
        while not self._stop:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = time.perf_counter() - before - self.interval
            self.lates.append(late)
            self.worst = max(self.worst, late)

    def stop(self) -> None:
        self._stop = True


KEY_GAP = 0.02
"""Seconds between two key presses during the flood (after the previous one was handled)."""


async def ingest(app_dir: Path, lines: int, buffering: str) -> dict:
    app = create_app(app_dir, watch=False, settings=replace(SETTINGS, buffering=Buffering(buffering)))
    async with app.run_test(size=(120, 40)):
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await asyncio.sleep(0.5)  # let the first screen settle
        meter = StallMeter()
        task = asyncio.create_task(meter.run())
        header = screen.query_one(WorkbenchHeader)
        pane = screen.run_pane
        key_latencies: list[float] = []
        unhandled = 0
        previous = pane.last_record  # the history's latest run, shown at start
        started = time.perf_counter()
        # Not `pilot.press("r")`: it returns only once the app is idle, which is after the run.
        app.post_message(events.Key("r", "r"))
        while not pane.running and pane.last_record is previous:
            if time.perf_counter() - started > 10:
                raise RuntimeError("the run did not start within 10 s of the r key")
            await asyncio.sleep(0.001)
        while pane.running:
            # A key during the flood: `m` switches the args mode; the time from the key
            # event to the header showing the new mode (its handler has run).
            before = header.args_mode
            sent = time.perf_counter()
            app.post_message(events.Key("m", "m"))
            while header.args_mode == before:
                if time.perf_counter() - sent > 5:
                    unhandled += 1
                    break
                await asyncio.sleep(0)
            else:
                if pane.running:  # only presses handled while the flood was still going
                    key_latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(KEY_GAP)
        def final_status_shown() -> bool:
            return f"stdout {lines} lines" in str(screen.query_one("#run-status").render())

        while pane.last_record is previous or pane.running or not final_status_shown():
            if time.perf_counter() - started > 600:
                raise RuntimeError("the final status was not shown within 600 s of the r key")
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - started
        meter.stop()
        await task
        record = pane.last_record
        assert record is not None and record.stdout_lines == lines, (record, lines)
        return {
            "seconds": elapsed,
            "lates": meter.lates,
            "keys": key_latencies,
            "unhandled": unhandled,
            "app_seconds": record.duration_seconds or 0.0,
        }


def percentiles(samples: list[float]) -> str:
    """The percentiles the samples support (p50 from 2, p95 from 20, p99 from 100), and the worst, in ms."""
    parts = []
    if len(samples) >= 2:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        for label, index, needed in (("p50", 49, 2), ("p95", 94, 20), ("p99", 98, 100)):
            if len(samples) >= needed:
                parts.append(f"{label} {cuts[index] * 1000:.1f}")
    parts.append(f"worst {max(samples, default=0.0) * 1000:.1f} ms")
    return ", ".join(parts) + f" (of {len(samples)})"


async def save_to_start(app_dir: Path, saves: int) -> list[float]:
    app = create_app(app_dir, watch=True, settings=SETTINGS)
    delays = []
    async with app.run_test(size=(120, 40)):
        screen = app.screen
        assert isinstance(screen, MainScreen)
        pane = screen.run_pane
        await asyncio.sleep(0.5)  # the watcher registers
        for n in range(saves):
            before = pane.last_record
            written = time.monotonic()
            (app_dir / "main.py").write_text(TRIVIAL_APP.format(n=n))
            while pane._started_at is None or pane.running or pane.last_record is before:
                await asyncio.sleep(0.002)
                if time.monotonic() - written > 10:
                    raise RuntimeError("no run started after a save")
            delays.append(pane._started_at - written)
            await asyncio.sleep(0.3)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--buffering",
        choices=["flushed", "unbuffered"],
        default="flushed",
        help="how the App's output is buffered in the runs measured (the TUI's `b` key)",
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
        flood = Path(tmp) / "flood"
        flood.mkdir()
        (flood / "main.py").write_text(FLOOD_APP.format(lines=options.lines))
        plain, unbuffered, core, runs = [], [], [], []
        for _ in range(options.reps):
            plain.append(baseline(flood, unbuffered=False))
            unbuffered.append(baseline(flood, unbuffered=True))
            core.append(headless(flood, options.buffering))
            runs.append(asyncio.run(ingest(flood, options.lines, options.buffering)))
        tui = statistics.median(r["seconds"] for r in runs)
        print(f"(a) {options.lines:,} lines, median of {options.reps}, the App's output {options.buffering}:")
        print(f"    python main.py > /dev/null              {statistics.median(plain):7.2f} s")
        print(f"    same with PYTHONUNBUFFERED=1            {statistics.median(unbuffered):7.2f} s")
        print(f"    the core's Job, no UI (workbench run)    {statistics.median(core):7.2f} s")
        print(f"    TUI ingest (run key to final status)    {tui:7.2f} s"
              f"   (the App itself: {statistics.median(r['app_seconds'] for r in runs):.2f} s)")
        print(f"    ratio to python main.py: {tui / statistics.median(plain):.2f}  (target <= 2);"
              f" to the unbuffered baseline: {tui / statistics.median(unbuffered):.2f};"
              f" to the core without UI: {tui / statistics.median(core):.2f}")
        lates = [late for r in runs for late in r["lates"]]
        keys = [latency for r in runs for latency in r["keys"]]
        print(f"(b) event-loop stalls during the runs: {percentiles(lates)} (target worst <= 50 ms)")
        print(f"    key to handled during the flood ({len(keys)} presses in {options.reps} runs,"
              f" {min(len(r['keys']) for r in runs)} in the fewest): {percentiles(keys)}")
        unhandled = sum(r["unhandled"] for r in runs)
        if unhandled:
            print(f"    {unhandled} key press(es) not handled within 5 s")

        trivial = Path(tmp) / "trivial"
        trivial.mkdir()
        (trivial / "main.py").write_text(TRIVIAL_APP.format(n="first"))
        delays = asyncio.run(save_to_start(trivial, options.saves))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(c) peak memory of the workbench process: {peak_mb:.0f} MB (target <= 150)")
        print(f"(d) save to process start over {len(delays)} saves: median {statistics.median(delays) * 1000:.0f} ms,"
              f" worst {max(delays) * 1000:.0f} ms (target median <= 100)")


if __name__ == "__main__":
    main()
