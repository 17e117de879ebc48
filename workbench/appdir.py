"""The App folder: what an InfraX App is on disk, and what belongs to it.

This module is the one source of truth for "what is part of the App": staging,
hashing, watching, deploy previews and the UI's file list all ask it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .fsutil import file_sha256

ENTRY_POINT = "main.py"
REQUIREMENTS = "requirements.txt"
STATE_DIR = ".workbench"
SYSTEM_DIRS = ("input", "output")
"""Folders the platform creates, wipes and owns in the App's working directory."""

PRESETS_FILE = "presets.toml"
"""The App's saved Job presets (see `workbench.presets`): the author's tests, not part of the App."""
GOLDEN_DIR = "golden"
"""Golden copies of the presets' expected outputs, beside PRESETS_FILE; not part of the App."""

# Excluded wherever they appear in the tree.
_EXCLUDED_ANYWHERE = frozenset({"__pycache__", ".git", ".hg", ".svn", ".bzr", ".DS_Store"})
# Excluded only at the App's root.
_EXCLUDED_AT_ROOT = frozenset({STATE_DIR, ".venv", *SYSTEM_DIRS, PRESETS_FILE, GOLDEN_DIR})


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
        found: list[AppFile] = []
        for rel, entry in _walk(self.root, ()):
            try:
                size = entry.stat().st_size  # follows a file symlink: its content is uploaded
            except OSError:
                continue
            found.append(AppFile("/".join(rel), size))
        found.sort(key=lambda f: f.path)
        return found

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

    def content_hash(self) -> str:
        """A sha256 over the App's files: their paths and contents."""
        digest = hashlib.sha256()
        for app_file in self.files():
            digest.update(app_file.path.encode("utf-8", "surrogateescape") + b"\0")
            try:
                digest.update(file_sha256(self.root / app_file.path).encode())
            except OSError:
                digest.update(b"<unreadable>")
            digest.update(b"\0")
        return digest.hexdigest()

    def contains(self, path: Path) -> bool:
        """Whether an absolute path (a changed file, say) is part of the App."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root)
        except ValueError:
            return False
        return not is_excluded(rel.parts)


def _walk(root: Path, rel: tuple[str, ...]):
    try:
        entries = sorted(os.scandir(root.joinpath(*rel)), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        parts = (*rel, entry.name)
        if is_excluded(parts):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(root, parts)
            elif entry.is_file(follow_symlinks=True):
                yield parts, entry
        except OSError:
            continue


def ensure_state_dir(app_root: Path) -> Path:
    """Create `.workbench/` (ignoring itself for git) if needed and return it."""
    state = app_root / STATE_DIR
    state.mkdir(exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return state
