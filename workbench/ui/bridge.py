"""The one way code on a worker thread reaches the UI.

Textual widgets are not thread-safe: a worker thread (`@work(thread=True)`) or a
callback the core calls from its own threads (a Job's notes, a round's news)
must not touch a widget. It hands the UI a message or a call instead, through
a `ThreadBridge` to the widget it works for:

- `post(message)` posts a Message to that widget (its handlers run on the UI thread);
- `call(callback, ...)` runs a callable on the UI thread, in the widget's turn.

Both go through the widget's message queue (`post_message`, which Textual makes
thread-safe), so they never block the worker, they run in the order they were
made, and once the widget is closing they are dropped (they return False)
rather than run against a widget that has gone. `App.call_from_thread`, by
contrast, waits for the UI to answer, and raises once the app has stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual import events
from textual.message import Message
from textual.message_pump import MessagePump


class ThreadBridge:
    """What a worker thread holds to reach the UI: the only crossing of the thread boundary in `workbench.ui`."""

    def __init__(self, node: MessagePump) -> None:
        self.node = node
        """The widget (or screen, or app) the messages and calls are for."""

    def post(self, message: Message) -> bool:
        """Post `message` to the widget; False if the widget is closing (the message is dropped)."""
        return self.node.post_message(message)

    def call(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Run `callback(*args, **kwargs)` on the UI thread, after what the widget has queued; returns at once.

        False if the widget is closing (the call is dropped, never run).
        """
        return self.node.post_message(events.Callback(callback=partial(callback, *args, **kwargs)))
