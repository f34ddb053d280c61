"""The small-graph kernel: every mode of the 1-hop, ``direction="both"`` maxima in one
serial call, for the route `graphmax._maxima` takes on small prepared graphs.

On a 34-node graph the answer costs less than the calls around it: the
general routes call two kernels for the value buckets and one or two for
the scan, each a dispatch from Python. Here one pass over the stored edges
compares both ends of each (so the graph's symmetry need not be known), and
plateau mode unions the equal-valued edges in the same pass. No buckets, no
early exit, no thread pool: O(n + E), which is what a small graph wants.
"""

from __future__ import annotations

import numpy as np

from .._threading import jit
from .core import NONSTRICT, PLATEAU, STRICT, _find, _union  # noqa: F401  (NONSTRICT: the third code)


@jit
def small_maxima(indptr, indices, x, mode, min_neighbors):
    """``(ok, mask)``: the maxima of `x` over each node's in- and out-neighbours.

    `mode` is STRICT, NONSTRICT or PLATEAU; `min_neighbors` 0 or 1. ``ok`` is
    False (and `mask` meaningless) when `x` holds a NaN: the caller's general
    route then applies its NaN policy.
    """
    n = x.shape[0]
    beaten = np.zeros(n, dtype=np.bool_)  # has a neighbour it does not beat
    linked = np.zeros(n, dtype=np.bool_)  # has a neighbour (plateau: outside its plateau)
    plateau = mode == PLATEAU
    parent = np.arange(n if plateau else 0)
    for v in range(n):
        xv = x[v]
        if np.isnan(xv):
            return False, beaten
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            xu = x[u]
            if xu > xv:
                beaten[v] = True
                linked[v] = True
                linked[u] = True
            elif xv > xu:
                beaten[u] = True
                linked[v] = True
                linked[u] = True
            elif plateau:
                _union(parent, u, v)
            else:
                linked[v] = True
                linked[u] = True
                if mode == STRICT:
                    beaten[v] = True
                    beaten[u] = True
    if plateau:  # a plateau wins when no member is beaten and one has a neighbour outside it
        for v in range(n):
            r = _find(parent, v)
            if r != v:
                beaten[r] |= beaten[v]
                linked[r] |= linked[v]
        for v in range(n):
            r = _find(parent, v)
            beaten[v] = beaten[r]
            linked[v] = linked[r]
    mask = np.empty(n, dtype=np.bool_)
    for v in range(n):
        mask[v] = not beaten[v] and (linked[v] or min_neighbors == 0)
    return True, mask
