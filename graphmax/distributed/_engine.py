"""The passes of the Dask path: a kernel per edge partition, partials merged in a tree.

A *pass* maps every edge partition to a partial (`Partial`) with one compiled
kernel (`graphmax.distributed._kernels`) and merges the partials pairwise up a
tree of fan-in `SPLIT_EVERY` (Dask's own ``split_every`` default) -- no shuffle
of the edges. Per-node state (values, flags, top-K tables) is dense: an array
of ``n`` entries per partial, which is why the node table must fit in one
worker (see docs/distributed.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _kernels as k

SPLIT_EVERY = 8
DIRECTIONS = {"both": 0, "out": 1, "in": 2}


@dataclass
class Partial:
    """What one pass learned from some edge partitions; `merge` is associative."""

    n_missing: int = 0
    missing_example: object = None
    flags: np.ndarray | None = None  # uint8, `_kernels` HIGHER/EQUAL/LOWER bits
    pairs: np.ndarray | None = None  # (k, 2) int64: links of a forest, or (key, node) pairs
    top: tuple | None = None  # (vals (n, K), ids (n, K)) top-K table
    reach: np.ndarray | None = None  # (n, c) int64 maxima of `propagate`
    extras: dict = field(default_factory=dict)


def read_positions(part, table, source, target):
    """Dense positions of one partition's endpoints, with the count of unknown ids."""
    src, bad_s, ex_s = table.positions(part[source])
    dst, bad_t, ex_t = table.positions(part[target])
    return src, dst, bad_s + bad_t, ex_s if bad_s else ex_t


def check_missing(partial):
    if partial.n_missing:
        raise ValueError(
            f"`edges` has {partial.n_missing} endpoint(s) whose node id is not in `values` "
            f"(e.g. {partial.missing_example!r}); every node needs a row in the values table"
        )


# -- the partition step of each pass -------------------------------------------------------------
def flags_step(part, table, spec, beaten=None):
    """1-hop flags, and (plateau) the forest of the equal edges."""
    src, dst, bad, example = read_positions(part, table, spec.source, spec.target)
    flags = np.zeros(table.n, dtype=np.uint8)
    k.relation_flags(src, dst, table.x, table.group, table.use_group, spec.direction, flags)
    out = Partial(bad, example, flags=flags)
    if spec.plateau:
        out.pairs = spanning_forest(k.equal_edges(src, dst, table.x, table.group, table.use_group,
                                                  (flags & k.HIGHER) > 0))
    return out


def topk_step(part, table, spec, prev=None, width=2):
    """One hop of the top-K tables of the balls: ``B_j(v) = N(v) + B_{j-1}(N(v))``."""
    src, dst, bad, example = read_positions(part, table, spec.source, spec.target)
    x = table.x
    vals = np.zeros((table.n, width), dtype=x.dtype)
    ids = np.full((table.n, width), -1, dtype=np.int64)
    use_prev = prev is not None
    pv, pi = prev.top if use_prev else (vals, ids)
    k.topk_pass(src, dst, x, table.group, table.use_group, spec.direction, pv, pi, use_prev, vals, ids)
    return Partial(bad, example, top=(vals, ids))


def links_step(part, table, spec, first, beaten, stars=True):
    """Plateau links within two hops: the equal edges and (`stars`, ``direction="both"``)
    the stars through each middle node's top value."""
    src, dst, bad, example = read_positions(part, table, spec.source, spec.target)
    links = [k.equal_edges(src, dst, table.x, table.group, table.use_group, beaten)]
    if stars:
        v, m = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
        links.append(k.star_links(v, m, table.x, *first.top, beaten))
    return Partial(bad, example, pairs=spanning_forest(np.concatenate(links)))


def middle_rows(part, table, spec):
    """For two-hop paths ``v -> m -> u``: a row ``(m, x[v], v, left)`` per relation pair
    ``(v, m)`` and ``(m, x[u], u, right)`` per pair ``(m, u)``, a pandas DataFrame (the
    values as `value_keys`)."""
    import pandas as pd

    src, dst, _, _ = read_positions(part, table, spec.source, spec.target)
    a, b = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
    size = a.shape[0]
    return pd.DataFrame({
        "m": np.concatenate([b, a]),
        "c": value_keys(table.x[np.concatenate([a, b])]),
        "node": np.concatenate([a, b]),
        "left": np.arange(2 * size) < size,
        "right": np.arange(2 * size) >= size,
    })


def value_keys(x):
    """int64 keys equal exactly when the kernel values are equal (-0.0 is 0.0; no NaN here)."""
    if x.dtype.kind == "f":
        x = x + 0.0
    return x.view(np.int64)


def forest_step(frame, beaten):
    """The spanning forest of a frame of ``(node, rep)`` links, without links between two losers."""
    pairs = frame[["node", "rep"]].to_numpy(dtype=np.int64)
    pairs = pairs[~(beaten[pairs[:, 0]] & beaten[pairs[:, 1]])]
    return Partial(pairs=spanning_forest(pairs))


