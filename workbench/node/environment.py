"""The variables an App is given: built from an allow-list, never inherited whole.

A Node runs an App with the Node service's own environment: nothing of the
author's (their secrets, `PYTHONPATH`, an active virtual environment) exists
there. The workbench passes on only what any process needs to behave as on a
machine like the Node (`PATH`, `HOME`, locale, time zone, temporary folder,
terminal type), adds the few variables it needs itself, and the author's
`--env KEY=VALUE` ones. Records keep the names, never the values.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..fsutil import atomic_write_text

PASSED_ON = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM")
"""Variables passed on from the workbench's environment (and every `LC_*`)."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SHIM_SOURCE = Path(__file__).resolve().parent.parent / "flush_shim" / "sitecustomize.py"
SHIM_DIR = "shim"
"""Folder of `.workbench/` holding copies of the flush shim, one per version of it."""


class EnvironmentVariableError(ValueError):
    """A `--env` option that cannot be given to an App; the message says why."""


def parse_variable(text: str) -> tuple[str, str]:
    """`KEY=VALUE` -> (KEY, VALUE); the value may be empty or hold `=`."""
    name, sep, value = text.partition("=")
    if not sep:
        raise EnvironmentVariableError(f"--env {text!r}: give KEY=VALUE")
    if not _NAME.match(name):
        raise EnvironmentVariableError(
            f"--env {text!r}: {name!r} is not a variable name (letters, digits and _, not starting with a digit)"
        )
    if "\0" in value:
        raise EnvironmentVariableError(f"--env {name}: the value holds a NUL character")
    return name, value


def passed_on(source: Mapping[str, str]) -> dict[str, str]:
    """The variables of `source` an App may see."""
    return {name: value for name, value in source.items() if name in PASSED_ON or name.startswith("LC_")}


def app_variables(
    *,
    own: Mapping[str, str],
    extra: Mapping[str, str] | None = None,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The App's environment: the allow-list of `source` (default: the workbench's), then the
    author's `extra` variables, then the workbench's `own` (its `PYTHONPATH` goes first in one the
    author gives)."""
    env = passed_on(os.environ if source is None else source)
    env.update(extra or {})
    for name, value in own.items():
        if name == "PYTHONPATH" and env.get(name):
            value = os.pathsep.join([value, env[name]])
        env[name] = value
    return env


_shim_text: bytes | None = None


def flush_shim_dir(state_dir: Path) -> Path:
    """A copy of the flush shim, outside the workbench's package, for the App's `PYTHONPATH`.

    It lives under the App's `.workbench/shim/<hash>/` (written once per version of
    the shim), so no path of the workbench's own installation reaches the App.
    """
    global _shim_text
    if _shim_text is None:
        _shim_text = SHIM_SOURCE.read_bytes()
    folder = state_dir / SHIM_DIR / hashlib.sha256(_shim_text).hexdigest()[:12]
    target = folder / "sitecustomize.py"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, _shim_text.decode("utf-8"))
    return folder
