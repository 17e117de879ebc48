"""The workbench TUI's app: wiring only. `create_app` is shared by the CLI and the tests."""

from __future__ import annotations

import asyncio
import gc
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import FrameType

from textual import events, on
from textual.actions import ActionParseResult
from textual.app import App, SuspendNotSupported
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Input

from ..appdir import AppFolder, AppFolderError
from ..draft import DraftStore
from ..runner import KILL_GRACE
from .commands import WorkbenchCommands
from .image_view import PIXELS  # noqa: F401  asks the terminal whether it draws pixels, before Textual takes it over
from .keys import read_alt_digits
from .main_screen import MainScreen
from .messages import OpenExternally
from .open_folder import OpenFolderScreen
from .settings import UISettings, WatchTarget
from .tab_view import TabsScreen


class WorkbenchApp(App[int]):
    """InfraX Workbench: write, run and preview an InfraX App."""

    CSS_PATH = "workbench.tcss"
    TITLE = "InfraX Workbench"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave the workbench (a run going is cancelled)", priority=True),
    ]

    def __init__(self, app_dir: Path, settings: UISettings) -> None:
        super().__init__()
        read_alt_digits()  # alt+1..alt+8 in xterm, tmux and the like (see workbench.ui.keys)
        self.app_dir = app_dir
        self.settings = settings
        self.animation_level = "full" if settings.animate else "none"
        self._runs_ending: list[threading.Event] = []

    def action_focus_next(self) -> None:
        """Tab: the next widget, in the order the screen shows them once it is laid out.

        Textual orders the focus chain by the widgets' positions, and a tab shown by the
        key just before (`2` then Tab, in one read of the terminal) has none yet: moving
        at once would follow an arbitrary order and could land in a text field.
        """
        self.screen.call_after_refresh(self.screen.focus_next)

    def action_focus_previous(self) -> None:
        """Shift+Tab: the previous widget, once the screen is laid out (see `action_focus_next`)."""
        self.screen.call_after_refresh(self.screen.focus_previous)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Run an action; one of the main screen's waits until its tabs' views are mounted.

        They are mounted just after the first paint (see `TabsScreen.tab_view`): a key
        pressed in that instant (`r`, `m`, ...) would otherwise find no view to act on.
        """
        screen = default_namespace
        if isinstance(screen, TabsScreen) and not screen.views_mounted:
            screen.after_views_mounted(partial(self.call_later, self.run_action, action, screen, namespaces))
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def get_default_screen(self) -> Screen:
        try:
            folder = AppFolder.open(self.app_dir)
        except AppFolderError as error:
            return OpenFolderScreen(str(error), Path(self.app_dir).expanduser().absolute())
        return MainScreen(folder, self.settings, DraftStore(folder.root))

    def on_load(self) -> None:
        """Before the first screen is built: what exists now (every module imported, the app) lives
        as long as the process. Frozen, it is left out of the collector's full passes, one of
        which fell in the first frame (15 ms of its 50)."""
        gc.freeze()

    def on_mount(self) -> None:
        self.call_after_refresh(self._freeze_once_built, self.screen)

    def _freeze_once_built(self, screen: Screen) -> None:
        """Once every view of `screen` is mounted, move what exists then out of the collector's sight.

        The widget trees, styles and modules built at start live as long as the screen: left
        in the oldest generation, each full collection walked them all, 25 ms and more, and
        during a flood of output one came every few frames, on top of a frame (a key then
        waited 60 to 90 ms). Frozen, a full collection takes half as long. A screen replaced
        is unfrozen (`open_app`), so its widgets can be collected.
        """
        if isinstance(screen, TabsScreen):
            screen.after_views_mounted(partial(self.call_after_refresh, gc.freeze))
        else:
            gc.freeze()

    def exit(self, *args, **kwargs) -> None:  # type: ignore[override]
        """Leave the workbench; a run going is cancelled first (its whole process tree ends)."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen) and (ended := screen.shutdown()) is not None:
                self._runs_ending.append(ended)
        super().exit(*args, **kwargs)

    def wait_for_runs(self, timeout: float = KILL_GRACE + 5) -> bool:
        """After the app has exited: wait until cancelled runs have ended their process trees.

        Without this, the process could end during the grace period between SIGTERM and
        SIGKILL and leave an App that ignores SIGTERM running. True when every run ended.
        """
        deadline = time.monotonic() + timeout
        return all(ended.wait(max(0.0, deadline - time.monotonic())) for ended in self._runs_ending)

    def action_open_folder(self) -> None:
        """Ask for another App folder, and open it."""
        current = self.screen
        start = current.app_folder.root.parent if isinstance(current, MainScreen) else Path.cwd()
        self.push_screen(OpenFolderScreen(None, start, can_go_back=True))

    @on(OpenFolderScreen.FolderChosen)
    def open_app(self, message: OpenFolderScreen.FolderChosen) -> None:
        """Show the chosen App in a fresh main screen, in place of what was shown."""
        if isinstance(self.screen, OpenFolderScreen) and self.screen.can_go_back:
            self.pop_screen()
        screen = MainScreen(message.folder, self.settings, DraftStore(message.folder.root))
        if isinstance(self.screen, MainScreen):
            gc.unfreeze()  # the screen replaced goes, with what was frozen with it
            self.switch_screen(screen)
        else:  # the first screen was the folder picker: it stays underneath
            self.push_screen(screen)
        self.call_after_refresh(self._freeze_once_built, screen)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self.settings.cursor_blink and isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    @on(OpenExternally)
    def open_externally(self, message: OpenExternally) -> None:
        """Open a file in $EDITOR (or $PAGER), suspending the UI; come back to the same place."""
        path = Path(message.path)
        if not path.exists():
            self.notify(f"{path}: no such file (the run may have been pruned)", severity="error")
            return
        variable = "PAGER" if message.pager else "EDITOR"
        fallback = "less" if message.pager else "vi"
        command = shlex.split(os.environ.get(variable) or os.environ.get("VISUAL" if not message.pager else "", "") or fallback)
        if not command or shutil.which(command[0]) is None:
            self.notify(
                f"cannot open {path.name}: ${variable} ({' '.join(command) or 'unset'}) is not a program here; set ${variable}",
                severity="error",
            )
            return
        try:
            with self.suspend():
                subprocess.run([*command, str(path)], check=False)
        except OSError as error:
            self.notify(f"cannot open {path.name}: {error.strerror or error}", severity="error")
        except SuspendNotSupported:
            self.notify(f"cannot suspend the workbench here to open {path.name}", severity="warning")
        self.refresh()


