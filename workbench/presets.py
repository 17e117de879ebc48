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
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import shutil
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .appdir import GOLDEN_DIR, PRESETS_FILE, AppFolder
from .draft import JobDraft
from .fsutil import atomic_write_text
from .job import Job, JobError, JobSpec
from .kwargs import ArgsMode
from .kwargs_model import CheckedArguments
from .records import RunHistory, RunRecord, RunStatus
from .runner import OutputSink

DEFAULT_TIMEOUT = 300.0
"""Seconds a preset's run may take when its preset names no timeout."""
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
"""A preset's name: a bare TOML key that is also a safe folder name under golden/."""
DIFF_LINES = 12
"""How many lines of a unified diff a failure shows."""
TAIL_LINES = 5
"""How many of the last lines of stdout or stderr a failure shows for context."""

FILE_HEADER = (
    "Job presets for this App: saved Jobs with expectations.\n"
    "`workbench test .` runs them all; golden copies live in golden/PRESET/.\n"
    "This file and golden/ are not part of the App: they are never staged or deployed."
)


class PresetError(Exception):
    """The presets file cannot be used. The message is one line naming the preset, field and line."""

    def __init__(self, message: str, *, preset: str | None = None, field: str | None = None, line: int | None = None):
        super().__init__(message)
        self.preset = preset
        self.field = field
        self.line = line


class NoPresetsFile(PresetError):
    """The App has no presets file yet."""


# ---------------------------------------------------------------------------
# The file's schema


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

    exit_status: int = 0
    """The App's exit status; a timeout, a cancel or a start failure never matches."""
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
    timeout: float = DEFAULT_TIMEOUT
    """Seconds before the run is ended (and the preset fails)."""
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


# ---------------------------------------------------------------------------
# Loading, with errors that name the preset, the field and the line


def presets_path(app_root: Path) -> Path:
    return app_root / PRESETS_FILE


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
            for index, (value, resolved) in enumerate(zip(preset.inputs, preset.input_paths(app_root))):
                if not resolved.exists():
                    raise _error(
                        f"{value!r}: no such file or folder (paths are relative to the App folder)",
                        preset=name,
                        field=f"inputs[{index}]",
                        line=_line_for(lines, ("preset", name, "inputs")),
                    )
        found_presets.presets[name] = preset
    return found_presets


def _reason(error: dict[str, Any]) -> str:
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


# ---------------------------------------------------------------------------
# Judging a run


@dataclass(frozen=True)
class Failure:
    """One expectation a run did not meet."""

    expectation: str
    """Which expectation, as written in the file: `exit_status`, `stdout_contains`, `golden result.txt`."""
    message: str
    """What went wrong, in one line."""
    detail: tuple[str, ...] = ()
    """Lines that show how: a short diff, the end of stderr."""

    def lines(self) -> list[str]:
        return [f"{self.expectation}: {self.message}", *self.detail]


@dataclass
class PresetResult:
    """How one preset's run went, judged against its expectations."""

    preset: Preset
    record: RunRecord | None
    failures: list[Failure]
    duration_seconds: float
    """Wall-clock time of the whole preset: staging, the run and the checks."""

    @property
    def passed(self) -> bool:
        return not self.failures


_CHUNK = 1 << 20
_TAIL_BYTES = 64 * 1024
_LINE_BYTES = 4096
"""How much of a long line around a match is kept to show it."""


def search_log(path: str | Path, needle: str) -> tuple[int, str] | None:
    """Where `needle` first appears in a log: (line number, that line), or None.

    Reads in blocks, so a flood of output never has to fit in memory.
    """
    target = needle.encode("utf-8")
    keep = len(target) - 1
    lines_before = 0
    carry = b""
    try:
        with open(path, "rb") as handle:
            while block := handle.read(_CHUNK):
                data = carry + block
                at = data.find(target)
                if at >= 0:
                    start = data.rfind(b"\n", 0, at) + 1
                    rest = data[start:] if b"\n" in data[at:] else data[start:] + handle.read(_LINE_BYTES)
                    row = rest.split(b"\n", 1)[0].decode("utf-8", "replace")
                    return lines_before + data.count(b"\n", 0, at) + 1, row[:120]
                # Keep what a match could still start in, and the line it would be on (bounded).
                cut = max(0, len(data) - keep)
                line_start = data.rfind(b"\n", 0, cut) + 1
                kept_from = max(line_start, cut - _LINE_BYTES)
                lines_before += data.count(b"\n", 0, kept_from)
                carry = data[kept_from:]
    except OSError:
        return None
    return None


