"""Judging a run: which of a preset's expectations a finished run did not meet, and how."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..appdir import GOLDEN_DIR
from ..fsutil import read_tail_bytes
from ..records import RunRecord
from ..status import RunStatus
from ..textdiff import capped_unified_diff
from .model import GoldenFile, Preset

DIFF_LINES = 12
"""How many lines of a unified diff a failure shows."""
TAIL_LINES = 5
"""How many of the last lines of stdout or stderr a failure shows for context."""


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
        data, _cut = read_tail_bytes(Path(path), _TAIL_BYTES)
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
    node_failure = _judge_verdict(expect.node_verdict, record)
    if node_failure is not None:
        failures.append(node_failure)
    return failures


def _judge_verdict(expected: str | None, record: RunRecord) -> Failure | None:
    """A run a Node would fail or hang on fails its preset, unless the preset expects exactly that."""
    from ..node.findings import blocks_publish, describe_verdict

    node = record.node
    if node is None:
        return None
    if expected is None and not blocks_publish(node.verdict):
        return None
    if expected is not None and node.verdict == expected:
        return None
    lines = tuple(f"  {item.code} ({item.severity}): {item.message}" for item in node.findings)
    want = f", expected {expected!r}" if expected is not None else " (set expect.node_verdict if that is intended)"
    return Failure("node_verdict", f"{describe_verdict(node.verdict)} (verdict {node.verdict!r}){want}", lines)


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
    rows, left_out = capped_unified_diff(
        want_text.splitlines(), got_text.splitlines(), want_label, got_label, limit=limit, context=1
    )
    if not rows:  # only line endings or a final newline differ
        return ["the files differ only in line endings or a final newline"]
    if left_out:
        rows.append(f"... ({left_out} more diff lines)")
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
        for index, (a, b) in enumerate(zip(want, got, strict=False)):
            found = first_json_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(want) != len(got):
            return f"{path}: golden has {len(want)} item(s), output has {len(got)}"
        return None
    if type(want) is not type(got) and not (
        isinstance(want, (int, float))
        and isinstance(got, (int, float))
        and not isinstance(want, bool)
        and not isinstance(got, bool)
    ):
        return f"{path}: golden {_short(want)}, output {_short(got)}"
    if want != got:
        return f"{path}: golden {_short(want)}, output {_short(got)}"
    return None
