"""A compositor that draws only what shows: no line of a widget hidden behind the widgets in front of it.

Textual's compositor paints a frame front to back, and for each line keeps the first
piece drawn at each of its cuts (where a widget starts or ends). But it renders every
line of every widget the update touches before it looks: a container's background is
rendered, cut into pieces and thrown away wherever its children cover it. A tab of the
workbench sits under five full-size containers (the tab set, its switcher, the pane,
the view, its own layout), so a frame rendered the screen about eight times over,
most of it to be discarded: 38,000 cells for a 120 by 40 screen of 4,800. That was
most of the cost of showing a tab, and showing a tab while an App floods its output
is when a key waits longest.

`CoveredCompositor` asks first, for each widget in front-to-back order, which of its
lines still have a piece no widget in front has drawn, and renders only those lines
(in runs of adjacent lines); a widget wholly covered is not rendered at all. What is
drawn is the same, piece for piece: a widget's strip never shows through another's
(Textual blends a translucent background with its parent's colour when styling it,
not with what is drawn below), so a covered piece was always discarded.

It overrides `Compositor._render_chops`, Textual's own (private) method, as pinned in
`pyproject.toml`; the tests compare it with Textual's on the workbench's screens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


class CoveredCompositor(Compositor):
    """`Compositor` that renders only the lines of a widget that are not covered (see the module's docstring)."""

    def _render_chops(
        self,
        crop: Region,
        is_rendered_line: Callable[[int], bool],
    ) -> Sequence[Mapping[int, Strip]]:
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line_cuts[:-1]) for line_cuts in cuts]
        open_pieces = [len(line_cuts) - 1 for line_cuts in cuts]
        """How many pieces of each line no widget has drawn yet."""
        crop_overlaps = crop.overlaps
        crop_top, crop_bottom = crop.y, crop.bottom

        for widget, (region, clip) in self.visible_widgets.items():  # front to back
            if not crop_overlaps(clip):
                continue
            x, y, width, height = render_region = region.intersection(clip)
            if not (width and height):
                continue
            first_cut, last_cut = render_region.column_span
            wanted: list[tuple[int, list[int]]] = []
            """The lines this widget draws a piece of, each with its cuts."""
            for line_y in range(max(y, crop_top), min(y + height, crop_bottom)):
                if not open_pieces[line_y] or not is_rendered_line(line_y):
                    continue
                line = chops[line_y]
                widget_cuts = [cut for cut in cuts[line_y] if last_cut >= cut >= first_cut]
                if any(line[cut] is None for cut in widget_cuts[:-1]):
                    wanted.append((line_y, widget_cuts))
            for run in _runs(wanted):
                top = run[0][0]
                strips = widget.render_lines(Region(x - region.x, top - region.y, width, len(run)))
                for line_y, widget_cuts in run:
                    line = chops[line_y]
                    strip = strips[line_y - top]
                    if len(widget_cuts) == 2 and strip.cell_length == width:
                        # One piece: the strip itself. `Strip.divide` would give the same, kept in
                        # the strip's own cache: a cycle, which only the garbage collector frees.
                        pieces: Sequence[Strip] = (strip,)
                    else:
                        pieces = strip.divide([cut - x for cut in widget_cuts[1:]])
                    for cut, piece in zip(widget_cuts, pieces, strict=False):
                        if line[cut] is None:
                            line[cut] = piece
                            open_pieces[line_y] -= 1
        return chops  # type: ignore[return-value]  # every piece is drawn: the screen fills every cut


def _runs(wanted: list[tuple[int, list[int]]]) -> list[list[tuple[int, list[int]]]]:
    """`wanted` (in order of line) split into runs of adjacent lines, each rendered in one call."""
    runs: list[list[tuple[int, list[int]]]] = []
    for item in wanted:
        if runs and runs[-1][-1][0] == item[0] - 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs
