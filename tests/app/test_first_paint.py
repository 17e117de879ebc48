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
import json, sys
from pathlib import Path

from textual.app import App

from workbench.ui.app import create_app
from workbench.ui.settings import UISettings

first_frame = []
display = App._display

def noting_display(self, screen, renderable):
    if renderable is not None and not first_frame:
        first_frame.append({"screen": type(screen).__name__, "modules": sorted(sys.modules)})
    return display(self, screen, renderable)

App._display = noting_display
app = create_app(Path(sys.argv[1]), watch=False, settings=UISettings(cursor_blink=False, animate=False))
probed_before_run = "workbench.ui.image_view" in sys.modules

async def until_every_tab_is_built(pilot):
    for _ in range(1000):
        if app.screen.views_mounted and (sys.argv[2] == "0" or app.screen.run_pane.last_record is not None):
            break
        await pilot.pause(0.01)
    print(json.dumps({"probed_before_run": probed_before_run,
                      "first_frame": first_frame[0], "mounted": app.screen.views_mounted, "later": sorted(sys.modules),
                      "last_run": getattr(app.screen.run_pane.last_record, "id", None)}))
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
    assert sorted(set(OFF_THE_FIRST_PAINT) & at_first_frame) == []
    # ... and the others are imported once their tabs are built, just after.
    assert seen["mounted"]
    assert {"workbench.ui.app_pane", "workbench.ui.presets.view", "workbench.ui.lifecycle_panel"} <= set(seen["later"])
    # The Run tab keeps the newest run (for its log keys) once it is read.
    assert (seen["last_run"] is not None) == (runs > 0)
