"""The Python an environment is made from: the workbench's own, or one probed once by path."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from ..errors import JobError

NODE_PYTHON_VERSIONS = ((3, 10), (3, 11))
"""The Python versions a Node runs Apps with (see the contract)."""
PROBE_TIMEOUT = 20.0


class InterpreterError(JobError):
    """The interpreter asked for cannot be used. The message says why and what to do."""


@dataclass(frozen=True)
class Interpreter:
    """A Python an environment is made from."""

    executable: str
    """Absolute path of the interpreter (its `sys.executable`)."""
    version: tuple[int, int, int]
    bundled_wheels_dir: str | None = None
    """Its `ensurepip/_bundled` folder (what `python -m venv` seeds a venv with); None: unknown or none."""

    @classmethod
    def current(cls) -> Interpreter:
        """The workbench's own Python (no subprocess)."""
        major, minor, micro = sys.version_info[:3]
        return cls(sys.executable, (major, minor, micro))

    @classmethod
    def probe(cls, path: str | os.PathLike[str]) -> Interpreter:
        """Run the Python at `path` once to learn its version; raise InterpreterError if it cannot run."""
        text = os.fspath(path)
        found = shutil.which(text) if os.sep not in text else text
        if found is None or not os.path.exists(found):
            raise InterpreterError(f"--python {text}: no such interpreter; give the path of a python executable")
        if os.path.isdir(found):
            raise InterpreterError(f"--python {text}: is a folder; give the path of a python executable")
        if not os.access(found, os.X_OK):
            raise InterpreterError(f"--python {text}: is not executable; give the path of a python executable")
        try:
            completed = subprocess.run(
                [os.path.abspath(found), "-I", "-c", _PROBE_SCRIPT],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=PROBE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InterpreterError(f"--python {text}: did not answer within {PROBE_TIMEOUT:g} s") from None
        except OSError as error:
            raise InterpreterError(f"--python {text}: cannot be run ({error.strerror or error})") from None
        try:
            facts = json.loads(completed.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
            major, minor, micro = (int(part) for part in facts["version"])
            executable = str(facts["executable"]) or os.path.abspath(found)
        except (ValueError, KeyError, IndexError, TypeError):
            raise InterpreterError(f"--python {text}: is not a working Python 3 interpreter") from None
        if major != 3:
            raise InterpreterError(f"--python {text}: is Python {major}.{minor}; Apps need Python 3")
        return cls(executable, (major, minor, micro), facts.get("bundled") or None)

    @property
    def tag(self) -> str:
        """`py3.11`: the start of an environment's folder name."""
        return f"py{self.version[0]}.{self.version[1]}"

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version)

    def node_mismatch(self) -> str | None:
        """A warning when a Node would run the App with another Python version, else None."""
        if self.version[:2] in NODE_PYTHON_VERSIONS:
            return None
        supported = " to ".join(f"{major}.{minor}" for major, minor in (NODE_PYTHON_VERSIONS[0], NODE_PYTHON_VERSIONS[-1]))
        return (
            f"Python {self.version_text} ({self.executable}) is not what a Node runs (Python {supported});"
            f" the App may behave differently there: pick one with --python PATH"
        )


_PROBE_SCRIPT = """
import json, os, sys
bundled = None
try:
    import importlib.util
    spec = importlib.util.find_spec("ensurepip")
    if spec is not None and spec.origin:
        bundled = os.path.join(os.path.dirname(spec.origin), "_bundled")
except Exception:
    bundled = None
print(json.dumps({"version": list(sys.version_info[:3]), "executable": sys.executable, "bundled": bundled}))
"""


def _bundled_dir_here() -> str | None:
    spec = importlib.util.find_spec("ensurepip")
    if spec is None or not spec.origin:
        return None
    return os.path.join(os.path.dirname(spec.origin), "_bundled")
