"""Local maxima and minima of node values over a graph neighbourhood (docs/semantics.md §3)."""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from dataclasses import dataclass, replace

import numpy as np

from ._graph import (
    Graph,
    _check_direction,
    _edge_parts,
    _frozen,
    _rows,
    _threads,
    as_graph,
    raw_csr,
    raw_edge_list,
)
from ._interrupt import interruptible
from ._lazy import lazy
from ._modes import NONSTRICT, PLATEAU, STRICT
from ._values import (
    as_values,
    check_nan_policy,
    graph_and_values,
    is_keyed,
    kernel_values,
)

_kernels = lazy("graphmax._kernels", globals(), "_kernels")  # numba: on first use

__all__ = ["local_maxima", "local_minima", "neighborhood", "neighbourhood"]

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
        weights = g.neighbors(direction)[2]
        if weights is not None:
            if not np.all(np.isfinite(weights)) or weights.min(initial=0.0) < 0:
                raise ValueError(
                    f"`radius` needs finite edge weights >= 0, got weights in [{weights.min()}, {weights.max()}]"
                )
            return hops, radius
        hops, radius = int(math.floor(radius)), None
    return min(hops, max(g.n, 1)), None


@interruptible
def neighborhood(graph, *, hops=1, radius=None, direction="both"):
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


def neighbourhood(graph, *, hops=1, radius=None, direction="both"):
    """Deprecated alias of `neighborhood` (the public API is spelled as networkx and
    scikit-image spell it); it will be removed in graphmax 0.3."""
    warnings.warn("`graphmax.neighbourhood` is deprecated: use `graphmax.neighborhood`", DeprecationWarning,
                  stacklevel=2)
    return neighborhood(graph, hops=hops, radius=radius, direction=direction)


def _ball_csr(g, direction, hops, radius):
    """CSR of ``N(v)`` for already-resolved `hops`/`radius` (see `_resolve_ball`)."""
    indptr, indices, weights = g.neighbors(direction)
    if hops == 0:
        return _frozen(np.zeros(g.n + 1, dtype=indptr.dtype)), _frozen(np.zeros(0, dtype=indices.dtype))
    if hops == 1 and radius is None:
        return indptr, indices
    key = ("nbhd", direction, hops, radius)
    if key not in g._cache:
        if radius is None:
            ball = _kernels.khop_csr(indptr, indices, hops, _bfs_chunks(g.n, indices.itemsize))
        else:
            ball = _kernels.radius_csr(indptr, indices, weights, radius)
        g._cache[key] = _as_graph_arrays(*ball)
    return g._cache[key]


def _as_graph_arrays(indptr, indices):
    """A built ball CSR in the form of a `Graph`'s own arrays: int32 offsets when they fit
    and both read-only, so that the kernels reading it run the builds (numba signatures)
    that the 1-hop calls already compiled, not a second set (docs/decisions.md)."""
    if indptr.dtype != indices.dtype and indices.dtype == np.int32 and indptr[-1] < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    return _frozen(indptr), _frozen(indices)


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
    return _extrema(graph, x, options(mode, hops, radius, direction, min_neighbors, nan_policy), indices, False)


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
    return _extrema(graph, x, options(mode, hops, radius, direction, min_neighbors, nan_policy), indices, True)


# -- options: checked once, into one record --------------------------------------------------------
MODE_CODES = {"strict": STRICT, "nonstrict": NONSTRICT, "plateau": PLATEAU}


@dataclass(frozen=True)
class Options:
    """The checked options of one `local_maxima` / `local_minima` call."""

    mode: int  # STRICT, NONSTRICT or PLATEAU (the image kernels' codes)
    hops: int
    radius: float | None
    direction: str
    min_neighbors: int
    nan_policy: str

    @property
    def simple(self):
        """1 hop, both directions, ``min_neighbors <= 1``: what the one-pass routes answer."""
        return self.hops == 1 and self.radius is None and self.direction == "both" and self.min_neighbors <= 1


@functools.lru_cache(maxsize=512, typed=True)
def _cached_options(mode, hops, radius, direction, min_neighbors, nan_policy):
    hops = _check_int(hops, "hops", 1)
    return Options(
        MODE_CODES[_check_mode(mode)], hops, _check_radius(radius, hops), _check_direction(direction),
        _check_int(min_neighbors, "min_neighbors", 0), check_nan_policy(nan_policy),
    )


