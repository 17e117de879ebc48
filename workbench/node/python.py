"""The Node's Python on this machine: which interpreter, its standard library, and what
an environment's distributions provide.

A Node makes every App's environment with `python3.11 -m venv`. The workbench
looks for the same interpreter, in this order: the one given (`--python`), a
`python3.11` on PATH, one that uv finds or manages, and last its own Python
(then the run gets an `interpreter` finding). Running an interpreter to learn
its version and standard library costs tens of milliseconds, so what is
learnt is cached on disk, keyed by the interpreter file's identity: a reused
run pays a few `stat`s and one small JSON read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write_text

NODE_VERSION = (3, 11)
"""The Python a Node makes App environments with (`python3.11 -m venv`)."""
VENV_SEEDED = frozenset({"pip", "setuptools", "pkg_resources", "_distutils_hack"})
"""Top-level modules every Node environment has besides the standard library: `python3.11 -m venv`
seeds pip and setuptools (from the interpreter's `ensurepip` wheels) into it, also without
`requirements.txt`. The workbench's bare environment reaches the same wheels (`envs.build`),
its import check and `undeclared_import` never flag them."""
CACHE_VARIABLE = "WORKBENCH_CACHE_DIR"
"""Overrides where the workbench caches what it learnt about interpreters."""
PROBE_TIMEOUT = 20.0
UV_MISS_SECONDS = 600.0
"""How long "uv knows no Python 3.11" is believed before uv is asked again."""
_CACHE_VERSION = 1

_PROBE = """
import json, os, sys
bundled = None
try:
    import importlib.util
    spec = importlib.util.find_spec("ensurepip")
    if spec is not None and spec.origin:
        bundled = os.path.join(os.path.dirname(spec.origin), "_bundled")
except Exception:
    bundled = None
names = sorted(getattr(sys, "stdlib_module_names", ()) or sys.builtin_module_names)
print(json.dumps({"version": list(sys.version_info[:3]), "executable": sys.executable,
                  "bundled": bundled, "stdlib": names}))
"""


class ProbeError(Exception):
    """The interpreter could not be run or is not a Python 3; the message says why (without the path)."""


@dataclass(frozen=True)
class PythonFacts:
    """What running an interpreter once taught."""

    executable: str
    """Its `sys.executable` (an absolute path)."""
    version: tuple[int, int, int]
    stdlib: frozenset[str]
    """Its `sys.stdlib_module_names`."""
    bundled: str | None = None
    """Its `ensurepip/_bundled` folder, when it has one."""

    @property
    def is_node_version(self) -> bool:
        return self.version[:2] == NODE_VERSION

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def own_facts() -> PythonFacts:
    """The workbench's own Python (no subprocess)."""
    major, minor, micro = sys.version_info[:3]
    return PythonFacts(sys.executable, (major, minor, micro), frozenset(sys.stdlib_module_names), None)


def cache_dir() -> Path:
    """The workbench's cache folder for this user (`$XDG_CACHE_HOME/infrax-workbench`)."""
    explicit = os.environ.get(CACHE_VARIABLE)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "infrax-workbench"


def _cache_file() -> Path:
    return cache_dir() / "interpreters.json"


def _load_cache() -> dict[str, Any]:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == _CACHE_VERSION else {}


def _save_cache(data: dict[str, Any]) -> None:
    data["version"] = _CACHE_VERSION
    try:
        _cache_file().parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(_cache_file(), json.dumps(data))
    except OSError:
        pass  # only the next run's speed suffers


def _identity(path: str) -> str | None:
    """The file's identity: its path, inode, size and time (None when it is gone)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return f"{os.path.abspath(path)}\0{info.st_ino}\0{info.st_size}\0{info.st_mtime_ns}"


def probe(path: str) -> PythonFacts:
    """Learn an interpreter's facts, from the cache when its file has not changed; raise ProbeError."""
    path = os.path.abspath(path)
    if path == sys.executable:
        return own_facts()
    identity = _identity(path)
    cache = _load_cache()
    entry = cache.get("probes", {}).get(identity) if identity else None
    if entry is not None and os.path.exists(entry["executable"]):
        return _facts(entry)
    try:
        completed = subprocess.run(
            [path, "-I", "-c", _PROBE], stdin=subprocess.DEVNULL, capture_output=True,
            timeout=PROBE_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ProbeError(f"did not answer within {PROBE_TIMEOUT:g} s") from None
    except OSError as error:
        raise ProbeError(f"cannot be run ({error.strerror or error})") from None
    try:
        entry = json.loads(completed.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        facts = _facts(entry)
    except (ValueError, KeyError, IndexError, TypeError):
        raise ProbeError("is not a working Python 3 interpreter") from None
    if facts.version[0] != 3:
        raise ProbeError(f"is Python {facts.version_text}; Apps need Python 3")
    if identity:
        cache.setdefault("probes", {})[identity] = entry
        _save_cache(cache)
    return facts


def _facts(entry: dict[str, Any]) -> PythonFacts:
    major, minor, micro = (int(part) for part in entry["version"])
    return PythonFacts(
        str(entry["executable"]), (major, minor, micro), frozenset(entry.get("stdlib") or ()), entry.get("bundled")
    )


@dataclass(frozen=True)
class Found:
    """The interpreter chosen for the App's environment, and how it was found."""

    facts: PythonFacts
    source: str
    """`--python`, `python3.11 on PATH`, `uv`, or `the workbench's own Python`."""


def find_node_python() -> Found:
    """The Python a Node would use, found on this machine; the workbench's own as a last resort."""
    candidate = shutil.which(f"python{NODE_VERSION[0]}.{NODE_VERSION[1]}")
    if candidate is not None:
        try:
            return Found(probe(candidate), f"python{NODE_VERSION[0]}.{NODE_VERSION[1]} on PATH")
        except ProbeError:
            pass
    uv_python = _uv_python()
    if uv_python is not None:
        try:
            return Found(probe(uv_python), "uv")
        except ProbeError:
            pass
    return Found(own_facts(), "the workbench's own Python")


def _uv_python() -> str | None:
    """The Python 3.11 uv finds or manages (cached, a miss for a while); None without uv or one."""
    uv = shutil.which("uv")
    if uv is None:
        return None
    identity = _identity(uv)
    cache = _load_cache()
    entry = cache.get("uv", {})
    if entry.get("identity") == identity:
        found = entry.get("python")
        if isinstance(found, str) and os.path.exists(found):
            return found
        if not found and time.time() - entry.get("at", 0) < UV_MISS_SECONDS:
            return None
    version = f"{NODE_VERSION[0]}.{NODE_VERSION[1]}"
    try:
        completed = subprocess.run(
            [uv, "python", "find", "--no-python-downloads", version], stdin=subprocess.DEVNULL,
            capture_output=True, timeout=PROBE_TIMEOUT, check=False,
        )
        found = completed.stdout.decode("utf-8", "replace").strip() if completed.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired):
        found = ""
    cache["uv"] = {"identity": identity, "python": found or None, "at": time.time()}
    _save_cache(cache)
    return found or None


# --- what an environment provides -----------------------------------------------------------


def distribution_modules(site_packages: list[Path]) -> frozenset[str]:
    """The top-level modules the distributions installed in these folders provide.

    What `importlib.metadata.packages_distributions()` computes for `sys.path`,
    for an environment other than the running one: each distribution's
    `top_level.txt`, else the first part of the files its RECORD lists.
    """
    from importlib.metadata import distributions

    names: set[str] = set()
    for dist in distributions(path=[str(folder) for folder in site_packages]):
        declared = (dist.read_text("top_level.txt") or "").split()
        if declared:
            names.update(declared)
            continue
        for file in dist.files or ():
            parts = file.parts
            if not parts or parts[0] == ".." or parts[0].endswith((".dist-info", ".egg-info", ".data")):
                continue
            if parts[0] == "__pycache__" or parts[0].endswith(".pth"):
                continue
            if len(parts) == 1:
                stem = parts[0].split(".", 1)[0]
                if parts[0].endswith((".py", ".so", ".pyd")) and stem:
                    names.add(stem)
            else:
                names.add(parts[0])
    return frozenset(names)


def site_packages(env_dir: Path) -> list[Path]:
    """The `site-packages` folders of a virtual environment."""
    return sorted((env_dir / "lib").glob("python*/site-packages"))