def create_app(app_dir: Path | str, *, watch: bool = True, settings: UISettings | None = None) -> WorkbenchApp:
    """The workbench app for a folder; `settings` (tests pass their own) override the defaults."""
    chosen = replace(settings or UISettings(), watch=watch)
    return WorkbenchApp(Path(app_dir), chosen)


def run_tui(path: Path, watch: bool = True, on_save: str = "job") -> int:
    """Run the TUI in the terminal until the author quits; the exit status.

    `on_save`: what a save runs in watch mode (`job`, `presets` or `both`).
    """
    app = create_app(path, watch=watch, settings=UISettings(watch_target=WatchTarget(on_save)))
    ended_by: list[int] = []

    def leave(signum: int, _frame: FrameType | None) -> None:
        """SIGTERM, or SIGHUP (the terminal closed): leave as the quit key does.

        The run going is cancelled (its tree ended, its record saved as cancelled)
        and the terminal is restored, instead of dying with the App left running.
        """
        ended_by.append(signum)
        try:
            loop = asyncio.get_running_loop()  # the handler runs on the app's own thread
        except RuntimeError:
            return  # not started yet, or already leaving: the runs are being ended
        loop.call_soon_threadsafe(app.exit, None, 128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not app.wait_for_runs():
        try:
            print("workbench: a cancelled run's processes did not end in time", file=sys.stderr)
        except OSError:  # the terminal hung up
            pass
    return app.return_code or 0
