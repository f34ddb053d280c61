"""Local maxima over the implicit grid graph of an image (numba).

The image is seen raveled (row-major) with a list of neighbour offsets; a
neighbour outside the image simply does not exist (no padding, no copy).
Like every graphmax kernel they see only flat, already-normalised arrays and
never validate. Value dtypes: float64, int64, uint64
(`_values.kernel_values`), plus uint8 and uint16 kept as they are (see
`grid._pixel_values`).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import (  # locked where the threading layer is not threadsafe
    jit as _jit,
)
from .._threading import parallel_jit as _pjit
from .core import _TASK_PIXELS, NONSTRICT, PLATEAU, STRICT, _row_tasks, _task_rows

# Per-pixel states of `classify` / `fill_plateaus`. After `fill_plateaus`
# only NOT_MAX and MAX remain, so the state array *is* the boolean mask.
NOT_MAX = 0  # this pixel's plateau is not a maximum: a higher neighbour, a forbidden border, NaN, too few neighbours
MAX = 1  # a maximum
CANDIDATE = 2  # interior pixel, no higher neighbour but an equal one: its plateau decides (plateau mode)
BORDER_CANDIDATE = 3  # the same on the image border (its neighbours need bounds checks)
QUEUED = 4  # a candidate in the flood fill now running (fill_plateaus only)
BORDER_QUEUED = 5  # a border candidate in the flood fill now running
DEFERRED = 6  # a candidate whose plateau leaves its band: left to the sequential fill
BORDER_DEFERRED = 7  # the same on the border (border states are the odd ones)
NAN_PIXEL = 8  # returned (never stored) by `_border_pixel` for a NaN pixel
SEED = 9  # an interior candidate the last sweep of `propagate_plateaus` found losing (propagate_plateaus only)

# Most pixels in one scan of `_classify_pieces` when short interior rows are grouped.
_SPAN = 2048


@_pjit
def classify(x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware):
    """One pass over every pixel: its state from its own neighbourhood.

    Parameters
    ----------
    x : 1-D array
        The raveled (C order) image.
    shape : int64 (ndim,)
    deltas : int64 (K, ndim)
        Coordinate step to each neighbour.
    offsets : int64 (K,)
        The same steps as raveled offsets.
    mode : int
        STRICT, NONSTRICT or PLATEAU.
    min_neighbors : int
        A pixel with fewer neighbours is never a maximum (plateau mode: only
        pixels without equal neighbours are decided here).
    allow_border : bool
        False: pixels on the image border are NOT_MAX.
    nan_aware : bool
        True: NaN neighbours do not exist. False: they are treated as any
        value (the caller uses the result only when `nan_count` is 0).

    Returns
    -------
    state : uint8 (n,)
        NOT_MAX, MAX, or (plateau mode) CANDIDATE / BORDER_CANDIDATE.
    nan_count : int
        Number of NaN pixels (all NOT_MAX).
    candidates : int
        Number of CANDIDATE and BORDER_CANDIDATE pixels.

    Notes
    -----
    Parallel over pieces of rows (the last axis). The interior of a row takes
    the running maximum of its neighbour rows, one contiguous branch-free
    (SIMD) loop per neighbour offset; a per-pixel scan with an early exit at
    the first higher neighbour was ~4x slower on random images (branch
    mispredictions). Rows on the border of an outer axis take the same
    path over the neighbours they have (per-pixel checks there made 3-D
    images ~2-3x slower); only each row's two end pixels check each
    neighbour's coordinates.
    """
    n = x.shape[0]
    length = shape[shape.shape[0] - 1]
    n_rows = n // length
    # Pixels handled by one parallel task: long rows (1-D signals) are split so
    # that they still use every thread, short rows are grouped.
    chunk = min(length, _TASK_PIXELS)
    n_chunks = (length + chunk - 1) // chunk
    n_pieces = n_rows * n_chunks
    per_task, n_tasks = _row_tasks(n_pieces, chunk)  # a piece: `chunk` pixels of a row
    state = np.empty(n, dtype=np.uint8)
    nans = np.zeros(n_tasks, dtype=np.int64)
    cands = np.zeros(n_tasks, dtype=np.int64)
    # The parallel body is a function call: numba's parfor pass mistakes
    # counters updated in nested loops for reductions.
    for task in nb.prange(n_tasks):
        first, last = _task_rows(task, per_task, n_pieces)
        nans[task], cands[task] = _classify_pieces(
            x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware, state, chunk, first, last
        )
    return state, nans.sum(), cands.sum()


@_jit
def _classify_pieces(
    x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware, state, chunk, first, last
):
    """`classify` on pieces ``first..last-1`` (a piece: `chunk` columns of one row).

    Returns the number of NaN pixels and of candidates seen.
    """
    ndim = shape.shape[0]
    n_nb = offsets.shape[0]
    length = shape[ndim - 1]
    n_chunks = (length + chunk - 1) // chunk
    # Short rows (3-D volumes, narrow images) are grouped: consecutive interior
    # rows form one span of up to _SPAN pixels, scanned as if it were one row
    # (128^3: ~2x faster than row by row, whose per-row set-up dominated).
    span = max(chunk, _SPAN) if n_chunks == 1 else chunk
    neighbour_max = np.empty(span, dtype=x.dtype)
    n_valid = np.empty(span, dtype=np.int32)  # non-NaN neighbours (nan_aware only)
    row_valid = np.empty(n_nb, dtype=np.bool_)
    row_offsets = np.empty(n_nb, dtype=np.int64)  # the offsets of the neighbours a row's interior columns have
    n_nans = 0
    n_cands = 0
    piece = first
    while piece < last:
        row = piece // n_chunks
        lo = (piece % n_chunks) * chunk
        hi = min(lo + chunk, length)
        base = row * length
        group = 1
        if n_chunks == 1 and length >= 3 and _row_is_interior(row, shape):
            while piece + group < last and (group + 1) * length <= span and _row_is_interior(row + group, shape):
                group += 1
        piece += group
        if group > 1:
            nn, nc = _scan_interior_rows(x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware,
                                         state, row_valid, neighbour_max, n_valid, base, group)
            n_nans += nn
            n_cands += nc
            continue
        # Which neighbours exist along the outer axes is the same for the whole row.
        row_valid[:] = True
        row_interior = True
        rest = row
        for j in range(ndim - 2, -1, -1):
            c = rest % shape[j]
            rest //= shape[j]
            if c == 0 or c == shape[j] - 1:
                row_interior = False
                for k in range(n_nb):
                    cj = c + deltas[k, j]
                    if cj < 0 or cj >= shape[j]:
                        row_valid[k] = False
        # Columns [a, b) but the row's two ends: whole-row comparisons over the
        # neighbours that exist (all of them in an interior row), no bounds checks.
        a = max(lo, 1)
        b = min(hi, length - 1)
        if a >= b:
            a = b = hi
        m = b - a
        if m > 0 and not row_interior and not allow_border:
            # A border row: every pixel is on the image border.
            out = state[base + a : base + b]
            xr = x[base + a : base + b]
            for t in range(m):
                out[t] = NOT_MAX
                n_nans += xr[t] != xr[t]
        elif m > 0:
            n_row = 0
            for k in range(n_nb):
                if row_valid[k]:
                    row_offsets[n_row] = offsets[k]
                    n_row += 1
            row_lower, row_equal = _span_states(n_row, min_neighbors, mode, row_interior)
            nn, nc = _scan_span(x, state, base + a, m, row_offsets, n_row, neighbour_max, n_valid, nan_aware,
                                mode, min_neighbors, row_lower, row_equal)
            n_nans += nn
            n_cands += nc
        # The row's two end columns: neighbour by neighbour.
        for col in range(lo, a):
            s = _border_pixel(x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware,
                              state, row_valid, base, col)
            n_nans += s == NAN_PIXEL
            n_cands += s == CANDIDATE or s == BORDER_CANDIDATE
        for col in range(b, hi):
            s = _border_pixel(x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware,
                              state, row_valid, base, col)
            n_nans += s == NAN_PIXEL
            n_cands += s == CANDIDATE or s == BORDER_CANDIDATE
    return n_nans, n_cands


@_jit
def _span_states(n_row, min_neighbors, mode, interior):
    """(state if every neighbour is lower, state if the highest is equal) of
    pixels with `n_row` neighbours, inside the image or on its border."""
    lower = MAX if n_row >= min_neighbors else NOT_MAX
    if mode == STRICT:
        return lower, NOT_MAX
    if mode == NONSTRICT:
        return lower, lower
    return lower, CANDIDATE if interior else BORDER_CANDIDATE


@_jit
def _scan_span(x, state, lo, m, row_offsets, n_row, neighbour_max, n_valid, nan_aware, mode, min_neighbors,
               row_lower, row_equal):
    """States of pixels ``lo..lo+m-1``, all of which have the neighbours at
    ``row_offsets[:n_row]`` (no bounds checks): one branch-free (SIMD) pass per
    neighbour offset for the running maximum, then one for the states.

    `row_lower` / `row_equal`: the state of a pixel whose neighbours are all
    lower / whose highest neighbour is equal (`nan_aware`: recomputed per
    pixel from its number of non-NaN neighbours). Returns the number of NaN
    pixels and of candidates.
    """
    xr = x[lo : lo + m]
    xs = x[lo + row_offsets[0] : lo + row_offsets[0] + m]
    for t in range(m):
        neighbour_max[t] = xs[t]
    if nan_aware:
        # The maximum of the non-NaN neighbours (NaN if none) and their number.
        for t in range(m):
            n_valid[t] = xs[t] == xs[t]
        for k in range(1, n_row):
            xs = x[lo + row_offsets[k] : lo + row_offsets[k] + m]
            for t in range(m):
                top = neighbour_max[t]
                neighbour_max[t] = xs[t] if xs[t] > top or top != top else top
                n_valid[t] += xs[t] == xs[t]
    else:
        for k in range(1, n_row):
            xs = x[lo + row_offsets[k] : lo + row_offsets[k] + m]
            for t in range(m):
                neighbour_max[t] = xs[t] if xs[t] > neighbour_max[t] else neighbour_max[t]
    out = state[lo : lo + m]
    n_nans = 0
    n_cands = 0
    # Two copies of one loop, on purpose: with `if nan_aware` inside, LLVM
    # turns the n_valid read into an AVX-512 masked load, which still touches
    # memory past an empty n_valid; where that memory was unmapped (a fresh
    # thread arena), each masked-off load took a microcode assist and the
    # whole pass ran ~15x slower. (n_valid is now never empty either.)
    if nan_aware:
        for t in range(m):
            xv = xr[t]
            top = neighbour_max[t]
            is_nan = xv != xv
            lower = MAX if n_valid[t] >= min_neighbors else NOT_MAX
            equal = lower if mode == NONSTRICT else row_equal
            s = NOT_MAX if top > xv or is_nan else (equal if top == xv else lower)
            out[t] = s
            n_nans += is_nan
            n_cands += s >= CANDIDATE
    else:
        for t in range(m):
            xv = xr[t]
            top = neighbour_max[t]
            is_nan = xv != xv
            s = NOT_MAX if top > xv or is_nan else (row_equal if top == xv else row_lower)
            out[t] = s
            n_nans += is_nan
            n_cands += s >= CANDIDATE
    return n_nans, n_cands


@_jit
def _row_is_interior(row, shape):
    """Whether raveled row `row` lies off the image border along every outer axis."""
    rest = row
    for j in range(shape.shape[0] - 2, -1, -1):
        c = rest % shape[j]
        rest //= shape[j]
        if c == 0 or c == shape[j] - 1:
            return False
    return True


@_jit
def _scan_interior_rows(x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware,
                        state, row_valid, neighbour_max, n_valid, base, group):
    """`_classify_pieces` on `group` consecutive interior rows starting at `base`, as one span.

    The span runs from the first row's column 1 to the last row's column
    ``length - 2``; the row ends inside it (each row's last column and the
    next row's first) are scanned with wrong neighbours and then redone,
    counts included, by `_border_pixel`. Their reads stay in the image: the
    rows are interior, so every neighbour row exists.
    """
    length = shape[shape.shape[0] - 1]
    n_nb = offsets.shape[0]
    row_valid[:] = True
    lo = base + 1
    m = group * length - 2
    row_lower, row_equal = _span_states(n_nb, min_neighbors, mode, True)
    n_nans, n_cands = _scan_span(x, state, lo, m, offsets, n_nb, neighbour_max, n_valid, nan_aware,
                                 mode, min_neighbors, row_lower, row_equal)
    # Every row end: the two outside the span, and the pairs inside it (undo their counts first).
    for r in range(group):
        row_base = base + r * length
        for col in (0, length - 1):
            i = row_base + col
            if i >= lo and i < lo + m:
                n_nans -= x[i] != x[i]
                n_cands -= state[i] >= CANDIDATE
            s = _border_pixel(x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware,
                              state, row_valid, row_base, col)
            n_nans += s == NAN_PIXEL
            n_cands += s == CANDIDATE or s == BORDER_CANDIDATE
    return n_nans, n_cands


@_jit
def _border_pixel(x, shape, deltas, offsets, mode, min_neighbors, allow_border, nan_aware, state, row_valid, base, col):
    """State of pixel `col` of the row starting at `base`, checking each neighbour's coordinates.

    Writes it to `state` and returns it (NAN_PIXEL for NaN, stored as
    NOT_MAX). Stops at the first higher neighbour (strict: higher or equal).
    """
    ndim = shape.shape[0]
    length = shape[ndim - 1]
    i = base + col
    xv = x[i]
    if xv != xv:
        state[i] = NOT_MAX
        return NAN_PIXEL
    on_border = col == 0 or col == length - 1
    if not on_border:
        for k in range(offsets.shape[0]):
            if not row_valid[k]:
                on_border = True  # some outer coordinate is on the border
                break
    if on_border and not allow_border:
        state[i] = NOT_MAX
        return NOT_MAX
    has_higher = False
    has_equal = False
    n_valid = 0
    for k in range(offsets.shape[0]):
        if not row_valid[k]:
            continue
        cl = col + deltas[k, ndim - 1]
        if cl < 0 or cl >= length:
            continue
        xu = x[i + offsets[k]]
        if nan_aware and xu != xu:
            continue
        n_valid += 1
        if xu > xv:
            has_higher = True
            break
        if xu == xv:
            has_equal = True
            if mode == STRICT:
                break
    if has_higher or (has_equal and mode == STRICT):
        s = NOT_MAX
    elif has_equal and mode == PLATEAU:
        s = BORDER_CANDIDATE if on_border else CANDIDATE
    elif n_valid >= min_neighbors:
        s = MAX
    else:
        s = NOT_MAX
    state[i] = s
    return s


@_pjit
def propagate_plateaus(x, state, shape, deltas, offsets, min_neighbors, candidates, n_bands, n_sweeps):
    """Plateau mode without NaN and with ``min_neighbors <= 1``: resolve every
    (BORDER_)CANDIDATE of `state` in place, visiting only the losing plateaus.

    A plateau is *not* a maximum iff one of its pixels is NOT_MAX (a higher
    neighbour, a forbidden border). So "not a maximum" is spread from the
    NOT_MAX pixels through equal-valued neighbours into the candidates:

    1. `n_sweeps` branch-free (SIMD) sweeps over the interior rows, in
       parallel: an interior candidate with an equal NOT_MAX neighbour becomes
       NOT_MAX (the last sweep marks it SEED instead). On smooth 8-bit images
       each sweep settles about half of the candidates left.
    2. The SEEDs and the candidates the sweeps did not look at are listed
       (row by row, in parallel), and the list is cut into `n_bands` parts
       (`_spread_not_max`, in parallel): every SEED, and every listed
       candidate touching an equal NOT_MAX pixel, seeds a depth-first spread
       over equal-valued candidates (anywhere: marks only ever go one way, so
       threads meeting on a plateau just repeat a little work). Listing
       first instead of scanning every pixel in step 2 halved it on moon.
    3. Every candidate left is on a maximum plateau: MAX.

    Unlike `fill_plateaus`, winning plateaus are never flooded. Their
    only other condition, ``min_neighbors == 1`` (some neighbour outside the
    plateau), fails only for a plateau with no outside neighbour at all: in a
    grid without NaN, a constant image (every pixel a candidate).

    Why it is complete: after the last sweep, an interior candidate has no
    equal neighbour that was NOT_MAX when that sweep began; every pixel marked
    since (SEED, or by a spread) has all its neighbours examined by a spread.
    Border candidates, which the sweeps skip, are checked one by one.
    """
    n = x.shape[0]
    if min_neighbors >= 1 and candidates == n:
        state[:] = NOT_MAX
        return
    length = shape[shape.shape[0] - 1]
    n_rows = n // length
    for sweep in range(n_sweeps):
        mark = SEED if sweep == n_sweeps - 1 else NOT_MAX
        for row in nb.prange(n_rows):
            _sweep_row(x, state, shape, offsets, row, mark)
    # The pixels step 2 starts from, listed row by row (no per-pixel scan there).
    interior_too = n_sweeps == 0
    counts = np.zeros(n_rows + 1, dtype=np.int64)
    for row in nb.prange(n_rows):
        counts[row + 1] = _count_seeds(state, row * length, (row + 1) * length, interior_too)
    for row in range(n_rows):
        counts[row + 1] += counts[row]
    seeds = np.empty(counts[n_rows], dtype=np.int64)
    for row in nb.prange(n_rows):
        k = counts[row]
        for p in range(row * length, (row + 1) * length):
            s = state[p]
            if s == SEED or s == BORDER_CANDIDATE or (interior_too and s == CANDIDATE):
                seeds[k] = p
                k += 1
    n_seeds = seeds.shape[0]
    band = (n_seeds + n_bands - 1) // n_bands
    for b in nb.prange(n_bands):
        _spread_not_max(x, state, shape, deltas, offsets, seeds[b * band : min(n_seeds, (b + 1) * band)], candidates)
    for i in nb.prange(n):
        s = state[i]
        state[i] = MAX if s == CANDIDATE or s == BORDER_CANDIDATE else s


@_jit
def _sweep_row(x, state, shape, offsets, row, mark):
    """One sweep of `propagate_plateaus` over the interior columns of `row`
    (nothing when the row lies on the border of an outer axis)."""
    length = shape[shape.shape[0] - 1]
    if length < 3 or not _row_is_interior(row, shape):
        return
    lo = row * length + 1
    m = length - 2
    xr = x[lo : lo + m]
    sr = state[lo : lo + m]
    hit = np.zeros(m, dtype=np.uint8)
    for k in range(offsets.shape[0]):
        xs = x[lo + offsets[k] : lo + offsets[k] + m]
        ss = state[lo + offsets[k] : lo + offsets[k] + m]
        for t in range(m):
            hit[t] |= (xs[t] == xr[t]) & (ss[t] == NOT_MAX)
    for t in range(m):
        if hit[t] and sr[t] == CANDIDATE:
            sr[t] = mark


@_jit
def _count_seeds(state, lo, hi, interior_too):
    count = 0
    for p in range(lo, hi):
        s = state[p]
        count += (s == SEED) | (s == BORDER_CANDIDATE) | (interior_too & (s == CANDIDATE))
    return count


@_jit
def _spread_not_max(x, state, shape, deltas, offsets, seeds, capacity):
    """Step 2 of `propagate_plateaus` from the listed `seeds`.

    A SEED is losing; a (BORDER_)CANDIDATE is losing if it touches an equal
    NOT_MAX pixel (a pixel already marked by another spread is skipped). The
    stack holds ``pixel << 1 | on_border``: the border flag is lost from
    `state` once the pixel is marked. Each pixel is pushed at most once by
    this call (it is marked before it is pushed), so `capacity` = the number
    of candidates bounds the stack.
    """
    ndim = shape.shape[0]
    n_nb = offsets.shape[0]
    strides = _strides(shape)
    coords = np.empty(ndim, dtype=np.int64)
    stack = np.empty(capacity, dtype=np.int64)
    for i in range(seeds.shape[0]):
        seed = seeds[i]
        s = state[seed]
        if s == NOT_MAX:
            continue
        height = x[seed]
        border = s == BORDER_CANDIDATE
        if s != SEED:
            if border:
                _coords(seed, strides, coords)
            dead = False
            for k in range(n_nb):
                if border and not _inside(coords, deltas, shape, k):
                    continue
                u = seed + offsets[k]
                if state[u] == NOT_MAX and x[u] == height:
                    dead = True
                    break
            if not dead:
                continue
        state[seed] = NOT_MAX
        stack[0] = seed << 1 | border
        top = 1
        while top > 0:
            top -= 1
            p = stack[top] >> 1
            border = (stack[top] & 1) == 1
            if border:
                _coords(p, strides, coords)
            for k in range(n_nb):
                if border and not _inside(coords, deltas, shape, k):
                    continue
                u = p + offsets[k]
                su = state[u]
                if (su == CANDIDATE or su == BORDER_CANDIDATE or su == SEED) and x[u] == height:
                    state[u] = NOT_MAX
                    stack[top] = u << 1 | (su == BORDER_CANDIDATE)
                    top += 1


@_jit
def _strides(shape):
    """Element strides of a C-ordered array of `shape`."""
    strides = np.empty(shape.shape[0], dtype=np.int64)
    stride = 1
    for j in range(shape.shape[0] - 1, -1, -1):
        strides[j] = stride
        stride *= shape[j]
    return strides


@nb.njit(cache=True, nogil=True, inline="always")
def _coords(p, strides, coords):
    rest = p
    for j in range(strides.shape[0]):
        coords[j] = rest // strides[j]
        rest -= coords[j] * strides[j]


@nb.njit(cache=True, nogil=True, inline="always")
def _inside(coords, deltas, shape, k):
    for j in range(coords.shape[0]):
        cj = coords[j] + deltas[k, j]
        if cj < 0 or cj >= shape[j]:
            return False
    return True


@_pjit
def fill_plateaus(x, state, shape, deltas, offsets, min_neighbors, nan_aware, candidates, n_bands):
    """Turn every (BORDER_)CANDIDATE of `state` (in place) into MAX or NOT_MAX by flood fill.

    A plateau (connected equal values) is a maximum iff none of its pixels is
    NOT_MAX after `classify` (no higher neighbour, not on a forbidden border)
    and it has at least `min_neighbors` distinct neighbours outside itself.

    Notes
    -----
    1. In parallel, the raveled image is cut into `n_bands` index ranges;
       each resolves the plateaus that lie inside it (`_fill_all`) and
       marks DEFERRED any plateau it finds to leave it. (Skipped when
       ``min_neighbors > 1``: counting distinct outside neighbours uses one
       shared array.)
    2. Sequentially, every remaining candidate is resolved the same way on
       the whole image.

    Each pixel is queued at most once per step: O(n + K * candidates).
    With 2 threads, bands cut this step on 2048x2048 uint8 images by a
    sixth to a third (docs/decisions.md, "Measurements behind the kernels").
    """
    n = x.shape[0]
    resolved = 0
    if min_neighbors <= 1 and n_bands > 1:
        band = (n + n_bands - 1) // n_bands
        done = np.zeros(n_bands, dtype=np.int64)
        for b in nb.prange(n_bands):
            lo = b * band
            hi = min(lo + band, n)
            if lo < hi:
                done[b] = _fill_all(x, state, shape, deltas, offsets, min_neighbors, nan_aware, lo, hi, hi - lo)
        resolved = done.sum()
    if resolved < candidates:
        _fill_all(x, state, shape, deltas, offsets, min_neighbors, nan_aware, 0, n, candidates - resolved)


@_jit
def _fill_all(x, state, shape, deltas, offsets, min_neighbors, nan_aware, lo, hi, capacity):
    """Resolve every candidate plateau lying inside pixels ``lo..hi-1``; returns how many pixels it resolved.

    `capacity` bounds the number of pixels to queue (the candidates there).
    For each candidate seed: breadth-first fill over equal-valued
    neighbours, marking them queued; interior pixels read their neighbours
    through the fixed offsets, border pixels (tagged by `classify`) check
    coordinates. The fill stops early at a higher neighbour or at an equal
    NOT_MAX pixel (its plateau, hence this one, is not a maximum): pixels of
    the plateau not reached then stay candidates and meet a NOT_MAX pixel in
    their own fill. A fill that would step out of ``lo..hi-1`` while still
    undecided restores the candidates it queued.

    (The fill is written inline: a function call per plateau, with its
    reference-counted array arguments, made this ~5x slower.)
    """
    n = x.shape[0]
    ndim = shape.shape[0]
    n_nb = offsets.shape[0]
    banded = lo > 0 or hi < n
    strides = _strides(shape)
    queue = np.empty(capacity, dtype=np.int64)
    coords = np.empty(ndim, dtype=np.int64)
    # Distinct outside neighbours are only counted when min_neighbors > 1.
    seen_by = np.full(n if min_neighbors > 1 else 0, -1, dtype=np.int64)
    resolved = 0
    for seed in range(lo, hi):
        if resolved == capacity:
            break
        s = state[seed]
        if not _is_candidate(s):
            continue
        height = x[seed]
        state[seed] = QUEUED + (s & 1)
        queue[0] = seed
        tail = 1
        head = 0
        is_max = True
        left = False
        outside = 0
        while head < tail and is_max and not left:
            p = queue[head]
            head += 1
            border = state[p] == BORDER_QUEUED
            if border:
                _coords(p, strides, coords)
            for k in range(n_nb):
                if border:
                    inside = True
                    for j in range(ndim):
                        cj = coords[j] + deltas[k, j]
                        if cj < 0 or cj >= shape[j]:
                            inside = False
                            break
                    if not inside:
                        continue
                u = p + offsets[k]
                xu = x[u]
                if xu == height:
                    if u < lo or u >= hi:
                        left = True
                        break
                    s = state[u]
                    if s == NOT_MAX:
                        is_max = False
                        break
                    if banded and s >= DEFERRED:
                        left = True  # its plateau (this one) was found to leave the band
                        break
                    if _is_candidate(s):
                        state[u] = QUEUED + (s & 1)
                        queue[tail] = u
                        tail += 1
                elif xu > height:
                    is_max = False
                    break
                elif nan_aware and xu != xu:
                    continue
                elif min_neighbors > 1:
                    if seen_by[u] != seed:
                        seen_by[u] = seed
                        outside += 1
                else:
                    outside += 1
        if left and is_max:
            for q in range(tail):
                state[queue[q]] += DEFERRED - QUEUED
            continue
        verdict = MAX if is_max and outside >= min_neighbors else NOT_MAX
        for q in range(tail):
            state[queue[q]] = verdict
        resolved += tail
    return resolved


@_jit
def _is_candidate(s):
    return s == CANDIDATE or s == BORDER_CANDIDATE or s == DEFERRED or s == BORDER_DEFERRED
