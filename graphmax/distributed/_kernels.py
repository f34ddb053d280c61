"""Kernels of the Dask path: one edge partition in, one mergeable partial out.

Every kernel reads one partition's edges as dense node positions ``src``,
``dst`` (-1: an endpoint the values table lacks, skipped) and walks the
*relation pairs* ``(v, u)`` -- ``u`` in ``N(v)`` -- of each edge (`_pair`;
the list-making steps take them from `relation_pairs` and are plain numpy):
``direction`` 0 ("both") gives ``(s, t)`` and ``(t, s)``, 1 ("out") ``(s, t)``,
2 ("in") ``(t, s)``. Self-loops are skipped; so is an edge whose ends lie in
different groups, or in group 0, when ``use_group`` (NaN nodes under
``nan_policy="omit"`` are group 0; so is the background label of
`find_peaks`, whose labels are the groups). Duplicate edges change nothing.

The kernels are serial (``parallel=False``) and release the GIL: Dask runs
one per partition on each worker thread, so the parallelism is Dask's.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._kernels import _find, _union

# graphmax's own decorator: kernels safe under every threading layer (graphmax._threading).
from .._threading import jit as _jit

# Per-node flags of `relation_flags`: some neighbour is higher, equal, lower.
HIGHER = np.uint8(1)
EQUAL = np.uint8(2)
LOWER = np.uint8(4)


@nb.njit(cache=True, nogil=True, inline="always")
def _pair(src, dst, e, side, group, use_group, direction):
    """``(ok, v, u)``: the relation pair of edge `e` on `side` (0: ``s -> t`` read from
    ``s``; 1: read from ``t``), if the direction, the ids and the groups allow it."""
    s = src[e]
    t = dst[e]
    v = s if side == 0 else t
    u = t if side == 0 else s
    ok = s >= 0 and t >= 0 and s != t and not ((side == 0 and direction == 2) or (side == 1 and direction == 1))
    if ok and use_group:
        ok = group[s] == group[t] and group[s] != 0
    return ok, v, u


@_jit
def relation_flags(src, dst, x, group, use_group, direction, flags):
    """OR into ``flags[v]`` how each neighbour ``u`` of ``v`` compares with it."""
    for e in range(src.shape[0]):
        for side in range(2):
            ok, v, u = _pair(src, dst, e, side, group, use_group, direction)
            if not ok:
                continue
            if x[u] > x[v]:
                flags[v] |= HIGHER
            elif x[u] == x[v]:
                flags[v] |= EQUAL
            else:
                flags[v] |= LOWER


def kept_edges(src, dst, group, use_group):
    """Mask of the edges the kernels read (known ids, no self-loop, inside one group)."""
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    if use_group:
        keep &= (group[src] == group[dst]) & (group[src] != 0)
    return keep


def relation_pairs(src, dst, group, use_group, direction):
    """The relation pairs ``(v, u)`` (``u`` in ``N(v)``) of the edges, as two arrays."""
    keep = kept_edges(src, dst, group, use_group)
    s, t = src[keep], dst[keep]
    if direction == 1:
        return s, t
    if direction == 2:
        return t, s
    return np.concatenate([s, t]), np.concatenate([t, s])


def _stack(a, b):
    return np.stack([a, b], axis=1).astype(np.int64, copy=False)


@_jit
def equal_edges(src, dst, x, group, use_group, lost, bit):
    """The edges joining two nodes of equal value, as ``(k, 2)`` pairs, except those
    whose ends have both lost (``lost[v] & bit``: each end already makes its plateau
    lose). Two sweeps (count, then fill): no temporary the size of the batch."""
    count = 0
    for e in range(src.shape[0]):
        ok, s, t = _pair(src, dst, e, 0, group, use_group, 0)
        if ok and x[s] == x[t] and not ((lost[s] & bit) and (lost[t] & bit)):
            count += 1
    out = np.empty((count, 2), dtype=np.int64)
    count = 0
    for e in range(src.shape[0]):
        ok, s, t = _pair(src, dst, e, 0, group, use_group, 0)
        if ok and x[s] == x[t] and not ((lost[s] & bit) and (lost[t] & bit)):
            out[count, 0] = s
            out[count, 1] = t
            count += 1
    return out


def star_links(v, m, x, top_vals, top_ids, beaten):
    """Two-hop plateau links through a middle node ``m``: every pair ``(v, m)``
    with ``x[v]`` equal to the top value of ``N(m)`` links ``v`` to the lowest
    node holding that value in ``N(m)``. Pairs whose ends are both `beaten` are left out."""
    rep = top_ids[m, 0]
    keep = (rep >= 0) & (rep != v) & (top_vals[m, 0] == x[v])
    keep &= ~(beaten[v] & beaten[np.maximum(rep, 0)])
    return _stack(v[keep], rep[keep])


def outside_pairs(v, u, x, key):
    """``(key[v], u)`` for every pair ``(v, u)`` with ``key[v] >= 0`` and ``x[u] != x[v]``:
    the neighbours outside a candidate plateau (`key`: its root)."""
    keep = (key[v] >= 0) & (x[u] != x[v])
    return _stack(key[v[keep]], u[keep])


def keyed_neighbours(v, u, key):
    """``(u, key[v])`` for every pair ``(v, u)`` with ``key[v] >= 0``: the middle nodes of
    the two-hop paths out of candidate plateaus."""
    keep = key[v] >= 0
    return _stack(u[keep], key[v[keep]])


def second_hop_pairs(m, u, x, indptr, keys):
    """``(key, u)`` for every pair ``(m, u)`` and every candidate plateau `key` listed at
    ``m`` (``keys[indptr[m]:indptr[m + 1]]``) whose value differs from ``x[u]``."""
    count = indptr[m + 1] - indptr[m]
    pair = np.repeat(np.arange(m.shape[0]), count)
    offset = np.arange(pair.shape[0]) - np.repeat(np.cumsum(count) - count, count)
    key = keys[indptr[m[pair]] + offset]
    keep = x[u[pair]] != x[key]
    return _stack(key[keep], u[pair][keep])


@_jit
def union_all(parent, pairs):
    """Union-find over `pairs` into `parent` (the smaller root wins: `graphmax._kernels._union`)."""
    for k in range(pairs.shape[0]):
        _union(parent, pairs[k, 0], pairs[k, 1])


@_jit
def compact_roots(parent):
    """Root of every entry of `parent` (after `union_all`)."""
    root = np.empty(parent.shape[0], dtype=np.int64)
    for v in range(parent.shape[0]):
        root[v] = _find(parent, v)
    return root


@_jit
def _insert(vals, ids, v, val, node):
    """Insert ``(val, node)`` into row `v` of a top-K table ordered by value
    descending then node ascending (empty slots: node -1), keeping nodes distinct."""
    k = vals.shape[1]
    for j in range(k):
        if ids[v, j] == node:
            return
    pos = k
    for j in range(k):
        if ids[v, j] < 0 or val > vals[v, j] or (val == vals[v, j] and node < ids[v, j]):
            pos = j
            break
    if pos == k:
        return
    for j in range(k - 1, pos, -1):
        vals[v, j] = vals[v, j - 1]
        ids[v, j] = ids[v, j - 1]
    vals[v, pos] = val
    ids[v, pos] = node


@_jit
def topk_pass(src, dst, x, group, use_group, direction, prev_vals, prev_ids, use_prev, out_vals, out_ids):
    """One hop of the ball: for every pair ``(v, u)`` put ``u`` and (`use_prev`)
    the top-K of ``u``'s previous ball into ``v``'s top-K."""
    k = out_vals.shape[1]
    for e in range(src.shape[0]):
        for side in range(2):
            ok, v, u = _pair(src, dst, e, side, group, use_group, direction)
            if not ok:
                continue
            _insert(out_vals, out_ids, v, x[u], u)
            if use_prev:
                for j in range(k):
                    w = prev_ids[u, j]
                    if w < 0:
                        break
                    _insert(out_vals, out_ids, v, prev_vals[u, j], w)


@_jit
def topk_merge(a_vals, a_ids, b_vals, b_ids):
    """Merge top-K table `b` into `a`, row by row."""
    for v in range(a_vals.shape[0]):
        for j in range(b_vals.shape[1]):
            w = b_ids[v, j]
            if w < 0:
                break
            _insert(a_vals, a_ids, v, b_vals[v, j], w)


@_jit
def propagate_max(src, dst, group, use_group, direction, cur, out):
    """One hop of a max over balls: ``out[v] = max(out[v], cur[u])`` for every
    pair ``(v, u)``, column by column."""
    for e in range(src.shape[0]):
        for side in range(2):
            ok, v, u = _pair(src, dst, e, side, group, use_group, direction)
            if not ok:
                continue
            for c in range(cur.shape[1]):
                if cur[u, c] > out[v, c]:
                    out[v, c] = cur[u, c]
