"""Plateau mode on a CSR graph: per-node plateau states, equal-valued links, union-find over
them, and per-plateau verdicts."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import jit as _jit, parallel_jit as _pjit  # locked where the threading layer is not threadsafe
from .core import _find, _follows_links, _plateau_state, _probe_row, _probed_whole, _sparse, _union, _wins_tie


@_pjit
def _plateau_scan(indptr, indices, x, q, early_exit):
    """Per node: its `_plateau_state`, and whether it has a neighbour of another
    value (a neighbour outside its plateau); also the number of nodes whose
    equal-valued links union-find must follow (`_follows_links`). With
    `early_exit` (a symmetric relation) a node's scan stops at its first
    higher neighbour, looking at the first ones branch-free (`_probe`); `q`
    are the `value_buckets` of `x`."""
    n = indptr.shape[0] - 1
    state = np.zeros(n, dtype=np.uint8)
    outside = np.zeros(n, dtype=np.bool_)
    n_linked = 0
    sparse = _sparse(indptr, indices)
    for v in nb.prange(n):
        start = indptr[v]
        stop = indptr[v + 1]
        qv = q[v]
        if early_exit:
            probed = _probe_row(indices, q, start, stop, -1)
            if sparse and _probed_whole(start, stop, probed, qv):
                outside[v] = stop > start  # no neighbour shares the node's value
                state[v] = _plateau_state(probed > qv, False)
                continue
            if probed > qv:
                outside[v] = True
                continue
            if _probed_whole(start, stop, probed, qv):
                outside[v] = stop > start
                state[v] = _plateau_state(False, False)
                continue
        xv = x[v]
        higher = False
        equal = False
        other = False
        for j in range(start, stop):
            u = indices[j]
            qu = q[u]
            if qu > qv or (qu == qv and _wins_tie(x[u], xv, True)):  # higher
                higher = True
                if early_exit:
                    break
            elif qu == qv and x[u] == xv:
                equal = True
            else:
                other = True
        outside[v] = other or higher
        state[v] = _plateau_state(higher, equal)
        n_linked += _follows_links(state[v], early_exit)
    return state, outside, n_linked


@_jit
def plateau_maxima(indptr, indices, x, q, min_neighbors_is_one, symmetric):
    """Plateau-mode maxima (with ``min_neighbors`` 0 or 1) and each node's plateau
    root (None when every plateau is a single node).

    1. A parallel scan classifies nodes (`_plateau_scan`).
    2. Union-find joins equal-valued neighbours, following only the links of
       the nodes `_follows_links` names.
    3. A plateau is a maximum iff no member has a higher neighbour and (for
       ``min_neighbors=1``) some member has a neighbour outside it.

    When no node has links to follow (data without ties) steps 2 and 3 are
    one parallel pass over the flags, so this costs about one strict pass.
    """
    state, outside, n_linked = _plateau_scan(indptr, indices, x, q, symmetric)
    return _join_plateaus(indptr, indices, x, q, state, outside, min_neighbors_is_one, not symmetric, n_linked)


@_jit
def _join_plateaus(indptr, indices, x, q, state, outside, min_neighbors_is_one, from_losers, n_linked):
    """Steps 2 and 3 of `plateau_maxima` and `both_plateau`, from the per-node
    flags: the verdicts and each node's plateau root. With no links to follow
    (`n_linked` 0: data without ties) every plateau is one node, one parallel
    pass decides, and the root is None."""
    if n_linked == 0:
        return _single_node_plateaus(state, outside, min_neighbors_is_one), None
    offsets, pairs = equal_links(indptr, indices, x, q, state, from_losers)
    parent = khop_plateau_union(offsets, pairs, state.shape[0])
    return resolve_plateaus(parent, state, outside, min_neighbors_is_one)


@_pjit
def _single_node_plateaus(state, outside, min_neighbors_is_one):
    """`resolve_plateaus` when every plateau is one node: it is a maximum iff
    it has no higher or equal neighbour (and, for ``min_neighbors=1``, some
    neighbour)."""
    out = np.empty(state.shape[0], dtype=np.bool_)
    for v in nb.prange(state.shape[0]):
        out[v] = state[v] == 1 and (outside[v] or not min_neighbors_is_one)
    return out


@_pjit
def both_plateau(indptr, indices, x, q, min_neighbors_is_one, n_parts):
    """`plateau_maxima` over in- and out-neighbours from the out-edge CSR alone,
    for graphs not known to be symmetric (no symmetry check, no union view).

    Each edge ``v -> u`` is read once and tells both ends about each other:
    higher, equal or lower. The flags go to one array per part of the rows
    (`n_parts`, one per thread) and are merged after, so no cache line is
    written by two threads. Equal-valued pairs are joined by union-find (every
    undirected pair is some row's entry), then `resolve_plateaus` decides.
    ``min_neighbors`` must be 0 or 1. `q` are the `value_buckets` of `x`.
    """
    n = indptr.shape[0] - 1
    size = (n + n_parts - 1) // n_parts
    # bit 1: a higher neighbour, bit 2: an equal one, bit 4: a lower one.
    flags = np.zeros((n_parts, n), dtype=np.uint8)
    for p in nb.prange(n_parts):
        f = flags[p]
        for v in range(p * size, min(n, (p + 1) * size)):
            qv = q[v]
            xv = x[v]
            own = 0
            for j in range(indptr[v], indptr[v + 1]):
                u = indices[j]
                qu = q[u]
                if qu == qv:  # a bucket tie (rare): the exact values decide
                    xu = x[u]
                    if xu > xv:
                        own |= 1
                        f[u] |= np.uint8(4)
                    elif xu < xv:
                        own |= 4
                        f[u] |= np.uint8(1)
                    else:
                        own |= 2
                        f[u] |= np.uint8(2)
                else:
                    # Branch-free: higher or lower is a coin flip on random data,
                    # and the mispredictions cost more than the rest of the pass.
                    up = 1 if qu > qv else 0
                    own |= up | ((1 - up) << 2)
                    f[u] |= np.uint8((up << 2) | (1 - up))
            f[v] |= np.uint8(own)
    state = np.empty(n, dtype=np.uint8)
    outside = np.empty(n, dtype=np.bool_)
    n_tied = 0
    for v in nb.prange(n):
        bits = np.uint8(0)
        for p in range(n_parts):
            bits |= flags[p, v]
        state[v] = _plateau_state((bits & 1) != 0, (bits & 2) != 0)
        outside[v] = (bits & 5) != 0
        n_tied += (bits & 2) != 0
    return _join_plateaus(indptr, indices, x, q, state, outside, min_neighbors_is_one, True, n_tied)[0]


@nb.njit(cache=True, nogil=True, inline="always")
def _is_link(x, q, state, open_q, u, v, sv):
    """Whether `equal_links` keeps the entry ``v -> u`` (`sv`: `v`'s state)."""
    if sv == 2:
        return q[u] == q[v] and x[u] == x[v]
    return open_q[u] == q[v] and x[u] == x[v]


@_pjit
def equal_links(indptr, indices, x, q, state, from_losers):
    """The equal-valued links union-find must follow, as the pairs
    ``(v, pairs[offsets[v]:offsets[v+1]])``: every equal neighbour of a node
    of state 2 (no higher neighbour, an equal one) and, with `from_losers`
    (links stored in one row only: ``direction="both"`` from the out-edges,
    or a directed relation), every equal neighbour of a node of state 3 that
    has no higher neighbour itself (state 1 or 2; 1 is possible when the
    relation is directed and the link is only in this row).

    Links between two nodes with a higher neighbour are skipped: each end
    already makes its set lose, and a set of nodes without one still reaches
    every node of its plateau, so it loses exactly when its plateau does. Two parallel passes
    (count, fill) over the rows that can hold such links; the union that
    follows is serial but sees only these pairs (about half the time of a
    union that read every row with an equal link itself: docs/decisions.md,
    "Measurements behind the kernels").
    """
    n = indptr.shape[0] - 1
    # What a row of state 3 compares: one byte per node, its bucket when it has
    # no higher neighbour, else 255. A node of state 3 has a higher neighbour,
    # so it is not +inf and its own bucket is below 255: the byte alone decides
    # whether the neighbour may be linked, and one random read replaces two.
    open_q = np.empty(n, dtype=np.uint8)
    for u in nb.prange(n):
        open_q[u] = q[u] if state[u] == 1 or state[u] == 2 else 255
    offsets = np.zeros(n + 1, dtype=np.int64)
    for v in nb.prange(n):
        sv = state[v]
        if sv == 2 or (from_losers and sv == 3):
            c = 0
            for j in range(indptr[v], indptr[v + 1]):
                c += _is_link(x, q, state, open_q, indices[j], v, sv)
            offsets[v + 1] = c
    for v in range(n):
        offsets[v + 1] += offsets[v]
    pairs = np.empty(offsets[n], dtype=indices.dtype)
    for v in nb.prange(n):
        pos = offsets[v]
        if offsets[v + 1] == pos:
            continue
        sv = state[v]
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            if _is_link(x, q, state, open_q, u, v, sv):
                pairs[pos] = u
                pos += 1
    return offsets, pairs


@_jit
def khop_plateau_union(offsets, pairs, n):
    """Union-find over equal-valued pairs ``(v, pairs[offsets[v]:offsets[v+1]])``
    (from `khop_equal_pairs` or `equal_links`)."""
    parent = np.arange(n)
    for v in range(n):
        for i in range(offsets[v], offsets[v + 1]):
            _union(parent, pairs[i], v)
    return parent


@_jit
def resolve_plateaus(parent, state, outside, min_neighbors_is_one):
    """Step 3 of `plateau_maxima`: per-plateau verdicts from per-node flags."""
    n = parent.shape[0]
    root = np.empty(n, dtype=np.int64)
    bad = np.zeros(n, dtype=np.bool_)
    has_out = np.zeros(n, dtype=np.bool_)
    for v in range(n):
        r = _find(parent, v)
        root[v] = r
        if state[v] == 0 or state[v] == 3:
            bad[r] = True
        if outside[v]:
            has_out[r] = True
    out = np.empty(n, dtype=np.bool_)
    for v in range(n):
        r = root[v]
        out[v] = not bad[r] and (has_out[r] or not min_neighbors_is_one)
    return out, root
