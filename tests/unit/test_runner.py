"""The process engine without the CLI: ProcessRun and ProcessTree, with a short kill grace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cli_helpers import pid_alive, read_pids
from waiting import finish, read_line, wait_until
from workbench.proctree import TAG_VARIABLE, ProcessTree, describe_signal
from workbench.runner import Outcome, ProcessRun
from workbench.streams import DEFAULT_LOG_LIMIT, LOG_LIMIT_VARIABLE, log_limit


class Collect:
    """A sink that keeps everything it is given, in order, per stream."""

    def __init__(self) -> None:
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.threads: set[str] = set()

    def on_stdout(self, data: bytes) -> None:
        self.threads.add(threading.current_thread().name)
        self.stdout += data

    def on_stderr(self, data: bytes) -> None:
        self.stderr += data


def make_run(tmp_path: Path, source: str, *, stdin: bytes | None = None, sink=None, **options) -> ProcessRun:
    (tmp_path / "main.py").write_text(source)
    return ProcessRun(
        [sys.executable, "main.py", *options.pop("args", [])],
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin_data=stdin,
        stdout_log=tmp_path / "stdout.log",
        stderr_log=tmp_path / "stderr.log",
        sink=sink or Collect(),
        **options,
    )


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_streams_are_separate_logged_and_counted(tmp_path: Path) -> None:
    sink = Collect()
    run = make_run(
        tmp_path,
        "import sys\nprint('a')\nprint('b', file=sys.stderr)\nsys.stdout.write('c')\n",
        sink=sink,
    )
    run.start()
    result = finish(run)
    assert result.outcome is Outcome.EXITED and result.exit_code == 0
    assert bytes(sink.stdout) == b"a\nc" and bytes(sink.stderr) == b"b\n"
    assert (tmp_path / "stdout.log").read_bytes() == b"a\nc"
    assert (tmp_path / "stderr.log").read_bytes() == b"b\n"
    assert (result.stdout_lines, result.stderr_lines) == (2, 1)
    assert result.stragglers == 0
    assert result.duration_seconds > 0
    assert sink.threads and all(name.startswith("workbench-read") for name in sink.threads)


def test_no_output_is_zero_lines(tmp_path: Path) -> None:
    run = make_run(tmp_path, "")
    run.start()
    result = finish(run)
    assert (result.stdout_lines, result.stderr_lines) == (0, 0)
    assert (tmp_path / "stdout.log").read_bytes() == b""


@pytest.mark.parametrize(("source", "code"), [("raise SystemExit(7)", 7), ("import os\nos.kill(os.getpid(), 9)", -9)])
def test_exit_codes(tmp_path: Path, source: str, code: int) -> None:
    run = make_run(tmp_path, source)
    run.start()
    assert finish(run).exit_code == code


def test_stdin_payload_and_argv(tmp_path: Path) -> None:
    sink = Collect()
    source = "import sys\nprint(sys.argv[1:], repr(sys.stdin.read()))\n"
    run = make_run(tmp_path, source, stdin=b'{"a": "1"}', sink=sink, args=["--x", "y"])
    run.start()
    finish(run)
    assert bytes(sink.stdout) == b"['--x', 'y'] '{\"a\": \"1\"}'\n"


def test_no_stdin_data_means_empty_stdin(tmp_path: Path) -> None:
    sink = Collect()
    run = make_run(tmp_path, "import sys\nprint(repr(sys.stdin.read()))\n", stdin=None, sink=sink)
    run.start()
    finish(run)
    assert bytes(sink.stdout) == b"''\n"


def test_unread_stdin_far_over_a_pipe_buffer_does_not_block(tmp_path: Path) -> None:
    run = make_run(tmp_path, "import time\ntime.sleep(0.2)\nprint('done')\n", stdin=b"x" * (4 << 20))
    run.start()
    result = finish(run)
    assert result.outcome is Outcome.EXITED and result.exit_code == 0


def test_timeout_ends_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    source = f"""
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
open({str(pids)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
while True:
    time.sleep(0.01)
"""
    run = make_run(tmp_path, source, timeout=1.0, kill_grace=0.3)
    run.start()
    result = finish(run)
    assert result.outcome is Outcome.TIMED_OUT
    assert result.exit_code == -signal.SIGKILL
    main, child = read_pids(pids)
    for pid in (main, child):
        assert not pid_alive(pid)
    # The record names the child it ended, not the main process (its exit code tells its end).
    assert [item.split()[1] for item in result.ended] == [str(child)], result.ended


@pytest.mark.parametrize("end", ["timeout", "cancel"])
def test_an_app_that_cleans_up_on_sigterm_gets_the_grace(tmp_path: Path, end: str) -> None:
    # The default grace (2 s): the App's handler takes 0.3 s to clean up, then exits itself.
    cleaned = tmp_path / "cleaned"
    source = f"""
import signal, sys, time
def clean_up(signum, frame):
    time.sleep(0.3)  # flushing a file, removing a lock
    with open({str(cleaned)!r}, "w") as handle:
        handle.write("cleaned up after signal %d" % signum)
    sys.exit(3)
signal.signal(signal.SIGTERM, clean_up)
print("up", flush=True)
while True:
    time.sleep(0.01)
"""
    sink = Collect()
    run = make_run(tmp_path, source, sink=sink, timeout=1.0 if end == "timeout" else None)
    run.start()
    if end == "cancel":
        wait_until(lambda: b"up" in sink.stdout, what="the App printed 'up'")
        run.cancel()
    result = finish(run)
    assert result.outcome is (Outcome.TIMED_OUT if end == "timeout" else Outcome.CANCELLED)
    assert cleaned.read_text() == f"cleaned up after signal {signal.SIGTERM}"
    assert result.exit_code == 3  # it ended itself, within the grace: no SIGKILL


def test_the_app_runs_in_a_session_of_its_own(tmp_path: Path) -> None:
    # Its own session and process group: a Ctrl-C at the workbench's terminal never reaches it.
    sink = Collect()
    run = make_run(tmp_path, "import os\nprint(os.getpid(), os.getsid(0), os.getpgid(0))\n", sink=sink)
    run.start()
    finish(run)
    pid, sid, pgid = map(int, bytes(sink.stdout).split())
    assert pid == sid == pgid == run.pid
    assert sid != os.getsid(0)


@pytest.mark.parametrize("slow", ["stdout", "stderr"])
def test_wait_returns_only_once_every_byte_was_delivered(tmp_path: Path, slow: str) -> None:
    # A slow sink on one stream: its reader is still delivering when the App has long exited.
    class Slow(Collect):
        def on_stdout(self, data: bytes) -> None:
            if slow == "stdout":
                time.sleep(0.5)
            super().on_stdout(data)

        def on_stderr(self, data: bytes) -> None:
            if slow == "stderr":
                time.sleep(0.5)
            super().on_stderr(data)

    sink = Slow()
    run = make_run(tmp_path, "import sys\nprint('out')\nprint('err', file=sys.stderr)\n", sink=sink)
    run.start()
    result = finish(run)
    assert (bytes(sink.stdout), bytes(sink.stderr)) == (b"out\n", b"err\n")
    assert (result.stdout_lines, result.stderr_lines) == (1, 1)


def test_the_duration_is_the_apps_own(tmp_path: Path) -> None:
    run = make_run(tmp_path, "import time\ntime.sleep(0.4)\n")
    run.start()
    result = finish(run)
    assert 0.4 <= result.duration_seconds < 10


def test_cancel_from_another_thread(tmp_path: Path) -> None:
    sink = Collect()
    source = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('up', child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    run = make_run(tmp_path, source, sink=sink, kill_grace=0.3)
    run.start()
    assert not run.cancelled

    def cancel_when_up() -> None:
        wait_until(lambda: b"up" in sink.stdout, what="the App printed 'up'")
        run.cancel()

    threading.Thread(target=cancel_when_up, daemon=True).start()
    result = finish(run)
    assert run.cancelled
    assert result.outcome is Outcome.CANCELLED
    assert result.exit_code == -signal.SIGTERM
    # The child was running at the cancel: ended, and named; the main process is not named.
    child = int(bytes(sink.stdout).split()[1])
    assert not pid_alive(child)
    assert [item.split()[1] for item in result.ended] == [str(child)], result.ended


def test_stragglers_are_counted_and_ended(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    source = f"""
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.DEVNULL)
open({str(pids)!r}, "w").write(str(child.pid))
"""
    run = make_run(tmp_path, source, kill_grace=0.3)
    run.start()
    result = finish(run)
    assert result.exit_code == 0
    assert result.stragglers == 1
    assert not pid_alive(read_pids(pids)[0])


def test_a_failing_sink_does_not_lose_the_log(tmp_path: Path) -> None:
    class Broken(Collect):
        def on_stdout(self, data: bytes) -> None:
            raise RuntimeError("the screen went away")

    run = make_run(tmp_path, "for i in range(1000):\n    print(i)\n", sink=Broken())
    run.start()
    result = finish(run)
    assert result.exit_code == 0 and result.stdout_lines == 1000
    assert (tmp_path / "stdout.log").read_bytes() == b"".join(b"%d\n" % i for i in range(1000))


def test_a_log_keeps_its_first_bytes_up_to_the_limit_and_ends_saying_what_it_left_out(tmp_path: Path, monkeypatch) -> None:
    # A flood fills a disk (100 MB a second): each log file keeps up to WORKBENCH_LOG_LIMIT.
    monkeypatch.setenv(LOG_LIMIT_VARIABLE, "100K")
    sink = Collect()
    run = make_run(tmp_path, "import sys\nfor i in range(50000):\n    print(i)\nprint('e', file=sys.stderr)\n", sink=sink)
    run.start()
    result = finish(run)
    printed = b"".join(b"%d\n" % i for i in range(50000))
    log = (tmp_path / "stdout.log").read_bytes()
    assert log[: 100 * 1024] == printed[: 100 * 1024]
    assert log[100 * 1024 :].decode() == (
        f"\n[workbench: this log stops after its first 102,400 bytes; the App wrote {len(printed):,} bytes to stdout"
        " in all. WORKBENCH_LOG_LIMIT sets how much a log keeps.]\n"
    )
    # Past the limit, the output is still shown live, counted and judged.
    assert bytes(sink.stdout) == printed
    assert result.stdout_lines == 50000
    assert (tmp_path / "stderr.log").read_bytes() == b"e\n"  # under the limit: whole, with no note


@pytest.mark.parametrize(
    ("value", "limit"), [("64M", 64 * 1024**2), ("4096", 4096), ("lots", DEFAULT_LOG_LIMIT), ("", DEFAULT_LOG_LIMIT)]
)
def test_the_log_limit_comes_from_the_environment(monkeypatch, value: str, limit: int) -> None:
    monkeypatch.setenv(LOG_LIMIT_VARIABLE, value)
    assert log_limit() == limit


def test_peak_memory_of_the_tree_is_sampled(tmp_path: Path) -> None:
    # A child holds 200 MB for a second: only sampling the tree sees it (the main process stays small).
    source = """
import subprocess, sys
subprocess.run([sys.executable, "-c", "import time; b = bytearray(200 << 20); time.sleep(1)"])
"""
    run = make_run(tmp_path, source)
    run.start()
    result = finish(run)
    assert result.peak_memory_bytes is not None
    assert result.peak_memory_bytes >= 200 << 20


def test_peak_memory_of_a_short_spike_in_the_main_process(tmp_path: Path) -> None:
    run = make_run(tmp_path, "b = bytearray(150 << 20)\ndel b\n")
    run.start()
    assert finish(run).peak_memory_bytes >= 150 << 20


def test_the_app_gets_the_run_tag(tmp_path: Path) -> None:
    sink = Collect()
    run = make_run(tmp_path, f"import os\nprint(os.environ[{TAG_VARIABLE!r}])\n", sink=sink)
    run.start()
    finish(run)
    assert bytes(sink.stdout).decode().strip() == run.token


def test_start_failure_raises_and_leaks_no_descriptors(tmp_path: Path) -> None:
    before = open_fds()
    run = ProcessRun(
        [str(tmp_path / "no-such-python"), "main.py"],
        cwd=tmp_path,
        env=dict(os.environ),
        stdin_data=b"{}",
        stdout_log=tmp_path / "o.log",
        stderr_log=tmp_path / "e.log",
        sink=Collect(),
    )
    with pytest.raises(OSError):
        run.start()
    assert open_fds() == before


def test_runs_leak_no_descriptors(tmp_path: Path) -> None:
    run = make_run(tmp_path, "print('x')\n", stdin=b"{}")
    run.start()
    finish(run)
    before = open_fds()
    for _ in range(3):
        run = make_run(tmp_path, "print('x')\n", stdin=b"{}")
        run.start()
        finish(run)
    assert open_fds() == before


def test_a_group_of_zombies_is_not_alive() -> None:
    # An ended process that nobody has reaped yet still names its process group.
    process = subprocess.Popen(["true"], start_new_session=True)
    tree = ProcessTree(process.pid, "token")
    try:
        wait_until(lambda: any(info.zombie for info in tree.members()), what="the process was a zombie")
        assert not tree.any_alive()
        assert tree.living() == []
    finally:
        process.wait(timeout=10)


def test_tree_finds_processes_in_its_session_and_by_tag(tmp_path: Path) -> None:
    env = {**os.environ, TAG_VARIABLE: "abc"}
    process = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)'])"],
        start_new_session=True,
        env=env,
    )
    tree = ProcessTree(process.pid, "abc")
    try:
        wait_until(lambda: len(tree.living()) >= 2, what="the process and its child were both alive")
        assert tree.any_alive()
        assert os.getpid() not in {info.pid for info in tree.members()}
        assert tree.rss_bytes() > 0
        tree.signal_all(signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    wait_until(lambda: not tree.any_alive(), what="the killed tree was gone")


def test_describe_signal() -> None:
    assert describe_signal(9) == "SIGKILL"
    assert describe_signal(200) == "signal 200"


_IGNORES_TERM = (
    "import os, signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "child = subprocess.Popen([sys.executable, '-c', "
    "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(600)\n"
)


def test_an_installers_group_is_ended_by_the_runs_ender_with_its_grace() -> None:
    # The environments end an installer's process group with the same function and
    # grace as a run's tree: SIGTERM, then SIGKILL after KILL_GRACE.
    from workbench.envs.installer import _kill_group
    from workbench.runner import KILL_GRACE

    process = subprocess.Popen(
        [sys.executable, "-c", _IGNORES_TERM], stdout=subprocess.PIPE, start_new_session=True
    )
    assert process.stdout is not None
    child = int(read_line(process.stdout, what="the App printed its child's pid"))
    started = time.monotonic()
    _kill_group(process)
    elapsed = time.monotonic() - started
    assert process.poll() is not None and not pid_alive(child)
    assert KILL_GRACE - 0.1 <= elapsed < KILL_GRACE + 2.0, elapsed
    process.stdout.close()


def test_sigkill_follows_sigterm_after_the_documented_two_seconds(monkeypatch) -> None:
    """`--timeout` and cancel: SIGTERM, then SIGKILL 2 s later (README). Timed on a clock of the test's own."""
    from types import SimpleNamespace

    from workbench import runner

    now = [1000.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setattr(runner, "time", SimpleNamespace(monotonic=lambda: now[0], sleep=sleep))
    sent: list[tuple[int, float]] = []

    def signal_all(signum: int) -> int:
        sent.append((signum, now[0] - 1000.0))
        return 1

    runner.end_tree(signal_all, any_alive=lambda: signum_count(sent, signal.SIGKILL) < 1)
    assert sent[0] == (signal.SIGTERM, 0.0)
    assert sent[1][0] == signal.SIGKILL and sent[1][1] == pytest.approx(2.0, abs=0.021)
    assert len(sent) == 2


def signum_count(sent: list[tuple[int, float]], signum: int) -> int:
    return sum(1 for number, _ in sent if number == signum)


def test_wait_returns_only_after_the_last_sample_was_handled(tmp_path: Path) -> None:
    """A live view's sample callback never runs after wait() has returned (the sampler is joined)."""
    sampled = tmp_path / "sampled"
    handled: list[str] = []

    def slow_view(sample) -> None:
        if not handled:
            sampled.touch()  # the App ends once it has been sampled...
            time.sleep(1.0)  # ...while this callback is still drawing
            handled.append("drawn")

    source = f"""
import os, time
deadline = time.monotonic() + 20
while not os.path.exists({str(sampled)!r}) and time.monotonic() < deadline:
    time.sleep(0.01)
"""
    run = make_run(tmp_path, source, on_sample=slow_view)
    run.start()
    finish(run)
    assert handled == ["drawn"]
    assert not any(thread.name == "workbench-sample" for thread in threading.enumerate())


def test_a_run_whose_output_was_all_read_does_not_wait_out_the_drain(tmp_path: Path, monkeypatch) -> None:
    # The drain is for pipes still held open; once both readers hit the end of their pipe, wait()
    # returns. A drain of 30 s makes any wait on it fail the bound below.
    from workbench import runner

    monkeypatch.setattr(runner, "DRAIN", 30.0)
    sink = Collect()
    run = make_run(tmp_path, "import sys\nprint('out')\nprint('err', file=sys.stderr)\n", sink=sink)
    run.start()
    result = finish(run, timeout=10, what="the run ended without waiting out the drain")
    assert (bytes(sink.stdout), bytes(sink.stderr)) == (b"out\n", b"err\n")
    assert result.ended == ()


def _state(pid: int) -> str:
    data = open(f"/proc/{pid}/stat", "rb").read()
    return data[data.rfind(b")") + 2 :].split()[0].decode()


def test_running_is_false_for_a_zombie_and_a_reaped_process_true_for_a_live_one() -> None:
    # Ending a run's pipe holders waits while they run: a zombie (ended, not yet reaped by its
    # parent) has ended, and must not hold the run for the grace period and a SIGKILL.
    from workbench.runner import _running

    live = subprocess.Popen(["sleep", "60"])
    ended = subprocess.Popen(["true"])
    try:
        wait_until(lambda: _state(ended.pid) == "Z", what="the ended process was a zombie")
        assert _running(live.pid)
        assert not _running(ended.pid)
    finally:
        live.kill()
        live.wait(timeout=10)
        ended.wait(timeout=10)
    assert not _running(ended.pid)  # reaped: no /proc entry at all


def test_running_without_proc_asks_the_kernel_and_sends_no_signal(monkeypatch) -> None:
    # Where /proc/PID/stat cannot be read (no /proc), `kill(pid, 0)` tells whether the process
    # exists, and sends nothing: a process is never hung up or signalled by being looked at.
    from workbench import runner

    def no_proc(path, *args, **kwargs):
        raise FileNotFoundError(path)

    # The child blocks every catchable signal, so one sent to it stays pending where we can see it.
    live = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, sys, time\n"
            "signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})\n"
            "print('blocked', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
    )
    gone = subprocess.Popen(["true"])
    gone.wait(timeout=10)
    try:
        assert live.stdout is not None
        assert read_line(live.stdout, what="the child blocked its signals") == b"blocked\n"
        monkeypatch.setattr(runner, "open", no_proc, raising=False)
        assert runner._running(live.pid)
        assert not runner._running(gone.pid)
        monkeypatch.undo()
        pending = {
            key: int(value, 16)
            for key, value in (line.split(":") for line in open(f"/proc/{live.pid}/status").read().splitlines())
            if key in ("SigPnd", "ShdPnd")
        }
        assert pending == {"SigPnd": 0, "ShdPnd": 0}, pending
    finally:
        live.kill()
        live.wait(timeout=10)
        if live.stdout is not None:
            live.stdout.close()


def test_ending_pipe_holders_returns_only_once_a_sigkilled_one_has_ended() -> None:
    # A holder that ignores SIGTERM gets SIGKILL after the grace; the ending returns once it has
    # landed (the process is a zombie here, as its parent is this test), never while it still runs.
    # The holder's 200 MB take the kernel a moment to free as it dies.
    from workbench.runner import _end_processes

    source = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "held = b'x' * (200 << 20)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", source], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        assert read_line(holder.stdout, what="the holder ignored SIGTERM") == b"ready\n"
        _end_processes([holder.pid], 0.2)
        assert not pid_alive(holder.pid)
        assert holder.wait(timeout=10) == -signal.SIGKILL
    finally:
        holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
