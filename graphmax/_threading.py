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

import contextlib
import hashlib
import os
import threading

import numba as nb
from numba.core.registry import CPUDispatcher

from . import _compiling  # noqa: F401  (a notice when kernels compile for long; see that module)
from ._interrupt import raise_carried_interrupt

__all__ = ["parallel_jit", "jit", "threadsafe_layer", "KERNEL_LOCK", "SERIAL_BELOW"]

# A call from Python whose largest array argument has fewer elements runs on the calling
# thread alone (see `_SizeLane`); GRAPHMAX_SERIAL_BELOW overrides it.
SERIAL_BELOW = int(os.environ.get("GRAPHMAX_SERIAL_BELOW", 1 << 15))

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
            return CPUDispatcher.__call__(self, *args, **kwargs)


class _SizeLane(CPUDispatcher):
    """A kernel that runs on the calling thread alone when every array argument is small.

    Waking the thread pool for a parallel region costs microseconds on a quiet
    machine and milliseconds when other processes hold the CPUs (the region
    waits for its slowest thread); a 34-node graph is done long before. Below
    `SERIAL_BELOW` elements in the largest array argument, a call from Python
    sets numba's thread count to one for this thread (`numba.set_num_threads`
    is per thread) around the same compiled kernel: the parallel region then
    runs in the caller with no other thread to wait for, and gives the same
    result. A kernel that reaches no parallel one (found on its first call)
    drops this lane and is numba's plain dispatcher from then on.

    An earlier design compiled a serial twin of each kernel instead: its
    node loops kept numba's reference-count operations on every iteration
    (numba issue #2350) and ran 20-50x slower than this (docs/decisions.md).

    The base calls name their class (no zero-argument ``super()``): another
    thread may swap ``__class__`` while this call runs.
    """

    def __call__(self, *args):
        if not self._graphmax_parallel and not _reaches_parallel(self):
            self.__class__ = _LockedDispatcher if self._graphmax_locked else CPUDispatcher
            return self(*args)
        largest = 0
        for a in args:
            size = getattr(a, "size", 0)
            if size > largest:
                largest = size
        try:
            if largest < SERIAL_BELOW:
                get, put = _thread_count or _thread_count_functions()
                threads = get()
                if threads > 1:
                    put(1)
                    try:
                        return CPUDispatcher.__call__(self, *args)
                    finally:
                        put(threads)
            return CPUDispatcher.__call__(self, *args)
        except SystemError as error:  # Ctrl-C during the kernel: see graphmax._interrupt
            raise_carried_interrupt(error)
            raise


_thread_count = None  # (get, set) of numba's per-thread count, found on the first small call


def _thread_count_functions():
    """numba's per-thread thread-count getter and setter: the compiled ones behind
    `numba.get_num_threads` / `set_num_threads` (a few times cheaper than the public
    functions, which check their argument each time: this lane only sets 1 and restores a
    count it read), or the public ones where numba does not expose them."""
    global _thread_count
    nb.get_num_threads()  # launches the threading layer (the compiled functions exist from then on)
    try:
        from numba.np.ufunc import parallel

        found = (parallel._get_num_threads, parallel._set_num_threads)
        if not all(callable(f) for f in found):
            raise AttributeError
    except (ImportError, AttributeError):
        found = (nb.get_num_threads, nb.set_num_threads)
    _thread_count = found
    return found


class _SizeLaneLocked(_SizeLane):
    def __call__(self, *args):
        with KERNEL_LOCK:
            return _SizeLane.__call__(self, *args)


def _kernel_callees(func):
    """The graphmax kernels `func` calls by a global name."""
    found = {}
    for name in func.__code__.co_names:
        value = func.__globals__.get(name)
        if isinstance(value, CPUDispatcher) and hasattr(value, "_graphmax_parallel"):
            found[name] = value
    return found


def _reaches_parallel(kernel, seen=None):
    """Whether `kernel` is a parallel kernel or calls one, directly or through other kernels."""
    cached = kernel.__dict__.get("_graphmax_reaches")
    if cached is not None:
        return cached
    seen = set() if seen is None else seen
    if id(kernel) in seen:
        return False
    seen.add(id(kernel))
    reaches = kernel._graphmax_parallel or any(
        _reaches_parallel(c, seen) for c in _kernel_callees(kernel.py_func).values()
    )
    kernel._graphmax_reaches = reaches
    return reaches


