"""Writing the presets file with tomlkit, keeping the author's comments and layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..appdir import PRESETS_FILE
from ..fsutil import atomic_write_text
from .model import GoldenFile, Preset, PresetError, presets_path

FILE_HEADER = (
    "Job presets for this App: saved Jobs with expectations.\n"
    "`workbench test .` runs them all; golden copies live in golden/PRESET/.\n"
    "This file and golden/ are not part of the App: they are never staged or deployed."
)


def _load_document(app_root: Path) -> Any:
    import tomlkit  # only writing needs it; `workbench test` only reads

    path = presets_path(app_root)
    if path.exists():
        try:
            return tomlkit.parse(path.read_text(encoding="utf-8"))
        except (tomlkit.exceptions.TOMLKitError, OSError, UnicodeDecodeError) as error:
            raise PresetError(f"{PRESETS_FILE}: cannot be rewritten ({error}); fix it by hand first") from None
    document = tomlkit.document()
    for row in FILE_HEADER.splitlines():
        document.add(tomlkit.comment(row))
    document.add(tomlkit.nl())
    return document


def _presets_table(document: Any) -> Any:
    import tomlkit

    if "preset" not in document:
        document["preset"] = tomlkit.table(is_super_table=True)
    return document["preset"]


def _golden_array(entries: list[GoldenFile]) -> Any:
    import tomlkit

    array = tomlkit.array()
    for entry in entries:
        if entry.match == "exact":
            array.append(entry.path)
        else:
            inline = tomlkit.inline_table()
            inline.update({"path": entry.path, "match": entry.match})
            array.append(inline)
    return array


def preset_table(preset: Preset) -> Any:
    """A preset as a TOML table, leaving out what is at its default."""
    import tomlkit

    table = tomlkit.table()
    if preset.description:
        table["description"] = preset.description
    kwargs = tomlkit.inline_table()
    kwargs.update(preset.kwargs)
    table["kwargs"] = kwargs
    if preset.inputs:
        table["inputs"] = list(preset.inputs)
    table["args_mode"] = preset.args_mode.value
    table["timeout"] = int(preset.timeout) if float(preset.timeout).is_integer() else preset.timeout
    expect = tomlkit.table()
    expect["exit_status"] = preset.expect.exit_status
    for name in ("stdout_contains", "stdout_excludes", "stderr_contains", "stderr_excludes", "outputs_exist"):
        values = getattr(preset.expect, name)
        if values:
            expect[name] = list(values)
    if preset.expect.golden:
        expect["golden"] = _golden_array(preset.expect.golden)
    if preset.expect.node_verdict is not None:
        expect["node_verdict"] = preset.expect.node_verdict
    table["expect"] = expect
    return table


def save_preset(app_root: Path, preset: Preset) -> None:
    """Add or replace one preset in the App's presets file, keeping the rest of the file as it was."""
    document = _load_document(app_root)
    table = _presets_table(document)
    table[preset.name] = preset_table(preset)
    _write(app_root, document)


def set_golden_entries(app_root: Path, name: str, entries: list[GoldenFile]) -> None:
    """Set one preset's `expect.golden` list, touching nothing else in the file."""
    document = _load_document(app_root)
    table = _presets_table(document)
    if name not in table:
        raise PresetError(f"{PRESETS_FILE}: no preset {name!r}")
    preset = table[name]
    if "expect" not in preset:
        import tomlkit

        preset["expect"] = tomlkit.table()
    preset["expect"]["golden"] = _golden_array(entries)
    _write(app_root, document)


def _write(app_root: Path, document: Any) -> None:
    atomic_write_text(presets_path(app_root), document.as_string(), through_symlink=True)
