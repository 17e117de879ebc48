"""How a run ended: the statuses a run record holds (a leaf: it imports nothing of the workbench)."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    SUCCEEDED = "succeeded"
    """The App exited with status 0."""
    FAILED = "failed"
    """The App exited with another status, or was killed by a signal it was not sent by us."""
    TIMED_OUT = "timed_out"
    """The run's timeout ended it."""
    CANCELLED = "cancelled"
    """The author (Ctrl-C, the cancel key, a restart on save) ended it."""
    ERROR = "error"
    """The App could not be started (an environment failed to build, staging failed)."""
