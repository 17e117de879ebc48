"""Live, ordered output for an App at full speed (`workbench run --buffering flushed`, the default).

The workbench puts this folder first on the App's PYTHONPATH, so Python runs
this file at start-up. It makes stdout line-buffered, as on a terminal: each
line reaches the workbench when it is printed, in order with stderr, in one
system call (PYTHONUNBUFFERED costs two per print). When the App prints more
than about a thousand lines a second, stdout switches to Python's block
buffering, as on a Node, and a daemon thread flushes it every 50 ms: a flood
then runs at nearly the speed of `python main.py > file`, still shown live.
Then this file steps aside: its folder leaves `sys.path`, and a
`sitecustomize` that it shadows, if any, runs as it would have.
"""

import importlib.machinery
import importlib.util
import os
import sys
import threading
import time

_INTERVAL = 0.05
_BURST_WRITES = 50
"""Write calls in one interval (1,000 a second) that switch stdout to block buffering."""


def _write_calls():
    """The process's write system calls so far (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/io", "rb") as handle:
            for line in handle:
                if line.startswith(b"syscw:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _line_buffered(on):
    try:
        sys.stdout.reconfigure(line_buffering=on)
    except (AttributeError, ValueError, OSError):  # replaced, closed or detached by the App
        pass


def _flush_forever():
    last = _write_calls()
    while True:
        time.sleep(_INTERVAL)
        if last is not None and getattr(sys.stdout, "line_buffering", False):
            now = _write_calls()
            if now is not None and now - last > _BURST_WRITES:
                _line_buffered(False)  # a flood: block buffering, flushed below
            last = now
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):  # closed or gone: there is nothing to flush to
                pass


def _start():
    threading.Thread(target=_flush_forever, name="workbench-flush", daemon=True).start()


_line_buffered(True)
_start()
os.register_at_fork(after_in_child=_start)

_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _here]
_shadowed = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
if _shadowed is not None and _shadowed.loader is not None:
    _module = importlib.util.module_from_spec(_shadowed)
    _shadowed.loader.exec_module(_module)
