"""The history: past runs of the App, one run's logs and outputs, and a comparison of two runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import DataTable, Log, Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from ..compare import Change, RunComparison, compare_runs, ordered
from ..display import author_paths
from ..filepreview import printable_name, read_tail, terminal_safe
from ..history import STDERR_LOG, STDOUT_LOG, RunHistory
from ..node.findings import describe_verdict
from ..records import OutputRecord, RunRecord
from ..runindex import RunSummary
from ..staging import staged_workspace_paths
from .marks import diff_style, status_label, status_mark, status_words
from .messages import OpenExternally
from .output_browser import OutputBrowser, OutputListing, output_listing
from .resource_view import RunTrend
from .stream_log import BatchLog
from .tab_view import FocusTabs, TabView
from .verdict import verdict_cell

ARGS_WIDTH = 36
"""Characters of a run's arguments shown in the table."""
TRIGGER_WIDTH = 28
"""Characters of why a run started shown in the table."""
ROWS_AT_ONCE = 50
"""Runs added to the table in one turn of the event loop."""
OUTPUTS_PAGE = 100
"""Outputs read between two looks at whether the run is still wanted, and two breaks for the event loop."""


def read_run(history: RunHistory, run_id: str, worker: Worker[None]) -> RunRecord | None:
    """A run's record with its outputs, read in `worker`'s thread; None if unreadable or if the
    worker was cancelled meanwhile (it stops within OUTPUTS_PAGE outputs).

    Between pages it lets the event loop's thread have the GIL at once (`time.sleep(0)`): a
    thread parsing ten thousand outputs without a break holds it in 5 ms slices, and each time
    the loop waits for it costs as much, so turns of a few milliseconds took 50 to 70.
    """
    record = history.load(run_id, outputs=False)
    if record is None or record.outputs or not record.output_count:
        return record  # no outputs, or a record from before the listing, which holds them
    outputs: list[OutputRecord] = []
    for output in history.iter_outputs(run_id):
        outputs.append(output)
        if len(outputs) % OUTPUTS_PAGE == 0:
            if worker.is_cancelled:
                return None
            time.sleep(0)
    record.outputs = outputs
    return record

_CHANGE_STYLES = {Change.ADDED: "$text-success", Change.REMOVED: "$text-error", Change.CHANGED: "$text-warning"}


def format_duration(seconds: float | None) -> str:
    """`0.12 s`, `41.3 s`, `2 m 05 s`, or `—` when unknown."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} m {rest:02d} s"


def format_arguments(kwargs: Mapping[str, str] | Sequence[tuple[str, str]], width: int = ARGS_WIDTH) -> str:
    """The arguments (a mapping, or (name, value) pairs) as `key=value, ...` on one line, cut to `width` characters."""
    pairs = kwargs.items() if isinstance(kwargs, Mapping) else kwargs
    text = printable_name(", ".join(f"{key}={value}" for key, value in pairs))
    return _cut(text, width)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_started(record: RunRecord | RunSummary) -> str:
    """The run's start in local time: `11-28 09:30:05`."""
    started = record.started_at
    if isinstance(started, str):  # a summary's: ISO 8601, UTC
        started = datetime.fromisoformat(started)
    return started.astimezone().strftime("%m-%d %H:%M:%S")