def options(mode, hops, radius, direction, min_neighbors, nan_policy):
    """The call's `Options`, each argument checked (errors name it); repeated calls hit a
    cache keyed by value and type (``hops=True`` is not ``hops=1``)."""
    try:
        return _cached_options(mode, hops, radius, direction, min_neighbors, nan_policy)
    except TypeError:  # an unhashable argument: check it uncached (its own error, if any)
        return _cached_options.__wrapped__(mode, hops, radius, direction, min_neighbors, nan_policy)


# -- the routes ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """One way `local_maxima` reaches its kernels: `when` it is taken (first match wins,
    in `ROUTES` order) and the kernels it may call from Python."""

    name: str
    when: str
    kernels: tuple[str, ...]


SMALL_EDGES = 1 << 14  # stored edges below which a prepared graph takes the "small" route (docs/decisions.md)

ROUTES = (
    # Before any Graph is built; each hands back None when the kernel finds the input
    # unusual (NaN, a matrix that needs cleaning, ties in plateau mode), and the call
    # goes on down the table with a Graph.
    Route("small", f"a Graph with < SMALL_EDGES ({SMALL_EDGES}) stored edges, 1 hop, direction 'both', "
          "min_neighbors <= 1: a prepared Graph before any other work (one unkeyed channel), any other "
          "input once its Graph is built", ("small_maxima",)),
    Route("raw-csr", "a raw scipy CSR (`_graph.raw_csr`); the same options", ("count_nan", "value_buckets",
          "raw_both_compare")),
    Route("raw-edges", "a PyG edge_index / Data or a scipy COO (`_graph.raw_edge_list`); the same options",
          ("count_nan", "value_buckets", "data_summary", "edge_compare")),
    # On a Graph, per channel (NaN nodes dropped under nan_policy="omit"): "small" as above, then
    Route("khop-walk", "hops >= 2 (radius on an unweighted graph counts as hops), strict/nonstrict",
          ("value_buckets", "row_summaries", "walk_compare", "khop_compare")),
    Route("khop-plateau", "hops >= 2, plateau, min_neighbors <= 1",
          ("value_buckets", "khop_plateau_scan", "khop_equal_pairs", "khop_plateau_union", "resolve_plateaus")),
    Route("both-scan", "1 hop, direction 'both', min_neighbors <= 1, the graph not known to be symmetric: "
          "in-neighbours read from the out-edges", ("value_buckets", "both_compare", "both_plateau")),
    Route("ball", "everything else: N(v) as a CSR (a view at 1 hop; k-hop / radius balls built and cached), "
          "then one scan or one union-find",
          ("value_buckets", "khop_csr", "radius_csr", "neighbour_compare", "plateau_maxima")),
)
ROUTE_NAMES = tuple(r.name for r in ROUTES)
# What building a Graph or a direction view may call on the way (not a route).
GRAPH_KERNELS = ("coo_to_csr", "is_symmetric", "csr_is_clean", "data_summary", "count_nan")


def direct_route(o, graph, x):
    """``(name, parts)`` of the route that needs no Graph (the first three rows of
    `ROUTES`; `parts` are the arrays it reads), or None."""
    if not o.simple or is_keyed(x):
        return None
    if type(graph) is Graph:
        return ("small", graph) if graph.num_edges < SMALL_EDGES else None
    parts = raw_csr(graph)
    if parts is not None:
        return "raw-csr", parts
    parts = raw_edge_list(graph)
    if parts is not None:
        return "raw-edges", parts
    return None


def graph_route(o, g):
    """The route of a channel on the Graph `g`, with `o`'s ball resolved (`_resolve_ball`)."""
    if o.simple and g.num_edges < SMALL_EDGES:
        return "small"
    if o.hops > 1 and o.radius is None:
        if o.mode != PLATEAU:
            return "khop-walk"
        if o.min_neighbors <= 1:
            return "khop-plateau"
        return "ball"
    if o.simple and not (g.symmetry_known and g.is_symmetric):
        return "both-scan"
    return "ball"


_trace = None  # a list while a test records the routes taken (tests/test_routes.py)


