"""Say when graphmax's kernels compile, instead of going silent for seconds.

numba compiles a kernel on the first call of each kind (argument types) and
keeps it in its on-disk cache; on a fresh install the first calls take
seconds each. This module listens to numba's ``numba:compile`` events (which
fire only when a kernel is really compiled, not when it is loaded from the
cache) for kernels defined in graphmax, and

- prints one line on stderr, once per process, when compiling has taken
  more than `NOTICE_AFTER_S` seconds: what is happening and that
  ``graphmax warmup`` does it ahead;
- passes each compile, as it starts and ends, to the reporters installed
  with `reporting` (``graphmax warmup`` prints them, so it shows progress
  from its first second).

Set ``GRAPHMAX_COMPILE_NOTICE=0`` to silence the notice.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

from numba.core import event

__all__ = ["reporting", "NOTICE_AFTER_S", "NOTICE"]

NOTICE_AFTER_S = 1.0
NOTICE = (
    "graphmax: compiling kernels for this kind of call, once (numba keeps them on disk); this takes "
    "seconds on a fresh install -- `graphmax warmup` compiles the common ones ahead\n"
)
PACKAGE = __name__.rpartition(".")[0]


def kernel_name(dispatcher) -> str:
    func = getattr(dispatcher, "py_func", None)
    return getattr(func, "__qualname__", repr(dispatcher))


def _is_ours(dispatcher, package) -> bool:
    module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
    return module == package or module.startswith(package + ".")


class _CompileListener(event.Listener):
    """Times graphmax's compiles; prints the notice once; feeds the reporters."""

    def __init__(self, package=PACKAGE, stream=None):
        self.package = package
        self.stream = stream
        self.lock = threading.Lock()
        self.reporters = []
        self.running = {}  # thread id -> (kernel name, start time)
        self.compiled_s = 0.0
        self.noticed = False
        self.timer = None

    # -- numba's events ----------------------------------------------------------------
    def on_start(self, ev):
        dispatcher = ev.data["dispatcher"]
        if not _is_ours(dispatcher, self.package):
            return
        name = kernel_name(dispatcher)
        with self.lock:
            self.running[threading.get_ident()] = (name, time.perf_counter())
            reporters = list(self.reporters)
            self._schedule_notice()
        for report in reporters:
            report("start", name, 0.0)

    def on_end(self, ev):
        started = None
        with self.lock:
            started = self.running.pop(threading.get_ident(), None)
            if started is None:
                return
            seconds = time.perf_counter() - started[1]
            self.compiled_s += seconds
            reporters = list(self.reporters)
            if not self.running and self.timer is not None:
                self.timer.cancel()
                self.timer = None
        for report in reporters:
            report("end", started[0], seconds)

    # -- the notice ----------------------------------------------------------------------
    def _schedule_notice(self):
        """With the lock held: print now, or arm a timer for when `NOTICE_AFTER_S` is reached."""
        if self.noticed or self.reporters or self.timer is not None:
            return
        if os.environ.get("GRAPHMAX_COMPILE_NOTICE", "1").strip().lower() in ("0", "false", "no", "off"):
            return
        left = NOTICE_AFTER_S - self.compiled_s
        if left <= 0:
            self._notice()
            return
        self.timer = threading.Timer(left, self._notice_if_compiling)
        self.timer.daemon = True
        self.timer.start()

    def _notice_if_compiling(self):
        with self.lock:
            self.timer = None
            if self.running and not self.noticed and not self.reporters:
                self._notice()

    def _notice(self):
        self.noticed = True
        stream = self.stream if self.stream is not None else sys.stderr
        with contextlib.suppress(Exception):
            stream.write(NOTICE)
            stream.flush()


_listener = _CompileListener()
event.register("numba:compile", _listener)


@contextlib.contextmanager
def reporting(report):
    """Within the block, call ``report(stage, kernel, seconds)`` as each of graphmax's kernels
    starts (``"start"``, seconds 0) and ends (``"end"``, the compile's seconds) compiling.
    The once-per-process notice stays quiet meanwhile."""
    with _listener.lock:
        _listener.reporters.append(report)
    try:
        yield
    finally:
        with _listener.lock:
            _listener.reporters.remove(report)
