"""Local maxima and minima of node values over a graph neighbourhood (docs/semantics.md §3)."""

from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.sparse as sp

from . import _kernels
from ._graph import _check_direction, _edge_parts, _rows, _threads, as_graph
from ._interrupt import interruptible
from ._kinds import is_pyg_data, is_torch_tensor
from ._values import (
    as_values,
    check_nan_policy,
    graph_and_values,
    is_keyed,
    kernel_values,
)

__all__ = ["local_maxima", "local_minima", "neighbourhood"]

MODES = ("strict", "nonstrict", "plateau")


def _check_mode(mode):
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}, got {mode!r}")
    return mode


_INT64_MAX = int(np.iinfo(np.int64).max)
# Why no larger value is needed, for the error on one that does not fit in int64.
_NO_LIMIT = {
    "hops": "a `hops` of at least the number of nodes already reaches every node a path reaches",
    "min_distance": "a `min_distance` of at least the number of nodes already spans every path",
}


def _check_int(value, name, minimum):
    """`value` as an int >= `minimum` that fits in int64 (what the kernels count in)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
    if value > _INT64_MAX:
        hint = f"; {_NO_LIMIT[name]}" if name in _NO_LIMIT else ""
        raise ValueError(f"`{name}` must be an integer in [{minimum}, 2**63 - 1], got {value!r}{hint}")
    return int(value)


def _check_radius(radius, hops):
    if radius is None:
        return None
    if hops != 1:
        raise ValueError(f"give either `hops` or `radius`, not both (got hops={hops!r}, radius={radius!r})")
    if isinstance(radius, bool) or not isinstance(radius, numbers.Real) or not math.isfinite(radius) or radius < 0:
        raise ValueError(f"`radius` must be a finite number >= 0, got {radius!r}")
    return float(radius)


def _resolve_ball(g, direction, hops, radius):
    """Validate weights for `radius`; on an unweighted graph the ball of radius r
    is the floor(r)-hop neighbourhood, so return ``(hops, None)`` then. A path
    has at most n - 1 edges, so `hops` beyond the node count changes nothing and
    is capped there (the kernels count depths in int64)."""
    if radius is not None:
        weights = g.neighbours(direction)[2]
        if weights is not None:
            if not np.all(np.isfinite(weights)) or weights.min(initial=0.0) < 0:
                raise ValueError(
                    f"`radius` needs finite edge weights >= 0, got weights in [{weights.min()}, {weights.max()}]"
                )
            return hops, radius
        hops, radius = int(math.floor(radius)), None
    return min(hops, max(g.n, 1)), None


@interruptible
def neighbourhood(graph, *, hops=1, radius=None, direction="both"):
    """The neighbourhood relation ``N(v)`` as CSR arrays ``(indptr, indices)``.

    ``hops=k``: every node at 1..k hops along `direction`; ``radius=r``: every
    other node at weighted shortest-path distance ``<= r`` (unit weights when
    the graph has none). Cached on the `Graph`.

    Complexity: ``hops=1`` is free (a view); ``hops=k`` and ``radius`` cost one
    truncated BFS / Dijkstra per node and materialise ``N`` (its size is the
    size of the graph power). `local_maxima` avoids this in strict/nonstrict
    mode with an early-exit BFS.
    """
    g = as_graph(graph)
    direction = _check_direction(direction)
    hops = _check_int(hops, "hops", 1)
    hops, radius = _resolve_ball(g, direction, hops, _check_radius(radius, hops))
    return _ball_csr(g, direction, hops, radius)


def _ball_csr(g, direction, hops, radius):
    """CSR of ``N(v)`` for already-resolved `hops`/`radius` (see `_resolve_ball`)."""
    indptr, indices, weights = g.neighbours(direction)
    if hops == 0:
        return np.zeros(g.n + 1, dtype=indptr.dtype), np.zeros(0, dtype=indices.dtype)
    if hops == 1 and radius is None:
        return indptr, indices
    key = ("nbhd", direction, hops, radius)
    if key not in g._cache:
        if radius is None:
            g._cache[key] = _kernels.khop_csr(indptr, indices, hops, _bfs_chunks(g.n, indices.itemsize))
        else:
            g._cache[key] = _kernels.radius_csr(indptr, indices, weights, radius)
    return g._cache[key]


@interruptible
def local_maxima(
    graph,
    x,
    *,
    mode="plateau",
    hops=1,
    radius=None,
    direction="both",
    min_neighbors=1,
    nan_policy="raise",
    indices=False,
):
    """Boolean mask of the local maxima of node values `x` over a graph.

    Parameters
    ----------
    graph : Graph or any input `as_graph` accepts
    x : array_like, shape (n,) or (n, c), node-keyed values, or str
        Node values (bool, int, uint or float; ±inf allowed; a torch tensor
        of any device and dtype), in node order (``G.nodes`` order for
        networkx). Values with their own keys -- a dict ``{node: value}``, a
        pandas Series, a DataFrame (a channel per column) -- are aligned to
        the nodes by key (networkx labels, else ids ``0..n-1``); a string
        names a node attribute (networkx) or field (PyG). Channels of a 2-D
        `x` are independent problems. With a bare ``edge_index`` the graph
        has ``len(x)`` nodes.
    mode : {"plateau", "strict", "nonstrict"}
        ``"strict"``: ``x[v] > x[u]`` for every neighbour ``u``;
        ``"nonstrict"``: ``x[v] >= x[u]``; ``"plateau"`` (default): `v` lies in a
        maximal connected set of equal values none of whose members has a
        higher neighbour (what ``skimage.morphology.local_maxima`` computes on
        images).
    hops : int, default 1
        Neighbourhood: every node at 1..`hops` hops.
    radius : float, optional
        Neighbourhood: every other node at weighted shortest-path distance
        ``<= radius`` (edge weights must be finite and >= 0). Excludes `hops`.
    direction : {"both", "out", "in"}
        Which edges make neighbours (and paths): both directions (default,
        the graph read as undirected), out-edges or in-edges.
    min_neighbors : int, default 1
        A node (plateau mode: a plateau) with fewer neighbours outside itself
        is never a maximum. 1 rules out isolated nodes and constant
        components; 0 gives the vacuous reading.
    nan_policy : {"raise", "omit"}
        ``"omit"`` removes NaN nodes from the graph (never maxima, never
        anyone's neighbour).
    indices : bool
        Return the maxima's node ids instead of a mask: a 1-D ndarray of
        node labels for networkx input, of int64 node ids otherwise; a list
        of those per channel for 2-D `x` (the rule of docs/ids.md).

    Returns
    -------
    ndarray of bool, shape ``(n,)`` or ``(n, c)`` (or ids, see `indices`)

    See Also
    --------
    local_minima, graphmax.grid.local_maxima, graphmax.windows.is_centered_max

    Notes
    -----
    1. Normalise the graph once (`as_graph`) and build ``N(v)`` for the
       direction (and ``hops``/``radius``) asked.
    2. strict/nonstrict: one pass over each node's neighbours, stopping at
       the first that beats it -- O(n + E).
    3. plateau: union-find over equal-valued neighbour pairs, then a plateau
       is a maximum iff none of its members has a higher neighbour and it has
       at least `min_neighbors` distinct neighbours outside itself --
       O(E α(n)).

    Examples
    --------
    >>> import networkx as nx
    >>> local_maxima(nx.path_graph(4), [1, 3, 3, 2])
    array([False,  True,  True, False])
    >>> local_maxima(nx.path_graph(4), [1, 3, 3, 2], mode="strict")
    array([False, False, False, False])
    """
    return _extrema(graph, x, mode, hops, radius, direction, min_neighbors, nan_policy, indices, reverse=False)


@interruptible
def local_minima(
    graph,
    x,
    *,
    mode="plateau",
    hops=1,
    radius=None,
    direction="both",
    min_neighbors=1,
    nan_policy="raise",
    indices=False,
):
    """Boolean mask of the local minima: `local_maxima` of the order-reversed values.

    The reversal is exact for every dtype (no overflow on unsigned or
    ``INT64_MIN``, no negation of bool). Parameters as `local_maxima`.

    Examples
    --------
    >>> import networkx as nx
    >>> local_minima(nx.path_graph(3), [1, 3, 2])
    array([ True, False,  True])
    """
    return _extrema(graph, x, mode, hops, radius, direction, min_neighbors, nan_policy, indices, reverse=True)


def _extrema(graph, x, mode, hops, radius, direction, min_neighbors, nan_policy, indices, reverse):
    mode = _check_mode(mode)
    direction = _check_direction(direction)
    hops = _check_int(hops, "hops", 1)
    radius = _check_radius(radius, hops)
    min_neighbors = _check_int(min_neighbors, "min_neighbors", 0)
    nan_policy = check_nan_policy(nan_policy)
    if hops == 1 and radius is None and direction == "both" and min_neighbors <= 1 and not is_keyed(x):
        mask = _raw_csr_maxima(graph, x, mode, min_neighbors, reverse)
        if mask is None:
            mask = _raw_edge_list_maxima(graph, x, mode, min_neighbors, reverse)
        if mask is not None:
            return np.flatnonzero(mask) if indices else mask
    g, a = graph_and_values(graph, x)
    if a.ndim == 1:
        # One channel: its kernel values (a view for float64), NaN counted by a compiled pass.
        xv = kernel_values(np.ascontiguousarray(a), reverse=reverse)
        n_nan = [_kernels.count_nan(xv) if xv.dtype.kind == "f" else 0]
    else:
        n_nan = np.isnan(a).sum(axis=0).tolist() if a.dtype.kind == "f" else [0] * a.shape[1]
    if nan_policy == "raise" and sum(n_nan):
        raise ValueError(f"`x` contains {sum(n_nan)} NaN value(s); pass nan_policy='omit' to drop NaN nodes")
    if a.ndim == 1:
        mask = _column_maxima(g, xv, bool(n_nan[0]), mode, hops, radius, direction, min_neighbors)
    else:  # one channel at a time: a single converted column is alive at once
        mask = np.empty(a.shape, dtype=bool)
        for c in range(a.shape[1]):
            xv = kernel_values(np.ascontiguousarray(a[:, c]), reverse=reverse)
            mask[:, c] = _column_maxima(g, xv, bool(n_nan[c]), mode, hops, radius, direction, min_neighbors)
    if not indices:
        return mask
    if a.ndim == 1:
        return g.ids(np.flatnonzero(mask))
    return [g.ids(np.flatnonzero(mask[:, c])) for c in range(mask.shape[1])]


def _column_maxima(g, xv, has_nan, mode, hops, radius, direction, min_neighbors):
    """Maxima of one channel of kernel values; NaN nodes (omitted) are dropped from the graph."""
    if not has_nan:
        return _channel_maxima(g, xv, mode, hops, radius, direction, min_neighbors)
    keep = ~np.isnan(xv)
    xv = np.where(keep, xv, 0.0)  # never read: NaN nodes have no edges, and are masked below
    return _channel_maxima(g.subgraph_mask(keep), xv, mode, hops, radius, direction, min_neighbors) & keep


def _raw_csr_maxima(graph, x, mode, min_neighbors, reverse):
    """1-hop maxima of a scipy CSR matrix without building a `Graph`.

    The common call -- a raw CSR, default ``direction="both"``, one channel of
    values without NaN -- goes to `_kernels.raw_both_compare`, which validates
    the matrix in the same passes that compute the answer. Plateau mode takes
    the nonstrict answer when no candidate has an equal-valued neighbour
    (then every winning plateau is one node). Returns None whenever anything
    is unusual (another format or dtype, a matrix that needs cleaning, NaN
    values, bad arguments, ties in plateau mode): the general path then
    handles it, with its errors, and gives the same answer.
    """
    if not (sp.issparse(graph) and graph.format == "csr" and graph.ndim == 2):
        return None
    n = graph.shape[0]
    indptr, indices, data = graph.indptr, graph.indices, graph.data
    if (
        graph.shape[1] != n
        or indptr.shape != (n + 1,)
        or indptr.dtype != indices.dtype
        or indices.dtype not in (np.int32, np.int64)
        or data.dtype not in (np.float64, np.bool_)
        or not all(a.flags.c_contiguous for a in (indptr, indices, data))
    ):
        return None
    xv = _one_clean_channel(x, n, reverse)
    if xv is None:
        return None
    clean, mask = _kernels.raw_both_compare(
        indptr, indices, data, xv, _kernels.value_buckets(xv), min_neighbors, mode != "strict", mode == "plateau"
    )
    return mask if clean else None


def _one_clean_channel(x, n, reverse):
    """Kernel values of `x` for the raw paths when it is one channel of `n` values
    (None: ``len(x)``) without NaN; else None, and the general path handles `x`,
    with its errors."""
    try:
        a = as_values(x, len(x) if n is None else n)
    except (TypeError, ValueError):
        return None
    if a.ndim != 1:
        return None
    xv = kernel_values(np.ascontiguousarray(a), reverse=reverse)
    if xv.dtype.kind == "f" and _kernels.count_nan(xv):
        return None
    return xv


def _raw_edge_list_maxima(graph, x, mode, min_neighbors, reverse):
    """1-hop maxima of an edge list -- a PyG ``edge_index`` tensor or ``Data``, or
    a scipy COO matrix -- without building a `Graph`.

    One pass over the edges (`_kernels.edge_compare`) where the general path
    would first sort them into a CSR. Taken for an int64 ``(2, E)`` CPU
    tensor (``n = len(x)``, as PyG's ``scatter(..., dim_size=n)``), a ``Data``
    without ``edge_weight`` (``n = num_nodes``), or a square COO matrix with
    int32/int64 coordinates and float64 or bool entries none of which is
    zero or NaN (a stored zero is no edge: the general path drops it); and
    one channel of values without NaN. None otherwise, or when the kernel
    meets an id out of range or a node count that disagrees with `x`: the
    general path then gives the same answer, or its error.
    """
    edges = _edge_arrays(graph)
    if edges is None:
        return None
    src, dst, n = edges
    xv = _one_clean_channel(x, n, reverse)
    if xv is None:
        return None
    ok, mask = _kernels.edge_compare(
        src, dst, xv, _kernels.value_buckets(xv), min_neighbors, mode != "strict", mode == "plateau",
        _edge_parts(len(xv), src.shape[0]),
    )
    return mask if ok else None


def _edge_arrays(graph):
    """``(src, dst, n)`` of an edge list `_raw_edge_list_maxima` takes (``n`` None:
    as many nodes as values), or None."""
    if sp.issparse(graph):
        if graph.format != "coo" or graph.ndim != 2 or graph.shape[0] != graph.shape[1] or graph.nnz == 0:
            return None
        row, col, data = graph.row, graph.col, graph.data  # `coords` only from scipy 1.13
        if row.dtype != col.dtype or row.dtype not in (np.int32, np.int64):
            return None
        if data.dtype == np.bool_:
            if not data.all():
                return None
        elif data.dtype != np.float64 or not data.flags.c_contiguous or not _kernels.data_summary(data)[0]:
            return None
        return np.ascontiguousarray(row), np.ascontiguousarray(col), graph.shape[0]
    n = None
    edge_index = graph
    if is_pyg_data(graph):
        if getattr(graph, "edge_weight", None) is not None:
            return None
        edge_index = getattr(graph, "edge_index", None)
        try:
            n = graph.num_nodes
        except Exception:  # noqa: BLE001 -- PyG's own inference may fail; the general path reports it
            return None
    if not is_torch_tensor(edge_index) or edge_index.device.type != "cpu" or edge_index.dim() != 2:
        return None
    ei = edge_index.detach().numpy()
    if ei.shape[0] != 2 or ei.shape[1] == 0 or ei.dtype != np.int64:
        return None
    return np.ascontiguousarray(ei[0]), np.ascontiguousarray(ei[1]), n


def _channel_maxima(g, x, mode, hops, radius, direction, min_neighbors):
    hops, radius = _resolve_ball(g, direction, hops, radius)
    if radius is None and hops > 1 and (mode != "plateau" or min_neighbors <= 1):
        # BFS per node: the k-hop neighbourhood is never materialised.
        indptr, indices, _ = g.neighbours(direction)
        chunks = _bfs_chunks(g.n, indices.itemsize)
        if mode != "plateau":
            nonstrict = mode == "nonstrict"
            # Filters first: with each row's top value bucket known, the 1-,
            # 2- and 3-hop maxima follow from walks over paths of length 0, 1
            # and 2 (no BFS bookkeeping); a BFS searches what is left.
            q = _kernels.value_buckets(x)
            summaries = _kernels.row_summaries(indptr, indices, q, _kernels.ROW_SPAN)
            candidates = np.ones(len(x), dtype=bool)
            for length in range(min(hops, 3)):
                candidates = _kernels.walk_compare(indptr, indices, x, q, *summaries, candidates, length, nonstrict)
            if hops <= 3 and min_neighbors <= 1:
                # The ball is non-empty iff the node has a neighbour (no self-loops).
                return candidates & (np.diff(indptr) >= min_neighbors)
            return _kernels.khop_compare(indptr, indices, x, q, hops, min_neighbors, nonstrict, chunks, candidates)
        return _khop_plateau(indptr, indices, x, hops, min_neighbors, direction == "both" or g.is_symmetric, chunks)
    if direction == "both" and hops == 1 and radius is None and min_neighbors <= 1:
        # Not known to be symmetric: take the in-neighbours from the out-edges
        # (a second pass, or both ends of each edge) instead of checking
        # symmetry (~90 ms on 16M edges) or building the union view.
        # Plateau mode first tries the nonstrict passes, which give its answer
        # when no candidate meets a tie (~19 ms), then `both_plateau` (~30 ms).
        if mode != "plateau" and not (g.symmetry_known and g.is_symmetric):
            q = _kernels.value_buckets(x)
            return _kernels.both_compare(g.indptr, g.indices, x, q, min_neighbors, mode == "nonstrict", False)[1]
        if mode == "plateau" and not g.symmetry_known:
            q = _kernels.value_buckets(x)
            done, mask = _kernels.both_compare(g.indptr, g.indices, x, q, min_neighbors, True, True)
            if done:
                return mask
            return _kernels.both_plateau(g.indptr, g.indices, x, q, min_neighbors == 1, _edge_parts(g.n, g.num_edges))
    indptr, indices = _ball_csr(g, direction, hops, radius)
    symmetric = direction == "both" or g.is_symmetric
    return _maxima_1d(indptr, indices, x, mode, min_neighbors, symmetric)


def _khop_plateau(indptr, indices, x, hops, min_neighbors, symmetric, chunks):
    """Plateau maxima over k-hop balls by BFS: classify, collect the equal-valued
    links that matter (none on tie-free data), union, resolve."""
    q = _kernels.value_buckets(x)
    state, outside, n_equal = _kernels.khop_plateau_scan(indptr, indices, x, q, hops, symmetric, chunks)
    offsets = np.zeros(len(x) + 1, dtype=np.int64)
    np.cumsum(n_equal, out=offsets[1:])
    pairs = _kernels.khop_equal_pairs(indptr, indices, x, hops, offsets, chunks)
    parent = _kernels.khop_plateau_union(offsets, pairs, len(x))
    return _kernels.resolve_plateaus(parent, state, outside, min_neighbors == 1)[0]


def _bfs_chunks(n, itemsize, budget=256 * 2**20):
    """How many node chunks the parallel BFS uses: a few per thread for load
    balance, bounded so the per-chunk stamp and queue arrays stay within `budget`."""
    wanted = 4 * _threads()
    affordable = max(1, budget // max(1, 2 * n * itemsize))
    return int(max(1, min(wanted, affordable, n)))


def _maxima_1d(indptr, indices, x, mode, min_neighbors, symmetric):
    q = _kernels.value_buckets(x)
    if mode != "plateau":
        return _kernels.neighbour_compare(indptr, indices, x, q, min_neighbors, mode == "nonstrict")[0]
    good, root = _kernels.plateau_maxima(indptr, indices, x, q, min_neighbors == 1, symmetric)
    if min_neighbors > 1:
        if root is None:
            root = np.arange(len(x))
        good &= _plateau_outside_count(indptr, indices, x, root, good) >= min_neighbors
    return good


def _plateau_outside_count(indptr, indices, x, root, candidate):
    """Per node, the number of distinct nodes outside its plateau that neighbour it.

    Only computed for candidate plateaus (others get 0); O(E log E) worst case.
    """
    n = indptr.shape[0] - 1
    src = _rows(indptr)
    keep = candidate[src] & (x[indices] != x[src])
    pairs = np.unique(np.stack([root[src[keep]], indices[keep].astype(np.int64)]), axis=1)
    per_root = np.bincount(pairs[0], minlength=n)
    return per_root[root]
