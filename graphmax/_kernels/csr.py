"""CSR building and checks: COO to canonical CSR, symmetry, cleanliness of a user's CSR
and of its stored values."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import parallel_jit as _pjit  # locked where the threading layer is not threadsafe


_SHORT_ROW = 32  # rows up to this long are sorted by rank in `coo_to_csr`; longer ones by numpy's sort
_ROW_BLOCK = 4096  # rows per parallel task of `coo_to_csr`'s sort (one scratch buffer each)


@nb.njit(cache=True, nogil=True, inline="always")
def _sort_short_row(col, w, a, b, weighted, buf_c, buf_w):
    """Sort entries ``a..b-1`` (at most `_SHORT_ROW`) by (column, weight) in place.

    Each entry's place is its rank, counted branch-free against every other
    entry of the row (ties by position): O(d^2) compares, but no mispredicted
    branch per shift as in an insertion sort (timed: docs/decisions.md,
    "Measurements behind the kernels")."""
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
    replaces scipy's COO->CSR + sum_duplicates and an earlier serial version
    of this kernel (timed: docs/decisions.md, "Measurements behind the kernels").
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
    lower parts as they are. O(E + n * threads); faster than a binary search of
    every mirror, a cache miss each (docs/decisions.md, "Measurements behind the kernels").
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
