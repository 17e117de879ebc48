"""A run's process tree on psutil, and the branches other platforms take, faked here on Linux.

A child in its own session is out of the run's process group: only the tree's
finding (psutil) reaches it. The tests spy on `psutil.Process.send_signal` to
see psutil did the finding, fake an environment that cannot be read (as for
another user's process on macOS), and fake a machine where psutil cannot list
processes at all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from cli_helpers import pid_alive, read_pids
from waiting import finish, wait_until
from workbench import proctree
from workbench.proctree import ProcessTree, Sample, TreeSampler, maxrss_bytes
from workbench.runner import Outcome, ProcessRun


class Collect:
    def __init__(self) -> None:
        self.stdout = bytearray()

    def on_stdout(self, data: bytes) -> None:
        self.stdout += data

    def on_stderr(self, data: bytes) -> None:
        pass


def make_run(tmp_path: Path, source: str, sink: Collect | None = None, **options) -> ProcessRun:
    (tmp_path / "main.py").write_text(source)
    return ProcessRun(
        [sys.executable, "main.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdin_data=None,
        stdout_log=tmp_path / "stdout.log",
        stderr_log=tmp_path / "stderr.log",
        sink=sink or Collect(),
        **options,
    )


@pytest.fixture
def signalled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(pid, signal) of every signal psutil sends for the tree."""
    sent: list[tuple[int, int]] = []
    original = psutil.Process.send_signal

    def spy(self: psutil.Process, sig: int) -> None:
        sent.append((self.pid, sig))
        original(self, sig)

    monkeypatch.setattr(psutil.Process, "send_signal", spy)
    return sent


def own_session_child(pids: Path, *, main_ignores_term: bool = False) -> str:
    """An App that starts a child in a new session (out of its group), writes both pids, prints `up`, waits."""
    ignore = "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" if main_ignores_term else ""
    return f"""
import os, signal, subprocess, sys, time
{ignore}child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
with open({str(pids)!r}, "w") as handle:
    handle.write(f"{{os.getpid()}} {{child.pid}} {{os.getsid(child.pid)}}")
print("up", flush=True)
time.sleep(60)
"""


def cancel_when_up(run: ProcessRun, sink: Collect) -> None:
    def watch() -> None:
        wait_until(lambda: b"up" in sink.stdout, what="the App printed 'up'")
        run.cancel()

    threading.Thread(target=watch, daemon=True).start()


def test_cancel_ends_a_child_in_its_own_session(tmp_path: Path, signalled: list[tuple[int, int]]) -> None:
    pids = tmp_path / "pids"
    sink = Collect()
    run = make_run(tmp_path, own_session_child(pids), sink=sink, kill_grace=0.5)
    run.start()
    cancel_when_up(run, sink)
    result = finish(run)
    assert result.outcome is Outcome.CANCELLED
    main_pid, child_pid, child_session = read_pids(pids)
    assert child_session == child_pid != main_pid  # out of the run's session and group: killpg missed it
    assert (child_pid, signal.SIGTERM) in signalled
    assert not pid_alive(child_pid)


def test_timeout_ends_a_child_in_its_own_session(tmp_path: Path, signalled: list[tuple[int, int]]) -> None:
    pids = tmp_path / "pids"
    run = make_run(tmp_path, own_session_child(pids, main_ignores_term=True), timeout=1.0, kill_grace=0.3)
    run.start()
    result = finish(run)
    assert result.outcome is Outcome.TIMED_OUT
    assert result.exit_code == -signal.SIGKILL
    _main_pid, child_pid, _session = read_pids(pids)
    assert (child_pid, signal.SIGTERM) in signalled
    assert not pid_alive(child_pid)


