"""k-hop neighbourhoods: truncated BFS balls, the k-th graph power as a CSR, and maxima and
plateaus over k hops without building it (row summaries, walks, early-exit BFS)."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import jit as _jit, parallel_jit as _pjit  # locked where the threading layer is not threadsafe
from .core import _follows_links, _plateau_state, _probe, _wins_tie


@_pjit
def khop_csr(indptr, indices, k, n_chunks):
    """CSR of the k-th graph power without the diagonal: every node at 1..k hops.

    A BFS per source truncated at depth `k` (`bfs_ball`), run twice: count,
    then fill; parallel over `n_chunks` chunks of sources.
    """
    n = indptr.shape[0] - 1
    dummy = np.zeros(n, dtype=np.uint8)  # `bfs_ball` reads values only to exit early
    size = (n + n_chunks - 1) // n_chunks
    counts = np.zeros(n, dtype=np.int64)
    for c in nb.prange(n_chunks):
        seen = np.full(n, -1, dtype=indices.dtype)
        queue = np.empty(n, dtype=indices.dtype)
        for s in range(c * size, min(n, (c + 1) * size)):
            counts[s] = bfs_ball(indptr, indices, dummy, dummy, s, k, seen, queue, False, False)[0]
    out_indptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        out_indptr[v + 1] = out_indptr[v] + counts[v]
    out_indices = np.empty(out_indptr[n], dtype=indices.dtype)
    for c in nb.prange(n_chunks):
        seen = np.full(n, -1, dtype=indices.dtype)
        queue = np.empty(n, dtype=indices.dtype)
        for s in range(c * size, min(n, (c + 1) * size)):
            count = bfs_ball(indptr, indices, dummy, dummy, s, k, seen, queue, False, False)[0]
            row = out_indices[out_indptr[s] : out_indptr[s + 1]]
            row[:] = queue[1 : count + 1]
            row.sort()
    return out_indptr, out_indices


@_jit
def bfs_ball(indptr, indices, x, q, s, k, seen, queue, stop_on_equal, early_exit, whole_ball=True):
    """BFS from `s` to depth `k`; the ball (without `s`) ends up in ``queue[1:count+1]``.

    With `early_exit` it stops at the first node that beats `s` (``x[u] > x[s]``,
    or ``>=`` with `stop_on_equal`) and reports ``stopped=True``, comparing the
    `value_buckets` `q` first (exact values on a tie only: the 1 MB buckets
    stay in cache where the 8 MB values do not; ~10-25% faster on `hops=3`).
    Without `early_exit`, `x` and `q` are not read. `seen` holds visit stamps
    (the source id), so it never needs clearing.

    ``whole_ball=False`` (with `early_exit`, ``k >= 2``): the last level is
    only compared, not stamped or queued -- the caller needs the verdict, not
    the ball -- and the count returned covers depths ``1..k-1`` only.
    """
    xs = x[s]
    qs = q[s]
    # Below, `core._wins_tie` is written out (with ``stop_on_equal = not nonstrict``):
    # inlined here it changed the compiled BFS (docs/decisions.md, "Kernels package").
    seen[s] = s
    queue[0] = s
    head = 0
    tail = 1
    level_end = 1
    depth = 0
    while head < tail and depth < k:
        last = early_exit and not whole_ball and depth >= 1 and depth == k - 1
        while head < level_end:
            v = queue[head]
            head += 1
            for j in range(indptr[v], indptr[v + 1]):
                u = indices[j]
                if last:
                    if u != s:
                        qu = q[u]
                        if qu > qs or (qu == qs and (x[u] > xs or (stop_on_equal and x[u] == xs))):
                            return tail - 1, True
                    continue
                if seen[u] != s:
                    seen[u] = s
                    queue[tail] = u
                    tail += 1
                    if early_exit:
                        qu = q[u]
                        if qu > qs or (qu == qs and (x[u] > xs or (stop_on_equal and x[u] == xs))):
                            return tail - 1, True
        level_end = tail
        depth += 1
    return tail - 1, False


@_pjit
def khop_compare(indptr, indices, x, q, k, min_neighbors, nonstrict, n_chunks, candidates):
    """Strict/nonstrict maxima over the `k`-hop neighbourhood without building it.

    Only `candidates` (the caller passes the 3-hop maxima of
    `walk_compare`: a k-hop maximum beats its nearer neighbours too) run a
    BFS, truncated at depth `k`, that stops at the first node that beats the
    source. Nodes are split into `n_chunks`
    contiguous chunks, each with its own visit stamps and queue.
    """
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.bool_)
    size = (n + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        seen = np.full(n, -1, dtype=indices.dtype)
        queue = np.empty(n, dtype=indices.dtype)
        for s in range(c * size, min(n, (c + 1) * size)):
            if candidates[s]:
                # min_neighbors <= 1 needs no count beyond depth 1: skip stamping the last level.
                count, stopped = bfs_ball(indptr, indices, x, q, s, k, seen, queue, not nonstrict, True,
                                           min_neighbors > 1)
                out[s] = not stopped and count >= min_neighbors
    return out


ROW_SPAN = 1 << 24  # `row_summaries` reads rows in spans of at most this many entries


@_pjit
def row_summaries(indptr, indices, q, span):
    """Per node `r`: the largest value bucket among its neighbours (`top_q`),
    one neighbour holding it (`top`, -1 without neighbours) and whether two
    or more neighbours hold it (`shared`).

    One pass over every entry with two max-reductions and no branch: keys
    ``bucket << 24 | position`` and ``bucket << 24 | (2**24 - 1 - position)``
    find the last and the first position holding the top bucket, which
    differ iff it is shared (faster than tracking the arg-max with selects:
    docs/decisions.md, "Measurements behind the kernels"). Positions count within spans of `span` entries
    (at most `ROW_SPAN`), merged per row. With the summaries, whether a row
    holds a node beating `v` is one byte read in most cases (`_row_beats`):
    what makes the k-hop filters cheap.
    """
    n = indptr.shape[0] - 1
    low = np.uint32(ROW_SPAN - 1)
    top_q = np.zeros(n, dtype=np.uint8)
    top = np.full(n, -1, dtype=indices.dtype)
    shared = np.zeros(n, dtype=np.bool_)
    for r in nb.prange(n):
        start = indptr[r]
        stop = indptr[r + 1]
        m = -1
        for s in range(start, stop, span):
            last = np.uint32(0)
            first = np.uint32(0)
            for j in range(s, min(stop, s + span)):
                b = np.uint32(q[indices[j]]) << np.uint32(24)
                p = np.uint32(j - s)
                last = max(last, b | p)
                first = max(first, b | (low - p))
            b = np.int64(last >> np.uint32(24))
            p_last = last & low
            if b > m:
                m = b
                top[r] = indices[s + p_last]
                shared[r] = p_last != low - (first & low)
            elif b == m:
                shared[r] = True
        if m >= 0:
            top_q[r] = m
    return top_q, top, shared


@nb.njit(cache=True, nogil=True, inline="always")
def _row_beats(indptr, indices, x, q, top_q, top, shared, r, v, qv, xv, nonstrict):
    """Whether a neighbour of `r` other than `v` beats `v` (value `xv`, bucket
    `qv`), from `r`'s `row_summaries`: the row is read only when two of its
    entries share the top bucket and that bucket is `v`'s."""
    m = top_q[r]
    if m < qv:
        return False
    if m > qv:
        return True  # that neighbour is not v: v's own bucket is qv
    if not shared[r]:
        w = top[r]
        return w >= 0 and w != v and _wins_tie(x[w], xv, nonstrict)
    for j in range(indptr[r], indptr[r + 1]):
        w = indices[j]
        if w != v and q[w] == qv and _wins_tie(x[w], xv, nonstrict):
            return True
    return False


