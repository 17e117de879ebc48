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

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

from textual._compositor import Compositor, CompositorMap, ReflowResult
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class CoveredCompositor(Compositor):
    """`Compositor` that renders only the lines of a widget that are not covered (see the module's docstring)."""

    layouts = 0
    """How many layouts (and scrolls) this compositor has worked out: a preparation is for one."""

    _laid_out: CompositorMap | None = None
    """The map of every widget as the last layout left it."""

    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        """Lay the widgets out (Textual's), telling what changed since the last layout.

        Textual tells which widgets were shown, and which resized, against its map of every
        widget, which is also rebuilt between layouts, whenever a widget's region is asked
        for while it is out of date (and before a frame is drawn: `_shown`). A widget shown
        by a change the rebuilt map already held would never hear it was (its `Show` event):
        a log on an inner tab would not take the lines that waited for it.
        """
        self.layouts += 1
        if self._laid_out is not None:
            self._full_map = self._laid_out
        result = super().reflow(parent, size)
        self._laid_out = self._full_map
        return result

    def reflow_visible(self, parent: Widget, size: Size) -> set[Widget]:
        self.layouts += 1
        return super().reflow_visible(parent, size)

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        """The widgets shown, front to back, with their regions and clips.

        Textual works the cuts out from them, but keeps its cuts when it works them out
        anew from a newer map of every widget (`full_map`, rebuilt when a widget not shown
        asks to be redrawn): a frame drawn from both could leave a piece of a line undrawn.
        Here the cuts go with the widgets they came from.
        """
        if self._visible_widgets is None:
            self._cuts = None
        return super().visible_widgets

    def _shown(self) -> tuple[dict[Widget, tuple[Region, Region]], list[list[int]]]:
        """The widgets shown and their cuts, worked out together.

        When the map of every widget is out of date and the map of those shown is gone (a
        widget not shown asked to be redrawn after the map was last rebuilt), the widgets
        shown would come from the old map, and the first widget to ask for its region while
        it is drawn would rebuild it: halfway through the frame, the widgets drawn then, sized
        by the new map, no longer fill the regions of the old. The map is rebuilt first.
        """
        if self._full_map_invalidated and self._visible_map is None:
            self.full_map  # noqa: B018  # the property rebuilds it
        shown = self.visible_widgets
        return shown, self.cuts

    def _plan(
        self,
        shown: dict[Widget, tuple[Region, Region]],
        cuts: list[list[int]],
        crop: Region,
        is_rendered_line: Callable[[int], bool],
    ) -> Iterator[_Run]:
        """Front to back, each widget of `shown`'s runs of adjacent lines (within `crop`, of those
        rendered) that have a piece no widget in front of it covers.

        Lazy: a run's pieces count as drawn once it is given, as `_render_chops` draws them.
        """
        open_cuts = [set(line_cuts[:-1]) for line_cuts in cuts]
        """The cuts of each line whose piece no widget has drawn yet."""
        crop_overlaps = crop.overlaps
        crop_top, crop_bottom = crop.y, crop.bottom

        for widget, (region, clip) in shown.items():  # front to back
            if not crop_overlaps(clip):
                continue
            render_region = region.intersection(clip)
            x, y, width, height = render_region
            if not (width and height):
                continue
            first_cut, last_cut = render_region.column_span
            wanted: list[tuple[int, list[int]]] = []
            """The lines this widget draws a piece of, each with its cuts."""
            for line_y in range(max(y, crop_top), min(y + height, crop_bottom)):
                line_open = open_cuts[line_y]
                if not line_open or not is_rendered_line(line_y):
                    continue
                widget_cuts = [cut for cut in cuts[line_y] if last_cut >= cut >= first_cut]
                if not line_open.isdisjoint(widget_cuts[:-1]):
                    wanted.append((line_y, widget_cuts))
                    line_open.difference_update(widget_cuts[:-1])
            for run in _runs(wanted):
                yield _Run(widget, Region(x - region.x, run[0][0] - region.y, width, len(run)), x, run)

    def _render_chops(
        self,
        crop: Region,
        is_rendered_line: Callable[[int], bool],
    ) -> Sequence[Mapping[int, Strip]]:
        shown, cuts = self._shown()
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line_cuts[:-1]) for line_cuts in cuts]
        for widget, lines, x, run in self._plan(shown, cuts, crop, is_rendered_line):
            strips = widget.render_lines(lines)
            for (line_y, widget_cuts), strip in zip(run, strips, strict=True):
                line = chops[line_y]
                if len(widget_cuts) == 2 and strip.cell_length == lines.width:
                    # One piece: the strip itself. `Strip.divide` would give the same, kept in
                    # the strip's own cache: a cycle, which only the garbage collector frees.
                    pieces: Sequence[Strip] = (strip,)
                else:
                    pieces = strip.divide([cut - x for cut in widget_cuts[1:]])
                for cut, piece in zip(widget_cuts, pieces, strict=False):
                    if line[cut] is None:
                        line[cut] = piece
        if self._visible_widgets is not shown:
            _fill_holes(chops, cuts)
        return chops  # type: ignore[return-value]  # every piece is drawn (`_fill_holes`)

    def prepare_update(self, lines_per_step: int = 8) -> Iterator[None]:
        """Render what the next update will draw, a few lines of one widget per step.

        The widgets keep the lines they render until they change (Textual's styles cache), so
        the update that follows the last step finds them ready and takes a fraction of the
        time. Steps taken apart, between passes of the event loop, leave room for keys.
        A widget removed meanwhile is passed over; a new layout (see `layouts`) ends the
        preparation, and needs one of its own.
        """
        if not self._dirty_regions:
            return
        layout = self.layouts
        screen_region = self.size.region
        is_rendered_line: Callable[[int], bool]
        if screen_region in self._dirty_regions:
            crop, is_rendered_line = screen_region, _every_line
        else:
            crop = Region.from_union(list(self._dirty_regions)).intersection(screen_region)
            is_rendered_line = {y for y, _, _ in self._regions_to_spans(self._dirty_regions)}.__contains__
        for widget, lines, _x, _run in self._plan(*self._shown(), crop, is_rendered_line):
            for top in range(lines.y, lines.bottom, lines_per_step):
                if self.layouts != layout:
                    return
                if widget.is_attached:
                    widget.render_lines(Region(lines.x, top, lines.width, min(lines_per_step, lines.bottom - top)))
                yield


