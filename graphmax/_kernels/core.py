"""What several kernel families share: the one "does u beat v" comparison, union-find,
the row probes of the scans, the per-node plateau states, and the parallel tasks of the image kernels."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import (
    jit as _jit,  # locked where the threading layer is not threadsafe
)

from .._modes import NONSTRICT, PLATEAU, STRICT  # noqa: F401  (the mode codes, for the kernels)


@nb.njit(cache=True, nogil=True, inline="always")
def _wins_tie(xu, xv, nonstrict):
    """Whether value `xu` beats value `xv` when their value buckets are equal: it is
    higher, or equal under a strict comparison (not `nonstrict`). NaN beats nothing.

    The one "does u beat v" comparison of the graph scans is ``q[u] > q[v] or (q[u] ==
    q[v] and _wins_tie(x[u], x[v], nonstrict))``: value buckets first
    (`buckets.value_buckets`, 1 byte a node, which stays in cache), the exact values only
    on a bucket tie. The bucket test stays at each call site, inside the caller's own
    condition, and this helper is inlined (``inline="always"``): written so, each kernel
    compiles to the machine code it had when it spelled the comparison out (checked on
    the assembly of each, docs/decisions.md). The 1-hop row scan (`scan._scan_row`) and
    the BFS (`khop.bfs_ball`) still spell it out: there, even inlined, it did not.
    """
    return xu > xv or (xu == xv and not nonstrict)


@_jit
def _find(parent, v):
    # Path halving.
    while parent[v] != v:
        parent[v] = parent[parent[v]]
        v = parent[v]
    return v


@_jit
def _union(parent, u, v):
    ru = _find(parent, u)
    rv = _find(parent, v)
    if ru != rv:
        if ru < rv:
            parent[rv] = ru
        else:
            parent[ru] = rv


@_jit
def _union_by_size(uf, size, a, b):
    """Join the union-find roots `a` and `b` (the smaller tree under the larger); the new root."""
    if size[b] > size[a]:
        uf[a] = b
        size[b] += size[a]
        return b
    uf[b] = a
    size[a] += size[b]
    return a


_PROBE = 4  # neighbours a row scan looks at before its first branch (`_probe`)


@nb.njit(cache=True, nogil=True, inline="always")
def _probe(indices, q, start, stop):
    """The largest value bucket among the row's first `_PROBE` neighbours, or -1
    when the row is shorter.

    Four independent loads and no branch between them: their cache misses
    overlap, and on random data (four neighbours beat a node four times in
    five) most scans end at one well-predicted branch instead of a loop exit
    mispredicted on every node (timed: docs/decisions.md, "Measurements behind
    the kernels").
    """
    if stop - start < _PROBE:
        return -1
    m = q[indices[start]]
    for t in range(1, _PROBE):
        m = max(m, q[indices[start + t]])
    return np.int64(m)


@nb.njit(cache=True, nogil=True, inline="always")
def _probe_short(indices, q, start, stop, n):
    """The largest value bucket of a row of 1 to ``_PROBE - 1`` entries, all
    loaded branch-free (the last entry is read again in place of missing
    ones); -1 when ``n >= 0`` bounds-checks the indices and one lies outside
    ``0..n-1``.

    Without it such rows were scanned one by one, which was slower on a random
    graph of mean degree 4, where 43% of rows are shorter than the probe
    (docs/decisions.md, "Measurements behind the kernels").
    """
    last = stop - 1
    if n >= 0:
        inside = True
        for t in range(_PROBE - 1):
            u = indices[min(start + t, last)]
            inside &= (u >= 0) & (u < n)
        if not inside:
            return -1
    m = q[indices[start]]
    for t in range(1, _PROBE - 1):
        m = max(m, q[indices[min(start + t, last)]])
    return np.int64(m)


@nb.njit(cache=True, nogil=True, inline="always")
def _probe_checked(indices, q, start, stop, n):
    """`_probe` on untrusted indices: -1 (look at the row one by one, where the
    bad index is reported) unless all probed indices lie in ``0..n-1``."""
    if stop - start < _PROBE:
        return -1
    inside = True
    for t in range(_PROBE):
        u = indices[start + t]
        inside &= (u >= 0) & (u < n)
    return _probe(indices, q, start, stop) if inside else -1


@nb.njit(cache=True, nogil=True, inline="always")
def _probe_row(indices, q, start, stop, n):
    """`_probe` of any row: a row shorter than `_PROBE` but not empty gets the
    bucket of all its entries (`_probe_short`), so the probe may then decide
    the row alone (`_probed_whole`). With ``n >= 0`` the
    probed indices are bounds-checked: -1 (look at the row one by one, where
    the bad index is reported) unless all of them lie in ``0..n-1``.

    Long rows take exactly the old path first (`_probe` or `_probe_checked`):
    testing the row length before it cost the raw scan ~3%."""
    probed = _probe(indices, q, start, stop) if n < 0 else _probe_checked(indices, q, start, stop, n)
    if probed < 0 and 0 < stop - start < _PROBE:
        probed = _probe_short(indices, q, start, stop, n)
    return probed


@nb.njit(cache=True, nogil=True, inline="always")
def _probed_whole(start, stop, probed, qv):
    """After `_probe_row`: the probe saw every neighbour of the row (at most
    `_PROBE` of them) and none shares the node's bucket `qv`, so the buckets
    alone decide: the node is beaten iff ``probed > qv``. An empty row counts
    (nothing beats the node); a row whose probe met a bad index does not."""
    return stop - start <= _PROBE and probed != qv and (probed >= 0 or stop == start)


@nb.njit(cache=True, nogil=True, inline="always")
def _sparse(indptr, indices):
    """Rows hold at most `_PROBE` entries on average (grids, meshes, sparse
    graphs): the scans then ask `_probed_whole` before anything else, which
    is one well-predicted branch per node where testing ``probed > qv``
    first mispredicts on every winner (~1 in 5 nodes of a 4-neighbour grid;
    timed: docs/decisions.md, "Measurements behind the kernels"). On denser
    graphs the test comes after ``probed > qv``."""
    return indices.shape[0] <= _PROBE * (indptr.shape[0] - 1)


@_jit
def _plateau_state(higher, equal):
    # 0: a higher neighbour; 1: none higher, none equal; 2: none higher, an equal
    # one; 3: a higher one and an equal one (its plateau is not a maximum).
    if higher:
        return np.uint8(3) if equal else np.uint8(0)
    return np.uint8(2) if equal else np.uint8(1)


@_jit
def _follows_links(state, early_exit):
    """Whether union-find must follow this node's equal-valued links. On a symmetric
    relation (`early_exit`) only nodes with no higher neighbour need to: every
    plateau member without one scans all its links, so a plateau holding a
    higher-neighboured member always reaches it."""
    return state == 2 or (state == 3 and not early_exit)


# Pixels handled by one parallel task of the image kernels (whole rows per task).
_TASK_PIXELS = 16384


@nb.njit(cache=True, nogil=True, inline="always")
def _row_tasks(n_rows, length):
    """The parallel tasks of an image kernel over `n_rows` rows of `length` pixels: (rows
    per task, number of tasks), about `_TASK_PIXELS` pixels a task and at least one row.

    Inlined (``inline="always"``), as `_task_rows`. Against the drivers that spelled this
    out, the assembly of `grid.classify` and `footprint._footprint_candidates_parallel`
    kept its size; `footprint._box_candidates_parallel` got one parallel region fewer
    (numba fuses its last two loops), no slower (docs/decisions.md).
    """
    per_task = max(1, _TASK_PIXELS // length)
    return per_task, (n_rows + per_task - 1) // per_task


@nb.njit(cache=True, nogil=True, inline="always")
def _task_rows(task, per_task, n_rows):
    """The rows ``first..last-1`` of parallel task `task` (see `_row_tasks`)."""
    first = task * per_task
    return first, min(first + per_task, n_rows)
