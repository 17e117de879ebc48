"""`--buffering flushed`: the App keeps Python's block buffering, and its output is still live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import workbench
from cli_helpers import cli_env, run_workbench, start_workbench
from waiting import call_within, read_line
from workbench.node.environment import SHIM_SOURCE

FLUSH_SHIM_DIR = SHIM_SOURCE.parent


def test_flushed_output_is_live_without_pythonunbuffered(make_app) -> None:
    app = make_app(
        "import os, time\n"
        "print('early', os.environ.get('PYTHONUNBUFFERED'))\n"
        "time.sleep(3)\n"
        "print('late')\n"
    )
    proc = start_workbench(app, "-q", "--buffering", "flushed")
    try:
        # No PYTHONUNBUFFERED, yet it came live.
        assert read_line(proc.stdout, what="the App's first line arrived") == b"early None\n"
        assert proc.poll() is None  # the App is still sleeping
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 130


def test_flushed_is_line_buffered_until_a_flood_then_block_buffered(make_app) -> None:
    app = make_app(
        "import sys, time\n"
        "print(sys.stdout.line_buffering, sys.stdout.isatty())\n"
        "for i in range(100_000):\n"
        "    print(i)\n"
        "time.sleep(0.3)\n"
        "print(sys.stdout.line_buffering)\n"
    )
    done = run_workbench(app, "-q", "--buffering", "flushed")
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "True False"  # like a terminal: each line in order with stderr
    assert lines[1:-1] == [str(i) for i in range(100_000)]  # every byte, in order
    assert lines[-1] == "False"  # the flood switched it to block buffering


def test_flushed_output_keeps_arriving_while_a_flooding_app_runs(make_app) -> None:
    # Half a second of flood switches stdout to block buffering; then the App prints one line
    # and goes quiet for a minute. The periodic flush delivers that line while the App still
    # runs, not when its buffer fills or it exits.
    app = make_app(
        "import sys, time\n"
        "end = time.monotonic() + 0.5\n"
        "i = 0\n"
        "while time.monotonic() < end:\n"
        "    print(i)\n"
        "    i += 1\n"
        "print('flood over', sys.stdout.line_buffering)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(app / "main.py")], cwd=app, stdout=subprocess.PIPE,
        env={**cli_env(), "PYTHONPATH": str(FLUSH_SHIM_DIR)},
    )
    received = bytearray()

    def read_until_the_flood_is_over() -> None:
        while b"flood over" not in received[-64:]:
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                return
            received.extend(chunk)

    try:
        call_within(read_until_the_flood_is_over, timeout=15, what="the line after the flood arrived")
        assert proc.poll() is None  # the App is still running: the flush, not its exit, delivered the line
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    lines = bytes(received).decode().splitlines()
    assert lines[-1] == "flood over False"  # the flood had switched stdout to block buffering
    assert lines[:-1] == [str(i) for i in range(len(lines) - 1)]  # every line of the flood, in order


def test_flushed_output_keeps_the_order_of_stdout_and_stderr_writes(make_app) -> None:
    # stdout and stderr share one pipe here, so the order seen is the order written.
    app = make_app(
        "import sys\n"
        "for i in range(20):\n"
        "    print(f'out {i}')\n"
        "    print(f'err {i}', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, str(app / "main.py")], cwd=app, capture_output=False,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
        env={**cli_env(), "PYTHONPATH": str(FLUSH_SHIM_DIR)},
    )
    expected = "".join(f"out {i}\nerr {i}\n" for i in range(20))
    assert done.stdout.decode() == expected


def test_flushed_hides_itself_and_runs_a_shadowed_sitecustomize(make_app, tmp_path) -> None:
    # The author's own PYTHONPATH never reaches the App; one given on purpose (`--env`) does,
    # and its sitecustomize runs after the shim's.
    from workbench.appdir import AppFolder
    from workbench.job import Job, JobSpec

    own = tmp_path / "own-site"
    own.mkdir()
    (own / "sitecustomize.py").write_text("import builtins\nbuiltins.AUTHOR_SITE = 'ran'\n")
    app = make_app(
        "import builtins, json, sys\n"
        "print(json.dumps({'site': getattr(builtins, 'AUTHOR_SITE', None),"
        " 'path': sys.path}))\n"
    )

    class Keep:
        stdout = b""

        def on_stdout(self, data: bytes) -> None:
            self.stdout += data

        def on_stderr(self, data: bytes) -> None:
            pass

    sink = Keep()
    record = Job(AppFolder.open(app), JobSpec(env={"PYTHONPATH": str(own)}), sink).run()
    assert record.status == "succeeded"
    seen = json.loads(sink.stdout)
    assert seen["site"] == "ran"
    package = str(Path(workbench.__file__).resolve().parent.parent)
    assert not [entry for entry in seen["path"] if "/.workbench/shim" in entry or entry.startswith(package)]


def test_the_shim_adds_no_thread_or_module_the_app_can_see(make_app) -> None:
    # Its flushing thread is a bare `_thread` (threading is not even imported), so an App
    # that lists its threads or modules sees what it would on a Node.
    app = make_app(
        "import sys\n"
        "before = 'threading' in sys.modules\n"
        "import threading\n"
        "print(before, [thread.name for thread in threading.enumerate()])\n"
    )
    done = run_workbench(app, "-q")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"False ['MainThread']\n"


def test_record_says_how_output_was_buffered(make_app, tmp_path) -> None:
    app = make_app("print('x')\n")
    for mode in ("unbuffered", "flushed"):
        record_file = tmp_path / f"{mode}.json"
        assert run_workbench(app, "-q", "--buffering", mode, "--record", record_file).returncode == 0
        assert json.loads(record_file.read_text())["buffering"] == mode


# ---------------------------------------------------------------- without /proc/self/io (macOS)

NO_PROC_IO_LAUNCHER = """
import builtins, runpy, sys
real_open = builtins.open
def without_proc_io(file, *args, **kwargs):
    if file == "/proc/self/io":
        raise FileNotFoundError(2, "No such file or directory", file)
    return real_open(file, *args, **kwargs)