def outside_step(part, table, spec, key, cap):
    """``(plateau root, outside neighbour)`` pairs of the candidate plateaus, at most `cap` per root."""
    src, dst, bad, example = read_positions(part, table, spec.source, spec.target)
    v, u = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
    pairs = k.outside_pairs(v, u, table.x, key)
    return Partial(bad, example, pairs=capped_pairs(pairs, cap))


def middle_step(part, table, spec, key):
    """``(middle node, plateau root)`` pairs: the first hop of the candidate plateaus' two-hop balls."""
    src, dst, bad, example = read_positions(part, table, spec.source, spec.target)
    v, u = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
    pairs = k.keyed_neighbours(v, u, key)
    return Partial(bad, example, pairs=capped_pairs(pairs, ALL))


def second_hop_step(part, table, spec, middles, cap):
    """``(plateau root, node outside it)`` pairs at two hops, at most `cap` per root."""
    src, dst, bad, example = read_positions(part, table, spec.source, spec.target)
    indptr, keys = middles
    m, u = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
    pairs = k.second_hop_pairs(m, u, table.x, indptr, keys)
    return Partial(bad, example, pairs=capped_pairs(pairs, cap))


def pairs_by_first(partial, n):
    """The pairs of `partial` as CSR over their first column: ``(indptr (n + 1,), seconds)``."""
    pairs = partial.pairs if partial.pairs is not None else np.zeros((0, 2), dtype=np.int64)
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs[:, 0], minlength=n), out=indptr[1:])
    return indptr, np.ascontiguousarray(pairs[:, 1])


ALL = np.iinfo(np.int64).max  # a cap that keeps every distinct pair


def propagate_step(part, table, spec, cur):
    """One hop of a max over balls of the columns of `cur`."""
    src, dst, bad, example = read_positions(part, table, spec.source, spec.target)
    out = np.full(cur.shape, -1, dtype=np.int64)
    k.propagate_max(src, dst, table.group, table.use_group, spec.direction, cur, out)
    return Partial(bad, example, reach=out)


# -- merging partials ----------------------------------------------------------------------------
def spanning_forest(pairs):
    """``(child, root)`` pairs with the connected components of `pairs` (at most one
    pair per node): union-find over the nodes the pairs touch."""
    if pairs.shape[0] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    nodes, local = np.unique(pairs, return_inverse=True)
    local = local.reshape(pairs.shape).astype(np.int64)
    parent = np.arange(nodes.shape[0], dtype=np.int64)
    k.union_all(parent, local)
    root = k.compact_roots(parent)
    child = np.flatnonzero(root != np.arange(nodes.shape[0]))
    return np.stack([nodes[child], nodes[root[child]]], axis=1)


def capped_pairs(pairs, cap):
    """Distinct rows of `pairs`, at most `cap` per first column (the smallest second columns)."""
    if pairs.shape[0] == 0:
        return pairs
    pairs = np.unique(pairs, axis=0)
    start = np.concatenate(([True], pairs[1:, 0] != pairs[:-1, 0]))
    first = np.maximum.accumulate(np.where(start, np.arange(pairs.shape[0]), 0))
    return pairs[np.arange(pairs.shape[0]) - first < cap]


def merge(parts, cap=None):
    """Merge partials of one pass into one."""
    out = Partial()
    for p in parts:
        if p.n_missing and not out.n_missing:
            out.missing_example = p.missing_example
        out.n_missing += p.n_missing
    first = parts[0]
    if first.flags is not None:
        out.flags = np.bitwise_or.reduce([p.flags for p in parts])
    if first.top is not None:
        vals, ids = first.top[0].copy(), first.top[1].copy()
        for p in parts[1:]:
            k.topk_merge(vals, ids, *p.top)
        out.top = (vals, ids)
    if first.reach is not None:
        out.reach = np.maximum.reduce([p.reach for p in parts])
    if first.pairs is not None:
        pairs = np.concatenate([p.pairs for p in parts])
        if out.flags is not None:  # links whose ends both lost already cannot change a verdict
            beaten = (out.flags & k.HIGHER) > 0
            pairs = pairs[~(beaten[pairs[:, 0]] & beaten[pairs[:, 1]])]
        out.pairs = capped_pairs(pairs, cap) if cap is not None else spanning_forest(pairs)
    return out


def tree(partials, cap=None):
    """Delayed merge of Delayed partials, `SPLIT_EVERY` at a time."""
    import dask

    level = list(partials)
    if not level:
        return dask.delayed(Partial)()
    while len(level) > 1:
        level = [
            dask.delayed(merge, pure=True)(level[i:i + SPLIT_EVERY], cap)
            for i in range(0, len(level), SPLIT_EVERY)
        ]
    return level[0]


def run_pass(parts, step, table, spec, *args, cap=None, **kwargs):
    """Delayed merged `Partial` of `step` over every edge partition."""
    import dask

    call = dask.delayed(step, pure=True)
    return tree([call(part, table, spec, *args, **kwargs) for part in parts], cap=cap)
