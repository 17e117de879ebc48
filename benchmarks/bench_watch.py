"""Benchmark of watch mode that tests, and of the live resource view (run by hand; prints figures).

(a) For each sample App with presets: the time from a save (main.py written)
    to every preset's result on the board of `workbench test APP --watch`
    (the end of the round's board on stdout), median over N saves, against
    running `workbench test APP` once by hand (the whole command, one preset
    after another as by default, and with `--jobs` as many as the cores).
(b) The overhead of the Run tab's live resource view (CPU and memory
    sparklines fed by the run's sampler) on the TUI's ingest of a 2,000,000-
    line flood: the ingest time with the view on and off, interleaved, as
    ratios to `python main.py > /dev/null` (the TUI's ingest budget is 2x).

Usage: python benchmarks/bench_watch.py [--saves N] [--reps N] [--lines N] [--skip-flood]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_apps"
WORKBENCH = [sys.executable, "-m", "workbench"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def by_hand(app: Path, jobs: int | None = None) -> float:
    """Wall-clock seconds of one `workbench test APP` (exit status 0 or 1 both count)."""
    argv = [*WORKBENCH, "test", str(app)] + (["--jobs", str(jobs)] if jobs else [])
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), check=False)
    return time.perf_counter() - started


def save_to_results(app: Path, saves: int) -> list[float]:
    """Seconds from writing main.py to the end of the round's board, per save."""
    process = subprocess.Popen(
        [*WORKBENCH, "test", str(app), "--watch"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env()
    )
    boards: queue.Queue[float] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("watching for saves"):
                boards.put(time.monotonic())

    threading.Thread(target=pump, daemon=True).start()
    delays = []
    try:
        boards.get(timeout=120)  # the first round, at start
        main_py = app / "main.py"
        source = main_py.read_text()
        for n in range(saves):
            time.sleep(0.3)
            written = time.monotonic()
            main_py.write_text(source + f"\n# save {n}\n")
            delays.append(boards.get(timeout=120) - written)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return delays


def part_a(saves: int, reps: int) -> None:
    from workbench.presets import load_presets

    cores = os.cpu_count() or 1
    print(f"(a) save to all presets' results with `workbench test --watch` ({cores} at once),"
          f" median of {saves} saves; `workbench test` by hand, median of {reps}:")
    print(f"    {'App':<10} {'presets':>7} {'watch: save→results':>20} {'by hand':>9} {'--jobs ' + str(cores):>9}")
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        for sample in sorted(SAMPLES.iterdir()):
            if not (sample / "presets.toml").exists():
                continue
            app = Path(tmp) / sample.name
            shutil.copytree(sample, app, ignore=shutil.ignore_patterns(".workbench", "__pycache__"))
            count = len(load_presets(app).presets)
            hand = statistics.median(by_hand(app) for _ in range(reps))
            hand_jobs = statistics.median(by_hand(app, cores) for _ in range(reps))
            delays = save_to_results(app, saves)
            print(f"    {sample.name:<10} {count:>7} {statistics.median(delays):>18.2f} s {hand:>7.2f} s {hand_jobs:>7.2f} s"
                  f"   (watch worst {max(delays):.2f} s)")


def part_b(lines: int, reps: int) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import bench_tui
    from bench_tui import FLOOD_APP, baseline, ingest  # the TUI benchmark's own flood and measure

    from workbench.ui.settings import UISettings

    with tempfile.TemporaryDirectory(prefix="bench-watch-flood-") as tmp:
        flood = Path(tmp) / "flood"
        flood.mkdir()
        (flood / "main.py").write_text(FLOOD_APP.format(lines=lines))
        plain, on, off = [], [], []
        for _ in range(reps):
            plain.append(baseline(flood, unbuffered=False))
            for live, into in ((True, on), (False, off)):
                bench_tui.SETTINGS = UISettings(cursor_blink=False, animate=False, live_resources=live)
                into.append(asyncio.run(ingest(flood, lines, "flushed")))
        base = statistics.median(plain)
        with_view = statistics.median(r["seconds"] for r in on)
        without = statistics.median(r["seconds"] for r in off)
        print(f"(b) TUI ingest of {lines:,} lines, median of {reps} (interleaved):")
        print(f"    python main.py > /dev/null       {base:6.2f} s")
        print(f"    live resource view off           {without:6.2f} s   ratio {without / base:.2f}")
        print(f"    live resource view on            {with_view:6.2f} s   ratio {with_view / base:.2f}  (budget <= 2)")
        print(f"    overhead of the view: {(with_view - without) * 1000:+.0f} ms ({(with_view / without - 1) * 100:+.1f}%);"
              f" worst stall on {max(r['stall'] for r in on) * 1000:.0f} ms, off {max(r['stall'] for r in off) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--skip-flood", action="store_true", help="only part (a)")
    options = parser.parse_args()
    part_a(options.saves, options.reps)
    if not options.skip_flood:
        part_b(options.lines, options.reps)


if __name__ == "__main__":
    main()
