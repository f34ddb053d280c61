"""1-hop row scans of a CSR graph: strict and nonstrict maxima over out-neighbours
(`neighbour_compare`), over in- and out-neighbours from the out-edges alone
(`both_compare`), and straight on a user's unchecked CSR arrays (`raw_both_compare`)."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import parallel_jit as _pjit  # locked where the threading layer is not threadsafe
from .core import _PROBE, _probe_row, _probed_whole, _sparse, _wins_tie


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
            # `core._wins_tie` written out: inlined here it changed the compiled loop
            # (docs/decisions.md, "Kernels package").
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
    # np.int64(0), not 0: a literal would compile neighbour_compare a second time (docs/decisions.md).
    cand, n_tied = neighbour_compare(indptr, indices, x, q, np.int64(0), nonstrict)
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
    docs/decisions.md, "Measurements behind the kernels").

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
    if qv > qu or (qv == qu and _wins_tie(xv, x[u], nonstrict)):  # v beats u
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
    every entry anyway: this saves a separate check pass and a value pass,
    and builds no `Graph` (docs/decisions.md, "A raw scipy CSR in the common call").
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
