"""Prominence: 0-dimensional persistence of the superlevel filtration (sorted union-find,
scipy's wall rule, and the faster union-find over ascent basins, on graphs and on the
implicit grid graph), and the sort keys of the total order it runs in."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import (  # locked where the threading layer is not threadsafe
    jit as _jit,
)
from .._threading import parallel_jit as _pjit
from .core import _find, _row_tasks, _task_rows, _union_by_size

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


@nb.njit(cache=True, nogil=True, inline="always")
def _above(xu, u, xv, v):
    """Whether node `u` (value `xu`) comes before node `v` (value `xv`) in the total order
    "value descending, index ascending". Branch-free (``|``, ``&``) and inlined: the
    ascent passes compare random values, where branches would mispredict."""
    return (xu > xv) | ((xu == xv) & (u < v))


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
            better = _above(xu, u, best_x, best)
            best = u if better else best
            best_x = xu if better else best_x
            above = _above(xu, u, xv, v)
            n_above += above
            below |= (not above) & (u != v)
        up[v] = best
        kind[v] = (0 if below else PIT) | (FORK if n_above >= 2 else 0)


@_pjit
def graph_ascent_parallel(indptr, indices, x, up, kind):
    """`graph_ascent` over every node, parallel over tasks of `core._TASK_PIXELS` nodes."""
    n = indptr.shape[0] - 1
    per_task, n_tasks = _row_tasks(n, 1)  # a node is a "row" of one
    for task in nb.prange(n_tasks):
        first, last = _task_rows(task, per_task, n)
        graph_ascent(indptr, indices, x, up, kind, first, last)


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
                q = (lu != lv) & _above(xu, u, xv, v)
                other[j] = lu if q else -1
                found |= q
        saddle[v] = found


@_pjit
def graph_saddles_parallel(indptr, indices, x, lab, kind, other, saddle):
    """`graph_saddles` over every node, parallel over tasks of `core._TASK_PIXELS` nodes."""
    n = indptr.shape[0] - 1
    per_task, n_tasks = _row_tasks(n, 1)
    for task in nb.prange(n_tasks):
        first, last = _task_rows(task, per_task, n)
        graph_saddles(indptr, indices, x, lab, kind, other, saddle, first, last)


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
def _row_step(region, base, offsets, deltas, k, length, same):
    """Step k along the row of pixels ``base..base+length-1``: ``(o, lo, hi)``, its raveled
    offset and the positions ``lo..hi-1`` whose neighbour at that step is in the row's
    reach along the last axis; ``same[lo:hi]`` whether the two pixels share one positive
    region (all True without a `region`)."""
    o = offsets[k]
    last = deltas[k, deltas.shape[1] - 1]
    lo = max(0, -last)
    hi = min(length, length - last)
    if region.shape[0] == 0:
        for t in range(lo, hi):
            same[t] = True
        return o, lo, hi
    for t in range(lo, hi):
        r = region[base + t]
        same[t] = (r > 0) & (region[base + t + o] == r)
    return o, lo, hi


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
            o, lo, hi = _row_step(region, base, offsets, deltas, k, length, same)
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
    per_task, n_tasks = _row_tasks(n_rows, length)
    for task in nb.prange(n_tasks):
        first, last = _task_rows(task, per_task, n_rows)
        grid_ascent(x, shape, deltas, offsets, region, up, kind, first, last)


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
            o, lo, hi = _row_step(region, base, offsets, deltas, k, length, same)
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
    per_task, n_tasks = _row_tasks(n_rows, length)
    for task in nb.prange(n_tasks):
        first, last = _task_rows(task, per_task, n_rows)
        grid_saddles(x, shape, deltas, offsets, region, lab, steps, saddle, first, last)


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
