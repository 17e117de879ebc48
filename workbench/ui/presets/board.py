"""What the Presets tab shows: the board of presets (one row each, live during a round), its status, summary and detail.

`PresetsBoard` holds the tab's state (the file, this session's results and
regressions, the latest round) and draws it; `runs.PresetRuns` adds running
presets, and `view.PresetsView` the author's actions on the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Static

from ...appdir import PRESETS_FILE, AppFolder
from ...display import plural, safe_text
from ...history import RunHistory
from ...preset_report import Regression, first_reason, memory_line, verdict_text
from ...preset_rounds import PresetState, Round
from ...presets import NoPresetsFile, Preset, PresetError, PresetFile, PresetResult, load_presets
from ..marks import diff_style
from ..tab_view import TabView

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
_DETAIL_COLUMNS = ("args", "inputs", "expects")
"""Columns left out of a narrow board: the detail under the table says the same of the highlighted preset."""
WIDE_BOARD = 100
"""From this many cells of the table's width on, the board shows the arguments, inputs and expectations too."""
_CAPS = {"preset": 24, "args": 32, "inputs": 6, "expects": 11, "result": 32, "time": 8, "node": 16}
"""The widest each column gets (a longer cell ends in `…`; the detail below shows it all)."""
_MINIMA = {"preset": 9, "args": 9, "inputs": 6, "expects": 7, "result": 10, "time": 8, "node": 6}
_SHRINK = ("args", "expects", "result", "preset", "node")
"""The columns that give up room, in this order, when the board is wider than the table."""
MIN_REASON = 12
REASON_CELL = 60
"""Characters of a first failure reason shown in its cell, at most (the detail below shows it all)."""


def _width(cell: Text | str) -> int:
    return cell.cell_len if isinstance(cell, Text) else Text(cell).cell_len


def _fit(cell: Text | str, width: int) -> Text | str:
    """A cell cut to `width` cells with `…`, so a column never grows past what the board gave it."""
    if _width(cell) <= width:
        return cell
    text = Text(cell) if isinstance(cell, str) else cell.copy()
    text.truncate(width, overflow="ellipsis")
    return text


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


def _stamp(app_root: Path) -> tuple[int, int] | None:
    """presets.toml's modification time and size: a change on disk changes it."""
    try:
        info = os.stat(app_root / PRESETS_FILE)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _verdict(result: PresetResult) -> Text:
    if result.passed:
        return Text("PASS", style="bold green")
    return Text.assemble(("FAIL", "bold red"), f" {result.failures[0].expectation}")


