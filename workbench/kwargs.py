"""A Job's keyword arguments, validated as the platform does, and how they reach the App.

The rules live in `argument_problems`, the one source of truth that the presets'
pydantic field (`workbench.presets.model.CheckedArguments`), the headless commands
and the UI's live validation all call. This module does not import pydantic, so
that `workbench run` starts the App without paying for it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

MAX_VALUE_CHARS = 1024
"""The platform's limit on one keyword argument's value, in characters (not bytes)."""


MAX_ARGUMENTS_FILE_BYTES = 1 << 20
"""The largest `--kwargs-file` read (1 MiB). The platform's limit of 1024 characters a value
bounds a Job's arguments far below this (a character is at most 6 bytes of JSON, `\\uXXXX`),
so a larger file is a mistake (or `/dev/zero`), refused before it fills the memory."""


class ArgsMode(StrEnum):
    """How the keyword arguments reach the App."""

    STDIN = "stdin"
    """The documented contract: one JSON object on stdin, then stdin is closed."""
    ARGV = "argv"
    """The Node software's behaviour: `--key value` pairs after `main.py`, no stdin."""


class ArgumentError(ValueError):
    """A keyword argument, or a file of them, is not what the platform accepts."""


def name_problem(name: str) -> str | None:
    """What is wrong with an argument's name, or None."""
    if not name:
        return "the name is empty"
    if any(ch.isspace() for ch in name):
        return f"the name {name!r} contains whitespace"
    if "=" in name:
        return f"the name {name!r} contains '='"
    if not is_unicode_text(name):
        return f"the name {name!r} is not valid Unicode text (a byte that is not UTF-8, or a lone surrogate)"
    return None


def is_unicode_text(text: str) -> bool:
    """Whether `text` can be written as UTF-8, as the platform's JSON needs (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def kind_of(value: object) -> str:
    """What a value that is not a string is, in the words of JSON and TOML (`the number 5`, `a list`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a table (an object)"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def value_problem(value: object) -> str | None:
    """What is wrong with an argument's value, or None."""
    if not isinstance(value, str):
        return f"the value must be a string, not {kind_of(value)}"
    if len(value) > MAX_VALUE_CHARS:
        return f"the value is {len(value)} characters long; the platform allows at most {MAX_VALUE_CHARS}"
    if not is_unicode_text(value):
        return (
            "the value is not valid Unicode text (a byte that is not UTF-8, or a lone surrogate);"
            " the platform passes arguments as JSON text"
        )
    return None


def argument_problems(arguments: dict[str, object]) -> list[str]:
    """Every rule violation in a set of arguments, each naming the argument."""
    problems = []
    for name, value in arguments.items():
        if problem := name_problem(name):
            problems.append(f"argument {name!r}: {problem}")
        if problem := value_problem(value):
            problems.append(f"argument {name!r}: {problem}")
    return problems


def argv_problems(values: dict[str, str]) -> list[str]:
    """What keeps arguments from being passed in `argv` mode: a command line cannot carry NUL."""
    return [
        f"argument {name!r}: contains a NUL character, which a command line cannot carry"
        " (use --args-mode stdin)"
        for name, value in values.items()
        if "\0" in name or "\0" in value
    ]


def stdin_payload(values: dict[str, str]) -> bytes:
    """The bytes written to the App's stdin in `stdin` mode: one JSON object, UTF-8."""
    return json.dumps(values, ensure_ascii=False).encode("utf-8")


def argv_tail(values: dict[str, str]) -> list[str]:
    """The words appended after `main.py` in `argv` mode: `--key value` pairs."""
    words: list[str] = []
    for name, value in values.items():
        words += [f"--{name}", value]
    return words


def check_arguments(arguments: dict[str, object]) -> dict[str, str]:
    """The arguments, checked; raise ArgumentError with every problem in one line."""
    problems = argument_problems(arguments)
    if problems:
        raise ArgumentError("; ".join(problems))
    return {name: str(value) for name, value in arguments.items()}  # every value is a str: checked above


def parse_assignment(text: str) -> tuple[str, str]:
    """Split a `KEY=VALUE` option; the value may contain '=' and may be empty."""
    name, sep, value = text.partition("=")
    if not sep:
        raise ArgumentError(f"-k {text!r}: expected KEY=VALUE")
    if problem := name_problem(name):
        raise ArgumentError(f"-k {text!r}: {problem}")
    return name, value


def load_arguments_file(path: Path) -> dict[str, str]:
    """Read a JSON object of string values from a file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ARGUMENTS_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ArgumentError(f"{path}: no such file") from None
    except OSError as error:
        raise ArgumentError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_ARGUMENTS_FILE_BYTES:
        raise ArgumentError(
            f"{path}: larger than {MAX_ARGUMENTS_FILE_BYTES // 1024} KiB; keyword arguments are at most"
            f" {MAX_VALUE_CHARS} characters each (larger data belongs in an input file)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArgumentError(f"{path}: cannot be read ({error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ArgumentError(f"{path}: not valid JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict):
        raise ArgumentError(f"{path}: must hold one JSON object of names to string values")
    for name, value in data.items():
        if not isinstance(value, str):
            raise ArgumentError(
                f"{path}: argument {name!r} is {kind_of(value)}; the platform passes only strings"
            )
    return data
