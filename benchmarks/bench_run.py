"""Benchmark of `workbench run` against plain `python main.py` (run by hand; prints figures).

Measured pairwise in one run, interleaved, over several repetitions, and
reported as medians:

(a) the wall-time ratio of `workbench run APP` to `python main.py` on an App
    printing 2 million lines, both with stdout to /dev/null (target <= 1.3);
(b) the milliseconds `workbench run` adds on a trivial App printing one line
    (target <= 150 ms), its bare environment included (made in the warm-up
    run, then reused as on every later run);
(c) the time a first bare environment takes to make, with uv and with
    `venv --without-pip` (`--only bare`).

`python main.py` runs as an author would run it at a terminal: in the App's
folder, with the environment as it is (Python's own buffering of a redirected
stdout; PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE are removed from this
script's environment, and PYTHONPYCACHEPREFIX points into the benchmark's
temporary folder, so compiled modules are cached as on an author's machine but
nothing is written into a checkout). Both commands get that same environment;
the script prints which variables it changed. `python` is this script's own
interpreter; the script says whether the App's bare environment runs the same
binary, and also times that environment's own `.venv/bin/python main.py` (what a
Node runs: no site-packages, so it starts faster than `python main.py` wherever
site-packages hold `.pth` files). `workbench run` runs the App as it always does: staged,
streamed into logs, recorded, with its stdout line-buffered and, in a flood,
block-buffered and flushed every 50 ms (`workbench/flush_shim`).

`workbench run --buffering unbuffered` (PYTHONUNBUFFERED=1) is measured too,
against `PYTHONUNBUFFERED=1 python main.py`: an unbuffered `print` is two
`write` calls, so the App itself is several times slower whoever runs it; the
ratio of the two is what the engine (pipes, logs, pass-through) adds. Measure
on a quiet machine: with other load on the cores the App and the workbench no
longer run side by side, and every figure grows.

Usage: python benchmarks/bench_run.py [--reps N] [--trivial-reps N] [--lines N] [--only flood|trivial|bare]
                                     [--source]

`--source` runs this checkout's `workbench` package (`python -m workbench` with
the checkout on PYTHONPATH: the App never sees it) instead of the installed script.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOD_APP = """\
for i in range({lines}):
    print(f"line {{i}}")
"""
TRIVIAL_APP = 'print("hello from a trivial App")\n'


REPO = Path(__file__).resolve().parent.parent


def workbench_command(source: bool = False) -> list[str]:
    """The installed `workbench` script next to this Python, else `python -m workbench`."""
    if source:
        return [sys.executable, "-m", "workbench"]
    script = Path(sys.executable).with_name("workbench")
    if script.exists():
        return [str(script)]
    found = shutil.which("workbench")
    return [found] if found else [sys.executable, "-m", "workbench"]


CPU_SECONDS: dict[str, list[float]] = {}
"""CPU time (user + system, the command and every process it waited for) of each timed run, by command name."""


def timed(argv: list[str], cwd: Path, env: dict[str, str], name: str | None = None) -> float:
    """Seconds of wall time for one command, stdout to /dev/null; fails loudly on a non-zero exit.

    With a `name`, its CPU time is kept in `CPU_SECONDS`: on a loaded machine wall time
    grows with the other load, CPU time far less.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        completed = subprocess.run(argv, cwd=cwd, env=env, stdout=devnull, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"{argv}: exit {completed.returncode}\n{completed.stderr.decode(errors='replace')}")
    if name is not None:
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        CPU_SECONDS.setdefault(name, []).append(used)
    return elapsed


