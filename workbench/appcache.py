"""The workbench's cache for an App, outside its folder: file hashes by stat data, staged copies.

Hashing an App reads only the files whose stat data changed since they were last
hashed, as git's index does: a file whose size, modification and change times and
inode are those recorded is taken to hold the bytes it held then. A change time
moves on every write, truncate, chmod or rename, and cannot be set back by a
program, so an edit that keeps the size and resets the modification time is seen
too. A file changed within 100 ms of being hashed is hashed again next time (a
"racily clean" entry: a write in the same clock tick would not move its times).

The cache lives in one folder per App under the stage root (see `stage_root`),
never inside the App folder: nothing there is copied, watched or hashed.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import tempfile
import time
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from .appdir import AppFolder, list_app_files
from .fsutil import load_marshal, real_folder, save_marshal

STAGE_DIR_VARIABLE = "WORKBENCH_STAGE_DIR"
"""Where the staged copies and hash caches of every App are kept (default: a private
folder in the system's temporary folder)."""

HASH_CACHE = "hashes.marshal"
_CACHE_VERSION = 3
_RACY_NS = 100_000_000
"""A file changed this close before its hash was recorded is hashed again: file times move
in clock ticks (at most 10 ms), so a write in the same tick would not show."""
_BLOCK = 1 << 20

Progress = Callable[[str, int, int], None]
"""Called as `progress(what, done, total)` during long work (hashing, staging, collecting)."""


def stage_root_path(parent: Path | None = None) -> Path:
    """Where the folder holding every App's cache is (nothing is created)."""
    if parent is not None:
        return Path(parent)
    if os.environ.get(STAGE_DIR_VARIABLE):
        return Path(os.environ[STAGE_DIR_VARIABLE])
    return Path(tempfile.gettempdir()) / f"workbench-stage-{os.getuid()}"


def stage_root(parent: Path | None = None) -> Path:
    """The folder holding every App's cache: private to this user, created on first use."""
    root = stage_root_path(parent)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OSError(f"{root}: not a folder of this user's; remove it or set {STAGE_DIR_VARIABLE}")
    return root


def app_cache_name(app_root: Path) -> str:
    """The name of one App's cache folder in the stage root: its folder's name and a hash of its resolved path."""
    tag = hashlib.sha256(os.fsencode(str(app_root))).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in app_root.name)[:40] or "app"
    return f"{safe}-{tag}"


def app_cache_dir(app: AppFolder, parent: Path | None = None) -> Path:
    """The cache folder of one App (by its resolved path), created on first use."""
    path = stage_root(parent) / app_cache_name(app.root)
    real_folder(path)  # a run can reach the stage root (../../..) and put a link in its place
    origin = path / "app-path"
    if not origin.exists():
        origin.write_bytes(os.fsencode(str(app.root)))
    return path


class SnapshotFile(NamedTuple):
    """One file of the App as hashed now (a named tuple: an App may have many thousands)."""

    path: str
    size: int
    mode: int
    sha256: str | None
    """None when the file could not be read."""


Stamp = bytes
"""A file's stat data as recorded, packed (`stamp`): a cache of many thousands loads fast."""
_STAMP = struct.Struct("<QQQqqI")
STAMP_SIZE = _STAMP.size
_DIGEST_SIZE = 32


def stamp(info: os.stat_result) -> Stamp:
    """The stat data by which a recorded file is taken to be unchanged: inode, device, size,
    modification and change times (ns), mode. The one comparison both the hash cache and the
    staged copies make (see the module's docstring)."""
    return _STAMP.pack(info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode)


def unstamp(value: Stamp) -> tuple[int, int, int, int, int, int]:
    """A stamp's fields: (inode, device, size, mtime_ns, ctime_ns, mode)."""
    return _STAMP.unpack_from(value)


def make_stamp(ino: int, dev: int, size: int, mtime_ns: int, ctime_ns: int, mode: int) -> Stamp:
    return _STAMP.pack(ino, dev, size, mtime_ns, ctime_ns, mode)


