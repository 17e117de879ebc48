"""Pilot tests: the Presets view mounted alone in a tiny App, driven as an author would."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Static

from waiting import wait_until_async
from workbench.appdir import AppFolder
from workbench.draft import JobDraft, save_draft
from workbench.kwargs import ArgsMode
from workbench.presets import load_presets
from workbench.ui.presets.dialogs import GoldenDiffScreen
from workbench.ui.presets.view import PresetsView

pytestmark = pytest.mark.anyio

SIZE = (120, 36)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class PresetsApp(App):
    """Just the view, as the workbench will hold it in a tab."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield PresetsView(AppFolder.open(self.root))

    def on_presets_view_draft_loaded(self, message: PresetsView.DraftLoaded) -> None:
        self.messages.append(message)

    def on_presets_view_run_all_finished(self, message: PresetsView.RunAllFinished) -> None:
        self.messages.append(message)


async def wait_for(pilot, predicate, timeout: float = 30.0, what: str = "the condition held") -> None:
    """Let the app work until `predicate()` holds (failing the test, naming it, after `timeout`)."""
    await wait_until_async(predicate, timeout=timeout, what=what, pause=lambda: pilot.pause(0.05))


def view(app: App) -> PresetsView:
    return app.query_one(PresetsView)


def text_of(app: App, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def column(app: App, key: str) -> list[str]:
    table = app.query_one(DataTable)
    return [str(table.get_cell(row, key)) for row in table.rows]


def finished_runs(app: App) -> int:
    return sum(isinstance(message, PresetsView.RunAllFinished) for message in app.messages)


async def run_and_wait(pilot, app: App, *keys: str) -> None:
    """Press keys (with the preset list focused) and wait for the run they start to end."""
    app.query_one(DataTable).focus()
    before = finished_runs(app)
    await pilot.press(*keys)
    await wait_for(pilot, lambda: finished_runs(app) > before and not view(app).running)
    await pilot.pause()


async def test_lists_the_presets_and_runs_them_all_with_a_summary(sample_app) -> None:
    root = sample_app("crash")
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        assert column(app, "preset") == ["missing-count", "bad-count"]
        assert column(app, "result") == ["not run", "not run"]
        assert "2 presets in presets.toml" in text_of(app, "#presets-status")
        await pilot.click("#preset-run-all")
        await wait_for(pilot, lambda: finished_runs(app) == 1)
        await pilot.pause()
        assert column(app, "result") == ["PASS", "PASS"]
        summary = text_of(app, "#presets-summary").splitlines()
        assert summary[0] == "2 of 2 presets run in this session: 2 passed, 0 failed"
        assert summary[1].startswith("peak memory ") and "suggested Node memory" in summary[1]
        assert "run of 2 presets: 2 passed, 0 failed" in text_of(app, "#presets-status")
        runs = [record.preset for record in view(app).history.records()]
        assert sorted(runs) == ["bad-count", "missing-count"]


async def test_a_failing_preset_shows_which_expectation_failed(sample_app) -> None:
    root = sample_app("echo")
    text = (root / "presets.toml").read_text()
    (root / "presets.toml").write_text(text.replace('"Hello InfraX!"]', '"Goodbye"]'))
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await run_and_wait(pilot, app, "enter")  # enter on the highlighted row runs it
        assert column(app, "result")[0] == "FAIL stdout_contains"
        assert column(app, "result")[1] == "not run"
        detail = text_of(app, "#presets-detail-text")
        assert "stdout_contains: stdout does not contain 'Goodbye'" in detail
        assert text_of(app, "#presets-summary").splitlines()[0] == "1 of 2 presets run in this session: 0 passed, 1 failed"


async def test_saves_the_draft_as_a_new_preset_and_loads_one_back(sample_app) -> None:
    root = sample_app("concat")
    part = root / "examples" / "part1.txt"
    save_draft(root, JobDraft(kwargs={"sep": ","}, args_mode=ArgsMode.ARGV, inputs=[str(part)], timeout=20))
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#preset-name", Input).focus()
        await pilot.press(*"first-part", "enter")
        await pilot.pause()
        saved = load_presets(root).presets["first-part"]
        assert saved.kwargs == {"sep": ","}
        assert saved.inputs == ["examples/part1.txt"]
        assert (saved.args_mode, saved.timeout) == (ArgsMode.ARGV, 20)
        assert column(app, "preset") == ["two-parts", "no-inputs", "first-part"]
        assert view(app).selected_name == "first-part"
        assert (root / "presets.toml").read_text().startswith("# Job presets for this App")  # comments kept

        table = app.query_one(DataTable)
        table.move_cursor(row=0)
        await pilot.pause()
        await pilot.click("#preset-load")
        await pilot.pause()
        draft = view(app).store.draft  # the store the editors show (the screen saves it after a pause)
        assert draft.inputs == [str(part), str(root / "examples" / "part2.txt")]
        assert draft.kwargs == {}
        assert draft.args_mode is ArgsMode.STDIN
        loaded = [m for m in app.messages if isinstance(m, PresetsView.DraftLoaded)]
        assert [(m.preset, m.draft) for m in loaded] == [("two-parts", draft)]


async def test_saving_over_a_preset_keeps_its_expectations(sample_app) -> None:
    root = sample_app("echo")
    save_draft(root, JobDraft(kwargs={"message_string": "changed"}))
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        assert view(app).selected_name == "hello"
        await pilot.click("#preset-save")
        await pilot.pause()
    preset = load_presets(root).presets["hello"]
    assert preset.kwargs == {"message_string": "changed"}
    assert preset.expect.stdout_contains == ["{'message_string': 'Hello InfraX!'}", "Hello InfraX!"]


async def test_accepting_outputs_shows_the_diff_first_then_updates_the_golden_copy(sample_app) -> None:
    root = sample_app("concat")
    golden = root / "golden" / "two-parts" / "result.txt"
    golden.write_text("Hello from the first file.\nAn old second line.\n")
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await run_and_wait(pilot, app, "A")
        assert column(app, "result") == ["FAIL golden result.txt", "PASS"]

        await pilot.press("G")
        await pilot.pause()
        assert isinstance(app.screen, GoldenDiffScreen)
        diff = str(app.screen.query_one("#golden-diff-text", Static).render())
        assert "changed result.txt (exact)" in diff
        assert "-An old second line." in diff and "+And hello from the second." in diff
        await pilot.press("escape")  # cancelling leaves the golden copy alone
        await pilot.pause()
        assert not isinstance(app.screen, GoldenDiffScreen)
        assert golden.read_text().endswith("An old second line.\n")

        await pilot.press("G")
        await pilot.pause()
        await pilot.click("#golden-accept")
        await pilot.pause()
        assert golden.read_text() == "Hello from the first file.\nAnd hello from the second.\n"
        assert column(app, "result")[0] == "not run"  # its old verdict no longer holds

        await run_and_wait(pilot, app, "A")
        assert column(app, "result") == ["PASS", "PASS"]


async def test_accept_finds_the_last_run_in_the_history_after_a_restart(sample_app) -> None:
    root = sample_app("outputs")
    (root / "golden" / "all-outputs" / "summary.txt").write_text("stale\n")
    async with PresetsApp(root).run_test(size=SIZE) as pilot:
        await run_and_wait(pilot, pilot.app, "A")
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DataTable).focus()
        await pilot.press("G")
        await pilot.pause()
        assert isinstance(app.screen, GoldenDiffScreen)
        diff = str(app.screen.query_one("#golden-diff-text", Static).render())
        assert "changed summary.txt" in diff and "unchanged data.json" in diff


