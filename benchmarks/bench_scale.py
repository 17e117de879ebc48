"""Benchmark of the workbench at scale: big Apps, long histories, many outputs (run by hand).

Every case is built in a temporary folder (never in the checkout), and the
staged copies go to a private stage root there too. Prints, as ratios where a pair exists:

(a) an unchanged 20,000-file App: `workbench run` against `python main.py` in it
    (target: within 0.3 s), and a trivial App (target: within 80 ms);
(b) a 500 MB App: a warm run copies nothing (target: no full copy);
(c) Apps writing 10,000 and 200,000 outputs: the command's time against the App's
    own, the workbench's time, and the size of record.json and the output listing;
(d) `workbench preview` with 2,000 runs against 1 run (target: within 1.5x);
(e) the TUI's start-up (to the History list filled) and worst event-loop stall
    with 50 runs of 10,000 outputs, against an empty history (targets: 2x; 50 ms);
(f) tab switching by number keys during an output flood: worst key latency, from a key
    sent as a terminal's input thread sends it, at a random moment (20 to 80 ms after the
    one before), to its action run (target 50 ms); and to the next frame drawn after it.
    Also as measured before this figure had a target: the next key sent once the tab is
    active, seen by a task polling for it (which adds the rest of that pass of the loop);
(g) RSS over 1,000 tab switches (target: flat within 10 MB);
(h) the TUI's first paint against a minimal Textual app with tabs and a Footer, each in a
    fresh process from its first line (imports included) to its first frame drawn
    (target: within 2x); and to settled (the CPU idle: the hidden tabs' views built too),
    with the busiest turn of the event loop on the way (a stall a key would wait out);
(i) the App tab of a 20,000-file App: worst event-loop stall from start to its file
    list filled (target: 50 ms);
(j) the History tab with 2,000 runs (start to its list filled, worst stall), and the cursor
    stepping through runs of 10,000 outputs each (worst stall; target 50 ms for both).

Usage: python benchmarks/bench_scale.py [--skip-tui] [--reps N] [--quick] [--cases abcdefghij]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's workbench, in this process as in the subprocesses


ENV_CHANGES: list[str] = []
"""How the commands' environment differs from this script's, printed with the figures."""


def env_for_workbench(stage: Path) -> dict[str, str]:
    """The environment of every command measured, the baselines' and the workbench's alike.

    PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE are removed (the first slows a
    flooding App, the second makes Python compile again, at every start, each
    module whose cached bytecode is older than its source), and compiled modules
    go to a folder beside the stage (PYTHONPYCACHEPREFIX), never into the checkout.
    """
    env = dict(os.environ)
    ENV_CHANGES[:] = [f"{name} removed" for name in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE") if env.pop(name, None)]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONPYCACHEPREFIX"] = str(stage.parent / "pycache")
    env["WORKBENCH_STAGE_DIR"] = str(stage)
    ENV_CHANGES.extend(["PYTHONPATH=<this checkout>", "PYTHONPYCACHEPREFIX=<temporary folder>/pycache",
                        "WORKBENCH_STAGE_DIR=<temporary folder>/stage"])
    return env


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def median_of(reps: int, argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    return statistics.median(timed(argv, cwd, env) for _ in range(reps))


def workbench(*args: str) -> list[str]:
    return [sys.executable, "-m", "workbench", *args]


def make_app(root: Path, main: str, files: int = 0, file_size: int = 40) -> Path:
    root.mkdir(parents=True)
    (root / "main.py").write_text(main)
    per_folder = 100
    for index in range(files):
        folder = root / "vendor" / f"pkg{index // per_folder:04d}"
        if index % per_folder == 0:
            folder.mkdir(parents=True)
        (folder / f"m{index % per_folder:03d}.py").write_bytes(b"#" * file_size)
    return root


def last_summary(app: Path) -> dict:
    runs = sorted((app / ".workbench" / "runs").iterdir())
    return json.loads((runs[-1] / "summary.json").read_text()) | {"dir": runs[-1]}


def case_big_app(tmp: Path, env: dict[str, str], reps: int, files: int) -> None:
    app = make_app(tmp / "big", 'print("hi")\n', files=files)
    trivial = make_app(tmp / "trivial", 'print("hi")\n')
    for target in (app, trivial):
        timed(workbench("run", str(target), "-q"), REPO, env)  # the first run stages the copy
    plain = median_of(reps, [sys.executable, "main.py"], app, env)
    run = median_of(reps, workbench("run", str(app), "-q"), REPO, env)
    plain_t = median_of(reps, [sys.executable, "main.py"], trivial, env)
    run_t = median_of(reps, workbench("run", str(trivial), "-q"), REPO, env)
    summary = last_summary(app)
    print(f"(a) unchanged {files:,}-file App, median of {reps}: python main.py {plain:.3f} s,"
          f" workbench run {run:.3f} s: +{run - plain:.3f} s (target +0.3 s), ratio {run / plain:.1f};"
          f" the workbench's own time in the record {summary.get('workbench_seconds') or 0:.3f} s")
    print(f"    trivial App: python main.py {plain_t:.3f} s, workbench run {run_t:.3f} s:"
          f" +{(run_t - plain_t) * 1000:.0f} ms (target +80 ms)")


def case_500mb(tmp: Path, env: dict[str, str], reps: int, megabytes: int) -> None:
    from workbench.appdir import AppFolder
    from workbench.staging import discard_workspace, stage_workspace

    app_dir = make_app(tmp / "data-app", 'print("hi")\n')
    chunk = os.urandom(1 << 20)
    for index in range(5):
        with open(app_dir / f"data{index}.bin", "wb") as handle:
            for _ in range(megabytes // 5):
                handle.write(chunk)
    app = AppFolder.open(app_dir)
    stage = Path(env["WORKBENCH_STAGE_DIR"])
    started = time.perf_counter()
    first = stage_workspace(app, [], parent=stage)
    cold = time.perf_counter() - started
    discard_workspace(first)
    started = time.perf_counter()
    second = stage_workspace(app, [], parent=stage)
    warm = time.perf_counter() - started
    discard_workspace(second)
    plain = median_of(reps, [sys.executable, "main.py"], app_dir, env)
    run = median_of(reps, workbench("run", str(app_dir), "-q"), REPO, env)
    print(f"(b) {megabytes} MB App: first staging {cold:.2f} s ({first.restored} files copied),"
          f" next {warm * 1000:.0f} ms ({second.restored} files copied: no full copy);"
          f" workbench run {run:.3f} s against python main.py {plain:.3f} s (+{run - plain:.3f} s)")


def case_outputs(tmp: Path, env: dict[str, str], count: int) -> None:
    main = (
        "import os\n"
        f"for i in range({count}):\n"
        "    d = f'output/part{i // 1000:04d}' if i >= 100 else 'output'\n"
        "    os.makedirs(d, exist_ok=True)\n"
        "    with open(f'{d}/f{i:06d}.txt', 'w') as f:\n"
        "        f.write('x' * 20)\n"
    )
    app = make_app(tmp / f"outputs-{count}", main)
    total = timed(workbench("run", str(app)), REPO, env)
    summary = last_summary(app)
    record_size = (summary["dir"] / "record.json").stat().st_size
    listing = (summary["dir"] / "outputs.jsonl").stat().st_size
    own = summary["duration_seconds"]
    print(f"(c) {count:,} outputs: workbench run {total:.2f} s, the App {own:.2f} s (ratio {total / own:.1f}),"
          f" the workbench {summary['workbench_seconds']:.2f} s; record.json {record_size / 1024:.1f} KiB,"
          f" outputs.jsonl {listing / 1024 / 1024:.1f} MiB")


def fake_history(app: Path, runs: int, outputs: int) -> None:
    """Copies of one real run under new ids, each with `outputs` outputs listed."""
    subprocess.run(workbench("run", str(app), "-q", "--keep", str(runs + 5)), cwd=REPO, check=True,
                   env=env_for_workbench(app.parent / "stage"), stdout=subprocess.DEVNULL)
    from workbench.history import RunHistory
    from workbench.records import OutputRecord

    history = RunHistory(app, keep=runs + 5)
    [real] = history.records()
    real.outputs = [OutputRecord(path=f"d{i // 500:03d}/f{i:05d}.txt", size=20, sha256="0" * 64)
                    for i in range(outputs)]
    base = real.started_at
    from datetime import timedelta

    from workbench.history import new_run_id

    for index in range(runs - 1):
        record = real.model_copy()
        record.id = new_run_id((base - timedelta(minutes=index + 1)).replace(tzinfo=None))
        record.started_at = base - timedelta(minutes=index + 1)
        history.run_dir(record.id).mkdir(parents=True)
        history.save(record)


def case_preview(tmp: Path, env: dict[str, str], reps: int, runs: int) -> None:
    one = make_app(tmp / "preview-1", 'print("hi")\n')
    many = make_app(tmp / "preview-many", 'print("hi")\n')
    fake_history(one, 1, 10)
    fake_history(many, runs, 10)
    t_one = median_of(reps, workbench("preview", str(one)), REPO, env)
    t_many = median_of(reps, workbench("preview", str(many)), REPO, env)
    print(f"(d) workbench preview: 1 run {t_one:.3f} s, {runs:,} runs {t_many:.3f} s: ratio {t_many / t_one:.2f}"
          " (target 1.5)")


class StallMeter:
    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.worst = 0.0
        self._stop = False

    async def run(self) -> None:
        while not self._stop:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.perf_counter() - before - self.interval)

    def stop(self) -> None:
        self._stop = True


async def tui_start(app_dir: Path, runs: int) -> tuple[float, float]:
    from textual.widgets import DataTable

    from workbench.ui.app import create_app
    from workbench.ui.history_view import HistoryView
    from workbench.ui.settings import UISettings

    meter = StallMeter()
    task = asyncio.create_task(meter.run())
    started = time.perf_counter()
    app = create_app(app_dir, watch=False, settings=UISettings(cursor_blink=False, animate=False))
    async with app.run_test(size=(120, 40)):
        # History is not the tab shown first: its view is mounted just after the first paint (its
        # table is waited for, not the view, which may not have composed its children yet).
        while not app.screen.query("HistoryView #history-table") and time.perf_counter() - started < 60:
            await asyncio.sleep(0.005)
        view = app.screen.query_one(HistoryView)
        table = view.query_one("#history-table", DataTable)
        while table.row_count < runs and time.perf_counter() - started < 60:
            await asyncio.sleep(0.005)
        filled = time.perf_counter() - started
        await asyncio.sleep(0.5)
    meter.stop()
    await task
    return filled, meter.worst


async def tab_switching(app_dir: Path, switches: int, flood: bool) -> tuple[float, float, float]:
    import psutil
    from textual import events
    from textual.widgets import TabbedContent

    from workbench.ui.app import create_app
    from workbench.ui.settings import UISettings

    process = psutil.Process()
    app = create_app(app_dir, watch=False, settings=UISettings(cursor_blink=False, animate=False))
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)):
        tabs = app.screen.query_one("#tabs", TabbedContent)
        await asyncio.sleep(0.5)
        # Keys are posted as a terminal sends them, not with `pilot.press`: that returns only once
        # the app is idle, which during a flood it never is, so it would time its own wait.
        if flood:
            app.post_message(events.Key("r", "r"))
            await asyncio.sleep(0.3)
        keys = [("1", "app"), ("4", "run"), ("6", "history"), ("5", "outputs"), ("2", "arguments")]
        rss_before = None
        for index in range(switches):
            key, pane = keys[index % len(keys)]
            sent = time.perf_counter()
            app.post_message(events.Key(key, key))
            while tabs.active != pane and time.perf_counter() - sent < 5:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - sent)
            if index == 50:
                rss_before = process.memory_info().rss
        rss_after = process.memory_info().rss
    return max(latencies), statistics.median(latencies), (rss_after - (rss_before or rss_after)) / 1024 / 1024


async def keys_at_random(app_dir: Path, keys: int, seed: int = 1) -> tuple[list[float], list[float]]:
    """Tab keys sent during a flood from a thread, as a terminal's input thread sends them: each
    at a random moment, 20 to 80 ms after the one before. Returns each key's wait until its
    action ran, and until the next frame handed to the terminal after that."""
    import bisect
    import random
    import threading

    from textual import events
    from textual.app import App

    from workbench.ui.app import create_app
    from workbench.ui.settings import UISettings

    frames: list[float] = []
    display = App._display

    def noting_frames(self, screen, renderable):
        if renderable is not None:
            frames.append(time.perf_counter())
        return display(self, screen, renderable)

    App._display = noting_frames
    app = create_app(app_dir, watch=False, settings=UISettings(cursor_blink=False, animate=False))
    sent: list[float] = []
    handled: list[float] = []
    try:
        async with app.run_test(size=(120, 40)):
            await asyncio.sleep(0.5)
            app.post_message(events.Key("r", "r"))
            await asyncio.sleep(0.3)
            screen = app.screen
            show_tab = screen.action_show_tab

            def noting_action(tab: str) -> None:
                handled.append(time.perf_counter())
                show_tab(tab)

            screen.action_show_tab = noting_action
            order, rng = "14652", random.Random(seed)

            def typist() -> None:
                for index in range(keys):
                    time.sleep(rng.uniform(0.02, 0.08))
                    key = order[index % len(order)]
                    sent.append(time.perf_counter())
                    app.post_message(events.Key(key, key))  # thread-safe, as Textual's driver posts

            thread = threading.Thread(target=typist, daemon=True)
            thread.start()
            while thread.is_alive() or len(handled) < len(sent):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
    finally:
        App._display = display
    to_action = [done - key for key, done in zip(sent, handled, strict=True)]
    to_frame = [frames[index] - key for key, done in zip(sent, handled, strict=True)
                if (index := bisect.bisect_right(frames, done)) < len(frames)]
    return to_action, to_frame


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


FIRST_PAINT = """
import time
started = time.perf_counter()
import sys
from pathlib import Path
from textual.app import App

