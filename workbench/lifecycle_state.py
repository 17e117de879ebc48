"""The lifecycle state an author simulates for an App, kept in `.workbench/lifecycle.json`.

Apart from `workbench.lifecycle` (the platform's rules and the preview), which
imports pydantic and the preflight checks: the TUI's header shows the state in
its first frame, and reads it through this module alone.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from .appdir import STATE_DIR

LIFECYCLE_FILE = "lifecycle.json"
"""Where the simulated state is kept, inside `.workbench/`."""


class State(StrEnum):
    """An App's lifecycle state on the platform (CONTRACT.md, "App lifecycle states")."""

    CREATED = "CREATED"
    TESTING = "TESTING"
    PUBLISHED = "PUBLISHED"
    HIDDEN = "HIDDEN"
    ERROR = "ERROR"
    REMOVED = "REMOVED"


DEFAULT_STATE = State.CREATED


def load_simulated_state(app_root: Path) -> State:
    """The state the author simulates for this App; CREATED when none is saved or it is unreadable
    (not a JSON object whose one key, `state`, names a state exactly).

    Reading never creates `.workbench/`.
    """
    path = app_root / STATE_DIR / LIFECYCLE_FILE
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return DEFAULT_STATE
    if not isinstance(saved, dict) or set(saved) - {"state"}:
        return DEFAULT_STATE
    try:
        return State(saved.get("state", DEFAULT_STATE))
    except ValueError:
        return DEFAULT_STATE
