"""Messages read as sentences: types named in the words of JSON and TOML, plurals, whole clauses."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from workbench.display import first_clauses, plural
from workbench.kwargs import ArgumentError, argument_problems, load_arguments_file
from workbench.lifecycle import Action, State, rule

_BAD_ARTICLE = re.compile(r"\ba [aeiouAEIOU]\w*|\ban [^aeiouAEIOU\W]\w*")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (5, "the number 5"),
        (1.5, "the number 1.5"),
        (True, "the boolean true"),
        (None, "null"),
        (["a"], "a list"),
        ({"a": "b"}, "a table (an object)"),
        (datetime.date(2024, 1, 2), "a date"),
    ],
)
def test_a_value_that_is_not_a_string_is_named_in_plain_words(value: object, words: str) -> None:
    problems = argument_problems({"k": value})
    assert problems == [f"argument 'k': the value must be a string, not {words}"]
    assert "int" not in problems[0] and "NoneType" not in problems[0]


@pytest.mark.parametrize("value", [5, 1.5, True, None, ["a"], {"a": "b"}])
def test_an_arguments_file_names_the_kind_of_value_with_the_right_article(tmp_path: Path, value: object) -> None:
    path = tmp_path / "kwargs.json"
    path.write_text(json.dumps({"k": value}))
    with pytest.raises(ArgumentError) as raised:
        load_arguments_file(path)
    message = str(raised.value).removeprefix(str(path))
    assert "the platform passes only strings" in message
    assert not _BAD_ARTICLE.search(message), message
    assert "is a int" not in message and "is a float" not in message and "NoneType" not in message


def test_the_lifecycle_reasons_use_an_before_a_vowel() -> None:
    reasons = [rule(state, action).reason for state in State for action in Action]
    assert "the docs: an ERROR App is not editable by its author" in reasons
    for reason in reasons:
        assert not re.search(r"\ba (ERROR|[AEIOU][A-Z]+)\b", reason), reason


def test_plural() -> None:
    assert plural(1, "file") == "1 file"
    assert plural(0, "file") == "0 files"
    assert plural(2, "problem") == "2 problems"
    assert plural(3, "child", "children") == "3 children"


REQUIREMENT = (
    "could not install requirement 'pkg' (requirements.txt line 1): Because pkg was not found in"
    " the package registry and you require pkg, we can conclude that your requirements are unsatisfiable."
)


def test_a_short_message_is_kept_whole() -> None:
    assert first_clauses("exit code 1", 60) == ("exit code 1", "")


def test_a_long_message_is_cut_after_a_whole_clause_and_the_rest_kept() -> None:
    shown, rest = first_clauses(REQUIREMENT, 100)
    assert shown == "could not install requirement 'pkg' (requirements.txt line 1)"
    assert rest.startswith("Because pkg was not found") and rest.endswith("unsatisfiable.")


def test_as_many_whole_sentences_as_fit() -> None:
    text = "First one. Second one. Third one is the longest of all the sentences here."
    assert first_clauses(text, 25) == ("First one. Second one.", "Third one is the longest of all the sentences here.")


def test_no_cut_inside_a_quoted_name_or_brackets() -> None:
    text = "argument 'a: b; c. d' is wrong (see: the docs; twice): fix it and run again, please"
    shown, rest = first_clauses(text, 30)
    assert shown == "argument 'a: b; c. d' is wrong (see: the docs; twice)"
    assert rest == "fix it and run again, please"


def test_a_first_clause_longer_than_the_limit_is_shown_whole_never_cut() -> None:
    text = "the name 'message_string' is given twice; the App would see only the last value"
    assert first_clauses(text, 10) == ("the name 'message_string' is given twice", "the App would see only the last value")
    assert first_clauses("one long clause without any break in it at all", 10) == (
        "one long clause without any break in it at all",
        "",
    )


def test_apostrophes_are_not_quotes() -> None:
    text = "the App's folder can't be read: it is gone; put it back"
    assert first_clauses(text, 35) == ("the App's folder can't be read", "it is gone; put it back")
