"""The Python an environment is made from: the one given, the Node's 3.11 found on the machine, or the workbench's own.

What an interpreter is (version, standard library) is learnt by running it once;
`workbench.node.python` caches that on disk, so a reused environment costs no subprocess.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass

from ..errors import JobError
from ..node.python import (
    NODE_VERSION,
    ProbeError,
    PythonFacts,
    find_node_python,
    own_facts,
    probe,
)

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
    stdlib: frozenset[str] = frozenset()
    """Its `sys.stdlib_module_names` (empty: not known)."""
    source: str = "--python"
    """How it was chosen: `--python`, `python3.11 on PATH`, `uv`, `the workbench's own Python`."""

    @classmethod
    def current(cls) -> Interpreter:
        """The workbench's own Python (no subprocess)."""
        major, minor, micro = sys.version_info[:3]
        return cls(sys.executable, (major, minor, micro), None, frozenset(sys.stdlib_module_names),
                   "the workbench's own Python")

    @classmethod
    def _of(cls, facts: PythonFacts, source: str) -> Interpreter:
        return cls(facts.executable, facts.version, facts.bundled, facts.stdlib, source)

    @classmethod
    def discover(cls) -> Interpreter:
        """The Python a Node would use, as found on this machine (see `workbench.node.python`)."""
        found = find_node_python()
        if found.facts.executable == sys.executable:
            return cls.current()
        return cls._of(found.facts, found.source)

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
        if os.path.realpath(found) == os.path.realpath(sys.executable):
            own = own_facts()
            return cls(sys.executable, own.version, None, own.stdlib, "--python")
        try:
            facts = probe(os.path.abspath(found))
        except ProbeError as error:
            raise InterpreterError(f"--python {text}: {error}") from None
        return cls._of(facts, "--python")

    @property
    def tag(self) -> str:
        """`py3.11`: the start of an environment's folder name."""
        return f"py{self.version[0]}.{self.version[1]}"

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version)

    @property
    def is_node_version(self) -> bool:
        """Whether a Node makes environments with this version (3.11)."""
        return self.version[:2] == NODE_VERSION

    def node_mismatch(self) -> str | None:
        """A warning when a Node would run the App with another Python version, else None."""
        if self.version[:2] in NODE_PYTHON_VERSIONS:
            return None
        supported = " to ".join(f"{major}.{minor}" for major, minor in (NODE_PYTHON_VERSIONS[0], NODE_PYTHON_VERSIONS[-1]))
        return (
            f"Python {self.version_text} ({self.executable}) is not what a Node runs (Python {supported});"
            f" the App may behave differently there: pick one with --python PATH"
        )


def _bundled_dir_here() -> str | None:
    spec = importlib.util.find_spec("ensurepip")
    if spec is None or not spec.origin:
        return None
    return os.path.join(os.path.dirname(spec.origin), "_bundled")
