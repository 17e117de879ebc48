"""Where environments live (`.workbench/envs/`): their keys, completeness, moving into place and pruning."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..appdir import REQUIREMENTS, AppFolder
from ..fsutil import remove_tree
from ..requirements import requirement_sources
from .interpreter import Interpreter

ENVS_DIR = "envs"
"""Folder of `.workbench/` that holds an App's environments."""
MARKER = ".workbench-env.json"
"""Written last into a complete environment; an environment without it is never used."""
INSTALL_LOG = "install.log"
"""The installer's full output, kept inside each environment it built."""
LOGS_DIR = "logs"
"""Installer logs of failed builds, under the envs folder."""
LOCK_FILE = ".lock"
KEEP_ENVS = 3
"""Environments kept per App (the most recently used); older ones are deleted."""
KEEP_FAILED_LOGS = 5
_MAX_FIXUP_BYTES = 1 << 20
_BUILD_PREFIX = ".build-"
_TRASH_PREFIX = ".trash-"


@dataclass(frozen=True)
class EnvironmentKey:
    """Which environment an App needs: named from its requirements and its interpreter."""

    name: str
    """`py3.11-<16 hex digits>`: the folder name under `.workbench/envs/`."""
    requirements_sha256: str | None
    """The sha256 of requirements.txt itself; None for a bare environment (no requirements.txt)."""

    @property
    def bare(self) -> bool:
        return self.requirements_sha256 is None


BARE = "bare"
"""The middle of a bare environment's name: `py3.11-bare-<12 hex digits>`."""


def bare_key(interpreter: Interpreter, interpreter_id: str | None = None) -> EnvironmentKey:
    """The key of the bare environment (the standard library only) made from this interpreter."""
    identity = interpreter_id or f"{os.path.realpath(interpreter.executable)}\0{interpreter.version_text}"
    # 2: seeded with pip and setuptools (`build.seed_bare_environment`)
    digest = hashlib.sha256(b"workbench-bare-env-2\0" + identity.encode("utf-8", "surrogateescape"))
    return EnvironmentKey(name=f"{interpreter.tag}-{BARE}-{digest.hexdigest()[:12]}", requirements_sha256=None)


def environment_key(app_root: Path, interpreter: Interpreter, interpreter_id: str | None = None) -> EnvironmentKey:
    """The key of the environment for the App's current requirements and this interpreter.

    It covers requirements.txt, the files it includes and the interpreter's real
    path and full version; raises OSError when requirements.txt cannot be read.
    """
    sources = requirement_sources(app_root)
    main_data = sources[0][1]
    if main_data is None:
        main_data = (app_root / REQUIREMENTS).read_bytes()  # raises the OSError that says why
    digest = hashlib.sha256(b"workbench-env-1\0")
    identity = interpreter_id or f"{os.path.realpath(interpreter.executable)}\0{interpreter.version_text}"
    digest.update(identity.encode("utf-8", "surrogateescape") + b"\0")
    for path, data in sources:
        digest.update(os.path.relpath(path, app_root).encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(data).digest() if data is not None else b"<unreadable>")
    return EnvironmentKey(
        name=f"{interpreter.tag}-{digest.hexdigest()[:16]}",
        requirements_sha256=hashlib.sha256(main_data).hexdigest(),
    )


def env_python(env_dir: Path) -> Path:
    """The python of an environment."""
    return env_dir / "bin" / "python"


def is_complete(env_dir: Path) -> bool:
    """Whether an environment was built to the end and its python still resolves (two stats)."""
    return os.path.exists(env_dir / MARKER) and os.path.exists(env_python(env_dir))


def envs_root(app: AppFolder) -> Path:
    """`.workbench/envs/` of an App (created on first use)."""
    root = app.state_dir / ENVS_DIR
    root.mkdir(exist_ok=True)
    return root


def _fix_paths(build_dir: Path, env_dir: Path) -> None:
    """Point the scripts the installers wrote (shebangs, `activate`) at the final folder."""
    old = os.fsencode(build_dir)
    new = os.fsencode(env_dir)
    for folder in (build_dir / "bin",):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink() or not entry.is_file():
                continue
            if entry.stat().st_size > _MAX_FIXUP_BYTES:
                continue
            data = Path(entry.path).read_bytes()
            if old in data:
                Path(entry.path).write_bytes(data.replace(old, new))
    config = build_dir / "pyvenv.cfg"
    if config.is_file():
        data = config.read_bytes()
        if old in data:
            config.write_bytes(data.replace(old, new))


def _move_into_place(build_dir: Path, env_dir: Path, root: Path) -> None:
    trash = None
    if env_dir.exists():
        trash = root / f"{_TRASH_PREFIX}{env_dir.name}-{secrets.token_hex(4)}"
        os.rename(env_dir, trash)
    os.rename(build_dir, env_dir)
    _touch(env_dir)
    if trash is not None:
        remove_tree(trash)


def _discard(path: Path) -> None:
    if path.exists():
        remove_tree(path)


def _touch(env_dir: Path) -> None:
    """Mark an environment as just used (its folder's time orders pruning)."""
    try:
        os.utime(env_dir)
    except OSError:
        pass  # only the pruning order suffers


def _marker_facts(env_dir: Path) -> tuple[str | None, Path | None, frozenset[str] | None]:
    """The installer, the install log and the modules the environment's distributions provide
    (None: a marker written before the workbench kept them)."""
    try:
        facts = json.loads((env_dir / MARKER).read_text(encoding="utf-8"))
        installer = facts.get("installer")
        modules = facts.get("modules")
    except (OSError, ValueError, AttributeError):
        installer = modules = None
    log = env_dir / INSTALL_LOG
    return (
        (installer if isinstance(installer, str) else None),
        (log if log.exists() else None),
        (frozenset(modules) if isinstance(modules, list) else None),
    )


def marker_modules(env_dir: Path) -> frozenset[str] | None:
    """The top-level modules a complete environment's distributions provide (from its marker)."""
    return _marker_facts(env_dir)[2]


def _sweep_leftovers(root: Path) -> None:
    """Delete builds and trash that a crashed or killed run left (called holding the lock)."""
    for entry in _entries(root):
        if entry.name.startswith((_BUILD_PREFIX, _TRASH_PREFIX)) and entry.is_dir(follow_symlinks=False):
            remove_tree(Path(entry.path))


def prune_environments(root: Path, *, keep: int, protect: Path) -> list[str]:
    """Keep the `keep` most recently used environments (always `protect`); delete the rest."""
    envs = [
        entry
        for entry in _entries(root)
        if entry.name.startswith("py") and entry.is_dir(follow_symlinks=False) and Path(entry.path) != protect
    ]
    envs.sort(key=lambda entry: _mtime(entry), reverse=True)
    removed = []
    for entry in envs[max(0, keep - 1) :]:
        remove_tree(Path(entry.path))
        removed.append(entry.name)
    return removed


def _prune_logs(logs: Path) -> None:
    entries = sorted((entry for entry in _entries(logs) if entry.name.endswith(".log")), key=_mtime, reverse=True)
    for entry in entries[KEEP_FAILED_LOGS:]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


def _mtime(entry: os.DirEntry[str]) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return 0.0


def _file_sha256_or_none(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def is_utf8(text: str) -> bool:
    """Whether a path can be written as UTF-8 (venv writes it into text files; uv refuses others)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
