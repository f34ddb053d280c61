"""Compiled kernels (numba) of peak analysis: prominence, spacing, the image candidates.

Like `_kernels` and `_grid_kernels` they see flat, already-normalised arrays
and never validate. Value dtypes: float64, int64, uint64
(`_values.kernel_values`), plus uint8/uint16 on the image path.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._kernels import _bfs_ball, _dijkstra_ball, _find

from ._threading import jit as _jit, parallel_jit as _pjit  # locked where the threading layer is not threadsafe

# Pixels handled by one parallel task of the image kernels (whole rows per task).
_TASK_PIXELS = 16384


# -- ordering ---------------------------------------------------------------------------------
# Kinds of the uint64 bit patterns `packed_descending_keys` reads.
FLOAT_BITS = 0  # float64 (with -0.0 already read as 0.0)
INT_BITS = 1  # int64
UINT_BITS = 2  # uint64


@_jit
def _descending_key(u, kind):
    """A uint64 whose unsigned order is the descending order of the value with bit pattern `u`."""
    sign = np.uint64(1) << np.uint64(63)
    if kind == FLOAT_BITS:
        asc = ~u if u & sign else u | sign
    elif kind == INT_BITS:
        asc = u ^ sign
    else:
        asc = u
    return ~asc


@_jit
def packed_descending_keys(bits_of, kind, bits):
    """Per value, a sort key with its position in the low `bits` bits: sorting the keys
    ascending sorts the values descending, ties by position -- up to the values' low bits.

    `bits_of` holds the values' bit patterns (uint64 view of float64, int64
    or uint64, see `_descending_key`); the top ``64 - bits`` bits of each
    descending key go above the position. Keys are unique, so numpy's fast
    (SIMD, unstable) ``np.sort`` applies -- ~3x faster than ``np.argsort``
    on 466k float64 -- and `fix_packed_order` repairs the runs whose values
    share those top bits.
    """
    m = bits_of.shape[0]
    out = np.empty(m, dtype=np.uint64)
    low = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    for t in range(m):
        out[t] = (_descending_key(bits_of[t], kind) & ~low) | np.uint64(t)
    return out


@_jit
def fix_packed_order(keys, bits_of, kind, bits):
    """Positions from the sorted `keys` of `packed_descending_keys`, each run of equal top
    bits re-sorted by (value descending, position ascending). Returns int64 (m,)."""
    m = keys.shape[0]
    low = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    order = np.empty(m, dtype=np.int64)
    for t in range(m):
        order[t] = np.int64(keys[t] & low)
    t = 0
    while t < m:
        top = keys[t] & ~low
        u = t + 1
        while u < m and (keys[u] & ~low) == top:
            u += 1
        for i in range(t + 1, u):  # insertion sort of the (short) run
            p = order[i]
            kp = _descending_key(bits_of[p], kind)
            j = i - 1
            while j >= t:
                q = order[j]
                kq = _descending_key(bits_of[q], kind)
                if kq < kp or (kq == kp and q < p):
                    break
                order[j + 1] = q
                j -= 1
            order[j + 1] = p
        t = u
    return order


# -- prominence -------------------------------------------------------------------------------
@_jit
def superlevel_persistence(indptr, indices, order):
    """0-dimensional persistence of the superlevel filtration, by union-find.

    Nodes enter in `order` (value descending, index ascending: the total
    order); a node none of whose neighbours has entered yet is born as a new
    component (a peak). When a node joins several components, every one but
    the eldest (the one whose peak entered first) dies there: its peak's
    saddle is that node and its parent the eldest peak (elder rule). A peak
    whose component never dies dies at the component's last node, its
    minimum.

    Returns
    -------
    born : bool (n,)
    death : int64 (n,)
        For each born node, the node where it dies (saddle, or the
        component's minimum when `essential`); -1 elsewhere.
    essential : bool (n,)
        Born nodes that never merge into an elder component.
    parent : int64 (n,)
        The eldest peak a dying peak merges into; -1 elsewhere.

    Notes
    -----
    Union by size with path halving: O(E α(n)) after the sort.
    """
    n = order.shape[0]
    rank, uf, size, peak, born, death, parent = _persistence_state(order)
    nbrs = np.empty(_max_degree(indptr), dtype=np.int64)
    for i in range(n):
        v = order[i]
        count = 0
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            if rank[u] < i:
                nbrs[count] = u
                count += 1
        _enter(v, nbrs, count, rank, uf, size, peak, born, death, parent)
    return born, death, _close_components(order, uf, born, death), parent


@_jit
def _max_degree(indptr):
    most = 0
    for v in range(indptr.shape[0] - 1):
        most = max(most, indptr[v + 1] - indptr[v])
    return most


@_jit
def _persistence_state(order):
    """Work arrays of the filtration, in the dtype of `order` (int32 when it fits:
    the random reads of `rank` and `uf` dominate, and half the bytes keep more
    of them in cache)."""
    n = order.shape[0]
    rank = np.empty(n, dtype=order.dtype)
    for i in range(n):
        rank[order[i]] = i
    uf = np.arange(n).astype(order.dtype)
    size = np.ones(n, dtype=order.dtype)
    peak = np.arange(n).astype(order.dtype)  # peak[root]: the eldest peak of the component
    born = np.zeros(n, dtype=np.bool_)
    death = np.full(n, -1, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    return rank, uf, size, peak, born, death, parent


@_jit
def _enter(v, nbrs, count, rank, uf, size, peak, born, death, parent):
    """Node `v` enters the superlevel set; ``nbrs[:count]`` are its neighbours already in.

    Born as a new peak when there are none; else it joins the component of
    the eldest peak, and every other component it touches dies at `v`.
    """
    n = rank.shape[0]
    root = -1
    best = n
    for t in range(count):
        r = _find(uf, nbrs[t])
        pr = rank[peak[r]]
        if pr < best:
            best = pr
            root = r
    if root < 0:
        born[v] = True
        return
    elder = peak[root]
    uf[v] = root
    size[root] += 1
    for t in range(count):
        r = _find(uf, nbrs[t])
        if r != root:
            p = peak[r]
            death[p] = v
            parent[p] = elder
            root = _union_by_size(uf, size, root, r)
            peak[root] = elder


@_jit
def _close_components(order, uf, born, death):
    """Peaks that never died die at their component's minimum (its last node in
    `order`); returns the `essential` mask of those peaks."""
    n = order.shape[0]
    essential = np.zeros(n, dtype=np.bool_)
    lowest = np.empty(n, dtype=np.int64)
    for i in range(n):
        v = order[i]
        lowest[_find(uf, v)] = v
    for v in range(n):
        if born[v] and death[v] < 0:
            essential[v] = True
            death[v] = lowest[_find(uf, v)]
    return essential


@_jit
def wall_persistence(indptr, indices, order, level, wall):
    """Prominence under scipy's rule: the border is higher ground, equal peaks are not.

    Nodes enter in `order` (value descending, index ascending); `level[v]`
    ranks the values (0 the highest, equal values equal); `wall[v]` marks the
    nodes next to the border -- a virtual node above every value. Each
    component keeps the list of its top nodes (those at its highest level).
    When components meet at node v, the tops of every component lower than
    the highest one met (the border counting highest) die at v, and the tops
    of the equally highest ones are joined. So a node dies at the highest
    col from which strictly higher ground or the border is reached: the
    prominence of ``scipy.signal.peak_prominences`` on a path whose two
    ends are walls. O(n + E α(n)) after the sort; every node dies once.

    Returns
    -------
    death : int64 (n,)
        The node where each node dies (itself when it is no top); for the
        tops of a component that never meets higher ground, its lowest node.
    essential : bool (n,)
        Nodes whose component never met higher ground.
    parent : int64 (n,)
        The first top of the higher component met; -1 for the border and
        for essential nodes.
    """
    n = order.shape[0]
    rank, uf, size, _, born, death, parent = _persistence_state(order)
    born[:] = True  # every node is a top until it dies
    top = np.full(n, -1, dtype=np.int64)  # top[root]: the level of its tops; -1: it touches the border
    head = np.arange(n)  # head[root]/tail[root]: its list of tops, linked by `nxt`; head -1: none
    tail = np.arange(n)
    nxt = np.full(n, -1, dtype=np.int64)
    met = np.empty(_max_degree(indptr) + 1, dtype=np.int64)
    for i in range(n):
        v = order[i]
        top[v] = level[v]
        # The components v meets: its own (v alone) and those of its entered neighbours.
        count = 1
        met[0] = v
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            if rank[u] < i:
                r = _find(uf, u)
                seen = False
                for t in range(count):
                    seen |= met[t] == r
                if not seen:
                    met[count] = r
                    count += 1
        # The highest ground met: the border (-1) or the lowest level, in its first component.
        best = -1 if wall[v] else level[v]
        best_root = -1
        for t in range(count):
            r = met[t]
            if top[r] < best:
                best = top[r]
                best_root = r
            elif top[r] == best and best_root < 0 and best >= 0:
                best_root = r
        heir = -1 if best < 0 else head[best_root]
        first, last = -1, -1
        for t in range(count):
            r = met[t]
            if top[r] < 0:
                continue
            if top[r] != best:  # lower: its tops die here
                p = head[r]
                while p >= 0:
                    death[p] = v
                    parent[p] = heir
                    p = nxt[p]
            elif first < 0:  # as high: its tops join the list
                first, last = head[r], tail[r]
            else:
                nxt[last] = head[r]
                last = tail[r]
        root = met[0]
        for t in range(1, count):
            if size[met[t]] > size[root]:
                root = met[t]
        for t in range(count):
            r = met[t]
            if r != root:
                uf[r] = root
                size[root] += size[r]
        top[root] = best
        head[root] = first
        tail[root] = last
    return death, _close_components(order, uf, born, death), parent


# -- prominence by ascent basins ---------------------------------------------------------------
# Each node points to its highest neighbour above it (its steepest ascent); following the
# pointers ends at a peak, and the nodes that reach one peak form its basin. A node joins
# components of the superlevel filtration only where a neighbour above it lies in another
# basin (a "saddle candidate"): every other node joins the component its steepest neighbour
# is already in. So only the candidates need the value order and the union-find, and the
# union-find runs over basins (one entry per peak), not nodes. Same bars, saddles and parents
# as `superlevel_persistence` (its reference in the tests).

# Flags of `kind` (per node, set by the ascent pass).
PIT = 1  # no neighbour below it: a local minimum of the total order
FORK = 2  # two or more neighbours above it: it may join two basins


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


@_jit
def _above(xu, u, xv, v):
    """Whether node `u` (value `xu`) comes before node `v` (value `xv`) in the total order
    "value descending, index ascending"."""
    return xu > xv or (xu == xv and u < v)


@_jit
def graph_ascent(indptr, indices, x, up, kind, first, last):
    """For the nodes ``first..last-1``: `up` their highest neighbour above them (themselves
    for a peak) and `kind` their PIT/FORK flags. Branch-free selects: the comparisons of
    random values would mispredict."""
    for v in range(first, last):
        xv = x[v]
        best = v
        best_x = xv
        n_above = 0
        below = False
        for j in range(indptr[v], indptr[v + 1]):
            u = indices[j]
            xu = x[u]
            better = (xu > best_x) | ((xu == best_x) & (u < best))
            best = u if better else best
            best_x = xu if better else best_x
            above = (xu > xv) | ((xu == xv) & (u < v))
            n_above += above
            below |= (not above) & (u != v)
        up[v] = best
        kind[v] = (0 if below else PIT) | (FORK if n_above >= 2 else 0)


@_pjit
def graph_ascent_parallel(indptr, indices, x, up, kind):
    """`graph_ascent` over every node, parallel over tasks of `_TASK_PIXELS` nodes."""
    n = indptr.shape[0] - 1
    n_tasks = (n + _TASK_PIXELS - 1) // _TASK_PIXELS
    for task in nb.prange(n_tasks):
        graph_ascent(indptr, indices, x, up, kind, task * _TASK_PIXELS, min(n, (task + 1) * _TASK_PIXELS))


@_jit
def graph_saddles(indptr, indices, x, lab, kind, other, saddle, first, last):
    """For the FORK nodes among ``first..last-1``: ``other[j]`` the basin (`lab`) of the
    neighbour ``indices[j]`` when it lies above `v` in another basin, else -1, and
    ``saddle[v]`` whether there is one. Other nodes: `saddle` False, `other` untouched."""
    for v in range(first, last):
        found = False
        if kind[v] & FORK:
            xv = x[v]
            lv = lab[v]
            for j in range(indptr[v], indptr[v + 1]):
                u = indices[j]
                lu = lab[u]
                xu = x[u]
                q = (lu != lv) & ((xu > xv) | ((xu == xv) & (u < v)))
                other[j] = lu if q else -1
                found |= q
        saddle[v] = found


@_pjit
def graph_saddles_parallel(indptr, indices, x, lab, kind, other, saddle):
    """`graph_saddles` over every node, parallel over tasks of `_TASK_PIXELS` nodes."""
    n = indptr.shape[0] - 1
    n_tasks = (n + _TASK_PIXELS - 1) // _TASK_PIXELS
    for task in nb.prange(n_tasks):
        graph_saddles(
            indptr, indices, x, lab, kind, other, saddle, task * _TASK_PIXELS, min(n, (task + 1) * _TASK_PIXELS)
        )


@_jit
def ascent_basins(up, lab):
    """Label every node with the id of the peak its ascent (`up`) reaches; ids in order of
    first reach. Fills `lab` (any content on entry); returns the peaks by id."""
    n = up.shape[0]
    top = np.empty(n, dtype=up.dtype)
    for v in range(n):
        lab[v] = -1
    count = 0
    for v in range(n):
        if lab[v] >= 0:
            continue
        w = v
        while lab[w] < 0 and up[w] != w:
            w = up[w]
        if lab[w] < 0:
            lab[w] = count
            top[count] = w
            count += 1
        basin = lab[w]
        w = v
        while lab[w] < 0:  # each node is labelled once: O(n) in all
            lab[w] = basin
            w = up[w]
    return top[:count].copy()


@_jit
def _basin_state(top):
    """Union-find over basins: `uf`, `size`, `eldest` (the highest peak of each root's
    component), and per basin id the `death` node and `parent` peak of its peak (-1: alive)."""
    m = top.shape[0]
    uf = np.arange(m).astype(top.dtype)
    size = np.ones(m, dtype=top.dtype)
    eldest = top.copy()
    death = np.full(m, -1, dtype=np.int64)
    parent = np.full(m, -1, dtype=np.int64)
    return uf, size, eldest, death, parent


@_jit
def _add_root(roots, count, r):
    """Append `r` to ``roots[:count]`` unless it is there; returns the new count."""
    for t in range(count):
        if roots[t] == r:
            return count
    roots[count] = r
    return count + 1


@_jit
def _merge_at(v, roots, count, x, lab, uf, size, eldest, death, parent):
    """The components ``roots[:count]`` (distinct roots) meet at node `v`: every one but the
    one with the highest peak dies there (elder rule), its peak's parent that peak."""
    best = roots[0]
    for t in range(1, count):
        r = roots[t]
        p = eldest[r]
        q = eldest[best]
        if _above(x[p], p, x[q], q):
            best = r
    elder = eldest[best]
    root = best
    for t in range(count):
        r = roots[t]
        if r == best:
            continue
        p = lab[eldest[r]]
        death[p] = v
        parent[p] = elder
        root = _union_by_size(uf, size, root, r)
    eldest[root] = elder


