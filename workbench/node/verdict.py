"""The Node's verdict on one run, worked out from what the run observed.

The Job gathers the observations while the run's workspace still exists
(`scan_output`, `workspace_changes`, `missing_modules`) and hands them, with
the runner's stream facts, to `node_findings`.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..appcache import unstamp
from .findings import PIPE_LIMIT, Code, Finding, Severity, finding
from .python import VENV_SEEDED

SHOWN_PATHS = 5
"""How many changed paths a `workspace_write` message names before it only counts the rest."""
STDERR_TAIL = 64 * 1024
"""How much of the end of stderr is read for an import error's traceback."""
SKIPPED_DIRS = frozenset({"__pycache__"})
"""Folders left out of the workspace comparison anywhere: Python's own bytecode cache."""
SYSTEM_DIRS = ("input", "output")


@dataclass(frozen=True)
class StreamObservation:
    """What one of the App's output streams carried (see `workbench.runner.StreamFacts`)."""

    name: str
    """`stdout` or `stderr`."""
    bytes: int
    crossed_at: float | None
    bad_offset: int | None
    mark: int = PIPE_LIMIT


@dataclass(frozen=True)
class OutputEntry:
    """One entry directly inside the run's `output/`."""

    name: str
    kind: str
    """`file`, `folder`, `symlink` or `other`."""
    link_target: str | None = None
    target_kind: str | None = None
    """For a symlink: `file`, `folder` or `missing` (dangling)."""


@dataclass(frozen=True)
class WorkspaceChanges:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.created or self.changed or self.deleted)

    @property
    def count(self) -> int:
        return len(self.created) + len(self.changed) + len(self.deleted)


@dataclass(frozen=True)
class MissingModule:
    """An import that failed, read from the App's traceback."""

    module: str
    """The module as the error names it (`pydantic`, `yaml.cyaml`)."""
    where: str | None
    """`main.py line 3`: the App's own frame closest to the error, when the traceback has one."""

    @property
    def top_level(self) -> str:
        return self.module.split(".", 1)[0]


@dataclass
class RunObservations:
    """Everything the verdict is worked out from."""

    streams: list[StreamObservation] = field(default_factory=list)
    output: list[OutputEntry] = field(default_factory=list)
    workspace: WorkspaceChanges = field(default_factory=WorkspaceChanges)
    exit_code: int | None = None
    timed_out_after: float | None = None
    """Seconds after which the workbench's timeout ended the App; None: it was not timed out."""
    missing: list[MissingModule] = field(default_factory=list)
    provided: frozenset[str] | None = None
    """Top-level modules the App's requirements provide (empty for a bare environment)."""
    stdlib: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()
    """Top-level modules and packages of the App itself."""
    environment_findings: list[Finding] = field(default_factory=list)
    """`interpreter` and `environment` findings, decided when the environment was provided."""


# --- observing ------------------------------------------------------------------------------


