"""Small file-system helpers shared by the core: hashing, copying, atomic writes, removal."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    """The sha256 of a file's contents, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def copy_and_hash(source: Path, dest: Path) -> tuple[int, str]:
    """Copy a regular file's contents, returning its size and sha256 from the same read."""
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, open(dest, "wb") as dst:
        while block := src.read(_BLOCK):
            digest.update(block)
            dst.write(block)
            size += len(block)
    shutil.copymode(source, dest)
    return size, digest.hexdigest()


def atomic_write_text(path: Path, text: str, *, through_symlink: bool = False) -> None:
    """Write a file so that readers see the old or the new contents, never a part.

    A file that exists keeps its mode (a private 0600 file stays private). With
    `through_symlink`, a symlink is written through: its target is replaced and
    the link stays a link (an author's file kept elsewhere, say).
    """
    if through_symlink:
        path = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = new_file_mode()
    with atomic_writer(path, mode=mode, durable=True) as handle:
        handle.write(text)


@contextmanager
def atomic_writer(
    path: Path, *, binary: bool = False, encoding: str = "utf-8", mode: int | None = None, durable: bool = False
) -> Iterator[IO[Any]]:
    """A file to write in the block, which then replaces `path` whole: readers see the old
    contents or the new, never a part. After an error `path` is as it was and the temporary
    file is gone. `mode` sets the file's permissions (else it stays private, 0600);
    `durable` puts it on disk before it replaces `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else encoding) as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def new_file_mode() -> int:
    """The mode a file created now gets (0666 less the process's umask)."""
    return 0o666 & ~_umask()


def real_folder(path: Path) -> None:
    """Make `path` a folder, not a symlink to one or a file (a run may have put one there): nothing
    the workbench keeps is written, staged, walked or removed through a symlink."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        os.mkdir(path, 0o700)
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        os.mkdir(path, 0o700)


def load_marshal(path: Path) -> Any:
    """A marshal file's data, or None when it is missing or unreadable."""
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def save_marshal(path: Path, data: Any) -> None:
    """Write a marshal file atomically (a reader sees the old file or the whole new one)."""
    with atomic_writer(path, binary=True) as handle:
        handle.write(marshal.dumps(data))


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_tree(path: Path) -> None:
    """Delete a folder even where a run made parts of it read-only or thousands of levels deep."""

    def _retry(func: Callable[[str], object], failed_path: str, _exc_info: object) -> None:
        try:
            os.chmod(os.path.dirname(failed_path), 0o700)
            os.chmod(failed_path, 0o700)
            func(failed_path)
        except OSError:
            pass

    try:
        shutil.rmtree(path, onerror=_retry)
    except RecursionError:  # shutil recurses once per level
        _remove_flat(path)


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _remove_flat(path: Path) -> None:
    """Delete a tree of any depth: every sub-folder is first moved up to one folder
    just under `path`, so nothing is ever more than two levels deep."""
    try:
        top = os.open(path, _DIR_FLAGS)
    except OSError:
        return
    hoist = f".workbench-removing-{os.getpid()}-{id(path)}"
    try:
        os.mkdir(hoist, 0o700, dir_fd=top)
        hoist_fd = os.open(hoist, _DIR_FLAGS, dir_fd=top)
        try:
            counter = 0
            pending: list[str | None] = [None]  # None: `path` itself; else a name in the hoist folder
            while pending:
                name = pending.pop()
                fd = top if name is None else os.open(name, _DIR_FLAGS, dir_fd=hoist_fd)
                try:
                    try:
                        os.fchmod(fd, 0o700)
                    except OSError:
                        pass
                    for entry in list(os.scandir(fd)):
                        if name is None and entry.name == hoist:
                            continue
                        if entry.is_dir(follow_symlinks=False):
                            counter += 1
                            os.rename(entry.name, str(counter), src_dir_fd=fd, dst_dir_fd=hoist_fd)
                            pending.append(str(counter))
                        else:
                            os.unlink(entry.name, dir_fd=fd)
                finally:
                    if fd != top:
                        os.close(fd)
                if name is not None:
                    os.rmdir(name, dir_fd=hoist_fd)
        finally:
            os.close(hoist_fd)
        os.rmdir(hoist, dir_fd=top)
    except OSError:
        pass  # as shutil.rmtree with onerror: remove what can be removed
    finally:
        os.close(top)
    try:
        os.rmdir(path)
    except OSError:
        pass


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(data: object, *, indent: int | None = 2) -> str:
    """JSON text of `data` that keeps file names that are not UTF-8, losslessly.

    On Linux a file name is bytes; Python reads a byte that is not UTF-8 as a lone
    surrogate (`surrogateescape`: b"\\xff" is "\\udcff"). Such a character is written
    as its JSON escape (`"\\udcff"`), which `json.loads` reads back to the same name,
    so `os.fsencode` gives the same bytes. Every other character is written as itself.
    """
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def human_size(size: int) -> str:
    """A byte count for people: `512 B`, `1.5 KiB`, `12 MiB`."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            shown = f"{value:.0f}" if value >= 100 else f"{value:.1f}".removesuffix(".0")
            return f"{shown} {unit}"
    raise AssertionError("unreachable")


def read_tail_bytes(path: Path, limit: int) -> tuple[bytes, bool]:
    """The last `limit` bytes of a file, from a line start, and whether earlier bytes were left out.

    The one tail reader: the history's log view (`filepreview.read_tail`) and a
    preset's failure context (`workbench.presets`) both read logs' ends with it.
    Raises OSError (FileNotFoundError for a missing file).
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        start = max(0, size - limit)
        handle.seek(start)
        data = handle.read(limit)
    if start > 0:
        newline = data.find(b"\n")
        if 0 <= newline < len(data) - 1:
            data = data[newline + 1 :]
    return data, start > 0


_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """A byte count from `500M`, `2G`, `1.5GiB`, `4096` (binary units); ValueError if not one."""
    cleaned = text.strip().lower().removesuffix("ib").removesuffix("b") if text.strip().lower() not in ("b",) else ""
    number, unit = cleaned, ""
    if cleaned and cleaned[-1] in _UNITS:
        number, unit = cleaned[:-1], cleaned[-1]
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r}: not a size (give bytes, or a number with K, M, G or T)") from None
    if value < 0 or value != value:
        raise ValueError(f"{text!r}: a size cannot be negative")
    return int(value * _UNITS[unit])


def size_from_environment(variable: str, default: int) -> int:
    """A byte count from the environment variable `variable` if it holds a size, else `default`."""
    value = os.environ.get(variable)
    if value:
        try:
            return parse_size(value)
        except ValueError:
            pass
    return default
