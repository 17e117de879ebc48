"""Pilot tests: the workbench TUI driven by keys, as an author would use it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Label

from waiting import wait_until_async
from workbench.draft import load_draft
from workbench.history import RunHistory
from workbench.status import RunStatus
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.arguments_editor import ArgumentRow, ArgumentsEditor
from workbench.ui.header import WorkbenchHeader
from workbench.ui.inputs_pane import InputsPane
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import UISettings
from workbench.ui.stream_log import StreamLog
from workbench.watch import AppChange, watch_app

# anyio's pytest plugin (anyio comes with watchfiles) runs the async tests on asyncio.
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SIZE = (120, 40)
SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False, watch_step_ms=20, watch_debounce_ms=200)


def make(app_dir: Path, watch: bool = False) -> WorkbenchApp:
    return create_app(app_dir, watch=watch, settings=SETTINGS)


async def wait_for(pilot, predicate, timeout: float = 20.0, what: str | None = None) -> None:
    """Let the app work until `predicate()` holds (failing the test, naming it, after `timeout`)."""
    await wait_until_async(
        predicate,
        timeout=timeout,
        what=what or getattr(predicate, "__doc__", None) or "the condition held",
        pause=lambda: pilot.pause(0.05),
    )


@pytest.fixture
def watcher_ready(monkeypatch) -> list[bool]:
    """Watch mode reports when its watches are in place: the list gains an item each time."""
    import workbench.ui.watch_mode as main_screen

    ready: list[bool] = []

    def watch_and_report(*args, **kwargs):
        return watch_app(*args, on_ready=lambda: ready.append(True), **kwargs)

    monkeypatch.setattr(main_screen, "watch_app", watch_and_report)
    return ready


@pytest.fixture
def watch_reports(monkeypatch) -> tuple[list[bool], list[AppChange]]:
    """Like `watcher_ready`, and every change watch mode reports, as it reports it (before the screen acts on it)."""
    import workbench.ui.watch_mode as main_screen

    ready: list[bool] = []
    reported: list[AppChange] = []

    async def watch_and_report(*args, **kwargs):
        async for change in watch_app(*args, on_ready=lambda: ready.append(True), **kwargs):
            reported.append(change)
            yield change  # the screen handles it before this generator is resumed

    monkeypatch.setattr(main_screen, "watch_app", watch_and_report)
    return ready, reported


async def until_watching(pilot, ready: list[bool], count: int = 1) -> None:
    await wait_for(pilot, lambda: len(ready) >= count, what="watch mode placed its watches")


def run_finished(app: WorkbenchApp, count: int) -> bool:
    return len(RunHistory(screen(app).app_folder.root).run_ids()) == count and not screen(app).run_pane.running


def screen(app: WorkbenchApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


def log_lines(app: WorkbenchApp, which: str) -> list[str]:
    return app.screen.query_one(f"#log-{which}", StreamLog).tail


def status_text(app: WorkbenchApp) -> str:
    return str(app.screen.query_one("#run-status").render())


def process_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def test_edit_an_argument_and_run_shows_it_in_stdout(sample_app) -> None:
    root = sample_app("echo")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "ctrl+n")
        await pilot.press(*"message_string")
        await pilot.press("tab", *"Hello InfraX!")
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        assert "Hello InfraX!" in log_lines(app, "stdout")
        assert "Hello InfraX!" in log_lines(app, "combined")
        assert "succeeded" in status_text(app) and "exit code 0" in status_text(app)
        assert "stdout 2 lines" in status_text(app)
        assert app.screen.query_one(WorkbenchHeader).run_status == "succeeded"
    assert load_draft(root).kwargs == {"message_string": "Hello InfraX!"}


async def test_the_draft_comes_back_after_a_restart(sample_app) -> None:
    root = sample_app("echo")
    async with make(root).run_test(size=SIZE) as pilot:
        editor = pilot.app.screen.query_one(ArgumentsEditor)
        await editor.add_argument("message_string", "kept")
        await pilot.press("m")
        await pilot.pause()
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        editor = app.screen.query_one(ArgumentsEditor)
        assert editor.arguments() == {"message_string": "kept"}
        assert editor.mode.value == "argv"
        assert app.screen.query_one(WorkbenchHeader).args_mode == "argv"


async def test_an_over_long_argument_is_refused_with_the_reason(sample_app) -> None:
    root = sample_app("echo")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        editor = app.screen.query_one(ArgumentsEditor)
        await pilot.press("2")
        row = await editor.add_argument("message_string", "x" * 1024)
        await pilot.pause()
        assert not row.has_class("-invalid")
        assert str(row.query_one(".argument-counter", Label).render()) == "1024/1024"
        await pilot.click(row.query_one(".argument-value", Input))
        await pilot.press("end", "y")
        # The row is checked once the typing pauses (not on every key).
        await wait_for(pilot, lambda: row.has_class("-invalid"), timeout=5)
        assert str(row.query_one(".argument-counter", Label).render()) == "1025/1024"
        assert "at most 1024" in str(row.query_one(".argument-reason", Label).render())
        await pilot.press("f5")
        await pilot.pause()
        assert not screen(app).run_pane.running
        assert "not run" in status_text(app) and "1025 characters" in status_text(app)
    assert RunHistory(root).run_ids() == []


async def test_a_blank_name_and_a_repeated_name_are_shown_on_their_rows(sample_app) -> None:
    app = make(sample_app("echo"))
    async with app.run_test(size=SIZE) as pilot:
        editor = app.screen.query_one(ArgumentsEditor)
        await editor.add_argument("a", "1")
        await editor.add_argument("a", "2")
        await editor.add_argument("", "orphan")
        await pilot.pause()
        rows = list(app.screen.query(ArgumentRow))
        assert all(row.has_class("-invalid") for row in rows)
        reasons = [str(row.query_one(".argument-reason", Label).render()) for row in rows]
        assert "given twice" in reasons[0] and "empty" in reasons[2]


async def test_pasting_several_paths_stages_them(sample_app, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    names = ["plain.txt", "with space.txt", "quoted one.txt", "uri café.txt"]
    for name in names:
        (drop / name).write_text(name * 3)
    text = "\n".join(
        [
            f"{drop / 'plain.txt'} {str(drop / 'with space.txt').replace(' ', chr(92) + ' ')}",
            f"'{drop / 'quoted one.txt'}'",
            "file://" + str(drop / "uri café.txt").replace(" ", "%20").replace("é", "%C3%A9"),
            str(drop / "missing.txt"),
        ]
    )
    root = sample_app("concat")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        field = app.screen.query_one("#input-path", Input)
        field.focus()
        field.post_message(events.Paste(text))
        await pilot.pause()
        pane = app.screen.query_one(InputsPane)
        assert pane.inputs == [str(drop / name) for name in names]
        assert field.value == ""
        report = str(app.screen.query_one("#inputs-report", Label).render())
        assert "not found, not staged" in report and "missing.txt" in report
    assert load_draft(root).inputs == [str(drop / name) for name in names]


async def test_dropping_files_anywhere_stages_them_and_they_reach_the_run(sample_app, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha\n")
    (tmp_path / "b.txt").write_text("beta\n")
    root = sample_app("concat")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.set_focus(None)
        app.screen.post_message(events.Paste(f"{tmp_path / 'a.txt'}\n{tmp_path / 'b.txt'}"))
        await pilot.pause()
        assert app.screen.query_one("#tabs").active == "inputs"
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        record = screen(app).run_pane.last_record
        assert [item.name for item in record.inputs] == ["a.txt", "b.txt"]
        assert "concatenated 2 file(s) into output/result.txt" in log_lines(app, "stdout")


async def test_removing_and_clearing_inputs(sample_app, tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(name)
    root = sample_app("concat")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        pane = app.screen.query_one(InputsPane)
        pane.stage_text(f"{tmp_path / 'a.txt'} {tmp_path / 'b.txt'}")
        app.screen.query_one("#inputs-table").focus()
        await pilot.press("delete")
        assert pane.inputs == [str(tmp_path / "b.txt")]
        await pilot.press("ctrl+l")
        assert pane.inputs == []
    assert load_draft(root).inputs == []


async def test_watch_mode_reruns_after_a_save_and_not_after_the_runs_own_outputs(sample_app, watcher_ready) -> None:
    root = sample_app("outputs")
    app = make(root, watch=True)
    history = RunHistory(root)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.query_one(WorkbenchHeader).watching
        await until_watching(pilot, watcher_ready)
        main = root / "main.py"
        main.write_text(main.read_text() + "\nprint('saved again')\n")
        await wait_for(pilot, lambda: run_finished(app, 1), what="the save's run finished")
        record = history.latest()
        assert record is not None and record.status is RunStatus.SUCCEEDED
        assert record.trigger == "saved main.py"
        assert "started by saved main.py" in status_text(app)
        assert "saved again" in log_lines(app, "stdout")
        assert record.outputs  # the run wrote outputs, kept under .workbench/
        # Files written where runs, the platform and the presets write never start a run...
        for rel in ("output/x.txt", "input/y.txt", ".workbench/z.txt", "__pycache__/m.pyc", "presets.toml", "golden/p/x.txt"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text("not the App")
        # ...while a save after them does, and is the only run they are part of.
        (root / "helper.py").write_text("X = 1\n")
        await wait_for(pilot, lambda: run_finished(app, 2), what="the control save's run finished")
        latest = history.latest()
        assert latest is not None and latest.trigger == "added helper.py"


async def test_watch_mode_off_does_not_run(sample_app, watcher_ready) -> None:
    root = sample_app("echo")
    app = make(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await until_watching(pilot, watcher_ready)
        await pilot.press("w")
        assert not app.screen.query_one(WorkbenchHeader).watching
        (root / "main.py").write_text((root / "main.py").read_text() + "\n")
        # The control: watch mode on again sees the next save, and only that one.
        await pilot.press("w")
        await until_watching(pilot, watcher_ready, count=2)
        (root / "helper.py").write_text("X = 1\n")
        await wait_for(pilot, lambda: run_finished(app, 1), what="the save after watch mode came back on ran")
        record = RunHistory(root).latest()
        assert record is not None and record.trigger == "added helper.py"


HANGING_APP = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
ignores_term = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
child = subprocess.Popen([sys.executable, "-c", ignores_term])
print(f"child {child.pid}", flush=True)
while True:
    time.sleep(1)
"""


