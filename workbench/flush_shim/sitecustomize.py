"""Live, ordered output for an App at full speed (`workbench run --buffering flushed`, the default).

The workbench puts this folder first on the App's PYTHONPATH, so Python runs
this file at start-up. It makes stdout line-buffered, as on a terminal: each
line reaches the workbench when it is printed, in order with stderr, in one
system call (PYTHONUNBUFFERED costs two per print). When the App prints more
than about a thousand lines a second, stdout switches to Python's block
buffering, as on a Node, and a daemon thread flushes it every 50 ms: a flood
then runs at nearly the speed of `python main.py > file`, still shown live.

A flood is told by counting write calls. On Linux the kernel counts them for
the whole process (`syscw` in `/proc/self/io`). Where that file is missing
(macOS), stdout is rebuilt over a file object that counts its own writes:
still a `TextIOWrapper` on file descriptor 1, with the same encoding and
errors, so only the App's writes through `sys.stdout` are counted (one per
line while line-buffered), which is what a flood of prints is.
Then this file steps aside: its folder leaves `sys.path`, and a
`sitecustomize` that it shadows, if any, runs as it would have.
"""

import _thread
import atexit
import importlib.machinery
import io
import os
import sys

_INTERVAL = 0.05
_BURST_WRITES = 50
"""Write calls in one interval (1,000 a second) that switch stdout to block buffering."""


def _system_write_calls():
    """The process's write system calls so far (Linux), or None where they cannot be read."""
    try:
        with open("/proc/self/io", "rb") as handle:
            for line in handle:
                if line.startswith(b"syscw:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


_stdout_writes = 0
_kept = []


class _CountingFileIO(io.FileIO):
    """File descriptor 1, counting the writes that reach it."""

    def write(self, data):
        global _stdout_writes
        _stdout_writes += 1
        return super().write(data)


def _count_stdout_writes():
    """Rebuild `sys.stdout` over a `_CountingFileIO`; True if it was done."""
    old = sys.stdout
    try:
        if old is None or old.fileno() != 1:
            return False
        old.flush()
        raw = _CountingFileIO(1, "wb", closefd=False)
        new = io.TextIOWrapper(
            io.BufferedWriter(raw), encoding=old.encoding, errors=old.errors, newline="\n", line_buffering=True
        )
    except (AttributeError, ValueError, OSError):
        return False
    _kept.append(old)  # kept alive: collecting it would close file descriptor 1
    if sys.__stdout__ is old:
        sys.__stdout__ = new
    sys.stdout = new
    return True


def _stdout_write_calls():
    return _stdout_writes


_write_calls = _system_write_calls if _system_write_calls() is not None else None


def _line_buffered(on):
    try:
        sys.stdout.reconfigure(line_buffering=on)
    except (AttributeError, ValueError, OSError):  # replaced, closed or detached by the App
        pass


def _flush_forever(done):
    try:
        _flush_until_stopped()
    finally:
        done.release()


def _flush_until_stopped():
    if _write_calls is None:  # no way to count writes: line-buffered throughout
        last = None
    else:
        last = _write_calls()
    while not _stopping.acquire(True, _INTERVAL):  # a clock until `_stop` releases it
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


_stopping = _thread.allocate_lock()
_stopping.acquire()  # held until exit
_flusher = []
"""The lock the flushing thread releases when it ends."""


def _start():
    # A bare `_thread`, not `threading`: importing threading (collections, functools, ...)
    # would cost every App's start-up several milliseconds, and the App's own
    # `threading.enumerate()` does not list this thread, as on a Node.
    done = _thread.allocate_lock()
    done.acquire()
    _flusher[:] = [done]
    _thread.start_new_thread(_flush_forever, (done,))


def _stop():
    """At exit, before Python's own last flush: a daemon thread frozen inside `stdout.flush()`
    would hold the stream's lock then, and Python aborts ("could not acquire lock ... at
    interpreter shutdown, possibly due to daemon threads")."""
    if _stopping.locked():
        _stopping.release()
    for done in _flusher:
        if done.acquire(True, 1.0):
            done.release()


if _write_calls is None and _count_stdout_writes():
    _write_calls = _stdout_write_calls
_line_buffered(True)
_start()
os.register_at_fork(after_in_child=_start)
atexit.register(_stop)

_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _here]
_shadowed = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
if _shadowed is not None and _shadowed.loader is not None:
    import importlib.util  # only then: it costs the App's start-up a few milliseconds

    _module = importlib.util.module_from_spec(_shadowed)
    _shadowed.loader.exec_module(_module)
