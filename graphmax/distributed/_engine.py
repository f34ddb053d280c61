"""The passes of the Dask path: a kernel per edge partition, partials merged in a tree.

A *pass* maps every edge partition to a partial (`Partial`) with one compiled
kernel (`graphmax.distributed._kernels`) and merges the partials pairwise up a
tree of fan-in `SPLIT_EVERY` -- no shuffle
of the edges. Per-node state (values, flags, top-K tables) is dense: an array
of ``n`` entries per partial, which is why the node table must fit in one
worker (see docs/distributed.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from dask.sizeof import sizeof

from . import _kernels as k
from ._inputs import piece_batches

# Partials merged per task. Pairwise: a merge holds its inputs and its output, so fan-in 8
# (Dask's own ``split_every`` default) held 9 dense partials; measured on a 131k-node graph
# (tracemalloc peak of a one-thread run, `benchmarks.distributed.node_state_bytes`), fan-in
# 8 -> 2 took strict hops=1 from 26 to 16 bytes per node and hops=2 from 331 to 265, for
# a few more O(n) merge tasks.
SPLIT_EVERY = 2
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


@sizeof.register(Partial)
def _sizeof_partial(partial):
    """Bytes of a partial's arrays: what Dask counts as managed memory (its default,
    ``sys.getsizeof``, saw ~0 and counted the dense arrays as unmanaged)."""
    arrays = [partial.flags, partial.pairs, partial.reach, *(partial.top or ())]
    return 200 + sum(a.nbytes for a in arrays if a is not None)


def batches(piece, table, spec):
    """``(src, dst)`` dense positions of `piece`'s edges, a batch at a time
    (`graphmax.distributed._inputs.BATCH_ROWS` rows), and the running count and first
    example of the endpoints the values table lacks: ``yield (src, dst, missing)``
    where `missing` is ``[count, example]`` (updated as batches are read)."""
    missing = [0, None]
    for ids_s, ids_t in piece_batches(piece, (spec.source, spec.target)):
        src, bad_s, ex_s = table.positions(ids_s)
        dst, bad_t, ex_t = table.positions(ids_t)
        if bad_s + bad_t and not missing[0]:
            missing[1] = ex_s if bad_s else ex_t
        missing[0] += bad_s + bad_t
        yield src, dst, missing


def check_missing(partial):
    if partial.n_missing:
        raise ValueError(
            f"`edges` has {partial.n_missing} endpoint(s) whose node id is not in `values` "
            f"(e.g. {partial.missing_example!r}); every node needs a row in the values table"
        )


# -- the partition step of each pass -------------------------------------------------------------
# A step reads one piece of the edge table batch by batch (`batches`) into one `Partial`
# whose dense arrays are allocated once per task; list-valued partials (`pairs`) are reduced
# after every batch (`reduce_pairs`), so a task holds its state plus one batch.
def _done(partial, missing):
    partial.n_missing, partial.missing_example = missing
    return partial


def _empty_missing():
    return [0, None]


def flags_step(piece, table, spec):
    """1-hop flags, and (plateau) the forest of the equal edges."""
    out = Partial(flags=np.zeros(table.n, dtype=np.uint8))
    if spec.plateau:
        out.pairs = NO_PAIRS
    missing = _empty_missing()
    for src, dst, missing in batches(piece, table, spec):
        k.relation_flags(src, dst, table.x, table.group, table.use_group, spec.direction, out.flags)
        if spec.plateau:
            equal = k.equal_edges(src, dst, table.x, table.group, table.use_group, out.flags, k.HIGHER)
            out.pairs = reduce_pairs(out.pairs, equal)
    return _done(out, missing)


def topk_step(piece, table, spec, prev=None, width=2):
    """One hop of the top-K tables of the balls: ``B_j(v) = N(v) + B_{j-1}(N(v))``."""
    x = table.x
    vals = np.zeros((table.n, width), dtype=x.dtype)
    ids = np.full((table.n, width), -1, dtype=np.int64)
    use_prev = prev is not None
    pv, pi = prev.top if use_prev else (vals, ids)
    missing = _empty_missing()
    for src, dst, missing in batches(piece, table, spec):
        k.topk_pass(src, dst, x, table.group, table.use_group, spec.direction, pv, pi, use_prev, vals, ids)
    return _done(Partial(top=(vals, ids)), missing)


def _pairs_step(piece, table, spec, make, cap):
    """A step whose partial is a list of pairs: `make(src, dst)` per batch, reduced as it goes."""
    pairs = NO_PAIRS
    missing = _empty_missing()
    for src, dst, missing in batches(piece, table, spec):
        pairs = reduce_pairs(pairs, make(src, dst), cap)
    return _done(Partial(pairs=pairs), missing)


def links_step(piece, table, spec, first, beaten, stars=True):
    """Plateau links within two hops: the equal edges and (`stars`, ``direction="both"``)
    the stars through each middle node's top value."""
    def make(src, dst):
        links = [k.equal_edges(src, dst, table.x, table.group, table.use_group, beaten.view(np.uint8), 1)]
        if stars:
            v, m = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
            links.append(k.star_links(v, m, table.x, *first.top, beaten))
        return np.concatenate(links)

    return _pairs_step(piece, table, spec, make, None)


