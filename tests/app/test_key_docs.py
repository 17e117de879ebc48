"""docs/tui.md and the README list exactly the keys the bindings have (read from the help's sections)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_tui import SIZE, make, screen  # noqa: I001

from workbench.ui.help import help_sections, own_bindings
from workbench.ui.main_screen import TABS

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
NAMES = {
    "question_mark": "?", "slash": "/", "tilde": "~", "left_square_bracket": "[", "right_square_bracket": "]",
}
TEXTUAL_OWN = {"tab", "shift+tab", "ctrl+p"}
"""Keys the docs may name that Textual binds itself (focus moves, the command palette)."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def normal(key: str) -> str:
    """A key as the docs write it: `?` for question_mark, `f5` for `F5`."""
    key = NAMES.get(key, key)
    return key.lower() if re.fullmatch(r"[Ff]\d+", key) else key


def tokens(cell: str) -> set[str]:
    """The keys in a table cell: each in backticks, `a`..`b` a range of digits."""
    found: set[str] = set()
    for first, last in re.findall(r"`([^`]+)`\.\.`([^`]+)`", cell):
        prefix = first[:-1]
        found |= {f"{prefix}{n}" for n in range(int(first[-1]), int(last[-1]) + 1)}
    found |= {normal(token) for token in re.findall(r"`([^`]+)`", cell)}
    return {token for token in found if ".." not in token}


def table_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the markdown table that starts with `header`, as lists of cells."""
    lines = text.split("\n")
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


async def bound_keys(root: Path) -> tuple[set[str], dict[str, set[str]]]:
    """The keys bound everywhere, and each tab's own, by tab title."""
    app = make(root)
    async with app.run_test(size=SIZE):
        main = screen(app)
        everywhere = {normal(b.key) for node in (app, main) for b in own_bindings(node)}
        tabs = main.query_one("#tabs")
        per_tab = {}
        for tab in TABS:
            title = str(tabs.get_tab(tab).label)
            per_tab[title] = {normal(b.key) for node in tabs.get_pane(tab).walk_children() for b in own_bindings(node)}
        assert [section.title for section in help_sections(main, TABS)][1:] == [f"{n} {t}" for n, t in enumerate(per_tab, 1)]
    return everywhere, per_tab


async def test_docs_tui_lists_every_key_and_only_keys_that_are_bound(sample_app) -> None:
    everywhere, per_tab = await bound_keys(sample_app("concat"))
    text = (ROOT / "docs" / "tui.md").read_text(encoding="utf-8")
    documented = set().union(*(tokens(row[0]) for row in table_rows(text, "| key | action |")))
    assert everywhere <= documented, f"bound everywhere, not in docs/tui.md: {sorted(everywhere - documented)}"
    assert documented <= everywhere | TEXTUAL_OWN, f"in docs/tui.md, not bound: {sorted(documented - everywhere - TEXTUAL_OWN)}"
    by_tab: dict[str, set[str]] = {title: set() for title in per_tab}
    for tabs_cell, key_cell, _action in table_rows(text, "| tab | key | action |"):
        for title in tabs_cell.split(", "):
            by_tab[title] |= tokens(key_cell)
    for title, keys in per_tab.items():
        own = keys - everywhere  # a tab's binding of a global key (x on Presets) is documented with it
        assert own <= by_tab[title], f"{title}: bound, not in docs/tui.md: {sorted(own - by_tab[title])}"
        assert by_tab[title] <= keys, f"{title}: in docs/tui.md, not bound there: {sorted(by_tab[title] - keys)}"


async def test_the_readme_key_table_lists_every_key_that_works_everywhere(sample_app) -> None:
    everywhere, _per_tab = await bound_keys(sample_app("concat"))
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set().union(*(tokens(row[0]) for row in table_rows(text, "| key | action |")))
    assert everywhere <= documented, f"bound everywhere, not in the README: {sorted(everywhere - documented)}"
    assert documented <= everywhere | TEXTUAL_OWN, f"in the README, not bound: {sorted(documented - everywhere - TEXTUAL_OWN)}"
