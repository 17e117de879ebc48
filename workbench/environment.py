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
    from .node.findings import Finding


@dataclass
class EnvironmentFacts:
    """How the run's environment was provided: the fields of `records.EnvironmentRecord`
    (documented there), without pydantic, so that providing a reused environment imports
    none (the record's models are built once the App runs)."""

    path: str | None = None
    requirements_sha256: str | None = None
    reused: bool = False
    seconds: float = 0.0
    installer: str | None = None
    log: str | None = None
    python_version: str | None = None
    skipped: bool = False
    bare: bool = False


class EnvironmentFailed(Exception):
    """The App's Python environment could not be provided; the App does not run."""

    def __init__(self, message: str, record: EnvironmentFacts | None = None) -> None:
        super().__init__(message)
        self.record = record


@dataclass(frozen=True)
class PreparedEnvironment:
    """The Python to run the App with, and how it was provided (for the run's record)."""

    interpreter: str
    record: EnvironmentFacts | None = None
    python_version: str | None = None
    """The version of the Python that runs the App (`3.11.7`); None: the workbench's own."""
    stdlib: frozenset[str] = frozenset()
    """That Python's standard library modules (`sys.stdlib_module_names`); empty: the workbench's own."""
    provided: frozenset[str] | None = None
    """Top-level modules the environment's installed distributions provide; None: not known."""
    findings: tuple[Finding, ...] = ()
    """Node findings about the environment itself (`interpreter`, `environment`)."""


class EnvironmentProvider(Protocol):
    """Provides the App's environment; `notify` takes the workbench's messages (an install starting)."""

    def __call__(self, app: AppFolder, notify: Callable[[str], None], /) -> PreparedEnvironment:
        """The Python to run the App with; raise EnvironmentFailed when there is none."""
        ...

    def cancel(self) -> None:
        """End what providing is doing (an install); thread-safe. That call then raises EnvironmentFailed."""
        ...


class CurrentInterpreter:
    """The workbench's own Python as it is: nothing to install, nothing to cancel.

    For tests and tools; Apps run in an environment of their own (`workbench.envs`)."""

    def __call__(self, app: AppFolder, notify: Callable[[str], None], /) -> PreparedEnvironment:
        return PreparedEnvironment(sys.executable)

    def cancel(self) -> None:
        pass