async def start_hanging_run(pilot, app: WorkbenchApp) -> tuple[int, int]:
    """Run HANGING_APP and wait until its child has said its pid; return (main pid, child pid)."""
    await pilot.press("r")
    await wait_for(pilot, lambda: any(line.startswith("child ") for line in log_lines(app, "stdout")))
    child = int(next(line for line in log_lines(app, "stdout") if line.startswith("child ")).split()[1])
    return screen(app).run_pane.job._process.pid, child


@pytest.mark.timeout(60)
async def test_cancel_ends_a_hanging_app_and_its_child(make_app) -> None:
    root = make_app(HANGING_APP)
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        main_pid, child = await start_hanging_run(pilot, app)
        assert not process_gone(child)
        await pilot.press("x")
        await wait_for(pilot, lambda: not screen(app).run_pane.running, timeout=30)
        record = screen(app).run_pane.last_record
        assert record is not None and record.status is RunStatus.CANCELLED
        assert "cancelled" in status_text(app)
        assert process_gone(child) and process_gone(main_pid)


@pytest.mark.timeout(60)
async def test_a_save_during_a_run_restarts_it(make_app, watcher_ready) -> None:
    root = make_app(HANGING_APP.replace("signal.signal(signal.SIGTERM, signal.SIG_IGN)\nchild", "child"))
    app = make(root, watch=True)
    history = RunHistory(root)
    async with app.run_test(size=SIZE) as pilot:
        await until_watching(pilot, watcher_ready)
        await pilot.press("r")
        await wait_for(pilot, lambda: any(line.startswith("child ") for line in log_lines(app, "stdout")))
        (root / "helper.py").write_text("X = 1\n")
        await wait_for(pilot, lambda: len(history.run_ids()) == 2 and screen(app).run_pane.running, timeout=30)
        first = history.load(history.run_ids()[1])
        assert first is not None and first.status is RunStatus.CANCELLED
        assert "started by added helper.py" in status_text(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: not screen(app).run_pane.running, timeout=30)


