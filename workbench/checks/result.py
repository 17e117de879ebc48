"""The outcome of one preflight check, and the small helpers the checks build it with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Level = Literal["error", "warning", "info"]


class CheckResult(BaseModel):
    """The outcome of one preflight check."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    level: Level
    """How much a failure matters: `error` blocks actions, `warning` does not, `info` only informs."""
    detail: str
    """One line: what was found and, when not ok, what to do."""
    skipped: bool = False
    """The check could not run because another one failed (named in the detail)."""
    items: list[str] = []
    """The individual findings or files behind the detail, one per entry."""
    needed_for: list[str] = []
    """The lifecycle actions this check must pass for (filled in by `lifecycle.preview`)."""


def _passed(name: str, detail: str, items: list[str] | None = None) -> CheckResult:
    return CheckResult(name=name, ok=True, level="info", detail=detail, items=items or [])


def _failed(name: str, level: Level, detail: str, items: list[str] | None = None) -> CheckResult:
    return CheckResult(name=name, ok=False, level=level, detail=detail, items=items or [])


def _skipped(name: str, detail: str) -> CheckResult:
    return CheckResult(name=name, ok=False, level="info", detail=detail, skipped=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
