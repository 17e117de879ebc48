"""The Inputs pane: the files staged into `input/` for the next run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Button, DataTable, Input, Label

from ..display import safe_text
from ..fsutil import human_size
from ..paste import resolve_pasted
from ..staging import StagingError, check_inputs
from .tab_view import TabView

_SIZE_WALK_LIMIT = 20_000


def path_size(path: Path) -> str:
    """The size of a file, or of a folder's files (walking at most a bounded number of entries)."""
    try:
        if not path.is_dir():
            return human_size(path.stat().st_size)
    except OSError:
        return "?"
    total = 0
    seen = 0
    pending = [str(path)]  # a stack, not recursion (nor os.walk): a tree may be thousands of folders deep
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > _SIZE_WALK_LIMIT:
                return f"> {human_size(total)}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return f"{human_size(total)} (folder)"


class PathSuggester(Suggester):
    """Completes a typed path with the first matching entry of its folder."""

    def __init__(self, cwd: Path | None = None) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.cwd = cwd

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, prefix = os.path.split(expanded)
        base = Path(folder or ".")
        if not base.is_absolute() and self.cwd is not None:
            base = self.cwd / base
        try:
            names = sorted(entry.name for entry in os.scandir(base) if entry.name.startswith(prefix))
        except OSError:
            return None
        names = [name for name in names if name != prefix and (prefix.startswith(".") or not name.startswith("."))]
        if not names:
            return None
        completion = names[0]
        if (base / completion).is_dir():
            completion += "/"
        return value + completion[len(prefix) :]


class PathInput(Input):
    """An Input for a path that stages pasted or dropped files instead of inserting the text."""

    @dataclass
    class PathsPasted(Message):
        text: str

    def on_paste(self, event: events.Paste) -> None:
        text = event.text.strip()
        if text and ("\n" in text or resolve_pasted(text).found):
            event.prevent_default()  # not Input's own insertion of the first line
            event.stop()
            self.post_message(self.PathsPasted(event.text))
        # otherwise Input's own handler (a base class's, dispatched next) inserts the text as typed


