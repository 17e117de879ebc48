"""Benchmark of typing into an argument field (run by hand; prints figures).

A burst of N keys (default 1,000) typed into the value field of the Arguments
tab, headless through `App.run_test()` and Pilot (each key is handled and the
screen refreshed before the next), against the same burst typed into a plain
compact `Input` in an app holding nothing else. The workbench validates and
saves the draft after a pause in the typing, not on every key: the target is
a ratio of at most 2.

Usage: python benchmarks/bench_typing.py [--keys N] [--reps N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input

from workbench.draft import load_draft
from workbench.ui.app import create_app
from workbench.ui.arguments_editor import ArgumentsEditor
from workbench.ui.settings import UISettings

SIZE = (120, 40)
SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False)
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class PlainInput(App[None]):
    """Nothing but one compact Input."""

    def compose(self) -> ComposeResult:
        yield Input(compact=True, select_on_focus=False)


def keys(count: int) -> list[str]:
    return [ALPHABET[i % len(ALPHABET)] for i in range(count)]


async def plain(count: int) -> float:
    app = PlainInput()
    async with app.run_test(size=SIZE) as pilot:
        field = app.query_one(Input)
        field.focus()
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press(*keys(count))
        elapsed = time.perf_counter() - start
        assert len(field.value) == count
    return elapsed


async def workbench(count: int, root: Path) -> float:
    app = create_app(root, watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        editor = app.screen.query_one(ArgumentsEditor)
        await editor.add_argument("message", "")
        await pilot.pause()
        field = editor.query(".argument-value").results(Input).__next__()
        field.focus()
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press(*keys(count))
        elapsed = time.perf_counter() - start
        assert len(field.value) == count
        await pilot.pause(1.0)  # the debounced validation and save
    saved = load_draft(root).kwargs.get("message", "")
    assert len(saved) == count, f"the draft holds {len(saved)} characters, not {count}"
    return elapsed


async def main(count: int, reps: int) -> None:
    plain_times, workbench_times = [], []
    for _ in range(reps):
        plain_times.append(await plain(count))
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / "app"
            root.mkdir()
            (root / "main.py").write_text("import sys, json\nprint(json.loads(sys.stdin.read() or '{}'))\n")
            workbench_times.append(await workbench(count, root))
    p, w = statistics.median(plain_times), statistics.median(workbench_times)
    print(f"{count} keys into a plain compact Input:      {p:.2f} s ({p / count * 1000:.2f} ms a key), runs {plain_times}")
    print(f"{count} keys into an argument value field:    {w:.2f} s ({w / count * 1000:.2f} ms a key), runs {workbench_times}")
    print(f"ratio: {w / p:.2f} (target <= 2)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.keys, arguments.reps))
