"""Tab switches while an App floods its output: a hidden Run tab does no work, a key is not kept waiting.

No timing is asserted: the tests count what the UI did (drains of the run's output,
batches written to a log) between two states, and wait on conditions.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.message_pump import MessagePump
from textual.widgets import TabbedContent, TabPane

from waiting import wait_until_async
from workbench.ui.app import WorkbenchApp, create_app
from workbench.ui.main_screen import MainScreen
from workbench.ui.output_stream import OutputBuffer
from workbench.ui.settings import UISettings
from workbench.ui.stream_log import StreamLog

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


SIZE = (120, 40)
SETTINGS = UISettings(cursor_blink=False, animate=False, show_clock=False, live_resources=False, drain_interval=0.25)
"""Drains a quarter of a second apart: a key waits behind two only if the UI stalls for that long."""
FLOOD = """
import time
end = time.time() + 60
while time.time() < end:
    print('flood line ' * 5)
"""


@pytest.fixture
def counted(monkeypatch) -> dict[str, list[int]]:
    """Every drain of a run's output that took lines, and every batch written to a run's log (its size)."""
    seen: dict[str, list[int]] = {"drains": [], "writes": []}
    drain, write_lines = OutputBuffer.drain, StreamLog.write_lines

    def counting_drain(self):
        drained = drain(self)
        if drained.stdout or drained.stderr:
            seen["drains"].append(len(drained.stdout))
        return drained

    def counting_write_lines(self, lines, scroll_end=None):
        lines = list(lines)
        seen["writes"].append(len(lines))
        return write_lines(self, lines, scroll_end)

    monkeypatch.setattr(OutputBuffer, "drain", counting_drain)
    monkeypatch.setattr(StreamLog, "write_lines", counting_write_lines)
    return seen


def screen(app: WorkbenchApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def flooding(app: WorkbenchApp, pilot, seen: dict[str, list[int]]) -> None:
    """Start the run and wait until its output reaches the Run tab."""
    await pilot.press("r")
    await wait_until_async(lambda: len(seen["drains"]) >= 2, what="the flood reached the Run tab", pause=pilot.pause)


async def ended(app: WorkbenchApp, pilot) -> None:
    pane = screen(app).run_pane
    pane.cancel()
    await wait_until_async(lambda: not pane.running, what="the cancelled run ended", pause=pilot.pause)


async def test_a_hidden_run_tab_takes_no_output_and_shows_the_tail_when_shown(make_app, counted) -> None:
    app = create_app(make_app(FLOOD), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        await flooding(app, pilot, counted)
        pane = screen(app).run_pane
        await pilot.press("6")
        await wait_until_async(lambda: not pane.is_on_screen, what="the Run tab was hidden", pause=pilot.pause)
        drains, writes = len(counted["drains"]), len(counted["writes"])
        assert pane.buffer is not None
        lines_then = pane.buffer.counts[0]
        await wait_until_async(lambda: pane.buffer.counts[0] > lines_then + 50_000, what="the App printed on",
                               pause=pilot.pause)
        assert (len(counted["drains"]), len(counted["writes"])) == (drains, writes)  # hidden: no work at all
        app.post_message(events.Key("4", "4"))
        log = app.screen.query_one("#log-combined", StreamLog)
        await wait_until_async(lambda: len(counted["writes"]) > writes, what="the Run tab was drawn", pause=pilot.pause)
        # What came while hidden is taken in one drain and written in one batch: the kept tail.
        assert counted["drains"][drains] == SETTINGS.tail_lines and counted["writes"][writes] == SETTINGS.tail_lines
        assert len(log.lines) == SETTINGS.tail_lines and log.lines[-1] == "flood line " * 5
        await ended(app, pilot)


async def test_a_tab_key_during_a_flood_is_handled_before_the_next_drains(make_app, counted, monkeypatch) -> None:
    key_seen_by: list[str] = []
    dispatch = MessagePump._dispatch_message

    async def noting_keys(self, message):
        if isinstance(message, events.Key) and message.key.isdigit():
            key_seen_by.append(type(self).__name__)
        await dispatch(self, message)

    monkeypatch.setattr(MessagePump, "_dispatch_message", noting_keys)
    app = create_app(make_app(FLOOD), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        await flooding(app, pilot, counted)
        tabs = app.screen.query_one("#tabs", TabbedContent)
        drains_when_shown: dict[str, int] = {}
        tabs.watch(tabs, "active", lambda tab: drains_when_shown.setdefault(tab, len(counted["drains"])), init=False)
        for key, tab in (("6", "history"), ("4", "run"), ("1", "app"), ("4", "run")):
            drains_when_shown.clear()
            key_seen_by.clear()
            drains = len(counted["drains"])
            app.post_message(events.Key(key, key))  # as the terminal sends it: no wait for an idle app
            await wait_until_async(lambda tab=tab: tab in drains_when_shown, what=f"the {tab} tab was shown",  # noqa: B023
                                   pause=pilot.pause)
            # The app handles the key at once (a priority binding), not after it bubbled up from the
            # focused widget through each of its containers' queues, each hop waiting behind the flood's
            # work; so the Run tab's drains (one each drain interval) do not get ahead of it.
            assert key_seen_by == ["WorkbenchApp"]
            assert drains_when_shown[tab] - drains <= 1
            if tab == "run":  # the next key is sent while the Run tab is drawing the flood
                shown = len(counted["drains"])
                await wait_until_async(lambda shown=shown: len(counted["drains"]) > shown + 1,
                                       what="the flood went on", pause=pilot.pause)
        await ended(app, pilot)


async def test_keys_faster_than_the_focus_messages_end_on_the_last_tab(make_app) -> None:
    app = create_app(make_app("print('hi')\n"), watch=False, settings=SETTINGS)
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.screen.query_one("#tabs", TabbedContent)
        await wait_until_async(lambda: screen(app).views_mounted, what="every tab's view was mounted", pause=pilot.pause)
        for key in "1465214652":  # posted together: each tab's focus messages are still in flight at the next key
            app.post_message(events.Key(key, key))
        await wait_until_async(lambda: tabs.active == "arguments", what="the last key's tab was shown", pause=pilot.pause)
        for _ in range(10):
            await pilot.pause()
        assert tabs.active == "arguments" and screen(app).view("arguments").has_focus_within
        # A stale focus message from a pane the focus has left does not show that pane again.
        tabs.get_pane("history").post_message(TabPane.Focused(tabs.get_pane("history")))
        for _ in range(5):
            await pilot.pause()
        assert tabs.active == "arguments"

