"""`workbench run` against hostile Apps: loops, stubborn and escaping processes, floods, binary, escapes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
from pathlib import Path

import pytest

from cli_helpers import load_record, own_lines, pid_alive, read_pids, run_dirs, run_workbench, snapshot
from workbench.fsutil import remove_tree


def assert_all_gone(pids: list[int]) -> None:
    # The run has ended when the workbench exits: nothing it started may still be running.
    survivors = [pid for pid in pids if pid_alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)  # do not leak into the rest of the suite
    assert survivors == [], f"processes of the run survived it: {survivors}"


def test_endless_loop_times_out(make_app, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    app = make_app(f"import os\nopen({str(pids)!r}, 'w').write(str(os.getpid()))\nwhile True:\n    pass\n")
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--timeout", "1", "--record", record_path)
    assert done.returncode == 124
    record = load_record(record_path)
    assert record["status"] == "timed_out"
    assert "timed out" in record["message"]
    assert record["duration_seconds"] >= 1
    assert own_lines(done.stderr)[-3].startswith("workbench: timed_out")
    assert own_lines(done.stderr)[-2:] == ["workbench: on a Node: would hang", own_lines(done.stderr)[-1]]
    assert record["node"]["verdict"] == "hang" and record["node"]["findings"][0]["code"] == "timed_out"
    assert load_record(run_dirs(app)[0] / "record.json")["status"] == "timed_out"
    assert_all_gone(read_pids(pids))


def test_sigterm_ignored_is_killed_after_the_grace(make_app, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    app = make_app(
        f"""
        import os, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        open({str(pids)!r}, "w").write(str(os.getpid()))
        print("stubborn", flush=True)
        while True:
            time.sleep(0.01)
        """
    )
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--timeout", "1", "--record", record_path)
    assert done.returncode == 124
    assert done.stdout == b"stubborn\n"
    record = load_record(record_path)
    assert record["status"] == "timed_out"
    assert record["exit_code"] == -signal.SIGKILL
    assert_all_gone(read_pids(pids))


CHILD_THEN_HANG = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
with open({pids!r}, "w") as f:
    f.write(f"{{os.getpid()}} {{child.pid}}\\n")
print("started", child.pid, flush=True)
{tail}
"""


def test_child_process_and_hang_all_ended_on_timeout(make_app, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    app = make_app(CHILD_THEN_HANG.format(pids=str(pids), tail="time.sleep(60)"))
    done = run_workbench(app, "--timeout", "1")
    assert done.returncode == 124
    assert len(read_pids(pids)) == 2
    assert_all_gone(read_pids(pids))


def test_child_left_behind_holding_the_pipes_is_ended(make_app, tmp_path: Path) -> None:
    # The main process exits at once; its child keeps stdout and stderr open and would hang the run.
    pids = tmp_path / "pids"
    app = make_app(CHILD_THEN_HANG.format(pids=str(pids), tail="sys.exit(0)"))
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, timeout=30)
    assert done.returncode == 0
    assert load_record(record_path)["status"] == "succeeded"
    assert any("left 1 process" in line for line in own_lines(done.stderr))
    assert_all_gone(read_pids(pids))


DAEMON = """
import os, sys, time
pids = {pids!r}
with open(pids, "w") as f:
    f.write(f"{{os.getpid()}}\\n")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        # A daemon: new session, parent gone, standard streams closed.
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        with open(pids, "a") as f:
            f.write(f"{{os.getpid()}}\\n")
        {daemon_tail}
        time.sleep(60)
        os._exit(0)
    os._exit(0)
os.wait()
while len(open(pids).read().split()) < 2:
    time.sleep(0.01)
print("daemon started", flush=True)
{main_tail}
"""


@pytest.mark.parametrize("main_tail", ["time.sleep(60)", "sys.exit(0)"], ids=["main-hangs", "main-exits"])
def test_double_forked_setsid_daemon_is_ended(make_app, tmp_path: Path, main_tail: str) -> None:
    pids = tmp_path / "pids"
    app = make_app(DAEMON.format(pids=str(pids), main_tail=main_tail, daemon_tail="pass"))
    done = run_workbench(app, "--timeout", "1")
    assert done.stdout == b"daemon started\n"
    assert done.returncode == (124 if "sleep" in main_tail else 0)
    assert len(read_pids(pids)) == 2
    assert_all_gone(read_pids(pids))


