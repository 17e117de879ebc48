"""The presets file's schema: a preset, its expectations and golden copies, and the file's errors."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)

from ..appdir import GOLDEN_DIR, PRESETS_FILE
from ..job import JobSpec
from ..kwargs import ArgsMode, argument_problems

DEFAULT_TIMEOUT = 300.0
"""Seconds a preset's run may take when its preset names no timeout."""
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
"""A preset's name: a bare TOML key that is also a safe folder name under golden/."""


class PresetError(Exception):
    """The presets file cannot be used. The message is one line naming the preset, field and line."""

    def __init__(self, message: str, *, preset: str | None = None, field: str | None = None, line: int | None = None):
        super().__init__(message)
        self.preset = preset
        self.field = field
        self.line = line


class NoPresetsFile(PresetError):
    """The App has no presets file yet."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _relative_path_problem(value: str, what: str) -> str | None:
    if not value:
        return f"{what} is empty"
    if value.startswith(("/", "\\")) or os.path.isabs(value) or re.match(r"^[A-Za-z]:", value):
        return f"{what} {value!r} must be relative"
    return None


def _output_path_problem(value: str) -> str | None:
    if problem := _relative_path_problem(value, "output path"):
        return problem + " to output/"
    if any(part in ("", ".", "..") for part in value.split("/")):
        return f"output path {value!r} must name a file inside output/ (no '..', '.' or empty parts)"
    return None


def _check_input(value: str) -> str:
    if problem := _relative_path_problem(value, "input path"):
        raise ValueError(problem + " to the App folder, so the preset works on every checkout")
    return value


def _check_output(value: str) -> str:
    if problem := _output_path_problem(value.rstrip("/")):
        raise ValueError(problem)
    return value


def _check_text(value: str) -> str:
    if value == "":
        raise ValueError("an empty string matches everything; remove it")
    return value


def _check_arguments(values: object) -> object:
    if isinstance(values, dict):
        problems = argument_problems(values)
        if problems:
            raise ValueError("; ".join(problems))
    return values


CheckedArguments = Annotated[dict[str, str], BeforeValidator(_check_arguments)]
"""A field type for keyword arguments, checked by the platform's rules (`workbench.kwargs`)."""
InputPath = Annotated[str, AfterValidator(_check_input)]
OutputPath = Annotated[str, AfterValidator(_check_output)]
Text = Annotated[str, AfterValidator(_check_text)]


class GoldenFile(_Model):
    """An output file that must match a golden copy kept in `golden/PRESET/PATH`."""

    path: str
    """Path relative to the run's `output/`, with forward slashes."""
    match: Literal["exact", "json"] = "exact"
    """`exact`: the same bytes; `json`: the same data once parsed (key order and spacing ignored)."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: object) -> object:
        return {"path": value} if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if problem := _output_path_problem(value):
            raise ValueError(problem)
        return value


class Expectations(_Model):
    """What a good run of a preset looks like. Every check is optional but the exit status (0)."""

    exit_status: Annotated[int, Strict(), Field(ge=0, le=255)] = 0
    """The App's exit status, 0 to 255 (a TOML integer, not a string); a timeout, a cancel
    or a start failure never matches."""
    stdout_contains: list[Text] = []
    """Text that must appear in stdout (each item on its own)."""
    stdout_excludes: list[Text] = []
    """Text that must not appear in stdout."""
    stderr_contains: list[Text] = []
    """Text that must appear in stderr."""
    stderr_excludes: list[Text] = []
    """Text that must not appear in stderr."""
    outputs_exist: list[OutputPath] = []
    """Paths relative to `output/` that the run must leave (files or folders)."""
    golden: list[GoldenFile] = []
    """Output files compared with their golden copies."""
    node_verdict: Literal["ok", "warn", "fail", "hang"] | None = None
    """The Node verdict the run must get (`workbench.node`); unset: anything but `fail` or `hang`."""

    @field_validator("golden")
    @classmethod
    def _unique_golden(cls, values: list[GoldenFile]) -> list[GoldenFile]:
        seen = set()
        for item in values:
            if item.path in seen:
                raise ValueError(f"output path {item.path!r} is listed twice")
            seen.add(item.path)
        return values


class Preset(_Model):
    """One saved Job: its arguments, inputs and args mode, and what a good run looks like."""

    name: str
    """The preset's name (its key in `[preset.NAME]`)."""
    description: str = ""
    """A sentence on what the preset checks, for people."""
    kwargs: CheckedArguments = {}
    """Keyword arguments, names to string values (the platform passes only strings)."""
    inputs: list[InputPath] = []
    """Files or folders placed in the run's `input/`, as paths relative to the App folder."""
    args_mode: ArgsMode = ArgsMode.STDIN
    """`stdin` (the documented contract) or `argv` (the Node software's behaviour)."""
    timeout: Annotated[float, Strict()] = DEFAULT_TIMEOUT
    """Seconds before the run is ended (and the preset fails): a TOML number, not a string."""
    expect: Expectations = Expectations()

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(
                f"preset name {value!r}: use letters, digits, '_' and '-', starting with a letter or digit"
            )
        return value

    @field_validator("timeout")
    @classmethod
    def _check_timeout(cls, value: float) -> float:
        if not (value > 0 and math.isfinite(value)):
            raise ValueError("must be a positive number of seconds")
        return value

    def input_paths(self, app_root: Path) -> list[Path]:
        """The inputs as absolute paths."""
        return [(app_root / value).resolve() for value in self.inputs]

    def golden_dir(self, app_root: Path) -> Path:
        return app_root / GOLDEN_DIR / self.name

    def job_spec(self, app_root: Path) -> JobSpec:
        """The Job this preset describes, as the core runs it."""
        return JobSpec(
            kwargs=dict(self.kwargs),
            inputs=list(self.input_paths(app_root)),
            args_mode=self.args_mode,
            timeout=self.timeout,
            trigger=f"preset {self.name}",
            preset=self.name,
        )


@dataclass
class PresetFile:
    """The presets of one App, in the order the file lists them."""

    app_root: Path
    presets: dict[str, Preset] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.app_root / PRESETS_FILE

    def names(self) -> list[str]:
        return list(self.presets)



def presets_path(app_root: Path) -> Path:
    return app_root / PRESETS_FILE
