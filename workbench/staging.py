"""Staging: a fresh workspace for each run, as a Node prepares one, and collecting `output/`.

A workspace is a staged copy of the App kept between runs in the App's cache
folder (`workbench.appcache`), never inside the App folder: nothing a run does
there (even `../`) reaches the author's files, which are only ever read.

Staging costs what changed, not the App's size. Each App has one staged copy per
concurrent run (`slots/0/`, `slots/1/`, ... each claimed under a lock, so runs of
`workbench test --jobs 4` never share one). Claiming a copy brings it up to date:
the App's files are hashed by stat data (only changed ones are read); the staged
copy is walked and every file whose stat data is not what the workbench recorded
when it copied it (a previous run wrote, truncated, chmod-ed, renamed or replaced
it) is copied again, everything a previous run added is removed, and `input/` and
`output/` start empty. A run therefore never sees a previous run's writes, and an
unchanged App costs two walks of stat calls instead of a copy and a hash of every byte.
Copies are reflinks where the file system has them. A run's `output/` is moved,
not copied, into the history when both are on one file system.
"""

from __future__ import annotations

import errno
import fcntl
import marshal
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .appcache import AppSnapshot, Progress, SnapshotFile, app_cache_dir, file_digest
from .appcache import snapshot as take_snapshot
from .appdir import SYSTEM_DIRS, AppFolder
from .fsutil import copy_and_hash, human_size, remove_tree


class StagingError(Exception):
    """An input cannot be staged. The message names the path and what to do."""


@dataclass(frozen=True)
class StagedFile:
    """One file copied into `input/`."""

    name: str
    """Path relative to `input/`."""
    size: int
    sha256: str


@dataclass(frozen=True)
class CollectedOutput:
    """One entry found in `output/` after a run."""

    path: str
    size: int
    sha256: str | None
    is_symlink: bool = False
    link_target: str | None = None


