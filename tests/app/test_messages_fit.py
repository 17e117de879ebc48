"""At 80x24 a message is shown whole: wrapped, or cut after a whole clause with the rest under it."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui import make, screen, wait_for  # noqa: I001
from textual.geometry import Region
from textual.widget import Widget

from workbench.records import RunRecord
from workbench.ui.inputs_pane import InputsPane
from workbench.ui.run_status import RunStatusLine

pytestmark = pytest.mark.anyio

SMALL = (80, 24)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def shown(widget: Widget) -> str:
    """The text a widget draws on the screen, its lines joined by spaces (as a reader reads a wrapped line)."""
    width, height = widget.size
    lines = [strip.text.strip() for strip in widget.render_lines(Region(0, 0, width, height))]
    return " ".join(line for line in lines if line)


async def test_the_reason_of_a_name_given_twice_wraps_to_show_every_word(sample_app) -> None:
    root = sample_app("echo")
    name = "message_string_with_a_long_name"
    app = make(root)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("2", "ctrl+n", *name, "escape", "ctrl+n", *name)
        reasons = app.screen.query(".argument-reason")
        await wait_for(pilot, lambda: sum(bool(r.display) for r in reasons) == 2, what="both rows show a reason")
        await pilot.pause()
        message = f"the name '{name}' is given twice; the App would see only the last value"
        for reason in reasons:
            assert reason.region.right <= SMALL[0]
            assert reason.size.height >= 2  # longer than the row: wrapped, not cut
            assert shown(reason) == message


async def test_a_clash_of_two_inputs_is_reported_in_full(sample_app, tmp_path: Path) -> None:
    root = sample_app("echo")
    first, second = tmp_path / "one" / "same.txt", tmp_path / "two" / "same.txt"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text("x")
    app = make(root)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("3")
        screen(app).query_one(InputsPane).stage_text(f"{first} {second}")  # as a paste does
        await pilot.pause()
        report = app.screen.query_one("#inputs-report")
        assert report.region.right <= SMALL[0] and report.size.height >= 2
        text = shown(report).replace(" ", "")  # a long path folds where the line ends
        assert text == f"staged1:same.txt;inputs'{first}'and'{second}'wouldbothbeinput/same.txt;renameone"


async def test_a_long_error_is_cut_after_its_first_clause_and_the_rest_shown_under_it(make_app) -> None:
    root = make_app("import sys\nsys.exit(1)\n")
    app = make(root)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("r")
        pane = screen(app).run_pane
        await wait_for(pilot, lambda: pane.last_record is not None and not pane.running)
        message = (
            "could not install requirement 'definitely-not-a-package' (requirements.txt line 1):"
            " Because definitely-not-a-package was not found in the package registry and you require"
            " definitely-not-a-package, we can conclude that your requirements are unsatisfiable."
        )
        assert pane.last_record is not None
        record = RunRecord.model_validate({**pane.last_record.model_dump(), "status": "error", "message": message})
        pane.show_record(record)
        await pilot.pause()
        status = shown(app.screen.query_one(RunStatusLine))
        assert "could not install requirement 'definitely-not-a-package' (requirements.txt line 1))" in status
        assert "Because" not in status
        detail = app.screen.query_one("#run-detail")
        assert detail.display and detail.region.right <= SMALL[0]
        assert shown(detail) == message.split(": ", 1)[1]
        # A refusal too: the first clause on the status line, the advice under it.
        pane.show_refusal(f"main.py is gone from {root}: the Node starts an App as `python main.py`; put it back, then run again")
        await pilot.pause()
        assert shown(app.screen.query_one(RunStatusLine)) == f"✗ not run: main.py is gone from {root}"
        assert shown(detail) == "the Node starts an App as `python main.py`; put it back, then run again"
        pane.clear_refusal()
        await pilot.pause()
        assert "not run" not in shown(app.screen.query_one(RunStatusLine))