class AppSnapshot:
    """The App's files, their hashes and the App's content hash, at one moment."""

    def __init__(
        self,
        listed: list[tuple[str, os.stat_result]],
        digests: dict[str, bytes],
        content_hash: str,
        modes_key: str,
        hashed_files: int,
        hashed_bytes: int,
    ) -> None:
        self._listed = listed
        self._digests = digests
        self.content_hash = content_hash
        self.modes_key = modes_key
        """A hash of the files' modes (an App whose files' modes changed is staged again)."""
        self.hashed_files = hashed_files
        """Files read this time (their stat data had changed or was new)."""
        self.hashed_bytes = hashed_bytes
        self._files: list[SnapshotFile] | None = None

    @property
    def files(self) -> list[SnapshotFile]:
        """The files in path order (made on first use: an unchanged App's staging needs only the hashes)."""
        if self._files is None:
            digests = self._digests
            files = []
            for path, info in self._listed:
                entry = digests.get(path)
                sha = entry[STAMP_SIZE:].hex() if entry is not None else None
                files.append(SnapshotFile(path, info.st_size, stat.S_IMODE(info.st_mode), sha))
            self._files = files
        return self._files


def file_digest(path: Path | str) -> tuple[int, str]:
    """Size and sha256 of a file's contents."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def content_hash_of(files: list[SnapshotFile]) -> str:
    """The App's content hash: a sha256 over its files' paths and contents' hashes, in path order."""
    digest = hashlib.sha256()
    for item in files:
        digest.update(item.path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(item.sha256.encode() if item.sha256 is not None else b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def _load(path: Path) -> dict[str, Any]:
    data = load_marshal(path)
    if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
        return {}
    return data


def _save(path: Path, data: dict[str, Any]) -> None:
    try:
        save_marshal(path, data)
    except OSError:
        pass  # a cache: the next run hashes again


def content_hash(app: AppFolder) -> str:
    """A sha256 over the App's files: their paths and contents.

    Incremental: only files whose stat data changed since the last hash are read.
    """
    return snapshot(app).content_hash


def snapshot(app: AppFolder, *, cache_dir: Path | None = None, progress: Progress | None = None) -> AppSnapshot:
    """The App's files and content hash, reading only files changed since the last snapshot."""
    if cache_dir is None:
        try:
            cache_dir = app_cache_dir(app)
        except OSError:
            cache_dir = None
    cache_path = cache_dir / HASH_CACHE if cache_dir is not None else None
    cache = _load(cache_path) if cache_path is not None else {}
    known: dict[str, bytes] = cache.get("files", {})
    recorded_ns: int = cache.get("recorded_ns", 0)
    now_ns = time.time_ns()
    listed = list_app_files(app.root)
    fresh: dict[str, bytes] = {}
    to_hash = []
    racy_after = recorded_ns - _RACY_NS
    pack = _STAMP.pack
    for path, info in listed:
        key = pack(info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode)
        old = known.get(path)
        if old is not None and old.startswith(key) and info.st_ctime_ns < racy_after and info.st_mtime_ns < racy_after:
            fresh[path] = old
        else:
            to_hash.append((path, info, key))
    total_bytes = sum(info.st_size for _path, info, _key in to_hash)
    done_bytes = 0
    for path, info, key in to_hash:
        try:
            _size, digest = file_digest(app.root / path)
        except OSError:
            pass
        else:
            fresh[path] = key + bytes.fromhex(digest)
        done_bytes += info.st_size
        if progress is not None:
            progress("hashing", done_bytes, total_bytes)
    unchanged = not to_hash and len(fresh) == len(known) == len(listed)
    content_hash = cache.get("content_hash") if unchanged else None
    modes_key = cache.get("modes_key") if unchanged else None
    result = AppSnapshot(listed, fresh, "", "", len(to_hash), total_bytes)
    if content_hash is None or modes_key is None:
        content_hash = content_hash_of(result.files)
        modes = array("H", [stat.S_IMODE(info.st_mode) for _path, info in listed])
        modes_key = hashlib.sha256(modes.tobytes()).hexdigest()
        unchanged = False
    result.content_hash, result.modes_key = content_hash, modes_key
    if cache_path is not None and not unchanged:
        _save(
            cache_path,
            {
                "version": _CACHE_VERSION,
                "recorded_ns": now_ns,
                "files": fresh,
                "content_hash": content_hash,
                "modes_key": modes_key,
            },
        )
    return result
