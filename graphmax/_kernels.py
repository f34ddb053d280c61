"""Compiled kernels (numba). They take flat, already-normalised arrays and never validate.

Kernels are compiled for three value dtypes only (float64, int64, uint64: see
`_values.kernel_values`) and two index dtypes (int32, int64), and cached on
disk (``cache=True``) so the compile cost is paid once per machine.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._threading import jit as _jit, parallel_jit as _pjit  # locked where the threading layer is not threadsafe


def value_buckets(x):
    """A monotone 8-bit summary of `x`: ``q[u] < q[v]`` implies ``x[u] < x[v]``.

    Finite values are scaled linearly between their min and max into 1..254
    (every float step -- subtract, multiply, truncate -- is monotone
    non-decreasing, so the order is never inverted); -inf maps to 0 and +inf
    to 255. Kernels compare buckets first and read the exact values only on a
    bucket tie: the 1 MB bucket array of a 1M-node graph stays in L2 cache
    where the 8 MB value array does not (measured ~20% faster scans).

    The range comes from numpy's SIMD ``min``/``max`` (~0.13 ms on 1M
    values; the compiled loops below are not vectorised by LLVM: ~0.37 ms
    with two threads); only when an extreme is infinite or NaN does the
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
    """The number of NaN values in float `x` (~0.04 ms on 1M values with two
    threads, against ~0.1 ms for ``np.isnan(x).any()``, which also allocates)."""
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
    (~0.52 against ~0.35 ms on 1M values). LLVM does not vectorise either,
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


_PROBE = 4  # neighbours a row scan looks at before its first branch (`_probe`)


@nb.njit(cache=True, nogil=True, inline="always")
def _probe(indices, q, start, stop):
    """The largest value bucket among the row's first `_PROBE` neighbours, or -1
    when the row is shorter.

    Four independent loads and no branch between them: their cache misses
    overlap, and on random data (four neighbours beat a node four times in
    five) most scans end at one well-predicted branch instead of a loop exit
    mispredicted on every node. On the 16M-edge random graph this took the
    1-hop scan from ~8.5 to ~6.1 ms (`docs/decisions.md`).
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

    Without it such rows were scanned one by one: on a random graph of mean
    degree 4 (43% of rows shorter than the probe) the 1-hop scan took ~6.6
    instead of ~5.8 ms (`docs/decisions.md`).
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
    first mispredicts on every winner (~1 in 5 nodes of a 4-neighbour grid):
    strict scan of a 1000x1000 grid ~2.7 -> ~1.9 ms, of a random graph of
    mean degree 4 ~5.9 -> ~5.0 ms. On denser graphs the test comes after
    ``probed > qv`` (`docs/decisions.md`)."""
    return indices.shape[0] <= _PROBE * (indptr.shape[0] - 1)


@nb.njit(cache=True, nogil=True, inline="always")
def _scan_from(start, probed, qv):
    """Where a row scan goes on after `_probe_row` found no higher bucket: past
    the probed neighbours when all of them were lower (past the end of a row
    the probe saw whole: nothing left to scan), from `start` on a tie."""
    return start + _PROBE if 0 <= probed < qv else start


_BEATEN, _WINS, _TIED, _BAD_INDEX = 0, 1, 2, 3  # verdicts of `_scan_row`


@nb.njit(cache=True, nogil=True, inline="always")
def _scan_row(indices, x, q, first, stop, qv, xv, nonstrict, n):
    """Scan a row's entries ``first..stop-1`` for a neighbour that beats the
    node of value `xv` (bucket `qv`), stopping at the first one.

    Returns `_BEATEN`, `_WINS`, `_TIED` (wins, and has a neighbour of equal
    value: only when `nonstrict`) or, when ``n >= 0`` bounds-checks the
    indices, `_BAD_INDEX` for one outside ``0..n-1``.
    """
    equal = False
    for j in range(first, stop):
        u = indices[j]
        if n >= 0 and (u < 0 or u >= n):
            return _BAD_INDEX
        qu = q[u]
        if qu > qv:
            return _BEATEN
        if qu == qv:
            xu = x[u]
            if xu > xv or (xu == xv and not nonstrict):
                return _BEATEN
            equal |= xu == xv
    return _TIED if equal else _WINS


