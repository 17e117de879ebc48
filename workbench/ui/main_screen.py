"""The main screen: one open App, its panes as tabs, runs and watch mode wired together."""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from ..appdir import DECLARED_FILE, AppFolder
from ..display import safe_text
from ..draft import DraftStore, JobDraft, spec_from_draft
from ..history import RunHistory
from ..job import JobSpec
from .bridge import ThreadBridge
from .debounce import Debounce
from .footer import WorkbenchFooter
from .header import RunState
from .help import HelpScreen, help_sections
from .run_pane import RunPane
from .settings import OnSave, UISettings, WatchTarget
from .tab_view import FocusTabs, TabsScreen, TabView
from .watch_mode import WatchModeScreen

if TYPE_CHECKING:
    from ..records import RunRecord
    from .app_pane import AppPane
    from .arguments_editor import ArgumentsEditor
    from .history_view import HistoryView
    from .inputs_pane import InputsPane
    from .lifecycle_panel import LifecyclePanel
    from .output_browser import OutputBrowser
    from .presets.view import PresetsView

TABS = ("app", "arguments", "inputs", "run", "outputs", "history", "presets", "lifecycle")
"""The tabs' ids, in the order of their number keys."""
TITLES = ("App", "Arguments", "Inputs", "Run", "Outputs", "History", "Presets", "Lifecycle")