@_pjit
def walk_compare(indptr, indices, x, q, top_q, top, shared, candidates, length, nonstrict):
    """Strict/nonstrict maxima over the ``(length + 1)``-hop neighbourhood, for
    `candidates` only (the ``length``-hop maxima, or every node for
    ``length=0``).

    Walks every path ``v -> ... -> r`` of `length` steps from each candidate
    `v` (``length`` 0, 1 or 2; an end ``r == v`` is skipped) and asks the
    summary of `r`'s row whether a neighbour of `r` beats `v`
    (`_row_beats`). The rows of the path ends cover the ball one hop further
    out, and no visit stamps are needed: meeting a node twice cannot change
    a maximum. The caller applies ``min_neighbors``.

    Before each row's ends are walked one by one, `_probe` takes the top
    buckets of its first four ends branch-free: one above ``q[v]`` is a node
    that beats `v` (it cannot be `v`, and `v` itself, a candidate, has no
    higher neighbour, so ``top_q[v] <= q[v]``). On the 1M-node, degree-16
    random graph this decides most 2-hop walks at one well-predicted branch
    (docs/decisions.md, "Measurements behind the kernels").
    """
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.bool_)
    for v in nb.prange(n):
        if not candidates[v]:
            continue
        qv = q[v]
        xv = x[v]
        if length == 0:
            out[v] = not _row_beats(indptr, indices, x, q, top_q, top, shared, v, v, qv, xv, nonstrict)
            continue
        start = indptr[v]
        stop = indptr[v + 1]
        if _probe(indices, top_q, start, stop) > qv:
            continue  # the row of one of v's first four neighbours holds a higher bucket
        ok = True
        for j in range(start, stop):
            if not ok:
                break
            u = indices[j]
            if length == 1:
                ok = not _row_beats(indptr, indices, x, q, top_q, top, shared, u, v, qv, xv, nonstrict)
                continue
            if _probe(indices, top_q, indptr[u], indptr[u + 1]) > qv:
                ok = False
                break
            for i in range(indptr[u], indptr[u + 1]):
                w = indices[i]
                if w != v and _row_beats(indptr, indices, x, q, top_q, top, shared, w, v, qv, xv, nonstrict):
                    ok = False
                    break
        out[v] = ok
    return out


