"""Peak spacing: greedy suppression of candidates by hop or geodesic distance (graphs)
and by Minkowski distance between pixel coordinates (images)."""

from __future__ import annotations

import numpy as np

from .._threading import jit as _jit  # locked where the threading layer is not threadsafe
from .khop import bfs_ball
from .radius import dijkstra_ball


@_jit
def suppress_hops(indptr, indices, candidates, d):
    """Greedy non-maximum suppression by hop distance.

    `candidates` are in output order. A candidate is kept unless an already
    kept one lies within `d` hops of it along the relation (indptr, indices),
    read from the kept peak outwards; each kept peak runs one BFS truncated
    at depth `d`. Returns a bool mask aligned with `candidates`.
    """
    n = indptr.shape[0] - 1
    m = candidates.shape[0]
    keep = np.zeros(m, dtype=np.bool_)
    covered = np.zeros(n, dtype=np.bool_)
    seen = np.full(n, -1, dtype=indices.dtype)
    queue = np.empty(n, dtype=indices.dtype)
    dummy = np.zeros(n, dtype=np.uint8)  # `bfs_ball` reads values only to exit early
    for t in range(m):
        s = candidates[t]
        if covered[s]:
            continue
        keep[t] = True
        count = bfs_ball(indptr, indices, dummy, dummy, s, d, seen, queue, False, False)[0]
        for i in range(1, count + 1):
            covered[queue[i]] = True
    return keep


@_jit
def suppress_radius(indptr, indices, weights, candidates, r):
    """`suppress_hops` with weighted shortest-path distance ``<= r`` (Dijkstra, truncated at `r`)."""
    n = indptr.shape[0] - 1
    m = candidates.shape[0]
    keep = np.zeros(m, dtype=np.bool_)
    covered = np.zeros(n, dtype=np.bool_)
    dist = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    touched = np.empty(n, dtype=np.int64)
    hd = np.empty(indices.shape[0] + 1, dtype=np.float64)
    hn = np.empty(indices.shape[0] + 1, dtype=np.int64)
    for t in range(m):
        s = candidates[t]
        if covered[s]:
            continue
        keep[t] = True
        count = dijkstra_ball(indptr, indices, weights, s, r, dist, done, touched, hd, hn)
        for i in range(count):
            covered[touched[i]] = True
    return keep


@_jit
def unravel(flat, shape):
    """``np.transpose(np.unravel_index(flat, shape))`` as int64 (N, ndim).

    Integer division by a run-time divisor costs ~40 cycles; a multiplication
    by its float reciprocal, corrected by one step, is exact for indices
    below 2**52 and ~7x faster.
    """
    m = flat.shape[0]
    ndim = shape.shape[0]
    out = np.empty((m, ndim), dtype=np.int64)
    for j in range(ndim - 1, 0, -1):
        size = shape[j]
        inv = 1.0 / size
        for t in range(m):
            rest = flat[t] if j == ndim - 1 else out[t, 0]
            q = np.int64(rest * inv)
            r = rest - q * size
            if r < 0:
                q -= 1
                r += size
            elif r >= size:
                q += 1
                r -= size
            out[t, j] = r
            out[t, 0] = q
    if ndim == 1:
        for t in range(m):
            out[t, 0] = flat[t]
    return out


@_jit
def spacing_greedy(coords, spacing, p, max_out):
    """Greedy minimum spacing of sorted points, as scikit-image's ``ensure_spacing``.

    Walk the points (int64 (N, ndim), in output order); keep one unless a
    kept point lies at Minkowski `p`-distance ``< spacing`` (p = inf:
    Chebyshev). Stop after `max_out` kept (-1: no limit). Kept points are
    bucketed in a grid of cells of side `spacing`, so each point looks at the
    3^ndim cells around its own: O(N 3^ndim) for any spacing.

    Returns a bool mask aligned with `coords`.
    """
    m = coords.shape[0]
    ndim = coords.shape[1]
    keep = np.zeros(m, dtype=np.bool_)
    if m == 0:
        return keep
    cell_lo = np.empty(ndim, dtype=np.int64)
    cells = np.empty(ndim, dtype=np.int64)
    for j in range(ndim):
        lo = coords[0, j]
        hi = coords[0, j]
        for t in range(m):
            lo = min(lo, coords[t, j])
            hi = max(hi, coords[t, j])
        cell_lo[j] = lo
        cells[j] = (hi - lo) // spacing + 1
    n_cells = 1
    for j in range(ndim):
        n_cells *= cells[j]
    head = np.full(n_cells, -1, dtype=np.int64)
    nxt = np.full(m, -1, dtype=np.int64)
    own = np.empty(ndim, dtype=np.int64)
    step = np.empty(ndim, dtype=np.int64)
    n_steps = 3**ndim
    inf_norm = p == np.inf
    n_kept = 0
    for t in range(m):
        for j in range(ndim):
            own[j] = (coords[t, j] - cell_lo[j]) // spacing
        close = False
        for s in range(n_steps):
            rest = s
            ok = True
            cell = 0
            for j in range(ndim):
                step[j] = rest % 3 - 1
                rest //= 3
                c = own[j] + step[j]
                if c < 0 or c >= cells[j]:
                    ok = False
                    break
                cell = cell * cells[j] + c
            if not ok:
                continue
            q = head[cell]
            while q >= 0:
                if inf_norm:
                    dist = 0.0
                    for j in range(ndim):
                        dist = max(dist, float(abs(coords[t, j] - coords[q, j])))
                elif p == 1.0:
                    dist = 0.0
                    for j in range(ndim):
                        dist += float(abs(coords[t, j] - coords[q, j]))
                elif p == 2.0:
                    acc = 0.0
                    for j in range(ndim):
                        dj = float(coords[t, j] - coords[q, j])
                        acc += dj * dj
                    dist = np.sqrt(acc)
                else:
                    acc = 0.0
                    for j in range(ndim):
                        acc += float(abs(coords[t, j] - coords[q, j])) ** p
                    dist = acc ** (1.0 / p)
                if dist < spacing:
                    close = True
                    break
                q = nxt[q]
            if close:
                break
        if close:
            continue
        keep[t] = True
        cell = 0
        for j in range(ndim):
            cell = cell * cells[j] + own[j]
        nxt[t] = head[cell]
        head[cell] = t
        n_kept += 1
        if max_out >= 0 and n_kept >= max_out:
            break
    return keep