@_pjit
def neighbour_compare(indptr, indices, x, q, min_neighbors, nonstrict):
    """Strict (``x[v] > x[u]``) or nonstrict (``>=``) maximum flag of every
    node, and how many of those maxima have a neighbour of equal value (only
    possible when `nonstrict`).

    A node with fewer than `min_neighbors` neighbours is never a maximum.
    Looks at the first neighbours branch-free (`_probe`), then exits a node's
    scan at the first neighbour that beats it; `q` are the `value_buckets` of
    `x` (compared first, exact values only on a tie).
    """
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.bool_)
    n_tied = 0
    # One loop per row density, so that the constant `sparse` folds away in
    # each (a loop-invariant test left in measured ~1-2% on dense graphs).
    if _sparse(indptr, indices):
        for v in nb.prange(n):
            n_tied += _compare_node(indptr, indices, x, q, v, min_neighbors, nonstrict, out, True)
    else:
        for v in nb.prange(n):
            n_tied += _compare_node(indptr, indices, x, q, v, min_neighbors, nonstrict, out, False)
    return out, n_tied


@nb.njit(cache=True, nogil=True, inline="always")
def _compare_node(indptr, indices, x, q, v, min_neighbors, nonstrict, out, sparse):
    """`neighbour_compare` of node `v`: sets ``out[v]``, returns 1 for a maximum with an equal neighbour."""
    start = indptr[v]
    stop = indptr[v + 1]
    if stop - start < min_neighbors:
        return 0
    qv = q[v]
    probed = _probe_row(indices, q, start, stop, -1)
    if sparse and _probed_whole(start, stop, probed, qv):
        out[v] = probed < qv
        return 0
    if probed > qv:
        return 0
    verdict = _scan_row(indices, x, q, _scan_from(start, probed, qv), stop, qv, x[v], nonstrict, -1)
    out[v] = verdict != _BEATEN
    return 1 if verdict == _TIED else 0


@_jit
def _find(parent, v):
    # Path halving.
    while parent[v] != v:
        parent[v] = parent[parent[v]]
        v = parent[v]
    return v


@_pjit
def khop_csr(indptr, indices, k, n_chunks):
    """CSR of the k-th graph power without the diagonal: every node at 1..k hops.

    A BFS per source truncated at depth `k` (`_bfs_ball`), run twice: count,
    then fill; parallel over `n_chunks` chunks of sources.
    """
    n = indptr.shape[0] - 1
    dummy = np.zeros(n, dtype=np.uint8)  # `_bfs_ball` reads values only to exit early
    size = (n + n_chunks - 1) // n_chunks
    counts = np.zeros(n, dtype=np.int64)
    for c in nb.prange(n_chunks):
        seen = np.full(n, -1, dtype=indices.dtype)
        queue = np.empty(n, dtype=indices.dtype)
        for s in range(c * size, min(n, (c + 1) * size)):
            counts[s] = _bfs_ball(indptr, indices, dummy, dummy, s, k, seen, queue, False, False)[0]
    out_indptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        out_indptr[v + 1] = out_indptr[v] + counts[v]
    out_indices = np.empty(out_indptr[n], dtype=indices.dtype)
    for c in nb.prange(n_chunks):
        seen = np.full(n, -1, dtype=indices.dtype)
        queue = np.empty(n, dtype=indices.dtype)
        for s in range(c * size, min(n, (c + 1) * size)):
            count = _bfs_ball(indptr, indices, dummy, dummy, s, k, seen, queue, False, False)[0]
            row = out_indices[out_indptr[s] : out_indptr[s + 1]]
            row[:] = queue[1 : count + 1]
            row.sort()
    return out_indptr, out_indices


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
def _dijkstra_ball(indptr, indices, weights, s, r, dist, done, touched, hd, hn):
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
            count = _dijkstra_ball(indptr, indices, weights, s, r, dist, done, touched, hd, hn)
            if phase == 0:
                counts[s] = count - 1
            else:
                row = out_indices[out_indptr[s] : out_indptr[s + 1]]
                row[:] = touched[1:count]
                row.sort()
    return out_indptr, out_indices


