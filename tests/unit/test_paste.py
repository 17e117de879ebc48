"""Pasted and dropped text becomes the right paths, whatever the terminal's style."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.paste import resolve_pasted, split_pasted


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    names = ["plain.txt", "with space.txt", "it's.csv", "naïve 100%.txt", "a\"b.txt"]
    made = {}
    for name in names:
        path = tmp_path / name
        path.write_text(name)
        made[name] = path
    (tmp_path / "folder").mkdir()
    made["folder"] = tmp_path / "folder"
    return made


def test_one_plain_path(files) -> None:
    assert resolve_pasted(str(files["plain.txt"])).found == [files["plain.txt"]]


def test_paths_on_separate_lines(files) -> None:
    text = f"{files['plain.txt']}\n{files['with space.txt']}\r\n{files['folder']}\n"
    assert resolve_pasted(text).found == [files["plain.txt"], files["with space.txt"], files["folder"]]


def test_paths_separated_by_spaces_with_escaped_spaces(files) -> None:
    escaped = str(files["with space.txt"]).replace(" ", "\\ ")
    text = f"{files['plain.txt']} {escaped}"
    assert resolve_pasted(text).found == [files["plain.txt"], files["with space.txt"]]


def test_single_and_double_quoted_paths(files) -> None:
    double_escaped = str(files['a"b.txt']).replace('"', '\\"')
    text = f"'{files['with space.txt']}' \"{files['naïve 100%.txt']}\" \"{double_escaped}\""
    assert resolve_pasted(text).found == [files["with space.txt"], files["naïve 100%.txt"], files['a"b.txt']]


def test_a_quote_inside_a_name_escaped_the_shell_way(files) -> None:
    quoted = "'" + str(files["it's.csv"]).replace("'", "'\\''") + "'"
    assert resolve_pasted(quoted).found == [files["it's.csv"]]


def test_file_uris_with_percent_encoding(files) -> None:
    uri_space = "file://" + str(files["with space.txt"]).replace(" ", "%20")
    uri_utf8 = "file://localhost" + str(files["naïve 100%.txt"]).replace("ï", "%C3%AF").replace(" ", "%20").replace("%.", "%25.")
    assert resolve_pasted(f"{uri_space}\n{uri_utf8}").found == [files["with space.txt"], files["naïve 100%.txt"]]


def test_an_unquoted_line_that_is_one_existing_path_with_spaces(files) -> None:
    assert resolve_pasted(str(files["with space.txt"])).found == [files["with space.txt"]]


def test_missing_paths_are_reported_not_found(files, tmp_path: Path) -> None:
    result = resolve_pasted(f"{files['plain.txt']} {tmp_path / 'nope.txt'}")
    assert result.found == [files["plain.txt"]]
    assert result.missing == [str(tmp_path / "nope.txt")]


def test_relative_paths_resolve_against_the_given_folder(files, tmp_path: Path) -> None:
    result = resolve_pasted("plain.txt folder", cwd=tmp_path)
    assert result.found == [files["plain.txt"], files["folder"]]


def test_duplicates_are_staged_once(files) -> None:
    text = f"{files['plain.txt']}\nfile://{files['plain.txt']}"
    assert resolve_pasted(text).found == [files["plain.txt"]]


def test_an_unterminated_quote_keeps_the_line_as_typed() -> None:
    assert split_pasted("'/no/such/place", exists=lambda p: False) == ["'/no/such/place"]


def test_remote_file_uris_are_not_paths() -> None:
    assert split_pasted("file://otherhost/etc/passwd", exists=lambda p: False) == ["file://otherhost/etc/passwd"]


def test_blank_text_holds_no_paths() -> None:
    result = resolve_pasted("  \n\n ")
    assert result.found == [] and result.missing == []