def middle_rows(piece, table, spec):
    """For two-hop paths ``v -> m -> u``: a row ``(m, x[v], v, left)`` per relation pair
    ``(v, m)`` and ``(m, x[u], u, right)`` per pair ``(m, u)``, a pandas DataFrame (the
    values as `value_keys`)."""
    import pandas as pd

    frames = []
    for src, dst, _ in batches(piece, table, spec):
        a, b = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
        size = a.shape[0]
        frames.append(pd.DataFrame({
            "m": np.concatenate([b, a]),
            "c": value_keys(table.x[np.concatenate([a, b])]),
            "node": np.concatenate([a, b]),
            "left": np.arange(2 * size) < size,
            "right": np.arange(2 * size) >= size,
        }))
    if not frames:
        empty = np.zeros(0, dtype=np.int64)
        return pd.DataFrame({"m": empty, "c": empty, "node": empty, "left": empty.astype(bool),
                             "right": empty.astype(bool)})
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


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


def outside_step(piece, table, spec, key, cap):
    """``(plateau root, outside neighbour)`` pairs of the candidate plateaus, at most `cap` per root."""
    def make(src, dst):
        v, u = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
        return k.outside_pairs(v, u, table.x, key)

    return _pairs_step(piece, table, spec, make, cap)


def middle_step(piece, table, spec, key):
    """``(middle node, plateau root)`` pairs: the first hop of the candidate plateaus' two-hop balls."""
    def make(src, dst):
        v, u = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
        return k.keyed_neighbours(v, u, key)

    return _pairs_step(piece, table, spec, make, ALL)


def second_hop_step(piece, table, spec, middles, cap):
    """``(plateau root, node outside it)`` pairs at two hops, at most `cap` per root."""
    indptr, keys = middles

    def make(src, dst):
        m, u = k.relation_pairs(src, dst, table.group, table.use_group, spec.direction)
        return k.second_hop_pairs(m, u, table.x, indptr, keys)

    return _pairs_step(piece, table, spec, make, cap)


def pairs_by_first(partial, n):
    """The pairs of `partial` as CSR over their first column: ``(indptr (n + 1,), seconds)``."""
    pairs = partial.pairs if partial.pairs is not None else np.zeros((0, 2), dtype=np.int64)
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs[:, 0], minlength=n), out=indptr[1:])
    return indptr, np.ascontiguousarray(pairs[:, 1])


ALL = np.iinfo(np.int64).max  # a cap that keeps every distinct pair
NO_PAIRS = np.zeros((0, 2), dtype=np.int64)


def reduce_pairs(pairs, more, cap=None):
    """`pairs` and `more` as one list: their spanning forest (`cap` None) or their distinct
    rows, at most `cap` per first column."""
    if more.shape[0] == 0:
        return pairs
    both = np.concatenate([pairs, more]) if pairs.shape[0] else more
    return spanning_forest(both) if cap is None else capped_pairs(both, cap)


def propagate_step(piece, table, spec, cur):
    """One hop of a max over balls of the columns of `cur`."""
    out = np.full(cur.shape, -1, dtype=np.int64)
    missing = _empty_missing()
    for src, dst, missing in batches(piece, table, spec):
        k.propagate_max(src, dst, table.group, table.use_group, spec.direction, cur, out)
    return _done(Partial(reach=out), missing)


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