# -- numba's on-disk cache, keyed on every kernel file ---------------------------------------------
# numba keys a cached kernel on its own source file only, but a kernel inlines helpers of other
# files (`_kernels.core` into every family): after an upgrade or an edit that changes only
# `core.py`, the other families' cached code would keep the old helper. Every kernel file's
# stamp therefore also carries a hash of all of them.
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_KERNELS_DIR = os.path.join(_PACKAGE, "_kernels")
_DISTRIBUTED_KERNELS = os.path.join(_PACKAGE, "distributed", "_kernels.py")


def _kernel_files():
    """The source files whose functions compile through this module: graphmax/_kernels/*.py
    and graphmax/distributed/_kernels.py."""
    files = [os.path.join(_KERNELS_DIR, name) for name in os.listdir(_KERNELS_DIR) if name.endswith(".py")]
    files.append(_DISTRIBUTED_KERNELS)
    return sorted(files)


_stamp_cache = {}


def kernels_stamp():
    """A sha256 of the content of every kernel file (computed once per process)."""
    files = tuple(_kernel_files())
    if files not in _stamp_cache:
        digest = hashlib.sha256()
        for path in files:
            digest.update(os.path.basename(path).encode())
            with open(path, "rb") as f:
                digest.update(f.read())
        _stamp_cache.clear()
        _stamp_cache[files] = digest.hexdigest()
    return _stamp_cache[files]


def _is_kernel_file(py_file):
    """Whether `py_file` is one of `_kernel_files` (by its folder: numba asks this for every
    cached function of every library, so no directory listing here)."""
    path = os.path.abspath(py_file)
    return path == _DISTRIBUTED_KERNELS or (os.path.dirname(path) == _KERNELS_DIR and path.endswith(".py"))


def _stamped(locator_class):
    """`locator_class` for graphmax's kernel files only, its source stamp joined with `kernels_stamp`."""

    class Stamped(locator_class):
        def get_source_stamp(self):
            return (locator_class.get_source_stamp(self), kernels_stamp())

        @classmethod
        def from_function(cls, py_func, py_file):
            if not _is_kernel_file(py_file):
                return None
            return super().from_function(py_func, py_file)

    Stamped.__name__ = Stamped.__qualname__ = f"GraphmaxStamped{locator_class.__name__}"
    return Stamped


def _install_cache_locators():
    """Put the stamped locators first in numba's list (the user's NUMBA_CACHE_DIR first among
    them, as numba orders its own). Where numba's cache internals differ from the ones this
    was written against, nothing is installed: the kernels then cache as numba does."""
    from numba.core import caching

    def public_or_private(name):  # numba 0.61 made these names public
        return getattr(caching, name, None) or getattr(caching, "_" + name, None)

    impl = public_or_private("CacheImpl")
    wanted = [public_or_private(name)
              for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    if impl is None or None in wanted or not isinstance(getattr(impl, "_locator_classes", None), list):
        return False
    if not any(getattr(c, "__name__", "").startswith("GraphmaxStamped") for c in impl._locator_classes):
        impl._locator_classes = [_stamped(c) for c in wanted] + list(impl._locator_classes)
    return True


CACHE_STAMPED = _install_cache_locators()


def _compile(func, parallel):
    dispatcher = nb.njit(cache=True, nogil=True, parallel=parallel)(func)
    locked = not threadsafe_layer()
    dispatcher.__class__ = _SizeLaneLocked if locked else _SizeLane
    dispatcher._graphmax_parallel = parallel
    dispatcher._graphmax_locked = locked
    return dispatcher


@contextlib.contextmanager
def lanes(which):
    """Within the block, calls from Python run on all of numba's threads (``"parallel"``) or
    on the calling thread alone (``"serial"``) whatever their size (for benchmarks and tests;
    not thread-safe: it sets `SERIAL_BELOW`)."""
    global SERIAL_BELOW
    saved = SERIAL_BELOW
    SERIAL_BELOW = {"parallel": 0, "serial": 1 << 62}[which]
    try:
        yield
    finally:
        SERIAL_BELOW = saved


def jit(func):
    """``numba.njit(cache=True, nogil=True)``; locked per call where the threading layer
    is not threadsafe; with the small-input lane (`_SizeLane`) if it calls a parallel kernel."""
    return _compile(func, parallel=False)


def parallel_jit(func):
    """``numba.njit(cache=True, nogil=True, parallel=True)`` with the small-input lane
    (`_SizeLane`: one thread below `SERIAL_BELOW` elements), locked per call where the
    threading layer is not threadsafe (see the module docstring)."""
    return _compile(func, parallel=True)