class MainScreen(WatchModeScreen, TabsScreen):
    """Everything about one App: edit the next Job, run it, read what it did."""

    BINDINGS = [
        Binding("r,f5,ctrl+r", "run", "Run", id="run", tooltip="Run the App with the arguments and inputs"),
        Binding("x,f6", "cancel_run", "Cancel", id="cancel_run", tooltip="End the run's whole process tree"),
        Binding("R,f7", "rerun", "Re-run", id="rerun", tooltip="Run again exactly as last time"),
        Binding("w", "toggle_watch", "Watch", id="toggle_watch", tooltip="Run again whenever an App file is saved"),
        Binding("m", "toggle_args_mode", "Args mode", id="toggle_args_mode",
                tooltip="Pass arguments on stdin (JSON) or as --key value"),
        Binding("s", "toggle_on_save", "On save", id="toggle_on_save", show=False,
                tooltip="A save during a run restarts it, or queues one more run"),
        Binding("t", "toggle_watch_target", "On save runs", id="toggle_watch_target", show=False,
                tooltip="A save runs the Job, a round of every preset, or both"),
        Binding("b", "toggle_buffering", "Buffering", id="toggle_buffering", show=False,
                tooltip="The App's output unbuffered (exact order) or flushed every 50 ms (fast)"),
        Binding("ctrl+n", "add_argument", "Add argument", id="add_argument", show=False, tooltip="Add a keyword argument row"),
        Binding("d", "declare_arguments", "Declare arguments", id="declare_arguments", show=False,
                tooltip="The Job's arguments become the App's (arguments.toml)"),
        Binding("o", "open_log('stdout')", "stdout log", id="open_stdout", show=False,
                tooltip="Open the last run's full stdout log in $PAGER"),
        Binding("O", "open_log('stderr')", "stderr log", id="open_stderr", show=False,
                tooltip="Open the last run's full stderr log in $PAGER"),
        *(
            binding
            for number, (tab, title, tip) in enumerate(
                (
                    ("app", "App", "The App's files and problems"),
                    ("arguments", "Arguments", "Keyword arguments"),
                    ("inputs", "Inputs", "Files staged into input/"),
                    ("run", "Run", "The run's live output"),
                    ("outputs", "Outputs", "The run's output/ files"),
                    ("history", "History", "Past runs"),
                    ("presets", "Presets", "Saved Jobs with expectations"),
                    ("lifecycle", "Lifecycle", "Lifecycle actions"),
                ),
                start=1,
            )
            for binding in (
                Binding(str(number), f"show_tab('{tab}')", title, id=f"tab_{tab}", show=False, tooltip=tip, priority=True),
                # A priority binding: a terminal sends alt+N with N as its text, which a field would type.
                Binding(f"alt+{number}", f"show_tab('{tab}')", title, id=f"tab_{tab}_alt", show=False,
                        tooltip=tip, priority=True),
            )
        ),
        Binding("escape", "go_home", "Leave field", id="go_home", show=False,
                tooltip="Leave a text field for the tab's home (its table, tree or log)"),
        Binding("question_mark,f1", "help", "Help", id="help", tooltip="Every key, by tab"),
        Binding("ctrl+o", "open_folder", "Open folder", id="open_folder", show=False, tooltip="Open another App folder"),
    ]

    def __init__(self, app_folder: AppFolder, settings: UISettings, store: DraftStore | None = None) -> None:
        store = store if store is not None else DraftStore(app_folder.root)
        super().__init__(app_folder, settings, store.draft.args_mode)
        self.history = RunHistory(app_folder.root)
        self.store = store
        """The one Job draft: the editors change it, a run reads it, it is saved after a pause."""
        self._save_later = Debounce(self, settings.draft_save_delay, self._save_draft)
        self._pending_trigger: str | None = None

    # -- building ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.compose_header()
        first = "run"
        with FocusTabs(initial=first, id="tabs"):
            for tab, title in zip(TABS, TITLES, strict=True):
                with TabPane(title, id=tab):
                    yield self.tab_view(tab, partial(self._build_view, tab), first=tab == first)
        yield WorkbenchFooter(held=True)  # its keys come once the Run tab is whole (see `view_ready`)

    def _build_view(self, tab: str) -> TabView:
        """The view that fills a tab. The hidden tabs' views are built just after the first
        paint (see `TabsScreen.tab_view`), and their modules are imported only then: with
        them (and pydantic, the checks, the presets) the first paint would take twice as long."""
        if tab == "run":
            return RunPane(self.app_folder, self.history, self.settings, id="run-pane")
        if tab == "app":
            from .app_pane import AppPane

            return AppPane(self.app_folder, id="app-pane")
        if tab == "arguments":
            from .arguments_editor import ArgumentsEditor

            return ArgumentsEditor(self.draft.kwargs, self.draft.args_mode, id="arguments-editor")
        if tab == "inputs":
            from .inputs_pane import InputsPane

            return InputsPane(self.draft.inputs, id="inputs-pane")
        if tab == "outputs":
            from .output_browser import OutputBrowser

            return OutputBrowser(id="output-browser")
        if tab == "history":
            from .history_view import HistoryView

            return HistoryView(self.history, id="history-view")
        if tab == "presets":
            from .presets.view import PresetsView

            return PresetsView(
                self.app_folder,
                history=self.history,
                jobs=self.settings.round_jobs,
                clock=self.settings.show_clock,
                store=self.store,
                id="presets-view",
            )
        if tab == "lifecycle":
            from .lifecycle_panel import LifecyclePanel

            return LifecyclePanel(self.app_folder, id="lifecycle-panel")
        raise ValueError(f"no tab {tab!r}")

    def preload(self) -> None:
        from . import app_pane, arguments_editor, history_view, inputs_pane, lifecycle_panel, output_browser  # noqa: F401
        from .presets import view  # noqa: F401

    AUTO_FOCUS = None  # the Run tab's home takes the focus in on_mount

    def on_mount(self) -> None:
        # The tab bar takes no focus: the number keys switch tabs, and a click on a tab puts the
        # focus on its home widget (a focused tab bar would keep the focus out of every tab).
        self.query_one("#tabs", TabbedContent).query_one(Tabs).can_focus = False
        if self.ready(self._active_tab()):  # else it takes the focus once it is
            self.view(self._active_tab()).take_focus()
        self.store.on_change = self._save_later.poke
        self._set_watch(self.watching, announce=False)

    def view_ready(self, view: TabView) -> None:
        super().view_ready(view)
        if isinstance(view, RunPane):  # the tab shown first is whole: the footer's keys, in the frame after
            self.call_after_refresh(self.query_one(WorkbenchFooter).release)
            # And then the newest run: reading a record imports pydantic, which would hold up the frames before.
            self.call_after_refresh(self._load_latest)

    @work(thread=True, exclusive=True, group="latest-run", exit_on_error=False)
    def _load_latest(self) -> None:
        """Read the newest run, outputs and all (for the Outputs tab), off the event loop:
        for a run of ten thousand outputs that takes longer than a frame."""
        from .history_view import read_run

        worker = get_current_worker()
        for summary in self.history.iter_summaries():  # the newest run whose record can be read
            latest = read_run(self.history, summary.id, worker)
            if worker.is_cancelled:
                return
            if latest is not None:
                ThreadBridge(self).call(self._show_latest, latest)
                return

    def _show_latest(self, latest: RunRecord) -> None:
        pane = self.query_one(RunPane)
        if pane.last_record is not None or pane.running:
            return  # a run started or ended meanwhile: the Run and Outputs tabs show that one
        self._show_in_browser(latest)
        pane.last_record = latest

    def shutdown(self) -> threading.Event | None:
        """Stop watching and cancel a run going (when the workbench quits or opens another App).

        Returns an event set once the cancelled run has ended, or None when none was going.
        """
        self._pending_trigger = None
        self._save_later.flush()  # what was typed in the last half second is kept
        self.stop_watching()
        presets = self.query("#presets-view")
        round_thread = cast("PresetsView", presets.first()).cancel_round() if presets else None
        run_pane = self.query(RunPane)
        run_ended = run_pane.first().cancel() if run_pane else None
        if round_thread is None or not round_thread.is_alive():
            return run_ended
        ended = threading.Event()

        def wait_for_both() -> None:  # the round's Jobs end their process trees too
            round_thread.join()
            if run_ended is not None:
                run_ended.wait()
            ended.set()

        threading.Thread(target=wait_for_both, name="workbench-shutdown", daemon=True).start()
        return ended

    def on_unmount(self) -> None:
        self.shutdown()

    @property
    def run_pane(self) -> RunPane:
        return self.query_one(RunPane)

    # The hidden tabs' views, found by id: their classes are imported for the type checker only
    # (see `_build_view`). As a query by class would, these fail until the view is mounted.

    @property
    def app_pane(self) -> AppPane:
        return cast("AppPane", self.query_one("#app-pane"))

    @property
    def arguments_editor(self) -> ArgumentsEditor:
        return cast("ArgumentsEditor", self.query_one("#arguments-editor"))

    @property
    def inputs_pane(self) -> InputsPane:
        return cast("InputsPane", self.query_one("#inputs-pane"))

    @property
    def presets_view(self) -> PresetsView:
        return cast("PresetsView", self.query_one("#presets-view"))

    # -- the draft -----------------------------------------------------------------------

    @property
    def draft(self) -> JobDraft:
        return self.store.draft

    def _save_draft(self) -> None:
        try:
            self.store.save()
        except OSError as error:
            self.notify(f"the draft could not be saved in .workbench/: {error.strerror or error}", severity="error")

    # The hidden tabs' messages are handled by name (`on_<view>_<message>`): no `@on(...)` can
    # name their classes here, whose modules are imported only after the first paint.

    def on_arguments_editor_changed(self, event: ArgumentsEditor.Changed) -> None:
        self.store.update(kwargs=event.kwargs)
        self._forget_refusal()

    def on_arguments_editor_mode_changed(self, event: ArgumentsEditor.ModeChanged) -> None:
        self.store.update(args_mode=event.mode)
        self._forget_refusal()
        self.args_mode = event.mode

    def on_inputs_pane_changed(self, event: InputsPane.Changed) -> None:
        self.store.update(inputs=event.inputs)
        self._forget_refusal()

    def _forget_refusal(self) -> None:
        """The draft changed: a "not run" message whose cause is fixed goes (a new run may be refused again)."""
        pane = self.run_pane
        if pane.refused and not self.arguments_editor.problems():
            pane.clear_refusal()
            record = pane.last_record
            self.run_status = record.status if record is not None else RunState.IDLE

    def on_paste(self, event: events.Paste) -> None:
        """Files dropped or pasted anywhere that is not a text field are staged as inputs."""
        event.stop()
        self.after_views_mounted(partial(self._stage_pasted, event.text))

    def _stage_pasted(self, text: str) -> None:
        self.action_show_tab("inputs")
        self.inputs_pane.stage_text(text)

    # -- running -------------------------------------------------------------------------

    def spec_from_draft(self, trigger: str) -> JobSpec:
        """The run the draft describes (through `workbench.draft`, the one place that converts)."""
        return spec_from_draft(self.store.draft, trigger=trigger, buffering=self.buffering)

    def start_run(self, trigger: str = "manual") -> bool:
        """Run the App with the draft; the reason is shown when the run is refused."""
        problems = self.arguments_editor.problems()
        if problems:
            reason = "; ".join(problems)
            self.run_pane.show_refusal(reason)
            self.notify(f"not run: {reason}", severity="error", title="Arguments")
            return False
        started = self.run_pane.start(self.spec_from_draft(trigger))
        if started:
            self.run_status = RunState.RUNNING
        return started

    def action_run(self) -> None:
        """Run the App (or, when one is running, say so)."""
        if self.run_pane.running:
            self.notify("a run is going: cancel it (x) first, or wait", severity="warning")
            return
        self.action_show_tab("run")
        self.start_run("manual")

    def action_rerun(self) -> None:
        """Run again with exactly the last run's arguments, inputs and args mode."""
        pane = self.run_pane
        if pane.running:
            self.notify("a run is going: cancel it (x) first, or wait", severity="warning")
            return
        if pane.last_spec is None:
            self.action_run()
            return
        spec = pane.last_spec
        self.action_show_tab("run")
        if pane.start(replace(spec, trigger="re-run")):
            self.run_status = RunState.RUNNING

    def action_cancel_run(self) -> None:
        """End the run's whole process tree."""
        self._pending_trigger = None
        if self.run_pane.running:
            self.run_pane.cancel()
        else:
            self.notify("no run is going", severity="information")

    @on(Button.Pressed, "#run-start")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#run-rerun")
    def _rerun_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_rerun()

    @on(RunPane.RunFinished)
    def _run_finished(self, event: RunPane.RunFinished) -> None:
        record = event.record
        self.run_status = record.status
        self._show_in_browser(record)
        self._reload("history")
        self._reload("lifecycle")
        if self._pending_trigger is not None:
            trigger, self._pending_trigger = self._pending_trigger, None
            self.start_run(trigger)

    @on(RunPane.RunRefused)
    def _run_refused(self, event: RunPane.RunRefused) -> None:
        self.run_status = RunState.REFUSED
        self.notify(f"not run: {safe_text(event.reason)}", severity="error", markup=False)

    @on(RunPane.Note)
    def _run_note(self, event: RunPane.Note) -> None:
        self.notify(safe_text(event.text), severity="warning", markup=False)

    def _show_in_browser(self, record: RunRecord | None) -> None:
        """Show a run in the Outputs tab (now if it is shown, else when it is)."""
        browser = cast("OutputBrowser", self.view("outputs"))
        browser.wanted = record
        self._reload("outputs")

    # -- other panes' messages ------------------------------------------------------------

    def on_history_view_run_selected(self, event: HistoryView.RunSelected) -> None:
        self._show_in_browser(event.record)

    def on_presets_view_draft_loaded(self, event: PresetsView.DraftLoaded) -> None:
        """A preset was loaded into the draft store: show it in the editors."""
        self.call_later(self.arguments_editor.load, event.draft.kwargs, event.draft.args_mode)
        self.inputs_pane.load(event.draft.inputs)
        self.args_mode = event.draft.args_mode
        self.notify(f"preset {event.preset} loaded into the Job draft")

    def on_presets_view_preset_finished(self, event: PresetsView.PresetFinished) -> None:
        self._reload("history")
        if event.result.record is not None:
            self._show_in_browser(event.result.record)

    def on_presets_view_run_all_finished(self, event: PresetsView.RunAllFinished) -> None:
        self._reload("history")

    def on_presets_view_round_ended(self, event: PresetsView.RoundEnded) -> None:
        """A round of presets ended: its result goes in the header."""
        result = event.round.result
        if result is None or result.cancelled or event.round is not self.presets_view.round:
            return
        self.round_result = result.summary()
        self.round_ok = result.passed == result.total
        self._reload("history")

    def on_lifecycle_panel_state_changed(self, event: LifecyclePanel.StateChanged) -> None:
        self.lifecycle_state = event.state

    # -- a save in watch mode ------------------------------------------------------------

    def app_changed(self, reason: str, *, tests_only: bool = False, app_reason: str | None = None) -> None:
        """The App's files changed: in watch mode run again (the Job, the presets or both); refresh the file list.

        A save to `presets.toml` or `golden/` alone (`tests_only`) runs the presets, never the Job;
        the Job's run says why with `app_reason` (the App's own files) when given.
        """
        if not self.views_mounted:  # a save in the instant after the first paint
            self.after_views_mounted(partial(self.app_changed, reason, tests_only=tests_only, app_reason=app_reason))
            return
        if self.watching and self.watch_target is not WatchTarget.JOB:
            self.presets_view.start_round(reason)
        elif tests_only:
            self._reload("presets")  # no round, but the Presets tab shows the file as it is now
        if tests_only:
            return
        if self.watching and self.watch_target is not WatchTarget.PRESETS:
            job_reason = app_reason or reason
            if self.run_pane.running:
                self._pending_trigger = job_reason
                if self.on_save is OnSave.RESTART:
                    self.run_pane.cancel()
            else:
                self.start_run(job_reason)
        # After the run has started, so the file list costs the run no time.
        self.app_pane.refresh_files()
        self._reload("lifecycle")

    # -- other actions -------------------------------------------------------------------

    def action_help(self) -> None:
        """Show every key, by tab."""
        self.app.push_screen(HelpScreen(help_sections(self, TABS)))

    def action_open_folder(self) -> None:
        """Open another App folder."""
        self.app.action_open_folder()  # type: ignore[attr-defined]

    def action_add_argument(self) -> None:
        """Add a keyword argument row and put the cursor in its name."""
        self.query_one("#tabs", TabbedContent).active = "arguments"
        self.call_later(self.arguments_editor.action_add_argument)

    def action_declare_arguments(self) -> None:
        """Declare the Job's keyword arguments as the App's: written to arguments.toml, which the checks read."""
        problems = self.arguments_editor.problems()
        if problems:
            self.notify(f"not declared: {'; '.join(problems)}", severity="error", title="Arguments")
            return
        from ..declared import save_declared  # with tomlkit: imported on this key, not before the first paint

        kwargs = dict(self.draft.kwargs)
        try:
            save_declared(self.app_folder.root, kwargs)
        except OSError as error:
            self.notify(f"{DECLARED_FILE} could not be written: {error.strerror or error}", severity="error")
            return
        names = ", ".join(kwargs) or "none"
        self.notify(safe_text(f"declared in {DECLARED_FILE}: {names}"), markup=False)
        self._reload("app")
        self._reload("lifecycle")

    def action_clear_inputs(self) -> None:
        """Unstage every input."""
        self.inputs_pane.clear()

    def action_open_log(self, stream: str) -> None:
        """Open the last run's full log of one stream in $PAGER."""
        self.run_pane.action_open_log(stream)
