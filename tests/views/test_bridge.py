"""The thread bridge: what a worker thread sends a view arrives on the UI thread, in order, without waiting on the UI."""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual import work
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Static

from tests.waiting import join, wait_until_async
from workbench.ui.presets.runs import RunControl
from workbench.ui.tab_view import TabView


class _Probe(TabView):
    HOME = "Static"

    @dataclass
    class News(Message):
        number: int

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, int, int]] = []
        """(how, number, thread id) of every update that arrived."""
        self.worker_thread: int | None = None

    def compose(self) -> ComposeResult:
        yield Static()

    def record(self, number: int) -> None:
        self.seen.append(("call", number, threading.get_ident()))

    def on__probe_news(self, message: News) -> None:
        self.seen.append(("post", message.number, threading.get_ident()))

    @work(thread=True)
    def send(self, count: int) -> None:
        self.worker_thread = threading.get_ident()
        for number in range(count):
            self.bridge.call(self.record, number)
            self.bridge.post(self.News(number))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _ProbeApp(App[None]):
    def compose(self) -> ComposeResult:
        yield _Probe()

    def on_mount(self) -> None:
        self.ui_thread = threading.get_ident()


@pytest.mark.anyio
async def test_worker_updates_arrive_on_the_ui_thread_in_order() -> None:
    app = _ProbeApp()
    async with app.run_test() as pilot:
        probe = app.query_one(_Probe)
        probe.send(50)
        await wait_until_async(lambda: len(probe.seen) == 100, what="100 updates arrived", pause=pilot.pause)
        assert {thread for _, _, thread in probe.seen} == {app.ui_thread}
        assert probe.worker_thread not in (None, app.ui_thread)
        expected = [(how, number) for number in range(50) for how in ("call", "post")]
        assert [(how, number) for how, number, _ in probe.seen] == expected


@pytest.mark.anyio
async def test_a_worker_never_waits_for_the_ui() -> None:
    """The UI thread is busy (here: waiting on the worker); the worker's call returns at once and runs later."""
    app = _ProbeApp()
    async with app.run_test() as pilot:
        probe = app.query_one(_Probe)
        returned = threading.Event()

        def worker() -> None:
            probe.bridge.call(probe.record, 7)  # App.call_from_thread would wait here for the UI
            returned.set()

        thread = threading.Thread(target=worker)
        thread.start()
        assert returned.wait(5), "the worker waited for the UI thread"
        assert probe.seen == []  # the UI thread has not had a turn yet
        join(thread, what="the worker thread ended")
        await wait_until_async(lambda: probe.seen, what="the call ran", pause=pilot.pause)
        assert probe.seen == [("call", 7, app.ui_thread)]


@pytest.mark.anyio
async def test_a_call_to_a_removed_view_is_dropped() -> None:
    app = _ProbeApp()
    async with app.run_test() as pilot:
        probe = app.query_one(_Probe)
        bridge = probe.bridge
        await probe.remove()
        answers: list[bool] = []
        thread = threading.Thread(target=lambda: answers.extend([bridge.call(probe.record, 1), bridge.post(probe.News(2))]))
        thread.start()
        join(thread, what="the worker thread ended")
        await pilot.pause()
        assert answers == [False, False]
        assert probe.seen == []


class _Job:
    def __init__(self) -> None:
        self.cancels = 0

    def cancel(self) -> None:
        self.cancels += 1


def test_run_control_a_cancel_before_the_job_starts_ends_it_when_it_does() -> None:
    control = RunControl()
    control.begin()
    control.cancel()  # the author cancels between two presets
    job = _Job()
    control.attach(job)  # type: ignore[arg-type]
    assert job.cancels == 1 and control.cancelled and control.job is job
    control.begin()
    assert not control.cancelled and control.job is None


def test_run_control_cancel_ends_the_job_going_from_another_thread() -> None:
    control = RunControl()
    control.begin()
    job = _Job()
    worker = threading.Thread(target=control.attach, args=(job,))
    worker.start()
    join(worker, what="the worker ended")
    canceller = threading.Thread(target=control.cancel)
    canceller.start()
    join(canceller, what="the cancel ended")
    assert job.cancels == 1
    control.attach(None)
    control.cancel()
    assert job.cancels == 1  # a Job no longer going is not cancelled again


def test_no_view_reaches_the_ui_from_a_thread_but_through_the_bridge() -> None:
    """`App.call_from_thread` blocks the worker and raises once the app has stopped: only the bridge crosses threads."""
    ui = Path(__file__).resolve().parents[2] / "workbench" / "ui"
    modules = sorted(ui.rglob("*.py"))
    assert len(modules) > 20, "the UI package was not found"
    crossings = [
        f"{path.relative_to(ui)}:{node.lineno}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "call_from_thread"
    ]
    assert crossings == []
