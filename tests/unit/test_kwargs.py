"""Keyword-argument rules, the `-k` syntax, kwargs files, and how arguments reach the App."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from workbench.kwargs import (
    MAX_VALUE_CHARS,
    ArgumentError,
    argument_problems,
    argv_tail,
    check_arguments,
    load_arguments_file,
    parse_assignment,
    stdin_payload,
)
from workbench.presets import Preset


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "the name is empty"),
        ("two words", "whitespace"),
        ("tab\there", "whitespace"),
        ("new\nline", "whitespace"),
        ("a=b", "'='"),
    ],
)
def test_bad_names_are_refused_and_named(name: str, fragment: str) -> None:
    problems = argument_problems({name: "x"})
    assert len(problems) == 1
    assert fragment in problems[0]
    assert repr(name) in problems[0]
    with pytest.raises(ArgumentError, match=fragment):
        check_arguments({name: "x"})


def test_good_names_pass() -> None:
    assert argument_problems({"message_string": "x", "n-1": "", "ünïcode": "y", "A.B": "z"}) == []


def test_value_limit_is_1024_characters_not_bytes() -> None:
    # 1024 characters of a 3-byte character: 3072 bytes, still within the limit.
    at_limit = "€" * MAX_VALUE_CHARS
    assert MAX_VALUE_CHARS == 1024
    assert len(at_limit.encode()) == 3072
    assert check_arguments({"big": at_limit}) == {"big": at_limit}


def test_value_of_1025_characters_is_refused_with_its_length_and_the_limit() -> None:
    problems = argument_problems({"big": "€" * 1025})
    assert len(problems) == 1
    assert "'big'" in problems[0]
    assert "1025" in problems[0] and "1024" in problems[0]
    with pytest.raises(ArgumentError, match="1025"):
        check_arguments({"big": "x" * 1025})


@pytest.mark.parametrize("value", [1, 1.5, True, None, ["a"], {"a": "b"}])
def test_non_string_values_are_refused(value: object) -> None:
    problems = argument_problems({"k": value})
    assert problems and "'k'" in problems[0] and "string" in problems[0]


def test_every_problem_is_reported_at_once() -> None:
    problems = argument_problems({"": "x", "ok": "y" * 2000, "a b": 3})
    assert len(problems) == 4  # empty name; long value; whitespace name and non-string value


def test_the_presets_model_refuses_what_the_rules_refuse() -> None:
    # A preset's kwargs field (the one pydantic model of arguments) applies the same rules.
    with pytest.raises(ValidationError, match="contains '='"):
        Preset(name="p", kwargs={"a=b": "x"})
    with pytest.raises(ValidationError, match="1025"):
        Preset(name="p", kwargs={"a": "x" * 1025})
    with pytest.raises(ValidationError):
        Preset(name="p", kwargs={"a": 1})


def test_the_presets_model_json_round_trip_keeps_order() -> None:
    model = Preset(name="p", kwargs=check_arguments({"z": "1", "a": "2", "m": "é"}))
    again = Preset.model_validate_json(model.model_dump_json())
    assert list(again.kwargs) == ["z", "a", "m"]
    assert again == model


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key=value", ("key", "value")),
        ("key=a=b==c", ("key", "a=b==c")),
        ("key=", ("key", "")),
        ("key= spaced value ", ("key", " spaced value ")),
        ("ключ=значение", ("ключ", "значение")),
    ],
)
def test_assignment_syntax(text: str, expected: tuple[str, str]) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize(("text", "fragment"), [("novalue", "KEY=VALUE"), ("=value", "empty"), ("a b=c", "whitespace")])
def test_bad_assignments(text: str, fragment: str) -> None:
    with pytest.raises(ArgumentError, match=fragment):
        parse_assignment(text)


def test_stdin_payload_is_exactly_the_json_object() -> None:
    arguments = check_arguments({"message_string": "Hello InfraX!", "u": "ü€"})
    payload = stdin_payload(arguments)
    assert json.loads(payload.decode("utf-8")) == {"message_string": "Hello InfraX!", "u": "ü€"}
    assert payload.decode("utf-8") == '{"message_string": "Hello InfraX!", "u": "ü€"}'


def test_argv_tail_is_key_value_pairs() -> None:
    arguments = check_arguments({"a": "1", "b": "", "c": "x=y"})
    assert argv_tail(arguments) == ["--a", "1", "--b", "", "--c", "x=y"]


def test_no_arguments() -> None:
    arguments = check_arguments({})
    assert stdin_payload(arguments) == b"{}"
    assert argv_tail(arguments) == []


class TestArgumentsFile:
    def write(self, tmp_path: Path, text: str | bytes) -> Path:
        path = tmp_path / "kwargs.json"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def test_reads_an_object_of_strings(self, tmp_path: Path) -> None:
        path = self.write(tmp_path, json.dumps({"a": "1", "é": "ü", "empty": ""}))
        assert load_arguments_file(path) == {"a": "1", "é": "ü", "empty": ""}

    @pytest.mark.parametrize("value", [1, 2.5, True, None, [1], {"x": "y"}])
    def test_non_string_values_are_refused_naming_the_argument(self, tmp_path: Path, value: object) -> None:
        path = self.write(tmp_path, json.dumps({"count": value}))
        with pytest.raises(ArgumentError, match="'count'") as caught:
            load_arguments_file(path)
        assert "string" in str(caught.value)

    @pytest.mark.parametrize("text", ["[1, 2]", '"text"', "3", "null"])
    def test_not_an_object(self, tmp_path: Path, text: str) -> None:
        with pytest.raises(ArgumentError, match="JSON object"):
            load_arguments_file(self.write(tmp_path, text))

    def test_invalid_json_names_the_line(self, tmp_path: Path) -> None:
        with pytest.raises(ArgumentError, match="line 2"):
            load_arguments_file(self.write(tmp_path, '{\n"a": }'))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ArgumentError, match="no such file"):
            load_arguments_file(tmp_path / "nope.json")

    def test_not_utf8(self, tmp_path: Path) -> None:
        with pytest.raises(ArgumentError, match="cannot be read"):
            load_arguments_file(self.write(tmp_path, b'{"a": "\xff"}'))

    def test_a_folder_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ArgumentError, match="cannot be read"):
            load_arguments_file(tmp_path)

    def test_long_values_pass_the_file_check_but_not_validation(self, tmp_path: Path) -> None:
        values = load_arguments_file(self.write(tmp_path, json.dumps({"a": "x" * 1025})))
        with pytest.raises(ArgumentError, match="1025"):
            check_arguments(values)


def test_nul_cannot_go_on_a_command_line() -> None:
    from workbench.kwargs import argv_problems

    assert argv_problems({"a": "x", "b": ""}) == []
    problems = argv_problems({"a": "x\0y", "ok": "fine"})
    assert len(problems) == 1 and "'a'" in problems[0] and "NUL" in problems[0]
    # The JSON on stdin carries it.
    assert json.loads(stdin_payload(check_arguments({"a": "x\0y"}))) == {"a": "x\0y"}


def test_a_name_or_value_with_a_lone_surrogate_is_refused() -> None:
    from workbench.kwargs import is_unicode_text, name_problem, value_problem

    assert is_unicode_text("é") is True and is_unicode_text("a\udcffb") is False
    assert name_problem("a\udcffb") == (
        "the name 'a\\udcffb' is not valid Unicode text (a byte that is not UTF-8, or a lone surrogate)"
    )
    assert value_problem("x\udcff") == (
        "the value is not valid Unicode text (a byte that is not UTF-8, or a lone surrogate);"
        " the platform passes arguments as JSON text"
    )


def test_a_kwargs_file_of_1_mib_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    from workbench.kwargs import MAX_ARGUMENTS_FILE_BYTES

    assert MAX_ARGUMENTS_FILE_BYTES == 1024 * 1024
    body = '{"a": "1"}'
    exact = tmp_path / "exact.json"
    exact.write_text(body + " " * (1024 * 1024 - len(body)))  # JSON allows trailing whitespace
    assert load_arguments_file(exact) == {"a": "1"}
    over = tmp_path / "over.json"
    over.write_text(body + " " * (1024 * 1024 - len(body) + 1))
    with pytest.raises(ArgumentError) as raised:
        load_arguments_file(over)
    assert str(raised.value) == (
        f"{over}: larger than 1024 KiB; keyword arguments are at most 1024 characters each"
        " (larger data belongs in an input file)"
    )


def test_a_kwargs_file_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError) as raised:
        load_arguments_file(tmp_path)  # a folder
    assert str(raised.value) == f"{tmp_path}: cannot be read (Is a directory)"
