"""`RequirementsEnvironment`: the EnvironmentProvider a Job is given, building or reusing the App's environment."""

from __future__ import annotations

import fcntl
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..appdir import REQUIREMENTS, STATE_DIR, AppFolder
from ..environment import EnvironmentFacts, EnvironmentFailed, PreparedEnvironment
from ..node.findings import Code, Finding, finding
from ..node.python import NODE_VERSION, distribution_modules, site_packages
from .interpreter import Interpreter
from .store import (
    ENVS_DIR,
    KEEP_ENVS,
    LOCK_FILE,
    EnvironmentKey,
    _file_sha256_or_none,
    _marker_facts,
    _sweep_leftovers,
    _touch,
    bare_key,
    env_python,
    environment_key,
    envs_root,
    is_complete,
    is_utf8,
    prune_environments,
)

if TYPE_CHECKING:
    from .installer import Output

_LOCK_POLL = 0.1


def _environment_record(**fields: Any) -> EnvironmentFacts:
    """The facts of how the run's environment was provided (`records.EnvironmentRecord` once recorded).

    A plain dataclass: `workbench run` starts the App before it pays for pydantic
    (see `workbench.history`).
    """
    return EnvironmentFacts(**fields)


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
        self.interpreter = interpreter or Interpreter.discover()
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
        if running:
            from .installer import _kill_group

            for process in running:
                _kill_group(process)

    def node_findings(self) -> list[Finding]:
        """`interpreter` and `environment` findings for every run this provider prepares."""
        found = []
        python = self.interpreter
        if not python.is_node_version:
            node = ".".join(map(str, NODE_VERSION))
            found.append(finding(
                Code.INTERPRETER,
                f"the App ran with Python {python.version_text} ({python.source}, {python.executable});"
                f" a Node runs Python {node}: install python{node} (or `uv python install {node}`)"
                f" or give one with --python",
            ))
        if not self.install:
            found.append(finding(
                Code.ENVIRONMENT,
                f"--no-install: the App ran with {python.executable} and whatever it has installed, not in"
                f" an environment of its own; a Node always makes one, with {REQUIREMENTS} installed when present",
            ))
        return found

    def __call__(self, app: AppFolder, notify: Callable[[str], None]) -> PreparedEnvironment:
        started = time.perf_counter()
        self._cancel.clear()
        mismatch = self.interpreter.node_mismatch()
        if mismatch:
            notify(mismatch)
        findings = tuple(self.node_findings())
        if not self.install:
            notify(
                f"--no-install: {REQUIREMENTS} was not installed; the App runs with"
                f" {self.interpreter.executable} and whatever that Python has installed"
                if app.requirements is not None else
                f"--no-install: the App runs with {self.interpreter.executable} and whatever that Python"
                f" has installed, not in a bare environment as on a Node"
            )
            return PreparedEnvironment(
                self.interpreter.executable,
                _environment_record(
                    requirements_sha256=_file_sha256_or_none(app.root / REQUIREMENTS),
                    skipped=True,
                    python_version=self.interpreter.version_text,
                    seconds=round(time.perf_counter() - started, 6),
                ),
                python_version=self.interpreter.version_text,
                stdlib=self.interpreter.stdlib,
                provided=None,
                findings=findings,
            )
        if app.requirements is None and not is_utf8(str(app.root)):
            # venv writes the folder's path into text files as UTF-8: it cannot make one here.
            notify(
                "the App's folder path is not UTF-8, so no environment can be made inside it: the App runs"
                f" with {self.interpreter.executable} itself, whose packages a Node would not have"
            )
            return PreparedEnvironment(
                self.interpreter.executable,
                _environment_record(skipped=True, python_version=self.interpreter.version_text),
                python_version=self.interpreter.version_text,
                stdlib=self.interpreter.stdlib,
                provided=None,
                findings=findings,
            )
        if app.requirements is None:
            key = bare_key(self.interpreter, self._identity)
        else:
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
                f"{app.root / STATE_DIR / ENVS_DIR}: cannot be created ({error.strerror or error})",
                _environment_record(requirements_sha256=key.requirements_sha256),
            ) from None
        env_dir = root / key.name
        if not self.reinstall and is_complete(env_dir):
            _touch(env_dir)
            return self._prepared(env_dir, key, reused=True, started=started, findings=findings)
        with self._locked(root, notify):
            if not self.reinstall and is_complete(env_dir):  # another run built it while we waited
                _touch(env_dir)
                return self._prepared(env_dir, key, reused=True, started=started, findings=findings)
            _sweep_leftovers(root)
            from .build import build_environment  # the installer and its diagnosis: only when building

            installer, log_path, modules = build_environment(self, app, root, env_dir, key, notify, started)
            prune_environments(root, keep=self.keep, protect=env_dir)
        return self._prepared(
            env_dir, key, reused=False, started=started, installer=installer, log=log_path, modules=modules,
            findings=findings,
        )

    def _prepared(
        self,
        env_dir: Path,
        key: EnvironmentKey,
        *,
        reused: bool,
        started: float,
        installer: str | None = None,
        log: Path | None = None,
        modules: frozenset[str] | None = None,
        findings: tuple[Finding, ...] = (),
    ) -> PreparedEnvironment:
        if reused:
            installer, log, modules = _marker_facts(env_dir)
            if modules is None:  # built before the workbench kept them in the marker
                modules = frozenset() if key.bare else distribution_modules(site_packages(env_dir))
        record = _environment_record(
            path=str(env_dir),
            requirements_sha256=key.requirements_sha256,
            reused=reused,
            seconds=round(time.perf_counter() - started, 6),
            installer=installer,
            log=str(log) if log else None,
            python_version=self.interpreter.version_text,
            bare=key.bare,
        )
        return PreparedEnvironment(
            str(env_python(env_dir)),
            record,
            python_version=self.interpreter.version_text,
            stdlib=self.interpreter.stdlib,
            provided=modules,
            findings=findings,
        )

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

    `python`: the interpreter environments are made from (default: the Node's Python 3.11
    found on this machine, else the workbench's own: see `Interpreter.discover`); it is
    run once (then cached) to learn its version, so a bad path raises InterpreterError
    before anything runs. `reinstall` rebuilds the environment; `install=False`
    skips it and runs the App with the interpreter itself. `output` receives the
    installer's lines as they arrive (default: the run's notify function).
    `installer` forces `uv` or `pip` (default: uv when available).
    """
    interpreter = Interpreter.discover() if python is None else Interpreter.probe(python)
    return RequirementsEnvironment(
        interpreter, reinstall=reinstall, install=install, output=output, installer=installer, keep=keep
    )

