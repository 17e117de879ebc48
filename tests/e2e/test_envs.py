"""Per-App requirements environments: built for real from PyPI, reused, rebuilt, and failing clearly.

Most tests share environments built once per module with uv (fast: its cache
makes a second build of the same package cheap); one builds with venv + pip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from cli_helpers import load_record, own_lines, pid_alive, run_dirs, run_workbench
from waiting import join, wait_until
from workbench import envs
from workbench.appdir import AppFolder
from workbench.environment import EnvironmentFailed
from workbench.envs import (
    INSTALL_LOG,
    MARKER,
    EnvironmentKey,
    Interpreter,
    InterpreterError,
    diagnose,
    environment_key,
    environment_provider,
    is_complete,
    prune_environments,
)
from workbench.job import Job, JobSpec
from workbench.requirements import Requirement
from workbench.status import RunStatus

IMPORTS_SIX = """
import sys
import six
print("six", six.__version__)
print("python", sys.executable, file=sys.stderr)
"""
MISSING = "workbench-no-such-package-4f1c2e9a"
"""A project name that does not exist on PyPI."""

pytestmark = pytest.mark.skipif(
    envs.find_installer().name != "uv", reason="these tests build environments with uv; install uv (pip install uv)"
)


class Lines:
    """An installer-output sink that keeps the lines it was given."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)


class NullSink:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


def write_app(root: Path, requirements: str, main: str = IMPORTS_SIX, **files: str) -> Path:
    root.mkdir(parents=True)
    (root / "main.py").write_text(textwrap.dedent(main))
    (root / "requirements.txt").write_text(requirements)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def env_dirs(app: Path) -> list[Path]:
    root = app / ".workbench" / "envs"
    return sorted(path for path in root.iterdir() if path.name.startswith("py")) if root.is_dir() else []


def leftovers(app: Path) -> list[str]:
    root = app / ".workbench" / "envs"
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".build-", ".trash-"))) if root.is_dir() else []


def distributions(env_dir: Path) -> set[str]:
    """`name-version` of every distribution installed in an environment."""
    site = next((env_dir / "lib").glob("python3.*/site-packages"))
    return {path.name.removesuffix(".dist-info").lower() for path in site.glob("*.dist-info")}


