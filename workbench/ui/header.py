"""The workbench's header: the App, its simulated lifecycle state, the args mode and watch mode, the run.

Every value is typed (an enum where it is one of a few) and bound from the
main screen's reactives of the same names (`MainScreen.compose` calls
`data_bind`): the screen owns the state, the header only draws it.
"""

from __future__ import annotations

from enum import StrEnum

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..display import safe_text
from ..job import Buffering
from ..kwargs import ArgsMode
from ..lifecycle_state import State
from ..status import RunStatus
from .settings import OnSave, WatchTarget


class RunState(StrEnum):
    """What the header says of the run while no finished run's status (`RunStatus`) stands."""

    IDLE = "idle"
    """No run yet in this session, and none going."""
    RUNNING = "running"
    REFUSED = "refused"
    """The last start was refused (its arguments, say) and nothing ran."""


RunShown = RunState | RunStatus
"""The run as the header shows it: going, refused, idle, or how the last one ended."""

_RUN_STYLES: dict[RunShown, str] = {
    RunState.RUNNING: "bold cyan",
    RunStatus.FAILED: "bold red",
    RunStatus.SUCCEEDED: "bold green",
}


class WorkbenchHeader(Widget):
    """One line naming the App and the switches that change how the next run happens."""

    DEFAULT_CSS = """
    WorkbenchHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    app_name: reactive[str] = reactive("")
    lifecycle_state: reactive[State | None] = reactive(None)
    args_mode: reactive[ArgsMode] = reactive(ArgsMode.STDIN)
    watching: reactive[bool] = reactive(True)
    on_save: reactive[OnSave] = reactive(OnSave.RESTART)
    run_status: reactive[RunShown] = reactive(RunState.IDLE)
    buffering: reactive[Buffering] = reactive(Buffering.FLUSHED)
    watch_target: reactive[WatchTarget] = reactive(WatchTarget.JOB)
    """What a save runs (shown when not the Job alone)."""
    round_result: reactive[str | None] = reactive(None)
    """The last round of presets: `presets 11/12 · 1 regression`."""
    round_ok: reactive[bool] = reactive(True)

    def __init__(self, app_name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(WorkbenchHeader.app_name, app_name)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.size.width >= 96:  # on a narrow terminal the run's status matters more than the name
            text.append(" Workbench ", style="bold reverse")
        text.append(f" {safe_text(self.app_name)} ", style="bold")
        sep = ("│", "dim")
        if self.lifecycle_state is not None:
            text.append_text(Text.assemble(sep, " state ", (self.lifecycle_state.value, "bold"), " "))
        text.append_text(Text.assemble(sep, " args ", (self.args_mode.value, "bold"), " "))
        if self.buffering is not Buffering.FLUSHED:  # shown only when not the default
            text.append_text(Text.assemble(sep, " output ", (self.buffering.value, "bold"), " "))
        target = {WatchTarget.PRESETS: "·presets", WatchTarget.BOTH: "·job+presets"}.get(self.watch_target, "")
        watch = (f"on·{self.on_save.value}{target}", "bold green") if self.watching else ("off", "bold yellow")
        text.append_text(Text.assemble(sep, " watch ", watch, " "))
        shown = self.run_status.value.replace("_", " ")  # timed_out reads "timed out"
        text.append_text(Text.assemble(sep, " run ", (shown, _RUN_STYLES.get(self.run_status, "bold"))))
        if self.round_result:
            style = "bold green" if self.round_ok else "bold red"
            text.append_text(Text.assemble(" ", sep, " ", (self.round_result, style)))
        return text
