"""Rounds of presets (watch mode's core): parallel runs, states, regressions, cancelling."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from preset_helpers import GREETER, PRESETS
from workbench.appdir import AppFolder
from workbench.preset_report import NODE_MEMORY_STEP, memory_line, suggest_node_memory
from workbench.preset_rounds import PresetState, RoundResult, RoundRunner
from workbench.presets import load_presets

MIB = 1024 * 1024

@pytest.fixture
def greeter(make_app) -> Path:
    return make_app(GREETER, **{"mode.txt": "none\n", "presets.toml": PRESETS})


def run_round(runner: RoundRunner, root: Path, reason: str = "test") -> RoundResult:
    presets = list(load_presets(root).presets.values())
    round_ = runner.start(presets, reason)
    assert runner.wait(60)
    assert round_.result is not None
    return round_.result


def test_a_round_runs_every_preset_and_sums_up(greeter: Path) -> None:
    changes: list[tuple[str, PresetState]] = []
    lock = threading.Lock()

    def on_change(_round, status) -> None:
        with lock:
            changes.append((status.name, status.state))

    runner = RoundRunner(AppFolder.open(greeter), jobs=2, on_change=on_change)
    result = run_round(runner, greeter)
    assert (result.passed, result.total, result.regressions, result.cancelled) == (3, 3, (), False)
    assert result.summary() == "presets 3/3"
    assert result.exit_status == 0
    for name in ("ann", "bob", "cy"):
        states = [state for who, state in changes if who == name]
        assert states == [PresetState.RUNNING, PresetState.PASSED]
    round_ = runner.last_finished
    assert round_ is not None
    assert all(status.duration_seconds and status.duration_seconds > 0 for status in round_.statuses.values())
    assert all(status.reason is None for status in round_.statuses.values())


def test_a_change_that_breaks_one_preset_is_a_regression_with_its_difference(greeter: Path) -> None:
    runner = RoundRunner(AppFolder.open(greeter), jobs=2)
    assert run_round(runner, greeter).passed == 3
    (greeter / "mode.txt").write_text("bob\n")
    result = run_round(runner, greeter, "saved mode.txt")
    assert result.summary() == "presets 2/3 · 1 regression"
    assert result.regressions == ("bob",)
    assert result.exit_status == 1
    status = runner.last_finished.statuses["bob"]
    assert status.state is PresetState.FAILED
    assert status.reason == "exit_status: the App exited with status 3, expected 0"
    lines = status.regression.lines()
    text = "\n".join(lines)
    assert "exit: exit 0 → exit 3" in text
    assert "-hello bob" in text and "+oops bob" in text
    assert "removed  greeting.txt" in text
    # Still failing the round after: no longer a regression, still a failure.
    result = run_round(runner, greeter, "saved main.py")
    assert result.summary() == "presets 2/3"
    assert runner.last_finished.statuses["bob"].state is PresetState.FAILED


def test_a_failure_reason_from_app_output_is_printable(make_app) -> None:
    app = make_app(
        "print('x')\n",
        **{"presets.toml": '[preset.p.expect]\nstdout_contains = ["\\u001b[31mred\\nline"]\n'},
    )
    runner = RoundRunner(AppFolder.open(app), jobs=1)
    run_round(runner, app)
    reason = runner.last_finished.statuses["p"].reason
    assert reason is not None and "\x1b" not in reason and "\n" not in reason
    assert "\\x1b[31mred" in reason


def test_a_new_round_cancels_the_round_going_and_starts_once_it_ended(make_app) -> None:
    app = make_app(
        GREETER,
        **{
            "mode.txt": "none\n",
            "presets.toml": '[preset.slow]\nkwargs = { name = "s", sleep = "30" }\n[preset.quick]\nkwargs = { name = "q" }\n',
        },
    )
    ended: list = []
    running = threading.Event()

    def on_change(_round, status) -> None:
        if status.name == "slow" and status.state is PresetState.RUNNING:
            running.set()

    runner = RoundRunner(AppFolder.open(app), jobs=2, on_change=on_change, on_round_end=ended.append)
    presets = load_presets(app).presets
    first = runner.start(list(presets.values()), "first")
    assert running.wait(30)
    started = time.monotonic()
    second = runner.start([presets["quick"]], "second")
    assert runner.wait(30)
    assert time.monotonic() - started < 10  # the 30 s sleeper was ended, not waited for
    assert [round_.number for round_ in ended] == [1, 2]
    assert first.result.cancelled and first.statuses["slow"].state is PresetState.CANCELLED
    assert second.began_at is not None and second.began_at >= first.ended_at
    assert second.result.summary() == "presets 1/1" and not second.result.cancelled
    # A cancelled preset is never taken for a regression, nor for a pass.
    assert runner.last_finished is second


def test_the_node_memory_suggestion_adds_half_and_rounds_up() -> None:
    assert suggest_node_memory(None) is None
    assert suggest_node_memory(10 * MIB) == NODE_MEMORY_STEP  # 15 MiB → 64 MiB
    assert suggest_node_memory(100 * MIB) == 192 * MIB  # 150 MiB → 192 MiB
    assert suggest_node_memory(128 * MIB) == 192 * MIB  # exactly 192 MiB
    assert suggest_node_memory(129 * MIB) == 256 * MIB


def test_the_memory_line_names_the_hungriest_preset(greeter: Path) -> None:
    runner = RoundRunner(AppFolder.open(greeter), jobs=2)
    run_round(runner, greeter)
    line = memory_line(runner.last_finished.results())
    assert line is not None
    assert line.startswith("peak memory ") and "suggested Node memory" in line and "(peak + 50%" in line


def test_the_node_verdict_is_read_from_the_record_when_it_has_one() -> None:
    from types import SimpleNamespace

    from workbench.preset_report import verdict_text

    assert verdict_text(None) is None
    assert verdict_text(SimpleNamespace(node=None)) is None
    assert verdict_text(SimpleNamespace(node=SimpleNamespace(verdict="hang"))) == "hang"
