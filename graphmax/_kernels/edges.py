"""1-hop maxima straight from an edge list (``src[e] -> dst[e]``), with no CSR built."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import parallel_jit as _pjit  # locked where the threading layer is not threadsafe
from .core import _union
from .plateaus import resolve_plateaus


@_pjit
def edge_compare(src, dst, x, q, min_neighbors, nonstrict, plateau, n_parts):
    """1-hop maxima over both directions straight from an edge list ``src[e] -> dst[e]``,
    one pass over the edges and no CSR: every edge marks its lower end beaten
    (both ends when equal, unless `nonstrict`), and its higher end as having a
    neighbour. For one call on an edge list this replaces building the CSR
    (a counting sort) by one pass.

    The edges are cut into `n_parts` parts (one per thread), each with flag
    arrays of its own, OR-ed at the end: every flag is then written without
    reading it first and no cache line is written by both threads (shared
    flags, written only when not yet set, were 2-3x slower: docs/decisions.md,
    "A PyG `edge_index` ... in the common call").

    ``n = len(x)`` (a bare ``edge_index`` has as many nodes as values, as PyG's
    ``scatter(..., dim_size=n)``); self-loops are skipped, duplicates change
    nothing. Returns ``(ok, mask)``; `ok` is False, and `mask` meaningless,
    when an id lies outside ``0..n-1`` (the caller's general path then
    reports it).
    ``min_neighbors`` must be 0 or 1.

    `plateau` (with `nonstrict`): when no edge of equal values touches a node
    nothing beats, every plateau that can win is one node and the nonstrict
    answer is the plateau answer (as in `both_compare`). Otherwise the edges
    of equal values with an unbeaten end are listed (two passes, per part)
    and joined by union-find; a plateau wins when none of its members is
    beaten and (``min_neighbors=1``) one of them has a lower neighbour
    (`resolve_plateaus`). Equal edges whose ends are both beaten cannot
    change a verdict: each end already makes its plateau lose.
    """
    n = x.shape[0]
    m = src.shape[0]
    size = (m + n_parts - 1) // n_parts
    beaten = np.zeros((n_parts, n), dtype=np.bool_)
    has = np.zeros((n_parts, n if min_neighbors > 0 else 0), dtype=np.bool_)
    bads = np.zeros(n_parts, dtype=np.int64)
    ties = np.zeros(n_parts, dtype=np.int64)
    for p in nb.prange(n_parts):
        lost = beaten[p]
        near = has[p]
        bad = 0
        tie = 0
        for e in range(p * size, min(m, (p + 1) * size)):
            s = src[e]
            d = dst[e]
            if not ((s >= 0) & (s < n) & (d >= 0) & (d < n)):
                bad += 1
                continue
            qs = q[s]
            qd = q[d]
            if qs != qd:
                lo = d if qs > qd else s
                hi = s if qs > qd else d
            else:
                if s == d:
                    continue
                xs = x[s]
                xd = x[d]
                if xs == xd:
                    if nonstrict:
                        tie += 1
                        if min_neighbors > 0 and not plateau:  # plateau: `near` is "a lower neighbour"
                            near[s] = True
                            near[d] = True
                    else:
                        lost[s] = True
                        lost[d] = True
                    continue
                lo = d if xs > xd else s
                hi = s if xs > xd else d
            lost[lo] = True
            if min_neighbors > 0:
                near[hi] = True
        bads[p] = bad  # counted in locals: the arrays of both parts share a cache line
        ties[p] = tie
    out = np.empty(n, dtype=np.bool_)
    if bads.sum():
        return False, out
    for v in nb.prange(n):
        for p in range(1, n_parts):
            beaten[0, v] |= beaten[p, v]
            if min_neighbors > 0:
                has[0, v] |= has[p, v]
    lost = beaten[0]
    if plateau and ties.sum():
        touching = np.zeros(n_parts + 1, dtype=np.int64)
        for p in nb.prange(n_parts):
            count = 0
            for e in range(p * size, min(m, (p + 1) * size)):
                count += _touching_tie(src, dst, x, lost, e)
            touching[p + 1] = count
        if touching.sum():
            return True, _edge_plateaus(src, dst, x, lost, has[0], min_neighbors, np.cumsum(touching), size)
    for v in nb.prange(n):
        out[v] = not lost[v] and (min_neighbors == 0 or has[0, v])
    return True, out


@nb.njit(cache=True, nogil=True, inline="always")
def _touching_tie(src, dst, x, lost, e):
    """Edge `e` joins two distinct nodes of equal value, one of them unbeaten."""
    s = src[e]
    d = dst[e]
    return s != d and x[s] == x[d] and not (lost[s] and lost[d])


@_pjit
def _edge_plateaus(src, dst, x, lost, lower, min_neighbors, offsets, size):
    """Plateau maxima from an edge list's flags (`edge_compare`): the equal edges
    with an unbeaten end, listed per part at `offsets`, joined by union-find."""
    n = x.shape[0]
    m = src.shape[0]
    n_parts = offsets.shape[0] - 1
    pairs = np.empty((offsets[n_parts], 2), dtype=np.int64)
    for p in nb.prange(n_parts):
        k = offsets[p]
        for e in range(p * size, min(m, (p + 1) * size)):
            if _touching_tie(src, dst, x, lost, e):
                pairs[k, 0] = src[e]
                pairs[k, 1] = dst[e]
                k += 1
    parent = np.arange(n)
    for k in range(pairs.shape[0]):
        _union(parent, pairs[k, 0], pairs[k, 1])
    state = np.empty(n, dtype=np.uint8)
    outside = np.empty(n, dtype=np.bool_)
    for v in nb.prange(n):
        state[v] = 0 if lost[v] else 1
        outside[v] = min_neighbors > 0 and lower[v]  # a winning plateau's outside neighbours are lower
    return resolve_plateaus(parent, state, outside, min_neighbors > 0)[0]
