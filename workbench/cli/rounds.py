"""`workbench test APP --watch`: a round of every preset at start and after every save.

After each round that ran to its end, a compact board is drawn (the screen is
cleared first when stdout is a terminal): one line per preset with its result,
time, Node verdict and first failure reason, a regression marked and followed
by how it differs from its last passing run, then the closing line
`N passed, N failed` as without --watch, the round's result
(`presets 11/12 · 1 regression`) and the peak memory with a Node memory
suggestion. A save during a round cancels it and starts a new one. Ctrl-C (or
SIGTERM) ends watching with the last round's exit status (130 when no round
ended). App text is always printed with its control characters escaped.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from typing import TextIO

from ..appdir import AppFolder
from ..preset_report import memory_line
from ..preset_rounds import PresetState, Round, RoundRunner
from ..presets import NoPresetsFile, Preset, PresetError, load_presets
from ..watch import watch_app
from .common import say

INTERRUPTED = 130
REGRESSION_LINES = 14
"""Lines of a regression's difference shown under it on the board."""
CLEAR = "\x1b[H\x1b[2J"


def board_lines(round_: Round) -> list[str]:
    """The board of a finished round, one printable line each (the workbench's text and escaped App text)."""
    assert round_.result is not None
    took = (round_.ended_at or time.monotonic()) - (round_.began_at or round_.started_at)
    lines = [f"── round {round_.number} · {_printable(round_.reason)} · {took:.2f} s ──"]
    width = max((len(name) for name in round_.statuses), default=0)
    for status in round_.statuses.values():
        label = {PresetState.PASSED: "PASS", PresetState.FAILED: "FAIL"}.get(status.state, status.state.value.upper())
        elapsed = status.elapsed()
        parts = [f"{label:<4} {status.name:<{width}}", f"{elapsed:6.2f} s" if elapsed is not None else "      -  "]
        if status.verdict is not None:
            parts.append(f"node {_printable(status.verdict)}")
        if status.regression is not None:
            parts.append("REGRESSION")
        if status.reason:
            parts.append(status.reason)
        lines.append("  ".join(parts))
        if status.regression is not None:
            difference = status.regression.lines()[1:]
            lines.extend(f"    {row}" for row in difference[:REGRESSION_LINES])
            if len(difference) > REGRESSION_LINES:
                lines.append(f"    ... ({len(difference) - REGRESSION_LINES} more lines)")
    result = round_.result
    lines.append(f"{result.passed} passed, {result.failed} failed")
    lines.append(result.summary())
    if memory := memory_line(round_.results()):
        lines.append(memory)
    return lines


def _printable(text: str) -> str:
    from ..filepreview import printable_name

    return printable_name(text)


def watch_presets(
    app: AppFolder,
    names: list[str] | None,
    *,
    jobs: int | None = None,
    out: TextIO | None = None,
    debounce_ms: int = 400,
    step_ms: int = 50,
) -> int:
    """Run rounds until Ctrl-C or SIGTERM; the last finished round's exit status (130 when none)."""
    stream = out if out is not None else sys.stdout
    clear = stream.isatty()
    ended: list[Round] = []
    lock = threading.Lock()

    def on_round_end(round_: Round) -> None:
        if round_.cancelled:
            return
        with lock:
            ended.append(round_)
            text = (CLEAR if clear else "") + "\n".join(board_lines(round_))
            stream.write(text + "\nwatching for saves (Ctrl-C ends)\n")
            stream.flush()

    notes: set[str] = set()

    def notify(message: str) -> None:
        with lock:
            if message in notes:
                return
            notes.add(message)
        say(message)

    runner = RoundRunner(app, jobs=jobs, on_round_end=on_round_end, notify=notify)

    def start(reason: str) -> None:
        presets = _presets(app, names)
        if presets is not None:
            runner.start(presets, reason)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            start("start")
            async for change in watch_app(app, stop_event=stop, tests=True, debounce_ms=debounce_ms, step_ms=step_ms):
                if stop.is_set():
                    break
                start(change.reason)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    thread = runner.cancel()
    if thread is not None:
        thread.join()
    with lock:
        last = ended[-1] if ended else None
    if last is None or last.result is None:
        return INTERRUPTED
    return last.result.exit_status


def _presets(app: AppFolder, names: list[str] | None) -> list[Preset] | None:
    """The presets to run now (the file is read again for every round); None, said why, when there are none."""
    try:
        preset_file = load_presets(app.root)
    except NoPresetsFile as error:
        say(f"{error}; waiting for a save")
        return None
    except PresetError as error:
        say(f"{error}; fix it and save")
        return None
    chosen = [name for name in (names or preset_file.names()) if name in preset_file.presets]
    if not chosen:
        say(f"{preset_file.path.name}: none of the presets to run is in the file; waiting for a save")
        return None
    return [preset_file.presets[name] for name in chosen]
