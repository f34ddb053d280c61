"""`local_maxima` on Dask: the routes, their passes and the lazy result."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _kernels as core_kernels
from .._graph import _check_direction
from .._maxima import _check_int, _check_mode
from .._values import check_nan_policy
from . import _engine as engine
from . import _kernels as k
from ._client import computing, result
from ._inputs import edge_parts, node_table, value_parts

__all__ = ["local_maxima", "MaximaResult"]


@dataclass(frozen=True)
class Spec:
    """The checked options the passes read."""

    mode: str
    hops: int
    direction: int
    min_neighbors: int
    source: str
    target: str

    @property
    def plateau(self):
        return self.mode == "plateau"


# The routes, in order: the first whose condition holds runs.
ROUTES = (
    ("flags", lambda s: s.hops == 1 and (s.plateau or s.min_neighbors <= 1)),
    ("top-k", lambda s: not s.plateau),
    ("plateau-2-hop", lambda s: s.hops == 2 and s.direction == 0),
    ("plateau-2-hop-grouped", lambda s: s.hops == 2),
)


def route(spec):
    """The name of the route `spec` takes; raises for what the Dask path does not do."""
    for name, holds in ROUTES:
        if holds(spec):
            return name
    raise NotImplementedError(
        f"graphmax.distributed: plateau mode covers hops 1 and 2, got hops={spec.hops}. "
        "Use mode='strict'/'nonstrict' (every hops), or the "
        "in-memory graphmax.local_maxima; see docs/distributed.md"
    )


@dataclass
class Outcome:
    """The per-node answer of a route: the mask and (plateau mode) each node's plateau root."""

    mask: np.ndarray
    root: np.ndarray | None = None


class MaximaResult:
    """The lazy answer of `graphmax.distributed.local_maxima`.

    ``compute()`` returns the maxima's node ids (values-table order);
    ``compute_frame()`` the pandas DataFrame ``node, is_max`` of every node;
    ``frame()`` that DataFrame as a lazy Dask DataFrame. Nothing is read
    before one of them runs. ``delayed`` is the Dask graph of the ids.
    """

    def __init__(self, outcome, table, client, cluster, node_meta):
        import dask

        self._outcome = outcome
        self._table = table
        self._client = client
        self._cluster = cluster
        self._node_meta = node_meta
        self.delayed = dask.delayed(_maxima_ids, pure=True)(outcome, table)

    def compute(self, progress=False):
        """The maxima's node ids, in values-table order (a numpy array); `progress`
        shows Dask's progress bar on stderr."""
        with computing(self._client, self._cluster) as client:
            return result(client, self.delayed, progress)

    def _frame_delayed(self, values=False):
        import dask

        return dask.delayed(_mask_frame, pure=True)(self._outcome, self._table, values)

    def compute_frame(self, progress=False, values=False):
        """Every node with its verdict: a pandas DataFrame ``node, is_max`` in values-table
        order (``node, value, is_max`` with `values`)."""
        with computing(self._client, self._cluster) as client:
            return result(client, self._frame_delayed(values), progress)

    def frame(self):
        """`compute_frame` as a lazy one-partition Dask DataFrame (computed by the scheduler in use)."""
        import dask.dataframe as dd

        meta = pd.DataFrame({"node": pd.Series([], dtype=self._node_meta), "is_max": pd.Series([], dtype=bool)})
        return dd.from_delayed([self._frame_delayed()], meta=meta, verify_meta=False)

    def __repr__(self):
        return "MaximaResult(lazy; .compute() for the maxima's node ids, .compute_frame() for node,is_max)"


def _maxima_ids(outcome, table):
    return table.names(np.flatnonzero(outcome.mask))


def _mask_frame(outcome, table, values=False):
    nodes = table.names(np.arange(table.n)) if table.ids is None else table.ids
    columns = {"node": np.asarray(nodes)}
    if values:
        columns["value"] = table.raw
    columns["is_max"] = outcome.mask
    return pd.DataFrame(columns)


