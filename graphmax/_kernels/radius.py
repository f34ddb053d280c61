"""Geodesic balls: Dijkstra truncated at a radius (a binary heap), and the CSR of every
ball."""

from __future__ import annotations

import numpy as np

from .._threading import jit as _jit  # locked where the threading layer is not threadsafe


@_jit
def _heap_push(hd, hn, size, d, v):
    i = size
    hd[i] = d
    hn[i] = v
    while i > 0:
        p = (i - 1) // 2
        if hd[p] <= hd[i]:
            break
        hd[p], hd[i] = hd[i], hd[p]
        hn[p], hn[i] = hn[i], hn[p]
        i = p
    return size + 1


@_jit
def _heap_pop(hd, hn, size):
    d = hd[0]
    v = hn[0]
    size -= 1
    hd[0] = hd[size]
    hn[0] = hn[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hd[c + 1] < hd[c]:
            c += 1
        if hd[i] <= hd[c]:
            break
        hd[c], hd[i] = hd[i], hd[c]
        hn[c], hn[i] = hn[i], hn[c]
        i = c
    return d, v, size


@_jit
def dijkstra_ball(indptr, indices, weights, s, r, dist, done, touched, hd, hn):
    """Dijkstra from `s` stopped at distance `r`; the ball (`s` first) ends up in
    ``touched[:count]``. Every node given a distance ``<= r`` is settled, so the
    nodes touched are exactly the ball. `dist` (all inf) and `done` (all False)
    are restored for the next source; `hd`/`hn` are heap storage of E + 1."""
    dist[s] = 0.0
    touched[0] = s
    count = 1
    size = _heap_push(hd, hn, 0, 0.0, s)
    while size > 0:
        d, v, size = _heap_pop(hd, hn, size)
        if done[v] or d > dist[v]:
            continue
        done[v] = True
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            nd = d + weights[j]
            if nd <= r and nd < dist[u] and not done[u]:
                if dist[u] == np.inf:
                    touched[count] = u
                    count += 1
                dist[u] = nd
                size = _heap_push(hd, hn, size, nd, u)
    for i in range(count):
        dist[touched[i]] = np.inf
        done[touched[i]] = False
    return count


@_jit
def radius_csr(indptr, indices, weights, r):
    """CSR of every other node at weighted shortest-path distance ``<= r``.

    Dijkstra per source with a binary heap, stopped at distance `r`; two
    passes (count, fill). scipy's ``dijkstra(limit=r)`` returns a dense
    ``(sources, n)`` array, which is O(n^2) for all sources, hence this kernel.
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    dist = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    hd = np.empty(m + 1, dtype=np.float64)
    hn = np.empty(m + 1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    counts = np.zeros(n, dtype=np.int64)
    out_indptr = np.zeros(n + 1, dtype=np.int64)
    out_indices = np.empty(0, dtype=indices.dtype)
    for phase in range(2):
        if phase == 1:
            for v in range(n):
                out_indptr[v + 1] = out_indptr[v] + counts[v]
            out_indices = np.empty(out_indptr[n], dtype=indices.dtype)
        for s in range(n):
            count = dijkstra_ball(indptr, indices, weights, s, r, dist, done, touched, hd, hn)
            if phase == 0:
                counts[s] = count - 1
            else:
                row = out_indices[out_indptr[s] : out_indptr[s + 1]]
                row[:] = touched[1:count]
                row.sort()
    return out_indptr, out_indices