def _taken(name):
    if _trace is not None:
        _trace.append(name)


def _extrema(graph, x, o, indices, reverse):
    direct = direct_route(o, graph, x)
    if direct is not None:
        name, parts = direct
        _taken(name)
        mask = _DIRECT[name](parts, x, o, reverse)
        if mask is not None:
            if not indices:
                return mask
            return graph.ids(np.flatnonzero(mask)) if name == "small" else np.flatnonzero(mask)
    g, a = graph_and_values(graph, x)
    if a.ndim == 1:
        # One channel: its kernel values (a view for float64), NaN counted by a compiled pass.
        xv = kernel_values(np.ascontiguousarray(a), reverse=reverse)
        n_nan = [_kernels.count_nan(xv) if xv.dtype.kind == "f" else 0]
    else:
        n_nan = np.isnan(a).sum(axis=0).tolist() if a.dtype.kind == "f" else [0] * a.shape[1]
    if o.nan_policy == "raise" and sum(n_nan):
        raise ValueError(f"`x` contains {sum(n_nan)} NaN value(s); pass nan_policy='omit' to drop NaN nodes")
    hops, radius = _resolve_ball(g, o.direction, o.hops, o.radius)
    o = replace(o, hops=hops, radius=radius)
    if a.ndim == 1:
        mask = _column_maxima(g, xv, bool(n_nan[0]), o)
    else:  # one channel at a time: a single converted column is alive at once
        mask = np.empty(a.shape, dtype=bool)
        for c in range(a.shape[1]):
            xv = kernel_values(np.ascontiguousarray(a[:, c]), reverse=reverse)
            mask[:, c] = _column_maxima(g, xv, bool(n_nan[c]), o)
    if not indices:
        return mask
    if a.ndim == 1:
        return g.ids(np.flatnonzero(mask))
    return [g.ids(np.flatnonzero(mask[:, c])) for c in range(mask.shape[1])]


def _column_maxima(g, xv, has_nan, o):
    """Maxima of one channel of kernel values; NaN nodes (omitted) are dropped from the graph."""
    if has_nan:
        keep = ~np.isnan(xv)
        xv = np.where(keep, xv, 0.0)  # never read: NaN nodes have no edges, and are masked below
        return _column_maxima(g.subgraph_mask(keep), xv, False, o) & keep
    name = graph_route(o, g)
    _taken(name)
    return _ON_GRAPH[name](g, xv, o)


# -- the routes' bodies ----------------------------------------------------------------------------
def _small(g, x, o, reverse):
    xv = _one_clean_channel(x, g.n, reverse, count_nan=False)  # the kernel meets any NaN itself
    if xv is None:
        return None
    return _small_on_graph(g, xv, o)


def _small_on_graph(g, x, o):
    ok, mask = _kernels.small_maxima(g.indptr, g.indices, x, o.mode, o.min_neighbors)
    return mask if ok else None  # not ok: a NaN in `x` (only on the direct route)


def _raw_csr(parts, x, o, reverse):
    """1-hop maxima of a raw scipy CSR matrix without building a `Graph`:
    `_kernels.raw_both_compare` validates the matrix in the same passes that
    compute the answer. Plateau mode takes the nonstrict answer when no
    candidate has an equal-valued neighbour (then every winning plateau is
    one node). None whenever anything is unusual (NaN values, bad values, a
    matrix that needs cleaning, ties in plateau mode): the Graph routes then
    handle it, with their errors, and give the same answer."""
    indptr, indices, data = parts
    xv = _one_clean_channel(x, indptr.shape[0] - 1, reverse)
    if xv is None:
        return None
    clean, mask = _kernels.raw_both_compare(
        indptr, indices, data, xv, _kernels.value_buckets(xv), o.min_neighbors, o.mode != STRICT, o.mode == PLATEAU
    )
    return mask if clean else None


def _raw_edges(parts, x, o, reverse):
    """1-hop maxima of an edge list in one pass over the edges (`_kernels.edge_compare`)
    where the Graph routes would first sort them into a CSR. None when the kernel meets an
    id out of range or a node count that disagrees with `x` (and as `_raw_csr`)."""
    src, dst, n = parts
    xv = _one_clean_channel(x, n, reverse)
    if xv is None:
        return None
    ok, mask = _kernels.edge_compare(
        src, dst, xv, _kernels.value_buckets(xv), o.min_neighbors, o.mode != STRICT, o.mode == PLATEAU,
        _edge_parts(len(xv), src.shape[0]),
    )
    return mask if ok else None