def local_maxima(
    edges,
    values,
    *,
    mode="plateau",
    hops=1,
    direction="both",
    min_neighbors=1,
    nan_policy="raise",
    client=None,
    source="src",
    target="dst",
    node="node",
    value="value",
    workers=None,
    memory_per_worker=None,
):
    """Local maxima of node values over a graph held as Dask edge partitions.

    The same semantics as `graphmax.local_maxima` (docs/semantics.md §3), node for
    node, for edge lists no process could hold.

    Parameters
    ----------
    edges : str, list of str, pandas.DataFrame or dask.dataframe.DataFrame
        Parquet path or glob, or a frame, with columns `source` and `target`
        (node ids: integers or strings). Self-loops are ignored, duplicates merged.
    values : str, DataFrame or array_like
        The node table: a Parquet path/glob or a frame with columns `node` and
        `value` (bool, integer or float; ±inf allowed), or an array (then the
        nodes are ``0..n-1``). Its rows are the node set: a node without
        edges is isolated; an edge endpoint missing from it is an error.
    mode, hops, direction, min_neighbors, nan_policy :
        As `graphmax.local_maxima`. Plateau mode covers ``hops`` 1 and 2;
        strict and nonstrict modes cover every ``hops``.
    client : dask.distributed.Client, optional
        The cluster to run on. None: the current default client if there is
        one, else a `LocalCluster` started for the computation and closed
        after it (`workers` processes of one thread, `memory_per_worker`
        each, e.g. ``"2GB"``).
    source, target, node, value : str
        Column names.

    Returns
    -------
    MaximaResult
        Lazy: ``.compute()`` gives the maxima's node ids in values-table
        order, ``.compute_frame()`` / ``.frame()`` the ``node, is_max`` table.

    Notes
    -----
    1. The node table is read once into dense arrays (positions in table
       order) and shipped to the workers; edge ids become positions in each
       partition (a hash lookup; none when the ids are ``0..n-1``).
    2. ``hops=1``: one pass. A compiled kernel per edge partition marks, for
       every node, whether a neighbour is higher, equal or lower; plateau
       mode also keeps a spanning forest of the equal-valued edges. Partials
       merge up a tree (OR of flags, union-find of forests); each plateau is
       then decided once from its members' flags.
    3. ``hops=k`` (strict/nonstrict): k passes carry each node's top
       ``max(2, min_neighbors + 1)`` distinct (value, node) entries of its
       ball, ``B_j(v) = N(v) + B_{j-1}(N(v))``, never the power graph.
    4. Plateau, ``hops=2``: the same tables find who has a higher node within
       two hops; equal-valued edges and stars through each middle node's top
       value join the plateaus (``direction="out"/"in"``: a Dask DataFrame
       groupby by middle node and value).

    Cost: O(E) per pass plus O(n) per partial merged; memory per task
    O(n + edges of one partition).

    Examples
    --------
    >>> import pandas as pd
    >>> from distributed import Client
    >>> from graphmax import distributed
    >>> client = Client(processes=False, n_workers=1, dashboard_address=":0")
    >>> edges = pd.DataFrame({"src": [10, 20, 30], "dst": [20, 30, 40]})
    >>> values = pd.DataFrame({"node": [10, 20, 30, 40], "value": [1, 3, 3, 2]})
    >>> distributed.local_maxima(edges, values, client=client).compute()
    array([20, 30])
    >>> distributed.local_maxima(edges, values, mode="strict", client=client).compute()
    array([], dtype=int64)
    >>> client.close()
    """
    spec = Spec(
        _check_mode(mode),
        _check_int(hops, "hops", 1),
        engine.DIRECTIONS[_check_direction(direction)],
        _check_int(min_neighbors, "min_neighbors", 0),
        source,
        target,
    )
    nan_policy = check_nan_policy(nan_policy)
    name = route(spec)
    parts = edge_parts(edges, source, target)
    vparts, identity, node_meta = _values(values, node, value)
    import dask

    table = dask.delayed(node_table, pure=True)(vparts, node, value, nan_policy, identity, {})
    outcome = build(name, parts, table, spec)
    return MaximaResult(outcome, table, client, (workers, memory_per_worker), node_meta)


def _values(values, node, value, extra=()):
    vparts, identity = value_parts(values, node, value, extra)
    node_meta = np.int64 if identity else _node_dtype(values, node)
    return vparts, identity, node_meta


def _node_dtype(values, node):
    try:
        import dask.dataframe as dd

        if isinstance(values, (pd.DataFrame, dd.DataFrame)):
            return values.dtypes[node]
    except (KeyError, TypeError):  # pragma: no cover - checked before
        pass
    return object


def build(name, parts, table, spec):
    """The Delayed `Outcome` of route `name`."""
    import dask

    if name == "flags":
        first = engine.run_pass(parts, engine.flags_step, table, spec)
        outcome = dask.delayed(finish_flags, pure=True)(first, table, spec)
        if spec.plateau and spec.min_neighbors > 1:
            key = dask.delayed(_candidate_key, pure=True)(outcome)
            counted = engine.run_pass(parts, engine.outside_step, table, spec, key, spec.min_neighbors,
                                      cap=spec.min_neighbors)
            outcome = dask.delayed(finish_outside, pure=True)(outcome, counted, spec)
        return outcome
    if name == "top-k":
        width = max(2, spec.min_neighbors + 1)
        ball = None
        for _ in range(spec.hops):
            ball = engine.run_pass(parts, engine.topk_step, table, spec, ball, width)
        return dask.delayed(finish_topk, pure=True)(ball, table, spec)
    # plateau-2-hop(-grouped)
    one_hop = engine.run_pass(parts, engine.flags_step, table, dataclasses.replace(spec, mode="nonstrict"))
    first = engine.run_pass(parts, engine.topk_step, table, spec, None, 2)
    second = engine.run_pass(parts, engine.topk_step, table, spec, first, 2)
    beaten = dask.delayed(_higher_in_ball, pure=True)(second, table)
    stars = name == "plateau-2-hop"
    links = engine.run_pass(parts, engine.links_step, table, spec, first, beaten, stars)
    if not stars:
        links = engine.tree([links, *_grouped_links(parts, table, spec, beaten)])
    outcome = dask.delayed(finish_plateau_2hop, pure=True)(one_hop, beaten, links, table, spec)
    if spec.min_neighbors > 1:
        cap = spec.min_neighbors
        key = dask.delayed(_candidate_key, pure=True)(outcome)
        near = engine.run_pass(parts, engine.outside_step, table, spec, key, cap, cap=cap)
        middles = engine.run_pass(parts, engine.middle_step, table, spec, key, cap=engine.ALL)
        middles = dask.delayed(engine.pairs_by_first, pure=True)(middles, _size(table))
        far = engine.run_pass(parts, engine.second_hop_step, table, spec, middles, cap, cap=cap)
        outcome = dask.delayed(finish_outside, pure=True)(outcome, engine.tree([near, far], cap=cap), spec)
    return outcome


