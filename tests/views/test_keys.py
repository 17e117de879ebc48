"""What a real terminal's bytes become: alt+1..alt+8 as ESC + digit (xterm, tmux) reach the bindings."""

from __future__ import annotations

from textual._xterm_parser import XTermParser

from workbench.ui.keys import read_alt_digits


def keys_of(data: str) -> list[str]:
    parser = XTermParser()
    return [token.key for token in [*parser.feed(data), *parser.feed("")] if hasattr(token, "key")]


def test_textual_alone_reads_esc_and_a_digit_as_a_mac_option_character() -> None:
    """Why the workbench changes the table: this is what Textual 8.2.8 does (restored after the check)."""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    saved = {f"\x1b{d}": ANSI_SEQUENCES_KEYS.get(f"\x1b{d}") for d in "12345678"}
    try:
        ANSI_SEQUENCES_KEYS["\x1b5"] = "∞"
        assert keys_of("\x1b5") == ["infinity"]
    finally:
        for sequence, value in saved.items():
            if value is None:
                ANSI_SEQUENCES_KEYS.pop(sequence, None)
            else:
                ANSI_SEQUENCES_KEYS[sequence] = value


def test_esc_and_a_tab_digit_is_alt_and_that_digit() -> None:
    read_alt_digits()
    read_alt_digits()  # twice changes nothing
    for digit in "12345678":
        assert keys_of(f"\x1b{digit}") == [f"alt+{digit}"]


def test_characters_typed_as_themselves_are_still_typed() -> None:
    read_alt_digits()
    assert keys_of("£∞¡a5") == ["pound_sign", "infinity", "inverted_exclamation_mark", "a", "5"]
    assert keys_of("\x1b9") != ["alt+9"]  # only the tab keys change: ESC 9 stays as Textual reads it
