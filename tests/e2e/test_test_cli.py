"""`workbench test`: headless preset runs for CI, their output, exit status and JUnit XML."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_helpers import cli_env, run_dirs, snapshot
from workbench.cli import main

SAMPLE_NAMES = ["echo", "concat", "progress", "outputs", "crash"]

TOY_APP = """
import json, os, sys, time
kwargs = json.loads(sys.stdin.read() or "{}")
time.sleep(float(kwargs.get("sleep", "0")))
sys.stdout.write(kwargs.get("out", ""))
sys.stderr.write(kwargs.get("err", ""))
os.makedirs("output", exist_ok=True)
for rel, body in json.loads(kwargs.get("files", "{}")).items():
    with open(os.path.join("output", rel), "w") as handle:
        handle.write(body)
sys.exit(int(kwargs.get("code", "0")))
"""

MIXED_PRESETS = """
[preset.slow-pass]
kwargs = { sleep = "0.6", out = "ready\\n" }
expect = { stdout_contains = ["ready"] }

[preset.wrong-status]
kwargs = { code = "2", err = "it broke\\n" }

[preset.missing-text]
kwargs = { out = "something else\\n" }
expect = { stdout_contains = ["ready"], stderr_excludes = ["nothing"] }

[preset.golden-diff]
kwargs = { files = '{"r.txt": "one\\nTWO\\n"}' }
expect = { golden = ["r.txt"], outputs_exist = ["r.txt"] }

[preset.fast-pass]
kwargs = { out = "ok\\n" }
expect = { stdout_contains = ["ok"] }
"""


def workbench_test(*args: object) -> subprocess.CompletedProcess[str]:
    """Run the real `workbench test` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", "test", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env(),
    )


@pytest.fixture
def mixed_app(make_app) -> Path:
    root = make_app(TOY_APP, **{"presets.toml": MIXED_PRESETS, "golden/golden-diff/r.txt": "one\ntwo\n"})
    return root


def without_durations(text: str) -> str:
    return re.sub(r"\(\d+\.\d\d s\)", "(T s)", text)


# ---------------------------------------------------------------------------
# The sample Apps, end to end, exactly as CI runs them


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_apps_shipped_presets_pass(sample_app, name: str) -> None:
    app = sample_app(name)
    before = snapshot(app)
    result = workbench_test(app)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{len(lines) - 1} passed, 0 failed"
    assert len(lines) >= 2
    assert all(line.startswith("PASS ") for line in lines[:-1])
    assert snapshot(app) == before  # nothing but the run history (in .workbench/) changed
    assert len(run_dirs(app)) == len(lines) - 1


def test_the_crash_samples_presets_expect_its_failure(sample_app) -> None:
    app = sample_app("crash")
    text = (app / "presets.toml").read_text()
    assert "exit_status = 1" in text and '"ValueError"' in text
    (app / "presets.toml").write_text(text.replace("exit_status = 1", "exit_status = 0"))
    result = workbench_test(app, "--preset", "bad-count")
    assert result.returncode == 1
    assert "exit_status: the App exited with status 1, expected 0" in result.stdout
    assert "ValueError: invalid literal for int()" in result.stdout  # the end of stderr is shown


# ---------------------------------------------------------------------------
# Output and exit status


def test_failures_say_which_expectation_failed_and_how(mixed_app, capsys) -> None:
    status = main(["test", str(mixed_app)])
    out = without_durations(capsys.readouterr().out)
    assert status == 1
    assert out == textwrap.dedent(
        """\
        PASS slow-pass (T s)
        FAIL wrong-status (T s)
            exit_status: the App exited with status 2, expected 0
              stderr:
              | it broke
        FAIL missing-text (T s)
            stdout_contains: stdout does not contain 'ready'
              stdout:
              | something else
        FAIL golden-diff (T s)
            golden r.txt: output/r.txt differs from golden/golden-diff/r.txt
              --- golden/golden-diff/r.txt
              +++ output/r.txt
              @@ -1,2 +1,2 @@
               one
              -two
              +TWO
        PASS fast-pass (T s)
        2 passed, 3 failed
        """
    )