class InputsPane(Vertical, TabView):
    """Stage files and folders for the next run: type a path, paste it, or drop files on the terminal."""

    HOME = "#inputs-table"

    BINDINGS = [
        Binding("delete", "remove_input", "Remove input", id="remove_input", tooltip="Unstage the selected input"),
        Binding("ctrl+l", "clear_inputs", "Clear inputs", id="clear_inputs", tooltip="Unstage every input"),
        # A priority binding, so the keys typed after it reach the field even in a fast burst.
        *(
            Binding(key, f"type_path('{start}')", "Type a path", id=f"type_path_{key}", show=False, priority=True,
                    tooltip="Start typing a path in the path field (from the table or a button)")
            for key, start in (("slash", "/"), ("tilde", "~"))
        ),
    ]

    @dataclass
    class Changed(Message):
        """The staged inputs changed."""

        pane: InputsPane
        inputs: list[str]

        @property
        def control(self) -> InputsPane:
            return self.pane

    def __init__(self, inputs: list[str], *, cwd: Path | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cwd = cwd or Path.cwd()
        self._inputs: list[str] = []
        self._initial = list(inputs)

    def compose(self) -> ComposeResult:
        with Horizontal(id="input-path-bar"):
            yield PathInput(
                placeholder="path of a file or folder to stage (→ completes; or paste / drop files)",
                suggester=PathSuggester(self.cwd),
                id="input-path",
                compact=True,
                select_on_focus=False,
            )
            yield Button("Stage", id="stage-input", compact=True, tooltip="Stage the typed path")
        table: DataTable[str] = DataTable(id="inputs-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("name in input/", "size", "from")
        yield table
        with Horizontal(id="inputs-actions"):
            yield Button("Remove", id="remove-input", compact=True, tooltip="Unstage the selected input (delete)")
            yield Button("Clear", id="clear-inputs", compact=True, tooltip="Unstage every input (ctrl+l)")
        report = Label("", id="inputs-report")
        report.display = False
        yield report

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "type_path":  # in the path field itself, / and ~ are typed as they are
            return not isinstance(self.screen.focused, Input)
        return True

    def action_type_path(self, start: str) -> None:
        """`/` or `~` outside the path field: the start of a path, typed into the field.

        On the table, the letters of a path would act as commands (`r` runs, `m` switches
        the args mode); a path starts with `/` or `~`, so that key moves into the field.
        """
        field = self.query_one("#input-path", PathInput)
        self.screen.set_focus(field)
        field.cursor_position = len(field.value)
        field.insert_text_at_cursor(start)

    def on_mount(self) -> None:
        missing = [raw for raw in self._initial if not os.path.lexists(raw)]
        self._inputs = [raw for raw in self._initial if raw not in missing]
        self._refresh_table()
        if missing:
            self.report(f"no longer there, unstaged: {', '.join(missing)}", error=True)
            self._post_changed()

    @property
    def inputs(self) -> list[str]:
        return list(self._inputs)

    def report(self, message: str, error: bool = False) -> None:
        label = self.query_one("#inputs-report", Label)
        label.update(Text(safe_text(message)))
        label.set_class(error, "-error")
        label.display = bool(message)

    def stage(self, paths: list[Path], missing: list[str] | tuple[str, ...] = ()) -> list[str]:
        """Stage existing paths; report what was staged, what does not exist and what clashes."""
        staged: list[str] = []
        refused: list[str] = []
        for path in paths:
            raw = str(path)
            if raw in self._inputs:
                continue
            try:
                check_inputs([*self._inputs, raw])
            except StagingError as error:
                refused.append(str(error))
                continue
            self._inputs.append(raw)
            staged.append(raw)
        parts = []
        if staged:
            parts.append(f"staged {len(staged)}: " + ", ".join(Path(p).name for p in staged))
        if missing:
            parts.append("not found, not staged: " + ", ".join(missing))
        parts += refused
        if parts:
            self.report("; ".join(parts), error=bool(missing or refused))
        if staged:
            self._refresh_table()
            self._post_changed()
        return staged

    def stage_text(self, text: str) -> list[str]:
        """Stage the paths in typed, pasted or dropped text (quoted, escaped, `file://`, many)."""
        pasted = resolve_pasted(text, self.cwd)
        if not pasted.found and not pasted.missing:
            self.report("nothing to stage: give a path", error=True)
            return []
        return self.stage(pasted.found, pasted.missing)

    def load(self, inputs: list[str]) -> None:
        """Show another list of staged inputs (a preset loaded into the draft, say)."""
        self._inputs = list(inputs)
        self._refresh_table()
        self.report("")

    def clear(self) -> None:
        self._inputs.clear()
        self._refresh_table()
        self.report("cleared")
        self._post_changed()

    def _post_changed(self) -> None:
        self.post_message(self.Changed(self, self.inputs))

    def _refresh_table(self) -> None:
        table = self.query_one("#inputs-table", DataTable)
        table.clear()
        for raw in self._inputs:
            path = Path(raw)
            table.add_row(
                Text(safe_text(path.name) + ("/" if path.is_dir() else "")),
                path_size(path),
                Text(safe_text(str(path.parent))),
                key=raw,
            )

    # -- events --------------------------------------------------------------------------

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.stage_text(event.text)

    @on(PathInput.PathsPasted)
    def _paths_pasted(self, event: PathInput.PathsPasted) -> None:
        event.stop()
        self.stage_text(event.text)

    @on(Input.Submitted, "#input-path")
    @on(Button.Pressed, "#stage-input")
    def _stage_typed(self, event: Message) -> None:
        field = self.query_one("#input-path", Input)
        if self.stage_text(field.value):
            field.value = ""

    @on(Button.Pressed, "#remove-input")
    def _remove_pressed(self) -> None:
        self.action_remove_input()

    @on(Button.Pressed, "#clear-inputs")
    def _clear_pressed(self) -> None:
        self.action_clear_inputs()

    def action_remove_input(self) -> None:
        """Unstage the input under the table's cursor."""
        table = self.query_one("#inputs-table", DataTable)
        if not self._inputs or table.cursor_row < 0:
            return
        raw = self._inputs.pop(min(table.cursor_row, len(self._inputs) - 1))
        self._refresh_table()
        self.report(f"unstaged {Path(raw).name}")
        self._post_changed()

    def action_clear_inputs(self) -> None:
        """Unstage every input."""
        self.clear()