builtins.open = without_proc_io
runpy.run_path({shim!r}, run_name="sitecustomize")
sys.argv = ["main.py"]
runpy.run_path("main.py", run_name="__main__")
"""


def run_without_proc_io(app, **options) -> subprocess.Popen:
    """The App with the flush shim, on a system without /proc/self/io (faked: opening it fails)."""
    launcher = NO_PROC_IO_LAUNCHER.format(shim=str(FLUSH_SHIM_DIR / "sitecustomize.py"))
    env = {key: value for key, value in cli_env().items() if key not in ("PYTHONUNBUFFERED", "PYTHONPATH")}
    return subprocess.Popen([sys.executable, "-c", launcher], cwd=app, env=env, stdout=subprocess.PIPE, **options)


def test_without_proc_io_a_flood_still_switches_to_block_buffering(make_app) -> None:
    app = make_app(
        "import sys, time\n"
        "print(sys.stdout.line_buffering, type(sys.stdout.buffer.raw).__name__, sys.stdout.fileno())\n"
        "for i in range(100_000):\n"
        "    print(i)\n"
        "time.sleep(0.3)\n"
        "print(sys.stdout.line_buffering, sys.stdout is sys.__stdout__)\n"
    )
    proc = run_without_proc_io(app)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    lines = out.decode().splitlines()
    assert lines[0] == "True _CountingFileIO 1"  # stdout counts its own writes instead
    assert lines[1:-1] == [str(i) for i in range(100_000)]  # every byte, in order
    assert lines[-1] == "False True"  # the flood switched it to block buffering


def test_without_proc_io_output_is_live_and_a_trickle_stays_line_buffered(make_app) -> None:
    app = make_app(
        "import sys, time\n"
        "for i in range(5):\n"
        "    print('tick', i)\n"
        "    time.sleep(0.05)\n"
        "print('early', sys.stdout.line_buffering)\n"
        "time.sleep(3)\n"
        "print('late')\n"
    )
    proc = run_without_proc_io(app)
    try:
        for i in range(5):
            assert proc.stdout.readline() == f"tick {i}\n".encode()
        assert proc.stdout.readline() == b"early True\n"  # live, and a trickle is no flood
        assert proc.poll() is None  # the App is still sleeping
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_without_proc_io_stdout_and_stderr_stay_in_order(make_app) -> None:
    app = make_app(
        "import sys\n"
        "for i in range(20):\n"
        "    print(f'out {i}')\n"
        "    print(f'err {i}', file=sys.stderr)\n"
    )
    proc = run_without_proc_io(app, stderr=subprocess.STDOUT)
    out, _ = proc.communicate(timeout=60)
    assert out.decode() == "".join(f"out {i}\nerr {i}\n" for i in range(20))
