"""Pilot tests of the Outputs, History and Lifecycle views, each mounted alone in a tiny App.

The run records come from running real Apps through `workbench.job.Job`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, Tree

from view_helpers import (  # noqa: F401  (utc is a fixture)
    BIG_SIZE,
    EXTRA_OUTPUTS,
    GREETING_APP,
    RUN_IDS,
    SIZE,
    T0,
    Harness,
    Quiet,
    log_lines,
    make_history,
    outputs_app,
    pilot_test,
    pin_run,
    preview_message,
    preview_text,
    preview_title,
    run_job,
    select_output,
    settle,
    table_rows,
    tree_labels,
    utc,
)
from workbench.appdir import AppFolder
from workbench.history import RunHistory
from workbench.lifecycle import load_simulated_state
from workbench.records import RunRecord
from workbench.ui import output_browser
from workbench.ui.history_view import HistoryView
from workbench.ui.image_view import ImageView
from workbench.ui.lifecycle_panel import LifecyclePanel
from workbench.ui.output_browser import OutputBrowser


@pytest.fixture
def outputs_run(sample_app) -> RunRecord:
    record = run_job(outputs_app(sample_app))
    assert record.status == "succeeded", record.message
    return record


@pilot_test
async def test_output_tree_shows_every_output_with_folders_and_links(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        labels = tree_labels(browser)
        assert labels == [
            "big.log  3 MiB",
            "data.json  162 B",
            "escape-link → ../../etc/passwd",
            "gradient.png  3.8 KiB",
            "reports/",
            "daily/",
            "2026-11-28.md  35 B",
            "summary.txt  64 B",
            "table.csv  61 B",
        ]
        # The cursor starts on the first file, which is previewed.
        assert preview_title(browser).startswith("big.log  ·  text  ·  showing the first 64 KiB of 3 MiB")


@pilot_test
async def test_preview_of_each_kind(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)

        select_output(browser, "data.json")
        await settle(pilot)
        assert preview_title(browser) == "data.json  ·  JSON  ·  162 B"
        assert preview_text(browser).startswith('{\n  "app": "outputs",\n  "items": [\n    {\n      "id": 0,')

        select_output(browser, "table.csv")
        await settle(pilot)
        table = browser.query_one("#output-preview-table", DataTable)
        assert table.display and table.row_count == 4
        assert [str(column.label) for column in table.columns.values()] == ["id", "name", "score"]
        assert table.get_row_at(3) == ["3", "guido", "80"]

        select_output(browser, "gradient.png")
        await settle(pilot)
        assert preview_title(browser).startswith("gradient.png  ·  PNG  ·  3.8 KiB")
        picture = browser.query_one("#output-preview-image", ImageView)
        assert picture.image is not None and picture.image.size == (64, 32)
        caption = str(browser.query_one("#output-preview-caption", Static).content)
        assert caption == "PNG image, 64 × 32 pixels, 3.8 KiB  ·  half-blocks"

        select_output(browser, "reports/daily/2026-11-28.md")
        await settle(pilot)
        assert browser.preview.language == "markdown"
        assert preview_text(browser).startswith("# Daily report")

        select_output(browser, "reports")
        await settle(pilot)
        assert preview_title(browser) == "reports/  ·  folder"
        assert preview_message(browser) == "1 output in this folder."


@pilot_test
async def test_a_symlink_is_shown_and_never_followed(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    app = Harness(browser)
    async with app.run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "escape-link")
        await settle(pilot)
        assert browser.preview.kind == "symlink"
        assert browser.preview.data == b""
        assert "A symbolic link to ../../etc/passwd" in preview_message(browser)
        assert "root:" not in preview_message(browser)
        await pilot.press("e")
        await pilot.pause()
        assert app.opened == []


@pilot_test
async def test_a_large_file_is_previewed_partially(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "big.log")
        await settle(pilot)
        assert len(browser.preview.data) == 64 * 1024
        assert browser.preview.size > BIG_SIZE
        assert "showing the first 64 KiB of 3 MiB" in preview_title(browser)
        assert preview_text(browser).startswith("a long log line that repeats")


@pilot_test
async def test_binary_output_is_shown_as_hex(make_app) -> None:
    root = make_app(
        """
        import os
        os.makedirs("output", exist_ok=True)
        open("output/blob.bin", "wb").write(bytes(range(256)))
        """
    )
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(run_job(root))
        await settle(pilot)
        assert preview_title(browser) == "blob.bin  ·  binary  ·  256 B"
        lines = preview_text(browser).splitlines()
        assert len(lines) == 16
        assert lines[4].startswith("00000040  40 41 42 43 44 45 46 47  48 49 4a")
        assert lines[4].endswith("|@ABCDEFGHIJKLMNO|")


@pilot_test
async def test_keys_open_the_selected_output_in_editor_or_pager(outputs_run: RunRecord) -> None:
    browser = OutputBrowser()
    app = Harness(browser)
    async with app.run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "summary.txt")
        browser.query_one(Tree).focus()
        await pilot.press("e", "v")
        await pilot.pause()
        expected = Path(outputs_run.output_dir) / "summary.txt"
        assert [(message.path, message.pager) for message in app.opened] == [(expected, False), (expected, True)]


@pilot_test
async def test_no_run_and_a_run_without_outputs(make_app) -> None:
    root = make_app("print('nothing written')\n")
    record = run_job(root)
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert preview_message(browser) == "No run selected."
        browser.show_run(record)
        await settle(pilot)
        assert preview_message(browser) == f"Run {record.id} left nothing in output/."
        assert tree_labels(browser) == []
        browser.show_run(None)
        await pilot.pause()
        assert preview_message(browser) == "No run selected."


@pilot_test
async def test_an_output_deleted_after_the_run_is_reported(outputs_run: RunRecord) -> None:
    os.unlink(Path(outputs_run.output_dir) / "summary.txt")
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(outputs_run)
        await settle(pilot)
        select_output(browser, "summary.txt")
        await settle(pilot)
        assert "the file is gone" in preview_message(browser)


def fake_record(tmp_path: Path, paths: list[str]) -> RunRecord:
    """A run record listing outputs that are not on disk."""
    return RunRecord.model_validate(
        {
            "id": "fake",
            "app_path": str(tmp_path),
            "started_at": "2026-11-28T10:00:00Z",
            "status": "succeeded",
            "args_mode": "stdin",
            "kwargs": {},
            "outputs": [{"path": path, "size": 1, "sha256": "0" * 64} for path in paths],
            "output_dir": str(tmp_path / "gone"),
            "stdout_log": str(tmp_path / "gone.log"),
            "stderr_log": str(tmp_path / "gone.log"),
            "interpreter": "python",
            "app_hash": "x",
        }
    )


@pilot_test
async def test_a_very_deep_output_is_listed_on_one_leaf(tmp_path: Path) -> None:
    deep = "/".join(["d"] * 2500) + "/leaf.txt"
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(fake_record(tmp_path, [deep]))
        await settle(pilot)
        labels = tree_labels(browser)
        assert labels == ["d/"] * 12 + ["d/… 2486 folders …/d/leaf.txt  1 B"]
        assert preview_title(browser) == "d/… 2498 folders …/d/leaf.txt  ·  unreadable"


@pilot_test
async def test_a_run_with_very_many_outputs_lists_the_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(output_browser, "MAX_TREE_ENTRIES", 3)
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(fake_record(tmp_path, [f"f{index}.txt" for index in range(5)]))
        await settle(pilot)
        assert tree_labels(browser) == ["f0.txt  1 B", "f1.txt  1 B", "f2.txt  1 B", "… and 2 more outputs, not listed"]


@pilot_test
async def test_a_folder_of_many_outputs_is_listed_a_page_at_a_time(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(output_browser, "TREE_PAGE", 2)
    monkeypatch.setattr(output_browser, "MAX_TREE_ENTRIES", 5)
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(fake_record(tmp_path, [f"f{index}.txt" for index in range(6)]))
        await settle(pilot)
        assert tree_labels(browser) == ["f0.txt  1 B", "f1.txt  1 B", "… 3 more here: Enter lists the next 2"]
        tree = browser.query_one(Tree)
        tree.focus()
        tree.cursor_line = 2
        await settle(pilot)
        assert preview_message(browser) == "More outputs in this folder: press Enter to list them."
        await pilot.press("enter")
        await settle(pilot)
        assert tree_labels(browser) == [
            "f0.txt  1 B", "f1.txt  1 B", "f2.txt  1 B", "f3.txt  1 B", "… 1 more here: Enter lists the next 1",
        ]
        tree.cursor_line = 4
        await pilot.press("enter")
        await settle(pilot)
        assert tree_labels(browser) == [f"f{index}.txt  1 B" for index in range(5)] + ["… and 1 more outputs, not listed"]


@pilot_test
async def test_a_big_run_shown_in_the_outputs_tab_is_sorted_off_the_event_loop(tmp_path: Path, monkeypatch) -> None:
    import threading

    monkeypatch.setattr(output_browser, "EAGER_TREE_ENTRIES", 2)
    sorted_on: list[threading.Thread] = []
    listing = output_browser.output_listing

    def sorting(outputs):
        sorted_on.append(threading.current_thread())
        return listing(outputs)

    monkeypatch.setattr(output_browser, "output_listing", sorting)
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        record = fake_record(tmp_path, ["b.txt", "a/x.txt", "c.txt"])
        browser.wanted = record
        browser.refresh_view()
        await settle(pilot)
        assert browser.record is record
        assert tree_labels(browser) == ["a/", "b.txt  1 B", "c.txt  1 B"]
        assert sorted_on and threading.main_thread() not in sorted_on


@pilot_test
async def test_a_big_run_fills_its_output_folders_when_opened(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(output_browser, "EAGER_TREE_ENTRIES", 4)
    paths = ["top.txt"] + [f"a/f{index}.txt" for index in range(3)] + ["b/c/deep.txt"]
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=SIZE) as pilot:
        browser.show_run(fake_record(tmp_path, paths))
        await settle(pilot)
        # Only the top level exists as nodes: the folders are collapsed and empty until opened.
        assert tree_labels(browser) == ["a/", "b/", "top.txt  1 B"]
        tree = browser.query_one(Tree)
        assert all(not node.children for node in tree.root.children if node.data.record is None)
        tree.root.children[1].expand()
        await settle(pilot)
        assert tree_labels(browser) == ["a/", "b/", "c/", "top.txt  1 B"]
        tree.root.children[1].children[0].expand()
        await settle(pilot)
        assert tree_labels(browser) == ["a/", "b/", "c/", "deep.txt  1 B", "top.txt  1 B"]


@pilot_test
async def test_names_and_logs_cannot_drive_the_terminal(make_app, tmp_path: Path) -> None:
    root = make_app(
        """
        import os, sys
        print("\\x1b[31mred\\x1b[0m and \\x1b]0;title\\x07plain")
        os.makedirs("output", exist_ok=True)
        open("output/evil\\x1b[2Jname.txt", "w").write("\\x1b[2Jcleared?\\n")
        """
    )
    record = run_job(root)
    view = HistoryView(RunHistory(root))
    async with Harness(view).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert log_lines(view, "#history-stdout") == ["red and plain"]
        browser = view.query_one(OutputBrowser)
        assert tree_labels(browser) == ["evil\\x1b[2Jname.txt  13 B"]
        assert preview_text(browser) == "cleared?"
        assert "\x1b" not in preview_title(browser)
    assert record.outputs[0].path == "evil\x1b[2Jname.txt"


# ---------------------------------------------------------------- History

HISTORY_ROWS = [
    ["", "✗ failed", "ok", "11-28 09:32:00", "2.25 s", "name=fail", "preset smoke"],
    ["", "✓ succeeded", "ok", "11-28 09:31:00", "1.25 s", "name=grace", "saved main.py"],
    ["", "✓ succeeded", "ok", "11-28 09:30:00", "0.25 s", "name=ada", "manual"],
]
"""The History table's rows for `make_history`'s three runs, newest first."""

@pilot_test
async def test_history_lists_runs_newest_first(make_app, utc) -> None:  # noqa: F811
    history, records = make_history(make_app)
    view = HistoryView(history)
    async with Harness(view).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_rows(view) == HISTORY_ROWS
        # The newest run is shown: its logs and outputs.
        assert log_lines(view, "#history-stdout") == ["hello fail", "done"]
        assert log_lines(view, "#history-stderr") == ["a warning about fail"]
        summary = str(view.query_one("#history-summary", Static).content)
        assert summary == "11-28 09:32:00 · failed · exit 3 · on a Node: ok · 3 outputs · args via stdin"
        browser = view.query_one(OutputBrowser)
        assert browser.record is not None and browser.record.id == RUN_IDS[2]


@pilot_test
async def test_history_highlight_shows_a_run_and_enter_selects_it(make_app) -> None:
    history, records = make_history(make_app)
    view = HistoryView(history)
    app = Harness(view)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view.query_one("#history-table").focus()
        await pilot.press("down")
        await settle(pilot)
        assert log_lines(view, "#history-stdout") == ["hello grace", "done"]
        assert view.query_one(OutputBrowser).record.id == RUN_IDS[1]
        assert app.messages == []
        await pilot.press("enter")
        await settle(pilot)  # the chosen run's whole record is read in a worker
        assert [message.record.id for message in app.messages] == [RUN_IDS[1]]
        assert [item.path for item in app.messages[0].record.outputs] == [item.path for item in records[1].outputs]
        await pilot.press("l", "L")
        await pilot.pause()
        assert [(m.path.name, m.pager) for m in app.opened] == [("stdout.log", True), ("stderr.log", True)]
        assert app.opened[0].path.parent.name == RUN_IDS[1]


@pilot_test
async def test_history_lists_runs_from_their_summaries_without_reading_a_record(make_app, utc) -> None:  # noqa: F811
    history, records = make_history(make_app)
    for record in records[1:]:  # the older runs' records cannot be read: their summaries can
        (history.run_dir(record.id) / "record.json").write_text("not json")
    loaded: list[str] = []
    load = history.load

    def counting_load(run_id: str, **options: bool) -> RunRecord | None:
        loaded.append(run_id)
        return load(run_id, **options)

    history.load = counting_load  # type: ignore[method-assign]
    view = HistoryView(history)
    async with Harness(view).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_rows(view) == HISTORY_ROWS
        assert loaded == [RUN_IDS[2]]  # only the highlighted run's record, for its outputs
        assert view.query_one(OutputBrowser).record.id == RUN_IDS[2]
        # An older run's logs and summary line still show (they come from the summary and the logs).
        view.query_one("#history-table").focus()
        await pilot.press("down")
        await settle(pilot)
        assert log_lines(view, "#history-stdout") == ["hello grace", "done"]
        summary = str(view.query_one("#history-summary", Static).content)
        assert summary == "11-28 09:31:00 · succeeded · exit 0 · on a Node: ok · 3 outputs · args via stdin"


@pilot_test
async def test_a_newer_highlight_stops_the_reading_of_a_run_s_outputs(make_app, monkeypatch) -> None:
    import asyncio
    import threading

    from workbench.ui import history_view

    monkeypatch.setattr(history_view, "OUTPUTS_PAGE", 1)  # the worker looks at its cancellation after each output
    history, records = make_history(make_app)
    newest = records[0]
    go = threading.Event()
    read: list[str] = []
    iter_outputs = history.iter_outputs

    def held(run_id: str):
        for index, output in enumerate(iter_outputs(run_id)):
            if run_id == newest.id:
                if index == 1:
                    go.wait(10)  # the newest run's reading is held after its first output
                read.append(output.path)
            yield output

    history.iter_outputs = held  # type: ignore[method-assign]
    view = HistoryView(history)
    async with Harness(view).run_test(size=SIZE) as pilot:
        for _ in range(200):
            if read:
                break
            await asyncio.sleep(0.01)
        view.query_one("#history-table").focus()
        await pilot.press("down")  # grace's run: its outputs are read by a new worker
        browser = view.query_one(OutputBrowser)
        for _ in range(500):
            if browser.record is not None and browser.record.id == RUN_IDS[1]:
                break
            await asyncio.sleep(0.01)
        go.set()
        await settle(pilot)
        assert len(newest.outputs) == 3 and len(read) == 2  # stopped one output after the newer highlight
        assert browser.record.id == RUN_IDS[1]


@pilot_test
async def test_history_compare_two_runs(make_app) -> None:
    history, records = make_history(make_app)
    view = HistoryView(history)
    async with Harness(view).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = view.query_one("#history-table", DataTable)
        table.focus()
        await pilot.press("c")  # nothing marked yet: refused with a hint
        await pilot.pause()
        assert view.comparison is None
        await pilot.press("down", "down", "m")  # mark ada's run
        await pilot.pause()
        assert view.marked == RUN_IDS[0]
        assert table_rows(view)[2][0] == "●"
        await pilot.press("up", "c")  # compare with grace's run
        await settle(pilot)
        result = view.comparison
        assert result is not None and (result.old.id, result.new.id) == (RUN_IDS[0], RUN_IDS[1])
        assert view.query_one("#history-detail").active == "history-tab-compare"
        shown = str(view.query_one("#history-compare-text", Static).content)
        assert (
            "stdout: +1 −1 lines · stderr: +1 −1 lines\n"
            "arguments: 1 changed · inputs: the same · outputs: 1 added, 1 removed, 1 changed, 1 unchanged\n"
        ) in shown
        assert "argument name: ada → grace" in shown
        assert "-a warning about ada\n+a warning about grace" in shown
        assert "added    grace.txt" in shown
        assert "removed  ada.txt" in shown
        assert "changed  greeting.txt" in shown
        assert "-hello ada\n+hello grace" in shown
        # Marking the same run again unmarks it.
        await pilot.press("down", "m")
        await pilot.pause()
        assert view.marked is None and table_rows(view)[2][0] == ""


@pytest.mark.parametrize("rows_at_once", [None, 1])  # 1: the table filled a row a turn, as a long history is
@pilot_test
async def test_history_reload_picks_up_new_runs_and_keeps_the_cursor(make_app, monkeypatch, rows_at_once) -> None:
    from workbench.ui import history_view

    if rows_at_once is not None:
        monkeypatch.setattr(history_view, "ROWS_AT_ONCE", rows_at_once)
    history, records = make_history(make_app)
    view = HistoryView(history)
    async with Harness(view).run_test(size=SIZE) as pilot:
        await settle(pilot)
        view.query_one("#history-table").focus()
        await pilot.press("down")
        await settle(pilot)
        run_job(history.app_root, name="linus")
        view.reload()
        await settle(pilot)
        assert len(table_rows(view)) == 4
        assert table_rows(view)[0][5] == "name=linus"
        assert view.highlighted.id == RUN_IDS[1]
        # On the newest run, the cursor follows the next new run.
        await pilot.press("up", "up")
        await settle(pilot)
        newest = run_job(history.app_root, name="guido")
        view.reload()
        await settle(pilot)
        assert view.highlighted.id == newest.id
        assert log_lines(view, "#history-stdout") == ["hello guido", "done"]


@pilot_test
async def test_history_of_an_app_never_run(make_app) -> None:
    root = make_app("print('hi')\n")
    view = HistoryView(RunHistory(root))
    async with Harness(view).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_rows(view) == []
        assert str(view.query_one("#history-summary", Static).content) == "No runs yet: every run of the App appears here."
        await pilot.press("m", "c", "l")
        await pilot.pause()
        assert view.marked is None and view.comparison is None


# ---------------------------------------------------------------- Lifecycle


def action_rows(panel: LifecyclePanel) -> dict[str, list[str]]:
    table = panel.query_one("#lifecycle-actions", DataTable)
    rows = [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]
    return {row[0]: row[1:4] for row in rows}


def check_rows(panel: LifecyclePanel) -> dict[str, list[str]]:
    table = panel.query_one("#lifecycle-checks", DataTable)
    rows = [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]
    return {row[0]: row[1:] for row in rows}


def detail(panel: LifecyclePanel) -> str:
    return str(panel.query_one("#lifecycle-detail", Static).content)


@pilot_test
async def test_lifecycle_shows_actions_and_checks_for_the_saved_state(sample_app) -> None:
    root = sample_app("echo")
    panel = LifecyclePanel(AppFolder.open(root))
    async with Harness(panel).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert panel.query_one("#lifecycle-state").value == "CREATED"
        rows = action_rows(panel)
        assert list(rows) == [
            "edit", "start testing", "run job as author", "run job as user", "publish", "hide", "unhide", "remove",
        ]
        assert rows["start testing"] == ["✓ allowed", "TESTING", "assumed *"]
        assert rows["run job as user"] == ["✗ refused", "—", "docs"]
        checks = check_rows(panel)
        assert checks["main py"][0] == "✓ ok"
        assert checks["main py"][1] == "start testing, publish"
        assert "last run" in checks
        # The highlighted (first) action is explained in full below the tables.
        assert detail(panel).startswith("edit in CREATED: allowed. an App is editable until it is published")
        assert detail(panel).endswith("(* assumed by the workbench)")
        panel.query_one("#lifecycle-checks").focus()
        await pilot.pause()
        assert detail(panel) == "main py: main.py compiles"
        await pilot.press("down")
        await pilot.pause()
        assert detail(panel).startswith("requirements: no requirements.txt")


@pilot_test
async def test_lifecycle_state_keys_save_the_state_and_post_it(sample_app) -> None:
    root = sample_app("echo")
    panel = LifecyclePanel(AppFolder.open(root))
    app = Harness(panel)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel.query_one("#lifecycle-actions").focus()
        await pilot.press("]")
        await settle(pilot)
        assert load_simulated_state(root) == "TESTING"
        assert [message.state for message in app.messages] == ["TESTING"]
        assert panel.query_one("#lifecycle-state").value == "TESTING"
        assert action_rows(panel)["run job as author"][0] == "✓ allowed"
        await pilot.press("[", "[")
        await settle(pilot)
        assert load_simulated_state(root) == "REMOVED"
        assert action_rows(panel)["remove"] == ["✗ refused", "—", "docs"]


@pilot_test
async def test_lifecycle_select_sets_the_state(sample_app) -> None:
    root = sample_app("echo")
    panel = LifecyclePanel(AppFolder.open(root))
    app = Harness(panel)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel.query_one("#lifecycle-state").value = "HIDDEN"
        await settle(pilot)
        assert load_simulated_state(root) == "HIDDEN"
        assert [message.state for message in app.messages] == ["HIDDEN"]
        assert action_rows(panel)["unhide"] == ["✓ allowed", "PUBLISHED", "assumed *"]


@pilot_test
async def test_lifecycle_enter_simulates_an_allowed_action_and_refuses_others(sample_app) -> None:
    root = sample_app("echo")
    panel = LifecyclePanel(AppFolder.open(root))
    app = Harness(panel)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel.query_one("#lifecycle-actions").focus()
        await pilot.press("down", "down", "enter")  # run job as author: refused in CREATED
        await settle(pilot)
        assert load_simulated_state(root) == "CREATED" and app.messages == []
        await pilot.press("up", "enter")  # start testing
        await settle(pilot)
        assert load_simulated_state(root) == "TESTING"
        assert [message.state for message in app.messages] == ["TESTING"]
        assert panel.query_one("#lifecycle-state").value == "TESTING"


def test_every_run_status_has_one_distinct_mark_for_every_view() -> None:
    # The Run tab and the History tab both draw statuses from this one table.
    from workbench.status import RunStatus
    from workbench.ui.marks import STATUS_MARKS, status_label, status_mark

    assert set(STATUS_MARKS) == set(RunStatus)
    assert len({glyph for glyph, _words, _colour in STATUS_MARKS.values()}) == len(RunStatus)
    assert status_mark(RunStatus.TIMED_OUT) == ("⏱", "yellow")
    assert status_label(RunStatus.TIMED_OUT) == "⏱ timed out"
