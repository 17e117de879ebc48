"""The App's declared keyword arguments: `arguments.toml`, which the author edits deliberately.

On the platform the author declares an App's keyword arguments when creating
it (in the web frontend); a Job's user then gives their values. The workbench
keeps that declaration in `arguments.toml` at the App's root, beside
`presets.toml`, so the author commits it with the App's code and the publish
checks (`workbench preview`, the App and Lifecycle tabs) read it headless:

    # The keyword arguments this App declares on the platform, with an example value each.
    [arguments]
    message_string = "Hello InfraX!"

It is not part of the App (`appdir` excludes it, as it does `presets.toml`): the
Node never receives it, so a run's staged copy has no such file either, and
editing it does not make the last run stale. It is separate from the Job draft
(`.workbench/draft.json`), which changes with every keystroke in the editor:
typing the next Job's arguments never changes what the App declares. The TUI
writes this file only when the author asks (`d`: declare the Job's arguments).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomlkit

from .appdir import DECLARED_FILE
from .fsutil import atomic_write_text

SECTION = "arguments"

_HEADER = (
    "The keyword arguments this App declares on the platform (its web frontend asks for them\n"
    "when the App is created), with an example value each. `workbench preview` checks them and\n"
    "main.py's reads against them; the Node never reads this file, and it is not part of the App."
)


class DeclaredArgumentsError(Exception):
    """`arguments.toml` cannot be read or has the wrong shape; the message says where."""


def declared_path(app_root: Path) -> Path:
    return app_root / DECLARED_FILE


def load_declared(app_root: Path) -> dict[str, str]:
    """The declared arguments (name to example value), in the file's order; {} when there is no file."""
    path = declared_path(app_root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise DeclaredArgumentsError(f"{DECLARED_FILE} cannot be read: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeclaredArgumentsError(f"{DECLARED_FILE} is not valid TOML: {error}") from error
    unknown = sorted(set(data) - {SECTION})
    if unknown:
        raise DeclaredArgumentsError(f"{DECLARED_FILE}: unknown key {unknown[0]!r} (only [{SECTION}] belongs here)")
    table = data.get(SECTION, {})
    if not isinstance(table, dict):
        raise DeclaredArgumentsError(f"{DECLARED_FILE}: {SECTION} must be a table ([{SECTION}])")
    for name, value in table.items():
        if not isinstance(value, str):
            raise DeclaredArgumentsError(
                f"{DECLARED_FILE}: the value of {name!r} must be a string (a keyword argument's value is text)"
            )
    return dict(table)


def save_declared(app_root: Path, kwargs: dict[str, str]) -> None:
    """Declare exactly `kwargs`, keeping the file's comments; OSError when it cannot be written.

    A file that is not valid TOML is replaced (the author asked to declare these arguments).
    """
    path = declared_path(app_root)
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.TOMLKitError):
        document = tomlkit.document()
        for line in _HEADER.splitlines():
            document.add(tomlkit.comment(line))
    table = tomlkit.table()
    for name, value in kwargs.items():
        table.add(name, value)
    if SECTION in document:
        document[SECTION] = table
    else:
        document.add(SECTION, table)
    atomic_write_text(path, tomlkit.dumps(document))
