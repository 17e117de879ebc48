"""Staging: a fresh workspace for each run, as a Node prepares one, and collecting `output/`.

A workspace lives in the system's temporary folder, never inside the App
folder, so nothing a run does there (even `../`) reaches the author's files.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .appdir import AppFolder
from .fsutil import copy_and_hash, remove_tree


class StagingError(Exception):
    """An input cannot be staged. The message names the path and what to do."""


@dataclass(frozen=True)
class StagedFile:
    """One file copied into `input/`."""

    name: str
    """Path relative to `input/`."""
    size: int
    sha256: str


@dataclass(frozen=True)
class CollectedOutput:
    """One entry found in `output/` after a run."""

    path: str
    size: int
    sha256: str | None
    is_symlink: bool = False
    link_target: str | None = None


@dataclass
class Workspace:
    """A staged copy of an App, ready to run."""

    path: Path
    inputs: list[StagedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What staging left out, one line each (a symlinked folder inside a staged folder)."""

    @property
    def input_dir(self) -> Path:
        return self.path / "input"

    @property
    def output_dir(self) -> Path:
        return self.path / "output"


def check_inputs(paths: list[str | os.PathLike[str]]) -> list[Path]:
    """Resolve the paths to stage; raise StagingError for a missing one or a name clash."""
    resolved: list[Path] = []
    names: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists() and not path.is_symlink():
            raise StagingError(f"input {str(raw)!r}: no such file or folder")
        if not (path.is_file() or path.is_dir()):
            raise StagingError(f"input {str(raw)!r}: not a regular file or folder")
        path = path.resolve()
        name = path.name
        if not name:
            raise StagingError(f"input {str(raw)!r}: the root folder cannot be staged; give a folder inside it")
        if name in names and names[name] != path:
            raise StagingError(
                f"inputs {str(names[name])!r} and {str(path)!r} would both be input/{name}; rename one"
            )
        if name not in names:
            names[name] = path
            resolved.append(path)
    return resolved


def stage_workspace(app: AppFolder, inputs: list[Path], parent: Path | None = None) -> Workspace:
    """Copy the App's files and the inputs into a new workspace with empty `input/` and `output/`."""
    path = Path(tempfile.mkdtemp(prefix=f"workbench-{app.name}-", dir=parent))
    workspace = Workspace(path)
    try:
        for app_file in app.files():
            dest = path / app_file.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(app.root / app_file.path, dest)
            shutil.copymode(app.root / app_file.path, dest)
        workspace.input_dir.mkdir()
        workspace.output_dir.mkdir()
        for source in inputs:
            if source.is_dir():
                workspace.inputs += _stage_tree(
                    source, workspace.input_dir / source.name, source.name, workspace.notes
                )
            else:
                size, digest = copy_and_hash(source, workspace.input_dir / source.name)
                workspace.inputs.append(StagedFile(source.name, size, digest))
    except OSError as error:
        discard_workspace(workspace)
        raise StagingError(f"could not stage the run: {error}") from None
    return workspace


def _stage_tree(source: Path, dest: Path, rel: str, notes: list[str]) -> list[StagedFile]:
    """Copy a folder's tree. A symlink to a file is copied as the file (as an upload
    would carry it); a symlink to a folder is not followed (it may loop); special
    files are left out."""
    dest.mkdir()
    staged = []
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        entry_rel = f"{rel}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            staged += _stage_tree(Path(entry.path), dest / entry.name, entry_rel, notes)
        elif entry.is_dir():
            notes.append(f"input {entry_rel}: a symlink to a folder; not followed, not staged")
        elif entry.is_file():
            size, digest = copy_and_hash(Path(entry.path), dest / entry.name)
            staged.append(StagedFile(entry_rel, size, digest))
        elif not entry.is_symlink() or os.path.exists(entry.path):
            notes.append(f"input {entry_rel}: not a regular file or folder; not staged")
        else:
            notes.append(f"input {entry_rel}: a symlink to nothing; not staged")
    return staged


def collect_outputs(output_dir: Path, keep_dir: Path) -> tuple[list[CollectedOutput], list[str]]:
    """Copy what the App left in `output/` to `keep_dir` and describe each entry.

    Symlinks are recorded and copied as links, never followed. Special files
    (FIFOs, sockets, devices) and unreadable entries are skipped with a note.
    Returns the entries and the notes.
    """
    keep_dir.mkdir(parents=True, exist_ok=True)
    found: list[CollectedOutput] = []
    notes: list[str] = []
    if output_dir.is_symlink() or not output_dir.is_dir():
        notes.append("the App replaced output/ with something that is not a folder; nothing was collected")
        return found, notes
    _collect(output_dir, keep_dir, "", found, notes)
    return found, notes


def _collect(src: Path, dst: Path, rel: str, found: list[CollectedOutput], notes: list[str]) -> None:
    # A loop over a stack, not recursion: an App may leave a tree thousands of folders deep.
    pending = [(src, dst, rel)]
    while pending:
        src, dst, rel = pending.pop()
        try:
            entries = sorted(os.scandir(src), key=lambda e: e.name)
        except OSError as error:
            notes.append(f"output/{rel}: cannot be listed ({error.strerror})")
            continue
        folders = []
        for entry in entries:
            entry_rel = f"{rel}{entry.name}"
            target = dst / entry.name
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    link = os.readlink(entry.path)
                    os.symlink(link, target)
                    found.append(CollectedOutput(entry_rel, len(os.fsencode(link)), None, True, link))
                elif stat.S_ISDIR(mode):
                    target.mkdir()
                    folders.append((Path(entry.path), target, entry_rel + "/"))
                elif stat.S_ISREG(mode):
                    size, digest = copy_and_hash(Path(entry.path), target)
                    found.append(CollectedOutput(entry_rel, size, digest))
                else:
                    notes.append(f"output/{entry_rel}: not a regular file, folder or symlink; skipped")
            except OSError as error:
                notes.append(f"output/{entry_rel}: could not be collected ({error.strerror or error})")
        pending.extend(reversed(folders))  # depth first, in name order
    found.sort(key=lambda item: item.path.split("/"))


def discard_workspace(workspace: Workspace) -> None:
    remove_tree(workspace.path)
