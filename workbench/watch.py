"""Watching an App's files for saves, to run the App again (watch mode).

Only files that belong to the App (as `AppFolder.contains` says) count: never
`.workbench/` (where runs keep their logs and outputs), `.venv/`, `input/`,
`output/`, `__pycache__`, version-control folders, `presets.toml`, `golden/`
(unless asked to, for `workbench test --watch`) or editor swap and temporary files. So the files a run writes can never start
another run. An editor's atomic save (a temporary file renamed over the file,
or a rename to a backup and a fresh write) reads as a save of the file.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, awatch

from .appdir import GOLDEN_DIR, PRESETS_FILE, AppFolder

STEP_MS = 20
"""Milliseconds of quiet that end a burst of changes (watchfiles' `step`)."""
DEBOUNCE_MS = 400
"""The longest a burst of changes is gathered before it is reported (watchfiles' `debounce`)."""

_SWAP_FILE = re.compile(
    r"""(
        \.sw[a-p]$ | \.swx$ | ~$ | ^\.\#.* | ^\#.*\#$   # vim, emacs
      | ___jb_\w+___$ | \.kate-swp$                     # JetBrains safe-write, Kate
      | ^\.goutputstream-\w+$                            # gedit and GLib's safe-write
      | ^sed[A-Za-z0-9]{6}$                              # sed -i's temporary file
      | ^tmp[a-z0-9_]{8}$                                # Python's tempfile names
      | ^4913$ | \.tmp$ | \.part$ | \.crdownload$       # vim's probe, partial writes
      | \.py[cod]$ | ^\.DS_Store$
    )""",
    re.VERBOSE,
)


def is_swap_file(name: str) -> bool:
    """Whether a file name is an editor's swap, backup or partial-write file."""
    return bool(_SWAP_FILE.search(name))


def is_watched(app: AppFolder, path: Path, *, tests: bool = False) -> bool:
    """Whether a change to `path` (absolute) is a change to the App (with `tests`, or to its presets)."""
    if is_swap_file(path.name):
        return False
    return app.contains(path) or (tests and is_test_file(app, path))


def is_test_file(app: AppFolder, path: Path) -> bool:
    """Whether `path` is the App's presets file or one of its golden copies (the author's tests)."""
    try:
        parts = path.relative_to(app.root).parts if path.is_absolute() else path.parts
    except ValueError:
        return False
    return parts == (PRESETS_FILE,) or (len(parts) > 1 and parts[0] == GOLDEN_DIR)


@dataclass(frozen=True)
class AppChange:
    """One burst of changes to the App's files."""

    paths: tuple[str, ...]
    """The changed files, relative to the App folder, sorted."""
    reason: str
    """Why a run starts, for the author: `saved main.py`, `saved main.py and 2 other files`."""
    app_reason: str | None = None
    """The same, over the App's own files only (not `presets.toml` or `golden/`); None when the
    burst changed none of them. Set only when watching with `tests`; else `reason` is about the App."""


def describe_changes(
    app: AppFolder, changes: set[tuple[Change, str]], known: set[str] | None = None, *, tests: bool = False
) -> AppChange | None:
    """Summarise a burst of raw changes; None when none of them is the App's (or, with `tests`, its presets').

    A file's verb comes from whether it was one of the App's files before the
    burst (`known`, relative paths) and whether it is one now, not from the raw
    events: an editor's atomic save (write a temporary file, rename it over
    `main.py`; or vim's rename to a backup, then write) reads as `saved main.py`,
    and a temporary file that came and went in the burst is no change at all.
    Without `known`, a file is taken as new when the burst only added it.
    """
    events: dict[str, set[Change]] = {}
    for change, raw in changes:
        path = Path(raw)
        if not is_watched(app, path, tests=tests):
            continue
        rel = path.relative_to(app.root).as_posix() if path.is_absolute() else raw
        events.setdefault(rel, set()).add(change)
    verbs: dict[str, str] = {}
    for rel, seen in events.items():
        verb = _verb(app.root / rel, seen, None if known is None else rel in known)
        if verb is not None:
            verbs[rel] = verb
    if not verbs:
        return None
    paths = tuple(sorted(verbs))
    if not tests:
        return AppChange(paths, _summary(paths, verbs))
    own = tuple(path for path in paths if not is_test_file(app, Path(path)))
    return AppChange(paths, _summary(paths, verbs), _summary(own, verbs) if own else None)


def _summary(paths: tuple[str, ...], verbs: dict[str, str]) -> str:
    first = paths[0]
    reason = f"{verbs[first]} {first}"
    if len(paths) == 2:
        reason += " and 1 other file"
    elif len(paths) > 2:
        reason += f" and {len(paths) - 1} other files"
    return reason


def _verb(path: Path, seen: set[Change], was_there: bool | None) -> str | None:
    """`saved`, `added` or `removed` for one path of a burst; None for no change to the App."""
    if path.is_dir():
        return None  # a folder: the files in it speak for themselves
    if os.path.lexists(path):
        if was_there is None:
            was_there = Change.added not in seen or Change.deleted in seen
        return "saved" if was_there else "added"
    if was_there is None:
        was_there = Change.added not in seen
    return "removed" if was_there else None  # came and went: an editor's temporary file


async def watch_app(
    app: AppFolder,
    *,
    stop_event: asyncio.Event | None = None,
    step_ms: int = STEP_MS,
    debounce_ms: int = DEBOUNCE_MS,
    force_polling: bool | None = None,
    tests: bool = False,
    on_ready: Callable[[], object] | None = None,
) -> AsyncIterator[AppChange]:
    """Yield one `AppChange` per burst of saves to the App's files, until `stop_event` is set.

    With `tests`, saves to `presets.toml` and `golden/` count too (they change what a round of presets checks).
    `on_ready` is called once the watches are in place: a save after it is seen.
    """

    def watch_filter(_change: Change, raw: str) -> bool:
        return is_watched(app, Path(raw), tests=tests)

    known = {app_file.path for app_file in app.files()}
    if tests:
        known.update(_test_files(app))

    def start() -> AsyncGenerator[set[tuple[Change, str]], None]:
        return awatch(
            app.root,
            watch_filter=watch_filter,
            stop_event=stop_event,
            step=step_ms,
            debounce=debounce_ms,
            force_polling=force_polling,
            recursive=True,
            yield_on_timeout=False,
        )

    batches = start()
    # watchfiles gives up on a burst that holds a file name that is not UTF-8 (anywhere
    # under the App, `.workbench/` included). The watch then starts again, and what the
    # lost burst changed is found by comparing the App's files with how they were.
    baseline = _snapshot(app, tests)

    async def recover(error: Exception) -> set[tuple[Change, str]]:
        nonlocal batches, baseline
        if not _undecodable_name(error):
            raise error
        try:
            await batches.aclose()
        except Exception:  # noqa: BLE001  (the failed generator may fail again as it closes)
            pass
        if stop_event is not None and stop_event.is_set():
            raise StopAsyncIteration
        batches = start()
        current = _snapshot(app, tests)
        lost = _lost_changes(app, baseline, current)
        baseline = current
        while not lost:
            try:
                return await anext(batches)
            except StopAsyncIteration:
                raise
            except Exception as again:  # noqa: BLE001
                return await recover(again)
        return lost
    # awatch places its watches in the first step of its first batch, before it first
    # waits: once that step has run (the task is scheduled before this one resumes),
    # every later save is seen.
    first = asyncio.ensure_future(anext(batches))
    try:
        await asyncio.sleep(0)
        if on_ready is not None:
            on_ready()
        try:
            changes = await first
        except StopAsyncIteration:
            raise
        except Exception as error:  # noqa: BLE001  (recover re-raises what it cannot handle)
            changes = await recover(error)
        while True:
            described = describe_changes(app, changes, known, tests=tests)
            for _change, raw in changes:
                path = Path(raw)
                if path.is_absolute() and is_watched(app, path, tests=tests):
                    rel = path.relative_to(app.root).as_posix()
                    if path.is_file():
                        known.add(rel)
                    else:
                        known.discard(rel)
            baseline = _snapshot(app, tests)
            if described is not None:
                yield described
            try:
                changes = await anext(batches)
            except StopAsyncIteration:
                raise
            except Exception as error:  # noqa: BLE001  (recover re-raises what it cannot handle)
                changes = await recover(error)
    except StopAsyncIteration:
        return
    finally:
        if not first.done():
            first.cancel()
            await asyncio.wait([first])
        await batches.aclose()


def _test_files(app: AppFolder) -> set[str]:
    """The presets file and the golden copies, relative to the App folder."""
    found = {PRESETS_FILE} if (app.root / PRESETS_FILE).is_file() else set()
    golden = app.root / GOLDEN_DIR
    if golden.is_dir():
        found.update(path.relative_to(app.root).as_posix() for path in golden.rglob("*") if path.is_file())
    return found


def _snapshot(app: AppFolder, tests: bool) -> dict[str, tuple[int, int]]:
    """The App's files (with `tests`, the presets and golden copies too) with their modification times and sizes."""
    found: dict[str, tuple[int, int]] = {}
    paths = [f.path for f in app.files()] + ([PRESETS_FILE] if tests else [])
    golden = app.root / GOLDEN_DIR
    if tests and golden.is_dir():
        paths += [p.relative_to(app.root).as_posix() for p in golden.rglob("*") if p.is_file()]
    for rel in paths:
        try:
            info = os.stat(app.root / rel)
        except OSError:
            continue
        found[rel] = (info.st_mtime_ns, info.st_size)
    return found


def _lost_changes(
    app: AppFolder, before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> set[tuple[Change, str]]:
    """The changes between two snapshots, as watchfiles reports them (absolute paths)."""
    changes: set[tuple[Change, str]] = set()
    for rel in before.keys() | after.keys():
        if rel not in after:
            changes.add((Change.deleted, str(app.root / rel)))
        elif rel not in before:
            changes.add((Change.added, str(app.root / rel)))
        elif before[rel] != after[rel]:
            changes.add((Change.modified, str(app.root / rel)))
    return changes


def _undecodable_name(error: BaseException) -> bool:
    """Whether watchfiles failed on a path it could not decode (it may come wrapped in a group)."""
    if isinstance(error, BaseExceptionGroup):
        return any(_undecodable_name(inner) for inner in error.exceptions)
    return "Unable to decode path" in str(error)
