"""The command palette: every action of the workbench, searchable by name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@dataclass(frozen=True)
class PaletteCommand:
    """One action offered in the palette."""

    name: str
    help: str
    action: str
    """A Textual action string, run on the active screen."""


COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand("Run the App", "Run with the arguments and inputs", "run"),
    PaletteCommand("Cancel the run", "End the run's whole process tree", "cancel_run"),
    PaletteCommand("Re-run", "Run again exactly as last time", "rerun"),
    PaletteCommand("Toggle watch mode", "Run again whenever an App file is saved", "toggle_watch"),
    PaletteCommand("Toggle on-save: restart / queue", "What a save during a run does", "toggle_on_save"),
    PaletteCommand(
        "Toggle what a save runs: Job / presets / both",
        "A save runs the Job, every preset in parallel, or both",
        "toggle_watch_target",
    ),
    PaletteCommand("Toggle args mode: stdin / argv", "How the arguments reach the App", "toggle_args_mode"),
    PaletteCommand(
        "Toggle output buffering: unbuffered / flushed", "Exact order, or fast for chatty Apps", "toggle_buffering"
    ),
    PaletteCommand("Add an argument", "A new keyword argument row", "add_argument"),
    PaletteCommand(
        "Declare the arguments",
        "Declare the Job's keyword arguments as the App's (arguments.toml, read by the publish checks)",
        "declare_arguments",
    ),
    PaletteCommand("Clear the inputs", "Unstage every input", "clear_inputs"),
    PaletteCommand("Open the stdout log", "The last run's full stdout in $PAGER", "open_log('stdout')"),
    PaletteCommand("Open the stderr log", "The last run's full stderr in $PAGER", "open_log('stderr')"),
    PaletteCommand("Show the App", "Its files and problems", "show_tab('app')"),
    PaletteCommand("Show the arguments", "Keyword arguments and args mode", "show_tab('arguments')"),
    PaletteCommand("Show the inputs", "Files staged into input/", "show_tab('inputs')"),
    PaletteCommand("Show the run", "Live stdout and stderr", "show_tab('run')"),
    PaletteCommand("Show the outputs", "The run's output/ files", "show_tab('outputs')"),
    PaletteCommand("Show the history", "Past runs, and comparing two", "show_tab('history')"),
    PaletteCommand("Show the presets", "Saved Jobs with expectations", "show_tab('presets')"),
    PaletteCommand("Show the lifecycle", "Actions for the simulated state", "show_tab('lifecycle')"),
    PaletteCommand("Open another App folder", "Pick a folder with main.py", "app.open_folder"),
    PaletteCommand("Leave the field", "Put the focus on the tab's home: its table, tree, log or list", "go_home"),
    PaletteCommand("Help: every key", "Every key by tab, and what the modes mean", "help"),
)


def _keys(action: str, app: App[object], screen: Screen[object]) -> str:
    """The keys bound to an action on the screen or the app, as the footer shows them."""
    shown = []
    for node in (screen, app):
        for binding in Binding.make_bindings(type(node).BINDINGS):
            if binding.action in (action, f"app.{action}", action.removeprefix("app.")):
                shown.append(app.get_key_display(binding))
    return f" ({', '.join(dict.fromkeys(shown))})" if shown else ""


class WorkbenchCommands(Provider):
    """Offers every workbench action in the command palette, with the keys bound to it."""

    def _available(self) -> list[PaletteCommand]:
        from .main_screen import MainScreen

        if isinstance(self.screen, MainScreen):
            return list(COMMANDS)
        return [command for command in COMMANDS if command.action == "app.open_folder"]

    async def _run(self, action: str) -> None:
        await self.app.run_action(action, self.screen)

    def _help(self, command: PaletteCommand) -> str:
        return command.help + _keys(command.action, self.app, self.screen)

    async def discover(self) -> Hits:
        for command in self._available():
            yield DiscoveryHit(command.name, partial(self._run, command.action), help=self._help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._available():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), partial(self._run, command.action), help=self._help(command))