def test_an_orphan_in_its_own_session_is_found_by_its_tag(tmp_path: Path, signalled: list[tuple[int, int]]) -> None:
    # A daemonising double fork: the grandchild leaves the session and its parent dies at once.
    pids = tmp_path / "pids"
    source = f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open({str(pids)!r}, "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(60)
    os._exit(0)
os.wait()
while not os.path.exists({str(pids)!r}):
    time.sleep(0.01)
"""
    run = make_run(tmp_path, source, kill_grace=0.3)
    run.start()
    result = finish(run)
    (orphan,) = read_pids(pids)
    assert result.stragglers == 1
    assert (orphan, signal.SIGTERM) in signalled
    assert not pid_alive(orphan)


def test_descent_finds_a_child_whose_environment_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signalled: list[tuple[int, int]]
) -> None:
    # As for a hardened binary on macOS: no tag to read; its parent gives it away.
    def denied(self: psutil.Process) -> dict[str, str]:
        raise psutil.AccessDenied(self.pid)

    monkeypatch.setattr(psutil.Process, "environ", denied)
    pids = tmp_path / "pids"
    sink = Collect()
    run = make_run(tmp_path, own_session_child(pids), sink=sink, kill_grace=0.5)
    run.start()
    cancel_when_up(run, sink)
    finish(run)
    _main_pid, child_pid, _session = read_pids(pids)
    assert (child_pid, signal.SIGTERM) in signalled
    assert not pid_alive(child_pid)


def test_without_psutil_the_group_is_ended_and_the_peak_is_the_main_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where processes cannot be listed: the process group is signalled, ru_maxrss is the peak.
    def no_psutil():
        raise ImportError("psutil is not installed here")

    monkeypatch.setattr(proctree, "_psutil", no_psutil)
    pids = tmp_path / "pids"
    source = f"""
import os, subprocess, sys, time
data = bytearray(80 << 20)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
with open({str(pids)!r}, "w") as handle:
    handle.write(f"{{os.getpid()}} {{child.pid}}")
print("up", flush=True)
time.sleep(60)
"""
    sink = Collect()
    run = make_run(tmp_path, source, sink=sink, kill_grace=0.5)
    run.start()
    cancel_when_up(run, sink)
    result = finish(run)
    assert not run.tree.available and "psutil" in (run.tree.unavailable_reason or "")
    assert result.outcome is Outcome.CANCELLED
    for pid in read_pids(pids):  # both in the run's group
        assert not pid_alive(pid)
    assert result.peak_memory_bytes is not None and result.peak_memory_bytes >= 80 << 20
    assert run.sampler is not None and run.sampler.peak_rss_bytes == 0


def test_peak_memory_includes_a_child_in_its_own_session(tmp_path: Path) -> None:
    source = """
import subprocess, sys
subprocess.run([sys.executable, "-c", "import time; b = bytearray(200 << 20); time.sleep(1)"], start_new_session=True)
"""
    run = make_run(tmp_path, source)
    run.start()
    result = finish(run)
    assert result.peak_memory_bytes is not None and result.peak_memory_bytes >= 200 << 20
    assert run.sampler is not None and run.sampler.peak_rss_bytes >= 200 << 20


def test_each_sample_gives_time_memory_cpu_and_process_count(tmp_path: Path) -> None:
    # The main process waits; a child holds 100 MB and spins until it has used 0.6 s of CPU.
    # However loaded the machine, the samples' CPU adds up to about that.
    source = """
import subprocess, sys
subprocess.run([sys.executable, "-c",
    "import time\\nb = bytearray(100 << 20)\\nwhile time.process_time() < 0.6: pass\\ntime.sleep(0.3)"])
"""
    samples: list[Sample] = []
    run = make_run(tmp_path, source, on_sample=samples.append)
    run.start()
    finish(run)
    assert len(samples) >= 5
    assert [sample.at for sample in samples] == sorted(sample.at for sample in samples)
    assert max(sample.processes for sample in samples) == 2
    assert max(sample.rss_bytes for sample in samples) >= 100 << 20
    cpu_seconds = sum(
        sample.cpu_percent / 100 * (sample.at - previous.at) for previous, sample in zip(samples, samples[1:], strict=False)
    )
    assert 0.4 <= cpu_seconds <= 1.0, [round(sample.cpu_percent) for sample in samples]
    assert run.sampler is not None and list(run.sampler.recent) == samples


def test_a_failing_sample_callback_does_not_stop_the_peak(tmp_path: Path) -> None:
    def broken(_sample: Sample) -> None:
        raise RuntimeError("the view went away")

    source = """
import subprocess, sys
subprocess.run([sys.executable, "-c", "import time; b = bytearray(150 << 20); time.sleep(0.6)"])
"""
    run = make_run(tmp_path, source, on_sample=broken)
    run.start()
    result = finish(run)
    assert run.sampler is not None and isinstance(run.sampler.callback_error, RuntimeError)
    assert run.sampler.peak_rss_bytes >= 150 << 20
    assert result.peak_memory_bytes >= 150 << 20


def test_the_sampler_counts_only_living_processes() -> None:
    process = subprocess.Popen(["true"], start_new_session=True)
    tree = ProcessTree(process.pid, "token")
    sampler = TreeSampler(tree)
    try:
        wait_until(lambda: any(info.zombie for info in tree.members()), what="the process was a zombie")
        sample = sampler.sample()
        assert (sample.processes, sample.rss_bytes) == (0, 0)
    finally:
        process.wait(timeout=10)


def test_an_ended_tree_is_not_signalled() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    tree = ProcessTree(process.pid, "token")
    try:
        assert [info.pid for info in tree.living()] == [process.pid]
    finally:
        process.kill()
        process.wait(timeout=10)
    assert tree.living() == []
    assert tree.signal_all(signal.SIGTERM) == 0


def test_maxrss_is_bytes_on_macos_and_kibibytes_on_linux() -> None:
    assert maxrss_bytes(2048, "linux") == 2 << 20
    assert maxrss_bytes(2048, "darwin") == 2048


def test_starting_a_run_does_not_import_psutil() -> None:
    # psutil is imported by the sampling thread once the App has started, never before it.
    code = (
        "import sys, os\n"
        "from pathlib import Path\n"
        "import tempfile\n"
        "from workbench.runner import ProcessRun\n"
        "class Sink:\n"
        "    def on_stdout(self, data): pass\n"
        "    def on_stderr(self, data): pass\n"
        "tmp = Path(tempfile.mkdtemp())\n"
        "before = 'psutil' in sys.modules\n"
        "run = ProcessRun([sys.executable, '-c', 'import time; time.sleep(0.3)'], cwd=tmp, env=dict(os.environ),\n"
        "    stdin_data=None, stdout_log=tmp / 'o', stderr_log=tmp / 'e', sink=Sink())\n"
        "import builtins\n"
        "real_import = builtins.__import__\n"
        "def watch(name, *args, **kwargs):\n"
        "    if name == 'psutil' and run.pid is None:\n"
        "        raise AssertionError('psutil imported before the App started')\n"
        "    return real_import(name, *args, **kwargs)\n"
        "builtins.__import__ = watch\n"
        "run.start()\n"
        "result = run.wait()\n"
        "print(before, 'psutil' in sys.modules, result.exit_code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "0"]


def test_start_ticks_are_psutils_create_time() -> None:
    ticks = proctree._start_ticks(os.getpid())
    assert ticks is not None
    assert ticks / os.sysconf("SC_CLK_TCK") + psutil.boot_time() == psutil.Process().create_time()
    assert proctree._start_ticks(2**22 + 1) is None  # above Linux's largest pid: no such process


def test_started_since_sees_a_process_younger_than_a_start() -> None:
    own = proctree._start_ticks(os.getpid())
    assert own is not None
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert proctree._started_since(own, exclude=os.getpid()) is True  # the child, at least
        assert proctree._started_since(2**62, exclude=os.getpid()) is False
    finally:
        child.kill()
        child.wait(timeout=10)


def test_an_ended_run_that_left_nothing_needs_no_psutil(monkeypatch: pytest.MonkeyPatch) -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
    tree = ProcessTree(process.pid, "token")
    ticks = proctree._start_ticks(process.pid)  # not reaped yet: still listed
    process.wait(timeout=10)
    seen: list[int] = []

    def nothing_since(ticks: int, exclude: int) -> bool:
        seen.append(ticks)
        return False

    def no_psutil() -> None:
        raise AssertionError("psutil imported")

    monkeypatch.setattr(proctree, "_started_since", nothing_since)
    monkeypatch.setattr(proctree, "_psutil", no_psutil)
    assert tree.living() == []
    assert tree.signal_all(signal.SIGTERM) == 0
    assert ticks is not None and seen and set(seen) == {ticks}  # asked about processes younger than it


def test_a_short_run_that_left_an_orphan_has_it_found_without_a_sample(tmp_path: Path) -> None:
    # The main process is gone before any sample (psutil never loaded): the orphan, younger
    # than it, sends the tree to psutil, which finds it by its tag.
    pids = tmp_path / "pids"
    source = f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open({str(pids)!r}, "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(60)
    os._exit(0)
os.wait()
while not os.path.exists({str(pids)!r}):
    time.sleep(0.01)
"""
    (tmp_path / "main.py").write_text(source)
    token = "short-run-token"
    process = subprocess.Popen(
        [sys.executable, "main.py"], cwd=tmp_path, env={**os.environ, proctree.TAG_VARIABLE: token},
        start_new_session=True,
    )
    tree = ProcessTree(process.pid, token)
    process.wait(timeout=30)
    (orphan,) = read_pids(pids)
    try:
        assert [info.pid for info in tree.living()] == [orphan]
        assert tree.signal_all(signal.SIGTERM) >= 1
        wait_until(lambda: not pid_alive(orphan), what="the orphan ended")
    finally:
        try:
            os.kill(orphan, signal.SIGKILL)
        except ProcessLookupError:
            pass
