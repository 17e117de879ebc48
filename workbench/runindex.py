"""The run history's index: a small summary per run, and each run's output listing on its own.

Listing, sorting and filtering runs reads only their `summary.json` (a few hundred
bytes each, written beside `record.json` when a run ends), never the records. A
run's outputs are listed in `outputs.jsonl` (one compact JSON array a line:
path, size, sha256, link target), read whole or in pages; `record.json` itself
stays small however many files a run wrote. No pydantic here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fsutil import atomic_write_text, atomic_writer, new_file_mode

if TYPE_CHECKING:
    from .records import OutputRecord, RunRecord

SUMMARY_FILE = "summary.json"
OUTPUTS_FILE = "outputs.jsonl"
_SUMMARY_VERSION = 3
"""Summaries of another version are built again from their record (2: the Node verdict and the environment;
3: what the TUI's History list shows, its arguments, peak memory and logs)."""
_FOLDERS_SHOWN = 20


@dataclass(frozen=True)
class FindingSummary:
    """One Node finding of a run, as its record has it (`records.FindingRecord`)."""

    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class NodeSummary:
    """The Node's verdict on a run and its findings (`records.NodeRecord`): a handful of lines."""

    verdict: str
    findings: tuple[FindingSummary, ...] = ()


@dataclass(frozen=True)
class EnvironmentSummary:
    """What the imports check needs of a run's environment (`records.EnvironmentRecord`)."""

    path: str | None = None
    requirements_sha256: str | None = None
    bare: bool = False


@dataclass(frozen=True)
class RunSummary:
    """What the history list shows of one run, and what pruning and the last-run checks need."""

    id: str
    started_at: str
    """ISO 8601, UTC."""
    status: Any
    """The run's `RunStatus`."""
    ended_at: str | None = None
    duration_seconds: float | None = None
    workbench_seconds: float | None = None
    exit_code: int | None = None
    message: str | None = None
    node: NodeSummary | None = None
    """The Node's verdict; None when the App did not run."""
    environment: EnvironmentSummary | None = None
    trigger: str | None = None
    preset: str | None = None
    app_hash: str | None = None
    args_mode: str | None = None
    kwargs: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """The run's arguments as (name, value) pairs, in their order (the History list shows them)."""
    kwargs_count: int = 0
    input_count: int = 0
    output_count: int = 0
    output_bytes: int = 0
    outputs_not_kept: str | None = None
    output_folders: tuple[str, ...] = field(default_factory=tuple)
    """Top-level folders among the outputs (the first few)."""
    stdout_lines: int = 0
    stderr_lines: int = 0
    kept_bytes: int = 0
    """Bytes the run's folder holds: logs and kept outputs (what the history's budget counts)."""
    output_dir: str | None = None
    stdout_log: str | None = None
    stderr_log: str | None = None
    peak_memory_bytes: int | None = None


def folder_bytes(path: Path) -> int:
    """Bytes of the regular files under a folder (not following symlinks)."""
    total = 0
    pending = [str(path)]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    return total


def _kept_bytes(run_dir: Path, data: dict[str, Any], output_bytes: int) -> int:
    """Bytes the run's folder holds: its own files (logs, record) and its kept outputs.

    The outputs' total is known from their listing unless some were not kept (then counted)."""
    if data.get("outputs_not_kept") or "output_count" not in data:
        return folder_bytes(run_dir)
    total = output_bytes
    try:
        for entry in os.scandir(run_dir):
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        pass
    return total


def _summary_fields(data: dict[str, Any], run_dir: Path, outputs: Iterable[Any] | None) -> dict[str, Any]:
    """A summary's fields from a record's JSON data (and its outputs, when not in the data)."""
    folders: list[str] = []
    count = data.get("output_count")
    size = data.get("output_bytes")
    items = outputs if outputs is not None else data.get("outputs") or []
    if True:  # the folders are always gathered; the totals when the record lacks them
        count_seen = 0
        size_seen = 0
        for item in items:
            path = item["path"] if isinstance(item, dict) else item.path
            count_seen += 1
            size_seen += item["size"] if isinstance(item, dict) else item.size
            if "/" in path and len(folders) < _FOLDERS_SHOWN:
                top = path.split("/", 1)[0]
                if top not in folders:
                    folders.append(top)
        count = count if count is not None else count_seen
        size = size if size is not None else size_seen
    node = data.get("node")
    if isinstance(node, dict):
        node = {
            "verdict": str(node.get("verdict")),
            "findings": [
                {"code": str(item.get("code")), "severity": str(item.get("severity")), "message": str(item.get("message"))}
                for item in node.get("findings") or []
                if isinstance(item, dict)
            ],
        }
    else:
        node = None
    environment = data.get("environment")
    if isinstance(environment, dict):
        environment = {
            "path": environment.get("path"),
            "requirements_sha256": environment.get("requirements_sha256"),
            "bare": bool(environment.get("bare")),
        }
    else:
        environment = None
    return {
        "version": _SUMMARY_VERSION,
        "id": data["id"],
        "started_at": str(data.get("started_at")),
        "status": str(data.get("status")),
        "ended_at": data.get("ended_at") and str(data.get("ended_at")),
        "duration_seconds": data.get("duration_seconds"),
        "workbench_seconds": data.get("workbench_seconds"),
        "exit_code": data.get("exit_code"),
        "message": data.get("message"),
        "node": node,
        "environment": environment,
        "trigger": data.get("trigger"),
        "preset": data.get("preset"),
        "app_hash": data.get("app_hash"),
        "args_mode": data.get("args_mode") and str(data.get("args_mode")),
        "kwargs": [[str(key), str(value)] for key, value in (data.get("kwargs") or {}).items()],
        "kwargs_count": len(data.get("kwargs") or {}),
        "input_count": len(data.get("inputs") or []),
        "output_count": count,
        "output_bytes": size,
        "outputs_not_kept": data.get("outputs_not_kept"),
        "output_folders": folders,
        "stdout_lines": data.get("stdout_lines") or 0,
        "stderr_lines": data.get("stderr_lines") or 0,
        "kept_bytes": _kept_bytes(run_dir, data, size),
        "output_dir": data.get("output_dir"),
        "stdout_log": data.get("stdout_log"),
        "stderr_log": data.get("stderr_log"),
        "peak_memory_bytes": data.get("peak_memory_bytes"),
    }


def _from_fields(fields: dict[str, Any]) -> RunSummary:
    from .status import RunStatus

    fields = dict(fields)
    fields.pop("version", None)
    fields["status"] = RunStatus(fields["status"])
    fields["output_folders"] = tuple(fields.get("output_folders") or ())
    fields["kwargs"] = tuple((str(key), str(value)) for key, value in fields.get("kwargs") or ())
    node = fields.get("node")
    if node is not None:
        findings = tuple(FindingSummary(**item) for item in node.get("findings") or ())
        fields["node"] = NodeSummary(verdict=node["verdict"], findings=findings)
    environment = fields.get("environment")
    if environment is not None:
        fields["environment"] = EnvironmentSummary(**environment)
    known = RunSummary.__dataclass_fields__
    return RunSummary(**{key: value for key, value in fields.items() if key in known})


def write_summary(run_dir: Path, record: RunRecord) -> RunSummary:
    """Write a finished run's summary (after its record and outputs listing)."""
    data = record.model_dump(mode="json", exclude={"outputs"})
    fields = _summary_fields(data, run_dir, record.outputs)
    atomic_write_text(run_dir / SUMMARY_FILE, json.dumps(fields))
    return _from_fields(fields)


def read_summary(run_dir: Path, record_file: str = "record.json") -> RunSummary | None:
    """A run's summary; built once from its record (and then kept) for runs from before summaries.

    None when the run has no record yet (it is still going) or it is unreadable.
    """
    try:
        fields = json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
        if fields.get("version") == _SUMMARY_VERSION:
            return _from_fields(fields)
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        pass
    try:
        data = json.loads((run_dir / record_file).read_text(encoding="utf-8"))
        outputs = read_outputs(run_dir) if "outputs" not in data and (run_dir / OUTPUTS_FILE).exists() else None
        fields = _summary_fields(data, run_dir, outputs)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    try:
        atomic_write_text(run_dir / SUMMARY_FILE, json.dumps(fields))
    except OSError:
        pass
    return _from_fields(fields)


def write_outputs(run_dir: Path, outputs: Iterable[Any]) -> None:
    """Write a run's output listing, one compact line an entry (non-UTF-8 names kept as escapes)."""
    with atomic_writer(run_dir / OUTPUTS_FILE, encoding="ascii", mode=new_file_mode()) as handle:
        dumps = json.dumps
        handle.writelines(
            dumps([item.path, item.size, item.sha256, item.link_target if item.is_symlink else None]) + "\n"
            for item in outputs
        )


def iter_outputs(run_dir: Path, start: int = 0, count: int | None = None) -> Iterator[dict[str, Any]]:
    """A run's outputs from its listing, from entry `start`, at most `count` of them."""
    try:
        handle = open(run_dir / OUTPUTS_FILE, encoding="ascii")
    except OSError:
        return
    with handle:
        for index, line in enumerate(handle):
            if index < start:
                continue
            if count is not None and index >= start + count:
                break
            try:
                path, size, sha256, link = json.loads(line)
            except (ValueError, TypeError):
                continue
            yield {"path": path, "size": size, "sha256": sha256, "is_symlink": link is not None, "link_target": link}


def read_outputs(run_dir: Path, start: int = 0, count: int | None = None) -> list[dict[str, Any]]:
    return list(iter_outputs(run_dir, start, count))


def output_records(run_dir: Path, start: int = 0, count: int | None = None) -> list[OutputRecord]:
    """A page of a run's outputs as record models."""
    return list(iter_output_records(run_dir, start, count))


def iter_output_records(run_dir: Path, start: int = 0, count: int | None = None) -> Iterator[OutputRecord]:
    """A run's outputs as record models, one by one (a reader may stop between any two)."""
    from .records import OutputRecord

    for item in iter_outputs(run_dir, start, count):
        yield OutputRecord(**item)
