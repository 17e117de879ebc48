"""The Job being prepared: keyword arguments, staged inputs and args mode, kept in `.workbench/`.

`DraftStore` holds the one draft of an open App: the TUI's app creates it and
hands it to the views that edit it; they change it in memory, and it is written
after a pause (never once per keystroke). `spec_from_draft` and
`draft_from_spec` are the one place a draft becomes a run's `JobSpec` and back.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .appdir import STATE_DIR, ensure_state_dir
from .fsutil import atomic_write_text, json_text
from .job import Buffering, JobSpec
from .kwargs import ArgsMode

DRAFT_FILE = "draft.json"


@dataclass
class JobDraft:
    """The next Job's settings, as the author left them.

    A plain dataclass checked by `JobDraft.from_json`, not a pydantic model: the TUI
    reads the draft before its first paint, which pydantic would slow by a tenth of a second.
    """

    kwargs: dict[str, str] = field(default_factory=dict)
    """Keyword arguments; kept even while invalid so no typing is lost."""
    args_mode: ArgsMode = ArgsMode.STDIN
    inputs: list[str] = field(default_factory=list)
    """Absolute paths of the files and folders staged into `input/`."""
    timeout: float | None = None
    """Seconds before a run is ended; None for no limit."""

    @classmethod
    def from_json(cls, data: object) -> JobDraft:
        """The draft a saved JSON object holds; ValueError when it is not one (an unknown key, a wrong type)."""
        if not isinstance(data, dict):
            raise ValueError("a draft is a JSON object")
        unknown = set(data) - {item.name for item in fields(cls)}
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        kwargs = data.get("kwargs", {})
        if not isinstance(kwargs, dict) or not all(isinstance(value, str) for value in kwargs.values()):
            raise ValueError("kwargs: an object of strings")
        inputs = data.get("inputs", [])
        if not isinstance(inputs, list) or not all(isinstance(value, str) for value in inputs):
            raise ValueError("inputs: a list of strings")
        timeout = data.get("timeout")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)):
            raise ValueError("timeout: a number of seconds or null")
        return cls(
            kwargs=dict(kwargs),
            args_mode=ArgsMode(data.get("args_mode", ArgsMode.STDIN)),
            inputs=list(inputs),
            timeout=None if timeout is None else float(timeout),
        )


def load_draft(app_root: Path) -> JobDraft:
    """The saved draft, or a fresh one when none is saved or it is unreadable."""
    path = app_root / STATE_DIR / DRAFT_FILE
    try:
        return JobDraft.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return JobDraft()


def save_draft(app_root: Path, draft: JobDraft) -> None:
    atomic_write_text(ensure_state_dir(app_root) / DRAFT_FILE, json_text(asdict(draft)))


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
        self.draft = copy.deepcopy(draft)
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
