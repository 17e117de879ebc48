"""Live output for an App that keeps Python's own buffering (`workbench run --buffering flushed`).

The workbench puts this folder first on the App's PYTHONPATH, so Python runs
this file at start-up. It starts one daemon thread that flushes stdout and
stderr every 50 ms: what the App prints shows within 50 ms, while its writes
stay block-buffered, as on a Node, instead of costing a system call per print.
Then it steps aside: this folder leaves `sys.path`, and a `sitecustomize`
that it shadows, if any, runs as it would have.
"""

import importlib.machinery
import importlib.util
import os
import sys
import threading
import time

_INTERVAL = 0.05


def _flush_forever() -> None:
    while True:
        time.sleep(_INTERVAL)
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):  # closed or gone: there is nothing to flush to
                pass


def _start() -> None:
    threading.Thread(target=_flush_forever, name="workbench-flush", daemon=True).start()


_start()
os.register_at_fork(after_in_child=_start)

_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _here]
_shadowed = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
if _shadowed is not None and _shadowed.loader is not None:
    _module = importlib.util.module_from_spec(_shadowed)
    _shadowed.loader.exec_module(_module)
