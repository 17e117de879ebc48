"""Job presets: saved Jobs with expectations, kept in `presets.toml` at the App's root.

A preset names a set of keyword arguments, input files, an args mode and a
timeout, and says what a good run looks like: its exit status, text its stdout
and stderr must (or must not) hold, output files that must exist, and output
files that must match a golden copy kept under `golden/PRESET/`.

The file is meant to be committed with the App, and read by people: TOML,
parsed with the standard library (`tomllib`) and rewritten with `tomlkit`, which
keeps the author's comments and layout. Neither the file nor `golden/` is part
of the App (see `workbench.appdir`): they are never staged into a run nor deployed.

`workbench test` and the UI both run presets with `run_preset` and judge them
with `check_expectations`.

This package owns the presets file and everything done with it, one module a part:

- `model`: the file's schema (`Preset`, `Expectations`, `GoldenFile`) and its errors;
- `load`: reading and validating the file, with errors naming the preset, field and line;
- `judge`: judging a finished run against a preset's expectations;
- `run`: running a preset through the core's `Job`;
- `golden`: what accepting a run's outputs as golden copies changes, and accepting them;
- `write`: rewriting the file with tomlkit, keeping the author's comments and layout;
- `draft`: converting between a preset and the Job draft the UI edits.
"""

from __future__ import annotations

from .draft import draft_from_preset, preset_from_draft
from .golden import GoldenChange, accept_golden, golden_candidates, golden_changes
from .judge import (
    DIFF_LINES,
    TAIL_LINES,
    Failure,
    PresetResult,
    check_expectations,
    compare_golden,
    first_json_difference,
    search_log,
    text_diff,
)
from .load import load_presets, parse_presets
from .model import (
    DEFAULT_TIMEOUT,
    NAME_PATTERN,
    Expectations,
    GoldenFile,
    NoPresetsFile,
    Preset,
    PresetError,
    PresetFile,
    presets_path,
)
from .run import DISCARD, run_preset
from .write import FILE_HEADER, preset_table, save_preset, set_golden_entries

__all__ = [
    "DEFAULT_TIMEOUT",
    "DIFF_LINES",
    "DISCARD",
    "FILE_HEADER",
    "NAME_PATTERN",
    "TAIL_LINES",
    "Expectations",
    "Failure",
    "GoldenChange",
    "GoldenFile",
    "NoPresetsFile",
    "Preset",
    "PresetError",
    "PresetFile",
    "PresetResult",
    "accept_golden",
    "check_expectations",
    "compare_golden",
    "draft_from_preset",
    "first_json_difference",
    "golden_candidates",
    "golden_changes",
    "load_presets",
    "parse_presets",
    "preset_from_draft",
    "preset_table",
    "presets_path",
    "run_preset",
    "save_preset",
    "search_log",
    "set_golden_entries",
    "text_diff",
]
