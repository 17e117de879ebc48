"""Loading the presets file, with errors that name the preset, the field and the line.

tomllib does not say where a key is, so a small scanner (`_key_lines`) finds the line of
each table and key for the error messages.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..appdir import PRESETS_FILE
from .model import Expectations, GoldenFile, NoPresetsFile, Preset, PresetError, PresetFile, presets_path


def load_presets(app_root: Path, *, check_inputs: bool = True) -> PresetFile:
    """Read and validate the App's presets; raise PresetError (NoPresetsFile when there is none).

    With `check_inputs`, each preset's input paths must exist.
    """
    path = presets_path(app_root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NoPresetsFile(
            f"{PRESETS_FILE}: the App has no presets yet; save one in the workbench or write one (see docs/presets.md)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(f"{PRESETS_FILE}: cannot be read ({getattr(error, 'strerror', None) or error})") from None
    return parse_presets(text, app_root, check_inputs=check_inputs)


def parse_presets(text: str, app_root: Path, *, check_inputs: bool = True) -> PresetFile:
    """Validate the text of a presets file (see `load_presets`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(found.group(1)) if found else None
        reason = re.sub(r"\s*\(at line \d+, column (\d+)\)", r" (column \1)", message)
        raise _error(f"not valid TOML: {reason}", preset=_preset_at_line(text, line), line=line) from None
    lines = _key_lines(text)
    for key in data:
        if key != "preset":
            raise _error(
                f"unknown table or key {key!r}; presets go in [preset.NAME] tables",
                line=min((n for path, n in lines.items() if path[:1] == (key,)), default=None),
            )
    raw = data.get("preset", {})
    if not isinstance(raw, dict):
        raise _error("'preset' must be a table of [preset.NAME] tables", line=lines.get(("preset",)))
    found_presets = PresetFile(app_root)
    for name, body in raw.items():
        where = lines.get(("preset", name))
        if not isinstance(body, dict):
            raise _error(f"must be a table ([preset.{name}])", preset=name, line=where)
        if "name" in body:
            raise _error(
                "unknown field; a preset's name is its table's name ([preset.NAME])",
                preset=name,
                field="name",
                line=_line_for(lines, ("preset", name, "name")),
            )
        try:
            preset = Preset.model_validate({**body, "name": name})
        except ValidationError as error:
            first = error.errors()[0]
            loc = tuple(first["loc"])
            if loc == ("name",):
                raise _error(_reason(first), preset=name, line=where) from None
            raise _error(
                _reason(first), preset=name, field=_field_text(loc) or None, line=_line_for(lines, ("preset", name, *loc))
            ) from None
        if check_inputs:
            for index, (value, resolved) in enumerate(zip(preset.inputs, preset.input_paths(app_root), strict=True)):
                if not resolved.exists():
                    raise _error(
                        f"{value!r}: no such file or folder (paths are relative to the App folder)",
                        preset=name,
                        field=f"inputs[{index}]",
                        line=_line_for(lines, ("preset", name, "inputs")),
                    )
        found_presets.presets[name] = preset
    return found_presets


def _reason(error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        loc = tuple(error["loc"])
        model: type[BaseModel] = Preset
        for part in loc[:-1]:
            if part == "expect":
                model = Expectations
            elif isinstance(part, int) or part == "golden":
                model = GoldenFile
        known = ", ".join(name for name in model.model_fields if name != "name")
        return f"unknown field; the fields here are: {known}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _field_text(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _error(reason: str, *, preset: str | None = None, field: str | None = None, line: int | None = None) -> PresetError:
    where = f"{PRESETS_FILE} line {line}" if line else PRESETS_FILE
    parts = [where]
    if preset:
        parts.append(f"preset {preset!r}")
    if field:
        parts.append(f"field {field!r}")
    return PresetError(": ".join(parts) + f": {reason}", preset=preset, field=field, line=line)


def _line_for(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    """The line of the most specific known key on `path`."""
    for end in range(len(path), 0, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _parse_key(text: str) -> tuple[list[str], str] | None:
    """Split a dotted TOML key from the start of `text`: (parts, the rest) or None."""
    parts: list[str] = []
    rest = text.lstrip()
    while True:
        if rest.startswith('"'):
            end = rest.find('"', 1)
            while end > 0 and rest[end - 1] == "\\":
                end = rest.find('"', end + 1)
            if end < 0:
                return None
            try:
                parts.append(json.loads(rest[: end + 1]))
            except ValueError:
                parts.append(rest[1:end])
            rest = rest[end + 1 :]
        elif rest.startswith("'"):
            end = rest.find("'", 1)
            if end < 0:
                return None
            parts.append(rest[1:end])
            rest = rest[end + 1 :]
        else:
            match = _BARE_KEY.match(rest)
            if not match:
                return None
            parts.append(match.group(0))
            rest = rest[match.end() :]
        rest = rest.lstrip()
        if not rest.startswith("."):
            return parts, rest
        rest = rest[1:].lstrip()


def _key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """The line where each table and key of a TOML text first appears (best effort)."""
    lines: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] = ()
    array_counts: dict[tuple[Any, ...], int] = {}
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            was = in_multiline
            in_multiline = not in_multiline
            if was:
                continue
        elif in_multiline:
            continue
        stripped = line.strip()
        if stripped.startswith("[["):
            parsed = _parse_key(stripped[2:])
            if parsed and parsed[1].startswith("]]"):
                path = tuple(parsed[0])
                index = array_counts.get(path, 0)
                array_counts[path] = index + 1
                lines.setdefault(path, number)
                table = (*path, index)
                lines.setdefault(table, number)
            continue
        if stripped.startswith("["):
            parsed = _parse_key(stripped[1:])
            if parsed and parsed[1].startswith("]"):
                table = tuple(parsed[0])
                lines.setdefault(table, number)
            continue
        parsed = _parse_key(stripped)
        if parsed and parsed[1].startswith("="):
            lines.setdefault((*table, *parsed[0]), number)
    return lines


def _preset_at_line(text: str, line: int | None) -> str | None:
    """The preset whose table holds `line`, if any."""
    if line is None:
        return None
    name = None
    for number, row in enumerate(text.splitlines(), start=1):
        if number > line:
            break
        stripped = row.strip()
        if stripped.startswith("["):
            parsed = _parse_key(stripped.lstrip("["))
            if parsed and len(parsed[0]) >= 2 and parsed[0][0] == "preset":
                name = parsed[0][1]
            elif parsed:
                name = None
    return name
