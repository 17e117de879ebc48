"""The App's staged copies ("slots"): claimed one per concurrent run, checked, put right, pruned.

Each slot is `slots/N/` in the App's cache folder, with `N.lock` (held by the run
using it), `N.manifest` (what the workbench put there: each file's stat data as
copied and the hash of its content, and the folders) and, between runs,
`N.checked` (the copy was walked after its last run and put right: the next
claim need not walk it again).
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..appcache import Stamp, stamp
from ..appdir import SYSTEM_DIRS
from ..fsutil import load_marshal, real_folder, remove_tree, save_marshal
from .files import remove_entry

MANIFEST_VERSION = 3
FOLDER_MODE = 0o755
SLOT_IDLE_SECONDS = 15 * 60
"""A slot other than the first, unused this long, is deleted when another slot is claimed."""
CACHE_IDLE_SECONDS = 30 * 24 * 3600
"""An App's cache folder unused this long (or whose App folder is gone) is deleted by a later claim."""
SWEEP_EVERY_SECONDS = 3600
"""How often (at most) a claim looks over the other Apps' cache folders."""

Files = dict[str, bytes]
"""Path in the workspace -> the staged file's stat data (`appcache.stamp`) then the sha256 of its
content (32 bytes): a manifest of many thousands loads fast."""


@dataclass
class Slot:
    """One staged copy, locked by this run until released."""

    folder: Path
    lock_fd: int | None

    @property
    def manifest_path(self) -> Path:
        return self.folder.with_name(f"{self.folder.name}.manifest")

    @property
    def checked_path(self) -> Path:
        return self.folder.with_name(f"{self.folder.name}.checked")

    def release(self) -> None:
        if self.lock_fd is None:
            return
        try:
            os.utime(self.lock_fd)  # the slot's last use, for pruning idle slots
        except OSError:
            pass
        os.close(self.lock_fd)
        self.lock_fd = None


def claim_slot(cache: Path) -> Slot:
    """Lock the first free staged copy of the App (one per concurrent run), creating one if need be;
    delete the App's other slots idle for `SLOT_IDLE_SECONDS` (never the first, never one in use)."""
    slots = cache / "slots"
    real_folder(cache)
    real_folder(slots)
    number = 0
    while True:
        fd = _try_lock(slots / f"{number}.lock")
        if fd is not None:
            break
        number += 1
    slot = Slot(slots / str(number), fd)
    try:
        prune_idle_slots(slots, keep=number)
        sweep_stage_root(cache.parent, current=cache)
    except OSError:
        pass
    return slot


def _try_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def prune_idle_slots(slots: Path, keep: int, idle: float = SLOT_IDLE_SECONDS) -> list[int]:
    """Delete the slots after the first that no run holds and none used for `idle` seconds.

    Their lock files stay (a few bytes each): deleting one another process may
    have opened would let two runs lock two different files for one slot.
    """
    removed = []
    now = time.time()
    for entry in os.scandir(slots):
        name, dot, kind = entry.name.partition(".")
        if kind != "lock" or not name.isdigit() or int(name) in (0, keep):
            continue
        if now - entry.stat().st_mtime < idle or not (Path(slots / name).exists()):
            continue
        fd = _try_lock(Path(entry.path))
        if fd is None:
            continue
        try:
            remove_tree(slots / name)
            for suffix in (".manifest", ".checked"):
                (slots / f"{name}{suffix}").unlink(missing_ok=True)
            removed.append(int(name))
        finally:
            os.close(fd)
    return removed


def sweep_stage_root(root: Path, current: Path, idle: float = CACHE_IDLE_SECONDS) -> list[Path]:
    """Delete other Apps' cache folders whose App folder is gone or that no run used for `idle`
    seconds, none of whose slots is in use. Done at most once every `SWEEP_EVERY_SECONDS`."""
    marker = root / ".swept"
    now = time.time()
    try:
        if now - marker.stat().st_mtime < SWEEP_EVERY_SECONDS:
            return []
    except FileNotFoundError:
        pass
    marker.touch()
    removed = []
    for entry in os.scandir(root):
        path = Path(entry.path)
        if path == current or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            origin = Path(os.fsdecode((path / "app-path").read_bytes()))
        except OSError:
            continue  # not a cache folder of the workbench's
        used = max((item.stat().st_mtime for item in os.scandir(path / "slots")), default=0.0) if (
            path / "slots"
        ).is_dir() else entry.stat().st_mtime
        if (origin / "main.py").is_file() and now - used < idle:
            continue
        if _remove_cache(path):
            removed.append(path)
    return removed


def _remove_cache(path: Path) -> bool:
    """Delete an App's cache folder if none of its slots is in use."""
    held = []
    try:
        slots = path / "slots"
        for entry in os.scandir(slots) if slots.is_dir() else ():
            if entry.name.endswith(".lock"):
                fd = _try_lock(Path(entry.path))
                if fd is None:
                    return False
                held.append(fd)
        remove_tree(path)
        return True
    finally:
        for fd in held:
            os.close(fd)


@dataclass
class Manifest:
    """What the workbench put in a slot: its files (as staged) and its folders."""

    files: Files = field(default_factory=dict)
    folders: frozenset[str] = frozenset()
    source: str | None = None
    """`source_key` of the App's snapshot the files are a copy of (None once a run changed any)."""

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        data = load_marshal(path)
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            return None
        return cls(data["files"], frozenset(data["folders"]), data.get("source"))

    def save(self, path: Path) -> None:
        save_marshal(
            path,
            {"version": MANIFEST_VERSION, "files": self.files, "folders": sorted(self.folders), "source": self.source},
        )


@dataclass
class Inspection:
    """A walk of a staged copy against its manifest (see `inspect`)."""

    entries: dict[str, Stamp] = field(default_factory=dict)
    """Every entry met (folders as `path/`), not looking inside folders the manifest lacks."""
    kept: Files = field(default_factory=dict)
    """The manifest's files found as they were staged."""
    remove: list[str] = field(default_factory=list)
    """Entries to delete: not the manifest's, or changed since staged."""
    complete: bool = True
    """False when a folder could not be listed (the copy is then walked again at its next claim)."""


def inspect(root: Path, files: Files, folders: frozenset[str], *, system_dirs: bool) -> Inspection:
    """Walk a staged copy (one `stat` an entry, never following a symlink) against what was staged.

    A staged file is unchanged when its stat data is the one recorded as it was
    copied: a write, truncate, chmod, rename or new hard link moves its change time,
    which a program cannot set back. A folder's mode is put back at once (so its
    entries can be removed). `system_dirs`: whether `input/` and `output/` at the
    top are walked as any other entry (to be removed) or left out (the run's own).
    """
    found = Inspection()
    entries = found.entries
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        try:
            listing = list(os.scandir(folder))
        except OSError:
            found.complete = False
            continue
        for entry in listing:
            rel = prefix + entry.name
            if not prefix and entry.name in SYSTEM_DIRS and not system_dirs:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                found.remove.append(entry.path)
                continue
            now = stamp(info)
            if stat.S_ISDIR(info.st_mode):
                entries[rel + "/"] = now
                if rel in folders:
                    if stat.S_IMODE(info.st_mode) != FOLDER_MODE:
                        os.chmod(entry.path, FOLDER_MODE)
                    pending.append((rel + "/", entry.path))
                    continue
            else:
                entries[rel] = now
                recorded = files.get(rel)
                if recorded is not None and recorded.startswith(now):
                    found.kept[rel] = recorded
                    continue
            found.remove.append(entry.path)
    return found


def remove_all(paths: list[str]) -> None:
    for path in paths:
        remove_entry(path)
