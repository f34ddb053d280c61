"""Topographic prominence of the peaks of node values: the superlevel union-find (docs/semantics.md §5)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._lazy import lazy
from ._values import graph_and_values, kernel_values

persistence = lazy("graphmax._kernels.persistence", globals(), "persistence")  # numba: on first use

__all__ = ["Prominence", "prominence"]


class Prominence(NamedTuple):
    """Per-node result of ``prominence(..., return_saddle=True)``.

    Attributes
    ----------
    prominence : ndarray, shape (n,)
        0 for every node that is not a peak (see `prominence`).
    saddle : ndarray of int64, shape (n,)
        The node where each peak's component merges into one holding a higher
        peak; -1 for non-peaks and for the highest peak of each connected
        component.
    parent : ndarray of int64, shape (n,)
        The higher peak it merges into (the highest peak of the merged
        component); -1 where `saddle` is -1, and (with ``border``) where the
        higher ground is the border.
    """

    prominence: np.ndarray
    saddle: np.ndarray
    parent: np.ndarray


def prominence(graph, x, *, return_saddle=False, border=None):
    """Topographic prominence of every node of a graph signal.

    A peak's prominence is its height above the highest col (saddle) from
    which higher ground can be reached; the highest peak of a connected
    component, with no higher ground, gets its height above the
    component's minimum. This is *not* the prominence of
    ``scipy.signal.peak_prominences`` on 1-D signals, which counts the two
    ends of the signal as higher ground (a side with no higher point reaches
    the border): on ``[2.8, 3, 1, 5]`` the peak at index 1 has prominence
    2.0 here (its col towards the 5 is the 1) and 0.2 in scipy (the 2.8
    between it and the left end). ``border=`` gives scipy's rule.

    Parameters
    ----------
    graph : Graph or any input `as_graph` accepts
        Edges are read as undirected (an edge in either direction joins its
        two nodes); weights are ignored.
    x : array_like, shape (n,), or node-keyed values, or str
        Node values (bool, int, uint or float; ±inf allowed, NaN not), in
        node order, keyed by node (dict, pandas Series), or the name of a
        node attribute (networkx) / field (PyG).
    return_saddle : bool, default False
        Also return each peak's saddle and parent node (a `Prominence`).
    border : array_like, optional
        The nodes next to a border (a boolean mask of shape ``(n,)``, or
        their positions in node order). Given, the prominence follows
        ``scipy.signal.peak_prominences``' rule: the border is higher
        ground, and an equal peak is not -- every node gets its height above
        the highest col from which it reaches a strictly higher node or a
        border node, so equal peaks, and every node of a plateau, share one
        value, and a node that is no peak gets 0. On a path whose two ends
        are the border this is ``peak_prominences(x, range(n))`` exactly
        (without `wlen`). A component with no border node keeps the
        topographic rule for its highest nodes.

    Returns
    -------
    ndarray, shape (n,), or Prominence
        float64 for float `x`, int64 for bool and signed integers, uint64 for
        unsigned integers: exact differences of values.

    Raises
    ------
    OverflowError
        A signed integer `x` whose range does not fit in int64.

    See Also
    --------
    graphmax.find_peaks : peaks filtered by ``min_prominence``.
    graphmax.grid.prominence : the same on images, without an adjacency.

    Notes
    -----
    With the total order "value descending, node index ascending" (ties are
    broken by index, the same on every run):

    1. Ascent: every node points to its highest neighbour above it; a node
       with none is a peak. Following the pointers labels every node with
       the peak it climbs to, its basin -- O(n + E), parallel over nodes.
    2. A node joins components of the superlevel set only where a neighbour
       above it lies in another basin: these saddle candidates alone are
       sorted (value descending, index ascending) -- O(E + s log s) for s
       candidates; every other node just joins its basin.
    3. The candidates enter in that order, with a union-find (by size, path
       halving) over basins, not nodes. A candidate that joins several
       components is their saddle: all but the one with the highest peak
       die there (elder rule), and each dying peak gets prominence
       ``x[peak] - x[saddle]`` and as parent the highest peak of the merged
       component. This is the union-find over all nodes in sorted order,
       with the steps that merge nothing left out: the same bars, saddles
       and parents.
    4. The highest peak of each connected component never dies: its
       prominence is the component's maximum minus its minimum (the lowest
       node with no neighbour below it), with no saddle and no parent (-1).

    Only the representative of a plateau -- its lowest index -- can have a
    nonzero prominence; its other members, and every node that is not a
    plateau maximum, get 0. The nonzero prominences are the 0-dimensional
    persistence of the lower-star filtration of ``-x`` (GUDHI's
    ``SimplexTree``), the highest peaks being its infinite bars.

    Examples
    --------
    >>> import networkx as nx
    >>> prominence(nx.path_graph(5), [1, 4, 2, 3, 0])
    array([0, 4, 0, 1, 0])
    >>> p = prominence(nx.path_graph(5), [1, 4, 2, 3, 0], return_saddle=True)
    >>> p.saddle, p.parent      # node 3 merges into node 1's hill at node 2
    (array([-1, -1, -1,  2, -1]), array([-1, -1, -1,  1, -1]))

    Topographic prominence, and scipy's rule with the path's ends as border:

    >>> x = [2.8, 3, 1, 5]
    >>> prominence(nx.path_graph(4), x)
    array([0., 2., 0., 4.])
    >>> prominence(nx.path_graph(4), x, border=[0, 3])  # the 5 touches the border: 0, as in scipy
    array([0. , 0.2, 0. , 0. ])
    >>> from scipy.signal import peak_prominences
    >>> peak_prominences(x, [1])[0]
    array([0.2])
    """
    g, a = graph_and_signal(graph, x)
    return_saddle = _check_flag(return_saddle, "return_saddle")
    if border is None:
        result = graph_prominence(g, a)
    else:
        indptr, indices, _ = g.neighbors("both")
        result = wall_prominence(indptr, indices, a, border_mask(border, g.n))
    return result if return_saddle else result.prominence


def graph_and_signal(graph, x, name="x"):
    """`graph_and_values` for functions that take one signal: `x` 1-D, without NaN."""
    g, a = graph_and_values(graph, x, name=name)
    return g, _check_signal(a, name)


def _check_signal(a, name):
    if a.ndim != 1:
        raise ValueError(
            f"`{name}` must have shape ({a.shape[0]},): one value per node, got shape {a.shape} "
            "(several signals, as the columns of a 2-D array or a DataFrame: pass one column)"
        )
    if a.dtype.kind == "f":
        nan = int(np.isnan(a).sum())
        if nan:
            raise ValueError(f"`{name}` contains {nan} NaN value(s); peaks and prominence need ordered values")
    return a


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False, got {value!r}")
    return bool(value)


# Below this many nodes the ascent and saddle passes run on one thread: waking the thread pool
# costs more than they take (and a scheduler time slice on a loaded machine).
_PARALLEL_NODES = 1 << 16


def graph_prominence(g, a):
    """`Prominence` of 1-D, NaN-free values `a` on the undirected reading of `g`.

    By ascent basins (`persistence.graph_ascent`): only the saddle candidates are sorted
    and only basins enter the union-find.
    """
    indptr, indices, _ = g.neighbors("both")
    x = kernel_values(a)
    n = x.shape[0]
    up, kind, lab, saddle = work_arrays(n)
    if n >= _PARALLEL_NODES:
        persistence.graph_ascent_parallel(indptr, indices, x, up, kind)
    else:
        persistence.graph_ascent(indptr, indices, x, up, kind, 0, n)
    top = persistence.ascent_basins(up, lab)
    other = np.empty(indices.shape[0], dtype=lab.dtype)
    if n >= _PARALLEL_NODES:
        persistence.graph_saddles_parallel(indptr, indices, x, lab, kind, other, saddle)
    else:
        persistence.graph_saddles(indptr, indices, x, lab, kind, other, saddle, 0, n)
    death, essential, parent = persistence.graph_basin_persistence(
        indptr, lab, top, other, in_order(a, saddle), np.flatnonzero(kind & persistence.PIT), x
    )
    return finish(a, top, death, essential, parent)


def grid_prominence(flat, shape, deltas, offsets, region):
    """`graph_prominence` of the raveled image `flat` on the implicit grid graph of `shape`
    (steps `deltas`, raveled `offsets`; with a non-empty `region`, edges only within one
    positive region): no adjacency is built, and each pass runs along image rows."""
    x = flat if flat.dtype in (np.uint8, np.uint16) else kernel_values(flat)
    deltas, offsets = ascent_steps(deltas, offsets)
    n = x.shape[0]
    up, kind, lab, saddle = work_arrays(n)
    args = (x, shape, deltas, offsets, region)
    rows = n // shape[-1] if n else 0
    if n >= _PARALLEL_NODES:
        persistence.grid_ascent_parallel(*args, up, kind)
    else:
        persistence.grid_ascent(*args, up, kind, 0, rows)
    top = persistence.ascent_basins(up, lab)
    steps = np.empty((n, (offsets.shape[0] + 31) // 32), dtype=np.uint32)
    if n >= _PARALLEL_NODES:
        persistence.grid_saddles_parallel(*args, lab, steps, saddle)
    else:
        persistence.grid_saddles(*args, lab, steps, saddle, 0, rows)
    nodes = np.flatnonzero(saddle)
    rec = persistence.grid_saddle_records(offsets, lab, steps, nodes)
    death, essential, parent = persistence.grid_basin_persistence(
        offsets, lab, top, steps, nodes, descending_order(flat[nodes]), rec, np.flatnonzero(kind & persistence.PIT), x
    )
    return finish(flat, top, death, essential, parent)


def ascent_steps(deltas, offsets):
    """The steps in the order `persistence.grid_ascent` needs: negative offsets nearest
    first, then positive ones ascending."""
    order = np.lexsort((np.abs(offsets), offsets > 0))
    return np.ascontiguousarray(deltas[order]), np.ascontiguousarray(offsets[order])


def sorted_prominence(indptr, indices, a):
    """`graph_prominence` by the plain sorted union-find (`persistence.superlevel_persistence`):
    every node sorted and entered. The reference the basin path is tested against."""
    order = compact(descending_order(a))
    born, death, essential, parent = persistence.superlevel_persistence(indptr, indices, order)
    peaks = np.flatnonzero(born)
    return finish(a, peaks, death[peaks], essential[peaks], parent[peaks])


def work_arrays(n):
    """Per-node work arrays of the basin passes: `up` and `lab` (int32 when every index fits:
    half the bytes of the random reads), `kind` flags and the `saddle` mask."""
    index = np.int32 if n < np.iinfo(np.int32).max else np.int64
    return np.empty(n, dtype=index), np.empty(n, dtype=np.uint8), np.empty(n, dtype=index), np.empty(n, dtype=bool)


def in_order(a, mask):
    """The nodes of `mask`, in the total order (value of `a` descending, index ascending)."""
    nodes = np.flatnonzero(mask)
    return nodes[descending_order(a[nodes])]


def border_mask(border, n):
    """`border` (a boolean mask or node positions) as a boolean mask of shape (n,)."""
    b = np.asarray(border)
    if b.size == 0:
        return np.zeros(n, dtype=bool)
    if b.dtype == np.bool_:
        if b.shape != (n,):
            raise ValueError(f"`border` as a mask must have one entry per node, shape ({n},), got shape {b.shape}")
        return b
    if b.dtype.kind not in "iu":
        raise TypeError(f"`border` must be a boolean mask or node positions (integers), got dtype {b.dtype}")
    b = b.ravel()
    if b.min() < 0 or b.max() >= n:
        bad = b[(b < 0) | (b >= n)][0]
        raise ValueError(f"`border` holds node positions in 0..{n - 1}, got {bad}")
    mask = np.zeros(n, dtype=bool)
    mask[b] = True
    return mask


def wall_prominence(indptr, indices, a, wall):
    """`Prominence` of 1-D, NaN-free `a` under scipy's rule, the nodes of `wall` next to the border."""
    order = compact(descending_order(a))
    ranked = a[order]
    step = np.empty(ranked.shape[0], dtype=np.int64)
    step[:1] = 0
    step[1:] = ranked[1:] != ranked[:-1]  # -0.0 == 0.0: one level
    level = np.empty_like(step)
    level[order] = np.cumsum(step)
    death, essential, parent = persistence.wall_persistence(indptr, indices, order, level, wall)
    return finish(a, np.arange(a.shape[0]), death, essential, parent)


