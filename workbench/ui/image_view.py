"""Pictures in the terminal, drawn by `textual-image`: real pixels where the terminal shows them, half-blocks elsewhere.

`textual-image` asks the terminal what it can show when it is imported, which
only works before Textual takes over the terminal; and it imports Pillow and
numpy, a quarter of a second that the TUI's first paint need not wait for. So
this module asks the terminal itself at import (the UI imports it before the App
runs), with the same two questions (the Sixel bit of the device attributes, a
Kitty graphics query), reading the answers itself (`_ask`: keys typed meanwhile
must not leave an answer behind for the UI to read as keys), and
imports `textual-image`'s widgets only when the first picture is shown
(`image_view_class`), keeping it from asking the terminal again then.

Terminals that answer with Sixel (WezTerm, iTerm2, foot, Konsole) or the Kitty
graphics protocol (kitty, Ghostty) get real pixels. Every other terminal, a
browser through `workbench serve`, and the tests (not a terminal at all) get
half-blocks: `▀` in the upper pixel's colour on the lower one's, two pixels a
cell, the same drawing on every machine (so snapshots of it are stable).

`WORKBENCH_IMAGES=halfcell` asks for half-blocks even where pixels would work.
"""

from __future__ import annotations

import io
import os
import random
import select
import sys
import termios
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual_image import _terminal

if TYPE_CHECKING:
    from textual.widget import Widget


def _guard_cell_size() -> None:
    """Measure the terminal's cell size once, as `textual-image` does at import, without its crash.

    A terminal that reports a size of 0x0 (some serial consoles, a pty nobody
    sized) makes `textual-image` 0.12 divide by zero while it is imported, which
    would stop the whole workbench. Such a terminal gets the cell size the
    library itself assumes when it cannot measure one (10x20 pixels, a VT340's).
    """
    try:
        _terminal.get_cell_size()
    except (ZeroDivisionError, _terminal.TerminalError):
        _terminal.get_cell_size._result = _terminal.CellSize(10, 20)  # type: ignore[attr-defined]


def _ask(question: str, start: str, end: str, timeout: float = 0.1) -> str | None:
    """Write a query to the terminal and return its answer between the markers (None: no answer in `timeout`).

    Keys typed before the answer (the author pressing a key as the workbench starts) are read
    and dropped: left in the input, the answer after them would reach the UI as keys typed
    (`ESC [ ? 1 ; 2 c`: `?` opened the help, `2` the Arguments tab).
    """
    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None:
        return None
    try:
        fd = stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):
        return None
    quiet = list(saved)
    quiet[3] &= ~(termios.ICANON | termios.ECHO)  # each byte as it comes, nothing echoed
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        stdout.write(question)
        stdout.flush()
        received = ""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([fd], [], [], left)[0]:
                break
            received += os.read(fd, 1024).decode("utf-8", "replace")
            begun = received.find(start)
            ended = received.find(end, begun + len(start)) if begun >= 0 else -1
            if ended >= 0:
                return received[begun + len(start) : ended]
        return None
    except (OSError, ValueError, termios.error):
        return None
    finally:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
        except (OSError, termios.error):
            pass


def _probe() -> str:
    """`sixel`, `tgp` or `halfcell`: what `textual-image` would pick here (its order: Sixel first)."""
    stdout = sys.__stdout__
    if os.environ.get("WORKBENCH_IMAGES") == "halfcell" or stdout is None or not stdout.isatty():
        return "halfcell"
    attributes = _ask("\x1b[c", "\x1b[?", "c")
    if attributes is not None and "4" in attributes.split(";"):
        return "sixel"
    answer = _ask(f"\x1b_Gi={random.randint(1, 2**32)},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\", "\x1b_G", "\x1b\\")
    if answer is not None and answer.rsplit(";", 1)[-1] == "OK":
        return "tgp"
    return "halfcell"


_guard_cell_size()
METHOD = _probe()
PIXELS = METHOD != "halfcell"
"""Whether the terminal showed, when asked at start, that it draws real pixels."""

_view_class: Any = None


def image_view_class() -> Callable[..., Widget]:
    """The widget that shows a `PIL.Image` (set its `image`), sized to fit its container keeping the
    aspect: `textual-image`'s, imported on first use."""
    global _view_class
    if _view_class is None:
        real = sys.__stdout__
        sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]  # asked at start: it must not ask again
        try:
            from textual_image.widget import HalfcellImage, SixelImage, TGPImage
        finally:
            sys.__stdout__ = real  # type: ignore[misc]
        _view_class = {"sixel": SixelImage, "tgp": TGPImage}.get(METHOD, HalfcellImage)
    return _view_class  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    if name == "ImageView":  # `from .image_view import ImageView` imports textual-image then
        return image_view_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def drawing_method() -> str:
    """How pictures are drawn here, in a few words, for the preview's caption."""
    if not PIXELS:
        return "half-blocks"
    return "Sixel" if METHOD == "sixel" else "Kitty graphics"
