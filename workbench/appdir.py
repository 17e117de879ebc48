"""The App folder: what an InfraX App is on disk, and what belongs to it.

This module is the one source of truth for "what is part of the App": staging,
hashing, watching, deploy previews and the UI's file list all ask it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENTRY_POINT = "main.py"
REQUIREMENTS = "requirements.txt"
STATE_DIR = ".workbench"
"""The workbench's own folder in the App (runs, environments, the draft); never part of the App."""
RUNS_DIR = "runs"
"""The run history, under STATE_DIR (see `workbench.history`)."""
SYSTEM_DIRS = ("input", "output")
"""Folders the platform creates, wipes and owns in the App's working directory."""

PRESETS_FILE = "presets.toml"
"""The App's saved Job presets (see `workbench.presets`): the author's tests, not part of the App."""
GOLDEN_DIR = "golden"
"""Golden copies of the presets' expected outputs, beside PRESETS_FILE; not part of the App."""
DECLARED_FILE = "arguments.toml"
"""The keyword arguments the App declares on the platform (see `workbench.declared`); not part of the App."""

# Excluded wherever they appear in the tree.
_EXCLUDED_ANYWHERE = frozenset({"__pycache__", ".git", ".hg", ".svn", ".bzr", ".DS_Store"})
# Excluded only at the App's root.
_EXCLUDED_AT_ROOT = frozenset({STATE_DIR, ".venv", *SYSTEM_DIRS, PRESETS_FILE, GOLDEN_DIR, DECLARED_FILE})


class AppFolderError(Exception):
    """The path given is not an App folder. The message says why and what to do."""


def is_excluded(rel_parts: tuple[str, ...]) -> bool:
    """Whether a path inside the App folder (as its parts) is not part of the App."""
    if not rel_parts:
        return False
    if rel_parts[0] in _EXCLUDED_AT_ROOT:
        return True
    return any(part in _EXCLUDED_ANYWHERE for part in rel_parts)


@dataclass(frozen=True)
class AppFile:
    """One file that belongs to the App."""

    path: str
    """Path relative to the App folder, with forward slashes."""
    size: int


class AppFolder:
    """An App folder on disk: a folder with `main.py` at its root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> AppFolder:
        """Open `path` as an App folder, or raise AppFolderError saying why not."""
        root = Path(path).expanduser()
        if not root.exists():
            raise AppFolderError(f"{root}: no such folder; give the path of an App folder")
        if not root.is_dir():
            raise AppFolderError(f"{root}: is a file, not a folder; give the App's folder")
        root = root.resolve()
        main = root / ENTRY_POINT
        if not main.is_file():
            raise AppFolderError(
                f"{root}: not an InfraX App: no {ENTRY_POINT} at its root"
                f" (the Node starts an App as `python {ENTRY_POINT}`)"
            )
        return cls(root)

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def main_py(self) -> Path:
        return self.root / ENTRY_POINT

    @property
    def requirements(self) -> Path | None:
        path = self.root / REQUIREMENTS
        return path if path.is_file() else None

    @property
    def state_dir(self) -> Path:
        """The workbench's own folder inside the App (created on first use)."""
        return ensure_state_dir(self.root)

    def files(self) -> list[AppFile]:
        """The files that belong to the App (what a deploy would upload), sorted.

        Symlinks to files count as the file they point to; symlinks to folders
        and special files are not part of the App.
        """
        return [AppFile(path, info.st_size) for path, info in list_app_files(self.root)]

    def files_up_to(self, limit: int) -> list[AppFile] | None:
        """`files()` when the App has at most `limit` files, else None (after reading about `limit`)."""
        listed = list_app_files(self.root, limit=limit)
        if len(listed) > limit:
            return None
        return [AppFile(path, info.st_size) for path, info in listed]

    def warnings(self) -> list[str]:
        """Problems with the folder that do not stop a run."""
        found = []
        for name in SYSTEM_DIRS:
            if (self.root / name).exists():
                found.append(
                    f"the App has its own {name}/ folder: the platform wipes and recreates"
                    f" {name}/ for every Job, so its contents are never used; remove it"
                )
        return found

    def outside_links(self) -> list[tuple[str, str]]:
        """Symlinks in the App that point outside its folder, as (link, target) pairs, sorted.

        A run copies each target's content into the workspace and a deploy would upload it:
        a link to `~/.ssh/id_rsa` would ship the key. Walks the tree with a stack, not recursion.
        """
        root = os.path.realpath(self.root)
        found: list[tuple[str, str]] = []
        for prefix, entries in _walk_app(self.root):
            for entry in entries:
                try:
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        if real != root and not real.startswith(root + os.sep):
                            found.append((prefix + entry.name, os.readlink(entry.path)))
                except OSError:
                    continue
        return sorted(found)

    def outside_link_warnings(self) -> list[str]:
        """One line for each symlink in the App that points outside it, naming the link and its target."""
        return [
            f"{link} is a symlink to {target}, outside the App folder: its target's content is copied"
            " into every run and a deploy would upload it"
            for link, target in self.outside_links()
        ]

    def contains(self, path: Path) -> bool:
        """Whether an absolute path (a changed file, say) is part of the App."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root)
        except ValueError:
            return False
        return not is_excluded(rel.parts)


def _walk_app(root: Path) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """Each folder of the App as (its path prefix, its entries that are not folders), with a stack,
    not recursion: what the App excludes (`.workbench/`, `input/` and `output/` at the root, caches)
    is left out, and a symlink to a folder is an entry, never walked into. Unlistable folders are skipped."""
    pending: list[tuple[str, str]] = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        kept = []
        for entry in entries:
            name = entry.name
            if name in _EXCLUDED_ANYWHERE or (not prefix and name in _EXCLUDED_AT_ROOT):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((prefix + name + "/", entry.path))
                    continue
            except OSError:
                continue
            kept.append(entry)
        yield prefix, kept


def list_app_files(root: Path, limit: int | None = None) -> list[tuple[str, os.stat_result]]:
    """The App's files (as `AppFolder.files()` counts them) with their stat data, sorted by path.

    One `stat` a file: a symlink to a file counts as the file (its content is
    uploaded); symlinks to folders and special files are left out. With a
    `limit`, the walk stops once it has found more files than that.
    """
    found: list[tuple[str, os.stat_result]] = []
    for prefix, entries in _walk_app(root):
        for entry in entries:
            try:
                info = entry.stat()
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((prefix + entry.name, info))
        if limit is not None and len(found) > limit:
            break
    found.sort(key=lambda item: item[0])
    return found


def ensure_state_dir(app_root: Path) -> Path:
    """Create `.workbench/` (ignoring itself for git) if needed and return it."""
    state = app_root / STATE_DIR
    state.mkdir(exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return state
