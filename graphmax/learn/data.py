"""Seeded data sets for the learned detectors: graph families x signals, labelled exactly.

Every graph is drawn from its own `numpy.random.SeedSequence` child, so a
data set is reproducible from ``(seed, split)`` alone and a graph does not
change when the set around it grows. Labels are the exact answer of a
`graphmax.learn.targets.Target` (default ``graphmax.local_maxima(graph, x,
mode="strict")``, ``hops=1``, ``direction="both"``, ``min_neighbors=1``),
and ``edge_index`` holds the target's neighbourhood relation as messages
``u -> v`` for ``u in N(v)``: the exact answer every learned model is scored
against, and the structure every model reads.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import networkx as nx
import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.data import Data

from .._graph import Graph, as_graph, from_edges, from_mesh, from_points
from ..grid import grid_adjacency
from ..grid import local_maxima as grid_local_maxima
from .targets import Target

__all__ = [
    "FAMILIES",
    "TRAIN_FAMILIES",
    "UNSEEN_FAMILIES",
    "SIGNALS",
    "SHIFT",
    "make_graph",
    "make_signal",
    "make_dataset",
    "make_splits",
    "OOD_SETS",
    "make_adversarial",
    "VALUE_SETS",
    "ADVERSARIAL_KINDS",
    "shift_values",
    "target_labels",
    "to_data",
    "strict_labels",
    "make_images",
    "Splits",
]

#: The value-range shift of the out-of-distribution "shifted" sets: ``x -> 1000 x - 300``.
SHIFT = (1000.0, -300.0)


# -- graph families: (n, rng) -> (n_nodes, undirected edges (E, 2)) --------------------------------
def _erdos_renyi(n, rng):
    """G(n, p) with mean degree drawn from [2, 6] (networkx's O(n + E) sampler)."""
    degree = rng.uniform(2.0, 6.0)
    G = nx.fast_gnp_random_graph(n, min(1.0, degree / max(n - 1, 1)), seed=_int_seed(rng))
    return n, np.array(G.edges(), dtype=np.int64).reshape(-1, 2)


def _barabasi_albert(n, rng):
    """Preferential attachment with m in {1, 2, 3} edges per new node: hubs."""
    m = int(rng.integers(1, 4))
    G = nx.barabasi_albert_graph(max(n, m + 1), m, seed=_int_seed(rng))
    return G.number_of_nodes(), np.array(G.edges(), dtype=np.int64).reshape(-1, 2)


def _knn(n, rng):
    """Symmetric k-nearest-neighbour graph (k in 3..6) of uniform points in the unit square."""
    g = from_points(rng.random((n, 2)), k=int(rng.integers(3, 7)))
    return n, _edges_of(g)


def _geometric(n, rng):
    """Random geometric graph: points within r of each other, mean degree ~ U(3, 8)."""
    radius = np.sqrt(rng.uniform(3.0, 8.0) / (np.pi * n))
    g = from_points(rng.random((n, 2)), r=radius)
    return n, _edges_of(g)


def _grid_shape(n, rng):
    rows = max(2, int(round(np.sqrt(n) * rng.uniform(0.7, 1.4))))
    return rows, max(2, int(round(n / rows)))


def _grid4(n, rng):
    """4-connected image grid of about n pixels, random aspect ratio."""
    shape = _grid_shape(n, rng)
    return shape[0] * shape[1], _edges_of(as_graph(grid_adjacency(shape, connectivity=1)))


def _grid8(n, rng):
    """8-connected image grid of about n pixels, random aspect ratio."""
    shape = _grid_shape(n, rng)
    return shape[0] * shape[1], _edges_of(as_graph(grid_adjacency(shape, connectivity=2)))


def _tree(n, rng):
    """Random recursive tree: node i attaches to a uniform earlier node."""
    child = np.arange(1, n, dtype=np.int64)
    parent = np.floor(rng.random(n - 1) * child).astype(np.int64)
    return n, np.stack([parent, child], axis=1)


def _mesh(n, rng):
    """Delaunay triangulation of uniform points in the unit square (a triangle mesh)."""
    from scipy.spatial import Delaunay

    faces = Delaunay(rng.random((max(n, 4), 2))).simplices
    return max(n, 4), _edges_of(from_mesh(faces, n=max(n, 4)))


def _ladder(n, rng):
    """Ladder (two paths joined rung by rung) of about n nodes."""
    G = nx.ladder_graph(max(n // 2, 2))
    return G.number_of_nodes(), np.array(G.edges(), dtype=np.int64)


def _ring(n, rng):
    """Cycle of n nodes."""
    G = nx.cycle_graph(max(n, 3))
    return G.number_of_nodes(), np.array(G.edges(), dtype=np.int64)


def _watts_strogatz(n, rng):
    """Small world: ring lattice with 4 neighbours, 10% of edges rewired."""
    G = nx.watts_strogatz_graph(max(n, 5), 4, 0.1, seed=_int_seed(rng))
    return G.number_of_nodes(), np.array(G.edges(), dtype=np.int64).reshape(-1, 2)


#: Every family: name -> generator ``(n, rng) -> (n_nodes, edges)``.
FAMILIES = {
    "er": _erdos_renyi,
    "ba": _barabasi_albert,
    "knn": _knn,
    "grid4": _grid4,
    "tree": _tree,
    "geometric": _geometric,
    "grid8": _grid8,
    "mesh": _mesh,
    "ladder": _ladder,
    "ring": _ring,
    "ws": _watts_strogatz,
}
#: Families the models are trained (and validated) on.
TRAIN_FAMILIES = ("er", "ba", "knn", "grid4", "tree")
#: Families never seen in training: the "unseen families" test set.
UNSEEN_FAMILIES = ("geometric", "grid8", "mesh", "ladder", "ring", "ws")
#: Node signals: iid uniform floats, smooth (low-pass) floats, small integers (ties everywhere).
SIGNALS = ("uniform", "smooth", "int")


def _int_seed(rng):
    return int(rng.integers(0, 2**31 - 1))


def _edges_of(g):
    """Each undirected edge of a `Graph` (its edges read in both directions) once, as ``(E, 2)``, ``u < v``."""
    # scipy rather than `g.neighbors("both")`: no symmetry check, whose parallel kernel has a fixed
    # cost per call that dominates thousands of tiny graphs on a busy machine.
    a = g.to_scipy("out")
    upper = sp.triu(a + a.T, k=1).tocoo()
    return np.stack([upper.row, upper.col], axis=1).astype(np.int64)


def make_graph(family, n, rng, *, directed=False):
    """One random graph of `family` with about `n` nodes, node ids shuffled.

    ``directed=True`` orients each edge of the undirected graph at random:
    ``u -> v`` or ``v -> u`` with probability 0.4 each, both with 0.2 (so
    out-neighbourhoods differ from in-neighbourhoods, and some nodes have no
    out-neighbour).

    Returns
    -------
    graph : graphmax.Graph
        Undirected (both directions stored) unless `directed`.
    """
    if family not in FAMILIES:
        raise ValueError(f"`family` must be one of {tuple(FAMILIES)}, got {family!r}")
    n_nodes, edges = FAMILIES[family](int(n), rng)
    # Shuffle ids so that no model can read structure off the node order.
    perm = rng.permutation(n_nodes)
    edges = perm[edges].reshape(-1, 2)
    if directed:
        u = rng.random(len(edges))
        forward = edges[u < 0.6]
        backward = edges[u >= 0.4][:, ::-1]
        g = from_edges(np.concatenate([forward, backward]), n=n_nodes)
        return Graph(g.n, g.indptr, g.indices)
    both = np.concatenate([edges, edges[:, ::-1]])
    g = from_edges(both, n=n_nodes)
    return Graph(g.n, g.indptr, g.indices, symmetric=True)  # both directions stored: symmetric by construction


def make_signal(signal, graph, rng):
    """Node values of kind `signal` on `graph`, shape ``(n,)``.

    ``"uniform"``: iid U[0, 1) float64. ``"smooth"``: white noise low-pass
    filtered by 2-5 steps of ``x <- (x + mean of neighbours) / 2``, rescaled to
    [0, 1] (an increasing affine map, so the maxima are the filtered ones).
    ``"int"``: iid integers in ``0..K-1`` with K drawn from 3..9, so equal
    neighbours (ties: never strict maxima) are common.
    """
    n = graph.n
    if signal == "uniform":
        return rng.random(n)
    if signal == "int":
        return rng.integers(0, int(rng.integers(3, 10)), n).astype(np.int64)
    if signal == "smooth":
        x = rng.random(n)
        a = graph.to_scipy("both")
        deg = np.asarray(a.sum(axis=1)).ravel()
        walk = sp.diags(np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)) @ a
        for _ in range(int(rng.integers(2, 6))):
            x = 0.5 * x + 0.5 * (walk @ x + (deg == 0) * x)
        span = x.max() - x.min() if n else 0.0
        return (x - x.min()) / span if span > 0 else x
    raise ValueError(f"`signal` must be one of {SIGNALS}, got {signal!r}")


def shift_values(x, shift=SHIFT):
    """``scale * x + offset`` in float64 (the "shifted value range" of the OOD sets)."""
    scale, offset = shift
    return scale * np.asarray(x, dtype=np.float64) + offset


def _edge_index(g):
    """Both directions of every edge of a `Graph` as an int64 ``(2, E)`` array (CSR order)."""
    indptr, indices, _ = g.neighbors("both")
    src = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(indptr))
    return np.stack([src, indices.astype(np.int64)])


def _union(graphs, values):
    graphs = [as_graph(g) for g in graphs]
    sizes = np.array([g.n for g in graphs])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    edges = np.concatenate([_out_edges(g) + off for g, off in zip(graphs, offsets[:-1])], axis=1)
    union = from_edges(edges.T, n=int(offsets[-1]))
    kinds = {np.asarray(x).dtype.kind for x in values}
    # One dtype for the union without a lossy cast: int64 for integers, float64 otherwise
    # (float64 holds the small integers of the "int" signal exactly).
    dtype = np.int64 if kinds <= {"i", "u", "b"} else np.float64
    x = np.concatenate([np.asarray(v, dtype=dtype) for v in values])
    return union, x, offsets


def _out_edges(g):
    """Every stored edge ``v -> u`` of a `Graph` as an int64 ``(2, E)`` array."""
    indptr, indices, _ = g.neighbors("out")
    src = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(indptr))
    return np.stack([src, indices.astype(np.int64)])