async def test_a_folder_that_is_not_an_app_says_why_and_another_can_be_opened(tmp_path: Path, sample_app) -> None:
    good = sample_app("echo")
    (tmp_path / "empty").mkdir()
    app = make(tmp_path / "empty")
    async with app.run_test(size=SIZE) as pilot:
        assert "not an InfraX App" in str(app.screen.query_one("#open-reason").render())
        field = app.screen.query_one("#open-path", Input)
        field.value = str(tmp_path / "nowhere")
        await pilot.press("enter")
        assert "no such folder" in str(app.screen.query_one("#open-error").render())
        field.value = str(good)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen.app_folder.root == good.resolve()


async def test_every_screen_binding_is_in_the_command_palette() -> None:
    from workbench.ui.commands import COMMANDS

    actions = {command.action for command in COMMANDS}
    for binding in MainScreen.BINDINGS:
        assert binding.id and binding.tooltip, binding
        assert binding.action in actions or f"app.{binding.action}" in actions, binding.action


def palette_highlights(app: WorkbenchApp, title: str) -> bool:
    """Whether the open command palette has `title` highlighted."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found:
        return False
    commands = found.first()
    index = commands.highlighted
    return index is not None and title in str(commands.get_option_at_index(index).prompt)


async def test_the_palette_runs_an_action(sample_app) -> None:
    app = make(sample_app("echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"toggle watch")
        await wait_for(pilot, lambda: palette_highlights(app, "Toggle watch mode"), what="the palette found Toggle watch mode")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(WorkbenchHeader).watching is True  # started off, toggled on


async def test_opening_a_log_without_a_pager_is_a_notification_not_a_crash(sample_app, monkeypatch) -> None:
    monkeypatch.setenv("PAGER", "no-such-pager-program")
    app = make(sample_app("echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        await pilot.press("o")
        await pilot.pause()
        assert any("no-such-pager-program" in str(n.message) for n in app._notifications)
        assert isinstance(app.screen, MainScreen)


async def test_a_flood_keeps_a_bounded_tail_and_counts_every_line(make_app) -> None:
    root = make_app(
        "import sys, time\nfor i in range(20000):\n    print(f'line {i}')\n"
        "time.sleep(0.5)  # stderr after stdout has been read\nprint('oops', file=sys.stderr)\n"
    )
    app = create_app(root, watch=False, settings=replace(SETTINGS, tail_lines=100))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        assert "stdout 20000 lines · stderr 1 line" in status_text(app)
        stdout = log_lines(app, "stdout")
        assert len(stdout) == 100 and stdout[-1] == "line 19999"
        assert log_lines(app, "stderr") == ["oops"]
        combined = log_lines(app, "combined")
        assert len(combined) == 100 and combined[-2:] == ["line 19999", "! oops"]
        # The hidden stdout log catches up when its tab is shown.
        app.screen.query_one("#run-logs").active = "tab-stdout"
        shown = app.screen.query_one("#log-stdout", StreamLog)
        await wait_for(pilot, lambda: bool(shown.lines))
        assert shown.lines[-1] == "line 19999" and len(shown.lines) == 100


async def test_a_run_s_outputs_are_shown_in_the_outputs_tab(sample_app) -> None:
    from workbench.ui.output_browser import OutputBrowser

    app = make(sample_app("outputs"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        record = screen(app).run_pane.last_record
        await pilot.press("5")
        await pilot.pause()
        browser = app.screen.query_one(OutputBrowser)
        assert browser.record is not None and browser.record.id == record.id
        assert {item.path for item in browser.record.outputs} >= {"summary.txt", "data.json", "table.csv"}


async def test_the_newest_run_is_read_off_the_event_loop_and_shown_at_start(sample_app, monkeypatch) -> None:
    import threading

    from workbench.appdir import AppFolder
    from workbench.job import Job, JobSpec
    from workbench.ui.output_browser import OutputBrowser

    root = sample_app("outputs")

    class Quiet:
        def on_stdout(self, data: bytes) -> None: ...
        def on_stderr(self, data: bytes) -> None: ...

    newest = Job(AppFolder.open(root), JobSpec(), Quiet()).run()
    threads: list[threading.Thread] = []
    load = RunHistory.load

    def reading(self: RunHistory, run_id: str, **options: bool):
        threads.append(threading.current_thread())
        return load(self, run_id, **options)

    monkeypatch.setattr(RunHistory, "load", reading)
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None, what="the newest run shown")
        assert screen(app).run_pane.last_record.id == newest.id
        assert threads and threading.main_thread() not in threads
        await pilot.press("5")
        await pilot.pause()
        browser = app.screen.query_one(OutputBrowser)
        assert browser.record is not None and browser.record.id == newest.id
        assert {item.path for item in browser.record.outputs} >= {"summary.txt", "data.json", "table.csv"}


async def test_history_selection_shows_that_run_s_outputs(sample_app) -> None:
    from workbench.ui.history_view import HistoryView
    from workbench.ui.output_browser import OutputBrowser

    root = sample_app("outputs")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        for count in (1, 2):
            await pilot.press("r")
            await wait_for(
                pilot, lambda count=count: len(RunHistory(root).run_ids()) == count and not screen(app).run_pane.running
            )
        older = RunHistory(root).records()[-1]
        assert older.id != screen(app).run_pane.last_record.id
        await pilot.press("6")
        await pilot.pause()
        app.screen.query_one(HistoryView).post_message(HistoryView.RunSelected(older))
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        assert app.screen.query_one("#output-browser", OutputBrowser).record.id == older.id


@pytest.mark.timeout(60)
async def test_quitting_during_a_run_ends_its_process_tree(make_app) -> None:
    root = make_app(HANGING_APP)
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        main_pid, child = await start_hanging_run(pilot, app)
        await pilot.press("ctrl+q")
    assert await asyncio.to_thread(app.wait_for_runs)  # as run_tui does before the process ends
    assert process_gone(child) and process_gone(main_pid)
    record = RunHistory(root).latest()
    assert record is not None and record.status is RunStatus.CANCELLED


GATED_APP = """
import os, sys, time
deadline = time.monotonic() + 30
while not os.path.exists({gate!r}):  # held until the test opens the gate
    if time.monotonic() > deadline:
        sys.exit("the gate never opened")
    time.sleep(0.01)
