"""Collecting what a run left in `output/` into the history, and keeping it within the budget."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..appcache import Progress, file_digest
from ..fsutil import copy_and_hash, human_size
from .files import remove_entry


@dataclass(frozen=True)
class CollectedOutput:
    """One entry found in `output/` after a run."""

    path: str
    size: int
    sha256: str | None
    is_symlink: bool = False
    link_target: str | None = None


def collect_outputs(
    output_dir: Path, keep_dir: Path, progress: Progress | None = None
) -> tuple[list[CollectedOutput], list[str]]:
    """Keep what the App left in `output/` in `keep_dir` and describe each entry.

    The folder is moved there when both are on one file system (`keep_dir` must
    not exist yet), else copied. Symlinks are recorded and kept as links, never
    followed. Special files (FIFOs, sockets, devices) and unreadable entries are
    left out with a note. Returns the entries and the notes.
    """
    found: list[CollectedOutput] = []
    notes: list[str] = []
    if output_dir.is_symlink() or not output_dir.is_dir():
        keep_dir.mkdir(parents=True, exist_ok=True)
        notes.append("the App replaced output/ with something that is not a folder; nothing was collected")
        return found, notes
    keep_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(output_dir, keep_dir)
        moved = True
    except OSError:
        keep_dir.mkdir(exist_ok=True)
        moved = False
    _collect(output_dir, keep_dir, "", found, notes, moved, progress)
    return found, notes


def _collect(
    src: Path,
    dst: Path,
    rel: str,
    found: list[CollectedOutput],
    notes: list[str],
    moved: bool,
    progress: Progress | None,
) -> None:
    # A loop over a stack, not recursion: an App may leave a tree thousands of folders deep.
    # When moved, `src` is no longer there: the tree is described (and hashed) where it now is.
    pending = [(dst if moved else src, dst, rel)]
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
            mode = 0
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    link = os.readlink(entry.path)
                    if not moved:
                        os.symlink(link, target)
                    found.append(CollectedOutput(entry_rel, len(os.fsencode(link)), None, True, link))
                elif stat.S_ISDIR(mode):
                    if not moved:
                        target.mkdir()
                    folders.append((Path(entry.path), target, entry_rel + "/"))
                elif stat.S_ISREG(mode):
                    if moved:
                        size, digest = file_digest(entry.path)
                    else:
                        size, digest = copy_and_hash(Path(entry.path), target)
                    found.append(CollectedOutput(entry_rel, size, digest))
                    if progress is not None:
                        progress("collecting", len(found), 0)
                else:
                    if moved:
                        os.unlink(entry.path)
                    notes.append(f"output/{entry_rel}: not a regular file, folder or symlink; skipped")
            except OSError as error:
                if moved and stat.S_ISREG(mode):
                    remove_entry(entry.path)
                notes.append(f"output/{entry_rel}: could not be collected ({error.strerror or error})")
        pending.extend(reversed(folders))  # depth first, in name order
    found.sort(key=lambda item: item.path.split("/"))


def keep_within_budget(outputs: list[CollectedOutput], keep_dir: Path, budget: int) -> str | None:
    """Delete kept output files past `budget` bytes (in path order); say what was kept, or None.

    Every output stays listed (path, size, sha256) in the record: only the bytes go.
    """
    files = [item for item in outputs if not item.is_symlink]
    total = sum(item.size for item in files)
    if total <= budget:
        return None
    kept_bytes = kept_files = 0
    for item in files:
        if kept_bytes + item.size <= budget:
            kept_bytes += item.size
            kept_files += 1
            continue
        try:
            os.unlink(keep_dir / item.path)
        except OSError:
            pass
    return (
        f"outputs not all kept: {len(files):,} files of {human_size(total)} are over the history's budget"
        f" of {human_size(budget)}; kept {kept_files:,} files ({human_size(kept_bytes)}) in path order;"
        " every output is still listed with its size and sha256"
    )
