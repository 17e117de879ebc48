"""Small file-system helpers shared by the core: hashing, copying, atomic writes, removal."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

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


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new contents, never a part."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); give it the mode any new file gets.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_tree(path: Path) -> None:
    """Delete a folder even where a run made parts of it read-only."""

    def _retry(func, failed_path, _exc_info):
        try:
            os.chmod(os.path.dirname(failed_path), 0o700)
            os.chmod(failed_path, 0o700)
            func(failed_path)
        except OSError:
            pass

    shutil.rmtree(path, onerror=_retry)
