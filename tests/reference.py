"""A by-the-letter, pure-Python reference of docs/semantics.md §1-§3 (and §6).

Deliberately naive and independent of graphmax: edge lists in, Python sets,
`heapq` Dijkstra, set-based plateaus. Every fast path is tested against it.
"""

from __future__ import annotations

import heapq
import math


def neighbour_sets(n, edges, *, weights=None, direction="both", hops=1, radius=None, drop=()):
    """``N(v)`` for every node as a list of sets, from raw directed ``edges``.

    Self-loops are ignored, parallel edges keep their smallest weight, nodes
    in `drop` are removed from the graph (``nan_policy="omit"``).
    """
    drop = set(drop)
    step = [dict() for _ in range(n)]  # step[v][u] = length of the edge taken from v to u
    for i, (a, b) in enumerate(edges):
        a, b = int(a), int(b)
        if a == b or a in drop or b in drop:
            continue
        w = 1.0 if weights is None else float(weights[i])
        pairs = {"out": [(a, b)], "in": [(b, a)], "both": [(a, b), (b, a)]}[direction]
        for s, t in pairs:
            step[s][t] = min(w, step[s].get(t, math.inf))
    out = []
    for v in range(n):
        if radius is None:
            seen = {v}
            frontier = {v}
            for _ in range(hops):
                frontier = {u for w in frontier for u in step[w]} - seen
                seen |= frontier
            out.append(seen - {v})
        else:
            dist = {v: 0.0}
            heap = [(0.0, v)]
            while heap:
                d, w = heapq.heappop(heap)
                if d > dist[w]:
                    continue
                for u, length in step[w].items():
                    nd = d + (1.0 if weights is None else length)
                    if nd <= radius and nd < dist.get(u, math.inf):
                        dist[u] = nd
                        heapq.heappush(heap, (nd, u))
            out.append(set(dist) - {v})
    return out


def maxima(nbrs, x, mode, min_neighbors=1):
    """The local-maximum indicator of docs/semantics.md §3 for neighbour sets `nbrs`."""
    n = len(nbrs)
    if mode == "strict":
        return [len(nbrs[v]) >= min_neighbors and all(x[v] > x[u] for u in nbrs[v]) for v in range(n)]
    if mode == "nonstrict":
        return [len(nbrs[v]) >= min_neighbors and all(x[v] >= x[u] for u in nbrs[v]) for v in range(n)]
    assert mode == "plateau"
    result = [False] * n
    done = set()
    for v in range(n):
        if v in done:
            continue
        plateau = {v}
        stack = [v]
        while stack:  # equal values, connected through the symmetrised relation
            w = stack.pop()
            for u in range(n):
                if u not in plateau and x[u] == x[w] and (u in nbrs[w] or w in nbrs[u]):
                    plateau.add(u)
                    stack.append(u)
        done |= plateau
        beats_all = all(x[u] < x[w] for w in plateau for u in nbrs[w] - plateau)
        outside = set().union(*(nbrs[w] - plateau for w in plateau))
        if beats_all and len(outside) >= min_neighbors:
            for w in plateau:
                result[w] = True
    return result


def local_maxima(n, edges, x, *, mode="plateau", weights=None, direction="both", hops=1, radius=None,
                 min_neighbors=1, minima=False):
    """Reference `local_maxima` for 1-D `x` (a list); NaN nodes are omitted."""
    nan = {v for v in range(n) if isinstance(x[v], float) and math.isnan(x[v])}
    nbrs = neighbour_sets(n, edges, weights=weights, direction=direction, hops=hops, radius=radius, drop=nan)
    key = [0 if v in nan else (-x[v] if minima else x[v]) for v in range(n)]
    flags = maxima(nbrs, key, mode, min_neighbors)
    return [f and v not in nan for v, f in enumerate(flags)]


def is_centered_max(adj, values, center, valid, scope="window", mode="strict"):
    """Reference of docs/semantics.md §6 for one window (lists)."""
    k = len(values)
    real = [i for i in range(k) if valid[i] and i != center]
    if scope == "window":
        others = real
    else:
        others = [i for i in real if adj[center][i] or adj[i][center]]
    if not others:
        return False
    if mode == "strict":
        return all(values[center] > values[i] for i in others)
    return all(values[center] >= values[i] for i in others)