@_jit
def _close_basins(x, lab, uf, pits, death):
    """Peaks that never died die at their component's minimum (the lowest of its pits: the
    minimum of the total order on a component has no neighbour below it); returns the
    `essential` mask per basin id."""
    m = uf.shape[0]
    lowest = np.full(m, -1, dtype=np.int64)
    for t in range(pits.shape[0]):
        v = pits[t]
        r = _find(uf, lab[v])
        w = lowest[r]
        if w < 0 or _above(x[w], w, x[v], v):
            lowest[r] = v
    essential = np.zeros(m, dtype=np.bool_)
    for k in range(m):
        if death[k] < 0:
            essential[k] = True
            death[k] = lowest[_find(uf, k)]
    return essential


@_jit
def graph_basin_persistence(indptr, lab, top, other, saddles, pits, x):
    """`superlevel_persistence` from the basins: the union-find over basin ids, run over the
    saddle candidates only, in the total order (`saddles` sorted so); the basins each one
    touches above it are ``other[indptr[v]:indptr[v + 1]]`` (-1: none), from `graph_saddles`.

    Returns ``death``, ``essential`` and ``parent`` per basin id (aligned with `top`).
    """
    uf, size, eldest, death, parent = _basin_state(top)
    roots = np.empty(_max_degree(indptr) + 1, dtype=np.int64)
    for t in range(saddles.shape[0]):
        v = saddles[t]
        roots[0] = _find(uf, lab[v])
        count = 1
        for j in range(indptr[v], indptr[v + 1]):
            if other[j] >= 0:
                count = _add_root(roots, count, _find(uf, other[j]))
        if count > 1:
            _merge_at(v, roots, count, x, lab, uf, size, eldest, death, parent)
    return death, _close_basins(x, lab, uf, pits, death), parent


