"""Seeded data sets for the learned detectors: graph families x signals, labelled exactly.

Every graph is drawn from its own `numpy.random.SeedSequence` child, so a
data set is reproducible from ``(seed, split)`` alone and a graph does not
change when the set around it grows. Labels are
``graphmax.local_maxima(graph, x, mode="strict")`` (``hops=1``,
``direction="both"``, ``min_neighbors=1``): the exact answer every learned
model is scored against.
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
from .._maxima import local_maxima
from ..grid import grid_adjacency
from ..grid import local_maxima as grid_local_maxima

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
    "shift_values",
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
    # scipy rather than `g.neighbours("both")`: no symmetry check, whose parallel kernel has a fixed
    # cost per call that dominates thousands of tiny graphs on a busy machine.
    a = g.to_scipy("out")
    upper = sp.triu(a + a.T, k=1).tocoo()
    return np.stack([upper.row, upper.col], axis=1).astype(np.int64)


def make_graph(family, n, rng):
    """One random graph of `family` with about `n` nodes, node ids shuffled.

    Returns
    -------
    graph : graphmax.Graph
        Undirected (both directions stored).
    """
    if family not in FAMILIES:
        raise ValueError(f"`family` must be one of {tuple(FAMILIES)}, got {family!r}")
    n_nodes, edges = FAMILIES[family](int(n), rng)
    # Shuffle ids so that no model can read structure off the node order.
    perm = rng.permutation(n_nodes)
    edges = perm[edges]
    both = np.concatenate([edges, edges[:, ::-1]]) if edges.size else edges.reshape(0, 2)
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
    indptr, indices, _ = g.neighbours("both")
    src = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(indptr))
    return np.stack([src, indices.astype(np.int64)])


def strict_labels(graphs, values):
    """``local_maxima(g, x, mode="strict")`` for many graphs, in one call on their disjoint union.

    A node's neighbours all lie in its own graph, so the union's answer is
    each graph's answer; one call instead of thousands keeps labelling a data
    set cheap (each call to the parallel kernels has a fixed cost).
    """
    graphs = [as_graph(g) for g in graphs]
    if not graphs:
        return []
    sizes = np.array([g.n for g in graphs])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    edges = np.concatenate([_edge_index(g) + off for g, off in zip(graphs, offsets[:-1])], axis=1)
    union = from_edges(edges.T, n=int(offsets[-1]))
    kinds = {np.asarray(x).dtype.kind for x in values}
    # One dtype for the union without a lossy cast: int64 for integers, float64 otherwise
    # (float64 holds the small integers of the "int" signal exactly).
    dtype = np.int64 if kinds <= {"i", "u", "b"} else np.float64
    x = np.concatenate([np.asarray(v, dtype=dtype) for v in values])
    mask = local_maxima(union, x, mode="strict")
    return [mask[a:b] for a, b in zip(offsets[:-1], offsets[1:])]


def to_data(graph, x, *, labels=None, **attrs):
    """A PyG `Data` for `graph` and values `x`, labelled by the exact strict maxima.

    ``x``: ``(n, 1)`` float64 (exact for integers below 2**53); ``y``:
    ``(n,)`` bool, ``local_maxima(graph, x, mode="strict")`` (or `labels`,
    when already computed that way by `strict_labels`); ``edge_index``: both
    directions of every edge. Extra keyword attributes (family, signal, ...)
    are stored as they are.
    """
    g = as_graph(graph)
    values = np.asarray(x)
    y = local_maxima(g, values, mode="strict") if labels is None else np.asarray(labels, dtype=bool)
    return Data(
        x=torch.from_numpy(values.astype(np.float64).reshape(-1, 1)),
        y=torch.from_numpy(y),
        edge_index=torch.from_numpy(_edge_index(g)),
        num_nodes=g.n,
        **attrs,
    )


def make_dataset(num_graphs, *, families=TRAIN_FAMILIES, signals=SIGNALS, size=(20, 60), seed=0, split="train",
                 shift=None):
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
        Apply ``x -> shift[0] * x + shift[1]`` to every signal (labels
        recomputed on the shifted values).

    Returns
    -------
    list of torch_geometric.data.Data
        Each with ``x (n, 1)`` float64, ``y (n,)`` bool, ``edge_index``,
        and ``family``, ``signal`` strings.

    Examples
    --------
    >>> data = make_dataset(4, families=("ring",), signals=("int",), size=(10, 10), seed=1)
    >>> [d.num_nodes for d in data], data[0].signal
    ([10, 10, 10, 10], 'int')
    """
    lo, hi = (int(size[0]), int(size[1]))
    if not 2 <= lo <= hi:
        raise ValueError(f"`size` must be (lo, hi) with 2 <= lo <= hi, got {size!r}")
    root = np.random.SeedSequence([int(seed), zlib.crc32(split.encode())])
    graphs, values, names = [], [], []
    for i, child in enumerate(root.spawn(int(num_graphs))):
        rng = np.random.default_rng(child)
        family = families[i % len(families)]
        signal = signals[(i // len(families)) % len(signals)]
        g = make_graph(family, rng.integers(lo, hi + 1), rng)
        x = make_signal(signal, g, rng)
        graphs.append(g)
        values.append(x if shift is None else shift_values(x, shift))
        names.append((family, signal))
    labels = strict_labels(graphs, values)
    return [to_data(g, x, labels=y, family=f, signal=s)
            for g, x, y, (f, s) in zip(graphs, values, labels, names)]


class Splits(NamedTuple):
    """Train / validation / test sets and the out-of-distribution sets of one seed."""

    train: list
    val: list
    test: list
    ood: dict  #: name -> list of Data: "size4x", "size10x", "size100x", "unseen", "shifted"


def make_splits(seed=0, *, num_train=600, num_val=150, num_test=150, size=(20, 60), num_ood=None,
                ood=("size4x", "size10x", "size100x", "unseen", "shifted")):
    """The standard splits: train/val/test on `TRAIN_FAMILIES`, plus the OOD sets.

    OOD sets (`num_ood` maps a name to its number of graphs; defaults:
    100 / 60 / 30 / `num_test` / `num_test`):

    - ``"size4x"``, ``"size10x"``, ``"size100x"``: train families, node
      counts 4, 10, 100 times `size`;
    - ``"unseen"``: `UNSEEN_FAMILIES` at the training size;
    - ``"shifted"``: the test distribution with values ``1000 x - 300``.

    Validation is the only split used for model selection.
    """
    counts = {"size4x": 100, "size10x": 60, "size100x": 30, "unseen": num_test, "shifted": num_test}
    counts.update(num_ood or {})
    lo, hi = size
    make = {
        "size4x": lambda k: make_dataset(k, size=(4 * lo, 4 * hi), seed=seed, split="size4x"),
        "size10x": lambda k: make_dataset(k, size=(10 * lo, 10 * hi), seed=seed, split="size10x"),
        "size100x": lambda k: make_dataset(k, size=(100 * lo, 100 * hi), seed=seed, split="size100x"),
        "unseen": lambda k: make_dataset(k, families=UNSEEN_FAMILIES, size=size, seed=seed, split="unseen"),
        "shifted": lambda k: make_dataset(k, size=size, seed=seed, split="test", shift=SHIFT),
    }
    unknown = set(ood) - set(make)
    if unknown:
        raise ValueError(f"`ood` names must be among {tuple(make)}, got {sorted(unknown)}")
    return Splits(
        train=make_dataset(num_train, size=size, seed=seed, split="train"),
        val=make_dataset(num_val, size=size, seed=seed, split="val"),
        test=make_dataset(num_test, size=size, seed=seed, split="test"),
        ood={name: make[name](counts[name]) for name in ood},
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
