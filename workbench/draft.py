"""The Job being prepared: keyword arguments, staged inputs and args mode, kept in `.workbench/`.

`DraftStore` holds the one draft of an open App: the TUI's app creates it and
hands it to the views that edit it; they change it in memory, and it is written
after a pause (never once per keystroke). `spec_from_draft` and
`draft_from_spec` are the one place a draft becomes a run's `JobSpec` and back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .appdir import STATE_DIR, ensure_state_dir
from .fsutil import atomic_write_text, json_text
from .job import Buffering, JobSpec
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
        return JobDraft.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValidationError, ValueError):
        return JobDraft()


def save_draft(app_root: Path, draft: JobDraft) -> None:
    atomic_write_text(ensure_state_dir(app_root) / DRAFT_FILE, json_text(draft.model_dump(mode="json")))


def spec_from_draft(draft: JobDraft, *, trigger: str, buffering: Buffering = Buffering.FLUSHED) -> JobSpec:
    """The run a draft describes (the draft is copied: editing it later changes no run)."""
    return JobSpec(
        kwargs=dict(draft.kwargs),
        inputs=list(draft.inputs),
        args_mode=draft.args_mode,
        timeout=draft.timeout,
        trigger=trigger,
        buffering=buffering,
    )


def draft_from_spec(spec: JobSpec) -> JobDraft:
    """The draft that would run as `spec` (a past run loaded back into the editors, say)."""
    return JobDraft(
        kwargs=dict(spec.kwargs),
        args_mode=spec.args_mode,
        inputs=[str(path) for path in spec.inputs],
        timeout=spec.timeout,
    )


class DraftStore:
    """The one Job draft of an open App: read once, changed in memory, written when asked.

    `on_change` (set by whoever owns the store, the TUI's main screen) is called
    after every change, so the owner can schedule a `save()` after a pause.
    """

    def __init__(self, app_root: Path) -> None:
        self.app_root = app_root
        self.draft = load_draft(app_root)
        self.dirty = False
        self.on_change: Callable[[], object] | None = None

    def update(self, *, kwargs: dict[str, str] | None = None, args_mode: ArgsMode | None = None,
               inputs: list[str] | None = None) -> None:
        """Change some of the draft's fields (in memory)."""
        if kwargs is not None:
            self.draft.kwargs = dict(kwargs)
        if args_mode is not None:
            self.draft.args_mode = args_mode
        if inputs is not None:
            self.draft.inputs = list(inputs)
        self._changed()

    def replace(self, draft: JobDraft) -> None:
        """Take another draft as a whole (a preset loaded, say)."""
        self.draft = draft.model_copy(deep=True)
        self._changed()

    def _changed(self) -> None:
        self.dirty = True
        if self.on_change is not None:
            self.on_change()

    def save(self) -> None:
        """Write the draft if it changed since the last save; OSError when it cannot be written."""
        if self.dirty:
            save_draft(self.app_root, self.draft)
            self.dirty = False