@_jit
def _row_steps(row, shape, deltas, ok):
    """``ok[k]``: whether step k keeps the outer coordinates (all but the last) of `row` in the image."""
    ndim = shape.shape[0]
    for k in range(deltas.shape[0]):
        ok[k] = True
    rest = row
    for j in range(ndim - 2, -1, -1):
        c = rest % shape[j]
        rest //= shape[j]
        for k in range(deltas.shape[0]):
            cj = c + deltas[k, j]
            if cj < 0 or cj >= shape[j]:
                ok[k] = False


@_jit
def _row_same(region, base, o, lo, hi, same):
    """``same[lo:hi]``: whether the pixels ``base + t`` and ``base + t + o`` share one positive
    region (all True without a `region`)."""
    if region.shape[0] == 0:
        for t in range(lo, hi):
            same[t] = True
        return
    for t in range(lo, hi):
        r = region[base + t]
        same[t] = (r > 0) & (region[base + t + o] == r)


@_jit
def grid_ascent(x, shape, deltas, offsets, region, up, kind, first, last):
    """`graph_ascent` on the implicit grid graph, for the rows ``first..last-1`` (a row: the
    pixels along the last axis), PIT flags only; with a non-empty `region`, pixels are
    neighbours only within one positive region.

    The steps must come nearest-first among the negative offsets, then the positive ones
    in ascending order (`ascent_steps`): a tie is then won by the earlier of two pixels
    with one comparison (``>=`` before the pixel, ``>`` after it), and each step is one
    branch-free loop along the row.
    """
    ndim = shape.shape[0]
    length = shape[ndim - 1]
    ok = np.empty(offsets.shape[0], dtype=np.bool_)
    best_x = np.empty(length, dtype=x.dtype)
    best_o = np.empty(length, dtype=np.int64)
    below = np.empty(length, dtype=np.bool_)
    same = np.empty(length, dtype=np.bool_)
    for row in range(first, last):
        _row_steps(row, shape, deltas, ok)
        base = row * length
        xr = x[base : base + length]
        for t in range(length):
            best_x[t] = xr[t]
            best_o[t] = 0
            below[t] = False
        for k in range(offsets.shape[0]):
            if not ok[k]:
                continue
            o = offsets[k]
            lo = max(0, -deltas[k, ndim - 1])
            hi = min(length, length - deltas[k, ndim - 1])
            _row_same(region, base, o, lo, hi, same)
            # Slices indexed from 0: the loops vectorise (indexing x at base + o + t does not).
            sm, bx, bo, bl = same[lo:hi], best_x[lo:hi], best_o[lo:hi], below[lo:hi]
            xs, xv = x[base + o + lo : base + o + hi], xr[lo:hi]
            if o < 0:
                for t in range(hi - lo):
                    xu = xs[t]
                    better = sm[t] & (xu >= bx[t])
                    bl[t] |= sm[t] & (xu < xv[t])
                    bx[t] = xu if better else bx[t]
                    bo[t] = o if better else bo[t]
            else:
                for t in range(hi - lo):
                    xu = xs[t]
                    better = sm[t] & (xu > bx[t])
                    bl[t] |= sm[t] & (xu <= xv[t])
                    bx[t] = xu if better else bx[t]
                    bo[t] = o if better else bo[t]
        for t in range(length):
            up[base + t] = base + t + best_o[t]
            kind[base + t] = 0 if below[t] else PIT