def test_only_the_named_presets_run_in_the_order_given(mixed_app, capsys) -> None:
    status = main(["test", str(mixed_app), "--preset", "fast-pass", "-p", "slow-pass"])
    lines = without_durations(capsys.readouterr().out).splitlines()
    assert status == 0
    assert lines == ["PASS fast-pass (T s)", "PASS slow-pass (T s)", "2 passed, 0 failed"]
    assert len(run_dirs(mixed_app)) == 2


def test_an_unknown_preset_name_is_a_usage_error(mixed_app, capsys) -> None:
    status = main(["test", str(mixed_app), "--preset", "nope"])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert captured.err == (
        "workbench: --preset nope: no such preset in presets.toml"
        " (the presets are: slow-pass, wrong-status, missing-text, golden-diff, fast-pass)\n"
    )
    assert run_dirs(mixed_app) == []


def test_an_invalid_presets_file_is_one_line_and_nothing_runs(make_app, capsys) -> None:
    root = make_app(TOY_APP, **{"presets.toml": '[preset.ok]\n\n[preset.bad]\ntimeout = "soon"\n'})
    status = main(["test", str(root)])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("workbench: presets.toml line 4: preset 'bad': field 'timeout': ")
    assert run_dirs(root) == []


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("missing", [], "no such folder"),
        ("no-main", [], "not an InfraX App"),
        ("no-presets", [], "the App has no presets yet"),
        ("empty", [], "holds no presets"),
        ("ok", ["--jobs", "0"], "--jobs 0: must be at least 1"),
        ("ok", ["--junit"], "expected one argument"),
    ],
)
def test_problems_before_running_exit_2(tmp_path: Path, make_app, capsys, setup, args, message) -> None:
    if setup == "missing":
        target = tmp_path / "nowhere"
    elif setup == "no-main":
        target = tmp_path / "plain"
        target.mkdir()
    elif setup == "no-presets":
        target = make_app(TOY_APP)
    elif setup == "empty":
        target = make_app(TOY_APP, **{"presets.toml": "# nothing yet\n"})
    else:
        target = make_app(TOY_APP, **{"presets.toml": "[preset.a]\n"})
    try:
        status = main(["test", str(target), *args])
    except SystemExit as stop:  # argparse's own errors
        status = stop.code
    assert status == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_verbose_passes_the_apps_output_through(make_app) -> None:
    root = make_app(TOY_APP, **{"presets.toml": '[preset.talk]\nkwargs = { out = "said-this\\n", err = "and-that\\n" }\n'})
    quiet = workbench_test(root)
    assert "said-this" not in quiet.stdout and "and-that" not in quiet.stderr
    loud = workbench_test(root, "--verbose")
    assert loud.returncode == 0
    assert "said-this" in loud.stdout and "and-that" in loud.stderr
    assert loud.stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_workbench_test_does_not_import_textual(sample_app) -> None:
    app = sample_app("echo")
    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        f"status = main(['test', {str(app)!r}])\n"
        "sys.exit(90 if 'textual' in sys.modules else status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------
# --jobs and --junit


def test_jobs_2_gives_the_same_results_in_the_same_order(mixed_app, capsys) -> None:
    sequential_status = main(["test", str(mixed_app)])
    sequential = without_durations(capsys.readouterr().out)
    parallel_status = main(["test", str(mixed_app), "--jobs", "2"])
    parallel = without_durations(capsys.readouterr().out)
    assert (parallel_status, parallel) == (sequential_status, sequential)
    runs = run_dirs(mixed_app)
    assert len(runs) == 10
    assert len({run.name for run in runs}) == 10  # each preset ran in its own run, with its own id


def test_junit_xml_parses_back_with_a_testcase_per_preset(mixed_app, tmp_path: Path, capsys) -> None:
    report = tmp_path / "reports" / "junit.xml"
    report.parent.mkdir()
    status = main(["test", str(mixed_app), "--junit", str(report)])
    capsys.readouterr()
    assert status == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite.get("name") == "app"
    assert (suite.get("tests"), suite.get("failures")) == ("5", "3")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == ["slow-pass", "wrong-status", "missing-text", "golden-diff", "fast-pass"]
    assert cases["slow-pass"].find("failure") is None
    assert float(cases["slow-pass"].get("time")) > 0
    failure = cases["missing-text"].find("failure")
    assert failure.get("message") == "stdout_contains: stdout does not contain 'ready'"
    golden = cases["golden-diff"].find("failure")
    assert "-two" in golden.text and "+TWO" in golden.text


