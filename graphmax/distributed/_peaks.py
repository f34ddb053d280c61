"""`find_peaks` on Dask: plateau maxima of each label's graph, then the peak steps on the driver,
with `min_distance` suppression in rounds of distributed ball passes."""

from __future__ import annotations

import numpy as np

from .._graph import _check_direction
from .._maxima import _check_int
from .._peaks import (
    Peaks,
    _above,
    _check_count,
    _check_exclude,
    _check_labels,
    _check_number,
    _first_per_plateau,
    _rank_in_group,
    _threshold,
)
from .._values import kernel_values
from . import _engine as engine
from ._client import computing, result, show_progress
from ._inputs import edge_parts, node_table
from ._maxima import Spec, _values, build, route

__all__ = ["find_peaks", "PeaksResult"]


class PeaksResult:
    """The lazy answer of `graphmax.distributed.find_peaks`: ``compute()`` runs it and
    returns a `graphmax.Peaks` (``nodes``: positions in the values table,
    ``names``: the node ids unless they are those positions)."""

    def __init__(self, run, client, cluster):
        self._run = run
        self._client = client
        self._cluster = cluster

    def compute(self, progress=False):
        """The peaks (a `graphmax.Peaks`); `progress` shows Dask's progress bars on stderr."""
        with computing(self._client, self._cluster) as client:
            return self._run(client, progress)

    def __repr__(self):
        return "PeaksResult(lazy; .compute() for a graphmax.Peaks)"


def find_peaks(
    edges,
    values,
    *,
    labels=None,
    exclude=None,
    threshold_abs=None,
    threshold_rel=None,
    min_distance=None,
    num_peaks=None,
    num_peaks_per_label=None,
    hops=1,
    direction="both",
    min_prominence=None,
    return_prominence=False,
    client=None,
    source="src",
    target="dst",
    node="node",
    value="value",
    workers=None,
    memory_per_worker=None,
):
    """The peaks of node values over a graph held as Dask edge partitions.

    Equal to `graphmax.find_peaks` on the same data in memory (docs/semantics.md §4):
    candidates are the plateau maxima of each label's graph, one per
    plateau at its lowest position in the values table, then `exclude`,
    thresholds, output order (value descending, position ascending),
    `min_distance`, `num_peaks_per_label` and `num_peaks`.

    Parameters
    ----------
    edges, values, hops, direction, client, source, target, node, value, workers, memory_per_worker :
        As `graphmax.distributed.local_maxima` (NaN values are refused).
    labels, exclude : str or array_like, optional
        A column of the values table (an array when `values` is an array):
        integer regions (0: background), and a boolean mask of nodes that
        may not be peaks.
    threshold_abs, threshold_rel, min_distance, num_peaks, num_peaks_per_label :
        As `graphmax.find_peaks`; `min_distance` is in hops.
    min_prominence, return_prominence :
        Not available on Dask: an exact prominence needs a distributed
        superlevel-set union-find (see docs/distributed.md); they raise
        `NotImplementedError`.

    Returns
    -------
    PeaksResult
        Lazy; ``.compute()`` gives a `graphmax.Peaks`.

    Notes
    -----
    `min_distance` runs in rounds, each of `min_distance` passes over the
    edges: a candidate is decided once no undecided higher candidate lies
    within `min_distance` hops of it; it is kept unless a kept one does; the
    kept ones then mark their balls. This is exactly the sequential greedy
    answer: when a candidate is decided, every candidate that could have
    suppressed it already was.
    """
    if min_prominence is not None or return_prominence:
        raise NotImplementedError(
            "`min_prominence` and `return_prominence` are not available in graphmax.distributed: an exact "
            "prominence needs a distributed superlevel-set union-find (docs/distributed.md); use the in-memory "
            "graphmax.find_peaks"
        )
    spec = Spec("plateau", _check_int(hops, "hops", 1), engine.DIRECTIONS[_check_direction(direction)], 1,
                source, target)
    name = route(spec)
    thresholds = (_check_number(threshold_abs, "threshold_abs"), _check_number(threshold_rel, "threshold_rel"))
    spacing = None if min_distance is None else _check_int(min_distance, "min_distance", 0)
    counts = (_check_count(num_peaks, "num_peaks"), _check_count(num_peaks_per_label, "num_peaks_per_label"))
    parts = edge_parts(edges, source, target)
    checks = _node_columns(values, labels, exclude)
    vparts, identity, _ = _values(values, node, value, tuple(c.given for c in checks.values() if isinstance(c.given, str)))
    import dask

    table = dask.delayed(node_table, pure=True)(vparts, node, value, "raise", identity, checks)
    outcome = build(name, parts, table, spec)

    def run(client, progress):
        futures = client.compute([table, outcome])  # the table stays on the cluster for the suppression passes
        if progress:
            show_progress(futures)
        local, found = client.gather(futures)
        table_future = futures[0]
        return _peaks(client, parts, table_future, local, found, spec, thresholds, spacing, counts, progress)

    return PeaksResult(run, client, (workers, memory_per_worker))


