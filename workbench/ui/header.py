"""The workbench's header: the App, its simulated lifecycle state, the args mode and watch mode."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..display import safe_text


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
    lifecycle_state: reactive[str | None] = reactive(None)
    args_mode: reactive[str] = reactive("stdin")
    watching: reactive[bool] = reactive(True)
    on_save: reactive[str] = reactive("restart")
    run_status: reactive[str] = reactive("idle")
    buffering: reactive[str] = reactive("flushed")
    watch_target: reactive[str] = reactive("job")
    """What a save runs: `job`, `presets` or `both` (shown when not `job`)."""
    round_result: reactive[str | None] = reactive(None)
    """The last round of presets: `presets 11/12 · 1 regression`."""
    round_ok: reactive[bool] = reactive(True)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.size.width >= 96:  # on a narrow terminal the run's status matters more than the name
            text.append(" Workbench ", style="bold reverse")
        text.append(f" {safe_text(self.app_name)} ", style="bold")
        sep = ("│", "dim")
        if self.lifecycle_state:
            text.append_text(Text.assemble(sep, " state ", (self.lifecycle_state, "bold"), " "))
        text.append_text(Text.assemble(sep, " args ", (self.args_mode, "bold"), " "))
        if self.buffering != "flushed":  # shown only when not the default
            text.append_text(Text.assemble(sep, " output ", (self.buffering, "bold"), " "))
        target = {"presets": "·presets", "both": "·job+presets"}.get(self.watch_target, "")
        watch = (f"on·{self.on_save}{target}", "bold green") if self.watching else ("off", "bold yellow")
        text.append_text(Text.assemble(sep, " watch ", watch, " "))
        status_style = {"running": "bold cyan", "failed": "bold red", "succeeded": "bold green"}
        shown = self.run_status.replace("_", " ")  # timed_out reads "timed out"
        text.append_text(Text.assemble(sep, " run ", (shown, status_style.get(self.run_status, "bold"))))
        if self.round_result:
            style = "bold green" if self.round_ok else "bold red"
            text.append_text(Text.assemble(" ", sep, " ", (self.round_result, style)))
        return text
