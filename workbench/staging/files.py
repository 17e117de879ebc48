"""The file operations staging is made of (never following a symlink), and its error."""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

from ..fsutil import remove_tree


class StagingError(Exception):
    """An input cannot be staged. The message names the path and what to do."""


def ensure_dir(path: Path, mode: int) -> bool:
    """Make `path` a real folder (not a symlink); return whether it already was one."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        os.mkdir(path, mode)
        return False
    if stat.S_ISDIR(info.st_mode):
        if stat.S_IMODE(info.st_mode) != mode:
            os.chmod(path, mode)
        return True
    os.unlink(path)
    os.mkdir(path, mode)
    return False


def ensure_parents(root: Path, rel: str) -> None:
    """Make the folders of `rel` under `root` (each was checked to be a real folder or absent)."""
    folder = root
    for part in rel.split("/")[:-1]:
        folder = folder / part
        try:
            os.mkdir(folder, 0o755)
        except FileExistsError:
            pass


def remove_entry(path: str) -> None:
    """Delete a file, symlink or whole folder (a symlink is removed, never followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        remove_tree(Path(path))
    else:
        os.unlink(path)


_FICLONE = 0x40049409


def copy_file(source: Path, dest: Path, mode: int) -> os.stat_result:
    """Copy one file to a new `dest` (a reflink where the file system has them, else
    `copy_file_range`, else reads and writes) with `mode`; return the copy's stat data."""
    with open(source, "rb") as src:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.ioctl(fd, _FICLONE, src.fileno())
            except OSError:
                _copy_bytes(src.fileno(), fd)
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
    return os.lstat(dest)


def _copy_bytes(src: int, dst: int) -> None:
    try:
        while os.copy_file_range(src, dst, 1 << 30):
            pass
        return
    except OSError:
        os.lseek(src, 0, os.SEEK_SET)
        os.ftruncate(dst, 0)
        os.lseek(dst, 0, os.SEEK_SET)
    while block := os.read(src, 1 << 20):
        view = memoryview(block)
        while view:
            view = view[os.write(dst, view) :]


