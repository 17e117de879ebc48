"""The output browser: a tree of one run's kept `output/` and a preview of the selected file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.content import Content
from textual.highlight import highlight
from textual.widgets import ContentSwitcher, DataTable, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from ..display import safe_text
from ..filepreview import (
    HEX_LIMIT,
    FilePreview,
    PreviewKind,
    hex_lines,
    preview_file,
    printable_name,
)
from ..fsutil import human_size
from ..images import ImageDecodeError, PreviewImage, load_preview
from ..records import OutputRecord, RunRecord
from .image_view import drawing_method, image_view_class
from .messages import OpenExternally
from .tab_view import TabView

MAX_TREE_DEPTH = 12
"""Folder levels shown as tree nodes; deeper paths are shown whole on one leaf."""
MAX_TREE_ENTRIES = 5000
"""Outputs listed in the tree; the rest are counted."""
TREE_PAGE = 500
"""Entries of one folder added to the tree at a time: past them, a last line counts the rest,
and Enter on it lists the next page (a folder of ten thousand files costs a page, not all of them)."""
EAGER_TREE_ENTRIES = 300
"""Up to this many outputs the tree opens whole; past it, folders open (and are filled) on demand,
so showing a run costs its top level, not every output it wrote."""


def _index_tree(entries: list[OutputRecord]) -> dict[str, list[tuple[str, str, OutputRecord | None]]]:
    """Each folder's children, in path order: (label name, path, the output or None for a folder).

    Past MAX_TREE_DEPTH folder levels, the rest of a path is one leaf: a tree thousands deep is unreadable.
    """
    children: dict[str, list[tuple[str, str, OutputRecord | None]]] = {}
    seen: set[str] = set()
    for entry in entries:
        parts = entry.path.split("/")
        shown = min(len(parts) - 1, MAX_TREE_DEPTH)
        for depth in range(1, shown + 1):
            folder = "/".join(parts[:depth])
            if folder not in seen:
                seen.add(folder)
                children.setdefault("/".join(parts[: depth - 1]), []).append((parts[depth - 1], folder, None))
        children.setdefault("/".join(parts[:shown]), []).append((_shorten_path(parts[shown:]), entry.path, entry))
    return children


@dataclass(frozen=True)
class OutputListing:
    """A run's outputs made ready for the tree: what `show_run` would work out on the event loop,
    worked out beforehand (in a worker) by `output_listing`."""

    count: int
    """How many outputs the run has."""
    index: dict[str, list[tuple[str, str, OutputRecord | None]]]
    """Each folder's children (see `_index_tree`), of the first MAX_TREE_ENTRIES outputs in tree order."""


def output_listing(outputs: list[OutputRecord]) -> OutputListing:
    """Sort and index a run's outputs for the tree: for ten thousand outputs, a frame's work or more."""
    entries = sorted(outputs, key=lambda item: item.path.split("/"))
    return OutputListing(len(entries), _index_tree(entries[:MAX_TREE_ENTRIES]))


def _shorten_path(parts: list[str]) -> str:
    if len(parts) > 4:
        parts = [parts[0], f"… {len(parts) - 3} folders …", parts[-2], parts[-1]]
    return printable_name("/".join(parts))


@dataclass(frozen=True)
class OutputEntry:
    """What a node of the output tree stands for."""

    path: str
    """Path relative to `output/`, with forward slashes."""
    record: OutputRecord | None
    """None for a folder."""
    more_from: int | None = None
    """Set on the line that stands for the folder `path`'s entries not listed yet: the first of them."""


def _label(name: str, entry: OutputRecord | None) -> Text:
    name = printable_name(name)
    if entry is None:
        return Text(f"{name}/", style="bold")
    if entry.is_symlink:
        return Text.assemble((name, "italic"), (" → ", "dim"), (printable_name(entry.link_target or "?"), "italic"))
    return Text.assemble(name, (f"  {human_size(entry.size)}", "dim"))


