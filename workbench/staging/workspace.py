"""A run's workspace: one of the App's staged copies, brought up to date, checked after the run."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..appcache import (
    STAMP_SIZE,
    AppSnapshot,
    Progress,
    SnapshotFile,
    Stamp,
    app_cache_dir,
    app_cache_name,
    make_stamp,
    stage_root_path,
    stamp,
    unstamp,
)
from ..appcache import snapshot as take_snapshot
from ..appdir import SYSTEM_DIRS, AppFolder
from .files import StagingError, copy_file, ensure_dir, ensure_parents, remove_entry
from .inputs import StagedFile, stage_inputs
from .slots import FOLDER_MODE, Inspection, Manifest, Slot, claim_slot, inspect, remove_all

_FOLDER_STAMP = make_stamp(0, 0, 0, 0, 0, stat.S_IFDIR | FOLDER_MODE)
"""What `Workspace.entries()` gives for a folder (the Node compares files, not folders)."""


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
    walked: bool = False
    """Whether the copy was walked when claimed (it was not checked after its last run)."""
    slot: Slot | None = None
    staged: Manifest = field(default_factory=Manifest)
    """What the copy holds as the run starts."""
    checked: Inspection | None = None
    """The walk after the run (`check_workspace`), put right by `discard_workspace`."""
    identity: tuple[tuple[int, int], ...] = ()
    """(device, inode) of the slot's folder and the workspace as staged: a run may rename
    them and put symlinks in their place, and nothing is ever removed through one."""

    @property
    def input_dir(self) -> Path:
        return self.path / "input"

    @property
    def output_dir(self) -> Path:
        return self.path / "output"

    def entries(self) -> dict[str, Stamp]:
        """Every entry of the copy outside `input/` and `output/` as the run starts (folders as `path/`),
        with its stat data: what the workbench staged, so no walk is needed."""
        found: dict[str, Stamp] = {rel: recorded[:STAMP_SIZE] for rel, recorded in self.staged.files.items()}
        folder = _FOLDER_STAMP
        for rel in self.staged.folders:
            found[rel + "/"] = folder
        return found


def stage_workspace(
    app: AppFolder,
    inputs: list[Path],
    parent: Path | None = None,
    *,
    snapshot: AppSnapshot | None = None,
    progress: Progress | None = None,
) -> Workspace:
    """A fresh workspace: the App's files as they are now, empty `input/` and `output/`, the inputs.

    The workspace is one of the App's staged copies (see `workbench.staging`),
    claimed for this run until `discard_workspace`, and brought up to date first.
    `parent` is the stage root (default: `workbench.appcache.stage_root()`).
    """
    try:
        cache = app_cache_dir(app, parent)
        if snapshot is None:
            snapshot = take_snapshot(app, cache_dir=cache, progress=progress)
        slot = claim_slot(cache)
    except OSError as error:
        raise StagingError(f"could not stage the run: {error}") from None
    workspace = Workspace(slot.folder / _workspace_name(app.root), app_hash=snapshot.content_hash, slot=slot)
    try:
        _bring_up_to_date(app, snapshot, slot, workspace, progress)
        workspace.inputs = stage_inputs(inputs, workspace.input_dir, workspace.notes)
    except OSError as error:
        discard_workspace(workspace)
        raise StagingError(f"could not stage the run: {error}") from None
    return workspace


def _workspace_name(app_root: Path) -> str:
    """The name of the workspace folder in a slot: the App folder's own name, as a Node's checkout has it."""
    return app_root.name if app_root.name not in ("", ".", "..") else "app"


def staged_workspace_paths(app_root: Path, parent: Path | None = None) -> list[Path]:
    """The paths the App's runs have had as their workspace: one per staged copy that exists now.

    A kept log (History) names files there; `display.author_paths` maps each of
    these back to the App's folder. Reads the stage root only: nothing is created.
    """
    slots = stage_root_path(parent) / app_cache_name(app_root) / "slots"
    try:
        numbers = sorted(entry.name for entry in os.scandir(slots) if entry.name.isdigit())
    except OSError:
        return []
    return [slots / number / _workspace_name(app_root) for number in numbers]


def _bring_up_to_date(
    app: AppFolder, snapshot: AppSnapshot, slot: Slot, workspace: Workspace, progress: Progress | None
) -> None:
    """Make the staged copy hold exactly the App's files as snapshot, and empty input/ and output/.

    A copy checked after its last run (`N.checked`, removed now: the copy is in
    use) is as its manifest says. Any other is walked (`slots.inspect`): whatever
    a run changed or added is removed. Then the App's new and changed files are
    copied in, and the files and folders it no longer has removed.
    """
    root = workspace.path
    try:
        os.unlink(slot.checked_path)
        checked = True
    except FileNotFoundError:
        checked = False
    manifest = Manifest.load(slot.manifest_path) if checked else None
    source = source_key(snapshot)
    if manifest is not None and manifest.source == source and _is_folder(root):
        # Checked after its last run, and a copy of these very files: nothing to compare.
        for name in SYSTEM_DIRS:
            remove_entry(str(root / name))
            os.mkdir(root / name)
        workspace.staged = manifest
        workspace.identity = _identity(slot.folder, root)
        return
    wanted: dict[str, SnapshotFile] = {}
    for item in snapshot.files:
        if item.sha256 is None:
            raise OSError(f"{app.root / item.path}: cannot be read")
        wanted[item.path] = item
    folders = _folders_of(wanted)
    if manifest is not None and _is_folder(root):
        kept = dict(manifest.files)
        for rel in sorted(manifest.folders - folders, reverse=True):  # deepest first
            remove_entry(str(root / rel))
            kept = {path: value for path, value in kept.items() if not path.startswith(rel + "/")}
        for name in SYSTEM_DIRS:
            remove_entry(str(root / name))
    else:
        workspace.walked = True
        # The slot holds only the workspace: anything a run put beside it (`../x`) goes.
        ensure_dir(slot.folder, 0o700)
        for entry in os.scandir(slot.folder):
            if entry.name != root.name:
                remove_entry(entry.path)
                workspace.removed += 1
        old = Manifest.load(slot.manifest_path) if ensure_dir(root, 0o700) else None
        found = inspect(root, old.files if old is not None else {}, folders, system_dirs=True)
        workspace.removed += sum(1 for path in found.remove if os.path.relpath(path, root) not in wanted)
        remove_all(found.remove)
        kept = found.kept
    changed = bool(not checked or manifest is None)
    missing = []
    for rel, item in wanted.items():
        recorded = kept.get(rel)
        if (
            recorded is not None
            and recorded[STAMP_SIZE:].hex() == item.sha256
            and stat.S_IMODE(unstamp(recorded)[5]) == item.mode
        ):
            continue
        if recorded is not None:
            os.unlink(root / rel)
            del kept[rel]
        missing.append(item)
    for rel in [rel for rel in kept if rel not in wanted]:
        os.unlink(root / rel)
        del kept[rel]
        changed = True
    total = sum(item.size for item in missing)
    done = 0
    for item in missing:
        if "/" in item.path:
            ensure_parents(root, item.path)
        info = copy_file(app.root / item.path, root / item.path, item.mode)
        kept[item.path] = stamp(info) + bytes.fromhex(item.sha256)  # type: ignore[arg-type]  # checked: not None
        done += item.size
        if progress is not None:
            progress("staging", done, total)
    for name in SYSTEM_DIRS:
        os.mkdir(root / name)
    workspace.restored = len(missing)
    workspace.staged = Manifest(kept, folders, source)
    workspace.identity = _identity(slot.folder, root)
    if missing or changed or manifest is None or manifest.folders != folders or manifest.source != source:
        workspace.staged.save(slot.manifest_path)


def source_key(snapshot: AppSnapshot) -> str:
    """The App's content hash and its files' modes: what a staged copy must match."""
    return snapshot.content_hash + ":" + snapshot.modes_key


def _folders_of(files: dict[str, SnapshotFile]) -> frozenset[str]:
    folders: set[str] = set()
    for path in files:
        cut = path.rfind("/")
        while cut > 0 and (parent := path[:cut]) not in folders:
            folders.add(parent)
            cut = path.rfind("/", 0, cut)
    return frozenset(folders)


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _identity(*paths: Path) -> tuple[tuple[int, int], ...]:
    """(device, inode) of each path (not following a symlink at its end); () when one is not a folder."""
    found = []
    for path in paths:
        try:
            info = os.lstat(path)
        except OSError:
            return ()
        if not stat.S_ISDIR(info.st_mode):
            return ()
        found.append((info.st_dev, info.st_ino))
    return tuple(found)


def _still_ours(workspace: Workspace) -> bool:
    """Whether the slot's folder and the workspace are the folders staged (not renamed away and
    replaced, by a folder or a symlink to one: a run may do both)."""
    slot = workspace.slot
    return slot is not None and bool(workspace.identity) and (
        _identity(slot.folder, workspace.path) == workspace.identity
    )


def check_workspace(workspace: Workspace) -> dict[str, Stamp] | None:
    """After the run (its processes ended): walk the copy once, outside `input/` and `output/`.

    Returns every entry met (folders as `path/`; not inside folders the run made)
    with its stat data, for the Node's comparison with `Workspace.entries()`;
    `discard_workspace` then puts right what the run changed, so the next claim
    of the copy need not walk it. None when the run renamed the workspace (or its
    slot) away: nothing is walked, and the next claim walks the slot from its own path.
    """
    if not _still_ours(workspace):
        workspace.checked = None
        return None
    found = inspect(workspace.path, workspace.staged.files, workspace.staged.folders, system_dirs=False)
    workspace.checked = found
    return found.entries


def discard_workspace(workspace: Workspace) -> None:
    """Empty the run's `input/` and `output/` and give the staged copy back for the next run.

    When the copy was checked after the run (`check_workspace`), what the run
    changed is removed now and the copy marked checked; otherwise its next claim walks it.
    """
    slot = workspace.slot
    try:
        if workspace.identity and not _still_ours(workspace):
            return  # renamed and replaced by the run: its next claim puts the slot right
        for name in SYSTEM_DIRS:
            remove_entry(str(workspace.path / name))
        found = workspace.checked
        if slot is not None and found is not None and found.complete:
            extra = [entry.path for entry in os.scandir(slot.folder) if entry.name != workspace.path.name]
            remove_all(found.remove + extra)
            if stat.S_IMODE(os.lstat(workspace.path).st_mode) != 0o700:
                os.chmod(workspace.path, 0o700)
            if found.kept != workspace.staged.files:
                Manifest(found.kept, workspace.staged.folders, None).save(slot.manifest_path)
            slot.checked_path.touch()
    except OSError:
        pass
    finally:
        workspace.checked = None
        if slot is not None:
            slot.release()



