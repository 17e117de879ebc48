"""Keys typed while the workbench asks the terminal what it can draw do not turn its answer into keys.

The question is asked before Textual takes the terminal over (`workbench.ui.image_view`).
An author who presses a key as the workbench starts typed it before the answer came: the
answer was then left in the input, and the UI read it as keys (`ESC [ ? 1 ; 2 c`: `?` opened
the help, `2` the Arguments tab). Here a pseudo-terminal plays the terminal.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Imports the module that asks, then reports what it decided and what was left in the input.
CHILD = """
import os, select, tty
from workbench.ui import image_view
tty.setcbreak(0)  # bytes as they come, not lines
left = b""
while select.select([0], [], [], 0.5)[0]:
    left += os.read(0, 1024)
print("decided", image_view.METHOD, "left", repr(left), flush=True)
"""


def _read_until(fd: int, wanted: bytes, seconds: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the child has gone
                break
    return seen


def test_a_key_typed_before_the_terminals_answer_does_not_leave_the_answer_to_be_read_as_keys() -> None:
    master, slave = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "WORKBENCH_IMAGES"}
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                             cwd=REPO, env=env)
    os.close(slave)
    try:
        assert b"\x1b[c" in _read_until(master, b"\x1b[c", 30)  # the device attributes asked
        os.write(master, b"6\x1b[?62;4;22c")  # a key typed, then the answer: Sixel (the 4)
        report = _read_until(master, b"left", 10)
        assert child.wait(timeout=10) == 0, child.stderr.read() if child.stderr else ""
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)
    assert b"decided sixel left b''" in report