def descending_order(a):
    """Positions by value descending, ties by position ascending (int64 (n,)); -0.0 equals 0.0.

    8- and 16-bit integers and bool: numpy's stable radix sort of the
    bit-flipped values. Others: `persistence.packed_descending_keys` (the
    value's top bits and the position in one uint64) sorted by ``np.sort``,
    then `fix_packed_order` for values that share those top bits -- exact,
    and ~3x faster than ``np.argsort(kind="stable")`` (timsort).
    """
    a = np.ascontiguousarray(a).ravel()
    if a.dtype == np.bool_:
        a = a.view(np.uint8)
    if a.dtype.kind in "iu" and a.dtype.itemsize <= 2:
        return np.argsort(~a, kind="stable").astype(np.int64, copy=False)  # ~v reverses the order exactly
    v = kernel_values(a)
    if v.dtype == np.float64:
        v = v + 0.0  # -0.0 + 0.0 == +0.0: one bit pattern for zero (and a copy: `a` is never touched)
        kind = persistence.FLOAT_BITS
    else:
        kind = persistence.INT_BITS if v.dtype == np.int64 else persistence.UINT_BITS
    bits_of = v.view(np.uint64)
    bits = max(1, int(v.shape[0] - 1).bit_length())
    keys = np.sort(persistence.packed_descending_keys(bits_of, kind, bits))
    return persistence.fix_packed_order(keys, bits_of, kind, bits)


