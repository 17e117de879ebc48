"""The main screen's switches and watch mode: the state the header shows, and what a save does.

`WatchModeScreen` holds the switches as typed reactives (the header is bound to
them with `data_bind`: the screen owns the state, the header draws it), the
keys that flip them, and watch mode: a worker that waits for saves to the App's
files and hands each to `app_changed`, which `MainScreen` implements (it runs
the Job, a round of presets, or both).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from textual import work
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ..appdir import AppFolder
from ..job import Buffering
from ..kwargs import ArgsMode
from ..lifecycle_state import State, load_simulated_state
from ..watch import watch_app
from .header import RunShown, RunState, WorkbenchHeader
from .settings import OnSave, UISettings, WatchTarget

if TYPE_CHECKING:
    from .arguments_editor import ArgumentsEditor  # imported after the first paint (see MainScreen._build_view)


class WatchModeScreen(Screen[None]):
    """A screen with the workbench's switches and watch mode; `MainScreen` builds on it."""

    # What the header shows (bound to it by `data_bind` in compose): the screen owns it, typed.
    args_mode: reactive[ArgsMode] = reactive(ArgsMode.STDIN)
    """How the next run passes its arguments (the draft's args mode)."""
    watching: reactive[bool] = reactive(True)
    """Watch mode: a save to the App's files runs it again."""
    on_save: reactive[OnSave] = reactive(OnSave.RESTART)
    watch_target: reactive[WatchTarget] = reactive(WatchTarget.JOB)
    buffering: reactive[Buffering] = reactive(Buffering.FLUSHED)
    run_status: reactive[RunShown] = reactive(RunState.IDLE)
    lifecycle_state: reactive[State | None] = reactive(None)
    round_result: reactive[str | None] = reactive(None)
    """The last finished round of presets, in words."""
    round_ok: reactive[bool] = reactive(True)

    def __init__(self, app_folder: AppFolder, settings: UISettings, args_mode: ArgsMode) -> None:
        super().__init__()
        self.app_folder = app_folder
        self.settings = settings
        self.set_reactive(WatchModeScreen.watching, settings.watch)
        self.set_reactive(WatchModeScreen.on_save, OnSave(settings.on_save))
        self.set_reactive(WatchModeScreen.watch_target, WatchTarget(settings.watch_target))
        self.set_reactive(WatchModeScreen.buffering, Buffering(settings.buffering))
        self.set_reactive(WatchModeScreen.args_mode, args_mode)
        self.set_reactive(WatchModeScreen.lifecycle_state, load_simulated_state(app_folder.root))
        self._watch_stop: asyncio.Event | None = None

    def compose_header(self) -> WorkbenchHeader:
        """The header, bound to this screen's switches."""
        return WorkbenchHeader(self.app_folder.name, id="header").data_bind(
            WatchModeScreen.args_mode,
            WatchModeScreen.watching,
            WatchModeScreen.on_save,
            WatchModeScreen.watch_target,
            WatchModeScreen.buffering,
            WatchModeScreen.run_status,
            WatchModeScreen.lifecycle_state,
            WatchModeScreen.round_result,
            WatchModeScreen.round_ok,
        )

    def app_changed(self, reason: str, *, tests_only: bool = False, app_reason: str | None = None) -> None:
        """The App's files changed (`reason` names them); `tests_only` when only presets.toml or golden/ did."""
        raise NotImplementedError

    def stop_watching(self) -> None:
        """End the watch worker, leaving the switch as it is (the screen is closing)."""
        if self._watch_stop is not None:
            self._watch_stop.set()
            self._watch_stop = None

    def _set_watch(self, on: bool, announce: bool = True) -> None:
        self.watching = on
        if on and self._watch_stop is None:
            self._watch_stop = asyncio.Event()
            self._watch(self._watch_stop)
        elif not on and self._watch_stop is not None:
            self._watch_stop.set()
            self._watch_stop = None
        if announce:
            self.notify("watch mode on: a save runs the App again" if on else "watch mode off")

    def action_toggle_watch(self) -> None:
        """Switch watch mode on or off."""
        self._set_watch(not self.watching)

    def action_toggle_args_mode(self) -> None:
        """Pass the arguments on stdin as JSON, or as --key value words."""
        editor = cast("ArgumentsEditor", self.query_one("#arguments-editor"))
        editor.set_mode(ArgsMode.ARGV if editor.mode is ArgsMode.STDIN else ArgsMode.STDIN)

    def action_toggle_buffering(self) -> None:
        """Switch the App's output between unbuffered and flushed every 50 ms (for the next run)."""
        self.buffering = Buffering.FLUSHED if self.buffering is Buffering.UNBUFFERED else Buffering.UNBUFFERED
        if self.buffering is Buffering.FLUSHED:
            self.notify("output line by line, block-buffered and flushed every 50 ms in a flood (the default)")
        else:
            self.notify("output unbuffered (PYTHONUNBUFFERED=1): several times slower for Apps that print a lot")

    def action_toggle_on_save(self) -> None:
        """Switch what a save during a run does: restart it, or queue one more run."""
        self.on_save = OnSave.QUEUE if self.on_save is OnSave.RESTART else OnSave.RESTART
        self.notify(
            "a save during a run restarts it" if self.on_save is OnSave.RESTART else "a save during a run queues one more run"
        )

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def _watch(self, stop: asyncio.Event) -> None:
        async for change in watch_app(
            self.app_folder,
            stop_event=stop,
            step_ms=self.settings.watch_step_ms,
            debounce_ms=self.settings.watch_debounce_ms,
            tests=True,
        ):
            if stop.is_set():
                return
            # The presets' round names every file; a Job run only the App's own (never golden/).
            self.app_changed(change.reason, tests_only=change.app_reason is None, app_reason=change.app_reason)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "watch" and event.state is WorkerState.ERROR:
            self._watch_stop = None
            self.watching = False
            self.notify(f"watch mode stopped: {event.worker.error}; press w to try again", severity="error")

    def action_toggle_watch_target(self) -> None:
        """Switch what a save runs: the Job, a round of every preset, or both."""
        order = list(WatchTarget)
        self.watch_target = order[(order.index(self.watch_target) + 1) % len(order)]
        said = {
            WatchTarget.JOB: "a save runs the Job",
            WatchTarget.PRESETS: "a save runs every preset (the Presets tab is the board)",
            WatchTarget.BOTH: "a save runs the Job and every preset",
        }
        self.notify(said[self.watch_target])
