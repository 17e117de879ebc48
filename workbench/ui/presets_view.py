"""The Presets view: the App's saved Jobs, run one or all, keep the draft as one, accept golden copies.

A thin layer over `workbench.presets`: the file, the runs and the checks all
live in the core; this widget lists, starts workers and shows results.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Static

from ..appdir import AppFolder
from ..display import safe_text
from ..draft import DraftStore, JobDraft
from ..history import RunHistory
from ..job import Job
from ..preset_rounds import (
    PresetState,
    PresetStatus,
    Regression,
    Round,
    RoundRunner,
    first_reason,
    memory_line,
    verdict_text,
)
from ..presets import (
    GoldenChange,
    NoPresetsFile,
    Preset,
    PresetError,
    PresetFile,
    PresetResult,
    accept_golden,
    draft_from_preset,
    golden_changes,
    load_presets,
    preset_from_draft,
    run_preset,
    save_preset,
)
from ..records import RunRecord
from .marks import diff_style
from .tab_view import TabView

_COLUMNS = (
    ("preset", "preset"),
    ("arguments", "args"),
    ("inputs", "inputs"),
    ("expects", "expects"),
    ("result", "result"),
    ("time", "time"),
    ("node", "node"),
    ("first failure", "reason"),
)
_BOARD_COLUMNS = ("result", "time", "node", "reason")
"""The columns a round of presets (watch mode) keeps live."""
REASON_CELL = 60
"""Characters of a first failure reason shown in its cell (the detail below shows it all)."""


def _expects_summary(preset: Preset) -> str:
    """The expected exit status and how many other expectations (listed in full below the table)."""
    expect = preset.expect
    others = (
        len(expect.stdout_contains) + len(expect.stdout_excludes) + len(expect.stderr_contains) + len(expect.stderr_excludes)
        + len(expect.outputs_exist) + len(expect.golden)
    )
    return f"exit {expect.exit_status}" + (f" +{others}" if others else "")


def _expects_detail(preset: Preset) -> str:
    """Every expectation of a preset, in one line."""
    expect = preset.expect
    parts = [f"exit status {expect.exit_status}"]
    for label, items in (
        ("stdout contains", expect.stdout_contains),
        ("stdout lacks", expect.stdout_excludes),
        ("stderr contains", expect.stderr_contains),
        ("stderr lacks", expect.stderr_excludes),
    ):
        if items:
            parts.append(f"{label} {len(items)} text" + ("s" if len(items) > 1 else ""))
    if expect.outputs_exist:
        parts.append(f"{len(expect.outputs_exist)} output file" + ("s" if len(expect.outputs_exist) > 1 else ""))
    if expect.golden:
        parts.append(f"{len(expect.golden)} golden cop" + ("ies" if len(expect.golden) > 1 else "y"))
    return "Expects " + ", ".join(parts) + "."


def _arguments_summary(preset: Preset, width: int = 32) -> Text:
    text = safe_text(" ".join(f"{name}={value}" for name, value in preset.kwargs.items())) or "—"
    return Text(text if len(text) <= width else text[: width - 1] + "…")


def _verdict(result: PresetResult) -> Text:
    if result.passed:
        return Text("PASS", style="bold green")
    return Text.assemble(("FAIL", "bold red"), f" {result.failures[0].expectation}")


class GoldenDiffScreen(ModalScreen[bool]):
    """Shows what accepting a run's outputs would change; dismisses with True to accept."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Cancel", id="golden_cancel", tooltip="Keep the golden copies as they are"),
    ]

    DEFAULT_CSS = """
    GoldenDiffScreen { align: center middle; }
    GoldenDiffScreen > Vertical { width: 90%; height: 80%; border: thick $accent; background: $surface; padding: 0 1; }
    GoldenDiffScreen #golden-diff { height: 1fr; }
    GoldenDiffScreen Horizontal { height: auto; }
    """

    def __init__(self, preset_name: str, changes: list[GoldenChange]) -> None:
        super().__init__()
        self.preset_name = preset_name
        self.changes = changes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Accept this run's outputs as the golden copies of {self.preset_name}?", style="bold"))
            with VerticalScroll(id="golden-diff"):
                yield Static(self._diff_text(), id="golden-diff-text")
            with Horizontal():
                yield Button("Accept", id="golden-accept", variant="warning", compact=True, disabled=not self.writes)
                yield Button("Cancel", id="golden-cancel", compact=True)
                yield Static("", id="golden-hint")

    def on_mount(self) -> None:
        # Enter presses the focused button: the safe one first.
        self.query_one("#golden-cancel", Button).focus()

    @on(events.DescendantFocus)
    def _show_enter(self, event: events.DescendantFocus) -> None:
        """Say which button Enter presses (the focused one)."""
        if isinstance(event.widget, Button):
            self.query_one("#golden-hint", Static).update(
                Text.assemble(
                    "  Enter: ", (str(event.widget.label), "bold"), " · Tab: the other button · Escape: cancel", style="dim"
                )
            )

    @property
    def writes(self) -> bool:
        """Whether accepting would change any golden copy."""
        return any(change.kind in ("new", "changed") for change in self.changes)

    def _diff_text(self) -> Text:
        text = Text()
        if not self.changes:
            text.append("The run left no output files to keep.\n", style="dim")
        for change in self.changes:
            style = {"new": "bold green", "changed": "bold yellow", "unchanged": "dim", "missing": "bold red"}[change.kind]
            note = {"missing": " (the run did not write it; it stays as it is)", "unchanged": ""}.get(change.kind, "")
            text.append(f"{change.kind:>9} {change.path} ({change.match}){note}\n", style=style)
            for row in change.diff:
                row_style = diff_style(row)
                text.append(f"          {row}\n", style=row_style)
        return text

    @on(Button.Pressed, "#golden-accept")
    def _accept(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#golden-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)


class RegressionScreen(ModalScreen[None]):
    """How a preset's failing run differs from its last passing run: exit, verdict, stdout, outputs."""

    BINDINGS = [
        Binding("escape,q,enter", "dismiss(None)", "Close", id="regression_close", tooltip="Back to the presets"),
    ]

    DEFAULT_CSS = """
    RegressionScreen { align: center middle; }
    RegressionScreen > Vertical { width: 90%; height: 80%; border: thick $error; background: $surface; padding: 0 1; }
    RegressionScreen #regression-diff { height: 1fr; }
    """

    def __init__(self, regression: Regression, *, is_regression: bool = True) -> None:
        super().__init__()
        self.regression = regression
        self.is_regression = is_regression

    def compose(self) -> ComposeResult:
        title = "Regression" if self.is_regression else "Failing"
        with Vertical():
            yield Static(Text(f"{title}: {self.regression.preset}, against its last passing run", style="bold"))
            with VerticalScroll(id="regression-diff"):
                yield Static(self._text(), id="regression-diff-text")

    def _text(self) -> Text:
        text = Text()
        for row in self.regression.lines():  # each line already printable: App text escaped
            text.append(row + "\n", style=diff_style(row) or "")
        return text


class PresetsView(Vertical, TabView):
    """The App's Job presets: list, save the draft as one, load one, run one or all, accept golden copies."""

    HOME = "#presets-table"

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

    @dataclass
    class PresetFinished(Message):
        """One preset ran and was checked (posted from the worker's thread)."""

        result: PresetResult

    @dataclass
    class RunAllFinished(Message):
        """A run of several presets ended; `results` in the order they ran."""

        results: list[PresetResult]
        cancelled: bool = False

    @dataclass
    class RoundChanged(Message):
        """A preset of a round changed state (posted from the round's threads)."""

        round: Round
        name: str

    @dataclass
    class RoundEnded(Message):
        """A round of presets ended (cancelled or not); `round.result` says how."""

        round: Round

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
        super().__init__(id=id)
        self.app_folder = app
        self.store = store if store is not None else DraftStore(app.root)
        """The Job draft the editors show: Save draft reads it, Load replaces it."""
        self.history = history or RunHistory(app.root)
        self.runner = RoundRunner(
            app,
            history=self.history,
            jobs=jobs,
            on_change=self._post_round_changed,
            on_round_end=self._post_round_ended,
        )
        """Runs rounds of every preset (watch mode); remembers each preset's last passing run."""
        self.round: Round | None = None
        """The latest round started (it may be going)."""
        self.regressions: dict[str, Regression] = {}
        self.clock = clock
        self.preset_file: PresetFile | None = None
        self.problem: str | None = None
        self.results: dict[str, PresetResult] = {}
        self.job: Job | None = None
        self._busy = False
        self._cancel_requested = False

    def _post_round_changed(self, round_: Round, status: PresetStatus) -> None:
        """A preset of the round changed state (from the round's threads)."""
        self.post_message(self.RoundChanged(round_, status.name))

    def _post_round_ended(self, round_: Round) -> None:
        """The round ended (from the round's threads)."""
        self.post_message(self.RoundEnded(round_))

    def compose(self) -> ComposeResult:
        yield Static(id="presets-status")
        with Horizontal(id="presets-actions"):
            yield Input(placeholder="new preset name", id="preset-name", compact=True, select_on_focus=False)
            yield Button("Save draft", id="preset-save", compact=True, tooltip="Save the Job draft as a preset (S)")
            yield Button("Load", id="preset-load", compact=True, tooltip="Load the highlighted preset into the Job draft (L)")
            yield Button("Run", id="preset-run", variant="primary", compact=True,
                         tooltip="Run the highlighted preset (enter on its row)")
            yield Button("Run all", id="preset-run-all", compact=True, tooltip="Run every preset with a summary (A)")
            yield Button("Accept", id="preset-accept", compact=True,
                         tooltip="Accept the last run's outputs as golden copies, after a diff (G)")
            yield Button("Cancel", id="preset-cancel", variant="error", compact=True, disabled=True,
                         tooltip="End the running preset (x)")
        table: DataTable[str | Text] = DataTable(id="presets-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="presets-summary")
        with VerticalScroll(id="presets-detail"):
            yield Static(id="presets-detail-text")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in _COLUMNS:
            table.add_column(label, key=key)
        self._ticker = self.set_interval(0.5, self._tick, pause=True)
        self.reload()

    def on_unmount(self) -> None:
        self.cancel_round()

    def on_show(self) -> None:
        """Read the file again whenever the view is shown: the author may have edited it."""
        if not self._busy:
            self.reload()

    # -- the file --------------------------------------------------------------------------

    def refresh_view(self) -> None:
        if not self._busy:
            self.reload()

    def reload(self) -> None:
        """Read presets.toml again and redraw the list (keeping this session's results)."""
        try:
            self.preset_file = load_presets(self.app_folder.root, check_inputs=False)
            self.problem = None
        except NoPresetsFile:  # not a problem: the first Save draft creates the file
            self.preset_file = PresetFile(self.app_folder.root)
            self.problem = None
        except PresetError as error:
            self.preset_file = None
            self.problem = str(error)
        table = self.query_one(DataTable)
        selected = self.selected_name
        table.clear()
        if self.preset_file is not None:
            for preset in self.preset_file.presets.values():
                table.add_row(
                    preset.name,
                    _arguments_summary(preset),
                    str(len(preset.inputs)),
                    _expects_summary(preset),
                    *self._board_cells(preset.name),
                    key=preset.name,
                )
            if selected in self.preset_file.presets:
                table.move_cursor(row=table.get_row_index(selected))
        self._show_status()
        self._show_detail()
        self._set_buttons()

    @property
    def presets(self) -> dict[str, Preset]:
        return self.preset_file.presets if self.preset_file is not None else {}

    @property
    def selected_name(self) -> str | None:
        """The highlighted preset's name, if any."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    @property
    def running(self) -> bool:
        return self._busy

    # -- status and detail -----------------------------------------------------------------

    def _show_status(self, note: Text | None = None) -> None:
        status = self.query_one("#presets-status", Static)
        if note is not None:
            status.update(note)
        elif self.problem:
            status.update(Text.assemble(("✗ ", "bold red"), safe_text(self.problem)))
        elif not self.presets:
            status.update(Text("No presets yet: set arguments and inputs, type a name, and press Save draft.", style="dim"))
        else:
            text = Text(f"{len(self.presets)} preset(s) in presets.toml", style="dim")
            if self.round is not None:
                going = self.round.result is None
                text.append(f" · round {self.round.number} · {self.round.reason}" + (" (running)" if going else ""))
            status.update(text)

    def _show_summary(self) -> None:
        ran = [self.results[name] for name in self.presets if name in self.results]
        summary = self.query_one("#presets-summary", Static)
        if not ran:
            summary.update("")
            return
        passed = sum(result.passed for result in ran)
        style = "bold green" if passed == len(ran) else "bold red"
        text = Text(f"{passed} passed, {len(ran) - passed} failed", style=style)
        if self.round is not None and self.round.result is not None and not self.round.result.cancelled:
            text.append(f" · round {self.round.number}: {self.round.result.summary()}", style=style)
        if memory := memory_line(ran):
            text.append(f"\n{memory}", style="dim")
        summary.update(text)

    def _show_detail(self) -> None:
        name = self.selected_name
        detail = self.query_one("#presets-detail-text", Static)
        if name is None or name not in self.presets:
            detail.update("")
            return
        preset = self.presets[name]
        text = Text()
        if preset.description:
            text.append(safe_text(preset.description) + "\n", style="italic")
        text.append(_expects_detail(preset) + "\n", style="dim")
        result = self.results.get(name)
        regression = self.regressions.get(name)
        if regression is not None and regression.passing.record is not None:
            text.append("REGRESSION", style="bold reverse red")
            text.append(f" passed in run {regression.passing.record.id}, fails now · enter or D: the difference\n", style="red")
        if result is None:
            text.append("Not run in this session.", style="dim")
        elif result.passed:
            text.append("Every expectation met", style="green")
            if result.record is not None:
                text.append(f" · run {result.record.id}", style="dim")
        else:
            for failure in result.failures:
                text.append(f"✗ {failure.expectation}: ", style="bold red")
                text.append(safe_text(failure.message) + "\n")
                for row in failure.detail:
                    text.append(safe_text(row) + "\n", style=diff_style(row.strip()) or "dim")
        detail.update(text)

    def _set_buttons(self) -> None:
        has_selection = self.selected_name is not None
        for button_id, enabled in (
            ("#preset-save", not self._busy),
            ("#preset-load", has_selection and not self._busy),
            ("#preset-run", has_selection and not self._busy),
            ("#preset-run-all", bool(self.presets) and not self._busy),
            ("#preset-accept", has_selection and not self._busy),
            ("#preset-cancel", self._busy),
        ):
            self.query_one(button_id, Button).disabled = not enabled

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()
        self._set_buttons()

    # -- actions ---------------------------------------------------------------------------

    @on(Button.Pressed, "#preset-run")
    def action_run_selected(self) -> None:
        """Run the highlighted preset."""
        if self._busy:
            return
        self.reload()  # run what the file says now
        name = self.selected_name
        if name is not None:
            self._start([self.presets[name]])

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        """Enter on a regression shows how it differs from its last passing run; on another preset, runs it."""
        if self.selected_name in self.regressions:
            self.action_show_difference()
        else:
            self.action_run_selected()

    @on(Button.Pressed, "#preset-run-all")
    def action_run_all(self) -> None:
        """Run every preset, one after another."""
        if self._busy:
            return
        self.reload()
        if self.presets:
            self._start(list(self.presets.values()))

    @on(Button.Pressed, "#preset-cancel")
    async def action_cancel(self) -> None:
        """End the running preset, skipping the rest of a run-all; with none running, cancel the App's run."""
        if self._busy:
            self._cancel_requested = True
            if self.job is not None:
                self.job.cancel()
        else:
            await self.run_action("screen.cancel_run")

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
        for record in self.history.records():
            if record.preset == name:
                return record
        return None

    # -- running ---------------------------------------------------------------------------

    def _start(self, presets: list[Preset]) -> None:
        self._busy = True
        self._cancel_requested = False
        self._set_buttons()
        names = ", ".join(preset.name for preset in presets[:3]) + ("…" if len(presets) > 3 else "")
        self._show_status(Text.assemble(("● running ", "bold cyan"), names))
        self._run_worker(presets)

    @work(thread=True, exclusive=True, group="presets", exit_on_error=False)
    def _run_worker(self, presets: list[Preset]) -> None:
        results = []
        try:
            for preset in presets:
                if self._cancel_requested:
                    break
                result = run_preset(
                    self.app_folder,
                    preset,
                    history=self.history,
                    notify=lambda text: self.app.call_from_thread(
                        self.notify, safe_text(text), severity="warning", markup=False
                    ),
                    on_job=self._set_job,
                )
                self.job = None
                results.append(result)
                self.post_message(self.PresetFinished(result))
        finally:  # whatever happens, the tab stops showing "running"
            self.job = None
            self.post_message(self.RunAllFinished(results, cancelled=self._cancel_requested))

    def _set_job(self, job: Job) -> None:
        self.job = job
        if self._cancel_requested:
            job.cancel()

    @on(PresetFinished)
    def _preset_finished(self, message: PresetFinished) -> None:
        result = message.result
        self.results[result.preset.name] = result
        self.runner.remember(result)
        if result.passed:
            self.regressions.pop(result.preset.name, None)
        self._refresh_board([result.preset.name])
        self._show_summary()
        self._show_detail()

    @on(RunAllFinished)
    def _all_finished(self, message: RunAllFinished) -> None:
        self._busy = False
        self.job = None
        passed = sum(result.passed for result in message.results)
        failed = len(message.results) - passed
        text = Text.assemble(
            ("✓ " if not failed else "✗ ", "bold green" if not failed else "bold red"),
            f"{passed} passed, {failed} failed",
            (" · cancelled" if message.cancelled else "", "yellow"),
        )
        self._show_status(text)
        self._set_buttons()

    # -- rounds: every preset at once after a save (watch mode) ----------------------------

    def _board_cells(self, name: str) -> tuple[Text | str, ...]:
        """The result, time, Node verdict and first failure reason cells of one preset."""
        status = self.round.statuses.get(name) if self.round is not None else None
        if status is not None and status.state in (PresetState.QUEUED, PresetState.RUNNING):
            elapsed = status.elapsed()
            style = "bold cyan" if status.state is PresetState.RUNNING else "dim"
            time_cell = f"{elapsed:.1f} s" if elapsed is not None and self.clock else ""
            return Text(status.state.value, style=style), time_cell, "", ""
        result = self.results.get(name)
        if result is None:
            return Text("not run", style="dim"), "", "", ""
        verdict_cell = _verdict(result)
        if name in self.regressions:
            verdict_cell = Text.assemble(("REGRESSION", "bold reverse red"), " ", verdict_cell)
        reason = first_reason(result.failures) or ""
        if len(reason) > REASON_CELL:
            reason = reason[: REASON_CELL - 1] + "…"
        return (
            verdict_cell,
            f"{result.duration_seconds:.2f} s",
            verdict_text(result.record) or "",
            Text(reason, style="red") if reason else "",
        )

    def _refresh_board(self, names: list[str] | None = None) -> None:
        table = self.query_one(DataTable)
        for name in names if names is not None else list(self.presets):
            if name not in self.presets:
                continue
            for key, value in zip(_BOARD_COLUMNS, self._board_cells(name), strict=True):
                table.update_cell(name, key, value, update_width=True)

    def _tick(self) -> None:
        """The running presets' times tick while a round goes."""
        if self.round is None or self.round.result is not None:
            self._ticker.pause()
            return
        running = [name for name, status in self.round.statuses.items() if status.state is PresetState.RUNNING]
        if running and self.clock:
            self._refresh_board(running)

    def start_round(self, reason: str) -> Round | None:
        """Run every preset of the file as it is now, in parallel; a round going is cancelled first."""
        self.reload()
        if self.preset_file is None or not self.presets:
            return None
        round_ = self.runner.start(list(self.presets.values()), reason)
        self.round = round_
        self._refresh_board()
        self._show_status(Text.assemble(("● round ", "bold cyan"), (str(round_.number), "bold cyan"), f" · {reason}"))
        self._show_summary()
        self._ticker.resume()
        return round_

    def cancel_round(self) -> threading.Thread | None:
        """Cancel the round going; its thread ends once its Jobs have ended their process trees."""
        return self.runner.cancel()

    @on(RoundChanged)
    def _round_changed(self, message: RoundChanged) -> None:
        if message.round is not self.round:
            return  # a cancelled round's last news
        status = message.round.statuses[message.name]
        if status.state in (PresetState.PASSED, PresetState.FAILED) and status.result is not None:
            self.results[message.name] = status.result
            if status.regression is not None:
                self.regressions[message.name] = status.regression
            elif status.state is PresetState.PASSED:
                self.regressions.pop(message.name, None)
            # A preset still failing stays marked until it passes: the save that broke it is behind it.
        self._refresh_board([message.name])
        if message.name == self.selected_name:
            self._show_detail()

    @on(RoundEnded)
    def _round_ended(self, message: RoundEnded) -> None:
        if message.round is not self.round or message.round.result is None:
            return
        self._ticker.pause()
        result = message.round.result
        ok = result.passed == result.total
        self._show_status(
            Text.assemble(
                ("✓ " if ok else "✗ ", "bold green" if ok else "bold red"), f"round {result.number} · {message.round.reason}"
            )
        )
        self._refresh_board()
        self._show_summary()
        self._show_detail()

    def action_show_difference(self) -> None:
        """Show how the highlighted preset's failing run differs from its last passing run."""
        name = self.selected_name
        if name is None:
            return
        regression = self.regressions.get(name)
        if regression is not None:
            self.app.push_screen(RegressionScreen(regression))
            return
        difference = self.runner.difference(name)
        if difference is None:
            self.notify(f"{name} has no failing run after a passing one in this session", severity="information")
            return
        self.app.push_screen(RegressionScreen(difference, is_regression=False))