print("finished")
"""


@pytest.mark.timeout(60)
async def test_a_save_during_a_run_in_queue_mode_runs_once_more_after_it(make_app, watch_reports, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    root = make_app(GATED_APP.format(gate=str(gate)))
    ready, reported = watch_reports
    app = make(root, watch=True)
    history = RunHistory(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert app.screen.query_one(WorkbenchHeader).on_save == "queue"
        await until_watching(pilot, ready)
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.running, what="the first run started")
        # A burst of saves during the run (which waits at the gate until they are all seen): one more run, not three.
        for n in range(3):
            (root / "helper.py").write_text(f"X = {n}\n")
            await wait_for(pilot, lambda n=n: len(reported) == n + 1, what=f"watch mode reported save {n + 1} of 3")
        assert screen(app).run_pane.running
        gate.touch()
        await wait_for(pilot, lambda: run_finished(app, 2), timeout=30, what="the queued run finished")
        # The control: one save more is one run more; nothing else was queued before it.
        (root / "control.py").write_text("X = 1\n")
        await wait_for(pilot, lambda: run_finished(app, 3), timeout=30, what="the control save's run finished")
        records = history.records()
        assert [record.trigger for record in records][::-1] == ["manual", "saved helper.py", "added control.py"]
        assert all(record.status is RunStatus.SUCCEEDED for record in records)


async def test_a_paste_into_an_argument_value_is_text_not_inputs(sample_app, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    app = make(sample_app("echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        row = await app.screen.query_one(ArgumentsEditor).add_argument("path", "")
        field = row.query_one(".argument-value", Input)
        field.focus()
        field.post_message(events.Paste(str(tmp_path / "a.txt")))
        await pilot.pause()
        assert field.value == str(tmp_path / "a.txt")
        assert app.screen.query_one(InputsPane).inputs == []
        assert app.screen.query_one("#tabs").active == "arguments"


async def test_enter_on_an_app_file_asks_to_open_it_in_the_editor(sample_app, monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", "no-such-editor-program")
    app = make(sample_app("echo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        app.screen.query_one("#app-files").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert any("no-such-editor-program" in str(n.message) for n in app._notifications)


async def test_watch_mode_that_cannot_watch_says_so_and_turns_off(sample_app, monkeypatch) -> None:
    import workbench.ui.watch_mode as main_screen

    async def broken(*_args, **_kwargs):
        raise OSError("inotify watch limit reached")
        yield  # an async generator, like watch_app

    monkeypatch.setattr(main_screen, "watch_app", broken)
    app = make(sample_app("echo"), watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.screen.query_one(WorkbenchHeader).watching, timeout=10)
        assert any("watch mode stopped" in str(n.message) for n in app._notifications)
        assert isinstance(app.screen, MainScreen)


async def test_unbuffered_output_reaches_the_job_and_the_header(sample_app) -> None:
    app = make(sample_app("echo"))
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.query_one(WorkbenchHeader).buffering == "flushed"
        await pilot.press("b")
        assert app.screen.query_one(WorkbenchHeader).buffering == "unbuffered"
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        assert screen(app).run_pane.last_spec.buffering.value == "unbuffered"
        assert screen(app).run_pane.last_record.buffering == "unbuffered"
        assert "no message_string given" in log_lines(app, "stdout")


async def test_installer_output_goes_to_the_install_pane_and_a_failed_install_is_an_error(make_app) -> None:
    # A requirement on a local path that does not exist fails at once, with no network.
    root = make_app("import json\nprint('never runs')\n", **{"requirements.txt": "./no-such-package-here\n"})
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None, timeout=60)
        record = screen(app).run_pane.last_record
        assert record.status is RunStatus.ERROR
        assert "no-such-package-here" in (record.message or "")
        assert log_lines(app, "install"), "the installer's output reached the install pane"
        assert "never runs" not in log_lines(app, "stdout")


async def test_the_draft_is_saved_after_a_pause_in_the_typing_not_on_every_key(sample_app, monkeypatch) -> None:
    """Typing changes the one draft store at once (a run reads it) and writes draft.json once."""
    import workbench.draft as draft_module

    writes: list[dict[str, str]] = []
    real_save = draft_module.save_draft

    def counting_save(app_root, draft):
        writes.append(dict(draft.kwargs))
        real_save(app_root, draft)

    monkeypatch.setattr(draft_module, "save_draft", counting_save)
    root = sample_app("echo")
    # A long pause, so that a slow machine's gaps between keys are no pause in the typing.
    app = create_app(root, watch=False, settings=replace(SETTINGS, draft_save_delay=3.0))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "ctrl+n", *"message", "tab", *"typed in a burst")
        assert screen(app).store.draft.kwargs == {"message": "typed in a burst"}
        assert writes == []
        await wait_for(pilot, lambda: bool(writes))
        await pilot.pause(0.5)
        assert writes == [{"message": "typed in a burst"}]
    assert load_draft(root).kwargs == {"message": "typed in a burst"}


async def test_the_run_status_says_each_fact_once_in_words(make_app) -> None:
    """A failure names its exit code once; a run ended by a signal shows 128+N; no raw status names."""
    from workbench.records import RunRecord

    root = make_app("import sys\nsys.exit(1)\n")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: screen(app).run_pane.last_record is not None and not screen(app).run_pane.running)
        text = status_text(app)
        assert "failed" in text and text.count("exit code 1") == 1, text
        pane = screen(app).run_pane
        base = pane.last_record
        assert base is not None
        cancelled = {**base.model_dump(), "status": "cancelled", "message": "cancelled", "exit_code": -15}
        pane.show_record(RunRecord.model_validate(cancelled))
        text = status_text(app)
        assert "cancelled" in text and "exit code 143" in text and "SIGTERM" in text and "-15" not in text, text
        assert text.count("cancelled") == 1, text
        pane.show_record(RunRecord.model_validate({**base.model_dump(), "status": "timed_out", "message": "timed out after 2 s"}))
        text = status_text(app)
        assert "timed_out" not in text and "timed out after 2 s" in text, text


async def test_a_refusal_goes_once_its_cause_is_fixed(sample_app) -> None:
    app = make(sample_app("echo"))
    async with app.run_test(size=SIZE) as pilot:
        editor = app.screen.query_one(ArgumentsEditor)
        await pilot.press("2")
        row = await editor.add_argument("bad name", "1")
        await pilot.press("f5")
        assert "not run" in status_text(app) and "whitespace" in status_text(app)
        name = row.query_one(".argument-name", Input)
        name.focus()
        await pilot.press("end", *["backspace"] * 5)
        await wait_for(pilot, lambda: "not run" not in status_text(app), timeout=5)
        assert "No run yet" in status_text(app)
        assert app.screen.query_one(WorkbenchHeader).run_status == "idle"


async def test_R_after_changing_the_draft_reruns_the_last_runs_arguments(sample_app) -> None:
    """R runs exactly what the last run ran, not the draft as edited since."""
    root = sample_app("echo")
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        editor = app.screen.query_one(ArgumentsEditor)
        await pilot.press("2")
        row = await editor.add_argument("message_string", "first")
        await pilot.press("r")
        main = screen(app)
        await wait_for(pilot, lambda: main.run_pane.last_record is not None and not main.run_pane.running)
        first = main.run_pane.last_record
        assert first is not None and first.kwargs == {"message_string": "first"}
        await pilot.press("2")
        value = row.query_one(".argument-value", Input)
        value.focus()
        await pilot.press(*["backspace"] * 5, *"edited")
        await pilot.press("escape", "R")
        assert main._active_tab() == "run"
        await wait_for(pilot, lambda: main.run_pane.last_record is not first and not main.run_pane.running)
        again = main.run_pane.last_record
        assert again is not None and again.trigger == "re-run"
        assert again.kwargs == {"message_string": "first"}
        assert "first" in "\n".join(log_lines(app, "stdout")) and "edited" not in "\n".join(log_lines(app, "stdout"))
        assert main.store.draft.kwargs == {"message_string": "edited"}  # the draft itself is kept


async def test_the_app_tab_shows_the_preflight_findings_of_workbench_preview(make_app) -> None:
    """A syntax error in main.py is no 'no problems found': the tab shows what preview's checks find."""
    from workbench.appdir import AppFolder
    from workbench.checks import run_checks
    from workbench.ui.app_pane import AppPane

    root = make_app("print('hello'\n")
    expected = [result for result in run_checks(AppFolder.open(root)) if not result.ok]
    assert any("syntax" in result.detail.lower() for result in expected)
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        pane = app.screen.query_one(AppPane)
        await wait_for(pilot, lambda: bool(pane.findings))
        assert [(r.name, r.detail) for r in pane.findings] == [(r.name, r.detail) for r in expected]
        shown = str(app.screen.query_one("#app-problems").render())
        assert "no problems found" not in shown
        for result in expected:
            assert result.detail[:40] in shown.replace("\n", " ")


