"""The command palette: every action of the workbench, searchable by name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class PaletteCommand:
    """One action offered in the palette."""

    name: str
    help: str
    action: str
    """A Textual action string, run on the active screen."""


COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand("Run the App", "Run with the arguments and inputs (r)", "run"),
    PaletteCommand("Cancel the run", "End the run's whole process tree (x)", "cancel_run"),
    PaletteCommand("Re-run", "Run again exactly as last time (R)", "rerun"),
    PaletteCommand("Toggle watch mode", "Run again whenever an App file is saved (w)", "toggle_watch"),
    PaletteCommand("Toggle on-save: restart / queue", "What a save during a run does (s)", "toggle_on_save"),
    PaletteCommand(
        "Toggle what a save runs: Job / presets / both",
        "A save runs the Job, every preset in parallel, or both (t)",
        "toggle_watch_target",
    ),
    PaletteCommand("Toggle args mode: stdin / argv", "How the arguments reach the App (m)", "toggle_args_mode"),
    PaletteCommand(
        "Toggle output buffering: unbuffered / flushed", "Exact order, or fast for chatty Apps (b)", "toggle_buffering"
    ),
    PaletteCommand("Add an argument", "A new keyword argument row (ctrl+n)", "add_argument"),
    PaletteCommand("Clear the inputs", "Unstage every input (ctrl+l)", "clear_inputs"),
    PaletteCommand("Open the stdout log", "The last run's full stdout in $PAGER (o)", "open_log('stdout')"),
    PaletteCommand("Open the stderr log", "The last run's full stderr in $PAGER (O)", "open_log('stderr')"),
    PaletteCommand("Show the App", "Its files and problems (1)", "show_tab('app')"),
    PaletteCommand("Show the arguments", "Keyword arguments and args mode (2)", "show_tab('arguments')"),
    PaletteCommand("Show the inputs", "Files staged into input/ (3)", "show_tab('inputs')"),
    PaletteCommand("Show the run", "Live stdout and stderr (4)", "show_tab('run')"),
    PaletteCommand("Show the outputs", "The run's output/ files (5)", "show_tab('outputs')"),
    PaletteCommand("Show the history", "Past runs, and comparing two (6)", "show_tab('history')"),
    PaletteCommand("Show the presets", "Saved Jobs with expectations (7)", "show_tab('presets')"),
    PaletteCommand("Show the lifecycle", "Actions for the simulated state (8)", "show_tab('lifecycle')"),
    PaletteCommand("Open another App folder", "Pick a folder with main.py (ctrl+o)", "app.open_folder"),
)


class WorkbenchCommands(Provider):
    """Offers every workbench action in the command palette."""

    def _available(self) -> list[PaletteCommand]:
        from .main_screen import MainScreen

        if isinstance(self.screen, MainScreen):
            return list(COMMANDS)
        return [command for command in COMMANDS if command.action == "app.open_folder"]

    async def _run(self, action: str) -> None:
        await self.app.run_action(action, self.screen)

    async def discover(self) -> Hits:
        for command in self._available():
            yield DiscoveryHit(command.name, partial(self._run, command.action), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._available():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), partial(self._run, command.action), help=command.help)
