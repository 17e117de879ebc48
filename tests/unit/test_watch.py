"""Watch mode sees saves to the App's files, and never the files a run or the workbench writes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from watchfiles import Change

from waiting import wait_until_async
from workbench.appdir import AppFolder
from workbench.watch import AppChange, describe_changes, is_swap_file, is_watched, watch_app


@pytest.fixture
def app(make_app) -> AppFolder:
    return AppFolder.open(make_app("print('hi')\n", **{"lib__util.py": "X = 1\n"}))


@pytest.mark.parametrize("rel", ["main.py", "lib/util.py", "data/table.csv", "requirements.txt"])
def test_the_apps_files_are_watched(app: AppFolder, rel: str) -> None:
    assert is_watched(app, app.root / rel)


@pytest.mark.parametrize(
    "rel",
    [
        ".workbench/runs/1/output/result.txt",
        ".workbench/draft.json",
        ".venv/lib/site.py",
        "input/data.txt",
        "output/result.txt",
        "__pycache__/main.cpython-311.pyc",
        "lib/__pycache__/util.cpython-311.pyc",
        ".git/index",
        ".main.py.swp",
        "main.py~",
        ".#main.py",
        "main.py.___jb_tmp___",
        "4913",
    ],
)
def test_what_is_not_the_app_is_not_watched(app: AppFolder, rel: str) -> None:
    assert not is_watched(app, app.root / rel)


def test_files_outside_the_app_are_not_watched(app: AppFolder, tmp_path: Path) -> None:
    assert not is_watched(app, tmp_path / "elsewhere.py")


def test_swap_file_names() -> None:
    assert is_swap_file(".main.py.swx") and is_swap_file("#main.py#")
    assert not is_swap_file("main.py") and not is_swap_file("swap.py")


def test_a_burst_is_described_by_its_first_file(app: AppFolder) -> None:
    change = describe_changes(
        app,
        {
            (Change.modified, str(app.root / "main.py")),
            (Change.added, str(app.root / "lib/util.py")),
            (Change.modified, str(app.root / ".workbench/draft.json")),
        },
    )
    assert change is not None
    assert change.paths == ("lib/util.py", "main.py")
    assert change.reason == "added lib/util.py and 1 other file"


def test_a_save_is_described_as_saved(app: AppFolder) -> None:
    change = describe_changes(app, {(Change.modified, str(app.root / "main.py"))})
    assert change is not None and change.reason == "saved main.py"


def test_an_atomic_save_is_described_as_saved(app: AppFolder) -> None:
    # sed -i: a temporary file is written, then renamed over main.py (which only "appears").
    raw = {
        (Change.added, str(app.root / "sedX1y2Z3")),
        (Change.modified, str(app.root / "sedX1y2Z3")),
        (Change.deleted, str(app.root / "sedX1y2Z3")),
        (Change.added, str(app.root / "main.py")),
    }
    change = describe_changes(app, raw, known={"main.py", "lib/util.py"})
    assert change == AppChange(("main.py",), "saved main.py")


def test_without_known_files_a_replaced_file_is_saved_and_a_passing_one_is_nothing(app: AppFolder) -> None:
    raw = {
        (Change.deleted, str(app.root / "main.py")),
        (Change.added, str(app.root / "main.py")),
        (Change.added, str(app.root / "main.py.new")),
        (Change.deleted, str(app.root / "main.py.new")),
    }
    assert describe_changes(app, raw) == AppChange(("main.py",), "saved main.py")


def test_a_file_that_is_not_known_is_added_and_a_known_one_gone_is_removed(app: AppFolder) -> None:
    (app.root / "lib" / "util.py").unlink()
    raw = {(Change.added, str(app.root / "main.py")), (Change.deleted, str(app.root / "lib/util.py"))}
    change = describe_changes(app, raw, known={"lib/util.py"})
    assert change == AppChange(("lib/util.py", "main.py"), "removed lib/util.py and 1 other file")
    assert describe_changes(app, raw, known=set()) == AppChange(("main.py",), "added main.py")


def test_a_new_folder_is_described_by_its_files(app: AppFolder) -> None:
    (app.root / "pkg").mkdir()
    (app.root / "pkg" / "mod.py").write_text("")
    raw = {(Change.added, str(app.root / "pkg")), (Change.added, str(app.root / "pkg/mod.py"))}
    assert describe_changes(app, raw, known={"main.py"}) == AppChange(("pkg/mod.py",), "added pkg/mod.py")


@pytest.mark.parametrize("name", ["sedAb12Cd", "tmpab12cd_9", ".goutputstream-ABC123", "main.py.kate-swp", "main.py___jb_old___"])
def test_editor_temporary_names_are_swap_files(name: str) -> None:
    assert is_swap_file(name)


@pytest.mark.parametrize("rel", ["presets.toml", "golden/first/result.txt"])
def test_the_presets_and_golden_copies_are_not_watched(app: AppFolder, rel: str) -> None:
    assert not is_watched(app, app.root / rel)


def test_a_burst_of_only_excluded_files_is_nothing(app: AppFolder) -> None:
    assert describe_changes(app, {(Change.added, str(app.root / "output/x.txt"))}) is None


class Watching:
    """A running watcher on an App, with what it has reported so far."""

    def __init__(self, app: AppFolder) -> None:
        self.app = app
        self.seen: list[AppChange] = []
        self.ready = False

    async def until_reported(self, rel: str) -> None:
        """Wait until a reported change names `rel`."""
        await wait_until_async(
            lambda: any(rel in change.paths for change in self.seen), what=f"the watcher reported {rel}"
        )

    async def control(self) -> AppChange:
        """The positive control: a save to a fresh App file is reported (after anything before it)."""
        marker = self.app.root / "control.py"
        marker.write_text("# the watcher is alive\n")
        await self.until_reported("control.py")
        return self.seen.pop()


@asynccontextmanager
async def watching(app: AppFolder, step_ms: int = 30, debounce_ms: int = 300):
    """Run the watcher on `app` until the block ends, starting the block once its watches are in place."""
    stop = asyncio.Event()
    state = Watching(app)

    def ready() -> None:
        state.ready = True

    async def consume() -> None:
        async for change in watch_app(app, stop_event=stop, step_ms=step_ms, debounce_ms=debounce_ms, on_ready=ready):
            state.seen.append(change)

    task = asyncio.create_task(consume())
    try:
        await wait_until_async(lambda: state.ready or task.done(), what="the watcher placed its watches")
        assert not task.done(), task
        yield state
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def watch_test(body=None, **settings: int):
    """Run an async test body against a watcher on the fixture's App (`settings`: its step_ms, debounce_ms)."""
    if body is None:
        return lambda body: watch_test(body, **settings)

    def test(app: AppFolder) -> None:
        async def main() -> None:
            async with watching(app, **settings) as state:
                await body(state)

        asyncio.run(main())

    test.__name__ = body.__name__
    test.__doc__ = body.__doc__
    return test


