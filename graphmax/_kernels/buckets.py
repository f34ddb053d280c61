"""Value buckets: the monotone 8-bit summary of the values every graph scan compares first,
and the NaN count."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import parallel_jit as _pjit  # locked where the threading layer is not threadsafe


def value_buckets(x):
    """A monotone 8-bit summary of `x`: ``q[u] < q[v]`` implies ``x[u] < x[v]``.

    Finite values are scaled linearly between their min and max into 1..254
    (every float step -- subtract, multiply, truncate -- is monotone
    non-decreasing, so the order is never inverted); -inf maps to 0 and +inf
    to 255. Kernels compare buckets first and read the exact values only on a
    bucket tie: the 1 MB bucket array of a 1M-node graph stays in L2 cache
    where the 8 MB value array does not (measured ~20% faster scans).

    The range comes from numpy's SIMD ``min``/``max`` (the compiled loops
    below are not vectorised by LLVM, and were ~3x slower); only when an extreme is infinite or NaN does the
    compiled `_finite_range` look for the finite one.
    """
    lo = hi = 0.0
    if x.shape[0]:
        lo = float(x.min())
        hi = float(x.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            lo, hi = _finite_range(x)
    return _bucketize(x, lo, hi)


@_pjit
def count_nan(x):
    """The number of NaN values in float `x` (faster than ``np.isnan(x).any()``,
    which also allocates: docs/decisions.md, "Measurements behind the kernels")."""
    count = 0
    for i in nb.prange(x.shape[0]):
        count += x[i] != x[i]
    return count


@_pjit
def _bucketize(x, lo, hi):
    """`value_buckets` of `x` whose finite values lie in ``lo..hi``."""
    n = x.shape[0]
    scale = 253.0 / (hi - lo) if hi > lo and hi - lo < np.inf else 0.0
    q = np.empty(n, dtype=np.uint8)
    for i in nb.prange(n):
        v = np.float64(x[i])
        if v == -np.inf:
            q[i] = 0
        elif v == np.inf:
            q[i] = 255
        else:
            q[i] = 1 + np.uint8(min(253.0, (v - lo) * scale))
    return q


_LANES = 8  # independent running minima/maxima per thread in `_finite_range`


@_pjit
def _finite_range(x):
    """Smallest and largest finite value of `x` (inf, -inf when there is none).

    Each thread keeps `_LANES` running minima and maxima with selects instead
    of branches: independent chains where one running pair is a serial one
    (docs/decisions.md, "Measurements behind the kernels"). LLVM does not vectorise either,
    which is why `value_buckets` asks numpy first and calls this only when
    an extreme is infinite or NaN.
    """
    n = x.shape[0]
    parts = max(1, min(64, n // 65536))  # contiguous parts, shared among the threads
    los = np.full((parts, _LANES), np.inf)
    his = np.full((parts, _LANES), -np.inf)
    for p in nb.prange(parts):
        start = p * n // parts
        stop = (p + 1) * n // parts
        lo = los[p]
        hi = his[p]
        i = start
        while i + _LANES <= stop:
            for k in range(_LANES):
                v = np.float64(x[i + k])
                finite = (v > -np.inf) & (v < np.inf)
                lo[k] = min(lo[k], v if finite else np.inf)
                hi[k] = max(hi[k], v if finite else -np.inf)
            i += _LANES
        for j in range(i, stop):
            v = np.float64(x[j])
            finite = (v > -np.inf) & (v < np.inf)
            lo[0] = min(lo[0], v if finite else np.inf)
            hi[0] = max(hi[0], v if finite else -np.inf)
    return los.min(), his.max()
