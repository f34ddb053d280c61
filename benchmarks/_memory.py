"""Memory of one call: tracemalloc's peak and the resident set's peak growth (Linux)."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
from typing import Any, Callable

import numpy as np

import graphmax as gm

__all__ = ["memory_profile"]


def _proc_status_kib(field_name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise OSError(f"{field_name} not in /proc/self/status")


def _rss_peak_delta(call: Callable[[], Any]) -> tuple[int | None, str]:
    """Peak resident set during `call` minus the resident set before it, in bytes, and the method used.

    Linux: reset the high-water mark (``/proc/self/clear_refs``) and read
    ``VmHWM``, exact. Elsewhere: sample ``psutil`` every 0.2 ms (may miss
    short peaks). Free heap memory is first handed back to the system
    (glibc's ``malloc_trim``), or the call could reuse it without growing the
    process: without that step, the 1M-node headline call measured 0 bytes.
    """
    gc.collect()
    trimmed = _malloc_trim()
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        before = _proc_status_kib("VmRSS")
        call()
        return (_proc_status_kib("VmHWM") - before) * 1024, "VmHWM after clear_refs" + trimmed
    except OSError:
        pass
    try:
        import psutil
    except ImportError:
        return None, "unavailable (no /proc/self/clear_refs, no psutil)"
    process = psutil.Process()
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.0002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        call()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], process.memory_info().rss) - before, "psutil sampling" + trimmed


def _malloc_trim() -> str:
    """Return free heap memory to the system (glibc only); a note for the method label."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return ""
    return ", malloc_trim"


def memory_profile(label: str, call: Callable[[], Any], graph: gm.Graph, x: np.ndarray) -> dict:
    """Peak extra memory of one warm `call`, next to the size of one int array of E.

    ``tracemalloc`` sees every numpy allocation (numba's own allocations are
    not traced); the resident-set delta sees everything the process maps.
    """
    call()  # warm: caches filled, kernels loaded
    rss_bytes, rss_method = _rss_peak_delta(call)
    gc.collect()
    tracemalloc.start()
    try:
        call()
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    edges = graph.neighbors("both")[1]
    return {
        "call": label,
        "tracemalloc_peak_bytes": int(traced_peak),
        "rss_peak_delta_bytes": rss_bytes,
        "rss_method": rss_method,
        "int_array_of_E_bytes": int(edges.nbytes),
        "index_dtype": str(edges.dtype),
        "n": graph.n,
        "edges": int(edges.shape[0]),
        "values_bytes": int(x.nbytes),
    }