@_pjit
def grid_ascent_parallel(x, shape, deltas, offsets, region, up, kind):
    """`grid_ascent` over every row, parallel over tasks of whole rows."""
    length = shape[shape.shape[0] - 1]
    n_rows = x.shape[0] // length
    per_task = max(1, _TASK_PIXELS // length)
    n_tasks = (n_rows + per_task - 1) // per_task
    for task in nb.prange(n_tasks):
        grid_ascent(x, shape, deltas, offsets, region, up, kind, task * per_task, min(n_rows, (task + 1) * per_task))


@_jit
def grid_saddles(x, shape, deltas, offsets, region, lab, steps, saddle, first, last):
    """For the rows ``first..last-1``: bit k of ``steps[v]`` (words of 32 bits) whether the
    neighbour at step k lies above `v` in another basin (`lab`), and ``saddle[v]`` whether
    any does."""
    ndim = shape.shape[0]
    length = shape[ndim - 1]
    ok = np.empty(offsets.shape[0], dtype=np.bool_)
    same = np.empty(length, dtype=np.bool_)
    for row in range(first, last):
        _row_steps(row, shape, deltas, ok)
        base = row * length
        xr = x[base : base + length]
        lr = lab[base : base + length]
        bits = steps[base : base + length]
        for t in range(length):
            for w in range(steps.shape[1]):
                bits[t, w] = 0
        for k in range(offsets.shape[0]):
            if not ok[k]:
                continue
            o = offsets[k]
            lo = max(0, -deltas[k, ndim - 1])
            hi = min(length, length - deltas[k, ndim - 1])
            _row_same(region, base, o, lo, hi, same)
            word = k >> 5
            shift = np.uint32(k & 31)
            sm, bt = same[lo:hi], bits[lo:hi]
            xs, xv = x[base + o + lo : base + o + hi], xr[lo:hi]
            ls, lv = lab[base + o + lo : base + o + hi], lr[lo:hi]
            if o < 0:
                for t in range(hi - lo):
                    q = sm[t] & (ls[t] != lv[t]) & (xs[t] >= xv[t])
                    bt[t, word] |= np.uint32(q) << shift
            else:
                for t in range(hi - lo):
                    q = sm[t] & (ls[t] != lv[t]) & (xs[t] > xv[t])
                    bt[t, word] |= np.uint32(q) << shift
        for t in range(length):
            found = False
            for w in range(steps.shape[1]):
                found |= bits[t, w] != 0
            saddle[base + t] = found


@_pjit
def grid_saddles_parallel(x, shape, deltas, offsets, region, lab, steps, saddle):
    """`grid_saddles` over every row, parallel over tasks of whole rows."""
    length = shape[shape.shape[0] - 1]
    n_rows = x.shape[0] // length
    per_task = max(1, _TASK_PIXELS // length)
    n_tasks = (n_rows + per_task - 1) // per_task
    for task in nb.prange(n_tasks):
        grid_saddles(
            x, shape, deltas, offsets, region, lab, steps, saddle, task * per_task, min(n_rows, (task + 1) * per_task)
        )


@_jit
def grid_saddle_records(offsets, lab, steps, nodes):
    """Per saddle candidate (`nodes`, in index order: sequential reads): its basin and up to two
    other basins it touches above it (the steps of its `steps` bits); -1: none, -2 in the
    last column: more than two, read from `steps`. One row per candidate keeps the
    union-find's reads in value order to one cache line each."""
    rec = np.empty((nodes.shape[0], 3), dtype=lab.dtype)
    for i in range(nodes.shape[0]):
        v = nodes[i]
        first, second = -1, -1
        for k in range(offsets.shape[0]):
            if (steps[v, k >> 5] >> np.uint32(k & 31)) & np.uint32(1):
                b = lab[v + offsets[k]]
                if b == first or b == second:
                    continue
                if first < 0:
                    first = b
                elif second < 0:
                    second = b
                else:
                    second = -2
                    break
        rec[i, 0] = lab[v]
        rec[i, 1] = first
        rec[i, 2] = second
    return rec


@_jit
def grid_basin_persistence(offsets, lab, top, steps, nodes, order, rec, pits, x):
    """`graph_basin_persistence` on the implicit grid graph: the saddle candidates `nodes`
    enter in `order` (positions into `nodes`), the basins each touches read from its row of
    `rec` (`grid_saddle_records`), or from its `steps` bits when it touches more than two."""
    uf, size, eldest, death, parent = _basin_state(top)
    roots = np.empty(offsets.shape[0] + 1, dtype=np.int64)
    for t in range(order.shape[0]):
        i = order[t]
        roots[0] = _find(uf, rec[i, 0])
        count = 1
        if rec[i, 2] == -2:
            v = nodes[i]
            for k in range(offsets.shape[0]):
                if (steps[v, k >> 5] >> np.uint32(k & 31)) & np.uint32(1):
                    count = _add_root(roots, count, _find(uf, lab[v + offsets[k]]))
        else:
            for c in range(1, 3):
                if rec[i, c] >= 0:
                    count = _add_root(roots, count, _find(uf, rec[i, c]))
        if count > 1:
            _merge_at(nodes[i], roots, count, x, lab, uf, size, eldest, death, parent)
    return death, _close_basins(x, lab, uf, pits, death), parent


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
    dummy = np.zeros(n, dtype=np.uint8)  # `_bfs_ball` reads values only to exit early
    for t in range(m):
        s = candidates[t]
        if covered[s]:
            continue
        keep[t] = True
        count = _bfs_ball(indptr, indices, dummy, dummy, s, d, seen, queue, False, False)[0]
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
        count = _dijkstra_ball(indptr, indices, weights, s, r, dist, done, touched, hd, hn)
        for i in range(count):
            covered[touched[i]] = True
    return keep


# -- images -----------------------------------------------------------------------------------
def box_candidates(x, shape, before, after, border, thr, use_thr, parallel):
    """`_box_candidates_parallel` or, for small images, `_box_candidates_serial` (same results).

    A parallel region costs a scheduler time slice when another process
    keeps the cores busy (measured ~20 ms per region on a loaded 2-core
    machine), which dwarfs a small image.
    """
    if parallel:
        return _box_candidates_parallel(x, shape, before, after, border, thr, use_thr)
    return _box_candidates_serial(x, shape, before, after, border, thr, use_thr)


@_jit
def _box_candidates_serial(x, shape, before, after, border, thr, use_thr):
    n = x.shape[0]
    length = shape[shape.shape[0] - 1]
    flat = np.empty(n, dtype=np.int64)
    values = np.empty(n, dtype=x.dtype)
    count, n_raw = _box_rows(x, shape, before, after, border, thr, use_thr, flat, values, 0, n // length)
    return flat[:count].copy(), values[:count].copy(), n_raw


@_pjit
def _box_candidates_parallel(x, shape, before, after, border, thr, use_thr):
    """The peak candidates of a box footprint, in one parallel pass.

    A pixel is a candidate when no pixel of the box ``c - before .. c + after``
    (per axis, cut to the image) is higher -- for a box, which holds its
    centre, this is exactly ``x == maximum_filter(x, mode="nearest")``: the
    clamped pixels repeat pixels of the box. Candidates outside the excluded
    `border` (per-axis widths) and, with `use_thr`, above `thr` are listed.

    Returns
    -------
    flat : int64 (N,)
        Raveled indices of the listed candidates, ascending.
    values : x.dtype (N,)
        Their values.
    n_raw : int
        Candidates anywhere, border and threshold ignored (``n_raw ==
        x.size``: a constant image).

    Notes
    -----
    Parallel over tasks of whole rows (the last axis). Per row, the maximum
    over the box's rows (one contiguous, SIMD loop per row), then one SIMD
    comparison pass per step along the row, then the append of the flagged
    pixels (8 flags tested at once): ``prod(before + after + 1)`` reads per
    pixel become ``sum(before + after + 1)``.
    """
    n = x.shape[0]
    ndim = shape.shape[0]
    length = shape[ndim - 1]
    n_rows = n // length
    per_task = max(1, _TASK_PIXELS // length)
    n_tasks = (n_rows + per_task - 1) // per_task
    flat_buf = np.empty(n, dtype=np.int64)
    value_buf = np.empty(n, dtype=x.dtype)
    counts = np.zeros(n_tasks, dtype=np.int64)
    raws = np.zeros(n_tasks, dtype=np.int64)
    for task in nb.prange(n_tasks):
        first = task * per_task
        last = min(first + per_task, n_rows)
        counts[task], raws[task] = _box_rows(
            x, shape, before, after, border, thr, use_thr, flat_buf, value_buf, first, last
        )
    starts = np.zeros(n_tasks + 1, dtype=np.int64)
    for task in range(n_tasks):
        starts[task + 1] = starts[task] + counts[task]
    flat = np.empty(starts[n_tasks], dtype=np.int64)
    values = np.empty(starts[n_tasks], dtype=x.dtype)
    for task in nb.prange(n_tasks):
        src = task * per_task * length
        dst = starts[task]
        for t in range(counts[task]):
            flat[dst + t] = flat_buf[src + t]
            values[dst + t] = value_buf[src + t]
    return flat, values, raws.sum()


@_jit
def _box_rows(x, shape, before, after, border, thr, use_thr, flat_buf, value_buf, first, last):
    """`box_candidates` on rows ``first..last-1``; appends at the task's own offset of the buffers.

    Every inner loop runs over slices with a plain ``range`` index: numba's
    negative-index wraparound check on ``a[t + k]`` stops vectorisation
    (measured 4.5x slower).
    """
    ndim = shape.shape[0]
    length = shape[ndim - 1]
    n_outer = ndim - 1
    n_words = (length + 7) // 8
    line = np.empty(length, dtype=x.dtype)
    ok = np.zeros(8 * n_words, dtype=np.uint8)
    ok_words = ok.view(np.uint64)
    lo = np.zeros(ndim, dtype=np.int64)
    hi = np.zeros(ndim, dtype=np.int64)
    cur = np.zeros(ndim, dtype=np.int64)
    pos = first * length
    n_raw = 0
    b_lo = border[ndim - 1]
    b_hi = length - border[ndim - 1]
    for row in range(first, last):
        base = row * length
        rest = row
        row_listed = True
        for j in range(n_outer - 1, -1, -1):
            c = rest % shape[j]
            rest //= shape[j]
            lo[j] = max(0, c - before[j])
            hi[j] = min(shape[j] - 1, c + after[j])
            cur[j] = lo[j]
            if c < border[j] or c >= shape[j] - border[j]:
                row_listed = False
        # The maximum over the box's rows: an odometer over the outer axes.
        started = False
        while True:
            rb = 0
            for j in range(n_outer):
                rb = rb * shape[j] + cur[j]
            xs = x[rb * length : (rb + 1) * length]
            if not started:
                for t in range(length):
                    line[t] = xs[t]
                started = True
            else:
                for t in range(length):
                    v = xs[t]
                    line[t] = v if v > line[t] else line[t]
            j = n_outer - 1
            while j >= 0:
                cur[j] += 1
                if cur[j] <= hi[j]:
                    break
                cur[j] = lo[j]
                j -= 1
            if j < 0:
                break
        # No higher pixel in the sliding window along the row (cut at both ends).
        xr = x[base : base + length]
        for t in range(length):
            ok[t] = xr[t] >= line[t]
        for k in range(-before[ndim - 1], after[ndim - 1] + 1):
            if k == 0:
                continue
            t_lo = max(0, -k)
            t_hi = min(length, length - k)
            if t_hi <= t_lo:
                continue
            xk = xr[t_lo:t_hi]
            lk = line[t_lo + k : t_hi + k]
            okk = ok[t_lo:t_hi]
            for t in range(t_hi - t_lo):
                okk[t] &= xk[t] >= lk[t]
        count = 0
        for t in range(length):
            count += ok[t]
        n_raw += count
        if not row_listed or count == 0:
            continue
        if use_thr:
            for t in range(length):
                ok[t] &= xr[t] > thr
        # Append, branch-free within a word of 8 flags; empty words are skipped.
        for w in range(n_words):
            if ok_words[w] == 0:
                continue
            for t in range(max(8 * w, b_lo), min(8 * w + 8, b_hi)):
                flat_buf[pos] = base + t
                value_buf[pos] = xr[t]
                pos += ok[t]
    return pos - first * length, n_raw


def footprint_candidates(x, shape, deltas, offsets, center_in, parallel):
    """`_footprint_candidates_parallel`, or serial for small images (see `box_candidates`)."""
    if parallel:
        return _footprint_candidates_parallel(x, shape, deltas, offsets, center_in)
    raw = np.empty(x.shape[0], dtype=np.bool_)
    n_raw = _footprint_rows(x, shape, deltas, offsets, center_in, raw, 0, x.shape[0] // shape[-1])
    return raw, n_raw


@_pjit
def _footprint_candidates_parallel(x, shape, deltas, offsets, center_in):
    """Per pixel, whether it equals the maximum of its footprint, as ``maximum_filter(mode="nearest")``.

    Parameters
    ----------
    x : 1-D array
        The raveled (C order) image.
    shape : int64 (ndim,)
    deltas : int64 (K, ndim)
        The footprint's steps other than the centre; `offsets` the same raveled.
    center_in : bool
        Whether the footprint holds its centre: then a pixel is a candidate
        iff no footprint pixel is higher; else iff it equals their maximum.

    Returns
    -------
    raw : bool (n,)
    n_raw : int

    Notes
    -----
    For any footprint (`box_candidates` is the fast path of boxes). Parallel
    over tasks of whole rows. Where every step stays inside the image, the
    footprint maximum of a row is a running maximum over one contiguous
    (SIMD) loop per step; other pixels clamp each coordinate to the image,
    as scipy's ``mode="nearest"``.
    """
    n = x.shape[0]
    ndim = shape.shape[0]
    length = shape[ndim - 1]
    n_rows = n // length
    per_task = max(1, _TASK_PIXELS // length)
    n_tasks = (n_rows + per_task - 1) // per_task
    raw = np.empty(n, dtype=np.bool_)
    counts = np.zeros(n_tasks, dtype=np.int64)
    for task in nb.prange(n_tasks):
        first = task * per_task
        last = min(first + per_task, n_rows)
        counts[task] = _footprint_rows(x, shape, deltas, offsets, center_in, raw, first, last)
    return raw, counts.sum()


@_jit
def _footprint_rows(x, shape, deltas, offsets, center_in, raw, first, last):
    ndim = shape.shape[0]
    n_nb = offsets.shape[0]
    length = shape[ndim - 1]
    dmin = 0
    dmax = 0
    for k in range(n_nb):
        dmin = min(dmin, deltas[k, ndim - 1])
        dmax = max(dmax, deltas[k, ndim - 1])
    top = np.empty(length, dtype=x.dtype)
    coord = np.empty(ndim, dtype=np.int64)
    n_raw = 0
    for row in range(first, last):
        base = row * length
        rest = row
        row_inside = True  # every step keeps the outer coordinates inside the image
        for j in range(ndim - 2, -1, -1):
            c = rest % shape[j]
            rest //= shape[j]
            coord[j] = c
            for k in range(n_nb):
                cj = c + deltas[k, j]
                if cj < 0 or cj >= shape[j]:
                    row_inside = False
        a = -dmin
        b = length - dmax
        if not row_inside or a >= b:
            a = b = length
        if b > a:
            m = b - a
            xs = x[base + a + offsets[0] : base + b + offsets[0]]
            for t in range(m):
                top[t] = xs[t]
            for k in range(1, n_nb):
                xs = x[base + a + offsets[k] : base + b + offsets[k]]
                for t in range(m):
                    top[t] = xs[t] if xs[t] > top[t] else top[t]
            xr = x[base + a : base + b]
            out = raw[base + a : base + b]
            for t in range(m):
                is_raw = xr[t] >= top[t] if center_in else xr[t] == top[t]
                out[t] = is_raw
                n_raw += is_raw
        for col in range(0, a):
            n_raw += _clamped_pixel(x, shape, deltas, center_in, raw, coord, base, col)
        for col in range(b, length):
            n_raw += _clamped_pixel(x, shape, deltas, center_in, raw, coord, base, col)
    return n_raw


@_jit
def _clamped_pixel(x, shape, deltas, center_in, raw, coord, base, col):
    """RAW flag of one pixel, each step's coordinates clamped to the image ("nearest")."""
    ndim = shape.shape[0]
    coord[ndim - 1] = col
    i = base + col
    xv = x[i]
    best = xv
    have = False
    for k in range(deltas.shape[0]):
        idx = 0
        for j in range(ndim):
            c = coord[j] + deltas[k, j]
            if c < 0:
                c = 0
            elif c >= shape[j]:
                c = shape[j] - 1
            idx = idx * shape[j] + c
        xu = x[idx]
        if not have or xu > best:
            best = xu
            have = True
    is_raw = xv >= best if center_in else xv == best
    raw[i] = is_raw
    return 1 if is_raw else 0


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
