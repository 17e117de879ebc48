"""The environment protocol: how a Job gets the Python it runs an App with.

A leaf module (it imports nothing of the workbench at run time), so that the
providers (`workbench.envs`) and the Job (`workbench.job`) both depend on it and
not on each other. A provider is passed to the Job explicitly; the Job calls it
once before the App starts and calls its `cancel` when the run is cancelled.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .appdir import AppFolder
    from .records import EnvironmentRecord


class EnvironmentFailed(Exception):
    """The App's Python environment could not be provided; the App does not run."""

    def __init__(self, message: str, record: EnvironmentRecord | None = None) -> None:
        super().__init__(message)
        self.record = record


@dataclass(frozen=True)
class PreparedEnvironment:
    """The Python to run the App with, and how it was provided (for the run's record)."""

    interpreter: str
    record: EnvironmentRecord | None = None


class EnvironmentProvider(Protocol):
    """Provides the App's environment; `notify` takes the workbench's messages (an install starting)."""

    def __call__(self, app: AppFolder, notify: Callable[[str], None], /) -> PreparedEnvironment:
        """The Python to run the App with; raise EnvironmentFailed when there is none."""
        ...

    def cancel(self) -> None:
        """End what providing is doing (an install); thread-safe. That call then raises EnvironmentFailed."""
        ...


class CurrentInterpreter:
    """The workbench's own Python: nothing to install, nothing to cancel."""

    def __call__(self, app: AppFolder, notify: Callable[[str], None], /) -> PreparedEnvironment:
        return PreparedEnvironment(sys.executable)

    def cancel(self) -> None:
        pass