def interleaved(app: Path, reps: int, commands: dict[str, tuple[list[str], dict[str, str]]]) -> dict[str, list[float]]:
    """Timings of each command, run in turn (rotating which goes first) `reps` times."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    # One untimed warm-up of each, so the first figures do not pay for cold caches.
    for argv, env in commands.values():
        timed(argv, app, env)
    names = list(commands)
    for rep in range(reps):
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            argv, env = commands[name]
            times[name].append(timed(argv, app, env, name))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the 2M-line pair (default 5)")
    parser.add_argument("--trivial-reps", type=int, default=21, help="repetitions of the trivial pair (default 21)")
    parser.add_argument("--lines", type=int, default=2_000_000, help="lines the flood App prints")
    parser.add_argument("--only", choices=["flood", "trivial", "bare"], help="measure one of the three")
    parser.add_argument("--source", action="store_true", help="run this checkout's workbench, not the installed one")
    options = parser.parse_args()

    # As on an author's machine: Python buffers a redirected stdout, and caches
    # compiled modules (the warm-up runs write them).
    env = dict(os.environ)
    changed = [f"{name} removed" for name in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE") if env.pop(name, None)]
    workbench = workbench_command(options.source)
    if options.source:  # the workbench's own process only: Apps get an environment built from an allow-list
        env["PYTHONPATH"] = str(REPO)
        changed.append(f"PYTHONPATH={REPO}")
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        changed.append("PYTHONPYCACHEPREFIX=<temporary folder>/pycache")
        flood = Path(tmp) / "flood"
        trivial = Path(tmp) / "trivial"
        for folder, source in ((flood, FLOOD_APP.format(lines=options.lines)), (trivial, TRIVIAL_APP)):
            folder.mkdir()
            (folder / "main.py").write_text(source)

        print(f"workbench command: {' '.join(workbench)}")
        print(f"python: {sys.executable} ({sys.version.split()[0]}), {os.cpu_count()} CPU(s)")
        print(f"environment of both commands: this one's, with {'; '.join(changed)}")
        print(f"load average at the start: {_load()}")

        unbuffered = {**env, "PYTHONUNBUFFERED": "1"}
        if options.only in (None, "flood"):
            times = interleaved(
                flood,
                options.reps,
                {
                    "python main.py": ([sys.executable, "main.py"], env),
                    "PYTHONUNBUFFERED=1 python main.py": ([sys.executable, "main.py"], unbuffered),
                    "workbench run": ([*workbench, "run", str(flood), "--quiet", "--keep", "3"], env),
                    "workbench run --buffering unbuffered": (
                        [*workbench, "run", str(flood), "--quiet", "--keep", "3", "--buffering", "unbuffered"],
                        env,
                    ),
                },
            )
            medians = {name: statistics.median(values) for name, values in times.items()}
            print(f"\n(a) {options.lines:,} lines, stdout to /dev/null, {options.reps} interleaved rounds")
            for name, values in times.items():
                print(f"    {name:36} median {medians[name]:7.3f} s   runs {_fmt(values)}")
            ratio = medians["workbench run"] / medians["python main.py"]
            print(f"    ratio workbench run / python main.py:                      {ratio:.3f}"
                  f"   target <= 1.3: {'met' if ratio <= 1.3 else 'MISSED'}")
            unbuffered_ratio = (
                medians["workbench run --buffering unbuffered"] / medians["PYTHONUNBUFFERED=1 python main.py"]
            )
            print(f"    ratio --buffering unbuffered / PYTHONUNBUFFERED=1 python main.py: {unbuffered_ratio:.3f}"
                  "   (the engine's own cost with the App unbuffered in both)")

        if options.only in (None, "bare"):
            bare_builds(Path(tmp))

        if options.only in (None, "trivial"):
            run = [*workbench, "run", str(trivial), "--quiet", "--keep", "3"]
            timed(run, trivial, env)  # makes the bare environment, as an App's first run does
            node_python = bare_python(trivial)
            same = os.path.realpath(node_python) == os.path.realpath(sys.executable)
            times = interleaved(
                trivial,
                options.trivial_reps,
                {
                    "python main.py": ([sys.executable, "main.py"], env),
                    "workbench run": (run, env),
                    ".venv/bin/python main.py": ([str(node_python), "main.py"], env),
                },
            )
            plain, bench, node = times["python main.py"], times["workbench run"], times[".venv/bin/python main.py"]
            added_ms = (statistics.median(bench) - statistics.median(plain)) * 1000
            pair_ms = [(b - p) * 1000 for p, b in zip(plain, bench, strict=True)]
            node_ms = [(b - p) * 1000 for p, b in zip(node, bench, strict=True)]
            print(f"\n(b) trivial App (prints one line), {options.trivial_reps} interleaved rounds")
            print(f"    the App's bare environment runs {os.path.realpath(node_python)}:"
                  f" {'the same binary as' if same else 'NOT the same binary as'} `python` here")
            print(f"    python main.py             median {statistics.median(plain) * 1000:7.1f} ms")
            print(f"    .venv/bin/python main.py   median {statistics.median(node) * 1000:7.1f} ms"
                  "   (the bare environment, as on a Node)")
            print(f"    workbench run              median {statistics.median(bench) * 1000:7.1f} ms")
            print(f"    added to python main.py    {added_ms:7.1f} ms"
                  f" (median of pair differences {statistics.median(pair_ms):.1f} ms)"
                  f"   target <= 80 ms: {'met' if added_ms <= 80 else 'MISSED'}"
                  f" (<= 150 ms: {'met' if added_ms <= 150 else 'MISSED'})")
            print(f"    added to .venv/bin/python  {(statistics.median(bench) - statistics.median(node)) * 1000:7.1f} ms"
                  f" (median of pair differences {statistics.median(node_ms):.1f} ms)")
            cpu = {name: statistics.median(CPU_SECONDS[name]) * 1000 for name in times}
            print(f"    CPU time, median: python main.py {cpu['python main.py']:.1f} ms, workbench run"
                  f" {cpu['workbench run']:.1f} ms (its App included): {cpu['workbench run'] - cpu['python main.py']:.1f} ms"
                  " more (steadier than wall time on a loaded machine)")
        print(f"\nload average at the end: {_load()}")
    return 0


def bare_builds(tmp: Path, reps: int = 5) -> None:
    """(c) A first bare environment, made in a fresh App folder each time, with uv and with venv."""
    sys.path.insert(0, str(REPO))
    from workbench.appdir import AppFolder
    from workbench.envs import environment_provider, find_installer

    print(f"\n(c) first bare environment, {reps} fresh App folders each")
    installers = ["pip"] + (["uv"] if find_installer().name == "uv" else [])
    for installer in installers:
        provider = environment_provider(installer=installer, output=lambda line: None)
        seconds = []
        for rep in range(reps):
            folder = tmp / f"bare-{installer}-{rep}"
            folder.mkdir()
            (folder / "main.py").write_text(TRIVIAL_APP)
            start = time.perf_counter()
            provider(AppFolder.open(folder), lambda message: None)
            seconds.append(time.perf_counter() - start)
        name = "uv venv" if installer == "uv" else "venv --without-pip"
        print(f"    {name:20} median {statistics.median(seconds) * 1000:7.1f} ms   runs {_fmt(seconds)}")


def bare_python(app: Path) -> Path:
    """The python of the App's bare environment (made by its first run)."""
    found = sorted(app.glob(".workbench/envs/py*-bare-*/bin/python"))
    if not found:
        raise SystemExit(f"{app}: no bare environment after a run")
    return found[0]


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _fmt(values: list[float]) -> str:
    return " ".join(f"{value:.2f}" for value in values)


if __name__ == "__main__":
    sys.exit(main())