@watch_test(step_ms=500, debounce_ms=5000)
async def test_a_burst_of_saves_gives_one_change(w: Watching) -> None:
    # Five saves 5 ms apart, without giving the event loop a turn between them: a burst
    # unless the machine stalls this thread for 100 times that between two saves.
    for i in range(5):
        (w.app.root / "main.py").write_text(f"print({i})\n")
        time.sleep(0.005)
    await w.until_reported("main.py")
    await w.control()  # anything more from the burst would have been reported before the control
    assert w.seen == [AppChange(("main.py",), "saved main.py")]


@watch_test
async def test_writes_by_runs_and_the_workbench_give_no_change(w: Watching) -> None:
    for rel in (
        ".workbench/runs/1/output/result.txt",
        "output/result.txt",
        "input/x.txt",
        "__pycache__/m.pyc",
        ".main.py.swp",
        "presets.toml",
        "golden/first/result.txt",
    ):
        path = w.app.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("written by a run")
    assert (await w.control()).paths == ("control.py",)
    assert w.seen == []


@watch_test
async def test_editing_the_presets_and_their_golden_copies_gives_no_change(w: Watching) -> None:
    (w.app.root / "presets.toml").write_text("[preset.first]\n")
    golden = w.app.root / "golden" / "first"
    golden.mkdir(parents=True)
    (golden / "result.txt").write_text("expected\n")
    await w.control()
    (w.app.root / "presets.toml").write_text("[preset.first]\nkwargs = { a = '1' }\n")
    (golden / "result.txt").write_text("expected again\n")
    os.replace(golden / "result.txt", golden / "renamed.txt")
    assert (await w.control()).paths == ("control.py",)
    assert w.seen == []


@watch_test
async def test_sed_in_place_is_a_save(w: Watching) -> None:
    subprocess.run(["sed", "-i", "s/hi/hello/", str(w.app.root / "main.py")], check=True, timeout=10)
    await w.until_reported("main.py")
    await w.control()
    assert w.seen == [AppChange(("main.py",), "saved main.py")]
    assert (w.app.root / "main.py").read_text() == "print('hello')\n"


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
@watch_test
async def test_vim_saving_with_a_backup_and_a_swap_file_is_a_save(w: Watching) -> None:
    # backupcopy=no: vim renames main.py to main.py~, writes a new main.py, removes the
    # backup; it also probes the folder with a file named 4913 and keeps .main.py.swp.
    script = ["-c", "set nocompatible backup writebackup backupcopy=no", "-c", "%s/hi/hello/", "-c", "wq"]
    subprocess.run(
        ["vim", "-Es", "-u", "NONE", "-i", "NONE", *script, str(w.app.root / "main.py")],
        check=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        cwd=w.app.root,
    )
    assert (w.app.root / "main.py").read_text() == "print('hello')\n"
    await w.until_reported("main.py")
    await w.control()
    assert w.seen == [AppChange(("main.py",), "saved main.py")]