def _tail(path: str | Path, total_lines: int, stream: str) -> tuple[str, ...]:
    """The last lines of a log, for context under a failure."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - _TAIL_BYTES))
            data = handle.read()
    except OSError:
        data = b""
    rows = data.decode("utf-8", "replace").splitlines()
    if not rows:
        return (f"  ({stream} is empty)",)
    shown = rows[-TAIL_LINES:]
    total = max(total_lines, len(rows))
    head = f"  {stream}, last {len(shown)} of {total} line(s):" if total > len(shown) else f"  {stream}:"
    return (head, *(f"  | {row[:200]}" for row in shown))


def check_expectations(preset: Preset, record: RunRecord, app_root: Path) -> list[Failure]:
    """Every expectation of `preset` that `record`'s run did not meet (empty when it passed)."""
    expect = preset.expect
    logs = {"stdout": (record.stdout_log, record.stdout_lines), "stderr": (record.stderr_log, record.stderr_lines)}

    def tail(stream: str) -> tuple[str, ...]:
        return _tail(logs[stream][0], logs[stream][1], stream)

    if record.status in (RunStatus.TIMED_OUT, RunStatus.CANCELLED, RunStatus.ERROR):
        what = {RunStatus.TIMED_OUT: "timed out", RunStatus.CANCELLED: "was cancelled", RunStatus.ERROR: "did not start"}
        reason = f" ({record.message})" if record.message else ""
        return [Failure("run", f"the run {what[record.status]}{reason}", tail("stderr"))]
    failures: list[Failure] = []
    if record.exit_code != expect.exit_status:
        failures.append(
            Failure(
                "exit_status",
                f"the App exited with status {record.exit_code}, expected {expect.exit_status}",
                tail("stderr"),
            )
        )
    for stream in ("stdout", "stderr"):
        for needle in getattr(expect, f"{stream}_contains"):
            if search_log(logs[stream][0], needle) is None:
                failures.append(Failure(f"{stream}_contains", f"{stream} does not contain {needle!r}", tail(stream)))
        for needle in getattr(expect, f"{stream}_excludes"):
            found = search_log(logs[stream][0], needle)
            if found is not None:
                number, row = found
                failures.append(Failure(f"{stream}_excludes", f"{stream} contains {needle!r} (line {number}: {row!r})"))
    output_dir = Path(record.output_dir)
    for rel in expect.outputs_exist:
        if not os.path.lexists(output_dir / rel.rstrip("/")):
            failures.append(Failure("outputs_exist", f"output/{rel} was not written", _listing(record)))
    golden_dir = preset.golden_dir(app_root)
    for item in expect.golden:
        failure = compare_golden(item, golden_dir / item.path, output_dir / item.path, preset.name)
        if failure is not None:
            failures.append(failure)
    return failures


def _listing(record: RunRecord) -> tuple[str, ...]:
    if not record.outputs:
        return ("  (the run wrote nothing to output/)",)
    names = [item.path for item in record.outputs]
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return (f"  output/ holds: {', '.join(names[:10])}{more}",)


def compare_golden(item: GoldenFile, golden: Path, output: Path, preset_name: str) -> Failure | None:
    """How an output file differs from its golden copy, or None when it matches."""
    label = f"golden {item.path}"
    golden_label = f"{GOLDEN_DIR}/{preset_name}/{item.path}"
    if output.is_symlink():
        return Failure(label, f"output/{item.path} is a symlink; golden copies compare regular files")
    if output.is_dir():
        return Failure(label, f"output/{item.path} is a folder; list the files inside it")
    if not output.is_file():
        return Failure(label, f"output/{item.path} was not written")
    if not golden.is_file():
        return Failure(
            label, f"{golden_label} does not exist; run the preset and accept its outputs as golden to create it"
        )
    try:
        want = golden.read_bytes()
        got = output.read_bytes()
    except OSError as error:
        return Failure(label, f"cannot be read ({error.strerror or error})")
    if item.match == "json":
        return _compare_json(label, golden_label, item.path, want, got)
    if want == got:
        return None
    diff = text_diff(want, got, golden_label, f"output/{item.path}")
    return Failure(label, f"output/{item.path} differs from {golden_label}", tuple(f"  {row}" for row in diff))