class HistoryView(TabView):
    """The runs of one App, newest first; the highlighted run's logs and outputs; comparing two runs.

    The list is built from the history's summaries (`RunHistory.summaries`): however many
    outputs each run wrote, no record is read for it. The highlighted run's record and
    outputs are read in a worker, and shown when they are in.
    """

    HOME = "#history-table"

    DEFAULT_CSS = """
    HistoryView {
        height: 1fr;
        #history-table {
            height: auto;
            max-height: 40%;
            min-height: 3;
        }
        #history-summary {
            height: auto;
            max-height: 3;
            padding: 0 1;
            background: $panel;
        }
        #history-detail {
            height: 1fr;
            min-height: 6;
        }
        #history-detail TabPane {
            padding: 0;
        }
        #history-logs {
            height: 1fr;
        }
        #history-logs Log {
            width: 1fr;
            height: 1fr;
            overflow: auto;
            border: round $panel-lighten-1;
            border-title-color: $text-muted;
        }
        #history-compare-text {
            padding: 0 1;
            width: auto;
            min-width: 100%;
            text-wrap: nowrap;
        }
        #history-empty {
            padding: 1 2;
            color: $text-muted;
        }
    }
    """

    BINDINGS = [
        Binding("m", "mark", "Mark", id="history.mark", tooltip="Mark the highlighted run to compare another with it"),
        Binding("c", "compare", "Compare", id="history.compare", tooltip="Compare the marked run with the highlighted one"),
        Binding("l", "open_log('stdout')", "stdout", id="history.open_stdout", tooltip="Open the run's stdout.log in $PAGER"),
        Binding("L", "open_log('stderr')", "stderr", id="history.open_stderr", tooltip="Open the run's stderr.log in $PAGER"),
    ]

    @dataclass
    class RunSelected(Message):
        """The author chose a past run (Enter or a click on its row)."""

        record: RunRecord

    def __init__(
        self, history: RunHistory, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.history = history
        self.runs: dict[str, RunSummary] = {}
        """The runs shown, by id, newest first."""
        self.marked: str | None = None
        """The id of the run marked for comparison."""
        self.comparison: RunComparison | None = None
        """The last comparison shown."""
        self._detail_shown: RunSummary | None = None
        """The run whose logs and outputs are shown (or being read)."""

    def compose(self) -> ComposeResult:
        table: DataTable[str | Text] = DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        table.add_column(" ", key="mark", width=1)
        table.add_column("Status", key="status", width=11)
        table.add_column("On a Node", key="node", width=10)
        table.add_column("Started", key="started", width=14)
        table.add_column("Duration", key="duration", width=8)
        table.add_column("Arguments", key="arguments")
        table.add_column("Trigger", key="trigger")
        yield table
        yield Static("No runs yet: every run of the App appears here.", id="history-summary")
        with FocusTabs(id="history-detail"):
            with TabPane("Logs", id="history-tab-logs"):
                with Horizontal(id="history-logs"):
                    yield BatchLog(id="history-stdout", auto_scroll=True)
                    yield BatchLog(id="history-stderr", auto_scroll=True)
            with TabPane("Outputs", id="history-tab-outputs"):
                yield OutputBrowser(id="history-outputs")
            with TabPane("Compare", id="history-tab-compare"):
                with VerticalScroll(id="history-compare"):
                    yield Static("Mark a run with m, highlight another, then press c.", id="history-compare-text")
            with TabPane("Trend", id="history-tab-trend"):
                yield RunTrend(id="history-trend")

    def on_mount(self) -> None:
        self.query_one("#history-stdout", Log).border_title = "stdout"
        self.query_one("#history-stderr", Log).border_title = "stderr"
        self.reload()

    # ------------------------------------------------------------- loading

    def refresh_view(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the history again (in a worker) and redraw the table.

        The cursor stays on the run it was on, or on the newest run when it was
        on the newest (so a new run shows up highlighted).
        """
        self._load_records()

    @work(thread=True, exclusive=True, group="history-load", exit_on_error=False)
    def _load_records(self) -> None:
        # The summaries only: the list costs the same however many files each run wrote.
        # A run's record and outputs are read when it is highlighted (`_load_run`).
        runs = self.history.summaries()
        if not get_current_worker().is_cancelled:
            self.bridge.call(self._show_runs, runs)

    def _show_runs(self, runs: list[RunSummary]) -> None:
        self._fill_table(runs, self.highlighted)

    @work(exclusive=True, group="history-rows", exit_on_error=False)
    async def _fill_table(self, runs: list[RunSummary], current: RunSummary | None) -> None:
        """Put the runs in the table, ROWS_AT_ONCE at a time: the table measures each new row's
        cells, and two thousand rows measured at once held the event loop for a quarter of a second."""
        table = self.query_one("#history-table", DataTable)
        previous_newest = next(iter(self.runs), None)
        self.runs = {run.id: run for run in runs}
        if self.marked not in self.runs:
            self.marked = None
        table.clear()
        for start in range(0, len(runs), ROWS_AT_ONCE):
            if start:
                await asyncio.sleep(0)  # the table measures the rows added, and the screen is drawn
            for run in runs[start : start + ROWS_AT_ONCE]:
                table.add_row(*self._cells(run), key=run.id)
        oldest_first = runs[::-1]
        self.query_one(RunTrend).show_runs(
            [run.duration_seconds for run in oldest_first], [run.peak_memory_bytes for run in oldest_first]
        )
        if not runs:
            self._set_summary(Content("No runs yet: every run of the App appears here."))
            self._show_detail(None)
            return
        ids = list(self.runs)
        follow_newest = current is None or current.id == previous_newest
        row = 0 if current is None or follow_newest or current.id not in self.runs else ids.index(current.id)
        table.move_cursor(row=row)
        self._show_detail(self.runs[ids[row]])

    def _cells(self, run: RunSummary) -> tuple[Text, ...]:
        label, (_glyph, style) = status_label(run.status), status_mark(run.status)
        return (
            Text("●" if run.id == self.marked else "", style="bold"),
            Text(label, style=style),
            verdict_cell(run),
            Text(format_started(run)),
            Text(format_duration(run.duration_seconds), justify="right"),
            Text(format_arguments(run.kwargs)),
            Text(_cut(printable_name(run.trigger or "—"), TRIGGER_WIDTH), style="dim"),
        )

    @property
    def highlighted(self) -> RunSummary | None:
        """The run under the table's cursor (its summary)."""
        table = self.query_one("#history-table", DataTable)
        if not self.runs or table.row_count == 0:
            return None
        ids = list(self.runs)
        row = table.cursor_row
        return self.runs[ids[row]] if 0 <= row < len(ids) else None

    def _log_path(self, run: RunSummary, stream: str) -> Path:
        """Where a run's stdout or stderr log is (as its record names it)."""
        named = run.stdout_log if stream == "stdout" else run.stderr_log
        return Path(named) if named else self.history.run_dir(run.id) / (STDOUT_LOG if stream == "stdout" else STDERR_LOG)

    # ------------------------------------------------------------- one run

    @on(DataTable.RowHighlighted, "#history-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        run = self.runs.get(str(event.row_key.value))
        if run is not None:
            self._show_detail(run)

    @on(DataTable.RowSelected, "#history-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        run = self.runs.get(str(event.row_key.value))
        if run is not None:
            self._select(run)

    @work(thread=True, exclusive=True, group="history-select", exit_on_error=False)
    def _select(self, run: RunSummary) -> None:
        """Read the chosen run's whole record (off the event loop), then say it was chosen."""
        record = self.history.load(run.id)
        if record is not None and not get_current_worker().is_cancelled:
            self.bridge.call(self.post_message, self.RunSelected(record))

    def _show_detail(self, run: RunSummary | None) -> None:
        if run is not None and run is self._detail_shown:
            return  # the same listing's run again (the cursor put back on it after a reload)
        self._detail_shown = run
        if run is None:
            self.query_one("#history-outputs", OutputBrowser).show_run(None)
            for log in self.query(Log):
                log.clear()
            return
        self._load_run(run)
        self._set_summary(_summary(run, self.runs.get(self.marked or "")))
        self._load_tails(run)

    @work(thread=True, exclusive=True, group="history-outputs", exit_on_error=False)
    def _load_run(self, run: RunSummary) -> None:
        """Read a run's record and its outputs, and sort them for the tree, off the event loop.

        A newer highlight cancels this worker, which then stops within a page of outputs: the
        cursor going down a list of big runs keeps one reader going, not one per run passed."""
        worker = get_current_worker()
        record = read_run(self.history, run.id, worker)
        if worker.is_cancelled:
            return
        listing = output_listing(record.outputs) if record is not None else None
        if not worker.is_cancelled:
            self.bridge.call(self._show_outputs, run, record, listing)

    def _show_outputs(self, run: RunSummary, record: RunRecord | None, listing: OutputListing | None) -> None:
        current = self.highlighted
        if current is not None and current.id == run.id:
            self.query_one("#history-outputs", OutputBrowser).show_run(record, listing)

    @work(thread=True, exclusive=True, group="history-tails", exit_on_error=False)
    def _load_tails(self, run: RunSummary) -> None:
        tails = []
        # A kept log names the run's staged copy; shown, it names the author's own files (the log stays as it is).
        workspaces = staged_workspace_paths(self.history.app_root)
        for path in (self._log_path(run, "stdout"), self._log_path(run, "stderr")):
            try:
                text, cut = read_tail(path)
            except OSError as error:
                tails.append((f"cannot read {path}: {error.strerror or error}", False))
                continue
            for workspace in workspaces:
                text = author_paths(text, workspace, self.history.app_root)
            tails.append((text, cut))
        if not get_current_worker().is_cancelled:
            self.bridge.call(self._show_tails, run, tails[0], tails[1])

    def _show_tails(self, run: RunSummary, stdout: tuple[str, bool], stderr: tuple[str, bool]) -> None:
        try:
            current = self.highlighted
            logs = {name: self.query_one(f"#history-{name}", BatchLog) for name in ("stdout", "stderr")}
        except NoMatches:
            return  # the view's children are being removed (the app is closing)
        if current is not None and current.id != run.id:
            return
        for name, (text, cut), lines, key in (
            ("stdout", stdout, run.stdout_lines, "l"),
            ("stderr", stderr, run.stderr_lines, "L"),
        ):
            log = logs[name]
            log.clear()
            if cut:
                log.write_line(f"… the last lines of {lines}; press {key} to read it all")
            log.write_block(text)  # up to 64 KiB: one batch, not a line at a time
            log.border_subtitle = f"{lines} line{'s' if lines != 1 else ''}"
            log.border_title = name

    def _set_summary(self, content: Content) -> None:
        self.query_one("#history-summary", Static).update(content)

    # ------------------------------------------------------------- compare

    def action_mark(self) -> None:
        record = self.highlighted
        if record is None:
            return
        previous = self.marked
        self.marked = None if previous == record.id else record.id
        table = self.query_one("#history-table", DataTable)
        for run_id in {previous, record.id} - {None}:
            if run_id in self.runs:
                table.update_cell(run_id, "mark", Text("●" if run_id == self.marked else "", style="bold"))
        self._set_summary(_summary(record, self.runs.get(self.marked or "")))

    def action_compare(self) -> None:
        record = self.highlighted
        if record is None:
            return
        if self.marked is None or self.marked not in self.runs:
            self.notify("Mark a run with m first, then highlight the run to compare it with.", severity="warning")
            return
        if self.marked == record.id:
            self.notify("Highlight another run than the marked one to compare them.", severity="warning")
            return
        self._compare(self.marked, record.id)

    @work(thread=True, exclusive=True, group="history-compare", exit_on_error=False)
    def _compare(self, marked: str, highlighted: str) -> None:
        # The list holds summaries: both runs are read whole for the comparison.
        first, second = self.history.load(marked), self.history.load(highlighted)
        if first is None or second is None:
            self.bridge.call(self.notify, "A run to compare could not be read.", severity="error")
            return
        old, new = ordered(first, second)
        result = compare_runs(old, new)
        self.bridge.call(self._show_comparison, result)

    def _show_comparison(self, result: RunComparison) -> None:
        self.comparison = result
        self.query_one("#history-compare-text", Static).update(_comparison_content(result))
        self.query_one("#history-detail", TabbedContent).active = "history-tab-compare"
        self.query_one("#history-compare", VerticalScroll).scroll_home(animate=False)

    # ------------------------------------------------------------- opening logs

    def action_open_log(self, stream: str) -> None:
        record = self.highlighted
        if record is None:
            return
        self.post_message(OpenExternally(self._log_path(record, stream), pager=True))


def _summary(record: RunSummary, marked: RunSummary | None) -> Content:
    parts = [f"{format_started(record)}", status_words(record.status)]
    if record.exit_code is not None:
        parts.append(f"exit {record.exit_code}")
    if record.message and record.message != f"exit code {record.exit_code}":
        parts.append(printable_name(record.message))
    if record.node is not None:
        blocking = ", ".join(item.code for item in record.node.findings if item.severity in ("fail", "hang"))
        parts.append(describe_verdict(record.node.verdict) + (f" ({blocking})" if blocking else ""))
    count = record.output_count
    parts.append(f"{count} output{'s' if count != 1 else ''}")
    if record.outputs_not_kept:
        parts.append("outputs over the budget: not all kept")
    parts.append(f"args via {record.args_mode}")
    content = Content(" · ".join(parts))
    if marked is not None:
        hint = " · marked ●" if marked.id == record.id else f" · c: compare with ● {format_started(marked)}"
        content += Content.from_markup("[$text-accent]$hint[/]", hint=hint)
    return content


def _comparison_content(result: RunComparison) -> Content:
    content = Content.from_markup(
        "[b]$old[/b] → [b]$new[/b]\n$shown\n$given\n",
        old=format_started(result.old),
        new=format_started(result.new),
        shown=result.summary_lines()[0],
        given=result.summary_lines()[1],
    )
    for note in result.notes:
        content += Content.from_markup("[$text-warning]$note[/]\n", note=note)
    if result.facts:
        content += Content("\n")
        for fact in result.facts:
            content += Content.from_markup("[$text-warning]$line[/]\n", line=fact.describe())
    if result.outputs:
        content += Content("\n")
        for change in result.outputs:
            content += Content.from_markup(f"[{_CHANGE_STYLES[change.change]}]$line[/]\n", line=change.describe())
    for stream, diff in (("stdout", result.stdout_diff), ("stderr", result.stderr_diff)):
        content += Content("\n")
        if not diff:
            content += Content.from_markup("[dim]$stream is the same in both runs.[/dim]\n", stream=stream)
        else:
            content += Content("\n").join(_diff_line(terminal_safe(line)) for line in diff) + Content("\n")
    return content


def _diff_line(line: str) -> Content:
    style = diff_style(line)
    return Content.styled(line, style) if style else Content(line)
