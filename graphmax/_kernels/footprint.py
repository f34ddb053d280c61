"""Peak candidates of an image: pixels no pixel of their footprint exceeds (box footprints
by separable running maxima, any footprint by per-step running maxima), as
``x == maximum_filter(x, mode="nearest")``."""

from __future__ import annotations

import numba as nb
import numpy as np

from .._threading import jit as _jit, parallel_jit as _pjit  # locked where the threading layer is not threadsafe
from .core import _row_tasks, _task_rows


def box_candidates(x, shape, before, after, border, thr, use_thr, parallel):
    """`_box_candidates_parallel` or, for small images, `_box_candidates_serial` (same results).

    A parallel region costs a scheduler time slice when another process
    keeps the cores busy, which dwarfs a small image (docs/decisions.md,
    "Small inputs never wake the thread pool").
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
    length = shape[shape.shape[0] - 1]
    n_rows = n // length
    per_task, n_tasks = _row_tasks(n_rows, length)
    flat_buf = np.empty(n, dtype=np.int64)
    value_buf = np.empty(n, dtype=x.dtype)
    counts = np.zeros(n_tasks, dtype=np.int64)
    raws = np.zeros(n_tasks, dtype=np.int64)
    for task in nb.prange(n_tasks):
        first, last = _task_rows(task, per_task, n_rows)
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
    length = shape[shape.shape[0] - 1]
    n_rows = n // length
    per_task, n_tasks = _row_tasks(n_rows, length)
    raw = np.empty(n, dtype=np.bool_)
    counts = np.zeros(n_tasks, dtype=np.int64)
    for task in nb.prange(n_tasks):
        first, last = _task_rows(task, per_task, n_rows)
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
