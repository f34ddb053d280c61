"""Helpers shared by the benchmark suites: atomic file writes (text, JSON) and one timed call."""

from __future__ import annotations

import gc
import json
import math
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np


def atomic_write(path, write: Callable[[str], None]) -> None:
    """Write `path` through a temporary file in the same folder, then `os.replace` it into place
    (`graphmax.io.atomic_target`: a failure or Ctrl-C leaves the old file and no temporary one)."""
    from graphmax.io import atomic_target

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(path) as tmp:
        write(tmp)


def write_text(path, text: str) -> None:
    """`atomic_write` of a UTF-8 text."""
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def json_default(value: Any) -> Any:
    """`json.dumps`'s ``default`` for the suites' reports: numpy scalars, paths and tuples."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (Path, tuple)):
        return str(value) if isinstance(value, Path) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_json(report: dict, path, indent: int | None = 1) -> None:
    """`atomic_write` of `report` as JSON (indented by `indent`; None: one line)."""
    write_text(path, json.dumps(report, indent=indent, default=json_default) + "\n")


def time_once(call: Callable[[], Any], loops: int = 1) -> float:
    """Seconds one call takes, with the garbage collector paused: the mean of
    `loops` back-to-back calls timed as one sample (as `timeit` does)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(loops):
            call()
        return (time.perf_counter() - start) / loops
    finally:
        if enabled:
            gc.enable()


def loops_for(call: Callable[[], Any], min_sample_s: float, max_loops: int = 10_000) -> int:
    """How many back-to-back calls make one timed sample last at least
    `min_sample_s` (1 for calls that long already; at most `max_loops`).

    A single call of well under a millisecond is at the mercy of timer
    resolution, thread wake-ups and interrupts; a loop of them is not."""
    if min_sample_s <= 0:
        return 1
    once = time_once(call)
    if once >= min_sample_s:
        return 1
    return min(max_loops, math.ceil(min_sample_s / max(once, 1e-9)))


def stream_sum(a):
    """One read of every byte of `a` by a compiled loop parallel over the numba threads.

    The benchmark's streaming limit: the array's memory is summed as 64-bit
    words with wrap-around (integer adds, so the loop vectorises and only
    memory bounds it; the result is a checksum, not the sum). ``numpy``'s
    ``a.sum()`` is no such limit on this machine: on 16M int32 indices it
    takes ~7.8 ms (it widens to int64 in buffered chunks) where reading them
    takes ~1 ms.
    """
    flat = np.ascontiguousarray(a).reshape(-1)
    words = flat.view(np.uint64) if flat.nbytes % 8 == 0 else flat.view(np.uint8)
    return _stream_sum(words)


class _Lazy:
    """Compile the stream kernel on first use (importing these helpers stays cheap)."""

    kernel = None

    def __call__(self, words):
        if _Lazy.kernel is None:
            import numba

            @numba.njit(parallel=True, cache=True, nogil=True)
            def kernel(w):
                total = np.uint64(0)
                for i in numba.prange(w.shape[0]):
                    total += np.uint64(w[i])
                return total

            _Lazy.kernel = kernel
        return _Lazy.kernel(words)


_stream_sum = _Lazy()


def results_folder(out, *, partial: bool, default) -> Path | None:
    """Where a suite writes its result files, or None for "write no file".

    A full run writes into `default` (the committed ``benchmarks/results``)
    unless ``--out`` names another folder. A quick or partial run (``--quick``,
    a subset of cases, capped sizes) never writes the committed results unless
    ``--out`` asks for a folder explicitly: it prints its tables and writes
    nothing. `out` is ``--out`` as given (None when absent).
    """
    if out is not None:
        return Path(out)
    if partial:
        return None
    return Path(default)