async def test_an_invalid_file_is_shown_as_one_line(make_app) -> None:
    root = make_app("print()\n", **{"presets.toml": "[preset.a]\ntimeout = 0\n"})
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = text_of(app, "#presets-status")
        assert "presets.toml line 2: preset 'a': field 'timeout': must be a positive number of seconds" in status
        assert app.query_one(DataTable).row_count == 0
        assert app.query_one("#preset-run-all").disabled


async def test_an_app_without_presets_says_how_to_make_one(make_app) -> None:
    root = make_app("print()\n")
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No presets yet" in text_of(app, "#presets-status")
        await pilot.click("#preset-save")  # no name typed, none highlighted
        await pilot.pause()
        assert not (root / "presets.toml").exists()
        assert app.focused is app.query_one("#preset-name", Input)


async def test_cancel_ends_the_running_preset_and_skips_the_rest(make_app) -> None:
    presets = "[preset.slow]\ntimeout = 60\n\n[preset.after]\n"
    root = make_app("import time\nprint('started', flush=True)\ntime.sleep(60)\n", **{"presets.toml": presets})
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DataTable).focus()
        await pilot.press("A")
        await wait_for(pilot, lambda: view(app).job is not None)
        assert app.query_one("#preset-run-all").disabled
        await pilot.press("X")
        await wait_for(pilot, lambda: finished_runs(app) == 1)
        await pilot.pause()
        finished = [m for m in app.messages if isinstance(m, PresetsView.RunAllFinished)][0]
        assert finished.cancelled
        assert [result.preset.name for result in finished.results] == ["slow"]
        assert column(app, "result") == ["FAIL run", "not run"]
        assert "the run was cancelled" in text_of(app, "#presets-detail-text")
        assert "cancelled" in text_of(app, "#presets-status")
        assert not app.query_one("#preset-run-all").disabled


async def test_runs_use_the_file_as_it_is_now(sample_app) -> None:
    root = sample_app("echo")
    app = PresetsApp(root)
    async with app.run_test(size=SIZE) as pilot:
        text = (root / "presets.toml").read_text()
        (root / "presets.toml").write_text(text.replace('"Hello InfraX!" }', '"Edited by hand" }'))
        await run_and_wait(pilot, app, "A")
        records = {record.preset: record for record in view(app).history.records()}
        assert records["hello"].kwargs == {"message_string": "Edited by hand"}
        assert column(app, "result")[0] == "FAIL stdout_contains"
        assert column(app, "args")[0] == "message_string=Edited by hand"
