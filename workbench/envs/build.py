"""Building an App's environment: the installer's steps, live output, a log, and a diagnosis when it fails.

Imported only when an environment is built: a run that reuses one (every run but
the first of an App) never imports the installer or the diagnosis of a failed install.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol, TextIO

from ..appdir import REQUIREMENTS, AppFolder
from ..environment import EnvironmentFacts, EnvironmentFailed
from ..fsutil import atomic_write_text
from ..node.python import distribution_modules, site_packages
from ..requirements import declared_requirements
from .diagnose import _failure_message, diagnose
from .installer import Installer, Output, _bundled_wheels, _installer_environment, _kill_group, find_installer
from .interpreter import Interpreter
from .store import (
    _BUILD_PREFIX,
    INSTALL_LOG,
    LOGS_DIR,
    MARKER,
    EnvironmentKey,
    _discard,
    _fix_paths,
    _move_into_place,
    _prune_logs,
    is_utf8,
)


class Building(Protocol):
    """What a build uses of its provider (`provider.RequirementsEnvironment`)."""

    interpreter: Interpreter
    installer: str | None
    output: Output | None
    _cancel: threading.Event
    _lock: threading.Lock
    _running: set[subprocess.Popen[bytes]]


class _InstallFailed(Exception):
    def __init__(self, lines: list[str], step: list[str]) -> None:
        super().__init__("installer failed")
        self.lines = lines
        self.step = step


class _Cancelled(Exception):
    pass


def build_environment(
    provider: Building,
    app: AppFolder,
    root: Path,
    env_dir: Path,
    key: EnvironmentKey,
    notify: Callable[[str], None],
    started: float,
) -> tuple[str, Path, frozenset[str]]:
    """Build the App's environment in a temporary folder, then move it into place; raise EnvironmentFailed.

    Called by `RequirementsEnvironment` under the envs folder's lock. Returns the
    installer's name, the final path of its log, and the top-level modules the
    environment's distributions provide.
    """
    try:
        installer = find_installer(provider.installer)
    except ValueError as error:
        raise EnvironmentFailed(str(error)) from None
    if installer.name == "uv" and not is_utf8(str(root)):
        installer = Installer("pip")  # uv refuses a path that is not UTF-8; venv and pip take any
    build_dir = root / f"{_BUILD_PREFIX}{key.name}-{secrets.token_hex(4)}"
    logs = root / LOGS_DIR
    logs.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    log_path = logs / f"{key.name}-{stamp}.log"
    rel = os.path.relpath(env_dir, app.root)
    action = "rebuilding" if env_dir.exists() else "building"
    if not key.bare:  # a bare one takes a fraction of a second and installs nothing: made silently
        notify(
            f"{action} the App's environment {rel} from {REQUIREMENTS} with {installer.name}"
            f" (Python {provider.interpreter.version_text})"
        )
    steps = (installer.bare_steps if key.bare else installer.steps)(provider.interpreter, build_dir, app.name)
    output = provider.output or notify
    lines: list[str] = []
    try:
        with open(log_path, "w", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"# {action} {env_dir} with {installer.name}, Python {provider.interpreter.version_text}\n")
            for argv, where in steps:
                cwd = app.root if where == "app" else root
                _run_step(provider, argv, cwd, log, output, lines)
            _fix_paths(build_dir, env_dir)
            if key.bare:
                seed_bare_environment(build_dir, _bundled_wheels(provider.interpreter))
        os.replace(log_path, build_dir / INSTALL_LOG)
        final_log = env_dir / INSTALL_LOG
        modules = frozenset() if key.bare else distribution_modules(site_packages(build_dir))
        seconds = round(time.perf_counter() - started, 3)
        marker = {
            "bare": key.bare,
            "modules": sorted(modules),
            "requirements_sha256": key.requirements_sha256,
            "interpreter": provider.interpreter.executable,
            "python_version": provider.interpreter.version_text,
            "installer": installer.name,
            "built_at": datetime.now(timezone.utc).isoformat(),
            "seconds": seconds,
        }
        atomic_write_text(build_dir / MARKER, json.dumps(marker, indent=2) + "\n")  # last: the env is complete
        _move_into_place(build_dir, env_dir, root)
    except _InstallFailed as failure:
        _discard(build_dir)
        diagnosis = diagnose(failure.lines, declared_requirements(app.root))
        raise EnvironmentFailed(
            _failure_message(diagnosis, log_path),
            EnvironmentFacts(
                requirements_sha256=key.requirements_sha256,
                seconds=round(time.perf_counter() - started, 6),
                installer=installer.name,
                log=str(log_path),
                python_version=provider.interpreter.version_text,
            ),
        ) from None
    except _Cancelled:
        _discard(build_dir)
        raise EnvironmentFailed(
            "cancelled while installing the App's requirements",
            EnvironmentFacts(requirements_sha256=key.requirements_sha256, installer=installer.name,
                              log=str(log_path), python_version=provider.interpreter.version_text),
        ) from None
    except OSError as error:
        _discard(build_dir)
        raise EnvironmentFailed(
            f"could not build the App's environment in {root}: {error.strerror or error}"
            f" ({getattr(error, 'filename', None) or 'file system'}); installer log: {log_path}",
            EnvironmentFacts(requirements_sha256=key.requirements_sha256, installer=installer.name,
                              log=str(log_path), python_version=provider.interpreter.version_text),
        ) from None
    except BaseException:
        _discard(build_dir)
        raise
    _prune_logs(logs)
    return installer.name, final_log, modules


def _run_step(
    provider: Building, argv: list[str], cwd: Path, log: TextIO, output: Output, lines: list[str]
) -> None:
    """Run one installer command, its output live to `output`, into the log and `lines`; raise when it fails."""
    if provider._cancel.is_set():
        raise _Cancelled()
    log.write(f"$ {' '.join(argv)}  (in {cwd})\n")
    log.flush()
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=_installer_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as error:
        message = f"could not start {argv[0]}: {error.strerror or error}"
        log.write(message + "\n")
        raise _InstallFailed([f"error: {message}"], argv) from None
    with provider._lock:
        provider._running.add(process)
    try:
        if provider._cancel.is_set():
            _kill_group(process)
        assert process.stdout is not None
        for raw in process.stdout:  # line by line, as the installer writes them
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            log.write(line + "\n")
            log.flush()
            lines.append(line)
            try:
                output(line)
            except (OSError, ValueError):
                pass  # the sink went away (a closed stderr): keep logging
        code = process.wait()
    finally:
        with provider._lock:
            provider._running.discard(process)
        if process.poll() is None:
            _kill_group(process)
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    if provider._cancel.is_set():
        raise _Cancelled()
    if code != 0:
        log.write(f"# exit status {code}\n")
        raise _InstallFailed(lines, argv)


SEED_FILE = "_workbench_venv_seed.pth"
"""In a bare environment's site-packages: the paths of the interpreter's bundled pip and setuptools wheels."""


def seed_bare_environment(env_dir: Path, wheels: list[str]) -> None:
    """Give a bare environment what `python3.11 -m venv` seeds a Node's with: pip and setuptools.

    Installing them would take seconds; a `.pth` file naming the interpreter's own
    `ensurepip` wheels (the ones venv installs) puts them on `sys.path`, where Python
    imports them from the zip: `import setuptools`, `pkg_resources` and `python -m pip`
    work as on a Node, for the cost of one small file read at start-up.
    """
    if not wheels:
        return  # an interpreter without ensurepip: its own venv would have neither
    for folder in site_packages(env_dir):
        atomic_write_text(folder / SEED_FILE, "".join(f"{wheel}\n" for wheel in wheels))
