"""Watching an App's files for saves, to run the App again (watch mode).

Only files that belong to the App (as `AppFolder.contains` says) count: never
`.workbench/` (where runs keep their logs and outputs), `.venv/`, `input/`,
`output/`, `__pycache__`, version-control folders or editor swap files. So the
files a run writes can never start another run.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
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
      | \.___jb_\w+___$                                # JetBrains safe-write
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


_VERBS = {Change.added: "added", Change.modified: "saved", Change.deleted: "removed"}


@dataclass(frozen=True)
class AppChange:
    """One burst of changes to the App's files."""

    paths: tuple[str, ...]
    """The changed files, relative to the App folder, sorted."""
    reason: str
    """Why a run starts, for the author: `saved main.py`, `saved main.py and 2 other files`."""


def describe_changes(app: AppFolder, changes: set[tuple[Change, str]], *, tests: bool = False) -> AppChange | None:
    """Summarise a burst of raw changes; None when none of them is the App's (or, with `tests`, its presets')."""
    kinds: dict[str, Change] = {}
    for change, raw in changes:
        path = Path(raw)
        if not is_watched(app, path, tests=tests):
            continue
        rel = path.relative_to(app.root).as_posix() if path.is_absolute() else raw
        kinds[rel] = change
    if not kinds:
        return None
    paths = tuple(sorted(kinds))
    first = paths[0]
    reason = f"{_VERBS.get(kinds[first], 'changed')} {first}"
    if len(paths) == 2:
        reason += " and 1 other file"
    elif len(paths) > 2:
        reason += f" and {len(paths) - 1} other files"
    return AppChange(paths, reason)


async def watch_app(
    app: AppFolder,
    *,
    stop_event: asyncio.Event | None = None,
    step_ms: int = STEP_MS,
    debounce_ms: int = DEBOUNCE_MS,
    force_polling: bool | None = None,
    tests: bool = False,
) -> AsyncIterator[AppChange]:
    """Yield one `AppChange` per burst of saves to the App's files, until `stop_event` is set.

    With `tests`, saves to `presets.toml` and `golden/` count too (they change what a round of presets checks).
    """

    def watch_filter(_change: Change, raw: str) -> bool:
        return is_watched(app, Path(raw), tests=tests)

    async for changes in awatch(
        app.root,
        watch_filter=watch_filter,
        stop_event=stop_event,
        step=step_ms,
        debounce=debounce_ms,
        force_polling=force_polling,
        recursive=True,
        yield_on_timeout=False,
    ):
        described = describe_changes(app, changes, tests=tests)
        if described is not None:
            yield described
