"""The first frame is drawn without what only the hidden tabs need.

The views of the tabs not shown first are built just after the first paint
(`TabsScreen.tab_view`, `MainScreen._build_view`), and their modules are imported
only then, with pydantic (the records, the presets), the preflight checks
(`packaging`) and `tomlkit`: together they made the first paint more than twice
as slow as a minimal Textual app's. An import of one of them on the way to the
first frame (at the top of a module the first screen uses, say) fails this test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

OFF_THE_FIRST_PAINT = (
    "pydantic",
    "packaging",
    "tomlkit",
    "workbench.ui.app_pane",
    "workbench.ui.arguments_editor",
    "workbench.ui.history_view",
    "workbench.ui.lifecycle_panel",
    "workbench.ui.output_browser",
    "workbench.ui.presets.view",
    "workbench.records",
    "workbench.checks",
    "workbench.presets",
    "workbench.lifecycle",
)

# Runs the workbench headless and notes the modules imported when its first frame is drawn
# (`App._display` is where Textual hands a frame to the terminal), then once every tab is built
# (and the newest run read, when the history has one: argv[2]).
FIRST_FRAME = """
import gc, json, sys
from pathlib import Path

from textual.app import App

from workbench.ui.app import create_app
from workbench.ui.settings import UISettings

first_frame = []
display = App._display

def noting_display(self, screen, renderable):
    if renderable is not None and not first_frame:
        first_frame.append({"screen": type(screen).__name__, "modules": sorted(sys.modules),
                            "run_logs": len(screen.query("#run-logs")), "run_buttons": len(screen.query("Button")),
                            "footer_keys": len(screen.query("FooterKey")), "frozen": gc.get_freeze_count()})
    return display(self, screen, renderable)

App._display = noting_display
app = create_app(Path(sys.argv[1]), watch=False, settings=UISettings(cursor_blink=False, animate=False))
probed_before_run = "workbench.ui.image_view" in sys.modules

async def until_every_tab_is_built(pilot):
    for _ in range(1000):
        if app.screen.views_mounted and (sys.argv[2] == "0" or app.screen.run_pane.last_record is not None):
            break
        await pilot.pause(0.01)
    await pilot.pause(0.2)
    history_view = app.screen.query_one("#history-view")
    print(json.dumps({"probed_before_run": probed_before_run, "footer_keys": len(app.screen.query("FooterKey")),
                      "views_frozen": not any(thing is history_view for thing in gc.get_objects()),
                      "first_frame": first_frame[0], "mounted": app.screen.views_mounted, "later": sorted(sys.modules),
                      "last_run": getattr(app.screen.run_pane.last_record, "id", None),
                      "focused": getattr(app.screen.focused, "id", None)}))
    app.exit()

app.run(headless=True, size=(100, 30), auto_pilot=until_every_tab_is_built)
"""


@pytest.mark.parametrize("runs", [0, 1])
def test_the_first_frame_is_drawn_before_the_hidden_tabs_modules_are_imported(make_app, runs: int) -> None:
    root = make_app('print("hi")\n')
    for _ in range(runs):  # a run in the history: its record is read after the first frame too
        subprocess.run([sys.executable, "-m", "workbench", "run", str(root), "-q"], cwd=REPO, check=True,
                       capture_output=True, timeout=60)
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(root), str(runs)], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["first_frame"]["screen"] == "MainScreen"
    # The terminal is asked whether it draws pixels before Textual takes it over: after, its
    # answer (`ESC [ ? 1 ; 2 c`) would be read as keys typed (`?` opens the help, `2` a tab).
    assert seen["probed_before_run"]
    at_first_frame = set(seen["first_frame"]["modules"])
    assert "workbench.ui.run_pane" in at_first_frame  # the tab shown first is there
    # ... but not its buttons and logs, which come in the frame after (with them, the first
    # frame's turn of the event loop took 70 ms, and no key is read during one).
    assert seen["first_frame"]["run_logs"] == 0
    assert seen["first_frame"]["run_buttons"] == 0
    assert seen["focused"] == "log-combined"  # where the focus goes once they are in
    assert seen["first_frame"]["footer_keys"] == 0 < seen["footer_keys"]  # the footer's keys come then too
    # What exists when the event loop starts (the modules) is frozen, out of the cyclic collector's
    # sight (a full pass over it fell in the first frame), and again once every view is built (full
    # passes during a flood of output took twice as long): views and all.
    assert seen["first_frame"]["frozen"] > 0
    assert seen["views_frozen"]
    assert sorted(set(OFF_THE_FIRST_PAINT) & at_first_frame) == []
    # ... and the others are imported once their tabs are built, just after.
    assert seen["mounted"]
    assert {"workbench.ui.app_pane", "workbench.ui.presets.view", "workbench.ui.lifecycle_panel"} <= set(seen["later"])
    # The Run tab keeps the newest run (for its log keys) once it is read.
    assert (seen["last_run"] is not None) == (runs > 0)


# The hidden tabs' modules are imported by `MainScreen.preload`, made slow here (0.3 s): it
# must run on a worker thread, and the views must be built only once it has returned.
PRELOAD = """
import json, sys, threading, time
from pathlib import Path

