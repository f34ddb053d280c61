"""Peaks of node values over a graph: ``peak_local_max`` for any graph (docs/semantics.md §4)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._graph import Graph, _check_direction, _rows
from ._interrupt import interruptible
from ._lazy import lazy
from ._maxima import _ball_csr, _check_int, _check_radius, _resolve_ball, local_maxima
from ._prominence import (
    border_mask,
    graph_and_signal,
    graph_prominence,
    wall_prominence,
)
from ._values import kernel_values, node_array

peak_kernels = lazy("graphmax._kernels.peaks", globals(), "peak_kernels")  # numba: on first use

__all__ = ["Peaks", "find_peaks"]

# Distances for `min_distance` run from a kept peak to the candidates it may suppress: a
# candidate c is suppressed when the kept peak lies in c's neighbourhood N(c), i.e. along
# the reverse of `direction`.
_REVERSE = {"both": "both", "out": "in", "in": "out"}
# What `num_peaks`, `num_peaks_per_label` and `min_distance` go by (the output order).
_ORDERS = ("value", "prominence")


@dataclass(frozen=True, eq=False, repr=False)
class Peaks:
    """The peaks `find_peaks` kept, in output order (its `order`: by default value
    descending, node index ascending).

    Attributes
    ----------
    nodes : ndarray of int64, shape (N,)
        Node index (position) of each peak (one node per plateau).
    values : ndarray, shape (N,)
        ``x[nodes]``, in the dtype of `x`.
    plateau_size : ndarray of int64, shape (N,)
        Number of nodes in each peak's plateau.
    mask : ndarray of bool, shape (n,)
        True at `nodes`.
    names : ndarray or None
        Node labels of `nodes` (networkx input; as ``local_maxima(...,
        indices=True)`` returns them, see docs/ids.md), else None.
    labels : ndarray of int64 or None
        The label of each peak, when `labels` was given.
    prominence : ndarray or None
        Topographic prominence of each plateau (see `graphmax.prominence`),
        when computed (``min_prominence``, ``order="prominence"`` or
        ``return_prominence=True``).
    saddle, parent : ndarray of int64 or None
        Where each peak's hill merges into a higher one, and that higher
        peak (node indices, -1 for the highest peak of a connected
        component), when the prominence is computed.
    """

    nodes: np.ndarray
    values: np.ndarray
    plateau_size: np.ndarray
    mask: np.ndarray
    names: list | None = None
    labels: np.ndarray | None = None
    prominence: np.ndarray | None = None
    saddle: np.ndarray | None = None
    parent: np.ndarray | None = None

    def __len__(self):
        return int(self.nodes.shape[0])

    def __repr__(self):
        shown = (self.nodes if self.names is None else self.names)[:8].tolist()
        more = ", ..." if len(self) > 8 else ""
        extra = "" if self.prominence is None else ", with prominence"
        return f"Peaks({len(self)} of {self.mask.shape[0]} nodes: {str(shown)[1:-1]}{more}{extra})"

    def to_pandas(self):
        """The peaks as a `pandas.DataFrame`, one row per peak in output order.

        Columns: ``node`` (index), ``name`` (networkx labels only), ``value``,
        ``plateau_size``, ``label`` (with labels), and ``prominence``,
        ``saddle``, ``parent`` when computed.
        """
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is in the `bench` extra
            raise ImportError("Peaks.to_pandas needs pandas: pip install pandas") from None
        columns = {"node": self.nodes}
        if self.names is not None:
            columns["name"] = self.names
        columns["value"] = self.values
        columns["plateau_size"] = self.plateau_size
        for name in ("labels", "prominence", "saddle", "parent"):
            value = getattr(self, name)
            if value is not None:
                columns["label" if name == "labels" else name] = value
        return pd.DataFrame(columns)


@interruptible
def find_peaks(
    graph,
    x,
    *,
    labels=None,
    exclude=None,
    threshold_abs=None,
    threshold_rel=None,
    min_prominence=None,
    min_distance=None,
    min_distance_radius=None,
    num_peaks=None,
    num_peaks_per_label=None,
    hops=1,
    radius=None,
    direction="both",
    order="value",
    return_prominence=False,
    border=None,
):
    """The peaks of node values over a graph: the ``peak_local_max`` of graphs.

    Parameters
    ----------
    graph : Graph or any input `as_graph` accepts
    x : array_like, shape (n,), or node-keyed values, or str
        Node values (bool, int, uint or float; ±inf allowed, NaN not), in
        node order; or keyed by node (dict, pandas Series: aligned to the
        nodes); or the name of a node attribute (networkx) / field (PyG).
    labels : array_like of int >= 0, shape (n,), optional
        Regions: each label is its own graph (its induced subgraph) for
        everything below -- maxima, prominence, distances. Label 0 is
        background and never holds a peak.
    exclude : array_like of bool, shape (n,), optional
        Nodes that may not be peaks (the graph form of ``exclude_border``).
        A plateau with an excluded member is reported at its lowest
        non-excluded node.
    threshold_abs, threshold_rel : float, optional
        Keep peaks strictly above ``max(threshold_abs, threshold_rel *
        x.max())``; the maximum is over all nodes, labels or not (as
        scikit-image's whole-image maximum).
    min_prominence : float, optional
        Keep peaks whose prominence (`graphmax.prominence`, on each label's
        graph read as undirected) is at least this.
    min_distance : int, optional
        Greedy non-maximum suppression in output order (`order`): a
        candidate within `min_distance` hops of an already kept peak is
        dropped.
    min_distance_radius : float, optional
        The same with weighted shortest-path distance ``<= min_distance_radius``
        (unit lengths on an unweighted graph). Excludes `min_distance`.
    num_peaks : int, optional
        Keep the first `num_peaks` peaks over all labels, in output order:
        the highest by default, the most prominent with
        ``order="prominence"``.
    num_peaks_per_label : int, optional
        Keep the first `num_peaks_per_label` peaks of each label (of the
        whole graph when there are no labels), in output order.
    hops, radius, direction :
        The neighbourhood of the maxima, as in `graphmax.local_maxima`
        (plateau mode). `direction` also orients the distances of
        `min_distance`/`min_distance_radius`: a candidate ``c`` is dropped
        when a kept peak is within reach of ``c`` along `direction`.
    order : {"value", "prominence"}, default "value"
        The output order, which `min_distance`, `num_peaks` and
        `num_peaks_per_label` go by. ``"value"``: value descending, ties by
        node index ascending (``num_peaks=3`` keeps the 3 highest peaks).
        ``"prominence"``: prominence descending, then value descending, then
        node index ascending (``num_peaks=3`` keeps the 3 most prominent).
    return_prominence : bool, default False
        Compute `Peaks.prominence`, `saddle` and `parent` even without
        `min_prominence` (``order="prominence"`` computes them too).
    border : array_like, optional
        The prominence under ``scipy.signal.peak_prominences``' rule: the
        nodes next to a border (a boolean mask or node positions), as
        `graphmax.prominence`'s `border`. Only with the prominence
        (`min_prominence`, ``order="prominence"`` or `return_prominence`).

    Returns
    -------
    Peaks
        In output order (`order`).

    See Also
    --------
    graphmax.local_maxima, graphmax.prominence,
    graphmax.grid.find_peaks : scikit-image's ``peak_local_max`` on images.

    Notes
    -----
    The steps, in the order of docs/semantics.md §4:

    1. Candidates: the plateau-mode local maxima (`local_maxima`) of each
       label's induced subgraph; one per plateau, at its lowest node index.
    2. `exclude`: a plateau moves to its lowest allowed node, or is dropped.
    3. Threshold (strictly above), then `min_prominence` (at least).
    4. Sort by `order`: value descending, node index ascending; or
       prominence descending first.
    5. `min_distance` / `min_distance_radius`: walk the sorted candidates;
       keep one unless an already kept peak was within reach, and mark the
       nodes within reach of each kept one (a BFS truncated at the depth, or
       a Dijkstra truncated at the radius, from the kept peak only).
    6. `num_peaks_per_label`, then `num_peaks`.

    Cost: steps 1-4 are those of `local_maxima` plus a sort of the
    candidates; the prominence adds O(E α(n) + n log n); step 5 costs the
    balls of the kept peaks.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.path_graph(7)
    >>> x = [0, 5, 1, 4, 4, 2, 3]
    >>> p = find_peaks(G, x, return_prominence=True)
    >>> p.nodes, p.plateau_size, p.prominence
    (array([1, 3, 6]), array([1, 2, 1]), array([5, 3, 1]))
    >>> find_peaks(G, x, min_prominence=2).nodes
    array([1, 3])
    >>> find_peaks(G, x, min_distance=2).nodes      # node 3 is 2 hops from node 1
    array([1, 6])
    >>> find_peaks(G, x, labels=[1, 1, 1, 2, 2, 2, 2], num_peaks_per_label=1).nodes
    array([1, 3])
    >>> ridge = [10, 90, 0, 100, 95, 98, 0, 50, 0]       # 98 is a shoulder of 100
    >>> find_peaks(nx.path_graph(9), ridge, num_peaks=2).nodes                       # the 2 highest
    array([3, 5])
    >>> find_peaks(nx.path_graph(9), ridge, num_peaks=2, order="prominence").nodes   # the 2 most prominent
    array([3, 1])
    >>> find_peaks(G, x, return_prominence=True).to_pandas()
       node  name  value  plateau_size  prominence  saddle  parent
    0     1     1      5             1           5      -1      -1
    1     3     3      4             2           3       2       1
    2     6     6      3             1           1       5       3
    """
    g, a = graph_and_signal(graph, x)
    lab = _check_labels(None if labels is None else node_array(labels, g, graph, name="labels"), g.n)
    excluded = _check_exclude(None if exclude is None else node_array(exclude, g, graph, name="exclude"), g.n)
    direction = _check_direction(direction)
    hops = _check_int(hops, "hops", 1)
    radius = _check_radius(radius, hops)
    thresholds = (_check_number(threshold_abs, "threshold_abs"), _check_number(threshold_rel, "threshold_rel"))
    min_prominence = _check_number(min_prominence, "min_prominence")
    spacing = _check_spacing(min_distance, min_distance_radius)
    num_peaks = _check_count(num_peaks, "num_peaks")
    num_peaks_per_label = _check_count(num_peaks_per_label, "num_peaks_per_label")
    if order not in _ORDERS:
        raise ValueError(f"`order` must be one of {_ORDERS}, got {order!r}")
    if not isinstance(return_prominence, (bool, np.bool_)):
        raise TypeError(f"`return_prominence` must be True or False, got {return_prominence!r}")
    with_prominence = bool(return_prominence) or min_prominence is not None or order == "prominence"
    if border is not None:
        if not with_prominence:
            raise ValueError("`border` changes the prominence only: pass it with `min_prominence`, "
                             "order='prominence' or return_prominence=True")
        border = border_mask(border, g.n)

    gl = g if lab is None else _label_graph(g, lab)
    # 1. one candidate per maximal plateau, at its lowest index
    is_max = local_maxima(gl, a, mode="plateau", hops=hops, radius=radius, direction=direction)
    if lab is not None:
        is_max &= lab != 0
    members = np.flatnonzero(is_max)
    plateau = _plateau_ids(gl, a, members, direction, hops, radius)
    first = _first_per_plateau(plateau)
    lowest, size = members[first], np.bincount(plateau)
    # 2. exclude: the lowest allowed member stands for the plateau
    if excluded is None:
        nodes = lowest
    else:
        allowed = ~excluded[members]
        kept_plateaus = np.unique(plateau[allowed])
        nodes = members[allowed][_first_per_plateau(plateau[allowed])]
        lowest, size = lowest[kept_plateaus], size[kept_plateaus]
    # 3. threshold and prominence
    keep = _above(a[nodes], _threshold(a, thresholds))
    prom = saddle = parent = None
    if with_prominence:
        if border is None:
            result = graph_prominence(gl, a)
        else:
            indptr, indices, _ = gl.neighbors("both")
            result = wall_prominence(indptr, indices, a, border)
        prom, saddle, parent = (r[lowest] for r in result)
        if min_prominence is not None:
            keep &= _at_least(prom, min_prominence)
    nodes, lowest, size = nodes[keep], lowest[keep], size[keep]
    if with_prominence:
        prom, saddle, parent = prom[keep], saddle[keep], parent[keep]
    # 4. output order
    keys = (nodes, kernel_values(a[nodes], reverse=True))
    if order == "prominence":
        keys += (kernel_values(prom, reverse=True),)
    rank = np.lexsort(keys)
    # 5.-6. spacing and counts
    keep = _spaced(gl, nodes[rank], spacing, direction)
    rank = rank[keep]
    if num_peaks_per_label is not None:
        group = np.zeros(rank.shape[0], dtype=np.int64) if lab is None else lab[nodes[rank]]
        rank = rank[_rank_in_group(group) < num_peaks_per_label]
    if num_peaks is not None:
        rank = rank[:num_peaks]
    nodes = nodes[rank]
    mask = np.zeros(g.n, dtype=bool)
    mask[nodes] = True
    return Peaks(
        nodes=nodes,
        values=a[nodes],
        plateau_size=size[rank],
        mask=mask,
        names=None if g.names is None else g.ids(nodes),
        labels=None if lab is None else lab[nodes],
        prominence=None if prom is None else prom[rank],
        saddle=None if saddle is None else saddle[rank],
        parent=None if parent is None else parent[rank],
    )


# -- validation ---------------------------------------------------------------------------------
def _check_labels(labels, n):
    if labels is None:
        return None
    lab = np.asarray(labels)
    if lab.size == 0 and lab.dtype.kind == "f":
        lab = lab.astype(np.int64)  # an empty list
    if lab.dtype.kind not in "biu":
        raise TypeError(f"`labels` must be integers (0 = background), got dtype {lab.dtype}")
    if lab.shape != (n,):
        raise ValueError(f"`labels` must have one entry per node (shape ({n},)), got shape {lab.shape}")
    if lab.size and lab.min() < 0:
        raise ValueError(f"`labels` must be >= 0 (0 = background), got a minimum of {lab.min()}")
    if lab.dtype.kind == "u" and lab.size and lab.max() > np.iinfo(np.int64).max:
        raise ValueError("`labels` must fit in int64")
    return lab.astype(np.int64)


def _check_exclude(exclude, n):
    if exclude is None:
        return None
    ex = np.asarray(exclude)
    if ex.size == 0 and ex.dtype.kind == "f":
        ex = ex.astype(bool)  # an empty list
    if ex.dtype != bool:
        raise TypeError(f"`exclude` must be a boolean mask, got dtype {ex.dtype}")
    if ex.shape != (n,):
        raise ValueError(f"`exclude` must have one entry per node (shape ({n},)), got shape {ex.shape}")
    return ex


def _check_number(value, name):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or value != value:
        raise ValueError(f"`{name}` must be a number or None, got {value!r}")
    return value


def _check_count(value, name, none_ok=True):
    """A limit on a count: an int >= 0, or no limit (returned as None): inf, and None where
    `none_ok` (graphmax's own API; `grid`'s scikit-image drop-in takes inf only, as
    scikit-image does)."""
    if none_ok and value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and value == math.inf:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"`{name}` must be an integer >= 0 or {'None' if none_ok else 'inf'}, got {value!r}")
    return int(value)


def _check_spacing(min_distance, min_distance_radius):
    """``(hops, radius)`` of the suppression; (None, None) for none."""
    if min_distance is not None and min_distance_radius is not None:
        raise ValueError(
            "give either `min_distance` or `min_distance_radius`, not both "
            f"(got min_distance={min_distance!r}, min_distance_radius={min_distance_radius!r})"
        )
    if min_distance is not None:
        return _check_int(min_distance, "min_distance", 0), None
    if min_distance_radius is not None:
        r = min_distance_radius
        if isinstance(r, (bool, np.bool_)) or not isinstance(r, numbers.Real) or not math.isfinite(r) or r < 0:
            raise ValueError(f"`min_distance_radius` must be a finite number >= 0, got {r!r}")
        return None, float(r)
    return None, None


# -- steps --------------------------------------------------------------------------------------
def _label_graph(g, lab):
    """`g` with only the edges inside one positive label: every label its own graph."""
    src = _rows(g.indptr)
    keep = (lab[src] == lab[g.indices]) & (lab[src] != 0)
    indptr = np.zeros(g.n + 1, dtype=g.indptr.dtype)
    np.cumsum(np.bincount(src[keep], minlength=g.n), out=indptr[1:])
    weights = None if g.weights is None else g.weights[keep]
    symmetric = g.is_symmetric if g.symmetry_known else None
    return Graph(g.n, indptr, g.indices[keep], weights, g.names, symmetric=symmetric)


def _plateau_ids(g, a, members, direction, hops, radius):
    """Plateau id (0..P-1) of each maximum node in `members` (ascending node ids).

    Two maxima of equal value that are neighbours lie in one plateau (and
    a plateau of maxima holds only maxima), so the plateaus are the
    connected components of the maxima joined by equal-valued neighbour
    pairs -- scipy's ``connected_components`` on that small graph.
    """
    from scipy.sparse.csgraph import connected_components

    m = members.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    hops, radius = _resolve_ball(g, direction, hops, radius)
    indptr, indices = _ball_csr(g, direction, hops, radius)
    starts = indptr[members].astype(np.int64)
    degree = indptr[members + 1].astype(np.int64) - starts
    total = int(degree.sum())
    # Entries of the members' rows, gathered without a Python loop.
    entry = np.repeat(starts - np.concatenate(([0], np.cumsum(degree)[:-1])), degree) + np.arange(total)
    src = np.repeat(np.arange(m), degree)
    dst_node = indices[entry]
    position = np.full(g.n, -1, dtype=np.int64)
    position[members] = np.arange(m)
    dst = position[dst_node]
    xv = kernel_values(a)
    same = (dst >= 0) & (xv[members][src] == xv[dst_node])
    links = sp.csr_array((np.ones(int(same.sum()), dtype=np.int8), (src[same], dst[same])), shape=(m, m))
    _, ids = connected_components(links, directed=True, connection="weak")
    return ids.astype(np.int64)


def _first_per_plateau(plateau):
    """Position of the first entry of each plateau id 0..P-1 (entries are in node order)."""
    if plateau.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    _, first = np.unique(plateau, return_index=True)
    return first


def _threshold(a, thresholds):
    threshold_abs, threshold_rel = thresholds
    threshold = threshold_abs
    if threshold_rel is not None and a.shape[0]:
        relative = threshold_rel * a.max()
        threshold = relative if threshold is None else max(threshold, relative)
    return threshold


def _above(values, threshold):
    """``values > threshold`` exactly (integers against a float threshold included)."""
    if threshold is None:
        return np.ones(values.shape, dtype=bool)
    return ~_at_least_or_equal(values, threshold)


def _at_least_or_equal(values, bound):
    """``values <= bound``, exactly."""
    if values.dtype.kind in "biu":
        v = values.astype(np.int64) if values.dtype.kind == "b" else values
        if isinstance(bound, (float, np.floating)):
            if bound == math.inf:
                return np.ones(v.shape, dtype=bool)
            if bound == -math.inf:
                return np.zeros(v.shape, dtype=bool)
            bound = math.floor(bound)
        bound = int(bound)
        info = np.iinfo(v.dtype)
        if bound < info.min:
            return np.zeros(v.shape, dtype=bool)
        if bound >= info.max:
            return np.ones(v.shape, dtype=bool)
        return v <= v.dtype.type(bound)
    return values <= bound


def _at_least(values, bound):
    """``values >= bound``, exactly."""
    if values.dtype.kind in "iu":
        if isinstance(bound, (float, np.floating)):
            if bound == math.inf:
                return np.zeros(values.shape, dtype=bool)
            if bound == -math.inf:
                return np.ones(values.shape, dtype=bool)
            bound = math.ceil(bound)
        bound = int(bound)
        info = np.iinfo(values.dtype)
        if bound <= info.min:
            return np.ones(values.shape, dtype=bool)
        if bound > info.max:
            return np.zeros(values.shape, dtype=bool)
        return values >= values.dtype.type(bound)
    return values >= bound


def _spaced(g, candidates, spacing, direction):
    """Mask of the sorted `candidates` that survive the greedy suppression."""
    hops, radius = spacing
    if hops is None and radius is None:
        return np.ones(candidates.shape[0], dtype=bool)
    reverse = _REVERSE[direction]
    hops, radius = _resolve_ball(g, reverse, 1 if hops is None else hops, radius)
    if radius is None:
        if hops == 0:
            return np.ones(candidates.shape[0], dtype=bool)
        indptr, indices, _ = g.neighbors(reverse)
        return peak_kernels.suppress_hops(indptr, indices, candidates, hops)
    indptr, indices, weights = g.neighbors(reverse)
    return peak_kernels.suppress_radius(indptr, indices, weights, candidates, radius)


def _rank_in_group(group):
    """For each entry, how many earlier entries share its group (0 for the first)."""
    m = group.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    g = group[order]
    start = np.concatenate(([True], g[1:] != g[:-1]))
    first = np.maximum.accumulate(np.where(start, np.arange(m), 0))
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(m) - first
    return rank
