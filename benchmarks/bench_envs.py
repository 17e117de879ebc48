"""How long requirements environments take: built with uv and with venv + pip, cold and warm.

Run by hand:  python benchmarks/bench_envs.py [--requirement six] [--rounds 3] [--checks 2000]

For each installer it builds an environment for one small real requirement
from PyPI in a fresh App folder, three ways:

- cold, empty cache: a fresh installer cache (uv: UV_CACHE_DIR; pip: --no-cache-dir);
- cold, warm cache: a new environment, the installer's cache already holding the package;
- warm: the same requirements again, reused (the check a run makes before starting the App).

and prints the figures in milliseconds (median of the rounds; the warm check
over many calls, with its 95th percentile and maximum).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.appdir import AppFolder  # noqa: E402
from workbench.envs import environment_provider, find_installer  # noqa: E402


def _quiet(_line: str) -> None:
    pass


def make_app(root: Path, requirement: str) -> AppFolder:
    root.mkdir(parents=True)
    (root / "main.py").write_text(f"import {requirement}\n")
    (root / "requirements.txt").write_text(f"{requirement}\n")
    return AppFolder.open(root)


def build_once(workdir: Path, name: str, requirement: str, installer: str) -> tuple[float, AppFolder]:
    app = make_app(workdir / name, requirement)
    provider = environment_provider(installer=installer, output=_quiet)
    started = time.perf_counter()
    prepared = provider(app, _quiet)
    elapsed = time.perf_counter() - started
    assert prepared.record is not None and not prepared.record.reused
    return elapsed, app


def warm_checks(app: AppFolder, installer: str, count: int) -> list[float]:
    provider = environment_provider(installer=installer, output=_quiet)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        prepared = provider(app, _quiet)
        times.append(time.perf_counter() - started)
        assert prepared.record is not None and prepared.record.reused
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def bench_installer(installer: str, requirement: str, rounds: int, checks: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-envs-") as tmp:
        workdir = Path(tmp)
        saved = {key: os.environ.get(key) for key in ("UV_CACHE_DIR", "PIP_NO_CACHE_DIR")}
        empty = []
        for index in range(rounds):
            if installer == "uv":
                os.environ["UV_CACHE_DIR"] = str(workdir / f"uv-cache-{index}")
            else:
                os.environ["PIP_NO_CACHE_DIR"] = "1"
            try:
                elapsed, _app = build_once(workdir, f"empty-{index}", requirement, installer)
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            empty.append(elapsed)
        build_once(workdir, "prime", requirement, installer)  # fills the installer's cache
        cold = []
        app = None
        for index in range(rounds):
            elapsed, app = build_once(workdir, f"cold-{index}", requirement, installer)
            cold.append(elapsed)
        assert app is not None
        warm = warm_checks(app, installer, checks)
        warm.sort()
        print(f"{installer:>4} · {requirement}")
        print(f"     cold, empty cache   {ms(statistics.median(empty))}   (median of {rounds})")
        print(f"     cold, warm cache    {ms(statistics.median(cold))}   (median of {rounds})")
        print(
            f"     warm (reuse check)  {ms(statistics.median(warm))}   p95 {ms(warm[int(len(warm) * 0.95)]).strip()},"
            f" max {ms(warm[-1]).strip()} over {checks} checks"
        )


def bench_headless_run(requirement: str) -> None:
    """`workbench run` end to end on a warm environment, against an App without requirements."""
    with tempfile.TemporaryDirectory(prefix="bench-envs-run-") as tmp:
        with_reqs = make_app(Path(tmp) / "with", requirement)
        without = Path(tmp) / "without"
        without.mkdir()
        (without / "main.py").write_text("pass\n")
        command = [sys.executable, "-m", "workbench", "run", "-q"]
        subprocess.run([*command, str(with_reqs.root)], check=True, capture_output=True)  # build
        for label, root in (("with requirements (reused)", with_reqs.root), ("without requirements", without)):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                subprocess.run([*command, str(root)], check=True, capture_output=True)
                times.append(time.perf_counter() - started)
            print(f"     workbench run, {label:<27} {ms(statistics.median(times))}   (median of 5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirement", default="six", help="a small real PyPI package (default: six)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--installer", choices=["uv", "pip", "both"], default="both")
    options = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, uv available: {find_installer().name == 'uv'}")
    installers = ["uv", "pip"] if options.installer == "both" else [options.installer]
    if "uv" in installers and shutil.which("uv") is None and find_installer().name != "uv":
        installers.remove("uv")
    for installer in installers:
        bench_installer(installer, options.requirement, options.rounds, options.checks)
    bench_headless_run(options.requirement)


if __name__ == "__main__":
    main()