def text_diff(want: bytes, got: bytes, want_label: str, got_label: str, limit: int = DIFF_LINES) -> list[str]:
    """The first lines of a unified diff, or one line saying how binary contents differ."""
    try:
        want_text = want.decode("utf-8")
        got_text = got.decode("utf-8")
    except UnicodeDecodeError:
        return [f"binary contents differ ({want_label}: {len(want)} bytes, {got_label}: {len(got)} bytes)"]
    rows = list(
        difflib.unified_diff(
            want_text.splitlines(), got_text.splitlines(), fromfile=want_label, tofile=got_label, n=1, lineterm=""
        )
    )
    if not rows:  # only line endings or a final newline differ
        return [f"the files differ only in line endings or a final newline"]
    if len(rows) > limit:
        rows = rows[:limit] + [f"... ({len(rows) - limit} more diff lines)"]
    return rows


def _compare_json(label: str, golden_label: str, rel: str, want: bytes, got: bytes) -> Failure | None:
    try:
        want_data = json.loads(want)
    except (ValueError, UnicodeDecodeError) as error:
        return Failure(label, f"{golden_label} is not valid JSON ({error})")
    try:
        got_data = json.loads(got)
    except (ValueError, UnicodeDecodeError) as error:
        return Failure(label, f"output/{rel} is not valid JSON ({error})")
    difference = first_json_difference(want_data, got_data)
    if difference is None:
        return None
    return Failure(label, f"output/{rel} differs from {golden_label} as JSON at {difference}")


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def first_json_difference(want: object, got: object, path: str = "$") -> str | None:
    """Where two parsed JSON values first differ (`$.items[3].square: golden 9, output 10`), or None."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in want:
            child = f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}[{json.dumps(key)}]"
            if key not in got:
                return f"{child}: missing in the output (golden {_short(want[key])})"
            found = first_json_difference(want[key], got[key], child)
            if found:
                return found
        for key in got:
            if key not in want:
                child = f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}[{json.dumps(key)}]"
                return f"{child}: not in the golden copy (output {_short(got[key])})"
        return None
    if isinstance(want, list) and isinstance(got, list):
        for index, (a, b) in enumerate(zip(want, got)):
            found = first_json_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(want) != len(got):
            return f"{path}: golden has {len(want)} item(s), output has {len(got)}"
        return None
    if type(want) is not type(got) and not (
        isinstance(want, (int, float)) and isinstance(got, (int, float)) and not isinstance(want, bool) and not isinstance(got, bool)
    ):
        return f"{path}: golden {_short(want)}, output {_short(got)}"
    if want != got:
        return f"{path}: golden {_short(want)}, output {_short(got)}"
    return None


# ---------------------------------------------------------------------------
# Running


class _Discard:
    """A sink that drops the App's output (it is still logged in the run's folder)."""

    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


DISCARD: OutputSink = _Discard()


def run_preset(
    app: AppFolder,
    preset: Preset,
    sink: OutputSink = DISCARD,
    *,
    history: RunHistory | None = None,
    notify: Callable[[str], None] = lambda message: None,
    on_job: Callable[[Job], None] = lambda job: None,
) -> PresetResult:
    """Run a preset through the core's `Job` and judge the run. Blocks; `on_job` gets the Job to cancel."""
    started = time.monotonic()
    try:
        job = Job(app, preset.job_spec(app.root), sink, history=history or RunHistory(app.root), notify=notify)
    except JobError as error:
        return PresetResult(preset, None, [Failure("run", f"the Job cannot start: {error}")], time.monotonic() - started)
    on_job(job)
    record = job.run()
    failures = check_expectations(preset, record, app.root)
    return PresetResult(preset, record, failures, time.monotonic() - started)


# ---------------------------------------------------------------------------
# Golden copies: what accepting a run's outputs would change, and accepting them


