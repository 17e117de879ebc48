"""The Job being prepared: keyword arguments, staged inputs and args mode, kept in `.workbench/`.

The UI saves it as the author edits, so it survives restarts; the lifecycle
checks read its argument names as the App's declared keyword arguments.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .appdir import STATE_DIR, ensure_state_dir
from .fsutil import atomic_write_text
from .kwargs import ArgsMode

DRAFT_FILE = "draft.json"


class JobDraft(BaseModel):
    """The next Job's settings, as the author left them."""

    model_config = ConfigDict(extra="forbid")

    kwargs: dict[str, str] = {}
    """Keyword arguments; kept even while invalid so no typing is lost."""
    args_mode: ArgsMode = ArgsMode.STDIN
    inputs: list[str] = []
    """Absolute paths of the files and folders staged into `input/`."""
    timeout: float | None = None
    """Seconds before a run is ended; None for no limit."""


def load_draft(app_root: Path) -> JobDraft:
    """The saved draft, or a fresh one when none is saved or it is unreadable."""
    path = app_root / STATE_DIR / DRAFT_FILE
    try:
        return JobDraft.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return JobDraft()


def save_draft(app_root: Path, draft: JobDraft) -> None:
    atomic_write_text(ensure_state_dir(app_root) / DRAFT_FILE, draft.model_dump_json(indent=2))
