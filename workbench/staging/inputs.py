"""The run's inputs: checked before anything runs, copied into the workspace's `input/`."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from ..fsutil import copy_and_hash
from .files import StagingError


@dataclass(frozen=True)
class StagedFile:
    """One file copied into `input/`."""

    name: str
    """Path relative to `input/`."""
    size: int
    sha256: str


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


def stage_inputs(inputs: list[Path], input_dir: Path, notes: list[str]) -> list[StagedFile]:
    """Copy each input (a file, or a folder's tree) into `input_dir`, hashing as it goes."""
    staged: list[StagedFile] = []
    for source in inputs:
        if source.is_dir():
            staged += _stage_tree(source, input_dir / source.name, source.name, notes)
        else:
            size, digest = copy_and_hash(source, input_dir / source.name)
            staged.append(StagedFile(source.name, size, digest))
    return staged


def _stage_tree(source: Path, dest: Path, rel: str, notes: list[str]) -> list[StagedFile]:
    """Copy a folder's tree. A symlink to a file is copied as the file (as an upload
    would carry it); a symlink to a folder is not followed (it may loop); a symlink
    that loops, special files and unreadable entries are left out with a note.

    A loop over a stack, not recursion: a tree may be thousands of folders deep.
    """
    staged: list[StagedFile] = []
    pending = [(source, dest, rel)]
    while pending:
        source, dest, rel = pending.pop()
        dest.mkdir()
        try:
            entries = sorted(os.scandir(source), key=lambda e: e.name)
        except OSError as error:
            notes.append(f"input {rel}: cannot be listed ({error.strerror or error}); not staged")
            continue
        folders = []
        for entry in entries:
            entry_rel = f"{rel}/{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((Path(entry.path), dest / entry.name, entry_rel))
                elif entry.is_dir():
                    notes.append(f"input {entry_rel}: a symlink to a folder; not followed, not staged")
                elif entry.is_file():
                    size, digest = copy_and_hash(Path(entry.path), dest / entry.name)
                    staged.append(StagedFile(entry_rel, size, digest))
                elif not entry.is_symlink() or os.path.exists(entry.path):
                    notes.append(f"input {entry_rel}: not a regular file or folder; not staged")
                elif _loops(entry.path):
                    notes.append(f"input {entry_rel}: a symlink that loops; skipped")
                else:
                    notes.append(f"input {entry_rel}: a symlink to nothing; not staged")
            except OSError as error:
                if error.errno == errno.ELOOP:
                    notes.append(f"input {entry_rel}: a symlink that loops; skipped")
                else:
                    notes.append(f"input {entry_rel}: could not be staged ({error.strerror or error}); skipped")
        pending.extend(reversed(folders))  # depth first, in name order
    return staged


def _loops(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False