@dataclass
class Workspace:
    """A staged copy of an App, ready to run, held by this run until discarded."""

    path: Path
    inputs: list[StagedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What staging left out, one line each (a symlinked folder inside a staged folder)."""
    app_hash: str | None = None
    """The App's content hash as staged."""
    restored: int = 0
    """App files copied into the staged copy this time (new, changed, or changed by a run)."""
    removed: int = 0
    """Entries a previous run left in the staged copy, removed this time."""
    lock_fd: int | None = None

    @property
    def input_dir(self) -> Path:
        return self.path / "input"

    @property
    def output_dir(self) -> Path:
        return self.path / "output"


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


def stage_workspace(
    app: AppFolder,
    inputs: list[Path],
    parent: Path | None = None,
    *,
    snapshot: AppSnapshot | None = None,
    progress: Progress | None = None,
) -> Workspace:
    """A fresh workspace: the App's files as they are now, empty `input/` and `output/`, the inputs.

    The workspace is one of the App's staged copies (see the module's docstring),
    claimed for this run until `discard_workspace`, and brought up to date first.
    `parent` is the stage root (default: `workbench.appcache.stage_root()`).
    """
    try:
        cache = app_cache_dir(app, parent)
        if snapshot is None:
            snapshot = take_snapshot(app, cache_dir=cache, progress=progress)
        slot, lock_fd = _claim_slot(cache)
    except OSError as error:
        raise StagingError(f"could not stage the run: {error}") from None
    workspace = Workspace(slot / _workspace_name(app), app_hash=snapshot.content_hash, lock_fd=lock_fd)
    try:
        _sync_slot(app, snapshot, cache, slot, workspace, progress)
        for source in inputs:
            if source.is_dir():
                workspace.inputs += _stage_tree(
                    source, workspace.input_dir / source.name, source.name, workspace.notes
                )
            else:
                size, digest = copy_and_hash(source, workspace.input_dir / source.name)
                workspace.inputs.append(StagedFile(source.name, size, digest))
    except OSError as error:
        discard_workspace(workspace)
        raise StagingError(f"could not stage the run: {error}") from None
    return workspace


def _workspace_name(app: AppFolder) -> str:
    return app.name if app.name not in ("", ".", "..") else "app"


def _claim_slot(cache: Path) -> tuple[Path, int]:
    """Lock the first free staged copy of the App (one per concurrent run), creating one if need be."""
    slots = cache / "slots"
    slots.mkdir(exist_ok=True)
    number = 0
    while True:
        fd = os.open(slots / f"{number}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            number += 1
            continue
        except BaseException:
            os.close(fd)
            raise
        slot = slots / str(number)
        return slot, fd


def _manifest_path(cache: Path, slot: Path) -> Path:
    return cache / "slots" / f"{slot.name}.manifest"


def _load_manifest(path: Path) -> dict[str, tuple[Any, ...]]:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return data.get("files", {}) if isinstance(data, dict) and data.get("version") == 1 else {}


def _sync_slot(
    app: AppFolder, snapshot: AppSnapshot, cache: Path, slot: Path, workspace: Workspace, progress: Progress | None
) -> None:
    """Make the staged copy hold exactly the App's files as snapshot, and empty input/ and output/.

    Each staged file's stat data (inode, size, times, mode) was recorded when it was
    copied: anything a run did to it (a write, truncate, chmod, rename, a new hard
    link) moves its change time, so it no longer matches and is copied again.
    Anything else found in the copy (a run's new files, symlinks put in place of
    files or folders) is removed. Nothing is ever followed through a symlink.
    """
    manifest_path = _manifest_path(cache, slot)
    manifest = _load_manifest(manifest_path)
    root = workspace.path
    # The slot holds only the workspace: anything a run put beside it (`../x`) goes.
    _ensure_dir(slot, 0o700)
    for entry in os.scandir(slot):
        if entry.name != root.name:
            _remove_entry(entry.path)
            workspace.removed += 1
    if not _ensure_dir(root, 0o700):
        manifest = {}
    wanted: dict[str, SnapshotFile] = {}
    for item in snapshot.files:
        if item.sha256 is None:
            raise OSError(f"{app.root / item.path}: cannot be read")
        wanted[item.path] = item
    folders = set()
    for path in wanted:
        cut = path.rfind("/")
        while cut > 0 and (parent := path[:cut]) not in folders:
            folders.add(parent)
            cut = path.rfind("/", 0, cut)
    kept: dict[str, tuple[Any, ...]] = {}
    pending = [("", str(root))]
    while pending:
        prefix, folder = pending.pop()
        for entry in os.scandir(folder):
            rel = prefix + entry.name
            if not prefix and entry.name in SYSTEM_DIRS:
                _remove_entry(entry.path)  # recreated empty below
                continue
            info = entry.stat(follow_symlinks=False)
            if rel in folders:
                if stat.S_ISDIR(info.st_mode):
                    if stat.S_IMODE(info.st_mode) != 0o755:
                        os.chmod(entry.path, 0o755)
                    pending.append((rel + "/", entry.path))
                    continue
            elif rel in wanted:
                item = wanted[rel]
                was = manifest.get(rel)
                now = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode, item.sha256)
                if stat.S_ISREG(info.st_mode) and was == now:
                    kept[rel] = was
                    continue
            _remove_entry(entry.path)
            workspace.removed += rel not in wanted and rel not in folders
    missing = [item for path, item in wanted.items() if path not in kept]
    total = sum(item.size for item in missing)
    done = 0
    for item in missing:
        dest = root / item.path
        if "/" in item.path:
            _ensure_parents(root, item.path)
        kept[item.path] = _copy_in(app.root / item.path, dest, item)
        done += item.size
        if progress is not None:
            progress("staging", done, total)
    workspace.restored = len(missing)
    for name in SYSTEM_DIRS:
        os.mkdir(root / name)
    if missing or len(kept) != len(manifest):
        _save_marshal(manifest_path, {"version": 1, "files": kept})


def _ensure_dir(path: Path, mode: int) -> bool:
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


def _ensure_parents(root: Path, rel: str) -> None:
    folder = root
    for part in rel.split("/")[:-1]:
        folder = folder / part
        try:
            os.mkdir(folder, 0o755)
        except FileExistsError:
            pass  # checked by the walk: a real folder


def _remove_entry(path: str) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        remove_tree(Path(path))
    else:
        os.unlink(path)


_FICLONE = 0x40049409


def _copy_in(source: Path, dest: Path, item: SnapshotFile) -> tuple[Any, ...]:
    """Copy one App file into the staged copy (a reflink where the file system has them);
    return its manifest entry."""
    with open(source, "rb") as src:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.ioctl(fd, _FICLONE, src.fileno())
            except OSError:
                _copy_bytes(src.fileno(), fd)
            os.fchmod(fd, item.mode)
        finally:
            os.close(fd)
    info = os.lstat(dest)
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_mode, item.sha256)


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


def _save_marshal(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(marshal.dumps(data))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
                    _remove_entry(entry.path)
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


def discard_workspace(workspace: Workspace) -> None:
    """Empty the run's `input/` and `output/` and give the staged copy back for the next run.

    Whatever else the run changed is put right when the copy is next claimed.
    """
    try:
        for name in SYSTEM_DIRS:
            _remove_entry(str(workspace.path / name))
    except OSError:
        pass
    finally:
        if workspace.lock_fd is not None:
            os.close(workspace.lock_fd)
            workspace.lock_fd = None