from workbench.ui.app import create_app
from workbench.ui.main_screen import MainScreen
from workbench.ui.settings import UISettings

seen = {"preload_threads": [], "built": {}, "mounted": [], "events": []}
preload = MainScreen.preload
build = MainScreen._build_view

def slow_preload(self):
    seen["preload_threads"].append(threading.current_thread() is threading.main_thread())
    time.sleep(0.3)
    preload(self)

MODULES = {"app": "app_pane", "arguments": "arguments_editor", "history": "history_view", "inputs": "inputs_pane",
           "lifecycle": "lifecycle_panel", "outputs": "output_browser", "presets": "presets.view"}

def noting_build(self, tab):
    if tab in MODULES:
        seen["built"][tab] = f"workbench.ui.{MODULES[tab]}" in sys.modules
        seen["events"].append("built")
    return build(self, tab)

mounted = MainScreen._view_mounted

def noting_mounted(self, tab):
    seen["mounted"].append(tab)
    if tab != "run":
        seen["events"].append("mounted")
    return mounted(self, tab)

MainScreen.preload = slow_preload
MainScreen._build_view = noting_build
MainScreen._view_mounted = noting_mounted
app = create_app(Path(sys.argv[1]), watch=False, settings=UISettings(cursor_blink=False, animate=False))

async def until_every_tab_is_built(pilot):
    await pilot.pause()  # the first frame drawn: the modules are still being imported (0.3 s)
    app.screen.query_one("#tabs").active = sys.argv[2]  # as a click on its tab does, before any view is built
    for _ in range(1000):
        if app.screen.views_mounted and len(set(seen["mounted"]) - {"run"}) == 7:  # each view's news in too
            break
        await pilot.pause(0.01)
    print(json.dumps(seen))
    app.exit()

app.run(headless=True, size=(100, 30), auto_pilot=until_every_tab_is_built)
"""


@pytest.mark.parametrize("shown", ["history", "lifecycle"])
def test_the_hidden_tabs_modules_are_imported_off_the_event_loop_before_their_views_are_built(make_app, shown) -> None:
    root = make_app('print("hi")\n')
    done = subprocess.run([sys.executable, "-c", PRELOAD, str(root), shown], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["preload_threads"] == [False]  # once, on a worker thread
    assert seen["built"] == {tab: True for tab in ("app", "arguments", "history", "inputs", "lifecycle", "outputs", "presets")}
    # One view at a time (each mounted before the next is built), the tab shown first.
    assert seen["events"] == ["built", "mounted"] * 7
    hidden = [tab for tab in seen["mounted"] if tab != "run"]
    assert hidden[0] == shown
    assert sorted(hidden) == ["app", "arguments", "history", "inputs", "lifecycle", "outputs", "presets"]
