"""The folder picker: shown when the folder given is not an App, or to open another (ctrl+o)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DirectoryTree, Input, Label, Static

from ..appdir import ENTRY_POINT, AppFolder, AppFolderError
from .footer import LeanFooter
from .inputs_pane import PathSuggester


class OpenFolderScreen(Screen[None]):
    """Pick an App folder: shown when the folder given is not an App, or to open another."""

    @dataclass
    class FolderChosen(Message):
        """The author picked a folder that is an App."""

        folder: AppFolder

    BINDINGS = [
        Binding("escape", "dismiss_if_possible", "Back", id="open_back", tooltip="Back to the App that is open"),
    ]

    def __init__(self, reason: str | None, start: Path, *, can_go_back: bool = False) -> None:
        super().__init__()
        self.reason = reason
        self.start = start if start.is_dir() else (start.parent if start.parent.is_dir() else Path.cwd())
        self.can_go_back = can_go_back

    def compose(self) -> ComposeResult:
        with Vertical(id="open-folder"):
            yield Static(Text("Open an App folder", style="bold"), id="open-title")
            if self.reason:
                yield Static(Text.assemble(("✗ ", "bold red"), self.reason), id="open-reason")
            yield Static(
                f"An InfraX App is a folder with {ENTRY_POINT} at its root. Type its path, or pick it below.",
                id="open-help",
            )
            with Horizontal(id="open-bar"):
                yield Input(
                    str(self.start),
                    placeholder="path of an App folder",
                    suggester=PathSuggester(),
                    id="open-path",
                )
                yield Button("Open", id="open-button", variant="primary")
            yield Label("", id="open-error")
            yield DirectoryTree(self.start, id="open-tree")
        yield LeanFooter()

    def on_mount(self) -> None:
        self.query_one("#open-path", Input).focus()

    def _try_open(self, raw: str) -> None:
        try:
            folder = AppFolder.open(raw)
        except AppFolderError as error:
            self.query_one("#open-error", Label).update(Text(f"✗ {error}", style="red"))
            return
        self.post_message(self.FolderChosen(folder))

    @on(Input.Submitted, "#open-path")
    def _submitted(self, event: Input.Submitted) -> None:
        self._try_open(event.value)

    @on(Button.Pressed, "#open-button")
    def _pressed(self) -> None:
        self._try_open(self.query_one("#open-path", Input).value)

    @on(DirectoryTree.DirectorySelected)
    def _picked(self, event: DirectoryTree.DirectorySelected) -> None:
        self.query_one("#open-path", Input).value = str(event.path)
        if (event.path / ENTRY_POINT).is_file():
            self._try_open(str(event.path))

    @on(DirectoryTree.FileSelected)
    def _picked_file(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#open-path", Input).value = str(event.path.parent)
        self._try_open(str(event.path.parent))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "dismiss_if_possible":
            return self.can_go_back
        return True

    def action_dismiss_if_possible(self) -> None:
        if self.can_go_back:
            self.dismiss()