_SHORT_ROW = 32  # rows up to this long are sorted by rank in `coo_to_csr`; longer ones by numpy's sort
_ROW_BLOCK = 4096  # rows per parallel task of `coo_to_csr`'s sort (one scratch buffer each)


@nb.njit(cache=True, nogil=True, inline="always")
def _sort_short_row(col, w, a, b, weighted, buf_c, buf_w):
    """Sort entries ``a..b-1`` (at most `_SHORT_ROW`) by (column, weight) in place.

    Each entry's place is its rank, counted branch-free against every other
    entry of the row (ties by position): O(d^2) compares, but no mispredicted
    branch per shift as in an insertion sort (16M shuffled edges: ~57 against
    ~110 ms)."""
    d = b - a
    for i in range(d):
        buf_c[i] = col[a + i]
        if weighted:
            buf_w[i] = w[a + i]
    for i in range(d):
        ci = buf_c[i]
        r = 0
        if weighted:
            wi = buf_w[i]
            for j in range(d):
                cj = buf_c[j]
                wj = buf_w[j]
                r += (cj < ci) | ((cj == ci) & ((wj < wi) | ((wj == wi) & (j < i))))
            w[a + r] = wi
        else:
            for j in range(d):
                cj = buf_c[j]
                r += (cj < ci) | ((cj == ci) & (j < i))
        col[a + r] = ci


@nb.njit(cache=True, nogil=True, inline="always")
def _sort_row(col, w, a, b, weighted, buf_c, buf_w):
    """Sort row ``a..b-1`` by column and merge equal columns, keeping the
    smallest weight; returns the row's new end. A row already strictly
    increasing (the common case for input sorted by row and column, e.g. a
    coalesced PyG ``edge_index``) is left as it is."""
    ordered = True
    for i in range(a + 1, b):
        ordered &= col[i - 1] < col[i]
    if ordered:
        return b
    if b - a <= _SHORT_ROW:
        _sort_short_row(col, w, a, b, weighted, buf_c, buf_w)
    elif weighted:
        order = np.argsort(col[a:b], kind="mergesort")
        w[a:b] = w[a:b][order]
        col[a:b] = col[a:b][order]
    else:
        col[a:b].sort()
    out = a
    for i in range(a, b):
        if out > a and col[out - 1] == col[i]:
            if weighted:
                w[out - 1] = min(w[out - 1], w[i])
        else:
            col[out] = col[i]
            if weighted:
                w[out] = w[i]
            out += 1
    return out