def _fill_holes(chops: list[dict[int, Strip | None]], cuts: list[list[int]]) -> None:
    """Blank the pieces of a frame no widget drew.

    The screen fills every piece, unless the map of the widgets changed while the frame
    was drawn (a widget asking for the region of one not shown rebuilds it): a widget
    hidden since renders nothing. A piece left empty would fail in the terminal's
    output; blank, it waits for the layout that follows such a change, which draws it.
    """
    for line, line_cuts in zip(chops, cuts, strict=True):
        for cut, end in itertools.pairwise(line_cuts):
            if line[cut] is None:
                line[cut] = Strip.blank(end - cut)


class _Run(NamedTuple):
    widget: Widget
    lines: Region
    """The lines to render, in the widget's own coordinates."""
    x: int
    """Where the widget's rendered region starts on the screen."""
    run: list[tuple[int, list[int]]]
    """Each line's place on the screen, with the cuts the widget draws a piece of."""


def _every_line(y: int) -> bool:
    return True


def _runs(wanted: list[tuple[int, list[int]]]) -> list[list[tuple[int, list[int]]]]:
    """`wanted` (in order of line) split into runs of adjacent lines, each rendered in one call."""
    runs: list[list[tuple[int, list[int]]]] = []
    for item in wanted:
        if runs and runs[-1][-1][0] == item[0] - 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs
