"""Helpers for end-to-end tests that run `workbench run` as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WORKBENCH = [sys.executable, "-m", "workbench", "run"]


def cli_env() -> dict[str, str]:
    """The environment for the workbench: this one, without variables that change the App's buffering."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    return env


def run_workbench(*args: object, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[bytes]:
    """Run `workbench run ARGS...` to its end, capturing stdout and stderr as bytes."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*WORKBENCH, *map(str, args)], timeout=timeout, env=cli_env(), **kwargs)


def start_workbench(*args: object, **kwargs) -> subprocess.Popen[bytes]:
    """Start `workbench run ARGS...` with piped stdout and stderr."""
    return subprocess.Popen(
        [*WORKBENCH, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
        **kwargs,
    )


def load_record(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def own_lines(stderr: bytes) -> list[str]:
    """The workbench's own messages in a captured stderr."""
    return [line for line in stderr.decode("utf-8", "replace").splitlines() if line.startswith("workbench: ")]


def pid_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    return data[data.rfind(b")") + 2 : data.rfind(b")") + 3] != b"Z"


def read_pids(path: Path) -> list[int]:
    """Pids an App wrote to a file, one a line."""
    return [int(word) for word in path.read_text().split()]


def snapshot(root: Path, skip: tuple[str, ...] = (".workbench",)) -> dict[str, tuple[int, bytes | str | None]]:
    """Every entry under root (except `skip` at the root) with its mode and contents, to compare before/after."""
    found: dict[str, tuple[int, bytes | str | None]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in skip]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                content: bytes | str | None = os.readlink(path)
            elif os.path.isfile(path):
                content = Path(path).read_bytes()
            else:
                content = None
            found[rel] = (st.st_mode, content)
    return found


def run_dirs(app: Path) -> list[Path]:
    """The run folders in an App's history."""
    runs = app / ".workbench" / "runs"
    return sorted(runs.iterdir()) if runs.is_dir() else []
