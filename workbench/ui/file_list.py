"""A list of many files, one a line, that draws only the lines on screen.

A `DataTable` recomputes every row's offset on each change: with 20,000 rows,
filling or refreshing it holds the event loop for a frame or more each time.
This list keeps the files in a plain list and renders a line when it is shown
(the Line API), so its cost is the screen's height, not the App's size.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..appdir import AppFile
from ..display import safe_text
from ..fsutil import human_size

SIZE_WIDTH = 10


class FileList(ScrollView, can_focus=True):
    """The files of a big App with their sizes; enter selects one."""

    DEFAULT_CSS = """
    FileList {
        height: 1fr;
        background: $surface;
    }
    FileList > .file-list--cursor {
        background: $block-cursor-blurred-background;
    }
    FileList:focus > .file-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES = {"file-list--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Selected(Message):
        """Enter on a file."""

        def __init__(self, file_list: FileList, path: str) -> None:
            super().__init__()
            self.file_list = file_list
            self.path = path

        @property
        def control(self) -> FileList:
            return self.file_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.files: list[AppFile] = []
        self._path_width = 0

    def set_files(self, files: list[AppFile]) -> None:
        self.files = files
        self._path_width = max((len(item.path) for item in files), default=0)
        self.virtual_size = Size(self._path_width + 2 + SIZE_WIDTH, len(files))
        self.cursor = min(self.cursor, max(0, len(files) - 1))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self.files):
            return Strip.blank(width, self.rich_style)
        item = self.files[index]
        text = f"{safe_text(item.path):<{self._path_width}}  {human_size(item.size):>{SIZE_WIDTH}}"
        style = self.rich_style
        if index == self.cursor:
            style += self.get_component_rich_style("file-list--cursor")
        strip = Strip([Segment(text, style)])
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.files:
            return
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True)
        self.refresh()

    def action_move(self, delta: int) -> None:
        self.cursor = max(0, min(len(self.files) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 1))

    def action_move_to(self, index: int) -> None:
        self.cursor = max(0, len(self.files) - 1) if index < 0 else index

    def action_select(self) -> None:
        if self.files:
            self.post_message(self.Selected(self, self.files[self.cursor].path))
