"""The lifecycle panel: what the platform would let the author do in the simulated state, and the checks.

A thin view of `workbench.lifecycle`: the table, the reasons and the checks all
come from `lifecycle.preview`; this panel only draws them and sets the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Label, Select, Static

from ..appdir import AppFolder
from ..checks import CheckResult
from ..filepreview import terminal_safe
from ..lifecycle import ActionPreview, LifecycleError, Preview, preview, set_simulated_state, simulate
from ..lifecycle_state import State
from .tab_view import TabView

ASSUMED_MARK = "*"


def _action_cells(item: ActionPreview) -> tuple[Text, ...]:
    if item.allowed:
        verdict = Text("✓ allowed", style="green")
    elif item.refused_by == "platform":
        verdict = Text("✗ refused", style="red")
    else:
        verdict = Text("✗ blocked", style="yellow")
    rule = Text(f"assumed {ASSUMED_MARK}", style="italic yellow") if item.assumed else Text("docs", style="dim")
    return (
        Text(item.name.replace("_", " ")),
        verdict,
        Text(item.leads_to.value if item.leads_to is not None else "—"),
        rule,
        Text(terminal_safe(item.reason)),
    )


def _check_cells(check: CheckResult) -> tuple[Text, ...]:
    if check.skipped:
        result = Text("– skipped", style="dim")
    elif check.ok:
        result = Text("✓ ok", style="green")
    elif check.level == "error":
        result = Text("✗ error", style="red")
    elif check.level == "warning":
        result = Text("! warning", style="yellow")
    else:
        result = Text("· note", style="dim")
    needed = ", ".join(name.replace("_", " ") for name in check.needed_for) or "—"
    return (Text(check.name.replace("_", " ")), result, Text(needed, style="dim"), Text(terminal_safe(check.detail)))


class LifecyclePanel(TabView):
    """The lifecycle actions in the simulated state (allowed or refused, why, assumed cells marked) and the checks."""

    HOME = "#lifecycle-actions"

    DEFAULT_CSS = """
    LifecyclePanel {
        height: 1fr;
        #lifecycle-bar {
            height: auto;
            padding: 0 1;
            margin-bottom: 1;
        }
        #lifecycle-bar Label {
            padding: 0 1 0 0;
        }
        #lifecycle-state {
            width: 16;
        }
        #lifecycle-legend {
            width: 1fr;
            padding: 0 0 0 2;
            color: $text-muted;
        }
        #lifecycle-body {
            height: 1fr;
        }
        #lifecycle-body DataTable {
            height: auto;
            margin-bottom: 1;
            overflow-x: hidden;
        }
        #lifecycle-detail {
            dock: bottom;
            height: auto;
            max-height: 4;
            padding: 0 1;
            background: $panel;
        }
    }
    """

    BINDINGS = [
        Binding("]", "next_state", "Next state", id="lifecycle.next_state", tooltip="Simulate the next lifecycle state"),
        Binding("[", "previous_state", "Prev state", id="lifecycle.previous_state",
                tooltip="Simulate the previous lifecycle state"),
    ]

    @dataclass
    class StateChanged(Message):
        """The author set the simulated lifecycle state (it is saved in `.workbench/`)."""

        state: State

    def __init__(self, app: AppFolder, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.app_folder = app
        self.preview: Preview | None = None
        """The preview shown, once loaded."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="lifecycle-bar"):
            yield Label("Simulated state")
            yield Select([(state.value, state.value) for state in State], allow_blank=False, compact=True, id="lifecycle-state")
            yield Static(f"{ASSUMED_MARK} assumed: the docs do not settle it", id="lifecycle-legend")
        with VerticalScroll(id="lifecycle-body"):
            actions: DataTable[Text] = DataTable(id="lifecycle-actions", cursor_type="row", zebra_stripes=True)
            actions.add_columns("Action", "Platform", "Leads to", "Rule", "Reason")
            yield actions
            checks: DataTable[Text] = DataTable(id="lifecycle-checks", cursor_type="row", zebra_stripes=True)
            checks.add_columns("Check", "Result", "Needed for", "Detail")
            yield checks
        yield Static("", id="lifecycle-detail")

    def on_mount(self) -> None:
        self.reload()

    def refresh_view(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the saved state, run the checks again (in a worker) and redraw."""
        self._load()

    @work(thread=True, exclusive=True, group="lifecycle", exit_on_error=False)
    def _load(self, state: State | None = None, action: str | None = None) -> None:
        """Save `state`, or do `action`, if given; then preview and show the result."""
        changed = False
        try:
            if action is not None:
                result = simulate(self.app_folder, action)
                changed = True
            else:
                if state is not None:
                    set_simulated_state(self.app_folder.root, state)
                    changed = True
                result = preview(self.app_folder)
        except LifecycleError as error:
            self.bridge.call(self.notify, str(error), severity="warning")
            result = preview(self.app_folder)
        except OSError as error:
            self.bridge.call(
                self.notify, f"could not save the state in .workbench/: {error.strerror or error}", severity="error"
            )
            result = preview(self.app_folder)
        self.bridge.call(self._show, result, changed)

    def _show(self, result: Preview, changed: bool) -> None:
        self.preview = result
        select = self.query_one("#lifecycle-state", Select)
        if select.value != result.state.value:
            select.value = result.state.value
        actions = self.query_one("#lifecycle-actions", DataTable)
        row = actions.cursor_row
        actions.clear()
        for item in result.actions:
            actions.add_row(*_action_cells(item), key=item.name)
        actions.move_cursor(row=max(0, min(row, actions.row_count - 1)))
        checks = self.query_one("#lifecycle-checks", DataTable)
        check_row = checks.cursor_row
        checks.clear()
        for check in result.checks:
            checks.add_row(*_check_cells(check), key=check.name)
        checks.move_cursor(row=max(0, min(check_row, checks.row_count - 1)))
        if checks.has_focus:
            self._describe_check(checks.cursor_row)
        else:
            self._describe_action(actions.cursor_row)
        if changed:
            self.post_message(self.StateChanged(result.state))

    # ------------------------------------------------------------- the state

    @on(Select.Changed, "#lifecycle-state")
    def _state_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.preview is not None and event.value != self.preview.state.value and isinstance(event.value, str):
            self._load(state=State(event.value))

    def _step_state(self, step: int) -> None:
        if self.preview is None:
            return
        states = list(State)
        index = (states.index(self.preview.state) + step) % len(states)
        self._load(state=states[index])

    def action_next_state(self) -> None:
        self._step_state(1)

    def action_previous_state(self) -> None:
        self._step_state(-1)

    @on(DataTable.RowSelected, "#lifecycle-actions")
    def _do_action(self, event: DataTable.RowSelected) -> None:
        """Enter on an action simulates doing it: the state moves to where it leads."""
        event.stop()
        if self.preview is None:
            return
        item = self.preview.action(str(event.row_key.value))
        if not item.allowed:
            self.notify(f"{item.name.replace('_', ' ')} is refused: {item.reason}", severity="warning")
            return
        self._load(action=item.name)

    # ------------------------------------------------------------- the detail line

    @on(DataTable.RowHighlighted, "#lifecycle-actions")
    def _action_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if not self.query_one("#lifecycle-checks").has_focus:
            self._describe_action(event.cursor_row)

    @on(DataTable.RowHighlighted, "#lifecycle-checks")
    def _check_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.data_table.has_focus:
            self._describe_check(event.cursor_row)

    @on(events.DescendantFocus)
    def _table_focused(self, event: events.DescendantFocus) -> None:
        if event.widget.id == "lifecycle-checks":
            self._describe_check(self.query_one("#lifecycle-checks", DataTable).cursor_row)
        elif event.widget.id == "lifecycle-actions":
            self._describe_action(self.query_one("#lifecycle-actions", DataTable).cursor_row)

    def _describe_check(self, row: int) -> None:
        if self.preview is None or not 0 <= row < len(self.preview.checks):
            return
        check = self.preview.checks[row]
        content = Content.from_markup(
            "[b]$name[/b]: $detail", name=check.name.replace("_", " "), detail=terminal_safe(check.detail)
        )
        for item in check.items[:2]:
            content += Content.from_markup("\n  [dim]$item[/dim]", item=terminal_safe(item))
        self.query_one("#lifecycle-detail", Static).update(content)

    def _describe_action(self, row: int) -> None:
        if self.preview is None or not 0 <= row < len(self.preview.actions):
            return
        item = self.preview.actions[row]
        verdict = "allowed" if item.allowed else "refused"
        if item.allowed and item.leads_to is not None and item.leads_to is not self.preview.state:
            verdict += f" → {item.leads_to.value} (Enter simulates it)"
        content = Content.from_markup(
            "[b]$name[/b] in $state: $verdict. $reason",
            name=item.name.replace("_", " "),
            state=self.preview.state.value,
            verdict=verdict,
            reason=terminal_safe(item.reason),
        )
        if item.assumed:
            content += Content.from_markup(" [$text-warning]($mark assumed by the workbench)[/]", mark=ASSUMED_MARK)
        self.query_one("#lifecycle-detail", Static).update(content)