# The first frame: when Textual first hands a frame of the screen to the terminal (headless,
# it is dropped there). `pilot.pause()` below waits for an idle CPU, past the first frame.
first_frame = []
display = App._display

def timed_display(self, screen, renderable):
    if renderable is not None and not first_frame:
        first_frame.append(time.perf_counter() - started)
    return display(self, screen, renderable)

App._display = timed_display

# The busiest turn of the event loop (one pass over the callbacks ready, the wait for I/O left
# out) from the start to settled: no key can be read during one. The same measure as the
# stall meter of the other cases, taken here from the loop's own first pass.
import asyncio.base_events
import selectors

waiting = [0.0]
busiest = [0.0]
select = selectors.DefaultSelector.select

def timed_select(self, timeout=None):
    begun = time.perf_counter()
    try:
        return select(self, timeout)
    finally:
        waiting[0] += time.perf_counter() - begun

selectors.DefaultSelector.select = timed_select
run_once = asyncio.base_events.BaseEventLoop._run_once

def timed_run_once(self):
    begun, waited = time.perf_counter(), waiting[0]
    try:
        return run_once(self)
    finally:
        busiest[0] = max(busiest[0], time.perf_counter() - begun - (waiting[0] - waited))

asyncio.base_events.BaseEventLoop._run_once = timed_run_once
if sys.argv[1] == "minimal":
    from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

    class Minimal(App):
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self):
            yield Header()
            with TabbedContent():
                for name in ("one", "two", "three"):
                    with TabPane(name):
                        yield Static(name)
            yield Footer()

    app = Minimal()
else:
    from workbench.ui.app import create_app
    from workbench.ui.settings import UISettings

    app = create_app(Path(sys.argv[2]), watch=False, settings=UISettings(cursor_blink=False, animate=False))


async def first_paint(pilot):
    while not getattr(app.screen, "views_mounted", True):  # the workbench: every tab's view built
        await pilot.pause(0.01)
    await pilot.pause()  # the first screen composed, mounted and drawn, and the CPU idle
    print(first_frame[0], time.perf_counter() - started, busiest[0])
    app.exit()


app.run(headless=True, size=(120, 40), auto_pilot=first_paint)
"""


def first_paint(kind: str, app_dir: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """One start of the minimal app or the workbench: the times to its first frame and to settled,
    and its busiest turn of the event loop on the way."""
    done = subprocess.run([sys.executable, "-c", FIRST_PAINT, kind, str(app_dir)], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True)
    frame, idle, turn = done.stdout.strip().splitlines()[-1].split()
    return float(frame), float(idle), float(turn)


def case_first_paint(tmp: Path, env: dict[str, str], reps: int) -> None:
    app = make_app(tmp / "paint", 'print("hi")\n')
    # Interleaved, one of each in turn: on a shared machine the load changes within a minute.
    minimal, workbench_tui = [], []
    for _ in range(reps):
        minimal.append(first_paint("minimal", app, env))
        workbench_tui.append(first_paint("workbench", app, env))
    for index, what in enumerate(("first paint (first frame drawn)", "settled (CPU idle, every tab's view built)")):
        ours = statistics.median(times[index] for times in workbench_tui)
        theirs = statistics.median(times[index] for times in minimal)
        print(f"{'(h)' if index == 0 else '   '} {what}, median of {reps}: a minimal Textual app {theirs * 1000:.0f} ms,"
              f" the workbench {ours * 1000:.0f} ms: ratio {ours / theirs:.2f}{' (target 2)' if index == 0 else ''}")
    print(f"    busiest turn of the event loop from start to settled, in a fresh process (a stall; target 50 ms):"
          f" a minimal Textual app median {statistics.median(t[2] for t in minimal) * 1000:.0f} ms,"
          f" worst {max(t[2] for t in minimal) * 1000:.0f} ms;"
          f" the workbench median {statistics.median(t[2] for t in workbench_tui) * 1000:.0f} ms,"
          f" worst {max(t[2] for t in workbench_tui) * 1000:.0f} ms")


async def app_tab_stall(app_dir: Path, files: int) -> tuple[float, float]:
    from workbench.ui.app import create_app
    from workbench.ui.file_list import FileList
    from workbench.ui.settings import UISettings

    app = create_app(app_dir, watch=False, settings=UISettings(cursor_blink=False, animate=False))
    async with app.run_test(size=(120, 40)) as pilot:
        meter = StallMeter()
        task = asyncio.create_task(meter.run())
        started = time.perf_counter()
        await pilot.press("1")
        while time.perf_counter() - started < 120:
            found = app.screen.query("#app-files-big")
            if found and len(found.first(FileList).files) >= files:
                break
            await asyncio.sleep(0.01)
        filled = time.perf_counter() - started
        for key in ("down", "pagedown", "end", "home"):
            await pilot.press(key)
        await asyncio.sleep(0.3)
        meter.stop()
        await task
    return filled, meter.worst


def case_app_tab(tmp: Path, env: dict[str, str], files: int) -> None:
    os.environ["WORKBENCH_STAGE_DIR"] = env["WORKBENCH_STAGE_DIR"]
    app = make_app(tmp / "tab-big", 'print("hi")\n', files=files)
    filled, worst = asyncio.run(app_tab_stall(app, files + 1))
    print(f"(i) App tab of a {files:,}-file App: list filled {filled:.2f} s after the tab was shown (in a worker);"
          f" worst event-loop stall {worst * 1000:.0f} ms (target 50)")


async def history_steps(app_dir: Path, steps: int) -> tuple[float, float]:
    """The worst stall, and the median time per key, while the History cursor steps down `steps` runs."""
    from textual.widgets import DataTable

    from workbench.ui.app import create_app
    from workbench.ui.history_view import HistoryView
    from workbench.ui.settings import UISettings

    app = create_app(app_dir, watch=False, settings=UISettings(cursor_blink=False, animate=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("6")
        started = time.perf_counter()
        while time.perf_counter() - started < 60:
            views = app.screen.query(HistoryView)
            if views and views.first().query_one("#history-table", DataTable).row_count >= steps:
                break
            await asyncio.sleep(0.01)
        table = app.screen.query_one(HistoryView).query_one("#history-table", DataTable)
        table.focus()
        await asyncio.sleep(0.5)
        meter = StallMeter()
        task = asyncio.create_task(meter.run())
        per_key = []
        for _ in range(steps):
            sent = time.perf_counter()
            await pilot.press("down")
            per_key.append(time.perf_counter() - sent)
        await asyncio.sleep(0.5)  # the last run's details, loaded in a worker, shown
        meter.stop()
        await task
    return meter.worst, statistics.median(per_key)


def case_history(tmp: Path, env: dict[str, str], runs: int, outputs: int) -> None:
    os.environ["WORKBENCH_STAGE_DIR"] = env["WORKBENCH_STAGE_DIR"]
    many = make_app(tmp / "history-many", 'print("hi")\n')
    fake_history(many, runs, 10)
    filled, stall = asyncio.run(tui_start(many, runs))
    print(f"(j) History of {runs:,} runs: list filled {filled:.2f} s after start; worst stall {stall * 1000:.0f} ms"
          " (target 50)")
    big = make_app(tmp / "history-big", 'print("hi")\n')
    fake_history(big, 20, outputs)
    worst, per_key = asyncio.run(history_steps(big, 19))
    print(f"(j) History cursor over runs of {outputs:,} outputs: worst stall {worst * 1000:.0f} ms (target 50),"
          f" median {per_key * 1000:.0f} ms a step to idle")


def case_tui(tmp: Path, env: dict[str, str], cases: set[str], switches: int, runs: int, outputs: int) -> None:
    """Cases (e), (f) and (g), those of `cases`, in this process one after the other."""
    os.environ["WORKBENCH_STAGE_DIR"] = env["WORKBENCH_STAGE_DIR"]
    empty = make_app(tmp / "tui-empty", 'print("hi")\n')
    if "e" in cases:
        full = make_app(tmp / "tui-full", 'print("hi")\n')
        fake_history(full, runs, outputs)
        filled_empty, stall_empty = asyncio.run(tui_start(empty, 0))
        filled_full, stall_full = asyncio.run(tui_start(full, runs))
        print(f"(e) TUI start to History filled: empty history {filled_empty:.2f} s, {runs} runs of {outputs:,} outputs"
              f" {filled_full:.2f} s: ratio {filled_full / filled_empty:.2f} (target 2);"
              f" worst stall {stall_empty * 1000:.0f} ms / {stall_full * 1000:.0f} ms (target 50)")
    if "f" in cases:
        flood = make_app(tmp / "tui-flood", "import time\nend = time.time() + 30\nwhile time.time() < end:\n"
                         "    print('flood line ' * 5)\n")
        to_action, to_frame = asyncio.run(keys_at_random(flood, 300))
        print(f"(f) tab switch under a flood, {len(to_action)} keys at random moments: key to its action worst"
              f" {max(to_action) * 1000:.0f} ms (target 50), p99 {quantile(to_action, 0.99) * 1000:.0f} ms, median"
              f" {statistics.median(to_action) * 1000:.0f} ms; key to the next frame drawn worst"
              f" {max(to_frame) * 1000:.0f} ms, median {statistics.median(to_frame) * 1000:.0f} ms")
        worst, median, _rss = asyncio.run(tab_switching(flood, 100, flood=True))
        print(f"(f) the same as measured before (next key once the tab is active, seen by polling): worst"
              f" {worst * 1000:.0f} ms, median {median * 1000:.0f} ms")
    if "g" in cases:
        _worst, _median, rss = asyncio.run(tab_switching(empty, switches, flood=False))
        print(f"(g) RSS over {switches:,} tab switches (after the first 50): {rss:+.1f} MB (target within 10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip-tui", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smaller cases (a tenth) for a quick look")
    parser.add_argument("--cases", default="abcdefghij",
                        help="the cases to run, by their letters (default: all; --cases f alone runs (f) in a"
                        " process that built nothing before)")
    options = parser.parse_args()
    scale = 10 if options.quick else 1
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        tmp = Path(name)
        env = env_for_workbench(tmp / "stage")
        print(f"environment of every command: this one's, with {'; '.join(ENV_CHANGES)}")
        print(f"load average at the start: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        cases = set(options.cases) - (set("efghi") if options.skip_tui else set())
        if "a" in cases:
            case_big_app(tmp, env, options.reps, 20_000 // scale)
        if "b" in cases:
            case_500mb(tmp, env, options.reps, 500 // scale)
        if "c" in cases:
            case_outputs(tmp, env, 10_000 // scale)
            case_outputs(tmp, env, 200_000 // scale)
        if "d" in cases:
            case_preview(tmp, env, options.reps, 2_000 // scale)
        if cases & set("efg"):
            case_tui(tmp, env, cases, 1_000 // scale, 50, 10_000 // scale)
        if "h" in cases:
            case_first_paint(tmp, env, options.reps)
        if "i" in cases:
            case_app_tab(tmp, env, 20_000 // scale)
        if "j" in cases:
            case_history(tmp, env, 2_000 // scale, 10_000 // scale)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