def test_stdout_flood_is_counted_exactly(make_app, tmp_path: Path) -> None:
    # Two million numbered lines, written in batches (a print loop that long would slow the suite).
    app = make_app(
        """
        import os
        for start in range(0, 2_000_000, 1000):
            os.write(1, b"".join(b"%d\\n" % i for i in range(start, start + 1000)))
        """
    )
    expected = b"".join(b"%d\n" % i for i in range(2_000_000))
    record_path = tmp_path / "record.json"
    out_path = tmp_path / "stdout"
    with open(out_path, "wb") as out:
        done = run_workbench(app, "--record", record_path, "-q", stdout=out)
    assert done.returncode == 0
    record = load_record(record_path)
    assert record["stdout_lines"] == 2_000_000
    log = Path(record["stdout_log"]).read_bytes()
    assert log.count(b"\n") == 2_000_000
    assert hashlib.sha256(log).digest() == hashlib.sha256(expected).digest()
    assert hashlib.sha256(out_path.read_bytes()).digest() == hashlib.sha256(expected).digest()


def test_many_tiny_unbuffered_prints_are_all_kept(make_app, tmp_path: Path) -> None:
    app = make_app("for i in range(100_000):\n    print(i, end='\\n' if i % 3 else '')\n")
    expected = "".join(f"{i}" + ("\n" if i % 3 else "") for i in range(100_000)).encode()
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, "-q")
    assert done.stdout == expected
    record = load_record(record_path)
    assert record["stdout_lines"] == expected.count(b"\n") + (0 if expected.endswith(b"\n") else 1)
    assert Path(record["stdout_log"]).read_bytes() == expected


BINARY = """
import os
def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
write_all(1, bytes(range(256)) * 4 + b"\\xff\\xfe\\xc3(invalid utf-8\\r\\n\\x00")
write_all(2, b"\\xe2\\x82 broken on stderr\\n")
write_all(1, b"x" * (10 * 1024 * 1024))
"""


def test_binary_and_a_10_mb_line_pass_through_unchanged(make_app, tmp_path: Path) -> None:
    app = make_app(BINARY)
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, "-q")
    expected_out = bytes(range(256)) * 4 + b"\xff\xfe\xc3(invalid utf-8\r\n\x00" + b"x" * (10 * 1024 * 1024)
    assert done.returncode == 0
    assert done.stdout == expected_out
    assert done.stderr == b"\xe2\x82 broken on stderr\n"
    record = load_record(record_path)
    assert Path(record["stdout_log"]).read_bytes() == expected_out
    assert Path(record["stderr_log"]).read_bytes() == done.stderr
    # Four newlines in range(256)*4, one after the invalid bytes, and the last line without one.
    assert record["stdout_lines"] == expected_out.count(b"\n") + 1


LARGE_ARGUMENTS = [f"k{i:03d}=" + chr(0x4E00 + i) * 1000 for i in range(200)]


@pytest.mark.parametrize("mode", ["stdin", "argv"])
def test_app_that_never_reads_stdin_with_large_arguments_finishes(make_app, tmp_path: Path, mode: str) -> None:
    app = make_app("import sys, time\ntime.sleep(0.3)\nprint('ignored', len(sys.argv) - 1)\n")
    arguments = [word for pair in LARGE_ARGUMENTS for word in ("-k", pair)]
    assert len(json.dumps(dict(a.split("=", 1) for a in LARGE_ARGUMENTS), ensure_ascii=False).encode()) > 4 * 65536
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--args-mode", mode, *arguments, "--record", record_path, "-q", timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"ignored {400 if mode == 'argv' else 0}\n".encode()
    assert load_record(record_path)["status"] == "succeeded"


def test_large_arguments_arrive_whole_on_stdin(make_app, tmp_path: Path) -> None:
    app = make_app("import json, sys, time\ntime.sleep(0.3)\nprint(len(json.loads(sys.stdin.read())))\n")
    arguments = [word for pair in LARGE_ARGUMENTS for word in ("-k", pair)]
    done = run_workbench(app, *arguments, "-q")
    assert done.stdout == b"200\n"


def test_writes_outside_output_never_reach_the_authors_folder(make_app, tmp_path: Path) -> None:
    app = make_app(
        """
        import os, shutil
        here = os.getcwd()
        parent = os.path.dirname(here)
        print(here)
        with open("../escaped-relative.txt", "w") as f:
            f.write("escaped")
        with open(os.path.join(parent, "escaped-absolute.txt"), "w") as f:
            f.write("escaped")
        with open("main.py", "w") as f:
            f.write("print('overwritten')\\n")
        with open("lib/data.txt", "a") as f:
            f.write("appended")
        os.remove("lib/other.txt")
        os.makedirs("new/folder")
        os.chmod("lib", 0o500)
        shutil.rmtree("input")
        with open("output/ok.txt", "w") as f:
            f.write("ok")
        """,
        **{"lib__data.txt": "data\n", "lib__other.txt": "other\n"},
    )
    before = snapshot(app)
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, "-q")
    workspace = Path(done.stdout.decode().splitlines()[0])
    try:
        assert done.returncode == 0, done.stderr
        assert snapshot(app) == before
        assert [o["path"] for o in load_record(record_path)["outputs"]] == ["ok.txt"]
        assert not (workspace / "output").exists()  # the staged copy is kept, its output/ moved away
        assert not workspace.is_relative_to(app) and not app.is_relative_to(workspace.parent / workspace.name)
    finally:
        for name in ("escaped-relative.txt", "escaped-absolute.txt"):
            (workspace.parent / name).unlink(missing_ok=True)
    # The second run runs the author's main.py again, not the one the first run overwrote,
    # in the same staged copy put right: what the first run added or removed is undone.
    second = run_workbench(app, "-q")
    assert second.stdout.decode().splitlines()[0] == str(workspace)
    assert snapshot(app) == before


