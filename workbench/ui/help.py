"""The help screen: every key of the workbench, by tab, read from the bindings themselves.

Nothing here lists a key by hand: `help_sections` walks the main screen's widgets
and collects the `BINDINGS` of the workbench's own classes, so a binding added,
changed or removed shows up here at once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TabbedContent

OWN_MODULES = "workbench.ui"
"""Bindings of classes from these modules are listed; Textual's own (cursor keys in a table,
editing keys in a field) are the usual ones and summed up in one line each."""

EXPLAINED = (
    (
        "Watch mode",
        "on by default (w): saving one of the App's files runs it again;"
        " a save during a run restarts it or queues one more run (s).",
    ),
    (
        "Args mode",
        "m: the arguments reach the App as one JSON object on stdin (what the docs say)"
        " or as --key value words (what the Node software does).",
    ),
    (
        "Buffering",
        "b: the App's output is line-buffered and flushed every 50 ms in a flood (fast, the default),"
        " or unbuffered (exact order, slower).",
    ),
    (
        "Text fields",
        "letter and digit keys type into the field; Escape leaves it for the tab's home;"
        " alt+1..alt+8, F5 (run), F6 (cancel) and ctrl keys work inside it.",
    ),
)


@dataclass
class HelpRow:
    """One action and the keys bound to it."""

    keys: list[str]
    description: str
    tooltip: str


@dataclass
class HelpSection:
    """The keys of one part of the workbench (everywhere, or one tab)."""

    title: str
    rows: list[HelpRow] = field(default_factory=list)


def own_bindings(node: DOMNode) -> list[Binding]:
    """The bindings a node's own workbench classes declare, most derived first, keys expanded."""
    bindings: list[Binding] = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith(OWN_MODULES) and "BINDINGS" in vars(cls):
            bindings.extend(Binding.make_bindings(vars(cls)["BINDINGS"]))
    return bindings


def _rows(nodes: Iterable[DOMNode], key_display) -> list[HelpRow]:
    rows: dict[tuple[str, str], HelpRow] = {}
    seen_classes: set[type] = set()
    for node in nodes:
        if type(node) in seen_classes:
            continue
        seen_classes.add(type(node))
        for binding in own_bindings(node):
            row = rows.setdefault((binding.action, binding.description), HelpRow([], binding.description, binding.tooltip))
            shown = key_display(binding)
            if shown not in row.keys:
                row.keys.append(shown)
    return list(rows.values())


def help_sections(screen: Screen[Any], tab_ids: Sequence[str]) -> list[HelpSection]:
    """Every key of the workbench, by where it works: everywhere (the app's and the screen's
    own keys), then tab by tab (the keys of the widgets in each of the screen's `#tabs`)."""
    key_display = screen.app.get_key_display
    sections = [HelpSection("Everywhere", _rows([screen.app, screen], key_display))]
    tabs = screen.query_one("#tabs", TabbedContent)
    for number, tab in enumerate(tab_ids, start=1):
        pane = tabs.get_pane(tab)
        rows = _rows(pane.walk_children(), key_display)
        title = str(tabs.get_tab(tab).label)
        sections.append(HelpSection(f"{number} {title}", rows))
    return sections


def render_sections(sections: list[HelpSection]) -> Group:
    """The sections as tables (keys, then what they do, wrapped), then the explanations."""
    parts: list[RenderableType] = []
    for section in sections:
        parts.append(Text(section.title, style="bold underline"))
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column("keys", style="bold", no_wrap=True, min_width=10)
        table.add_column("action", ratio=1)
        for row in section.rows:
            table.add_row(" ".join(row.keys), Text.assemble(row.description, (f": {row.tooltip}" if row.tooltip else "", "dim")))
        if not section.rows:
            table.add_row("", Text("only the keys that work everywhere", style="dim"))
        parts += [table, Text("")]
    for title, line in EXPLAINED:
        parts.append(Text.assemble((f"{title}: ", "bold"), line))
    return Group(*parts)


def plain_text(sections: list[HelpSection]) -> str:
    """The help as plain text (what the screen shows, without styles)."""
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(render_sections(sections))
    return console.export_text()


class HelpScreen(ModalScreen[None]):
    """Every key, by tab, and what watch mode, args mode and buffering mean."""

    BINDINGS = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close", id="help.close", tooltip="Back to the workbench"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%; max-width: 110; height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { height: auto; text-style: bold; }
    HelpScreen #help-body { height: 1fr; }
    HelpScreen #help-hint { height: auto; color: $text-muted; }
    """

    def __init__(self, sections: list[HelpSection]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("InfraX Workbench: keys", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(render_sections(self.sections), id="help-text")
            yield Static("↑/↓ scroll · Escape, ? or q close", id="help-hint")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