def scan_output(output_dir: Path) -> list[OutputEntry]:
    """The entries directly inside `output/`, as the Node's upload loop meets them."""
    try:
        entries = sorted(os.scandir(output_dir), key=lambda entry: entry.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            try:
                target = os.readlink(entry.path)
            except OSError:
                target = None
            try:
                target_mode = os.stat(entry.path).st_mode
                target_kind = "folder" if stat.S_ISDIR(target_mode) else "file"
            except OSError:
                target_kind = "missing"
            found.append(OutputEntry(entry.name, "symlink", target, target_kind))
        elif stat.S_ISDIR(mode):
            found.append(OutputEntry(entry.name, "folder"))
        elif stat.S_ISREG(mode):
            found.append(OutputEntry(entry.name, "file"))
        else:
            found.append(OutputEntry(entry.name, "other"))
    return found


Snapshot = dict[str, tuple[int, int, int]]
"""Path relative to the workspace -> (mode, size, mtime in ns)."""


def snapshot_workspace(root: Path) -> Snapshot:
    """Every entry of a workspace outside `input/` and `output/` (and `__pycache__/`), with its stat."""
    found: Snapshot = {}
    pending = [(root, "")]
    while pending:
        folder, rel = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name in SKIPPED_DIRS or (not rel and entry.name in SYSTEM_DIRS):
                continue
            path = rel + entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                found[path + "/"] = (stat.S_IFDIR, 0, 0)
                pending.append((Path(entry.path), path + "/"))
            else:
                found[path] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def _skipped(path: str) -> bool:
    return any(name in path for name in SKIPPED_DIRS) and bool(SKIPPED_DIRS.intersection(path.rstrip("/").split("/")))


def snapshot_of(entries: Mapping[str, bytes]) -> Snapshot:
    """A Snapshot from the stat data staging records (`staging.check_workspace`, `Workspace.entries()`):
    path (folders as `path/`) -> `appcache.stamp`."""
    folder = (stat.S_IFDIR, 0, 0)
    found: Snapshot = {}
    for path, value in entries.items():
        if not _skipped(path):
            found[path] = folder if path.endswith("/") else _facts(value)
    return found


def _facts(value: bytes) -> tuple[int, int, int]:
    """What a Snapshot compares of a stamp: mode, size, modification time."""
    _ino, _dev, size, mtime_ns, _ctime_ns, mode = unstamp(value)
    return (mode, size, mtime_ns)


def stamp_changes(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> WorkspaceChanges:
    """`changes_between` for the stat data staging records (see `snapshot_of`), without building
    snapshots: the entries whose stat data is the same (nearly all) are passed over at once."""
    created = sorted(
        path for path in after.keys() - before.keys() if not _skipped(path) and not _inside_created(path, after, before)
    )
    deleted = sorted(
        path for path in before.keys() - after.keys() if not _skipped(path) and not _inside_created(path, before, after)
    )
    changed = sorted(
        path
        for path, value in after.items()
        if (old := before.get(path)) is not None
        and old != value
        and not path.endswith("/")
        and _facts(old) != _facts(value)
        and not _skipped(path)
    )
    return WorkspaceChanges(created, changed, deleted)


def workspace_changes(before: Snapshot, root: Path) -> WorkspaceChanges:
    """What the run created, changed or deleted in the workspace outside `input/` and `output/`."""
    return changes_between(before, snapshot_workspace(root))


def changes_between(before: Snapshot, after: Snapshot) -> WorkspaceChanges:
    """What changed from one snapshot of the workspace to the next."""
    created = sorted(path for path in after if path not in before and not _inside_created(path, after, before))
    deleted = sorted(path for path in before if path not in after and not _inside_created(path, before, after))
    changed = sorted(
        path for path, facts in after.items() if path in before and not path.endswith("/") and before[path] != facts
    )
    return WorkspaceChanges(created, changed, deleted)


def _inside_created(path: str, present: Mapping[str, object], absent: Mapping[str, object]) -> bool:
    """Whether the path lies in a folder that is itself new (so only the folder is named)."""
    parts = path.rstrip("/").split("/")
    for depth in range(1, len(parts)):
        folder = "/".join(parts[:depth]) + "/"
        if folder in present and folder not in absent:
            return True
    return False


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_name(name: str) -> str:
    """A name the App chose, its control characters written as escapes (never sent raw to a terminal)."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], name)


_MISSING = re.compile(r"^(?:ModuleNotFoundError|ImportError): No module named '?(?P<module>[\w.]+)'?")
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')


def missing_modules(stderr_log: Path, workspace: Path) -> list[MissingModule]:
    """The module of the last `ModuleNotFoundError`/`ImportError: No module named` in stderr, with its place."""
    try:
        with open(stderr_log, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - STDERR_TAIL))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    lines = text.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        match = _MISSING.match(lines[index])
        if match is None:
            continue
        where = None
        prefix = str(workspace).rstrip("/") + "/"
        for frame_line in reversed(lines[:index]):
            if frame_line.startswith("Traceback"):
                break
            frame = _FRAME.match(frame_line)
            if frame and frame.group("path").startswith(prefix):
                where = f"{frame.group('path')[len(prefix):]} line {frame.group('line')}"
                break
        return [MissingModule(match.group("module"), where)]
    return []


# --- judging -------------------------------------------------------------------------------


def node_findings(observed: RunObservations) -> list[Finding]:
    """Every finding the observations add up to, in the table's order."""
    found: list[Finding] = []
    for stream in observed.streams:
        if stream.crossed_at is not None and stream.bytes > stream.mark:
            found.append(finding(
                Code.PIPE_BLOCKS,
                f"{stream.name}: {stream.bytes:,} bytes written; a Node's pipe holds {stream.mark:,}, passed"
                f" {stream.crossed_at:.1f} s into the run, where the App would block for good: write less"
                f" (a summary, or details into a file in output/)",
            ))
    if observed.timed_out_after is not None:
        found.append(finding(
            Code.TIMED_OUT,
            f"the App was still running after {observed.timed_out_after:g} s, when the workbench's timeout ended it;"
            f" a Node has no timeout and lets the Job run on, for good if the App never ends:"
            f" make the App end on its own (or give it more time)",
        ))
    for stream in observed.streams:
        if stream.bad_offset is not None:
            found.append(finding(
                Code.UNDECODABLE_OUTPUT,
                f"{stream.name}: not valid UTF-8 at byte {stream.bad_offset:,}; a Node fails to decode it and"
                f" never reports the Job: print text as UTF-8 (write binary data to a file in output/)",
            ))
    for entry in observed.output:
        if entry.kind == "folder":
            found.append(finding(
                Code.OUTPUT_FOLDER,
                f"output/{safe_name(entry.name)}/ is a folder: a Node's upload fails on it and delivers no file at all;"
                f" write files directly in output/ (or an archive of the folder)",
            ))
    for entry in observed.output:
        if entry.kind != "symlink":
            continue
        target = safe_name(entry.link_target) if entry.link_target is not None else "?"
        name = safe_name(entry.name)
        if entry.target_kind == "missing":
            found.append(finding(
                Code.OUTPUT_SYMLINK,
                f"output/{name} is a symlink to {target}, which does not exist: the Node's upload fails"
                f" the Job; write the file itself",
                Severity.FAIL,
            ))
        elif entry.target_kind == "folder":
            found.append(finding(
                Code.OUTPUT_SYMLINK,
                f"output/{name} is a symlink to the folder {target}: the Node's upload fails on it;"
                f" write files directly in output/",
                Severity.FAIL,
            ))
        else:
            found.append(finding(
                Code.OUTPUT_SYMLINK,
                f"output/{name} is a symlink to {target}: a Node uploads the target's bytes;"
                f" write a copy of the file instead",
            ))
    if observed.workspace:
        changes = observed.workspace
        listed = [*(f"+{p}" for p in changes.created), *(f"~{p}" for p in changes.changed),
                  *(f"-{p}" for p in changes.deleted)]
        shown = ", ".join(safe_name(path) for path in listed[:SHOWN_PATHS])
        more = f" and {changes.count - SHOWN_PATHS} more" if changes.count > SHOWN_PATHS else ""
        found.append(finding(
            Code.WORKSPACE_WRITE,
            f"{changes.count} path(s) created (+), changed (~) or deleted (-) beside main.py: {shown}{more};"
            f" on a Node they stay for the next Job: write only into output/ (or a temporary folder)",
        ))
    if observed.exit_code not in (0, None):
        for missing in observed.missing:
            top = missing.top_level
            if observed.provided is not None and top in observed.provided:
                continue
            if top in observed.stdlib or top in observed.own or top in VENV_SEEDED:
                continue  # (a seeded module missing here is the workbench's fault: a Node's venv has it)
            where = f" ({safe_name(missing.where)})" if missing.where else ""
            found.append(finding(
                Code.UNDECLARED_IMPORT,
                f"import of {missing.module!r} failed{where}: no requirement provides {top!r} and a Node has"
                f" nothing else installed; add its distribution to requirements.txt",
            ))
    found.extend(observed.environment_findings)
    return found


def top_level_modules(files: Iterable[str]) -> frozenset[str]:
    """The App's own top-level modules and packages, from its file paths (`util.py`, `lib/x.py`)."""
    names = set()
    for path in files:
        head, _, rest = path.partition("/")
        if rest:
            names.add(head)  # a folder: a package (or a namespace package) of the App
        elif head.endswith(".py"):
            names.add(head[:-3])
    return frozenset(names)