def _size(table):
    import dask

    return dask.delayed(_node_count, pure=True)(table)


def _node_count(table):
    return table.n


def _grouped_links(parts, table, spec, beaten):
    """Two-hop plateau links of a directed relation, by Dask DataFrame groupby: for every
    middle node ``m`` and value ``c`` with a path ``v -> m -> u`` between two nodes of
    value ``c``, every such ``v`` and ``u`` is joined to the lowest of them."""
    import dask
    import dask.dataframe as dd

    meta = pd.DataFrame({"m": pd.Series([], dtype="int64"), "c": pd.Series([], dtype="int64"),
                         "node": pd.Series([], dtype="int64"), "left": pd.Series([], dtype=bool),
                         "right": pd.Series([], dtype=bool)})
    rows = dd.from_delayed([dask.delayed(engine.middle_rows, pure=True)(p, table, spec) for p in parts], meta=meta)
    groups = rows.groupby(["m", "c"]).agg({"node": "min", "left": "max", "right": "max"})
    groups = groups[groups["left"] & groups["right"]].reset_index()[["m", "c", "node"]].rename(columns={"node": "rep"})
    links = rows[["m", "c", "node"]].merge(groups, on=["m", "c"])
    return [dask.delayed(engine.forest_step, pure=True)(p, beaten) for p in links.to_delayed()]


# -- finishing a route (runs in one task) ---------------------------------------------------------
def _flags(partial, n):
    return partial.flags if partial.flags is not None else np.zeros(n, dtype=np.uint8)


def _pairs(partial):
    return partial.pairs if partial.pairs is not None else np.zeros((0, 2), dtype=np.int64)


def _alive(mask, table):
    return mask if table.alive is None else mask & table.alive


def resolve(pairs, beaten, outside, table, spec):
    """Plateau verdicts: union the links, then a plateau wins iff no member is
    `beaten` and (``min_neighbors >= 1``) one has an `outside` neighbour."""
    parent = np.arange(table.n, dtype=np.int64)
    k.union_all(parent, pairs)
    state = np.where(beaten, 0, 1).astype(np.uint8)
    mask, root = core_kernels.resolve_plateaus(parent, state, outside, spec.min_neighbors >= 1)
    return Outcome(_alive(mask, table), root)


def finish_flags(partial, table, spec):
    engine.check_missing(partial)
    flags = _flags(partial, table.n)
    higher = (flags & k.HIGHER) > 0
    if spec.plateau:
        return resolve(_pairs(partial), higher, (flags & k.LOWER) > 0, table, spec)
    mask = ~higher
    if spec.mode == "strict":
        mask &= (flags & k.EQUAL) == 0
    if spec.min_neighbors >= 1:
        mask &= flags != 0
    return Outcome(_alive(mask, table))


def _candidate_key(outcome):
    return np.where(outcome.mask, outcome.root, -1)


def finish_outside(outcome, partial, spec):
    pairs = _pairs(partial)
    counts = np.bincount(pairs[:, 0], minlength=outcome.mask.shape[0])
    return Outcome(outcome.mask & (counts[outcome.root] >= spec.min_neighbors), outcome.root)


def _ball_best(partial, table):
    """Per node: is there an entry other than itself, the best such value, how many there are."""
    n = table.n
    if partial.top is None:
        return np.zeros(n, dtype=bool), table.x, np.zeros(n, dtype=np.int64)
    vals, ids = partial.top
    valid = (ids >= 0) & (ids != np.arange(n)[:, None])
    found = valid.any(axis=1)
    best = vals[np.arange(n), np.argmax(valid, axis=1)]
    return found, best, valid.sum(axis=1)


def finish_topk(partial, table, spec):
    engine.check_missing(partial)
    found, best, count = _ball_best(partial, table)
    beaten = found & ((best > table.x) if spec.mode == "nonstrict" else (best >= table.x))
    return Outcome(_alive(~beaten & (count >= spec.min_neighbors), table))


def _higher_in_ball(partial, table):
    found, best, _ = _ball_best(partial, table)
    return found & (best > table.x)


def finish_plateau_2hop(one_hop, beaten, links, table, spec):
    engine.check_missing(one_hop)
    flags = _flags(one_hop, table.n)
    return resolve(_pairs(links), beaten, (flags & k.LOWER) > 0, table, spec)