@dataclass(frozen=True)
class GoldenChange:
    """What accepting a run's outputs does to one golden copy."""

    path: str
    """Path relative to `output/` (and to `golden/PRESET/`)."""
    kind: Literal["new", "changed", "unchanged", "missing"]
    """`missing`: the preset lists it but the run did not write it; accepting leaves it alone."""
    match: Literal["exact", "json"]
    diff: tuple[str, ...] = ()


def golden_candidates(preset: Preset, record: RunRecord) -> list[GoldenFile]:
    """The files accepting would cover: the preset's golden list, or every regular output file when it has none."""
    if preset.expect.golden:
        return list(preset.expect.golden)
    return [
        GoldenFile(path=item.path, match="json" if item.path.lower().endswith(".json") else "exact")
        for item in record.outputs
        if not item.is_symlink
    ]


def golden_changes(preset: Preset, record: RunRecord, app_root: Path) -> list[GoldenChange]:
    """What accepting `record`'s outputs as golden copies would change, with a diff for each changed file."""
    changes = []
    golden_dir = preset.golden_dir(app_root)
    output_dir = Path(record.output_dir)
    for item in golden_candidates(preset, record):
        output = output_dir / item.path
        golden = golden_dir / item.path
        golden_label = f"{GOLDEN_DIR}/{preset.name}/{item.path}"
        if output.is_symlink() or not output.is_file():
            changes.append(GoldenChange(item.path, "missing", item.match))
            continue
        got = output.read_bytes()
        if not golden.is_file():
            changes.append(GoldenChange(item.path, "new", item.match, tuple(text_diff(b"", got, "/dev/null", f"output/{item.path}"))))
            continue
        want = golden.read_bytes()
        if want == got:
            changes.append(GoldenChange(item.path, "unchanged", item.match))
        else:
            changes.append(GoldenChange(item.path, "changed", item.match, tuple(text_diff(want, got, golden_label, f"output/{item.path}"))))
    return changes


def accept_golden(preset: Preset, record: RunRecord, app_root: Path) -> list[GoldenChange]:
    """Copy `record`'s outputs over the preset's golden copies, listing new ones in the presets file.

    Returns the changes made (see `golden_changes`; show them to the author first).
    """
    changes = golden_changes(preset, record, app_root)
    golden_dir = preset.golden_dir(app_root)
    output_dir = Path(record.output_dir)
    for change in changes:
        if change.kind in ("new", "changed"):
            dest = golden_dir / change.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(output_dir / change.path, dest)
    if not preset.expect.golden:
        entries = [GoldenFile(path=c.path, match=c.match) for c in changes if c.kind != "missing"]
        if entries:
            set_golden_entries(app_root, preset.name, entries)
    return changes


# ---------------------------------------------------------------------------
# Writing the file (keeping the author's comments and layout)


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
    atomic_write_text(presets_path(app_root), document.as_string())


# ---------------------------------------------------------------------------
# Presets and the Job draft


def _relative_input(app_root: Path, value: str) -> str:
    path = Path(value)
    if not path.is_absolute():
        return path.as_posix()
    return Path(os.path.relpath(path, app_root)).as_posix()


def preset_from_draft(app_root: Path, name: str, draft: JobDraft, keep: Preset | None = None) -> Preset:
    """A preset holding the draft's arguments and inputs; `keep`'s description and expectations carry over.

    Raises PresetError for a bad name or arguments the platform would refuse.
    """
    try:
        return Preset(
            name=name,
            description=keep.description if keep else "",
            kwargs=dict(draft.kwargs),
            inputs=[_relative_input(app_root, value) for value in draft.inputs],
            args_mode=draft.args_mode,
            timeout=draft.timeout if draft.timeout else (keep.timeout if keep else DEFAULT_TIMEOUT),
            expect=keep.expect if keep else Expectations(),
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise PresetError(f"preset {name!r}: {_field_text(tuple(first['loc']))}: {_reason(first)}", preset=name) from None


def draft_from_preset(app_root: Path, preset: Preset) -> JobDraft:
    """The Job draft a preset describes (inputs as absolute paths, as the draft keeps them)."""
    return JobDraft(
        kwargs=dict(preset.kwargs),
        args_mode=preset.args_mode,
        inputs=[str(path) for path in preset.input_paths(app_root)],
        timeout=preset.timeout,
    )
