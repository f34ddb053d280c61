"""Generated graph families the suites time on: each a prepared, undirected `graphmax.Graph`."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

import graphmax as gm
from graphmax import grid

__all__ = ["GRAPH_FAMILIES", "undirected", "random_graph", "powerlaw_graph", "grid_graph", "geometric_graph",
           "node_values"]


def undirected(src: np.ndarray, dst: np.ndarray, n: int) -> gm.Graph:
    """The undirected graph of the pairs ``(src[i], dst[i])``, stored both ways and known to be
    symmetric by construction (`gm.from_edges` with ``directed=False``): the prepared graph a user
    builds from undirected pairs, so no call on it looks for in-neighbours or checks symmetry."""
    return gm.from_edges(np.stack([src, dst], axis=1), n=n, directed=False)


def random_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """Erdős–Rényi-like: ``n * degree / 2`` uniform random pairs, stored both ways."""
    m = n * degree // 2
    return undirected(rng.integers(0, n, m), rng.integers(0, n, m), n)


def powerlaw_graph(n: int, degree: int, rng: np.random.Generator, exponent: float = 2.5) -> gm.Graph:
    """Chung–Lu: ``n * degree / 2`` pairs with endpoints drawn by expected degree ``~ rank^(-1/(exponent-1))``.

    Node ids are shuffled so that hubs are spread over the index range.
    """
    weight = np.arange(1, n + 1, dtype=np.float64) ** (-1.0 / (exponent - 1.0))
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]
    m = n * degree // 2
    shuffle = rng.permutation(n)
    src = shuffle[np.searchsorted(cdf, rng.random(m))]
    dst = shuffle[np.searchsorted(cdf, rng.random(m))]
    return undirected(src, dst, n)


def grid_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """The ``sqrt(n) x sqrt(n)`` grid: 4 neighbours (connectivity 1) or 8 (connectivity 2).

    Its symmetric scipy adjacency goes through ``as_graph(...).to_undirected()``, which checks the
    symmetry once (part of the build time) and returns the graph known to be symmetric."""
    side = math.isqrt(n)
    return gm.as_graph(grid.grid_adjacency((side, side), connectivity={4: 1, 8: 2}[degree])).to_undirected()


def geometric_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """Random geometric: uniform points in the unit square, joined within ``r = sqrt(degree / (pi n))``."""
    from scipy.spatial import cKDTree

    points = rng.random((n, 2))
    pairs = cKDTree(points).query_pairs(math.sqrt(degree / (math.pi * n)), output_type="ndarray")
    return undirected(pairs[:, 0], pairs[:, 1], n)


def karate_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """Zachary's karate club (34 nodes, 78 edges, networkx's copy): the small graph a user starts with."""
    import networkx as nx

    return gm.as_graph(nx.karate_club_graph(), weight=None).to_undirected()


BATCH_GRAPH_NODES = 30


def batch_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """A mini-batch: the disjoint union of ``n / 30`` random 30-node graphs (``30 * degree / 2``
    random pairs each), as a PyG ``Batch`` of small graphs holds them."""
    k, size = n // BATCH_GRAPH_NODES, BATCH_GRAPH_NODES
    m = size * degree // 2
    offsets = np.repeat(np.arange(k) * size, m)
    src = rng.integers(0, size, k * m) + offsets
    dst = rng.integers(0, size, k * m) + offsets
    return undirected(src, dst, k * size)


GRAPH_FAMILIES: dict[str, Callable[[int, int, np.random.Generator], gm.Graph]] = {
    "random": random_graph,
    "power-law": powerlaw_graph,
    "grid": grid_graph,
    "geometric": geometric_graph,
    "karate": karate_graph,
    "batch": batch_graph,
}


def node_values(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``"uniform"``: float64 in [0, 1); ``"levels"``: int64 in 0..7 (ties everywhere)."""
    return rng.random(n) if kind == "uniform" else rng.integers(0, 8, n)