def test_symlink_in_output_is_recorded_not_followed(make_app, tmp_path: Path) -> None:
    app = make_app(
        """
        import os
        os.symlink("/etc/passwd", "output/passwd")
        os.symlink("/etc", "output/etc")
        os.symlink("../main.py", "output/relative")
        """
    )
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, "-q")
    assert done.returncode == 0, done.stderr
    record = load_record(record_path)
    outputs = {o["path"]: o for o in record["outputs"]}
    assert set(outputs) == {"passwd", "etc", "relative"}
    assert outputs["passwd"]["is_symlink"] is True
    assert outputs["passwd"]["link_target"] == "/etc/passwd"
    assert outputs["passwd"]["sha256"] is None
    kept = Path(record["output_dir"])
    for name, target in (("passwd", "/etc/passwd"), ("etc", "/etc"), ("relative", "../main.py")):
        assert (kept / name).is_symlink() and os.readlink(kept / name) == target


def test_fifo_in_output_does_not_hang_collection(make_app, tmp_path: Path) -> None:
    app = make_app("import os\nos.mkfifo('output/pipe')\nopen('output/ok.txt', 'w').write('ok')\n")
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, timeout=30)
    assert done.returncode == 0
    assert [o["path"] for o in load_record(record_path)["outputs"]] == ["ok.txt"]
    assert any("output/pipe" in line for line in own_lines(done.stderr))


def test_read_only_output_is_collected_and_cleaned_up(make_app, tmp_path: Path) -> None:
    app = make_app(
        """
        import os
        print(os.getcwd())
        os.makedirs("output/sub")
        open("output/sub/a.txt", "w").write("a")
        open("output/b.txt", "w").write("b")
        os.chmod("output/b.txt", 0o400)
        os.chmod("output/sub", 0o500)
        os.chmod("output", 0o500)
        os.chmod(".", 0o500)
        """
    )
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, "-q")
    assert done.returncode == 0, done.stderr
    record = load_record(record_path)
    assert sorted(o["path"] for o in record["outputs"]) == ["b.txt", "sub/a.txt"]
    assert not (Path(done.stdout.decode().strip()) / "output").exists()
    # The kept copy can be pruned later.
    assert run_workbench(app, "--keep", "1", "-q").returncode == 0
    assert [p.name for p in run_dirs(app)] != [record["id"]]
    assert len(run_dirs(app)) == 1


@pytest.mark.parametrize(
    "how", ["import shutil; shutil.rmtree('output')", "import os; os.rmdir('output'); open('output', 'w').write('x')"]
)
def test_output_deleted_or_replaced(make_app, tmp_path: Path, how: str) -> None:
    app = make_app(how + "\n")
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path)
    assert done.returncode == 0
    assert load_record(record_path)["outputs"] == []
    assert any("output/" in line for line in own_lines(done.stderr))
    assert b"Traceback" not in done.stderr


def test_app_closing_its_stdout_early_still_runs_to_its_end(make_app, tmp_path: Path) -> None:
    app = make_app("import os, sys, time\nprint('bye', flush=True)\nos.close(1)\nos.close(2)\ntime.sleep(0.3)\nsys.exit(5)\n")
    done = run_workbench(app, "-q")
    assert done.returncode == 5
    assert done.stdout == b"bye\n"


def test_very_deep_output_tree(make_app, tmp_path: Path) -> None:
    app = make_app(
        """
        import os
        print(os.getcwd())
        os.chdir("output")
        for _ in range(1200):
            os.mkdir("d")
            os.chdir("d")
        open("leaf.txt", "w").write("x")
        """
    )
    record_path = tmp_path / "record.json"
    done = run_workbench(app, "--record", record_path, "-q")
    try:
        assert done.returncode == 0, done.stderr[-2000:]
        assert b"Traceback" not in done.stderr
        assert [o["path"] for o in load_record(record_path)["outputs"]] == ["d/" * 1200 + "leaf.txt"]
        assert not (Path(done.stdout.decode().strip()) / "output").exists()
    finally:  # pytest's own clean-up of old temporary folders recurses once per level
        remove_tree(app / ".workbench")