def test_junit_text_survives_control_characters_from_the_app(make_app, tmp_path: Path, capsys) -> None:
    root = make_app(TOY_APP, **{"presets.toml": '[preset.bell]\nkwargs = { code = "1", err = "ding\\u0007\\u001b[0m\\n" }\n'})
    report = tmp_path / "j.xml"
    assert main(["test", str(root), "--junit", str(report)]) == 1
    capsys.readouterr()
    failure = ET.parse(report).getroot().find("testsuite/testcase/failure")
    assert "ding\\x07\\x1b[0m" in failure.text  # control characters shown as escapes, the XML parses


def test_an_unwritable_junit_file_is_reported(mixed_app, tmp_path: Path, capsys) -> None:
    status = main(["test", str(mixed_app), "-p", "fast-pass", "--junit", str(tmp_path / "no" / "dir" / "j.xml")])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out.splitlines()[-1] == "1 passed, 0 failed"
    assert "--junit" in captured.err and "could not be written" in captured.err


def test_ctrl_c_cancels_the_runs_reports_them_and_exits_130(make_app) -> None:
    import os
    import signal
    import time

    presets = "[preset.slow]\nkwargs = { sleep = \"60\" }\n\n[preset.never]\n"
    root = make_app(TOY_APP, **{"presets.toml": presets})
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "test", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    deadline = time.monotonic() + 30
    while not any((run / "stdout.log").exists() for run in run_dirs(root)):  # the App has started
        assert time.monotonic() < deadline, "the preset never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, out + err
    lines = without_durations(out).splitlines()
    assert lines[0] == "FAIL slow (T s)"
    assert "run: the run was cancelled" in lines[1]
    assert "FAIL never (T s)" in lines
    assert lines[-1] == "0 passed, 2 failed"
    assert os.path.isdir(root)  # and nothing of the author's was touched
    assert sorted(p.name for p in root.iterdir()) == [".workbench", "main.py", "presets.toml"]


def _read_until(lines: "queue.Queue[str | None]", needle: str, seen: list[str], timeout: float = 60) -> None:
    """Collect the command's stdout lines until one holds `needle`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"{needle!r} never came; the output so far:\n" + "".join(seen)) from None
        if line is None:
            raise AssertionError(f"the command ended before {needle!r}:\n" + "".join(seen))
        seen.append(line)
        if needle in line:
            return


def test_watch_runs_a_round_per_save_and_marks_the_regression(sample_app) -> None:
    import queue
    import signal
    import threading

    app = sample_app("echo")
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "test", str(app), "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    try:
        _read_until(lines, "watching for saves", seen)
        first = "".join(seen)
        assert "── round 1 · start" in first
        assert re.search(r"^PASS hello +\d+\.\d\d s", first, re.M)
        assert "2 passed, 0 failed" in first and "presets 2/2" in first
        assert "suggested Node memory" in first
        # Break the no-arguments preset: its message changes.
        main_py = app / "main.py"
        main_py.write_text(main_py.read_text().replace("no message_string given", "nothing \x1b[31mgiven"))
        del seen[:]
        _read_until(lines, "watching for saves", seen)
        second = "".join(seen)
        assert "── round 2 · saved main.py" in second
        assert re.search(r"^FAIL no-arguments .*REGRESSION  stdout_contains: stdout does not contain", second, re.M)
        assert "+nothing \\x1b[31mgiven" in second  # the App's text, escaped
        assert "\x1b" not in second
        assert "1 passed, 1 failed" in second and "presets 1/2 · 1 regression" in second
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 1  # the last round's status: a preset failed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_peak_memory_and_a_node_memory_suggestion_close_the_report(sample_app) -> None:
    result = workbench_test(sample_app("echo"))
    assert result.returncode == 0
    memory = [line for line in result.stderr.splitlines() if "peak memory" in line]
    assert len(memory) == 1
    assert re.fullmatch(
        r"workbench: peak memory [\d.]+ MiB \(preset (hello|no-arguments)\) · "
        r"suggested Node memory \d+ MiB \(peak \+ 50%, rounded up to 64 MiB\)",
        memory[0],
    ), memory
