"""Per-App Python environments built from `requirements.txt`, as a Node builds them.

A Node makes a virtual environment for each App, installs its `requirements.txt`
there and runs `main.py` with that environment's python. The workbench does the
same under `.workbench/envs/` of the App folder, one environment per
requirements content and interpreter:

    .workbench/envs/py3.11-1a2b3c4d5e6f7a8b/     a complete environment (marker file inside)
    .workbench/envs/logs/py3.11-...-STAMP.log    the installer's log of a failed build
    .workbench/envs/.lock                        held while an environment is built

An environment is built in a temporary folder next to its final place and
renamed into place only when the installer succeeded; its marker file is
written last, so a half-built environment is never reused. Checking that an
environment is current costs a hash of `requirements.txt` and two `stat`s: no
subprocess runs on that path.

This package owns them, one module a part:

- `interpreter`: the Python an environment is made from, probed once;
- `store`: where environments live under `.workbench/envs/`, their keys, markers and pruning;
- `installer`: the installer (uv or pip) and the commands that build an environment;
- `diagnose`: naming the requirement that made an install fail, in the installer's own words;
- `provider`: `RequirementsEnvironment`, the EnvironmentProvider a Job is given, which reuses or builds;
- `build`: building one (imported only then, with the installer and the diagnosis).

requirements.txt itself is read by `workbench.requirements`, as pip reads it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .diagnose import Diagnosis, diagnose
    from .installer import Installer, Output, find_installer
    from .interpreter import NODE_PYTHON_VERSIONS, PROBE_TIMEOUT, Interpreter, InterpreterError
    from .provider import RequirementsEnvironment, environment_provider
    from .store import (
        ENVS_DIR,
        INSTALL_LOG,
        KEEP_ENVS,
        KEEP_FAILED_LOGS,
        LOCK_FILE,
        LOGS_DIR,
        MARKER,
        EnvironmentKey,
        env_python,
        environment_key,
        envs_root,
        is_complete,
        prune_environments,
    )

_EXPORTS = {
    "diagnose": ("Diagnosis", "diagnose"),
    "installer": ("Installer", "Output", "find_installer"),
    "interpreter": ("NODE_PYTHON_VERSIONS", "PROBE_TIMEOUT", "Interpreter", "InterpreterError"),
    "provider": ("RequirementsEnvironment", "environment_provider"),
    "store": (
        "ENVS_DIR", "INSTALL_LOG", "KEEP_ENVS", "KEEP_FAILED_LOGS", "LOCK_FILE", "LOGS_DIR", "MARKER",
        "EnvironmentKey", "env_python", "environment_key", "envs_root", "is_complete", "prune_environments",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    """Each name is imported from its module on first use: reusing an environment (every
    `workbench run` of an App whose environment exists) never imports the installer or
    the diagnosis of failed installs."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

__all__ = [
    "ENVS_DIR",
    "INSTALL_LOG",
    "KEEP_ENVS",
    "KEEP_FAILED_LOGS",
    "LOCK_FILE",
    "LOGS_DIR",
    "MARKER",
    "NODE_PYTHON_VERSIONS",
    "PROBE_TIMEOUT",
    "Diagnosis",
    "EnvironmentKey",
    "Installer",
    "Interpreter",
    "InterpreterError",
    "Output",
    "RequirementsEnvironment",
    "diagnose",
    "env_python",
    "environment_key",
    "environment_provider",
    "envs_root",
    "find_installer",
    "is_complete",
    "prune_environments",
]