async def test_a_big_apps_files_are_listed_off_the_event_loop_and_drawn_as_shown(make_app, monkeypatch) -> None:
    """Past EAGER_FILES the App tab reads the App in a worker and lists it in a FileList (only the lines on screen)."""
    from workbench.ui import app_pane
    from workbench.ui.file_list import FileList

    monkeypatch.setattr(app_pane, "EAGER_FILES", 5)
    monkeypatch.setenv("EDITOR", "no-such-editor-program")
    root = make_app("print('hi')\n", **{f"pkg__m{index:02d}.py": "X = 1\n" for index in range(60)})
    app = make(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1")
        pane = app.screen.query_one(app_pane.AppPane)
        await wait_for(pilot, lambda: bool(pane.query("#app-files-big")) and bool(pane.findings))
        files = pane.query_one("#app-files-big", FileList)
        assert len(files.files) == 61
        assert files.display and not app.screen.query_one("#app-files").display
        assert app.screen.focused is files
        assert "61 files," in str(app.screen.query_one("#app-summary").render())
        assert files.render_line(0).text.startswith("main.py")
        await pilot.press("down", "down", "pagedown")
        assert files.cursor > 2 and files.scroll_offset.y > 0
        row = files.cursor - files.scroll_offset.y
        assert files.render_line(row).text.startswith(files.files[files.cursor].path)
        await pilot.press("end")
        assert files.cursor == 60
        await pilot.press("enter")
        await pilot.pause()
        assert any("no-such-editor-program" in str(n.message) for n in app._notifications)
