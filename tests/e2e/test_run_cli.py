"""End-to-end tests of `workbench run` against the sample Apps and small Apps written here."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from cli_helpers import (
    load_record,
    own_lines,
    pid_alive,
    read_pids,
    run_dirs,
    run_workbench,
    snapshot,
    start_workbench,
)
from conftest import SAMPLE_APPS
from waiting import read_line

ARGS_PROBE = """
import json, sys
print(json.dumps({"argv": sys.argv[1:], "stdin": sys.stdin.read()}))
"""


class TestSampleApps:
    def test_echo_reads_arguments_from_stdin(self, sample_app, tmp_path: Path) -> None:
        app = sample_app("echo")
        before = snapshot(app)
        record_path = tmp_path / "record.json"
        done = run_workbench(app, "-k", "message_string=Hello InfraX!", "--record", record_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout == b"{'message_string': 'Hello InfraX!'}\nHello InfraX!\n"
        record = load_record(record_path)
        assert record["status"] == "succeeded" and record["exit_code"] == 0
        assert record["kwargs"] == {"message_string": "Hello InfraX!"}
        assert record["args_mode"] == "stdin"
        # The bare environment a Node's App without requirements.txt has: made from the Node's Python.
        assert Path(record["interpreter"]).parent.parent.name.startswith("py3.11-bare-")
        assert record["environment"]["bare"] is True
        assert record["node"] == {"verdict": "ok", "findings": []}
        assert record["stdout_lines"] == 2 and record["stderr_lines"] == 0
        assert Path(record["stdout_log"]).read_bytes() == done.stdout
        assert record["peak_memory_bytes"] > 1_000_000
        assert len(record["app_hash"]) == 64
        assert record["app_path"] == str(app.resolve())
        assert snapshot(app) == before
        # The run is kept in the history, with the same record.
        [run_dir] = run_dirs(app)
        assert run_dir.name == record["id"]
        # The history's record.json lists the outputs in outputs.jsonl beside it (see workbench.runindex).
        assert load_record(run_dir / "record.json") == {k: v for k, v in record.items() if k != "outputs"}
        assert (run_dir / "outputs.jsonl").read_text() == "" and record["outputs"] == []
        assert (app / ".workbench" / ".gitignore").read_text() == "*\n"

    def test_concat_stages_inputs(self, sample_app, tmp_path: Path) -> None:
        app = sample_app("concat")
        examples = sorted((SAMPLE_APPS / "concat" / "examples").iterdir())
        assert len(examples) >= 2
        record_path = tmp_path / "record.json"
        done = run_workbench(app, *[arg for path in examples for arg in ("-i", path)], "--record", record_path)
        assert done.returncode == 0, done.stderr
        record = load_record(record_path)
        assert [i["name"] for i in record["inputs"]] == [p.name for p in examples]
        for staged, path in zip(record["inputs"], examples, strict=True):
            assert staged["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert staged["size"] == path.stat().st_size
        [result] = record["outputs"]
        assert result["path"] == "result.txt"
        expected = b"".join(path.read_bytes() for path in examples)
        assert (Path(record["output_dir"]) / "result.txt").read_bytes() == expected
        assert result["sha256"] == hashlib.sha256(expected).hexdigest()
        assert Path(record["output_dir"]).is_relative_to(app / ".workbench" / "runs")

    def test_outputs_are_collected_with_nested_folders(self, sample_app, tmp_path: Path) -> None:
        app = sample_app("outputs")
        record_path = tmp_path / "record.json"
        done = run_workbench(app, "--record", record_path)
        assert done.returncode == 0, done.stderr
        record = load_record(record_path)
        paths = {o["path"] for o in record["outputs"]}
        assert {"summary.txt", "data.json", "table.csv"} <= paths
        assert any(p.endswith(".png") for p in paths)
        assert any(p.startswith("reports/daily/") for p in paths)
        output_dir = Path(record["output_dir"])
        for item in record["outputs"]:
            data = (output_dir / item["path"]).read_bytes()
            assert item["size"] == len(data)
            assert item["sha256"] == hashlib.sha256(data).hexdigest()
            assert item["is_symlink"] is False
        png = next(p for p in paths if p.endswith(".png"))
        assert (output_dir / png).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    def test_progress_streams_stdout_and_stderr_separately(self, sample_app, tmp_path: Path) -> None:
        app = sample_app("progress")
        record_path = tmp_path / "record.json"
        done = run_workbench(app, "-k", "steps=3", "--record", record_path, "-q")
        assert done.returncode == 0, done.stderr
        assert done.stdout.decode().splitlines() == [
            "step 1/3: working...",
            "step 2/3: working...",
            "step 3/3: working...",
            "done",
        ]
        assert done.stderr == b"warning: step 3 was slow\n"
        record = load_record(record_path)
        assert (record["stdout_lines"], record["stderr_lines"]) == (4, 1)
        assert Path(record["stderr_log"]).read_bytes() == done.stderr

    def test_crash_fails_with_its_traceback_and_still_records(self, sample_app, tmp_path: Path) -> None:
        app = sample_app("crash")
        record_path = tmp_path / "record.json"
        done = run_workbench(app, "-k", "count=many", "--record", record_path)
        assert done.returncode == 1
        assert b"Traceback (most recent call last)" in done.stderr
        assert b"ValueError" in done.stderr
        record = load_record(record_path)
        assert record["status"] == "failed" and record["exit_code"] == 1
        assert record["message"] == "exit code 1"
        assert b"Traceback" in Path(record["stderr_log"]).read_bytes()
        # The workbench's own closing lines are marked and come after the App's stderr.
        assert own_lines(done.stderr)[-2].startswith("workbench: failed")
        assert own_lines(done.stderr)[-1] == "workbench: on a Node: ok"
        assert not done.stderr.decode().splitlines()[-1].startswith("Traceback")


class TestProblemsBeforeTheRun:
    """Exit status 2, one line on stderr naming the problem, and nothing runs."""

    @pytest.fixture
    def marker_app(self, make_app, tmp_path: Path) -> tuple[Path, Path]:
        marker = tmp_path / "ran.marker"
        app = make_app(f"open({str(marker)!r}, 'w').close()\nprint('ran')\n")
        return app, marker

    def assert_refused(self, done, app: Path | None, marker: Path | None, *fragments: str) -> None:
        assert done.returncode == 2
        assert done.stdout == b""
        lines = done.stderr.decode().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("workbench: ")
        for fragment in fragments:
            assert fragment in lines[0]
        assert b"Traceback" not in done.stderr
        if marker is not None:
            assert not marker.exists()
        if app is not None:
            assert run_dirs(app) == []

    def test_missing_folder(self, tmp_path: Path) -> None:
        self.assert_refused(run_workbench(tmp_path / "nowhere"), None, None, "no such folder")

    def test_file_instead_of_folder(self, marker_app) -> None:
        app, marker = marker_app
        self.assert_refused(run_workbench(app / "main.py"), app, marker, "not a folder")

    def test_no_main_py(self, tmp_path: Path) -> None:
        (tmp_path / "app.py").write_text("")
        self.assert_refused(run_workbench(tmp_path), tmp_path, None, "main.py")

    def test_missing_input_path(self, marker_app, tmp_path: Path) -> None:
        app, marker = marker_app
        self.assert_refused(run_workbench(app, "-i", tmp_path / "absent.csv"), app, marker, "absent.csv")
        assert not (app / ".workbench").exists()

    def test_input_name_clash(self, marker_app, tmp_path: Path) -> None:
        app, marker = marker_app
        for sub in ("a", "b"):
            (tmp_path / sub).mkdir()
            (tmp_path / sub / "data.txt").write_text(sub)
        done = run_workbench(app, "-i", tmp_path / "a" / "data.txt", "-i", tmp_path / "b" / "data.txt")
        self.assert_refused(done, app, marker, "input/data.txt")

    def test_value_too_long(self, marker_app) -> None:
        app, marker = marker_app
        done = run_workbench(app, "-k", "text=" + "é" * 1025)
        self.assert_refused(done, app, marker, "'text'", "1025", "1024")

    def test_value_at_the_limit_runs(self, make_app) -> None:
        app = make_app("import json, sys\nprint(len(json.loads(sys.stdin.read())['text']))\n")
        done = run_workbench(app, "-k", "text=" + "é" * 1024, "-q")
        assert done.returncode == 0, done.stderr
        assert done.stdout == b"1024\n"

    @pytest.mark.parametrize(("pair", "fragment"), [("noequals", "KEY=VALUE"), ("=v", "empty"), ("a b=c", "whitespace")])
    def test_bad_kwarg(self, marker_app, pair: str, fragment: str) -> None:
        app, marker = marker_app
        self.assert_refused(run_workbench(app, "-k", pair), app, marker, fragment)

    def test_kwargs_file_with_a_number(self, marker_app, tmp_path: Path) -> None:
        app, marker = marker_app
        path = tmp_path / "kwargs.json"
        path.write_text('{"count": 3}')
        self.assert_refused(run_workbench(app, "--kwargs-file", path), app, marker, "'count'", "the number 3")

    def test_nul_in_argv_mode(self, marker_app, tmp_path: Path) -> None:
        app, marker = marker_app
        path = tmp_path / "kwargs.json"
        path.write_text('{"a": "x\\u0000y"}')
        done = run_workbench(app, "--kwargs-file", path, "--args-mode", "argv")
        self.assert_refused(done, app, marker, "'a'", "NUL")
        assert run_workbench(app, "--kwargs-file", path).returncode == 0  # stdin mode carries it

    def test_kwargs_file_missing(self, marker_app, tmp_path: Path) -> None:
        app, marker = marker_app
        self.assert_refused(run_workbench(app, "--kwargs-file", tmp_path / "none.json"), app, marker, "none.json")

    def test_bad_timeout(self, marker_app) -> None:
        app, marker = marker_app
        self.assert_refused(run_workbench(app, "--timeout", "0"), app, marker, "timeout")
        self.assert_refused(run_workbench(app, "--timeout", "soon"), app, marker, "timeout")

    def test_bad_args_mode(self, marker_app) -> None:
        app, marker = marker_app
        self.assert_refused(run_workbench(app, "--args-mode", "env"), app, marker, "args-mode")

    @pytest.mark.parametrize("blocker", [".workbench", ".workbench/runs"])
    def test_state_folder_that_is_a_file(self, marker_app, blocker: str) -> None:
        app, marker = marker_app
        (app / blocker).parent.mkdir(exist_ok=True)
        (app / blocker).write_text("not a folder")
        done = run_workbench(app)
        assert done.returncode == 2
        lines = done.stderr.decode().splitlines()
        assert len(lines) == 1 and lines[0].startswith("workbench: ") and ".workbench" in lines[0]
        assert not marker.exists()

    def test_unknown_option(self, marker_app) -> None:
        app, marker = marker_app
        self.assert_refused(run_workbench(app, "--frobnicate"), app, marker, "frobnicate")


class TestArguments:
    def test_stdin_mode_gets_exactly_the_json_and_no_argv(self, make_app) -> None:
        app = make_app(ARGS_PROBE)
        done = run_workbench(app, "-k", "a=1", "-k", "b=x=y", "-k", "c=", "-k", "d=ü €", "-q")
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
        assert seen["argv"] == []
        assert seen["stdin"] == '{"a": "1", "b": "x=y", "c": "", "d": "ü €"}'

    def test_no_arguments_is_an_empty_object(self, make_app) -> None:
        app = make_app(ARGS_PROBE)
        done = run_workbench(app, "-q")
        assert json.loads(done.stdout) == {"argv": [], "stdin": "{}"}

    def test_argv_mode_gets_key_value_pairs_and_empty_stdin(self, make_app) -> None:
        app = make_app(ARGS_PROBE)
        done = run_workbench(app, "--args-mode", "argv", "-k", "a=1", "-k", "b=x=y", "-k", "c=", "-q")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"argv": ["--a", "1", "--b", "x=y", "--c", ""], "stdin": ""}

    def test_kwargs_file_and_options_options_win(self, make_app, tmp_path: Path) -> None:
        app = make_app(ARGS_PROBE)
        path = tmp_path / "kwargs.json"
        path.write_text(json.dumps({"a": "from file", "b": "kept"}), encoding="utf-8")
        done = run_workbench(app, "--kwargs-file", path, "-k", "a=from option", "-q")
        assert json.loads(json.loads(done.stdout)["stdin"]) == {"a": "from option", "b": "kept"}


class TestRunContract:
    def test_stdout_is_exactly_the_apps_and_own_messages_are_marked(self, make_app) -> None:
        app = make_app(
            """
            import sys
            sys.stdout.write("out 1\\n")
            sys.stderr.write("err 1\\n")
            sys.stdout.write("out 2 no newline")
            """
        )
        (app / "input").mkdir()  # also makes the workbench warn
        done = run_workbench(app)
        assert done.returncode == 0
        assert done.stdout == b"out 1\nout 2 no newline"
        lines = done.stderr.decode().splitlines()
        assert [line for line in lines if not line.startswith("workbench: ")] == ["err 1"]
        assert lines[-2].startswith("workbench: succeeded")
        assert lines[-1] == "workbench: on a Node: ok"  # the verdict follows the summary
        assert any("input/" in line for line in own_lines(done.stderr))

    def test_the_authors_input_and_output_are_not_used(self, make_app) -> None:
        app = make_app("import os\nprint(sorted(os.listdir('input')), sorted(os.listdir('output')))\n")
        (app / "input").mkdir()
        (app / "input" / "stale.txt").write_text("stale")
        (app / "output").mkdir()
        (app / "output" / "old.txt").write_text("old")
        done = run_workbench(app)
        assert done.returncode == 0
        assert done.stdout == b"[] []\n"
        warnings = own_lines(done.stderr)
        assert any("input/" in w for w in warnings) and any("output/" in w for w in warnings)
        assert (app / "output" / "old.txt").read_text() == "old"

    def test_workspace_layout_and_working_directory(self, make_app, tmp_path: Path) -> None:
        app = make_app(
            """
            import os, sys
            print(os.getcwd())
            for root, dirs, files in sorted(os.walk(".")):
                for name in sorted(files):
                    print(os.path.join(root, name))
            """,
            **{"lib__helper.py": "", "lib__input__kept.txt": "nested input/ belongs to the App"},
        )
        (app / "__pycache__").mkdir()
        (app / "__pycache__" / "x.pyc").write_bytes(b"")
        (tmp_path / "my data").mkdir()
        (tmp_path / "my data" / "naïve.txt").write_text("x")
        done = run_workbench(app, "-i", tmp_path / "my data", "-q")
        assert done.returncode == 0, done.stderr
        lines = done.stdout.decode().splitlines()
        cwd, files = Path(lines[0]), set(lines[1:])
        assert not cwd.is_relative_to(app)
        # The staged copy is kept for the next run, emptied of the run's input/ and output/.
        assert not (cwd / "input").exists() and not (cwd / "output").exists()
        assert files == {"./main.py", "./lib/helper.py", "./lib/input/kept.txt", "./input/my data/naïve.txt"}

    def test_environment_is_line_buffered_by_default_and_tagged(self, make_app) -> None:
        app = make_app(
            "import os, sys\n"
            "print(os.environ.get('PYTHONUNBUFFERED'), sys.stdout.line_buffering, 'WORKBENCH_RUN_TAG' in os.environ)\n"
        )
        assert run_workbench(app, "-q").stdout == b"None True True\n"
        assert run_workbench(app, "-q", "--buffering", "unbuffered").stdout == b"1 False True\n"

    def test_output_is_live(self, make_app) -> None:
        # No flush: with Python's block buffering of a pipe the line would sit in the App's buffer for 3 s.
        app = make_app("import time\nprint('early')\ntime.sleep(3)\nprint('late')\n")
        proc = start_workbench(app, "-q")
        try:
            assert read_line(proc.stdout, what="the App's first line arrived") == b"early\n"
            assert proc.poll() is None  # the App is still sleeping: the line came live
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=30)
        assert proc.returncode == 130

    @pytest.mark.parametrize(("source", "code", "status"), [
        ("import sys\nsys.exit(3)\n", 3, "failed"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", 137, "failed"),
        ("import sys\nsys.exit(0)\n", 0, "succeeded"),
    ])
    def test_exit_status_passes_through(self, make_app, tmp_path: Path, source: str, code: int, status: str) -> None:
        app = make_app(source)
        record_path = tmp_path / "record.json"
        done = run_workbench(app, "--record", record_path)
        assert done.returncode == code
        record = load_record(record_path)
        assert record["status"] == status
        if code == 137:
            assert record["exit_code"] == -9
            assert "SIGKILL" in record["message"]

    def test_history_is_pruned_to_keep(self, make_app) -> None:
        app = make_app("print('x')\n")
        ids = []
        for _ in range(3):
            done = run_workbench(app, "--keep", "2", "-q")
            assert done.returncode == 0
            ids.append(run_dirs(app)[-1].name)
        assert [path.name for path in run_dirs(app)] == ids[1:]

    def test_unwritable_record_file_is_a_message_not_a_traceback(self, make_app, tmp_path: Path) -> None:
        app = make_app("print('x')\n")
        done = run_workbench(app, "--record", tmp_path / "no" / "such" / "dir" / "r.json")
        assert done.returncode == 0
        assert done.stdout == b"x\n"
        assert any("--record" in line for line in own_lines(done.stderr))
        assert b"Traceback" not in done.stderr

    def test_record_json_is_a_valid_run_record(self, make_app, tmp_path: Path) -> None:
        from workbench.records import RunRecord

        app = make_app("print('x')\n")
        record_path = tmp_path / "r.json"
        run_workbench(app, "--record", record_path, "-k", "a=b")
        record = RunRecord.model_validate_json(record_path.read_text())
        assert record.kwargs == {"a": "b"} and record.duration_seconds is not None
        assert record.ended_at >= record.started_at


    def test_the_record_file_is_replaced_whole_never_written_in_place(self, make_app, tmp_path: Path) -> None:
        from workbench.records import RunRecord

        app = make_app("print('x')\n")
        record_path = tmp_path / "r.json"
        record_path.write_text("the record of an earlier run\n")
        with open(record_path, encoding="utf-8") as reader:  # a reader that opened the old file
            before = os.stat(record_path)
            done = run_workbench(app, "--record", record_path, "-q")
            assert done.returncode == 0, done.stderr
            assert reader.read() == "the record of an earlier run\n"  # its file was never truncated
        after = os.stat(record_path)
        assert after.st_ino != before.st_ino  # a new file renamed over the old one
        assert RunRecord.model_validate_json(record_path.read_text()).status == "succeeded"
        assert oct(after.st_mode & 0o777) == oct(0o666 & ~current_umask())  # not the temporary file's 0600
        assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".r.json")) == []


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_ctrl_c_cancels_and_ends_the_tree(make_app, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    app = make_app(
        f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        with open({str(pids)!r}, "w") as f:
            f.write(f"{{os.getpid()}} {{child.pid}}\\n")
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    record_path = tmp_path / "record.json"
    proc = start_workbench(app, "--record", record_path)
    try:
        assert read_line(proc.stdout, what="the App said ready") == b"ready\n"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    record = load_record(record_path)
    assert record["status"] == "cancelled"
    for pid in read_pids(pids):
        assert not pid_alive(pid), f"process {pid} of the run survived"


def test_the_run_path_does_not_import_pydantic_before_the_app_starts() -> None:
    # `workbench run` builds its pydantic record while the App runs; the modules it
    # needs to start the App must not pull pydantic in (nor Textual, ever).
    import subprocess

    code = (
        "import sys\n"
        "from workbench import appdir, cli, envs, history, job, kwargs, proctree, runner, staging\n"
        "print(sorted(m for m in ('pydantic', 'textual') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_reader_that_goes_away_does_not_stop_the_run(make_app, tmp_path: Path) -> None:
    # `workbench run APP | head -1`: passing stdout through stops, the App and its log go on.
    import subprocess

    from cli_helpers import WORKBENCH, cli_env

    app = make_app("for i in range(200_000):\n    print(i)\n")
    record_path = tmp_path / "record.json"
    proc = subprocess.Popen(
        [*WORKBENCH, str(app), "--record", str(record_path), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    assert proc.stdout.readline() == b"0\n"
    proc.stdout.close()
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    record = load_record(record_path)
    assert record["status"] == "succeeded"
    assert record["stdout_lines"] == 200_000
    assert Path(record["stdout_log"]).read_bytes() == b"".join(b"%d\n" % i for i in range(200_000))
