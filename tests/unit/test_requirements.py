"""requirements.txt read as pip reads it, by the one reader the checks and the environments share."""

from __future__ import annotations

from pathlib import Path

from workbench.appdir import AppFolder
from workbench.checks import parse_requirements
from workbench.requirements import declared_requirements, logical_lines, requirement_sources

TRICKY = (
    "# a comment line\n"
    "six==1.16.0  # pinned\n"
    "idna\t# a tab before the comment\n"
    "requests \\\n"
    "  >=2.0\n"
    "packaging ; python_version >= '3'  # a marker, then a comment\n"
    "\n"
    "-r more.txt\n"
    "--extra-index-url \\\n"
    "    https://example.org/simple\n"
)
MORE = "attrs  # from the included file\n"


def test_logical_lines_join_continuations_and_strip_comments_as_pip_does() -> None:
    assert list(logical_lines(TRICKY)) == [
        (2, "six==1.16.0"),
        (3, "idna"),
        (4, "requests    >=2.0"),
        (6, "packaging ; python_version >= '3'"),
        (8, "-r more.txt"),
        (9, "--extra-index-url      https://example.org/simple"),
    ]


def test_a_final_continuation_still_yields_its_line_and_a_hash_inside_a_word_is_kept() -> None:
    assert list(logical_lines("a\\\nb\\")) == [(1, "a b")]
    assert list(logical_lines("https://host/x.whl#sha256=abc")) == [(1, "https://host/x.whl#sha256=abc")]


def _app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "main.py").write_text("print()\n")
    (root / "requirements.txt").write_text(TRICKY)
    (root / "more.txt").write_text(MORE)
    return root


def test_the_checks_and_the_environments_name_the_same_requirements(tmp_path: Path) -> None:
    root = _app(tmp_path)
    checked = parse_requirements(root / "requirements.txt", root).names
    declared = [item.name for item in declared_requirements(root)]
    assert sorted(checked) == sorted(declared) == sorted(["six", "idna", "requests", "packaging", "attrs"])
    by_name = {item.name: item for item in declared_requirements(root)}
    assert (by_name["requests"].file, by_name["requests"].line) == ("requirements.txt", 4)
    assert (by_name["attrs"].file, by_name["attrs"].line) == ("more.txt", 1)


def test_an_included_file_is_hashed_with_requirements_txt(tmp_path: Path) -> None:
    root = _app(tmp_path)
    assert AppFolder.open(root).requirements is not None
    assert [path.name for path, _data in requirement_sources(root)] == ["requirements.txt", "more.txt"]
