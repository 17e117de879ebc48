"""The Presets tab: the App's saved Jobs, run one or all, keep the draft as one, accept golden copies.

A thin layer over `workbench.presets`: the file, the runs and the checks all
live in the core. The view is built in three layers, one module each:
`board.PresetsBoard` shows the presets and their results, `runs.PresetRuns`
runs them (one, all, or a round after a save), and `PresetsView` adds the
author's actions on the file and the draft (load, save, accept golden copies).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Button, DataTable, Input

from ...appdir import AppFolder
from ...draft import DraftStore, JobDraft
from ...history import RunHistory
from ...presets import PresetError, accept_golden, draft_from_preset, golden_changes, preset_from_draft, save_preset
from ...records import RunRecord
from .dialogs import GoldenDiffScreen
from .runs import PresetRuns


class PresetsView(PresetRuns):
    """The App's Job presets: list, save the draft as one, load one, run one or all, accept golden copies."""

    DEFAULT_CSS = """
    PresetsView { height: 1fr; }
    PresetsView #presets-actions { height: auto; }
    PresetsView #preset-name { width: 16; margin-right: 1; }
    PresetsView #presets-actions Button { width: auto; min-width: 6; margin-right: 1; }
    PresetsView #presets-table { height: 1fr; min-height: 5; }
    PresetsView #presets-detail { height: auto; max-height: 12; }
    """

    BINDINGS = [
        Binding("A", "run_all", "Run all", id="preset_run_all", tooltip="Run every preset, one after another, with a summary"),
        Binding("L", "load_selected", "Load", id="preset_load", tooltip="Load the highlighted preset into the Job draft"),
        Binding("S", "save_draft", "Save draft", id="preset_save",
                tooltip="Save the Job draft as a preset (the name typed, or the highlighted one)"),
        Binding("G", "accept_golden", "Accept golden", id="preset_accept",
                tooltip="Show how the last run's outputs differ from the golden copies, then accept them"),
        Binding("x,X,f6", "cancel", "Cancel", id="preset_cancel",
                tooltip="End the running preset and skip the rest (or the App's run, when no preset runs)"),
        Binding("D", "show_difference", "Difference", id="preset_difference",
                tooltip="How the highlighted preset's failing run differs from its last passing run"),
    ]

    @dataclass
    class DraftLoaded(Message):
        """A preset was loaded into the Job draft store: the editors should show it."""

        draft: JobDraft
        preset: str

    def __init__(
        self,
        app: AppFolder,
        *,
        history: RunHistory | None = None,
        jobs: int | None = None,
        clock: bool = True,
        store: DraftStore | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(app, history=history, jobs=jobs, clock=clock, id=id)
        self.store = store if store is not None else DraftStore(app.root)
        """The Job draft the editors show: Save draft reads it, Load replaces it."""

    # -- actions on the file and the draft -------------------------------------------------

    @on(Button.Pressed, "#preset-load")
    def action_load_selected(self) -> None:
        """Load the highlighted preset into the Job draft (the editors show it; it is saved after a pause)."""
        name = self.selected_name
        if name is None:
            return
        preset = self.presets[name]
        draft = draft_from_preset(self.app_folder.root, preset)
        paths = preset.input_paths(self.app_folder.root)
        missing = [value for value, path in zip(preset.inputs, paths, strict=True) if not path.exists()]
        self.store.replace(draft)
        self.post_message(self.DraftLoaded(draft, name))
        if missing:
            self.notify(f"Loaded {name}; its input {missing[0]!r} does not exist", severity="warning")
        else:
            self._show_status(Text(f"Loaded preset {name} into the Job draft", style="green"))

    @on(Input.Submitted, "#preset-name")
    @on(Button.Pressed, "#preset-save")
    def action_save_draft(self) -> None:
        """Save the Job draft as the preset named in the box, or over the highlighted one (keeping its expectations)."""
        if self._busy:
            return
        name_input = self.query_one("#preset-name", Input)
        name = name_input.value.strip() or self.selected_name
        if not name:
            self.notify("Type a name for the new preset first", severity="warning")
            name_input.focus()
            return
        if self.problem:
            self.notify(f"presets.toml has a problem; fix it first: {self.problem}", severity="error")
            return
        existing = self.presets.get(name)
        try:
            preset = preset_from_draft(self.app_folder.root, name, self.store.draft, keep=existing)
            save_preset(self.app_folder.root, preset)
        except PresetError as error:
            self.notify(str(error), severity="error")
            return
        except OSError as error:
            self.notify(f"presets.toml could not be written: {error.strerror or error}", severity="error")
            return
        name_input.value = ""
        self.reload()
        table = self.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(name))
        verb = "Updated" if existing else "Saved"
        kept = " (its expectations kept)" if existing else ""
        self.notify(f"{verb} preset {name}{kept}")

    @on(Button.Pressed, "#preset-accept")
    def action_accept_golden(self) -> None:
        """Show how the last run's outputs differ from the golden copies; accept them if the author agrees."""
        name = self.selected_name
        if name is None or self._busy:
            return
        preset = self.presets[name]
        record = self._last_record(name)
        if record is None:
            self.notify(f"Run {name} first: there are no outputs to accept", severity="warning")
            return
        try:
            changes = golden_changes(preset, record, self.app_folder.root)
        except OSError as error:
            self.notify(f"The outputs could not be compared: {error.strerror or error}", severity="error")
            return

        def decided(accept: bool | None) -> None:
            if not accept:
                return
            try:
                accept_golden(preset, record, self.app_folder.root)
            except (PresetError, OSError) as error:
                self.notify(f"The golden copies were not written: {error}", severity="error")
                return
            self.results.pop(name, None)  # judged against the old copies
            self.reload()
            written = sum(change.kind in ("new", "changed") for change in changes)
            self.notify(f"Accepted {written} golden cop{'y' if written == 1 else 'ies'} for {name}")

        self.app.push_screen(GoldenDiffScreen(name, changes), decided)

    def _last_record(self, name: str) -> RunRecord | None:
        result = self.results.get(name)
        if result is not None and result.record is not None:
            return result.record
        for summary in self.history.iter_summaries():
            if summary.preset == name:
                return self.history.load(summary.id)
        return None