class PresetsBoard(Vertical, TabView):
    """The presets of presets.toml as a table, with this session's results, and the highlighted one in detail."""

    HOME = "#presets-table"

    def __init__(
        self,
        app: AppFolder,
        *,
        history: RunHistory | None = None,
        clock: bool = True,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.app_folder = app
        self.history = history or RunHistory(app.root)
        self.round: Round | None = None
        """The latest round started (it may be going)."""
        self.regressions: dict[str, Regression] = {}
        self.clock = clock
        self.preset_file: PresetFile | None = None
        self.problem: str | None = None
        self.results: dict[str, PresetResult] = {}
        self._busy = False
        self._file_stamp: tuple[int, int] | None = None
        """presets.toml's modification time and size when last read (None: no such file)."""
        self._laid_out_for = -1
        """The table's width the columns were laid out for."""

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
        self._ticker = self.set_interval(0.5, self._tick, pause=True)
        self._file_watch = self.set_interval(1.0, self._check_file, pause=True)
        self.reload()

    def on_hide(self) -> None:
        self._file_watch.pause()

    def on_resize(self) -> None:
        if self.query_one(DataTable).size.width != self._laid_out_for:
            self._fill_table()

    def on_show(self) -> None:
        """Read the file again whenever the view is shown, and while it is: the author may edit it."""
        if not self._busy:
            self.reload()
        self._file_watch.resume()

    def _check_file(self) -> None:
        """Read presets.toml again when it changed on disk (every second, while the tab is shown)."""
        if not self._busy and _stamp(self.app_folder.root) != self._file_stamp:
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
        self._file_stamp = _stamp(self.app_folder.root)
        self._fill_table()
        self._show_status()
        self._show_summary()
        self._show_detail()
        self._set_buttons()

    def _fill_table(self) -> None:
        """Lay the board out for the table's width: every column in view, none scrolling sideways.

        A narrow table (80 columns) leaves out the arguments, inputs and expectations (the
        detail under the table shows them for the highlighted preset); the first failure
        takes the room left. A cell too long for its column ends in `…` (the detail shows
        it whole).
        """
        table = self.query_one(DataTable)
        selected = self.selected_name
        self._laid_out_for = table.size.width
        available = (table.scrollable_content_region.width or 80) - (0 if table.show_vertical_scrollbar else 2)
        rows: list[tuple[str, dict[str, Text | str]]] = []
        for preset in self.presets.values():
            values = (preset.name, _arguments_summary(preset), str(len(preset.inputs)), _expects_summary(preset),
                      *self._board_cells(preset.name))
            rows.append((preset.name, dict(zip((key for _label, key in _COLUMNS), values, strict=True))))
        keys = [key for _label, key in _COLUMNS if available >= WIDE_BOARD or key not in _DETAIL_COLUMNS]
        widths = self._widths(keys, rows, available)
        labels = {key: label for label, key in _COLUMNS}
        table.clear(columns=True)
        for key, width in widths.items():
            table.add_column(labels[key], key=key, width=width)
        for name, cells in rows:
            table.add_row(*(_fit(cells[key], width) for key, width in widths.items()), key=name)
        if selected in self.presets:
            table.move_cursor(row=table.get_row_index(selected))

    def _widths(self, keys: list[str], rows: list[tuple[str, dict[str, Text | str]]], available: int) -> dict[str, int]:
        """Each column's width: its content's, within its bounds; the first failure takes what is left."""
        labels = {key: label for label, key in _COLUMNS}
        widths = {
            key: min(_CAPS[key], max([_width(labels[key]), *(_width(cells[key]) for _name, cells in rows)]))
            for key in keys
            if key != "reason"
        }
        padding = 2 * self.query_one(DataTable).cell_padding * len(keys)
        excess = sum(widths.values()) + padding + MIN_REASON - available
        for key in _SHRINK:
            if excess > 0 and key in widths and (room := widths[key] - _MINIMA[key]) > 0:
                widths[key] -= min(room, excess)
                excess -= min(room, excess)
        widths["reason"] = max(MIN_REASON, min(REASON_CELL, available - sum(widths.values()) - padding))
        return widths

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
            text = Text(f"{plural(len(self.presets), 'preset')} in presets.toml", style="dim")
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
        # The whole file's count, so it never reads as the highlighted preset's result.
        text = Text(f"{len(ran)} of {plural(len(self.presets), 'preset')} run in this session:"
                    f" {passed} passed, {len(ran) - passed} failed", style=style)
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
        arguments = safe_text(" ".join(f"{name}={value}" for name, value in preset.kwargs.items())) or "none"
        inputs = ", ".join(safe_text(value) for value in preset.inputs) or "none"
        text.append(f"Arguments: {arguments} · inputs: {inputs}\n", style="dim")
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

    # -- the board during a round ----------------------------------------------------------

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
        columns = {column.key.value: column for column in table.columns.values()}
        updates = [
            (name, key, value)
            for name in (names if names is not None else list(self.presets))
            if name in self.presets
            for key, value in zip(_BOARD_COLUMNS, self._board_cells(name), strict=True)
        ]
        if any(_width(value) > columns[key].width for _name, key, value in updates):
            self._fill_table()  # a wider cell than the columns were laid out for: lay them out again
            return
        for name, key, value in updates:
            table.update_cell(name, key, _fit(value, columns[key].width))

    def _tick(self) -> None:
        """The running presets' times tick while a round goes."""
        if self.round is None or self.round.result is not None:
            self._ticker.pause()
            return
        running = [name for name, status in self.round.statuses.items() if status.state is PresetState.RUNNING]
        if running and self.clock:
            self._refresh_board(running)