class OutputBrowser(TabView):
    """A tree of a run's outputs (symlinks shown, never followed) and a bounded preview of the selected file."""

    HOME = "#output-tree"

    DEFAULT_CSS = """
    OutputBrowser {
        height: 1fr;
        layout: horizontal;
        #output-tree {
            width: 36%;
            min-width: 24;
            max-width: 48;
            height: 1fr;
            border-right: tall $panel;
        }
        #output-preview {
            width: 1fr;
            height: 1fr;
        }
        #output-preview-title {
            height: auto;
            padding: 0 1;
            background: $panel;
            color: $text;
        }
        #output-preview-switcher {
            height: 1fr;
        }
        #output-preview-scroll {
            height: 1fr;
        }
        #output-preview-text {
            width: auto;
            min-width: 100%;
            text-wrap: nowrap;
            padding: 0 1;
        }
        #output-preview-table {
            height: 1fr;
        }
        #output-preview-message {
            padding: 1 2;
            color: $text-muted;
        }
        #output-preview-picture {
            height: 1fr;
            padding: 0 1;
        }
        #output-preview-caption {
            dock: bottom;
            height: 1;
            color: $text-muted;
        }
        #output-preview-image {
            width: auto;
            height: auto;
        }
    }
    """

    BINDINGS = [
        Binding("e", "open_editor", "Edit", id="outputs.open_editor", tooltip="Open the selected output in $EDITOR"),
        Binding("v", "open_pager", "View", id="outputs.open_pager", tooltip="Open the selected output in $PAGER"),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.record: RunRecord | None = None
        """The run shown, if any."""
        self.wanted: RunRecord | None = None
        """The run to show when the view is next refreshed (`refresh_view`)."""
        self.preview: FilePreview | None = None
        """The preview shown, if any (set once it has loaded)."""
        self._tree_index: dict[str, list[tuple[str, str, OutputRecord | None]]] = {}
        self._tree_unfilled: set[str] = set()
        """Folders shown collapsed whose children are added when first expanded."""
        self._not_listed = 0
        """Outputs past MAX_TREE_ENTRIES, counted on the tree's last line."""

    def compose(self) -> ComposeResult:
        tree: Tree[OutputEntry] = Tree("output/", id="output-tree")
        tree.show_root = False
        tree.guide_depth = 3
        yield tree
        with Vertical(id="output-preview"):
            yield Static("", id="output-preview-title")
            with ContentSwitcher(initial="output-preview-message", id="output-preview-switcher"):
                yield Static("No run selected.", id="output-preview-message")
                with ScrollableContainer(id="output-preview-scroll"):
                    yield Static("", id="output-preview-text")
                yield DataTable(id="output-preview-table", zebra_stripes=True, cursor_type="row")
                with Vertical(id="output-preview-picture"):
                    yield Static("", id="output-preview-caption")
                    # The picture widget (`image_view.image_view_class`) is added with the first
                    # picture: importing it costs a quarter of a second the first paint need not wait for.

    @property
    def output_dir(self) -> Path | None:
        return Path(self.record.output_dir) if self.record is not None else None

    def refresh_view(self) -> None:
        wanted = self.wanted
        if wanted is self.record:
            return
        if wanted is not None and len(wanted.outputs) > EAGER_TREE_ENTRIES:
            self._sort_outputs(wanted)  # then shown
        else:
            self.show_run(wanted)

    @work(thread=True, exclusive=True, group="output-listing", exit_on_error=False)
    def _sort_outputs(self, record: RunRecord) -> None:
        """Sort and index a big run's outputs off the event loop (tens of milliseconds for ten thousand)."""
        listing = output_listing(record.outputs)
        if not get_current_worker().is_cancelled:
            self.bridge.call(self._show_sorted, record, listing)

    def _show_sorted(self, record: RunRecord, listing: OutputListing) -> None:
        if self.wanted is record and self.record is not record:
            self.show_run(record, listing)

    def show_run(self, record: RunRecord | None, listing: OutputListing | None = None) -> None:
        """Show the outputs of `record` (or nothing), and preview its first file.

        `listing` is `output_listing(record.outputs)` when the caller made it (off the event loop)."""
        self.record = record
        self.preview = None
        tree = self.query_one("#output-tree", Tree)
        tree.clear()
        self._set_title("")
        if record is None:
            self._show_message("No run selected.")
            return
        if not record.outputs:
            self._show_message(f"Run {record.id} left nothing in output/.")
            return
        listing = listing if listing is not None else output_listing(record.outputs)
        self._tree_index = listing.index
        self._tree_unfilled.clear()
        self._not_listed = max(0, listing.count - MAX_TREE_ENTRIES)
        # A run with few outputs shows its whole tree; a big one fills a folder when it is expanded.
        self._fill(tree.root, "", eager=listing.count <= EAGER_TREE_ENTRIES)
        tree.root.expand()
        self._show_message("Select an output to preview it.")
        tree.cursor_line = _first_file_line(tree)

    def _fill(self, node: TreeNode[OutputEntry], folder: str, *, eager: bool, start: int = 0) -> None:
        """Add a page of a folder's children to its node, from entry `start` (and, eagerly, theirs)."""
        children = self._tree_index.get(folder, [])
        page = children[start : start + TREE_PAGE]
        for name, path, entry in page:
            if entry is None:
                child = node.add(_label(name, None), OutputEntry(path, None), expand=eager, allow_expand=True)
                if eager:
                    self._fill(child, path, eager=True)
                else:
                    self._tree_unfilled.add(path)
            else:
                node.add_leaf(_label(name, entry), OutputEntry(entry.path, entry))
        rest = len(children) - start - len(page)
        if rest > 0:
            label = Text(f"… {rest} more here: Enter lists the next {min(rest, TREE_PAGE)}", style="dim italic")
            node.add_leaf(label, OutputEntry(folder, None, more_from=start + len(page)))
        elif not folder and self._not_listed:
            node.add_leaf(Text(f"… and {self._not_listed} more outputs, not listed", style="dim italic"), None)

    @on(Tree.NodeSelected, "#output-tree")
    def _node_selected(self, event: Tree.NodeSelected[OutputEntry]) -> None:
        """Enter on a folder's last line, the count of its entries not listed yet: list the next page."""
        entry, parent = event.node.data, event.node.parent
        if entry is None or entry.more_from is None or parent is None:
            return
        event.stop()
        event.node.remove()
        self._fill(parent, entry.path, eager=False, start=entry.more_from)

    @on(Tree.NodeExpanded, "#output-tree")
    def _node_expanded(self, event: Tree.NodeExpanded[OutputEntry]) -> None:
        entry = event.node.data
        if entry is not None and entry.record is None and entry.path in self._tree_unfilled:
            self._tree_unfilled.discard(entry.path)
            self._fill(event.node, entry.path, eager=False)

    @on(Tree.NodeHighlighted, "#output-tree")
    def _node_highlighted(self, event: Tree.NodeHighlighted[OutputEntry]) -> None:
        event.stop()
        entry = event.node.data
        if entry is None or self.output_dir is None:
            return
        if entry.more_from is not None:
            self.preview = None
            self._set_title("")
            self._show_message("More outputs in this folder: press Enter to list them.")
            return
        if entry.record is None:
            self.preview = None
            count = sum(1 for item in self.record.outputs if item.path.startswith(entry.path + "/")) if self.record else 0
            self._set_title(f"{_shorten_path(entry.path.split('/'))}/  ·  folder")
            self._show_message(f"{count} output{'s' if count != 1 else ''} in this folder.")
            return
        self._load_preview(self.output_dir / entry.path, entry.path)

    @work(thread=True, exclusive=True, group="output-preview", exit_on_error=False)
    def _load_preview(self, path: Path, rel: str) -> None:
        # Decoding an image can take a second (a 50-megapixel PNG): it happens here, in a worker.
        preview = preview_file(path)
        picture: PreviewImage | str | None = None
        if preview.image is not None:
            try:
                picture = load_preview(path)
            except ImageDecodeError as error:
                picture = str(error)
        if not get_current_worker().is_cancelled:
            self.bridge.call(self._show_preview, preview, rel, picture)

    def _show_preview(self, preview: FilePreview, rel: str, picture: PreviewImage | str | None = None) -> None:
        node = self.query_one("#output-tree", Tree).cursor_node
        shown = self.output_dir is not None and preview.path == self.output_dir / rel
        if not shown or node is None or node.data is None or node.data.path != rel:
            return  # the author moved on (another file, another run) while this one was read
        self.preview = preview
        title = f"{_shorten_path(rel.split('/'))}  ·  {_kind_name(preview)}"
        if preview.kind not in (PreviewKind.SYMLINK, PreviewKind.UNREADABLE, PreviewKind.FOLDER):
            title += f"  ·  {preview.extent()}"
        notes = list(preview.notes)
        if preview.table is not None:
            notes += _table_notes(preview)
        self._set_title(title, notes)
        match preview.kind:
            case PreviewKind.TEXT | PreviewKind.JSON:
                self._show_text(highlight(preview.text or "", language=preview.language))
            case PreviewKind.CSV:
                self._show_table(preview)
            case PreviewKind.IMAGE:
                assert preview.image is not None
                self._show_image(preview, picture)
            case PreviewKind.BINARY:
                self._show_text(Content("\n".join(hex_lines(preview.data[:HEX_LIMIT]))))
            case PreviewKind.EMPTY:
                self._show_message("An empty file.")
            case PreviewKind.SYMLINK:
                self._show_message(
                    f"A symbolic link to {printable_name(preview.link_target or '?')}\n\n"
                    "The workbench never follows links the App left in output/:"
                    " the Node uploads entries as they are."
                )
            case _:
                self._show_message(preview.error or "Nothing to show.")

    def _show_image(self, preview: FilePreview, picture: PreviewImage | str | None) -> None:
        assert preview.image is not None
        about = f"{preview.image.describe()}, {human_size(preview.size)}"
        if not isinstance(picture, PreviewImage):
            reason = f"\nNot drawn here: {picture}." if picture else ""
            self._show_message(f"{about}{reason}\n\nPress v to open it outside the workbench.")
            return
        views = self.query("#output-preview-image")
        if views:
            views.first().image = picture.image  # type: ignore[attr-defined]
        else:
            self.query_one("#output-preview-picture").mount(image_view_class()(picture.image, id="output-preview-image"))
        caption = Content.from_markup("$about  ·  $method", about=about, method=drawing_method())
        self.query_one("#output-preview-caption", Static).update(caption)
        self.query_one("#output-preview-switcher", ContentSwitcher).current = "output-preview-picture"

    def _set_title(self, title: str, notes: list[str] | None = None) -> None:
        content = Content.from_markup("[b]$title[/b]", title=title) if title else Content("")
        for note in notes or []:
            content += Content.from_markup("\n[$text-warning]$note[/]", note=note)
        self.query_one("#output-preview-title", Static).update(content)
        self.query_one("#output-preview-title").display = bool(title)

    def _show_message(self, message: str) -> None:
        self.query_one("#output-preview-message", Static).update(Text(safe_text(message, block=True)))
        self.query_one("#output-preview-switcher", ContentSwitcher).current = "output-preview-message"

    def _show_text(self, content: Content | Text) -> None:
        self.query_one("#output-preview-text", Static).update(content)
        self.query_one("#output-preview-switcher", ContentSwitcher).current = "output-preview-scroll"
        self.query_one("#output-preview-scroll").scroll_home(animate=False)

    def _show_table(self, preview: FilePreview) -> None:
        assert preview.table is not None
        table = self.query_one("#output-preview-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*(cell or f"({index + 1})" for index, cell in enumerate(preview.table.header)))
        table.add_rows(preview.table.rows)
        self.query_one("#output-preview-switcher", ContentSwitcher).current = "output-preview-table"

    def selected_path(self) -> Path | None:
        """The file under the tree's cursor, if the cursor is on a file."""
        node = self.query_one("#output-tree", Tree).cursor_node
        if node is None or node.data is None or node.data.record is None or self.output_dir is None:
            return None
        return self.output_dir / node.data.path

    def _open(self, pager: bool) -> None:
        node = self.query_one("#output-tree", Tree).cursor_node
        path = self.selected_path()
        if path is None or node is None or node.data is None or node.data.record is None:
            self.notify("Select a file in the output tree first.", severity="warning")
            return
        if node.data.record.is_symlink:
            self.notify(f"{node.data.path} is a symlink; the workbench does not follow it.", severity="warning")
            return
        self.post_message(OpenExternally(path, pager=pager))

    def action_open_editor(self) -> None:
        self._open(pager=False)

    def action_open_pager(self) -> None:
        self._open(pager=True)


def _table_notes(preview: FilePreview) -> list[str]:
    table = preview.table
    assert table is not None
    notes = []
    if table.more_rows:
        notes.append(f"showing the first {len(table.rows)} rows")
    if table.columns > len(table.header):
        notes.append(f"showing {len(table.header)} of {table.columns} columns")
    if table.problem:
        notes.append(f"stopped reading at {table.problem}")
    return notes


def _first_file_line(tree: Tree[OutputEntry]) -> int:
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        if node is not None and node.data is not None and node.data.record is not None:
            return line
    return 0


def _kind_name(preview: FilePreview) -> str:
    if preview.image is not None:
        return preview.image.format
    if preview.kind in (PreviewKind.JSON, PreviewKind.CSV):
        return preview.kind.value.upper()
    if preview.kind is PreviewKind.TEXT and preview.language != "text":
        return preview.language
    return preview.kind.value