@watch_test
async def test_a_backup_and_rename_save_is_a_save(w: Watching) -> None:
    main = w.app.root / "main.py"
    os.rename(main, w.app.root / "main.py.orig")
    (w.app.root / "4913").write_text("")
    (w.app.root / "4913").unlink()
    main.write_text("print('new')\n")
    (w.app.root / "main.py.orig").unlink()
    await w.until_reported("main.py")
    await w.control()
    assert w.seen == [AppChange(("main.py",), "saved main.py")]


@pytest.mark.parametrize("temporary", ["main.py.new", ".main.py.tmp", "tmpab12cd_9", "main.py___jb_tmp___"])
def test_writing_a_temporary_file_then_renaming_it_over_is_a_save(app: AppFolder, temporary: str) -> None:
    @watch_test
    async def body(w: Watching) -> None:
        (w.app.root / temporary).write_text("print('replaced')\n")
        os.replace(w.app.root / temporary, w.app.root / "main.py")
        await w.until_reported("main.py")
        await w.control()
        assert w.seen == [AppChange(("main.py",), "saved main.py")]

    body(app)


@watch_test
async def test_a_new_file_is_added_and_a_deleted_one_removed(w: Watching) -> None:
    (w.app.root / "new.py").write_text("X = 2\n")
    await w.until_reported("new.py")
    (w.app.root / "lib" / "util.py").unlink()
    await w.until_reported("lib/util.py")
    await w.control()
    assert [change.reason for change in w.seen] == ["added new.py", "removed lib/util.py"]


@watch_test
async def test_a_temporary_file_left_alone_starts_nothing_until_it_is_renamed(w: Watching) -> None:
    (w.app.root / ".main.py.swp").write_text("swap")
    (w.app.root / "main.py~").write_text("backup")
    (w.app.root / ".#main.py").write_text("lock")
    (w.app.root / "sedAb12Cd").write_text("print('half-written')\n")
    assert (await w.control()).paths == ("control.py",)
    assert w.seen == []


def test_the_ui_watches_with_the_watchers_own_timings() -> None:
    from workbench.ui.settings import UISettings
    from workbench.watch import DEBOUNCE_MS, STEP_MS

    settings = UISettings()
    assert (settings.watch_step_ms, settings.watch_debounce_ms) == (STEP_MS, DEBOUNCE_MS)


def test_with_tests_an_atomic_save_of_the_presets_is_a_save(app: AppFolder) -> None:
    (app.root / "presets.toml").write_text("[preset.first]\n")
    raw = {(Change.added, str(app.root / "presets.toml")), (Change.deleted, str(app.root / ".presets.toml.tmp"))}
    assert describe_changes(app, raw, known={"presets.toml"}, tests=True) == AppChange(("presets.toml",), "saved presets.toml")
    assert describe_changes(app, raw, known={"presets.toml"}) is None  # not the App: no run


def test_with_tests_a_burst_names_the_apps_own_files_apart(app: AppFolder) -> None:
    (app.root / "presets.toml").write_text("[preset.first]\n")
    (app.root / "helper.py").write_text("X = 1\n")
    raw = {(Change.added, str(app.root / "presets.toml")), (Change.added, str(app.root / "helper.py"))}
    change = describe_changes(app, raw, known=set(), tests=True)
    assert change == AppChange(("helper.py", "presets.toml"), "added helper.py and 1 other file", "added helper.py")
    only_tests = describe_changes(app, {(Change.added, str(app.root / "presets.toml"))}, known=set(), tests=True)
    assert only_tests is not None and only_tests.app_reason is None


@watch_test
async def test_a_name_that_is_not_utf8_does_not_stop_the_watch(w: Watching) -> None:
    # watchfiles cannot name such a file; the watch goes on, and a save in the same burst is not lost.
    runs = w.app.root / ".workbench" / "runs" / "1" / "output"
    runs.mkdir(parents=True)
    open(os.fsencode(runs) + b"/bad\xff.txt", "wb").write(b"x")
    (w.app.root / "main.py").write_text("print('same burst')\n")
    await w.until_reported("main.py")
    open(os.fsencode(w.app.root) + b"/mod\xfe.py", "wb").write(b"x = 1\n")
    await w.until_reported("mod\udcfe.py")
    await w.control()
