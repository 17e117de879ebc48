"""The TUI's settings: typed, each documented, unknown keys refused.

A plain dataclass, not a pydantic model: the CLI builds one before the first
paint, and pydantic would cost the first screen a tenth of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..job import Buffering
from ..watch import DEBOUNCE_MS, STEP_MS


class OnSave(StrEnum):
    """What a save does while a run is going, in watch mode."""

    RESTART = "restart"
    """Cancel the run (its whole process tree) and start again with the saved files."""
    QUEUE = "queue"
    """Let the run finish, then run once more."""


class WatchTarget(StrEnum):
    """What a save runs, in watch mode."""

    JOB = "job"
    """The Job in the editor (its arguments and inputs), as `r` does."""
    PRESETS = "presets"
    """A round of every preset of the App, in parallel; the Presets tab is its board."""
    BOTH = "both"
    """The Job and a round of the presets."""


@dataclass(kw_only=True)
class UISettings:
    """How the workbench TUI behaves; the CLI and the tests each build one (`dataclasses.replace` for a variant)."""

    watch: bool = True
    """Watch mode on at start: a save to the App's files runs it again."""
    on_save: OnSave = OnSave.RESTART
    """What a save does while a run is going."""
    watch_target: WatchTarget = WatchTarget.JOB
    """What a save runs: the Job, a round of the presets, or both."""
    live_resources: bool = True
    """The Run tab draws the run's CPU and memory live (sparklines fed by the run's sampler)."""
    round_jobs: int | None = None
    """Presets run at once in a round; None: as many as the machine has cores."""
    watch_step_ms: int = STEP_MS
    """Milliseconds of quiet that end a burst of saves."""
    watch_debounce_ms: int = DEBOUNCE_MS
    """The longest a burst of saves is gathered before a run starts."""
    buffering: Buffering = Buffering.FLUSHED
    """How the App's Python buffers its output: flushed (line by line, in order, switching
    to block buffering flushed every 50 ms in a flood) or unbuffered (PYTHONUNBUFFERED=1)."""
    tail_lines: int = 5000
    """Lines of each stream (and of the combined view) kept in memory and shown."""
    drain_interval: float = 0.08
    """Seconds between moves of new output lines into the panes."""
    draft_save_delay: float = 0.5
    """Seconds of quiet in the editing before the Job draft is written to `.workbench/draft.json`."""
    cursor_blink: bool = True
    """Blinking text cursors (off in tests, for steady snapshots)."""
    animate: bool = True
    """Animations (off in tests)."""
    show_clock: bool = True
    """The running run's elapsed time ticks (off in snapshot tests)."""
