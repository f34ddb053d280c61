"""Parallel kernels that are safe to call from several Python threads at once.

numba runs ``parallel=True`` kernels on one of three threading layers. TBB
and OpenMP accept concurrent launches from several Python threads (thread
pools, web servers, Dask's threaded workers); the workqueue layer -- numba's
fallback where neither is installed, or what ``NUMBA_THREADING_LAYER=
workqueue`` asks for -- aborts the whole process on a concurrent launch
("Concurrent access has been detected").

`parallel_jit` compiles a kernel as ``numba.njit(parallel=True)`` does. Where
the layer numba will use is not certainly threadsafe, the kernel's
dispatcher (and that of every serial kernel, which may launch a parallel
one) also takes one process-wide lock around each call from Python, so
concurrent calls run one after the other instead of aborting; calls from
other compiled code need no lock (they run inside a guarded call). Where the
layer is threadsafe the dispatcher is numba's own: no cost on the common path.
"""

from __future__ import annotations

import threading

import numba as nb
from numba.core.registry import CPUDispatcher

from . import _compiling  # noqa: F401  (a notice when kernels compile for long; see that module)

__all__ = ["parallel_jit", "jit", "threadsafe_layer", "KERNEL_LOCK"]

KERNEL_LOCK = threading.RLock()  # re-entrant: a guarded kernel may be called while one runs in this thread


def _loads(backend: str) -> bool:
    """Whether numba can load the threading layer `backend` (as its own selection tries it)."""
    try:
        if backend == "tbb":
            from numba.np.ufunc.parallel import _check_tbb_version_compatible

            _check_tbb_version_compatible()
            from numba.np.ufunc import tbbpool  # noqa: F401
        elif backend == "omp":
            from numba.np.ufunc import omppool  # noqa: F401
        else:
            return False
    except (ImportError, OSError):
        return False
    return True


def threadsafe_layer() -> bool:
    """Whether numba's threading layer is (or, before the first parallel launch, will be)
    TBB or OpenMP, both of which accept concurrent launches.

    After a launch, `numba.threading_layer()` tells. Before it, numba's own
    choice is predicted from ``numba.config.THREADING_LAYER`` and
    ``THREADING_LAYER_PRIORITY``; anything uncertain counts as not threadsafe
    (the lock then costs a little, never a crash).
    """
    try:
        return nb.threading_layer() in ("tbb", "omp")
    except ValueError:  # no parallel kernel has run yet
        pass
    layer = str(nb.config.THREADING_LAYER).lower()
    if layer in ("tbb", "omp"):
        return _loads(layer)
    if layer in ("safe", "threadsafe"):  # tbb (and omp) or an error at launch: never workqueue
        return True
    if layer == "default":
        for backend in nb.config.THREADING_LAYER_PRIORITY:
            if backend == "workqueue":
                return False
            if _loads(backend):
                return True
    return False  # "workqueue", "forksafe" (may fall back to workqueue) or unknown


class _LockedDispatcher(CPUDispatcher):
    """A dispatcher whose calls from Python hold `KERNEL_LOCK` (for a non-threadsafe layer)."""

    def __call__(self, *args, **kwargs):
        with KERNEL_LOCK:
            return super().__call__(*args, **kwargs)


def _compile(func, parallel):
    dispatcher = nb.njit(cache=True, nogil=True, parallel=parallel)(func)
    if not threadsafe_layer():
        dispatcher.__class__ = _LockedDispatcher
    return dispatcher


def jit(func):
    """``numba.njit(cache=True, nogil=True)``, locked per call where the threading layer
    is not threadsafe: a serial kernel may launch a parallel one."""
    return _compile(func, parallel=False)


def parallel_jit(func):
    """``numba.njit(cache=True, nogil=True, parallel=True)``, locked per call where the
    threading layer is not threadsafe (see the module docstring)."""
    return _compile(func, parallel=True)