def _one_clean_channel(x, n, reverse, count_nan=True):
    """Kernel values of `x` for the direct routes when it is one channel of `n` values
    (None: ``len(x)``) without NaN (not looked for with ``count_nan=False``); else None,
    and the Graph routes handle `x`, with their errors."""
    try:
        a = as_values(x, len(x) if n is None else n)
    except (TypeError, ValueError):
        return None
    if a.ndim != 1:
        return None
    xv = kernel_values(np.ascontiguousarray(a), reverse=reverse)
    if count_nan and xv.dtype.kind == "f" and _kernels.count_nan(xv):
        return None
    return xv


def _khop_walk(g, x, o):
    """Strict/nonstrict over k-hop balls, the ball never materialised. Filters first: with
    each row's top value bucket known, the 1-, 2- and 3-hop maxima follow from walks over
    paths of length 0, 1 and 2 (no BFS bookkeeping); a BFS searches what is left."""
    indptr, indices, _ = g.neighbors(o.direction)
    q = _kernels.value_buckets(x)
    summaries = _kernels.row_summaries(indptr, indices, q, _kernels.ROW_SPAN)
    candidates = np.ones(len(x), dtype=bool)
    for length in range(min(o.hops, 3)):
        candidates = _kernels.walk_compare(indptr, indices, x, q, *summaries, candidates, length,
                                           o.mode == NONSTRICT)
    if o.hops <= 3 and o.min_neighbors <= 1:
        return candidates & (np.diff(indptr) >= o.min_neighbors)  # the ball is non-empty iff a neighbour
    return _kernels.khop_compare(indptr, indices, x, q, o.hops, o.min_neighbors, o.mode == NONSTRICT,
                                 _bfs_chunks(g.n, indices.itemsize), candidates)


def _khop_plateau_route(g, x, o):
    indptr, indices, _ = g.neighbors(o.direction)
    return _khop_plateau(indptr, indices, x, o.hops, o.min_neighbors, o.direction == "both" or g.is_symmetric,
                         _bfs_chunks(g.n, indices.itemsize))


def _both_scan(g, x, o):
    """Not known to be symmetric: take the in-neighbours from the out-edges (a second
    pass, or both ends of each edge) instead of checking symmetry (several times the
    scan) or building the union view. Plateau mode first tries the nonstrict passes, which give
    its answer when no candidate meets a tie, then `both_plateau`."""
    q = _kernels.value_buckets(x)
    if o.mode != PLATEAU:
        return _kernels.both_compare(g.indptr, g.indices, x, q, o.min_neighbors, o.mode == NONSTRICT, False)[1]
    done, mask = _kernels.both_compare(g.indptr, g.indices, x, q, o.min_neighbors, True, True)
    if done:
        return mask
    return _kernels.both_plateau(g.indptr, g.indices, x, q, o.min_neighbors == 1, _edge_parts(g.n, g.num_edges))


def _ball(g, x, o):
    indptr, indices = _ball_csr(g, o.direction, o.hops, o.radius)
    q = _kernels.value_buckets(x)
    if o.mode != PLATEAU:
        return _kernels.neighbour_compare(indptr, indices, x, q, o.min_neighbors, o.mode == NONSTRICT)[0]
    symmetric = o.direction == "both" or g.is_symmetric
    good, root = _kernels.plateau_maxima(indptr, indices, x, q, o.min_neighbors == 1, symmetric)
    if o.min_neighbors > 1:
        if root is None:
            root = np.arange(len(x))
        good &= _plateau_outside_count(indptr, indices, x, root, good) >= o.min_neighbors
    return good


_DIRECT = {"small": _small, "raw-csr": _raw_csr, "raw-edges": _raw_edges}
_ON_GRAPH = {"small": _small_on_graph, "khop-walk": _khop_walk, "khop-plateau": _khop_plateau_route, "both-scan": _both_scan, "ball": _ball}


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