def target_labels(graphs, values, target=None):
    """The exact answer of `target` for many graphs, and each graph's messages, from one call on their union.

    A node's neighbourhood (any number of hops, any direction) and its plateau
    lie in its own graph, so the disjoint union's answer is each graph's
    answer; one call instead of thousands keeps labelling a data set cheap.

    Returns
    -------
    labels : list of bool arrays
    messages : list of int64 ``(2, E)`` arrays (`Target.message_index` of each graph)
    """
    target = Target.of(target)
    if not graphs:
        return [], []
    union, x, offsets = _union(graphs, values)
    mask = target.labels(union, x)
    msg = target.message_index(union)
    # messages are grouped by their target node v (CSR rows), so each graph's are one slice
    cut = np.searchsorted(msg[1], offsets)
    labels = [mask[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    messages = [msg[:, a:b] - off for a, b, off in zip(cut[:-1], cut[1:], offsets[:-1])]
    return labels, messages


def strict_labels(graphs, values):
    """``local_maxima(g, x, mode="strict")`` for many graphs, in one call on their disjoint union."""
    return target_labels(graphs, values)[0]


def to_data(graph, x, *, labels=None, target=None, messages=None, **attrs):
    """A PyG `Data` for `graph` and values `x`, labelled by the exact answer of `target` (default strict).

    ``x``: ``(n, 1)`` float64 (exact for integers below 2**53); ``y``:
    ``(n,)`` bool, ``target.labels(graph, x)`` (or `labels`, when already
    computed that way by `target_labels`); ``edge_index``: the target's
    messages ``u -> v`` for ``u in N(v)`` (`Target.message_index`, or
    `messages`); ``graph_edge_index``: the graph's own edges ``(2, E)``;
    ``target``: the target's name. Extra keyword attributes (family,
    signal, ...) are stored as they are.
    """
    g = as_graph(graph)
    target = Target.of(target)
    values = np.asarray(x)
    y = target.labels(g, values) if labels is None else np.asarray(labels, dtype=bool)
    msg = target.message_index(g) if messages is None else messages
    return Data(
        x=torch.from_numpy(values.astype(np.float64).reshape(-1, 1)),
        y=torch.from_numpy(y),
        edge_index=torch.from_numpy(np.ascontiguousarray(msg, dtype=np.int64)),
        graph_edge_index=torch.from_numpy(_out_edges(g)),
        num_nodes=g.n,
        target=target.name,
        **attrs,
    )


#: Value sets on the test graphs (labels recomputed): name -> (what it does, whether it can change ranks).
VALUE_SETS = {
    "affine": ("x -> 1000 x - 300 (ranks unchanged)", False),
    "orders": ("x rescaled to [0, 1], then 10**(12 x - 6): values over 12 orders of magnitude (ranks unchanged)", False),
    "offset": ("x -> x + 1e6: the gaps stay, float32 cannot hold them (ranks unchanged)", False),
    "noise": ("x + Gaussian noise of 5% of the range (ranks change; new maxima)", True),
    "heavy": ("x + 2% of the range times standard Cauchy noise: heavy tails (ranks change)", True),
}
#: The adversarial set's constructions, from the certificate's failure modes (see `make_adversarial`).
ADVERSARIAL_KINDS = ("tie-gap", "ulp-above", "ulp-below", "hub", "plateau")


def _value_set(name, x, rng):
    x = np.asarray(x, dtype=np.float64)
    span = float(x.max() - x.min()) if x.size else 0.0
    span = span if span > 0 else 1.0
    if name == "affine":
        return 1000.0 * x - 300.0
    if name == "orders":
        return 10.0 ** (12.0 * (x - x.min()) / span - 6.0)
    if name == "offset":
        return x + 1e6
    if name == "noise":
        return x + rng.normal(0.0, 0.05 * span, x.shape)
    if name == "heavy":
        return x + 0.02 * span * rng.standard_cauchy(x.shape)
    raise ValueError(f"`values` must be one of {tuple(VALUE_SETS)}, got {name!r}")


def make_dataset(num_graphs, *, families=TRAIN_FAMILIES, signals=SIGNALS, size=(20, 60), seed=0, split="train",
                 shift=None, values=None, target=None):
    """`num_graphs` labelled PyG graphs, families and signals in turn, sizes uniform in `size`.

    Parameters
    ----------
    num_graphs : int
    families, signals : sequence of str
        Graph ``i`` is family ``families[i % len(families)]`` with signal
        ``signals[(i // len(families)) % len(signals)]`` (every pair equally often).
    size : (int, int)
        Inclusive range of requested node counts (grids and ladders round it).
    seed : int
    split : str
        Mixed into the seed, so splits of one seed never share a graph.
    shift : (float, float), optional
        Apply ``x -> shift[0] * x + shift[1]`` to every signal.
    values : str, optional
        A name of `VALUE_SETS`: transform every signal so (noise, heavy
        tails, orders of magnitude, ...). Labels are recomputed on the new
        values, and the graphs are those of the same `split` without it.
    target : Target or dict, optional
        What ``y`` answers (default: strict maxima, 1 hop, both directions).
        A target with ``direction != "both"`` draws directed graphs
        (`make_graph`'s ``directed=True``).

    Returns
    -------
    list of torch_geometric.data.Data
        Each with ``x (n, 1)`` float64, ``y (n,)`` bool, ``edge_index`` (the
        target's messages), ``graph_edge_index`` (the graph), and
        ``family``, ``signal``, ``target`` strings.

    Examples
    --------
    >>> data = make_dataset(4, families=("ring",), signals=("int",), size=(10, 10), seed=1)
    >>> [d.num_nodes for d in data], data[0].signal, data[0].target
    ([10, 10, 10, 10], 'int', 'strict')
    """
    target = Target.of(target)
    lo, hi = (int(size[0]), int(size[1]))
    if not 2 <= lo <= hi:
        raise ValueError(f"`size` must be (lo, hi) with 2 <= lo <= hi, got {size!r}")
    if values is not None and values not in VALUE_SETS:
        raise ValueError(f"`values` must be one of {tuple(VALUE_SETS)}, got {values!r}")
    root = np.random.SeedSequence([int(seed), zlib.crc32(split.encode())])
    graphs, xs, names = [], [], []
    for i, child in enumerate(root.spawn(int(num_graphs))):
        rng = np.random.default_rng(child)
        family = families[i % len(families)]
        signal = signals[(i // len(families)) % len(signals)]
        g = make_graph(family, rng.integers(lo, hi + 1), rng, directed=target.directed)
        x = make_signal(signal, g, rng)
        if shift is not None:
            x = shift_values(x, shift)
        if values is not None:
            x = _value_set(values, x, np.random.default_rng([int(seed), i, zlib.crc32(values.encode())]))
        graphs.append(g)
        xs.append(x)
        names.append((family, signal))
    return _labelled(graphs, xs, names, target)


def _labelled(graphs, xs, names, target):
    """`Data` for each graph, labelled for `target` in one call on the union; `names` are (family, signal)."""
    labels, messages = target_labels(graphs, xs, target)
    return [to_data(g, x, labels=y, messages=m, target=target, family=f, signal=s)
            for g, x, y, m, (f, s) in zip(graphs, xs, labels, messages, names)]


def _traps(nbr_indptr, nbr_indices, rng, count):
    """Up to `count` nodes with >= 2 neighbours whose closed neighbourhoods do not overlap."""
    used = np.zeros(len(nbr_indptr) - 1, dtype=bool)
    out = []
    for v in rng.permutation(len(used)):
        nb = nbr_indices[nbr_indptr[v] : nbr_indptr[v + 1]]
        if len(nb) < 2 or used[v] or used[nb].any():
            continue
        used[v] = True
        used[nb] = True
        out.append((int(v), nb))
        if len(out) >= count:
            break
    return out


def make_adversarial(num_graphs, *, seed=0, size=(500, 2000), target=None, split="adversarial"):
    """Graphs built from the failure modes of the rank certificate, labelled exactly.

    Training families, uniform values, then traps planted around nodes with
    disjoint neighbourhoods (``N`` is the target's neighbourhood), one kind
    per graph in turn (`ADVERSARIAL_KINDS`; 25 graphs hold every kind on
    every family):

    - ``"tie-gap"``: ``v`` ties one neighbour and sits far above the others
      (they get the lowest values: a rank gap of about the graph's size);
    - ``"ulp-above"`` / ``"ulp-below"``: one neighbour is 1 ulp above /
      below ``v`` (``numpy.nextafter``), the others far below;
    - ``"hub"``: the highest-degree nodes get the highest values; half of
      them have one neighbour 1 ulp above;
    - ``"plateau"``: values constant on runs of 10-100 nodes along a
      breadth-first order (integers 0..5): long plateaus, ties everywhere.

    Returns a list of `Data` as `make_dataset` (``signal`` = the kind).
    """
    target = Target.of(target)
    from .._maxima import neighborhood

    lo, hi = int(size[0]), int(size[1])
    root = np.random.SeedSequence([int(seed), zlib.crc32(split.encode())])
    graphs, xs, names = [], [], []
    for i, child in enumerate(root.spawn(int(num_graphs))):
        rng = np.random.default_rng(child)
        kind = ADVERSARIAL_KINDS[i % len(ADVERSARIAL_KINDS)]
        family = TRAIN_FAMILIES[(i // len(ADVERSARIAL_KINDS)) % len(TRAIN_FAMILIES)]
        g = make_graph(family, rng.integers(lo, hi + 1), rng, directed=target.directed)
        indptr, indices = neighborhood(g, hops=target.hops, direction=target.direction)
        x = rng.random(g.n)
        if kind == "plateau":
            order = np.asarray(list(nx.bfs_tree(nx.Graph(list(map(tuple, _out_edges(g).T))),
                                                int(rng.integers(g.n))).nodes), dtype=np.int64) \
                if g.num_edges else np.arange(g.n)
            order = np.concatenate([order, np.setdiff1d(np.arange(g.n), order)])
            runs = []
            while sum(runs) < g.n:
                runs.append(int(rng.integers(10, 101)))
            run_values = rng.integers(0, 6, len(runs)).astype(np.float64)
            x[order] = np.repeat(run_values, runs)[: g.n]
        elif kind == "hub":
            deg = np.diff(indptr)
            hubs = np.argsort(-deg, kind="stable")[: max(1, g.n // 100)]
            x[hubs] = 2.0 + rng.random(len(hubs))
            for j, h in enumerate(hubs[::2]):
                nb = indices[indptr[h] : indptr[h + 1]]
                if len(nb):
                    x[nb[0]] = np.nextafter(x[h], np.inf)
        else:
            for v, nb in _traps(indptr, indices, rng, max(1, g.n // 40)):
                x[v] = 2.0 + rng.random()
                x[nb] = -1.0 - rng.random(len(nb))
                x[nb[0]] = {"tie-gap": x[v], "ulp-above": np.nextafter(x[v], np.inf),
                            "ulp-below": np.nextafter(x[v], -np.inf)}[kind]
        graphs.append(g)
        xs.append(x)
        names.append((family, kind))
    return _labelled(graphs, xs, names, target)


class Splits(NamedTuple):
    """Train / validation / test sets and the out-of-distribution sets of one seed."""

    train: list
    val: list
    test: list
    ood: dict  #: name -> list of Data (see `make_splits`)


#: Default out-of-distribution sets of `make_splits`.
OOD_SETS = ("size4x", "size10x", "size100x", "unseen", *VALUE_SETS, "adversarial")


def make_splits(seed=0, *, num_train=600, num_val=150, num_test=150, size=(20, 60), num_ood=None, ood=OOD_SETS,
                target=None):
    """The standard splits for `target`: train/val/test on `TRAIN_FAMILIES`, plus the OOD sets.

    OOD sets (`num_ood` maps a name to its number of graphs; defaults:
    100 / 60 / 30 / `num_test` for the value sets and unseen families, 25
    adversarial, 1 for ``n=N``):

    - ``"size4x"``, ``"size10x"``, ``"size100x"``: train families, node
      counts 4, 10, 100 times `size`;
    - ``"n=N"`` (e.g. ``"n=1000000"``): graphs of N nodes (families kNN,
      grid, tree in turn: the fast generators);
    - ``"unseen"``: `UNSEEN_FAMILIES` at the training size;
    - each name of `VALUE_SETS`: the test graphs with transformed values;
    - ``"adversarial"``: `make_adversarial` (500-2000 nodes).

    Validation is the only split used for model selection.
    """
    target = Target.of(target)
    counts = {"size4x": 100, "size10x": 60, "size100x": 30, "unseen": num_test, "adversarial": 25,
              **{v: num_test for v in VALUE_SETS}}
    counts.update(num_ood or {})
    lo, hi = size

    def make(name, k):
        if name in ("size4x", "size10x", "size100x"):
            f = int(name[4:-1])
            return make_dataset(k, size=(f * lo, f * hi), seed=seed, split=name, target=target)
        if name.startswith("n="):
            n = int(float(name[2:]))
            return make_dataset(k, families=("knn", "grid4", "tree"), size=(n, n), seed=seed, split=name,
                                target=target)
        if name == "unseen":
            return make_dataset(k, families=UNSEEN_FAMILIES, size=size, seed=seed, split="unseen", target=target)
        if name in VALUE_SETS:
            return make_dataset(k, size=size, seed=seed, split="test", values=name, target=target)
        if name == "adversarial":
            return make_adversarial(k, seed=seed, target=target)
        raise ValueError(f"`ood` names must be among {OOD_SETS} or 'n=N', got {name!r}")

    for name in ood:
        if name not in OOD_SETS and not (name.startswith("n=") and name[2:].replace("e", "").isdigit()):
            raise ValueError(f"`ood` names must be among {OOD_SETS} or 'n=N', got {name!r}")
    return Splits(
        train=make_dataset(num_train, size=size, seed=seed, split="train", target=target),
        val=make_dataset(num_val, size=size, seed=seed, split="val", target=target),
        test=make_dataset(num_test, size=size, seed=seed, split="test", target=target),
        ood={name: make(name, counts.get(name, 1)) for name in ood},
    )


# -- images for the grid CNNs ---------------------------------------------------------------------
def make_images(num_images, shape=(32, 32), *, signals=SIGNALS, seed=0, split="train", shift=None):
    """Seeded images and their exact strict-maximum masks (8-connected, border pixels included).

    Signals as `make_signal`: ``"uniform"`` iid U[0, 1), ``"smooth"`` noise
    blurred by a Gaussian of sigma 1-2.5 and rescaled to [0, 1], ``"int"``
    iid integers in ``0..K-1`` (K from 3..9).

    Returns
    -------
    images : ndarray float64, shape (num_images, H, W)
    masks : ndarray bool, same shape
        ``graphmax.grid.local_maxima(image, mode="strict")``.
    signal_names : list of str
    """
    from scipy.ndimage import gaussian_filter

    root = np.random.SeedSequence([int(seed), zlib.crc32(("image-" + split).encode())])
    images = np.empty((int(num_images), *shape))
    names = []
    for i, child in enumerate(root.spawn(int(num_images))):
        rng = np.random.default_rng(child)
        signal = signals[i % len(signals)]
        if signal == "uniform":
            img = rng.random(shape)
        elif signal == "int":
            img = rng.integers(0, int(rng.integers(3, 10)), shape).astype(np.float64)
        elif signal == "smooth":
            img = gaussian_filter(rng.random(shape), sigma=rng.uniform(1.0, 2.5))
            img = (img - img.min()) / (img.max() - img.min())
        else:
            raise ValueError(f"`signals` must be among {SIGNALS}, got {signal!r}")
        images[i] = img
        names.append(signal)
    if shift is not None:
        images = shift_values(images, shift)
    masks = np.stack([grid_local_maxima(img, mode="strict") for img in images]) if len(images) else images.astype(bool)
    return images, masks, names