def assert_scripts_point_at(env_dir: Path) -> None:
    """The environment's scripts run its own python at its final path (not the build folder's)."""
    pip = env_dir / "bin" / "pip"
    head = "\n".join(pip.read_text().splitlines()[:2])  # a shebang, or pip's /bin/sh trampoline for long paths
    assert f"{env_dir}/bin/python" in head and ".build-" not in head
    assert ".build-" not in (env_dir / "bin" / "activate").read_text()
    done = subprocess.run([str(pip), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and str(env_dir) in done.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """An App that imports six, run once with `workbench run` (building its environment with uv)."""
    app = write_app(tmp_path_factory.mktemp("envs") / "six_app", "six\n")
    record_path = app.parent / "first.json"
    done = run_workbench(app, "--record", record_path, timeout=90)
    assert done.returncode == 0, done.stderr.decode()
    record = load_record(record_path)
    env_dir = Path(record["environment"]["path"])
    marker = env_dir / MARKER
    return {
        "app": app,
        "done": done,
        "record": record,
        "env_dir": env_dir,
        "marker_stat": marker.stat(),
        "marker_text": marker.read_text(),
    }


class TestFirstRun:
    def test_the_app_runs_with_its_environment_and_imports_the_package(self, built) -> None:
        done, record = built["done"], built["record"]
        assert done.stdout.startswith(b"six 1.")  # stdout is exactly the App's: no installer line in it
        assert done.stdout.count(b"\n") == 1
        env_dir = built["env_dir"]
        assert env_dir.parent == built["app"] / ".workbench" / "envs"
        assert env_dir.name.startswith(f"py{sys.version_info[0]}.{sys.version_info[1]}-")
        assert record["interpreter"] == str(env_dir / "bin" / "python")
        assert f"python {env_dir}/bin/python".encode() in done.stderr

    def test_the_record_says_how_the_environment_was_built(self, built) -> None:
        environment = built["record"]["environment"]
        app = built["app"]
        assert environment["installer"] == "uv"
        assert environment["reused"] is False
        assert environment["requirements_sha256"] == hashlib.sha256((app / "requirements.txt").read_bytes()).hexdigest()
        assert environment["python_version"] == ".".join(map(str, sys.version_info[:3]))
        assert environment["seconds"] > 0
        log = Path(environment["log"])
        assert log == built["env_dir"] / INSTALL_LOG
        assert "six" in log.read_text()

    def test_installer_output_streams_to_stderr_under_the_workbench_line(self, built) -> None:
        stderr = built["done"].stderr.decode()
        assert any("building the App's environment" in line and "with uv" in line for line in own_lines(built["done"].stderr))
        assert "\n  " in stderr and "six" in stderr.split("building the App's environment", 1)[1]

    def test_the_environment_is_complete_and_only_it_is_left(self, built) -> None:
        env_dir = built["env_dir"]
        assert is_complete(env_dir)
        assert env_dirs(built["app"]) == [env_dir]
        assert leftovers(built["app"]) == []
        marker = json.loads(built["marker_text"])
        assert marker["installer"] == "uv"

    def test_scripts_point_at_the_final_folder_after_the_rename(self, built) -> None:
        env_dir = built["env_dir"]
        assert_scripts_point_at(env_dir)

    def test_the_environment_holds_what_venv_would_seed_plus_the_requirement(self, built) -> None:
        names = {item.rsplit("-", 1)[0] for item in distributions(built["env_dir"])}
        assert names == {"pip", "setuptools", "six"}  # like `python -m venv` + pip install: nothing more


class TestReuse:
    def test_unchanged_requirements_reuse_the_environment_without_the_installer(self, built, monkeypatch) -> None:
        app = AppFolder.open(built["app"])
        output = Lines()
        notes = Lines()

        def no_subprocess(*args, **kwargs):
            raise AssertionError(f"a subprocess started on the reuse path: {args[0]}")

        provider = environment_provider(output=output)
        monkeypatch.setattr(subprocess, "Popen", no_subprocess)
        prepared = provider(app, notes)
        assert prepared.interpreter == str(built["env_dir"] / "bin" / "python")
        assert prepared.record is not None and prepared.record.reused is True
        assert prepared.record.installer == "uv"
        assert output.lines == [] and notes.lines == []
        marker = built["env_dir"] / MARKER
        assert marker.stat().st_mtime_ns == built["marker_stat"].st_mtime_ns
        assert marker.stat().st_ino == built["marker_stat"].st_ino
        assert marker.read_text() == built["marker_text"]

    def test_a_second_workbench_run_reuses_it_and_says_nothing_of_installing(self, built, tmp_path) -> None:
        record_path = tmp_path / "again.json"
        done = run_workbench(built["app"], "--record", record_path)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.startswith(b"six 1.")
        environment = load_record(record_path)["environment"]
        assert environment["reused"] is True
        assert environment["path"] == str(built["env_dir"])
        assert b"building" not in done.stderr
        assert (built["env_dir"] / MARKER).read_text() == built["marker_text"]
        assert env_dirs(built["app"]) == [built["env_dir"]]

    def test_a_job_uses_the_requirements_environment_by_default(self, built) -> None:
        record = Job(AppFolder.open(built["app"]), JobSpec(), NullSink()).run()
        assert record.status is RunStatus.SUCCEEDED, record.message
        assert record.interpreter == str(built["env_dir"] / "bin" / "python")
        assert record.environment is not None and record.environment.reused


class TestPythonOption:
    def test_python_given_as_a_path_to_the_same_interpreter_reuses_the_environment(self, built, tmp_path) -> None:
        record_path = tmp_path / "record.json"
        done = run_workbench(built["app"], "--python", sys.executable, "--record", record_path)
        assert done.returncode == 0, done.stderr.decode()
        environment = load_record(record_path)["environment"]
        assert environment["reused"] is True and environment["path"] == str(built["env_dir"])

    def test_a_python_a_node_does_not_run_is_warned_about_on_every_run(self, make_app) -> None:
        app = AppFolder.open(make_app("print('hi')\n"))
        notes = Lines()
        provider = envs.RequirementsEnvironment(Interpreter(sys.executable, (3, 12, 1)))
        for _ in range(2):
            notes.lines.clear()
            prepared = provider(app, notes)
            assert "Python 3.12.1" in notes.lines[0] and "3.10 to 3.11" in notes.lines[0]
            [found] = prepared.findings  # and the run's Node verdict says so
            assert found.code == "interpreter" and found.severity == "warn" and "3.12.1" in found.message
        assert len(notes.lines) == 1  # the second run reuses the bare environment, silently


class TestRebuild:
    def test_included_requirement_files_are_installed_from_the_app_folder(self, tmp_path) -> None:
        root = write_app(tmp_path / "app", "-r deps/base.txt\n", **{"deps/base.txt": "six\n"})
        prepared = environment_provider(output=Lines())(AppFolder.open(root), Lines())
        done = subprocess.run([prepared.interpreter, "main.py"], cwd=root, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.startswith(b"six 1.")


    def test_a_changed_requirements_file_builds_a_new_environment(self, built, tmp_path) -> None:
        app_root = tmp_path / "changed"
        shutil.copytree(built["app"], app_root)
        old_env = app_root / ".workbench" / "envs" / built["env_dir"].name
        (app_root / "requirements.txt").write_text("six\nidna\n")
        (app_root / "main.py").write_text("import idna, six\nprint(idna.encode('ü.example').decode())\n")
        record_path = tmp_path / "changed.json"
        done = run_workbench(app_root, "--record", record_path, timeout=90)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout == b"xn--tda.example\n"
        environment = load_record(record_path)["environment"]
        assert environment["reused"] is False
        assert environment["path"] != str(old_env)
        assert sorted(env_dirs(app_root)) == sorted([old_env, Path(environment["path"])])  # the old one is kept

    def test_a_changed_included_file_also_rebuilds(self, tmp_path) -> None:
        root = write_app(tmp_path / "app", "-r base.txt\n", **{"base.txt": "six\n"})
        interpreter = Interpreter.current()
        first = environment_key(root, interpreter)
        assert environment_key(root, interpreter) == first
        (root / "base.txt").write_text("six==1.17.0\n")
        second = environment_key(root, interpreter)
        assert second.name != first.name
        assert second.requirements_sha256 == first.requirements_sha256  # requirements.txt itself is unchanged

    def test_reinstall_rebuilds_the_same_environment_in_place(self, built, tmp_path) -> None:
        app_root = tmp_path / "again"
        shutil.copytree(built["app"], app_root)
        env_dir = app_root / ".workbench" / "envs" / built["env_dir"].name
        before = json.loads((env_dir / MARKER).read_text())
        output = Lines()
        prepared = environment_provider(reinstall=True, output=output)(AppFolder.open(app_root), Lines())
        assert prepared.record is not None and prepared.record.reused is False
        assert prepared.record.path == str(env_dir)
        assert json.loads((env_dir / MARKER).read_text())["built_at"] != before["built_at"]
        assert any("six" in line for line in output.lines)
        assert env_dirs(app_root) == [env_dir] and leftovers(app_root) == []


class TestFailures:
    def test_a_missing_package_stops_the_run_and_names_the_requirement(self, tmp_path) -> None:
        sentinel = tmp_path / "main-ran"
        app = write_app(tmp_path / "app", f"six\n{MISSING}>=1.0\n", main=f"open({str(sentinel)!r}, 'w')\n")
        record_path = tmp_path / "record.json"
        done = run_workbench(app, "--record", record_path, timeout=90)
        assert done.returncode == 2
        assert not sentinel.exists()
        record = load_record(record_path)
        assert record["status"] == "error"
        assert done.stdout == b""
        summary = own_lines(done.stderr)[-1]
        assert f"'{MISSING}'" in summary and "requirements.txt line 2" in summary
        log = Path(record["environment"]["log"])
        assert f"full installer log: {log}" in summary
        assert log.is_file() and MISSING in log.read_text()
        assert env_dirs(app) == [] and leftovers(app) == []  # nothing half-built is left to reuse

    def test_quiet_still_says_why_the_app_did_not_run(self, tmp_path) -> None:
        app = write_app(tmp_path / "app", f"{MISSING}\n")
        done = run_workbench(app, "-q", timeout=90)
        assert done.returncode == 2
        assert any(MISSING in line and "full installer log" in line for line in own_lines(done.stderr))

    def test_a_version_conflict_names_the_requirement(self, tmp_path) -> None:
        app = AppFolder.open(write_app(tmp_path / "app", "six==1.16.0\nsix==1.15.0\n"))
        with pytest.raises(EnvironmentFailed) as failed:
            environment_provider(output=Lines())(app, Lines())
        assert "'six" in str(failed.value)
        assert failed.value.record is not None and failed.value.record.installer == "uv"
        assert env_dirs(app.root) == []

    def test_no_network_names_the_requirement_it_could_not_fetch(self, tmp_path, monkeypatch) -> None:
        monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/simple")
        monkeypatch.setenv("UV_DEFAULT_INDEX", "http://127.0.0.1:9/simple")
        monkeypatch.setenv("UV_HTTP_RETRIES", "0")
        app = AppFolder.open(write_app(tmp_path / "app", "idna\n"))
        with pytest.raises(EnvironmentFailed) as failed:
            environment_provider(output=Lines())(app, Lines())
        message = str(failed.value)
        assert "'idna' (requirements.txt line 1)" in message
        assert "127.0.0.1:9" in message
        assert env_dirs(app.root) == []

    def test_a_folder_without_its_marker_is_rebuilt_and_leftover_builds_are_swept(self, tmp_path) -> None:
        app = AppFolder.open(write_app(tmp_path / "app", "six\n"))
        key = environment_key(app.root, Interpreter.current())
        envs_dir = app.root / ".workbench" / "envs"
        half = envs_dir / key.name
        (half / "bin").mkdir(parents=True)
        (half / "bin" / "python").symlink_to(sys.executable)  # looks usable, but was never finished
        (envs_dir / f".build-{key.name}-deadbeef" / "bin").mkdir(parents=True)  # a killed run's build
        prepared = environment_provider(output=Lines())(app, Lines())
        assert prepared.record is not None and prepared.record.reused is False
        assert prepared.record.path == str(half) and is_complete(half)
        assert leftovers(app.root) == []
        done = subprocess.run([prepared.interpreter, "main.py"], cwd=app.root, capture_output=True, timeout=60)
        assert done.returncode == 0 and done.stdout.startswith(b"six 1.")

    def test_an_environment_whose_python_is_gone_is_rebuilt_not_reused(self, tmp_path) -> None:
        # Its marker says complete, but the Python it was made from has gone (uninstalled,
        # upgraded): bin/python dangles. Reusing it would fail the App with "No such file".
        app = AppFolder.open(write_app(tmp_path / "app", "six\n"))
        first = environment_provider(output=Lines())(app, Lines())
        env_dir = Path(first.record.path)
        python = env_dir / "bin" / "python"
        python.unlink()
        python.symlink_to(tmp_path / "uninstalled" / "python3")
        assert (env_dir / MARKER).exists() and not is_complete(env_dir)
        again = environment_provider(output=Lines())(app, Lines())
        assert again.record is not None and again.record.reused is False
        assert again.record.path == str(env_dir) and is_complete(env_dir)
        done = subprocess.run([again.interpreter, "main.py"], cwd=app.root, capture_output=True, timeout=60)
        assert done.returncode == 0 and done.stdout.startswith(b"six 1.")

    def test_a_failed_build_is_retried_on_the_next_run_not_remembered(self, tmp_path) -> None:
        app_root = write_app(tmp_path / "app", f"{MISSING}\n")
        app = AppFolder.open(app_root)
        for _ in range(2):
            with pytest.raises(EnvironmentFailed):
                environment_provider(output=Lines())(app, Lines())
        logs = sorted((app_root / ".workbench" / "envs" / "logs").iterdir())
        assert len(logs) == 2  # the installer ran again: a failure is never cached as an environment


class TestInterpreter:
    def test_a_missing_python_is_a_one_line_error_before_anything_runs(self, tmp_path) -> None:
        app = write_app(tmp_path / "app", "six\n")
        done = run_workbench(app, "--python", tmp_path / "no-python")
        assert done.returncode == 2
        assert done.stderr.decode().count("\n") == 1
        assert "--python" in done.stderr.decode() and "no such interpreter" in done.stderr.decode()
        assert run_dirs(app) == []

    def test_something_that_is_not_python_is_refused(self, tmp_path) -> None:
        fake = tmp_path / "fake-python"
        fake.write_text("#!/bin/sh\necho hello\n")
        fake.chmod(0o755)
        with pytest.raises(InterpreterError, match="not a working Python 3 interpreter"):
            Interpreter.probe(fake)
        with pytest.raises(InterpreterError, match="not executable"):
            Interpreter.probe(_plain_file(tmp_path))

    def test_probing_a_real_python_learns_its_version(self) -> None:
        probed = Interpreter.probe(sys.executable)
        assert probed.version == tuple(sys.version_info[:3])
        assert os.path.realpath(probed.executable) == os.path.realpath(sys.executable)

    def test_versions_a_node_does_not_run_are_warned_about(self) -> None:
        assert Interpreter(sys.executable, (3, 11, 7)).node_mismatch() is None
        assert Interpreter(sys.executable, (3, 10, 0)).node_mismatch() is None
        warning = Interpreter(sys.executable, (3, 12, 1)).node_mismatch()
        assert warning is not None and "3.12.1" in warning and "3.10 to 3.11" in warning

    def test_the_interpreter_version_is_part_of_the_key(self, tmp_path) -> None:
        root = write_app(tmp_path / "app", "six\n")
        here = environment_key(root, Interpreter(sys.executable, (3, 11, 7)))
        other = environment_key(root, Interpreter(sys.executable, (3, 10, 12)))
        assert here.name.startswith("py3.11-") and other.name.startswith("py3.10-")
        assert here.requirements_sha256 == other.requirements_sha256


class TestNoInstall:
    def test_no_install_runs_with_the_workbench_python_and_warns(self, tmp_path) -> None:
        app = write_app(tmp_path / "app", f"{MISSING}\n", main="import sys\nprint(sys.executable)\n")
        record_path = tmp_path / "record.json"
        done = run_workbench(app, "--no-install", "--record", record_path)
        assert done.returncode == 0, done.stderr.decode()
        assert os.path.realpath(done.stdout.decode().strip()) == os.path.realpath(sys.executable)
        assert any("--no-install" in line and "not installed" in line for line in own_lines(done.stderr))
        environment = load_record(record_path)["environment"]
        assert environment["skipped"] is True and environment["path"] is None
        assert not (app / ".workbench" / "envs").exists()

    def test_reinstall_and_no_install_together_are_refused(self, tmp_path) -> None:
        app = write_app(tmp_path / "app", "six\n")
        done = run_workbench(app, "--reinstall", "--no-install")
        assert done.returncode == 2 and b"not allowed" in done.stderr
        assert run_dirs(app) == []

    def test_an_app_without_requirements_runs_in_a_bare_environment_without_the_workbenchs_packages(
        self, make_app
    ) -> None:
        app = make_app("import six\n")  # six is installed beside the workbench, not on a Node
        record = Job(AppFolder.open(app), JobSpec(), NullSink()).run()
        assert record.status is RunStatus.FAILED
        assert record.environment.bare is True and record.environment.python_version.startswith("3.11.")
        assert Path(record.interpreter).parent.parent.name.startswith("py3.11-bare-")
        assert Path(record.interpreter).is_relative_to(app / ".workbench" / "envs")
        assert [item.code for item in record.node.findings] == ["undeclared_import"]
        assert "'six'" in record.node.findings[0].message

    def test_no_install_without_requirements_runs_with_the_interpreter_and_says_so(self, make_app) -> None:
        app = make_app("import six\n")
        record = Job(AppFolder.open(app), JobSpec(), NullSink(), environment=environment_provider(install=False)).run()
        assert record.status is RunStatus.SUCCEEDED
        assert [item.code for item in record.node.findings] == ["environment"]
        assert record.node.verdict == "warn"


class TestConcurrencyAndCancel:
    def test_concurrent_runs_build_the_environment_once(self, tmp_path) -> None:
        app = AppFolder.open(write_app(tmp_path / "app", "six\n"))
        results: list = []

        def build() -> None:
            results.append(environment_provider(output=Lines())(app, Lines()))

        threads = [threading.Thread(target=build) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            join(thread, timeout=90, what="the environment was built")
        assert len(results) == 3
        assert len({prepared.interpreter for prepared in results}) == 1
        assert sorted(prepared.record.reused for prepared in results) == [False, True, True]
        assert len(env_dirs(app.root)) == 1 and is_complete(env_dirs(app.root)[0])
        assert leftovers(app.root) == []

    def test_cancelling_during_an_install_ends_the_installer_and_leaves_nothing(self, tmp_path, monkeypatch) -> None:
        pid_file = tmp_path / "backend.pid"
        monkeypatch.setenv("WORKBENCH_TEST_PID_FILE", str(pid_file))
        app_root = write_app(
            tmp_path / "app",
            "./slowpkg\n",
            main="print('ran')\n",
            **{
                "slowpkg/pyproject.toml": """
                    [build-system]
                    requires = []
                    build-backend = "slow_backend"
                    backend-path = ["."]

                    [project]
                    name = "slowpkg"
                    version = "0.1"
                """,
                "slowpkg/slow_backend.py": """
                    import os, time

                    def _stall():
                        with open(os.environ["WORKBENCH_TEST_PID_FILE"], "w") as handle:
                            handle.write(str(os.getpid()))
                        time.sleep(300)

                    def get_requires_for_build_wheel(config_settings=None):
                        _stall()
                        return []

                    def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
                        _stall()

                    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
                        _stall()
                """,
            },
        )
        output = Lines()
        job = Job(AppFolder.open(app_root), JobSpec(), NullSink(), environment=environment_provider(output=output))
        finished: list = []
        runner = threading.Thread(target=lambda: finished.append(job.run()))
        runner.start()
        wait_until(lambda: pid_file.exists() and pid_file.read_text(), timeout=60, what="the build backend started")
        backend = int(pid_file.read_text())
        wait_until(lambda: any("slowpkg" in line for line in output.lines), timeout=30, what="the installer named slowpkg")
        # The installer's lines arrive while it is still running: streamed live, not at its end.
        assert any("slowpkg" in line for line in output.lines) and pid_alive(backend)
        job.cancel()
        join(runner, timeout=30, what="the cancelled job returned")
        assert finished and finished[0].status is RunStatus.CANCELLED
        assert not pid_alive(backend)  # ended before the run was reported over, not some time later
        assert env_dirs(app_root) == [] and leftovers(app_root) == []


class TestPipFallback:
    def test_venv_and_pip_build_the_same_environment_as_uv(self, built, tmp_path) -> None:
        app_root = tmp_path / "pip_app"
        app_root.mkdir()
        shutil.copy(built["app"] / "main.py", app_root)
        shutil.copy(built["app"] / "requirements.txt", app_root)
        output = Lines()
        provider = environment_provider(output=output, installer="pip")
        prepared = provider(AppFolder.open(app_root), Lines())
        record = prepared.record
        assert record is not None and record.installer == "pip" and not record.reused
        env_dir = Path(record.path)
        assert env_dir.name == built["env_dir"].name  # the same key whichever installer built it
        assert distributions(env_dir) == distributions(built["env_dir"])
        assert any("six" in line for line in output.lines)  # pip's output was streamed
        assert_scripts_point_at(env_dir)
        done = subprocess.run([prepared.interpreter, "main.py"], cwd=app_root, capture_output=True, timeout=60)
        assert done.returncode == 0 and done.stdout.startswith(b"six 1.")
        with pytest.raises(EnvironmentFailed) as failed:
            (app_root / "requirements.txt").write_text(f"six\n{MISSING}\n")
            provider(AppFolder.open(app_root), Lines())
        assert f"'{MISSING}' (requirements.txt line 2)" in str(failed.value)


class TestUnits:
    def test_pruning_keeps_the_most_recently_used_and_the_current_one(self, tmp_path) -> None:
        root = tmp_path / "envs"
        names = [f"py3.11-{index:016x}" for index in range(5)]
        for age, name in enumerate(names):
            (root / name).mkdir(parents=True)
            os.utime(root / name, (1_000_000 - age * 1000, 1_000_000 - age * 1000))
        (root / "logs").mkdir()
        current = root / names[4]  # the oldest by time, but the one this run uses
        removed = prune_environments(root, keep=3, protect=current)
        assert sorted(removed) == sorted(names[2:4])
        assert sorted(p.name for p in root.iterdir()) == sorted([names[0], names[1], names[4], "logs"])

    def test_diagnosis_of_pip_and_uv_outputs(self) -> None:
        declared = [Requirement("six", "requirements.txt", 1), Requirement("Foo_Bar", "base.txt", 3)]
        pip_missing = [
            "ERROR: Could not find a version that satisfies the requirement foo-bar (from versions: none)",
            "ERROR: No matching distribution found for foo-bar",
        ]
        found = diagnose(pip_missing, declared)
        assert (found.requirement, found.where) == ("foo-bar", "base.txt line 3")
        uv_conflict = [
            "error: No solution found when resolving dependencies",
            "  cause: Because you require six==1.16.0 and six==1.15.0, we can conclude that your requirements are unsatisfiable.",
        ]
        found = diagnose(uv_conflict, declared)
        assert found.where == "requirements.txt line 1" and "six==1.16.0" in found.reason
        # uv colours its words and links package names (OSC 8 hyperlinks, ended by ST or BEL).
        uv_linked = [
            "\x1b[31merror\x1b[0m: Failed to fetch: "
            "\x1b]8;;https://pypi.org/simple/foo-bar/\x1b\\`https://pypi.org/simple/foo-bar/`\x1b]8;;\x1b\\",
            "  \x1b[31mCaused by:\x1b[0m HTTP status client error (404 Not Found)\x07",
        ]
        found = diagnose(uv_linked, declared)
        assert (found.requirement, found.where) == ("foo-bar", "base.txt line 3")
        assert "\x1b" not in found.reason and "]8;;" not in found.reason
        unknown = diagnose(["Traceback ...", "something broke"], declared)
        assert unknown.requirement is None and unknown.reason == "something broke"

    def test_keys_are_stable_and_content_addressed(self, tmp_path) -> None:
        root = write_app(tmp_path / "app", "six\n")
        key = environment_key(root, Interpreter.current())
        assert isinstance(key, EnvironmentKey)
        assert environment_key(root, Interpreter.current()) == key
        (root / "requirements.txt").write_text("six \n")
        assert environment_key(root, Interpreter.current()).name != key.name


def _plain_file(tmp_path: Path) -> Path:
    path = tmp_path / "not-executable"
    path.write_text("print('hi')\n")
    path.chmod(0o644)
    return path
