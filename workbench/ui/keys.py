"""Alt+digit read as Alt+digit in the terminals that send it as ESC then the digit.

xterm, GNOME Terminal, Konsole, tmux, screen and most others send Alt+5 as the
two bytes ESC `5`. Textual 8.2.8 reads ESC + a digit as the character the
Option key types with that digit on a Mac (`\\x1b5` becomes `∞`: WezTerm on
macOS sends it for Option+5), so in those terminals the workbench's `alt+1` ..
`alt+8` (the tab keys that work inside a text field) typed `¡™£¢∞§¶•` into the
field instead. `read_alt_digits` makes ESC + 1..8 Alt+1..Alt+8 again; a
character typed as itself (`£` on a UK keyboard, `∞` from a Mac's Option key
in a terminal that sends it as text) is still typed.

Textual keeps the table in a private module: tests/views/test_keys.py feeds
the bytes through Textual's own parser, so an upgrade that changes it fails there.
"""

from __future__ import annotations

from typing import cast

TAB_DIGITS = "12345678"


def read_alt_digits() -> None:
    """Read ESC + 1..8 as alt+1..alt+8 (see the module's docstring); safe to call more than once."""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    table = cast("dict[str, object]", ANSI_SEQUENCES_KEYS)  # a dict, typed as a read-only Mapping
    for digit in TAB_DIGITS:
        table.pop(f"\x1b{digit}", None)
