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
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .appdir import REQUIREMENTS, AppFolder
from .fsutil import atomic_write_text, remove_tree
from .job import EnvironmentFailed, JobError, PreparedEnvironment

if TYPE_CHECKING:
    from .records import EnvironmentRecord


ENVS_DIR = "envs"
"""Folder of `.workbench/` that holds an App's environments."""
MARKER = ".workbench-env.json"
"""Written last into a complete environment; an environment without it is never used."""
INSTALL_LOG = "install.log"
"""The installer's full output, kept inside each environment it built."""
LOGS_DIR = "logs"
"""Installer logs of failed builds, under the envs folder."""
LOCK_FILE = ".lock"
KEEP_ENVS = 3
"""Environments kept per App (the most recently used); older ones are deleted."""
KEEP_FAILED_LOGS = 5
NODE_PYTHON_VERSIONS = ((3, 10), (3, 11))
"""The Python versions a Node runs Apps with (see the contract)."""
PROBE_TIMEOUT = 20.0
_MAX_INCLUDE_DEPTH = 10
_MAX_FIXUP_BYTES = 1 << 20
_BUILD_PREFIX = ".build-"
_TRASH_PREFIX = ".trash-"
_LOCK_POLL = 0.1

Output = Callable[[str], None]
"""Receives the installer's output, one line at a time (without its newline)."""


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


def _environment_record(**fields: Any) -> EnvironmentRecord:
    """The record of how the run's environment was provided.

    The pydantic model is imported on first use, so that `workbench run` starts an
    App without requirements before paying for pydantic (see `workbench.history`).
    """
    from .records import EnvironmentRecord as Model

    return Model(**fields)


# --- requirements ---------------------------------------------------------------------------

_INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(?P<path>\S+)")


@dataclass(frozen=True)
class Requirement:
    """One requirement line, for naming the one that failed."""

    name: str
    """The project name, as written."""
    file: str
    """The requirements file, relative to the App folder."""
    line: int


def _included_paths(text: str, base: Path) -> list[Path]:
    found = []
    for raw in text.splitlines():
        match = _INCLUDE.match(raw)
        if match is None:
            continue
        target = match.group("path")
        if "://" in target:
            continue  # a URL: not hashed (use --reinstall after it changes)
        found.append(base / target)
    return found


def requirement_sources(app_root: Path) -> list[tuple[Path, bytes | None]]:
    """requirements.txt and the files it includes (`-r`, `-c`), with their contents (None: unreadable)."""
    seen: set[Path] = set()
    sources: list[tuple[Path, bytes | None]] = []
    pending = [(app_root / REQUIREMENTS, 0)]
    while pending:
        path, depth = pending.pop(0)
        key = Path(os.path.normpath(path))
        if key in seen:
            continue
        seen.add(key)
        try:
            data = key.read_bytes()
        except OSError:
            sources.append((key, None))
            continue
        sources.append((key, data))
        if depth < _MAX_INCLUDE_DEPTH:
            text = data.decode("utf-8", "replace")
            pending.extend((child, depth + 1) for child in _included_paths(text, key.parent))
    return sources