def compact(order):
    """`order` as int32 when every index fits: the union-find's per-node arrays take its dtype
    (measured 0.82 s -> 0.55 s on 1M nodes / 16M edges)."""
    return order.astype(np.int32) if order.shape[0] < np.iinfo(np.int32).max else order


def prominence_dtype(dtype):
    """float64 for floats, uint64 for unsigned integers, int64 for bool and signed integers."""
    return np.dtype(np.float64 if dtype.kind == "f" else np.uint64 if dtype.kind == "u" else np.int64)


def finish(a, peaks, death, essential, parent):
    """Per-node `Prominence` from a persistence kernel's output per peak: the `peaks` (nodes),
    the node where each dies (`death`: its saddle, or its component's minimum when
    `essential`) and its `parent`."""
    n = a.shape[0]
    top, low = kernel_values(a[peaks]), kernel_values(a[death])
    out_dtype = prominence_dtype(a.dtype)
    if top.dtype == np.int64:
        # x[peak] >= x[low], so the difference is exact modulo 2**64 in uint64.
        diff = top.view(np.uint64) - low.view(np.uint64)
        if diff.size and diff.max() > np.iinfo(np.int64).max:
            raise OverflowError(
                f"`x` spans more than the int64 range (prominence up to {int(diff.max())}); "
                "pass it as float or uint64"
            )
        diff = diff.astype(np.int64)
    else:
        with np.errstate(invalid="ignore"):  # inf - inf: an infinite plateau or component, 0
            diff = np.where(top == low, top.dtype.type(0), top - low)
    prom = np.zeros(n, dtype=out_dtype)
    prom[peaks] = diff
    real = (diff > 0) & ~essential
    saddle = np.full(n, -1, dtype=np.int64)
    saddle[peaks[real]] = death[real]
    parents = np.full(n, -1, dtype=np.int64)
    parents[peaks[real]] = parent[real]
    return Prominence(prom, saddle, parents)