@_pjit
def coo_to_csr(n, src, dst, weights, weighted, index_dtype_sample, n_parts):
    """Canonical CSR from COO edges: rows by counting sort, columns sorted per row,
    self-loops dropped, parallel edges merged keeping the smallest weight.

    The edges are cut into `n_parts` parts (one per thread), each counted and
    scattered with its own row offsets; rows are then sorted and merged in
    parallel (`_sort_row`) and compacted. O(E + sum of per-row sort costs);
    replaces scipy's COO->CSR + sum_duplicates (~6 s for 16M edges here) and
    an earlier serial version of this kernel (16M edges, 1M nodes, 2 threads:
    ~330 -> ~65 ms sorted by row, ~550 -> ~170 ms shuffled).
    """
    m = src.shape[0]
    size = (m + n_parts - 1) // n_parts
    counts = np.zeros((n_parts, n), dtype=np.int64)
    for p in nb.prange(n_parts):
        c = counts[p]
        for e in range(p * size, min(m, (p + 1) * size)):
            s = src[e]
            if s != dst[e]:
                c[s] += 1
    start = np.empty(n + 1, dtype=np.int64)
    start[0] = 0
    for s in range(n):  # each part's offset in each row, rows in order
        t = start[s]
        for p in range(n_parts):
            k = counts[p, s]
            counts[p, s] = t
            t += k
        start[s + 1] = t
    total = start[n]
    col = np.empty(total, dtype=index_dtype_sample.dtype)
    w = np.empty(total if weighted else 0, dtype=np.float64)
    for p in nb.prange(n_parts):
        c = counts[p]
        for e in range(p * size, min(m, (p + 1) * size)):
            s = src[e]
            d = dst[e]
            if s != d:
                k = c[s]
                c[s] = k + 1
                col[k] = d
                if weighted:
                    w[k] = weights[e]
    length = np.empty(n, dtype=np.int64)
    for block in nb.prange((n + _ROW_BLOCK - 1) // _ROW_BLOCK):
        buf_c = np.empty(_SHORT_ROW, dtype=col.dtype)
        buf_w = np.empty(_SHORT_ROW if weighted else 0, dtype=np.float64)
        for s in range(block * _ROW_BLOCK, min(n, (block + 1) * _ROW_BLOCK)):
            length[s] = _sort_row(col, w, start[s], start[s + 1], weighted, buf_c, buf_w) - start[s]
    indptr = np.empty(n + 1, dtype=index_dtype_sample.dtype)
    indptr[0] = 0
    acc = 0
    for s in range(n):
        acc += length[s]
        indptr[s + 1] = acc
    if acc == total:
        return indptr, col, w
    out_c = np.empty(acc, dtype=col.dtype)
    out_w = np.empty(acc if weighted else 0, dtype=np.float64)
    for s in nb.prange(n):
        a = start[s]
        o = indptr[s]
        for i in range(length[s]):
            out_c[o + i] = col[a + i]
            if weighted:
                out_w[o + i] = w[a + i]
    return indptr, out_c, out_w


@_pjit
def is_symmetric(indptr, indices, weights, weighted, n_parts):
    """True when every edge ``v -> u`` has a reverse ``u -> v`` (of equal weight).

    Rows are sorted and without diagonal, so each row is a lower part
    (entries ``< v``) then an upper part. The graph is symmetric iff the upper
    edges, transposed, are exactly the lower parts. The transpose is built by
    counting sort, `n_parts` parts of the rows (one per thread; rows scanned
    in order, so each transposed row comes out sorted), and compared with the
    lower parts as they are. O(E + n * threads), ~84 ms on a 16M-edge graph where a
    binary search of every mirror (a cache miss each) took ~345 ms.
    """
    n = indptr.shape[0] - 1
    low = np.empty(n, dtype=np.int64)  # length of each row's lower part
    for v in nb.prange(n):
        lo = indptr[v]
        hi = indptr[v + 1]
        while lo < hi:
            mid = (lo + hi) // 2
            if indices[mid] < v:
                lo = mid + 1
            else:
                hi = mid
        low[v] = lo - indptr[v]
    size = (n + n_parts - 1) // n_parts
    # Upper edges landing in each row, per part; then each part's offset in the row.
    counts = np.zeros((n_parts, n), dtype=indices.dtype)
    for p in nb.prange(n_parts):
        c = counts[p]
        for v in range(p * size, min(n, (p + 1) * size)):
            for j in range(indptr[v] + low[v], indptr[v + 1]):
                c[indices[j]] += 1
    bad = 0
    for u in nb.prange(n):
        total = 0
        for p in range(n_parts):
            k = counts[p, u]
            counts[p, u] = total
            total += k
        bad += total != low[u]
    if bad:
        return False
    start = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        start[u + 1] = start[u] + low[u]
    mirror = np.empty(start[n], dtype=indices.dtype)
    mirror_w = np.empty(start[n] if weighted else 1, dtype=np.float64)  # never empty: see _scan_span
    for p in nb.prange(n_parts):
        c = counts[p]
        for v in range(p * size, min(n, (p + 1) * size)):
            for j in range(indptr[v] + low[v], indptr[v + 1]):
                u = indices[j]
                k = start[u] + c[u]
                c[u] += 1
                mirror[k] = v
                if weighted:
                    mirror_w[k] = weights[j]
    for u in nb.prange(n):
        row = indptr[u]
        at = start[u]
        for k in range(low[u]):
            if mirror[at + k] != indices[row + k] or (weighted and mirror_w[at + k] != weights[row + k]):
                bad += 1
                break
    return bad == 0


@_jit
def _bfs_ball(indptr, indices, x, q, s, k, seen, queue, stop_on_equal, early_exit, whole_ball=True):
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
                count, stopped = _bfs_ball(indptr, indices, x, q, s, k, seen, queue, not nonstrict, True,
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
    differ iff it is shared (~17 ms on 16M edges; tracking the arg-max with
    selects took ~24 ms). Positions count within spans of `span` entries
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
        return w >= 0 and w != v and (x[w] > xv or (x[w] == xv and not nonstrict))
    for j in range(indptr[r], indptr[r + 1]):
        w = indices[j]
        if w != v and q[w] == qv and (x[w] > xv or (x[w] == xv and not nonstrict)):
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
    (``length=1``: ~4.6 -> ~3.1 ms; ~7.8 -> ~6.6 ms on the geometric one).
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
            count, stopped = _bfs_ball(indptr, indices, x, q, s, k, seen, queue, False, early_exit)
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
            count, _ = _bfs_ball(indptr, indices, x, x, s, k, seen, queue, False, False)
            pos = offsets[s]
            for i in range(1, count + 1):
                u = queue[i]
                if x[u] == x[s]:
                    out[pos] = u
                    pos += 1
    return out


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
            if qu > qv or (qu == qv and x[u] > xv):
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
def _union(parent, u, v):
    ru = _find(parent, u)
    rv = _find(parent, v)
    if ru != rv:
        if ru < rv:
            parent[rv] = ru
        else:
            parent[ru] = rv


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
    follows is serial but sees only these pairs (on 16M edges with 8
    integer levels, `both_plateau` took ~215 ms when the union read every
    row with an equal link itself, ~110 ms now).
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


# Plateau mode on a graph of unknown symmetry: a nonstrict answer that met no
# tie is the plateau answer (`both_compare` and `raw_both_compare` with
# `plateau`). A node `w` of the nonstrict answer has no higher neighbour. Had
# it an equal one `z`, the scans would have counted a tie: an out-neighbour
# `z` is met by `w`'s own scan, which never stops early (nothing beats `w`)
# and skips probed neighbours only when all are lower; an in-neighbour `z`
# passes the test ``q[z] >= cq[w]`` of the second pass, where `w` is still a
# candidate. So `w` is a one-node plateau with no higher neighbour: a plateau
# maximum (``min_neighbors`` 0 or 1 mean the same for both). And a plateau
# maximum of two or more nodes would put its members, each without a higher
# neighbour, in the nonstrict answer with an equal neighbour: a tie. Ties
# counted on nodes beaten later only send the caller to the general path.
@_pjit
def both_compare(indptr, indices, x, q, min_neighbors, nonstrict, plateau):
    """Strict/nonstrict maxima over in- and out-neighbours from the out-edge CSR
    alone, for graphs not known to be symmetric (no transpose, no union view).

    1. Out-neighbour scan with early exit (as `neighbour_compare`): the candidates.
    2. One pass over all edges ``v -> u`` that only looks further when `u` may
       be a candidate its in-neighbour `v` beats (`_candidate_buckets`).
    ``min_neighbors`` must be 0 or 1 (a node needs some in- or out-neighbour).

    With `plateau` (and `nonstrict`), returns ``(done, mask)``: `done` is
    False, and `mask` meaningless, when some candidate has a neighbour of
    equal value; otherwise every plateau that can win is a single node and
    `mask` is the plateau-mode answer (see the note above). Without
    `plateau`, `done` is always True.
    """
    n = indptr.shape[0] - 1
    cand, n_tied = neighbour_compare(indptr, indices, x, q, 0, nonstrict)
    if plateau and n_tied:
        return False, cand
    cq, lowest = _candidate_buckets(indptr, q, cand)
    has_in = np.zeros(n, dtype=np.bool_)
    for v in nb.prange(n):
        qv = q[v]
        if qv < lowest:
            continue
        xv = x[v]
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            if qv >= cq[u] and cand[u]:
                n_tied += _in_neighbour(indptr, x, q, cand, has_in, qv, xv, u, min_neighbors, nonstrict)
    if plateau and n_tied:
        return False, cand
    if min_neighbors > 0:
        _drop_without_neighbours(indptr, cand, has_in)
    return True, cand


@_pjit
def _candidate_buckets(indptr, q, cand):
    """What the in-neighbour pass compares every entry ``v -> u`` with: `u`'s
    value bucket when `u` is a candidate, 255 when it is not (nothing but
    +inf reaches that), 0 for a candidate without out-neighbours (every
    in-neighbour counts for ``min_neighbors``).

    An entry is looked at further only when ``q[v] >= cq[u]``: one byte read
    and one rarely taken branch per entry, where testing ``cand[u]`` first
    mispredicted on every candidate hit (~6% of entries on random data;
    ~17 -> ~12 ms for the pass on 16M edges).

    Also returns the lowest of those bytes: a row whose bucket is below it
    beats no candidate and need not be read (`both_compare`).
    """
    n = cand.shape[0]
    cq = np.empty(n, dtype=np.uint8)
    lowest = 255
    for u in nb.prange(n):
        c = 255
        if cand[u]:
            c = 0 if indptr[u + 1] == indptr[u] else q[u]
        cq[u] = c
        lowest = min(lowest, c)
    return cq, lowest


@nb.njit(cache=True, nogil=True, inline="always")
def _in_neighbour(indptr, x, q, cand, has_in, qv, xv, u, min_neighbors, nonstrict):
    """Candidate `u` has an in-neighbour of value (`qv` bucket, `xv`): it loses
    if that one beats it; else, without out-neighbours, it now has a neighbour.
    Returns 1 when the two values are equal and `u` did not lose (a tie).

    Writes only where needed: shared lines written by both threads on every
    candidate hit measured ~10x slower (false sharing)."""
    qu = q[u]
    if qv > qu or (qv == qu and (xv > x[u] or (xv == x[u] and not nonstrict))):
        cand[u] = False
        return 0
    if min_neighbors > 0 and indptr[u + 1] == indptr[u] and not has_in[u]:
        has_in[u] = True
    return 1 if qv == qu and xv == x[u] else 0


@_pjit
def _drop_without_neighbours(indptr, cand, has_in):
    """``min_neighbors=1``: a candidate with neither out- nor in-neighbours is no maximum."""
    for v in nb.prange(cand.shape[0]):
        if cand[v] and indptr[v + 1] == indptr[v] and not has_in[v]:
            cand[v] = False


@_pjit
def raw_both_compare(indptr, indices, data, x, q, min_neighbors, nonstrict, plateau):
    """`both_compare` straight on a user's CSR arrays, validating them on the way.

    The arrays are trusted for nothing: every index is bounds-checked before
    it is used. Returns ``(clean, mask)``; `clean` is False, and `mask`
    meaningless, unless `indptr` is non-decreasing from 0 to ``len(indices)``,
    every row strictly increasing, in range and without its diagonal, and every
    stored value nonzero and not NaN (exactly what `_graph._from_canonical_csr`
    accepts as is). The caller then takes the general path, which cleans the
    matrix. The validation rides along the in-neighbour pass, which reads
    every entry anyway: on a 16M-edge graph this saves the separate ~9 ms
    check pass and the ~2 ms value pass, and builds no `Graph`.
    ``min_neighbors`` must be 0 or 1. With `plateau` (and `nonstrict`) `clean`
    is also False when a candidate has a neighbour of equal value: the
    nonstrict answer is then not known to be the plateau answer (see the note
    above `both_compare`).
    """
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    if n < 0 or indptr[0] != 0 or indptr[n] != m or data.shape[0] != m:
        return False, np.zeros(max(n, 0), dtype=np.bool_)
    bad = 0
    for v in nb.prange(n):
        bad += indptr[v + 1] < indptr[v]
    if bad:
        return False, np.zeros(n, dtype=np.bool_)
    # 1. Out-neighbour scan with early exit (indices bounds-checked): the candidates.
    sparse = _sparse(indptr, indices)
    cand = np.zeros(n, dtype=np.bool_)
    n_tied = 0
    for v in nb.prange(n):
        start = indptr[v]
        stop = indptr[v + 1]
        qv = q[v]
        probed = _probe_row(indices, q, start, stop, n)
        if sparse and _probed_whole(start, stop, probed, qv):
            cand[v] = probed < qv
            continue
        if probed > qv:
            continue
        verdict = _scan_row(indices, x, q, _scan_from(start, probed, qv), stop, qv, x[v], nonstrict, n)
        cand[v] = verdict == _WINS or verdict == _TIED
        n_tied += verdict == _TIED
        bad += verdict == _BAD_INDEX
    if bad or (plateau and n_tied):
        return False, cand
    # 2. Every entry: validity, and in-neighbours that beat a candidate.
    cq, _ = _candidate_buckets(indptr, q, cand)
    has_in = np.zeros(n, dtype=np.bool_)
    for v in nb.prange(n):
        qv = q[v]
        xv = x[v]
        prev = -1
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            d = data[j]
            if u <= prev or u == v or u >= n or d == 0 or d != d:
                bad += 1
                break
            prev = u
            if qv >= cq[u] and cand[u]:
                n_tied += _in_neighbour(indptr, x, q, cand, has_in, qv, xv, u, min_neighbors, nonstrict)
    if bad or (plateau and n_tied):
        return False, cand
    if min_neighbors > 0:
        _drop_without_neighbours(indptr, cand, has_in)
    return True, cand


@_pjit
def edge_compare(src, dst, x, q, min_neighbors, nonstrict, plateau, n_parts):
    """1-hop maxima over both directions straight from an edge list ``src[e] -> dst[e]``,
    one pass over the edges and no CSR: every edge marks its lower end beaten
    (both ends when equal, unless `nonstrict`), and its higher end as having a
    neighbour. For one call on an edge list this replaces building the CSR
    (a counting sort: ~85-200 ms on 16M edges) by one pass (~21-29 ms).

    The edges are cut into `n_parts` parts (one per thread), each with flag
    arrays of its own, OR-ed at the end: every flag is then written without
    reading it first and no cache line is written by both threads (shared
    flags, written only when not yet set, took ~55-75 ms).

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


@_pjit
def csr_is_clean(indptr, indices, n):
    """True when every row is strictly increasing (sorted, no duplicates), in
    range, and without its own diagonal entry: a CSR graphmax can take as is.
    One parallel pass instead of scipy's canonical check plus a self-loop scan."""
    bad = 0
    for v in nb.prange(n):
        prev = -1
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            if u <= prev or u == v or u >= n:
                bad += 1
                break
            prev = u
    return bad == 0


@_pjit
def data_summary(data):
    """(all nonzero and not NaN, all equal to one) of a CSR's stored values, in one pass."""
    bad = 0
    not_one = 0
    for i in nb.prange(data.shape[0]):
        d = data[i]
        bad += d == 0 or d != d
        not_one += d != 1
    return bad == 0, not_one == 0