def declared_requirements(app_root: Path) -> list[Requirement]:
    """The named requirements of requirements.txt and its includes (options and URLs skipped)."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

    found = []
    for path, data in requirement_sources(app_root):
        if data is None:
            continue
        rel = os.path.relpath(path, app_root)
        for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith(("#", "-")):
                continue
            try:
                found.append(Requirement(Parsed(line).name, rel, number))
            except InvalidRequirement:
                name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
                if name:
                    found.append(Requirement(name.group(0), rel, number))
    return found


@dataclass(frozen=True)
class EnvironmentKey:
    """Which environment an App needs: named from its requirements and its interpreter."""

    name: str
    """`py3.11-<16 hex digits>`: the folder name under `.workbench/envs/`."""
    requirements_sha256: str
    """The sha256 of requirements.txt itself."""


def environment_key(app_root: Path, interpreter: Interpreter, interpreter_id: str | None = None) -> EnvironmentKey:
    """The key of the environment for the App's current requirements and this interpreter.

    It covers requirements.txt, the files it includes and the interpreter's real
    path and full version; raises OSError when requirements.txt cannot be read.
    """
    sources = requirement_sources(app_root)
    main_data = sources[0][1]
    if main_data is None:
        main_data = (app_root / REQUIREMENTS).read_bytes()  # raises the OSError that says why
    digest = hashlib.sha256(b"workbench-env-1\0")
    identity = interpreter_id or f"{os.path.realpath(interpreter.executable)}\0{interpreter.version_text}"
    digest.update(identity.encode("utf-8", "surrogateescape") + b"\0")
    for path, data in sources:
        digest.update(os.path.relpath(path, app_root).encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(data).digest() if data is not None else b"<unreadable>")
    return EnvironmentKey(
        name=f"{interpreter.tag}-{digest.hexdigest()[:16]}",
        requirements_sha256=hashlib.sha256(main_data).hexdigest(),
    )


def env_python(env_dir: Path) -> Path:
    """The python of an environment."""
    return env_dir / "bin" / "python"


def is_complete(env_dir: Path) -> bool:
    """Whether an environment was built to the end and its python still resolves (two stats)."""
    return os.path.exists(env_dir / MARKER) and os.path.exists(env_python(env_dir))


def envs_root(app: AppFolder) -> Path:
    """`.workbench/envs/` of an App (created on first use)."""
    root = app.state_dir / ENVS_DIR
    root.mkdir(exist_ok=True)
    return root


# --- installers -----------------------------------------------------------------------------


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


def _bundled_wheels(interpreter: Interpreter) -> list[str]:
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


# --- diagnosing a failed install --------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NAMED_FAILURES = (
    re.compile(r"No matching distribution found for (?P<req>\S+)"),
    re.compile(r"Could not find a version that satisfies the requirement (?P<req>\S+)"),
    re.compile(r"Because (?P<req>\S+) was not found in the (?:package registry|cache)"),
    re.compile(r"Because there is no version of (?P<req>[A-Za-z0-9._-]+)"),
    re.compile(r"Because only (?P<req>[A-Za-z0-9._-]+)"),
    re.compile(r"Because you require (?P<req>[A-Za-z0-9._-]+)"),
    re.compile(r"Cannot install (?P<req>.+?) because these package versions have conflicting dependencies"),
    re.compile(r"Failed to (?:build|download|fetch|prepare distributions|resolve)[^`]*`(?P<req>[^`]+)`"),
    re.compile(r"Failed to fetch: \S*/simple/(?P<req>[A-Za-z0-9._-]+)/?"),
    re.compile(r"Failed building wheel for (?P<req>\S+)"),
    re.compile(r"Failed to build (?P<req>\S+)"),
    re.compile(r"Invalid requirement: '?(?P<req>[^'\n]+)'?"),
    re.compile(r"Could not open requirements file: .*?'(?P<req>[^']+)'"),
    re.compile(r"Distribution not found at:\s*(?P<req>\S+)"),
)
_ERROR_LINE = re.compile(r"^\s*(?:ERROR:|error:|cause:|Caused by:|×|╰─▶)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Diagnosis:
    """What made an installation fail, in the author's terms."""

    requirement: str | None
    """The requirement that failed, as the installer or requirements.txt names it."""
    where: str | None
    """`requirements.txt line 3`, when the requirement was found in the files."""
    reason: str
    """The installer's own words for the failure (one line)."""


def diagnose(lines: list[str], declared: list[Requirement]) -> Diagnosis:
    """Find the failing requirement and the installer's reason in its output."""
    clean = [_ANSI.sub("", line).rstrip() for line in lines]
    errors = [line for line in clean if _ERROR_LINE.match(line)]
    telling = ("Because", "No matching", "Cannot install", "conflict", "Failed to", "Could not")
    reason_line = next((line for line in errors if any(word in line for word in telling)), None)
    if reason_line is None:
        reason_line = errors[-1] if errors else next((line for line in reversed(clean) if line.strip()), "")
    requirement = _named_requirement(clean)
    by_name = {_canonical(item.name): item for item in declared}
    found = None
    if requirement:
        url_name = re.search(r"/simple/([A-Za-z0-9._-]+)/?$", requirement)
        if url_name:
            requirement = url_name.group(1)
        head = re.match(r"[A-Za-z0-9._-]+", requirement)
        found = by_name.get(_canonical(head.group(0))) if head else None
    else:
        for item in declared:
            word = re.compile(rf"(?<![A-Za-z0-9._-]){re.escape(item.name)}(?![A-Za-z0-9_-])", re.IGNORECASE)
            if any(word.search(line) for line in errors):
                found = item
                requirement = item.name
                break
    reason = _ERROR_LINE.sub("", reason_line).strip().rstrip(".") or "the installer failed"
    after = clean[clean.index(reason_line) + 1 :] if reason_line in clean else []
    causes = [line for line in after if line.strip().startswith("cause:")]
    if causes:
        root_cause = _ERROR_LINE.sub("", causes[-1]).strip().rstrip(".")
        if root_cause and root_cause not in reason:
            reason = f"{reason} ({root_cause})"
    if len(reason) > 300:
        reason = reason[:297] + "..."
    return Diagnosis(requirement, f"{found.file} line {found.line}" if found else None, reason)