@_pjit
def khop_plateau_scan(indptr, indices, x, q, k, early_exit, n_chunks):
    """`_plateau_scan` over the `k`-hop balls, by BFS (the power graph is never built).

    Also counts, for the nodes whose plateau links must be followed, the equal-valued
    nodes in their ball (see `khop_equal_pairs`).
    """
    n = indptr.shape[0] - 1
    state = np.zeros(n, dtype=np.uint8)
    outside = np.zeros(n, dtype=np.bool_)
    n_equal = np.zeros(n, dtype=np.int64)
    size = (n + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        seen = np.full(n, -1, dtype=indices.dtype)
        queue = np.empty(n, dtype=indices.dtype)
        for s in range(c * size, min(n, (c + 1) * size)):
            count, stopped = bfs_ball(indptr, indices, x, q, s, k, seen, queue, False, early_exit)
            if stopped:
                outside[s] = True
                continue
            xs = x[s]
            higher = False
            equal = 0
            other = False
            for i in range(1, count + 1):
                xu = x[queue[i]]
                if xu > xs:
                    higher = True
                elif xu == xs:
                    equal += 1
                else:
                    other = True
            outside[s] = other or higher
            state[s] = _plateau_state(higher, equal > 0)
            if _follows_links(state[s], early_exit):
                n_equal[s] = equal
    return state, outside, n_equal


@_pjit
def khop_equal_pairs(indptr, indices, x, k, offsets, n_chunks):
    """The equal-valued nodes of each counted ball, at ``offsets[v]:offsets[v+1]``."""
    n = indptr.shape[0] - 1
    out = np.empty(offsets[n], dtype=np.int64)
    size = (n + n_chunks - 1) // n_chunks
    for c in nb.prange(n_chunks):
        seen = np.full(n, -1, dtype=indices.dtype)
        queue = np.empty(n, dtype=indices.dtype)
        for s in range(c * size, min(n, (c + 1) * size)):
            if offsets[s + 1] == offsets[s]:
                continue
            count, _ = bfs_ball(indptr, indices, x, x, s, k, seen, queue, False, False)
            pos = offsets[s]
            for i in range(1, count + 1):
                u = queue[i]
                if x[u] == x[s]:
                    out[pos] = u
                    pos += 1
    return out
