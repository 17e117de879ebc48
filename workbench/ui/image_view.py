"""Pictures in the terminal, drawn by `textual-image`: real pixels where the terminal shows them, half-blocks elsewhere.

`textual-image` asks the terminal what it can show when it is imported, which
only works before Textual takes over the terminal: this module imports it, and
the UI imports this module before the App runs. Terminals that answer with
Sixel (WezTerm, iTerm2, foot, Konsole) or the Kitty graphics protocol (kitty,
Ghostty) get real pixels. Every other terminal, a browser through
`workbench serve`, and the tests (not a terminal at all) get half-blocks: `▀`
in the upper pixel's colour on the lower one's, two pixels a cell, the same
drawing on every machine (so snapshots of it are stable).

`WORKBENCH_IMAGES=halfcell` asks for half-blocks even where pixels would work.
"""

from __future__ import annotations

import os

from textual_image import _terminal


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


_guard_cell_size()

from textual_image.renderable import Image as BestRenderable  # noqa: E402
from textual_image.renderable import SixelImage as SixelRenderable  # noqa: E402
from textual_image.renderable import TGPImage as TGPRenderable  # noqa: E402
from textual_image.widget import HalfcellImage  # noqa: E402
from textual_image.widget import Image as BestImage  # noqa: E402

PIXELS = BestRenderable in (SixelRenderable, TGPRenderable) and os.environ.get("WORKBENCH_IMAGES") != "halfcell"
"""Whether the terminal showed, when asked at start, that it draws real pixels."""

ImageView = BestImage if PIXELS else HalfcellImage
"""The widget that shows a `PIL.Image` (set its `image`), sized to fit its container keeping the aspect."""


def drawing_method() -> str:
    """How pictures are drawn here, in a few words, for the preview's caption."""
    if not PIXELS:
        return "half-blocks"
    return "Sixel" if BestRenderable is SixelRenderable else "Kitty graphics"
