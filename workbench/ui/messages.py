"""Messages any widget may post for the app to handle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message


@dataclass
class OpenExternally(Message):
    """Open a file in the author's $EDITOR (or $PAGER when `pager` is set), suspending the UI."""

    path: Path
    pager: bool = False
