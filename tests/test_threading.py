"""Concurrent calls from several Python threads: identical results and no abort,
under every numba threading layer (issue 15, concurrency)."""

import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

from graphmax import _threading

# Every kernel family, called from 6 threads at once, each result compared with
# the one computed before the threads start.
CONCURRENT_CALLS = textwrap.dedent(
    """
    from concurrent.futures import ThreadPoolExecutor

    import numba
    import numpy as np

    from tests.kernel_families import every_family

    reference = every_family()
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: every_family(), range(18)))
    for result in results:
        assert len(result) == len(reference)
        for got, want in zip(result, reference):
            np.testing.assert_array_equal(got, want)
    print(numba.threading_layer(), len(results))
    """
)


@pytest.mark.parametrize("layer", ["workqueue", "default"])
def test_concurrent_calls_of_every_kernel_family(layer):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NUMBA_THREADING_LAYER=layer,
               PYTHONPATH=os.pathsep.join([root] + [p for p in sys.path if p]))
    done = subprocess.run([sys.executable, "-c", CONCURRENT_CALLS], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    used, runs = done.stdout.split()
    assert runs == "18"
    if layer == "workqueue":
        assert used == "workqueue"


@pytest.mark.parametrize(
    "layer, priority, loadable, expected",
    [
        ("workqueue", None, {"tbb", "omp"}, False),
        ("omp", None, {"omp"}, True),
        ("omp", None, set(), False),  # numba will raise at launch; not threadsafe to us
        ("threadsafe", None, set(), True),
        ("safe", None, set(), True),
        ("forksafe", None, {"tbb", "omp"}, False),
        ("default", ["tbb", "omp", "workqueue"], {"omp"}, True),
        ("default", ["tbb", "omp", "workqueue"], set(), False),
        ("default", ["workqueue", "omp", "tbb"], {"omp", "tbb"}, False),
        ("default", ["omp", "workqueue", "tbb"], {"tbb"}, False),
    ],
)
def test_threadsafe_layer_follows_numbas_choice(monkeypatch, layer, priority, loadable, expected):
    def not_launched():
        raise ValueError("Threading layer is not initialized.")

    monkeypatch.setattr(numba, "threading_layer", not_launched)
    monkeypatch.setattr(numba.config, "THREADING_LAYER", layer)
    if priority is not None:
        monkeypatch.setattr(numba.config, "THREADING_LAYER_PRIORITY", priority)
    monkeypatch.setattr(_threading, "_loads", lambda backend: backend in loadable)
    assert _threading.threadsafe_layer() is expected


def test_a_launched_layer_is_read_not_predicted(monkeypatch):
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    monkeypatch.setattr(_threading, "_loads", lambda backend: True)
    assert _threading.threadsafe_layer() is False
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    assert _threading.threadsafe_layer() is True


def test_the_lock_is_taken_only_where_the_layer_needs_it(monkeypatch):
    def kernel(a):
        return a.sum()

    monkeypatch.setattr(_threading, "threadsafe_layer", lambda: True)
    plain = _threading.jit(kernel)
    a = np.arange(10.0)
    assert plain(a) == 45.0 and type(plain) is numba.core.registry.CPUDispatcher  # no lane: plain from then on
    monkeypatch.setattr(_threading, "threadsafe_layer", lambda: False)
    locked = _threading.jit(kernel)
    assert locked(a) == 45.0 and type(locked) is _threading._LockedDispatcher


def test_small_inputs_run_on_one_thread_with_the_same_results(monkeypatch):
    """Every kernel family on all of numba's threads (threshold 0) and on the caller alone."""
    from tests.kernel_families import every_family

    monkeypatch.setattr(_threading, "SERIAL_BELOW", 0)
    parallel = every_family()
    monkeypatch.setattr(_threading, "SERIAL_BELOW", 1 << 62)
    serial = every_family()
    assert len(parallel) == len(serial)
    for got, want in zip(serial, parallel):
        np.testing.assert_array_equal(got, want)


def test_the_one_thread_lane_is_chosen_by_the_largest_array(monkeypatch):
    def kernel(a, b):
        threads = np.zeros(a.shape[0], dtype=np.int64)
        for i in numba.prange(a.shape[0]):
            threads[i] = numba.get_num_threads()
        return threads.max() + b.sum()

    monkeypatch.setattr(_threading, "threadsafe_layer", lambda: True)
    dispatcher = _threading.parallel_jit(kernel)
    monkeypatch.setattr(_threading, "SERIAL_BELOW", 100)
    everyone = numba.get_num_threads()
    assert dispatcher(np.ones(99), np.zeros(3)) == 1  # small: the calling thread alone
    assert numba.get_num_threads() == everyone  # ... and the caller's setting is back
    assert dispatcher(np.ones(100), np.zeros(3)) == everyone  # the larger input: every thread
    assert len(dispatcher.signatures) == 1  # one build for both


def _threads_in_a_region(a):
    threads = np.zeros(a.shape[0], dtype=np.int64)
    for i in numba.prange(a.shape[0]):
        threads[i] = numba.get_num_threads()
    return threads.max()


def _calls_a_parallel_kernel(a):
    return _parallel_region(a)


_parallel_region = None  # compiled in the test (module globals: the lane finds callees by name)


def test_a_serial_kernel_that_calls_a_parallel_one_gets_the_lane_too(monkeypatch):
    monkeypatch.setitem(globals(), "_parallel_region", _threading.parallel_jit(_threads_in_a_region))
    outer = _threading.jit(_calls_a_parallel_kernel)
    monkeypatch.setattr(_threading, "SERIAL_BELOW", 100)
    assert outer(np.ones(10)) == 1
    assert isinstance(outer, _threading._SizeLane)  # kept the lane: it reaches a parallel kernel
    assert outer(np.ones(1000)) == numba.get_num_threads()


def test_a_call_survives_another_thread_dropping_the_lane(monkeypatch):
    """The state a concurrent first call leaves: the kernel's class was swapped to numba's plain
    dispatcher (no parallel callee) while this thread is inside the lane's __call__."""

    def kernel(a):
        return a.sum()

    monkeypatch.setattr(_threading, "threadsafe_layer", lambda: False)
    dispatcher = _threading.jit(kernel)
    a = np.arange(4.0)
    dispatcher.__class__ = _threading._LockedDispatcher  # what the other thread's first call did
    assert _threading._SizeLaneLocked.__call__(dispatcher, a) == 6.0
    assert _threading._SizeLane.__call__(dispatcher, a) == 6.0


def _cache_locator(py_func):
    from numba.core import caching

    impl = getattr(caching, "CompileResultCacheImpl", None) or caching._CompileResultCacheImpl
    return impl(py_func)._locator


def test_a_cached_kernel_is_stamped_with_every_kernel_file(tmp_path, monkeypatch):
    """A kernel inlines helpers of other files (`_kernels.core`): its cache entry must go stale
    when any kernel file changes, not only its own (numba's stamp is its own file only)."""
    from graphmax import _kernels

    assert _threading.CACHE_STAMPED
    kernel = _kernels.neighbour_compare.py_func  # in _kernels/scan.py
    before = _cache_locator(kernel).get_source_stamp()
    other = tmp_path / "core.py"  # stands for another kernel file (the installed ones stay as they are)
    other.write_text("HELPER = 1\n")
    files = _threading._kernel_files()
    monkeypatch.setattr(_threading, "_kernel_files", lambda: files + [str(other)])
    first = _cache_locator(kernel).get_source_stamp()
    other.write_text("HELPER = 2\n")
    _threading._stamp_cache.clear()  # computed once per process; a new process sees the change
    second = _cache_locator(kernel).get_source_stamp()
    assert before != first != second
    assert before[0] == first[0] == second[0]  # the kernel's own file did not change


def test_functions_outside_the_kernel_files_cache_as_numba_does():
    def plain(a):
        return a

    assert not type(_cache_locator(plain)).__name__.startswith("GraphmaxStamped")