def _named_requirement(lines: list[str]) -> str | None:
    for pattern in _NAMED_FAILURES:
        for line in lines:
            match = pattern.search(line)
            if match:
                return match.group("req").strip().strip(".,'\"") or None
    joined = "\n".join(lines)  # an installer may wrap a long message onto the next line
    for pattern in _NAMED_FAILURES:
        match = pattern.search(joined)
        if match:
            return match.group("req").strip().strip(".,'\"") or None
    return None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- building ---------------------------------------------------------------------------------


class _InstallFailed(Exception):
    def __init__(self, lines: list[str], step: list[str]) -> None:
        super().__init__("installer failed")
        self.lines = lines
        self.step = step


class _Cancelled(Exception):
    pass


class RequirementsEnvironment:
    """An EnvironmentProvider: the App's requirements environment, built or reused.

    Call it as `provider(app, notify)`; `notify` receives the workbench's own
    messages, `output` (given at creation) the installer's lines as they arrive.
    One provider may serve many runs; `cancel()` ends the installs it is running.
    """

    def __init__(
        self,
        interpreter: Interpreter | None = None,
        *,
        reinstall: bool = False,
        install: bool = True,
        output: Output | None = None,
        installer: str | None = None,
        keep: int = KEEP_ENVS,
    ) -> None:
        self.interpreter = interpreter or Interpreter.current()
        self.reinstall = reinstall
        self.install = install
        self.output = output
        self.installer = installer
        self.keep = max(1, keep)
        self._identity = f"{os.path.realpath(self.interpreter.executable)}\0{self.interpreter.version_text}"
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """End every install this provider is running (thread-safe); those runs fail as cancelled."""
        self._cancel.set()
        with self._lock:
            running = list(self._running)
        for process in running:
            _kill_group(process)

    def __call__(self, app: AppFolder, notify: Callable[[str], None]) -> PreparedEnvironment:
        started = time.perf_counter()
        self._cancel.clear()
        mismatch = self.interpreter.node_mismatch()
        if mismatch:
            notify(mismatch)
        if app.requirements is None:
            return PreparedEnvironment(self.interpreter.executable)
        if not self.install:
            notify(
                f"--no-install: {REQUIREMENTS} was not installed; the App runs with"
                f" {self.interpreter.executable} and whatever that Python has installed"
            )
            return PreparedEnvironment(
                self.interpreter.executable,
                _environment_record(
                    requirements_sha256=_file_sha256_or_none(app.root / REQUIREMENTS),
                    skipped=True,
                    python_version=self.interpreter.version_text,
                    seconds=round(time.perf_counter() - started, 6),
                ),
            )
        try:
            key = environment_key(app.root, self.interpreter, self._identity)
        except OSError as error:
            raise EnvironmentFailed(
                f"{REQUIREMENTS}: cannot be read ({error.strerror or error}); fix it or run with --no-install",
                _environment_record(python_version=self.interpreter.version_text),
            ) from None
        try:
            root = envs_root(app)
        except OSError as error:
            raise EnvironmentFailed(
                f"{app.root / '.workbench' / ENVS_DIR}: cannot be created ({error.strerror or error})",
                _environment_record(requirements_sha256=key.requirements_sha256),
            ) from None
        env_dir = root / key.name
        if not self.reinstall and is_complete(env_dir):
            _touch(env_dir)
            return self._prepared(env_dir, key, reused=True, started=started)
        with self._locked(root, notify):
            if not self.reinstall and is_complete(env_dir):  # another run built it while we waited
                _touch(env_dir)
                return self._prepared(env_dir, key, reused=True, started=started)
            _sweep_leftovers(root)
            installer, log_path = self._build(app, root, env_dir, key, notify, started)
            prune_environments(root, keep=self.keep, protect=env_dir)
        return self._prepared(env_dir, key, reused=False, started=started, installer=installer, log=log_path)

    def _prepared(
        self,
        env_dir: Path,
        key: EnvironmentKey,
        *,
        reused: bool,
        started: float,
        installer: str | None = None,
        log: Path | None = None,
    ) -> PreparedEnvironment:
        if reused:
            installer, log = _marker_facts(env_dir)
        record = _environment_record(
            path=str(env_dir),
            requirements_sha256=key.requirements_sha256,
            reused=reused,
            seconds=round(time.perf_counter() - started, 6),
            installer=installer,
            log=str(log) if log else None,
            python_version=self.interpreter.version_text,
        )
        return PreparedEnvironment(str(env_python(env_dir)), record)

    @contextmanager
    def _locked(self, root: Path, notify: Callable[[str], None]) -> Iterator[None]:
        try:
            handle = open(root / LOCK_FILE, "a+b")
        except OSError as error:
            raise EnvironmentFailed(f"{root / LOCK_FILE}: cannot be opened ({error.strerror or error})") from None
        try:
            told = False
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not told:
                        notify("waiting for another run that is building this App's environment")
                        told = True
                    if self._cancel.wait(_LOCK_POLL):
                        raise EnvironmentFailed("cancelled while waiting for the environment") from None
            yield
        finally:
            handle.close()  # releases the lock

    def _build(
        self,
        app: AppFolder,
        root: Path,
        env_dir: Path,
        key: EnvironmentKey,
        notify: Callable[[str], None],
        started: float,
    ) -> tuple[str, Path]:
        try:
            installer = find_installer(self.installer)
        except ValueError as error:
            raise EnvironmentFailed(str(error)) from None
        build_dir = root / f"{_BUILD_PREFIX}{key.name}-{secrets.token_hex(4)}"
        logs = root / LOGS_DIR
        logs.mkdir(exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        log_path = logs / f"{key.name}-{stamp}.log"
        rel = os.path.relpath(env_dir, app.root)
        action = "rebuilding" if env_dir.exists() else "building"
        notify(
            f"{action} the App's environment {rel} from {REQUIREMENTS} with {installer.name}"
            f" (Python {self.interpreter.version_text})"
        )
        output = self.output or notify
        lines: list[str] = []
        try:
            with open(log_path, "w", encoding="utf-8") as log:
                log.write(f"# {action} {env_dir} with {installer.name}, Python {self.interpreter.version_text}\n")
                for argv, where in installer.steps(self.interpreter, build_dir, app.name):
                    cwd = app.root if where == "app" else root
                    self._run_step(argv, cwd, log, output, lines)
                _fix_paths(build_dir, env_dir)
            os.replace(log_path, build_dir / INSTALL_LOG)
            final_log = env_dir / INSTALL_LOG
            seconds = round(time.perf_counter() - started, 3)
            marker = {
                "requirements_sha256": key.requirements_sha256,
                "interpreter": self.interpreter.executable,
                "python_version": self.interpreter.version_text,
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
                _environment_record(
                    requirements_sha256=key.requirements_sha256,
                    seconds=round(time.perf_counter() - started, 6),
                    installer=installer.name,
                    log=str(log_path),
                    python_version=self.interpreter.version_text,
                ),
            ) from None
        except _Cancelled:
            _discard(build_dir)
            raise EnvironmentFailed(
                "cancelled while installing the App's requirements",
                _environment_record(requirements_sha256=key.requirements_sha256, installer=installer.name,
                                  log=str(log_path), python_version=self.interpreter.version_text),
            ) from None
        except OSError as error:
            _discard(build_dir)
            raise EnvironmentFailed(
                f"could not build the App's environment in {root}: {error.strerror or error}"
                f" ({getattr(error, 'filename', None) or 'file system'}); installer log: {log_path}",
                _environment_record(requirements_sha256=key.requirements_sha256, installer=installer.name,
                                  log=str(log_path), python_version=self.interpreter.version_text),
            ) from None
        except BaseException:
            _discard(build_dir)
            raise
        _prune_logs(logs)
        return installer.name, final_log

    def _run_step(self, argv: list[str], cwd: Path, log, output: Output, lines: list[str]) -> None:
        if self._cancel.is_set():
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
        with self._lock:
            self._running.add(process)
        try:
            if self._cancel.is_set():
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
            with self._lock:
                self._running.discard(process)
            if process.poll() is None:
                _kill_group(process)
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._cancel.is_set():
            raise _Cancelled()
        if code != 0:
            log.write(f"# exit status {code}\n")
            raise _InstallFailed(lines, argv)


def _failure_message(diagnosis: Diagnosis, log_path: Path) -> str:
    if diagnosis.requirement:
        where = f" ({diagnosis.where})" if diagnosis.where else ""
        head = f"could not install requirement '{diagnosis.requirement}'{where}"
    else:
        head = f"could not install the App's {REQUIREMENTS}"
    return f"{head}: {diagnosis.reason}; full installer log: {log_path}"


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
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            process.poll()
            return
        except PermissionError:
            return
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_alive(process.pid):
                return
            time.sleep(0.02)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fix_paths(build_dir: Path, env_dir: Path) -> None:
    """Point the scripts the installers wrote (shebangs, `activate`) at the final folder."""
    old = os.fsencode(build_dir)
    new = os.fsencode(env_dir)
    for folder in (build_dir / "bin",):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink() or not entry.is_file():
                continue
            if entry.stat().st_size > _MAX_FIXUP_BYTES:
                continue
            data = Path(entry.path).read_bytes()
            if old in data:
                Path(entry.path).write_bytes(data.replace(old, new))
    config = build_dir / "pyvenv.cfg"
    if config.is_file():
        data = config.read_bytes()
        if old in data:
            config.write_bytes(data.replace(old, new))


def _move_into_place(build_dir: Path, env_dir: Path, root: Path) -> None:
    trash = None
    if env_dir.exists():
        trash = root / f"{_TRASH_PREFIX}{env_dir.name}-{secrets.token_hex(4)}"
        os.rename(env_dir, trash)
    os.rename(build_dir, env_dir)
    _touch(env_dir)
    if trash is not None:
        remove_tree(trash)


def _discard(path: Path) -> None:
    if path.exists():
        remove_tree(path)


def _touch(env_dir: Path) -> None:
    """Mark an environment as just used (its folder's time orders pruning)."""
    try:
        os.utime(env_dir)
    except OSError:
        pass  # only the pruning order suffers


def _marker_facts(env_dir: Path) -> tuple[str | None, Path | None]:
    try:
        facts = json.loads((env_dir / MARKER).read_text(encoding="utf-8"))
        installer = facts.get("installer")
    except (OSError, ValueError, AttributeError):
        installer = None
    log = env_dir / INSTALL_LOG
    return (installer if isinstance(installer, str) else None), (log if log.exists() else None)


def _sweep_leftovers(root: Path) -> None:
    """Delete builds and trash that a crashed or killed run left (called holding the lock)."""
    for entry in _entries(root):
        if entry.name.startswith((_BUILD_PREFIX, _TRASH_PREFIX)) and entry.is_dir(follow_symlinks=False):
            remove_tree(Path(entry.path))


def prune_environments(root: Path, *, keep: int, protect: Path) -> list[str]:
    """Keep the `keep` most recently used environments (always `protect`); delete the rest."""
    envs = [
        entry
        for entry in _entries(root)
        if entry.name.startswith("py") and entry.is_dir(follow_symlinks=False) and Path(entry.path) != protect
    ]
    envs.sort(key=lambda entry: _mtime(entry), reverse=True)
    removed = []
    for entry in envs[max(0, keep - 1) :]:
        remove_tree(Path(entry.path))
        removed.append(entry.name)
    return removed


def _prune_logs(logs: Path) -> None:
    entries = sorted((entry for entry in _entries(logs) if entry.name.endswith(".log")), key=_mtime, reverse=True)
    for entry in entries[KEEP_FAILED_LOGS:]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        return list(os.scandir(folder))
    except OSError:
        return []


def _mtime(entry: os.DirEntry[str]) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return 0.0


def _file_sha256_or_none(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def environment_provider(
    python: str | os.PathLike[str] | None = None,
    *,
    reinstall: bool = False,
    install: bool = True,
    output: Output | None = None,
    installer: str | None = None,
    keep: int = KEEP_ENVS,
) -> RequirementsEnvironment:
    """The provider the CLI and the TUI give a Job.

    `python`: the interpreter environments are made from (default: the workbench's);
    it is run once here to learn its version, so a bad path raises InterpreterError
    before anything runs. `reinstall` rebuilds the environment; `install=False`
    skips it and runs the App with the interpreter itself. `output` receives the
    installer's lines as they arrive (default: the run's notify function).
    `installer` forces `uv` or `pip` (default: uv when available).
    """
    interpreter = Interpreter.current() if python is None else Interpreter.probe(python)
    return RequirementsEnvironment(
        interpreter, reinstall=reinstall, install=install, output=output, installer=installer, keep=keep
    )