def _node_columns(values, labels, exclude):
    """``{"labels"/"exclude": _Column}``: the per-node columns the node table reads and checks."""
    columns = {}
    for key, given, check in (("labels", labels, _check_labels), ("exclude", exclude, _check_exclude)):
        if given is None:
            continue
        if isinstance(given, str) and isinstance(values, np.ndarray):
            raise TypeError(f"`{key}` names a column ({given!r}) but `values` is an array: give `{key}` as an array")
        if not isinstance(given, str):
            if not isinstance(values, np.ndarray):
                raise TypeError(f"`{key}` must name a column of the values table, got {type(given).__name__}")
            check(given, values.shape[0])  # an array beside an array of values: checked now
        columns[key] = _Column(given, check)
    return columns


class _Column:
    """A per-node column (a name in the values table, or an array) and its check."""

    def __init__(self, given, check):
        self.given = given
        self.check = check

    def __call__(self, frame, n):
        data = frame[self.given].to_numpy() if isinstance(self.given, str) else self.given
        return self.check(data, n)


def _peaks(client, parts, table_future, table, outcome, spec, thresholds, spacing, counts, progress):
    a = table.raw
    lab = table.columns.get("labels")
    excluded = table.columns.get("exclude")
    is_max = outcome.mask if lab is None else outcome.mask & (lab != 0)
    # 1. one candidate per plateau, at its lowest position
    members = np.flatnonzero(is_max)
    _, plateau = np.unique(outcome.root[members], return_inverse=True)
    first = _first_per_plateau(plateau)
    size = np.bincount(plateau)
    # 2. exclude: the lowest allowed member stands for the plateau
    if excluded is None:
        nodes = members[first]
    else:
        allowed = ~excluded[members]
        kept_plateaus = np.unique(plateau[allowed])
        nodes = members[allowed][_first_per_plateau(plateau[allowed])]
        size = size[kept_plateaus]
    # 3. threshold
    keep = _above(a[nodes], _threshold(a, thresholds))
    nodes, size = nodes[keep], size[keep]
    # 4. output order
    order = np.lexsort((nodes, kernel_values(a[nodes], reverse=True)))
    # 5.-6. spacing and counts
    if spacing:
        order = order[_spaced(client, parts, table_future, table.n, nodes[order], spacing, spec, progress)]
    num_peaks, num_peaks_per_label = counts
    if num_peaks_per_label is not None:
        group = np.zeros(order.shape[0], dtype=np.int64) if lab is None else lab[nodes[order]]
        order = order[_rank_in_group(group) < num_peaks_per_label]
    if num_peaks is not None:
        order = order[:num_peaks]
    nodes = nodes[order]
    mask = np.zeros(table.n, dtype=bool)
    mask[nodes] = True
    return Peaks(
        nodes=nodes,
        values=a[nodes],
        plateau_size=size[order],
        mask=mask,
        names=None if table.ids is None else table.names(nodes).tolist(),
        labels=None if lab is None else lab[nodes],
    )


def _spaced(client, parts, table_future, n, candidates, hops, spec, progress):
    """Mask of the sorted `candidates` the greedy suppression keeps, in rounds."""
    count = candidates.shape[0]
    priority = np.arange(count, 0, -1, dtype=np.int64)  # the first in output order is the highest
    undecided = np.ones(count, dtype=bool)
    kept = np.zeros(count, dtype=bool)
    suppressed = np.zeros(count, dtype=bool)
    newly_kept = np.zeros(count, dtype=bool)
    while undecided.any():
        cur = np.full((n, 2), -1, dtype=np.int64)
        cur[candidates[undecided], 0] = priority[undecided]
        cur[candidates[newly_kept], 1] = 1
        reach = _ball_max(client, parts, table_future, spec, cur, hops, progress)
        suppressed |= reach[candidates, 1] > 0
        decided = undecided & (reach[candidates, 0] == priority)
        newly_kept = decided & ~suppressed
        kept |= newly_kept
        undecided &= ~decided
    return kept


def _ball_max(client, parts, table_future, spec, cur, hops, progress):
    """Per node, the column maxima of `cur` over the node and its `hops`-ball: `hops` passes."""
    import dask

    state = client.scatter(cur)
    for _ in range(hops):
        partial = engine.run_pass(parts, engine.propagate_step, table_future, spec, state)
        state = dask.delayed(_widen, pure=True)(state, partial)
    return result(client, state, progress)


def _widen(cur, partial):
    return cur if partial.reach is None else np.maximum(cur, partial.reach)
