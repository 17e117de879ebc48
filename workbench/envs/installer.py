"""The installer (uv or pip): the commands that build an environment, and the environment they run in."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..appdir import REQUIREMENTS
from ..runner import end_tree
from .interpreter import Interpreter, _bundled_dir_here
from .store import env_python

Output = Callable[[str], None]
"""Receives the installer's output, one line at a time (without its newline)."""


@dataclass(frozen=True)
class Installer:
    """The tool that creates an environment and installs into it."""

    name: str
    """`uv` or `pip`."""
    uv: tuple[str, ...] = ()
    """The command that runs uv (empty for pip)."""

    def steps(self, interpreter: Interpreter, build_dir: Path, prompt: str) -> list[tuple[list[str], str]]:
        """The commands that build an environment, each with where it runs (`app` or `envs`)."""
        python = str(env_python(build_dir))
        if self.name == "pip":
            return [
                ([interpreter.executable, "-m", "venv", "--prompt", prompt, str(build_dir)], "envs"),
                (
                    [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
                     "--progress-bar", "off", "-r", REQUIREMENTS],
                    "app",
                ),
            ]
        wheels = _bundled_wheels(interpreter)
        # Creating and seeding are quiet (errors still show), as `python -m venv` is: the
        # streamed output is the requirements' install, whichever installer runs.
        create = [*self.uv, "venv", "--quiet", "--python", interpreter.executable, "--prompt", prompt]
        if not wheels:
            create.append("--seed")  # no ensurepip wheels to match venv with: uv's own seed
        steps = [([*create, str(build_dir)], "envs")]
        if wheels:  # what `python -m venv` puts in a venv: the interpreter's bundled pip (and setuptools)
            steps.append(([*self.uv, "pip", "install", "--quiet", "--python", python, *wheels], "envs"))
        steps.append(([*self.uv, "pip", "install", "--python", python, "-r", REQUIREMENTS], "app"))
        return steps


    def bare_steps(self, interpreter: Interpreter, build_dir: Path, prompt: str) -> list[tuple[list[str], str]]:
        """The command that makes a bare environment: the standard library, nothing installed."""
        if self.name == "pip":
            return [([interpreter.executable, "-m", "venv", "--without-pip", "--prompt", prompt, str(build_dir)],
                     "envs")]
        return [([*self.uv, "venv", "--quiet", "--python", interpreter.executable, "--prompt", prompt,
                  str(build_dir)], "envs")]


def _bundled_wheels(interpreter: Interpreter) -> list[str]:
    """The interpreter's bundled pip and setuptools wheels (what `python -m venv` installs); [] when none."""
    folder = interpreter.bundled_wheels_dir
    if folder is None and interpreter.executable == sys.executable:
        folder = _bundled_dir_here()  # looked up only when building
    if not folder:
        return []
    try:
        return sorted(str(Path(folder) / name) for name in os.listdir(folder) if name.endswith(".whl"))
    except OSError:
        return []


def find_installer(preferred: str | None = None) -> Installer:
    """uv when available (on PATH or as `python -m uv`), else pip; `preferred` forces one."""
    if preferred not in (None, "uv", "pip"):
        raise ValueError(f"installer {preferred!r}: use 'uv' or 'pip'")
    if preferred == "pip":
        return Installer("pip")
    uv = shutil.which("uv")
    if uv is not None:
        return Installer("uv", (uv,))
    if importlib.util.find_spec("uv") is not None:
        return Installer("uv", (sys.executable, "-m", "uv"))
    if preferred == "uv":
        raise ValueError("uv is not installed: install it (pip install uv) or leave the choice to the workbench")
    return Installer("pip")


def _installer_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)  # the installer is told which environment; an active one must not leak in
    env["PYTHONUNBUFFERED"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env.setdefault("NO_COLOR", "1")
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """End an installer and everything it started (it runs in its own session and process group)."""

    def signal_group(signum: int) -> int:
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            process.poll()
            return 0
        except PermissionError:
            return 0
        return 1

    def alive() -> bool:
        return process.poll() is None or _group_alive(process.pid)

    end_tree(signal_group, alive)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
