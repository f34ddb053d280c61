"""Peer implementations: how other libraries compute local maxima, one function each.

A peer is a `Peer`. Its ``build(data, options)`` does the untimed preparation
-- what a user of that library would already hold, such as PyG's
``edge_index`` or a GraphBLAS matrix -- and returns ``run(values) -> mask``,
which the speed suite times: numpy values in, a boolean numpy mask out, the
same contract as graphmax. ``matches`` names the graphmax call whose mask the
peer reproduces exactly; `benchmarks.speed` checks that on every case before
timing anything.

Graph peers receive a `CSR` (the neighbour relation of a graph already
normalised by ``graphmax.as_graph``); image peers receive the image. Optional
packages are imported inside the builders, so a missing one only skips its
peer (`Peer.missing`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

__all__ = ["CSR", "Options", "Peer", "GRAPH_PEERS", "IMAGE_PEERS", "missing"]

# Import name -> the name to install it under, for the "not installed" note.
_DISTRIBUTION = {
    "torch_geometric": "torch-geometric",
    "graphblas": "python-graphblas",
    "skimage": "scikit-image",
}


@dataclass(frozen=True)
class CSR:
    """The neighbour relation every graph peer starts from.

    Attributes
    ----------
    n : int
        Number of nodes.
    indptr, indices : ndarray
        Canonical CSR (sorted rows, no duplicates, no self-loops): the
        neighbours of ``v`` are ``indices[indptr[v]:indptr[v + 1]]``.
    """

    n: int
    indptr: np.ndarray
    indices: np.ndarray

    @property
    def num_edges(self) -> int:
        """Number of stored (directed) neighbour pairs."""
        return int(self.indices.shape[0])

    def rows(self) -> np.ndarray:
        """The node (row) of every stored entry, int64, shape ``(num_edges,)``."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))

    def has_neighbour(self) -> np.ndarray:
        """Bool ``(n,)``: the node has at least one neighbour (``min_neighbors=1``)."""
        return np.diff(self.indptr) > 0


@dataclass(frozen=True)
class Options:
    """What a case asks for, as far as a peer needs to know.

    Attributes
    ----------
    hops : int
        Graph neighbourhood radius in hops.
    connectivity, ndim : int or None
        Image neighbourhood (as ``scipy.ndimage.generate_binary_structure``).
    distinct : bool
        The values (pixels) are pairwise distinct: no ties anywhere.
    """

    hops: int = 1
    connectivity: int | None = None
    ndim: int | None = None
    distinct: bool = True


def _no_reason(options: Options) -> str | None:
    return None


@dataclass(frozen=True)
class Peer:
    """One peer formulation.

    Attributes
    ----------
    key : str
        Short name used in tables, JSON and plots.
    label : str
        The formulation, as a reader of the table should recognise it.
    requires : tuple of str
        Modules it imports; any missing one skips the peer with a note.
    matches : str
        The graphmax call it reproduces (``str.format`` fields: ``hops``,
        ``connectivity``).
    build : callable ``(data, Options) -> (values -> mask)``
        Untimed preparation; returns the timed function.
    skip_reason : callable ``Options -> str or None``
        Why the peer does not apply to a case at all (it is then not run).
    inexact_reason : callable ``Options -> str or None``
        Why its mask is not expected to equal graphmax's on a case (it is then
        timed as context, and not compared).
    """

    key: str
    label: str
    requires: tuple[str, ...]
    matches: str
    build: Callable[[Any, Options], Callable[[np.ndarray], np.ndarray]]
    skip_reason: Callable[[Options], str | None] = _no_reason
    inexact_reason: Callable[[Options], str | None] = _no_reason

    def missing(self) -> str | None:
        """A note naming the first required package that cannot be imported, else None."""
        return missing(*self.requires)

    def describe(self, options: Options) -> str:
        """`matches` filled in for `options`."""
        return self.matches.format(hops=options.hops, connectivity=options.connectivity)


def missing(*modules: str) -> str | None:
    """``"<package> not installed"`` for the first of `modules` that cannot be imported, else None."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            return f"{_DISTRIBUTION.get(module, module)} not installed"
    return None


def _lowest(dtype):
    """The smallest value of `dtype`: below (or equal to) every value it can hold."""
    dtype = np.dtype(dtype)
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    dtype = np.dtype(dtype)
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _ties_break_iterated_max(options: Options) -> str | None:
    """Why an iterated neighbourhood max can't answer strict ``hops > 1`` on tied values.

    The max over the closed k-ball equals ``x[v]`` both when `v` beats every
    node within k hops and when some node there ties with it; only distinct
    values tell the two apart.
    """
    if options.hops > 1 and not options.distinct:
        return "values have ties: the iterated max cannot tell a tie from the node itself"
    return None


# -- graph peers --------------------------------------------------------------------------------
def _pyg_scatter(graph: CSR, options: Options):
    """PyTorch Geometric: one message ``x[src]`` per edge, max-reduced at its target.

    Follows PyG's ``flow="source_to_target"``: node ``v`` receives from its
    neighbours, so ``src`` is the neighbour and ``dst`` the node. ``hops=k``
    iterates the max over the closed ball k times (exact for distinct values).
    """
    import torch
    from torch_geometric.utils import scatter

    src = torch.from_numpy(graph.indices.astype(np.int64))
    dst = torch.from_numpy(graph.rows())
    has = torch.from_numpy(graph.has_neighbour())
    n, hops = graph.n, options.hops

    def neighbour_max(values):
        # scatter fills nodes that receive nothing with 0; `has` masks them.
        return scatter(values[src], dst, dim=0, dim_size=n, reduce="max")

    def run(x):
        xt = torch.from_numpy(x)
        if hops == 1:
            return ((xt > neighbour_max(xt)) & has).numpy()
        ball = xt
        for _ in range(hops):
            ball = torch.where(has, torch.maximum(ball, neighbour_max(ball)), ball)
        return ((xt == ball) & has).numpy()

    return run


def _graphblas_mxv(graph: CSR, options: Options):
    """python-graphblas (SuiteSparse): ``A.mxv(v, max_second)`` on a prepared iso matrix.

    The timed part includes ``Vector.from_dense(x)`` and ``to_dense`` (numpy
    in, numpy out). Rows without entries are absent from the product and
    filled with the dtype's highest value, so they are never maxima.
    """
    import graphblas as gb

    matrix = gb.Matrix.from_csr(graph.indptr, graph.indices, values=True, nrows=graph.n, ncols=graph.n)
    semiring = gb.semiring.max_second
    has = graph.has_neighbour()
    hops = options.hops

    def run(x):
        v = gb.Vector.from_dense(x)
        if hops == 1:
            neighbour_max = matrix.mxv(v, semiring).new()
            return x > neighbour_max.to_dense(fill_value=_highest(x.dtype))
        ball = v
        for _ in range(hops):
            ball = ball.ewise_add(matrix.mxv(ball, semiring).new(), gb.binary.max).new()
        return (x == ball.to_dense()) & has

    return run


def _numpy_reduceat(graph: CSR, options: Options):
    """numpy: ``np.maximum.reduceat(x[indices], indptr[:-1])`` over the CSR rows.

    ``reduceat`` returns an element (not an empty max) for an empty segment and
    fails on a start equal to ``len(indices)``, so only non-empty rows are
    reduced; the others get the dtype's lowest value and are masked.
    """
    has = graph.has_neighbour()
    starts = graph.indptr[:-1][has].astype(np.intp)
    indices, n, hops = graph.indices, graph.n, options.hops

    def neighbour_max(values):
        out = np.full(n, _lowest(values.dtype), dtype=values.dtype)
        out[has] = np.maximum.reduceat(values[indices], starts)
        return out

    def run(x):
        if hops == 1:
            return (x > neighbour_max(x)) & has
        ball = x
        for _ in range(hops):
            ball = np.maximum(ball, neighbour_max(ball))
        return (x == ball) & has

    return run


def _networkx_graph(graph: CSR):
    """A ``DiGraph`` whose successors are the CSR rows, so it holds for any neighbour relation."""
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(range(graph.n))
    G.add_edges_from(zip(graph.rows().tolist(), graph.indices.tolist()))
    return G


def _networkx_loop(graph: CSR, options: Options):
    """networkx: a Python loop over ``G.adjacency()`` that stops at the first higher neighbour.

    The stronger of the two networkx peers (``all`` exits early, as graphmax
    does). Values are turned into a Python list inside the timed part.
    """
    G = _networkx_graph(graph)

    def run(x):
        values = x.tolist()
        mask = np.zeros(len(values), dtype=bool)
        for v, neighbours in G.adjacency():
            xv = values[v]
            mask[v] = len(neighbours) > 0 and all(xv > values[u] for u in neighbours)
        return mask

    return run


def _networkx_max_loop(graph: CSR, options: Options):
    """networkx: the plain loop, ``x[v] > max(x[u] for u in G[v])`` on the numpy values as given.

    Reads every neighbour (no early exit) and indexes the numpy array
    directly, as the loop in PERF-NOTES does: what the issue calls "a plain
    networkx loop". Reported next to the tuned early-exit loop (Python list
    values), never instead of it.
    """
    G = _networkx_graph(graph)

    def run(x):
        mask = np.zeros(len(x), dtype=bool)
        for v, neighbours in G.adjacency():
            mask[v] = len(neighbours) > 0 and x[v] > max(x[u] for u in neighbours)
        return mask

    return run


def _scipy_plateau(graph: CSR, options: Options):
    """scipy: plateaus as connected components of the equal-valued edges.

    1. keep the edges whose ends have equal values (rows stay sorted, so the
       kept entries are already a CSR);
    2. ``csgraph.connected_components(directed=False)`` labels the plateaus;
    3. a plateau is a maximum iff no member has a higher neighbour and some
       member has a neighbour of a different value (``min_neighbors=1``).
    """
    from scipy.sparse import csgraph

    rows, indices, n = graph.rows(), graph.indices, graph.n

    def run(x):
        here, there = x[rows], x[indices]
        equal = here == there
        eq_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[equal], minlength=n), out=eq_indptr[1:])
        eq = sp.csr_array((np.ones(eq_indptr[-1], dtype=bool), indices[equal], eq_indptr), shape=(n, n))
        _, label = csgraph.connected_components(eq, directed=False)
        higher = np.zeros(n, dtype=bool)
        higher[label[rows[there > here]]] = True
        outside = np.zeros(n, dtype=bool)
        outside[label[rows[~equal]]] = True
        return outside[label] & ~higher[label]

    return run


def _one_hop_only(options: Options) -> str | None:
    return "written for direct neighbours (hops=1) only" if options.hops > 1 else None


GRAPH_PEERS = {
    peer.key: peer
    for peer in (
        Peer(
            "pyg",
            "PyG scatter(x[src], dst, reduce='max')",
            ("torch", "torch_geometric"),
            "local_maxima(mode='strict', hops={hops})",
            _pyg_scatter,
            inexact_reason=_ties_break_iterated_max,
        ),
        Peer(
            "graphblas",
            "python-graphblas A.mxv(v, max_second)",
            ("graphblas",),
            "local_maxima(mode='strict', hops={hops})",
            _graphblas_mxv,
            inexact_reason=_ties_break_iterated_max,
        ),
        Peer(
            "numpy",
            "numpy maximum.reduceat(x[indices], indptr)",
            (),
            "local_maxima(mode='strict', hops={hops})",
            _numpy_reduceat,
            inexact_reason=_ties_break_iterated_max,
        ),
        Peer(
            "networkx",
            "networkx loop over G.adjacency(), early exit (all)",
            ("networkx",),
            "local_maxima(mode='strict')",
            _networkx_loop,
            skip_reason=_one_hop_only,
        ),
        Peer(
            "networkx-max",
            "networkx plain loop, x[v] > max(x[u] for u in G[v])",
            ("networkx",),
            "local_maxima(mode='strict')",
            _networkx_max_loop,
            skip_reason=_one_hop_only,
        ),
        Peer(
            "scipy-plateau",
            "scipy csgraph.connected_components of equal-valued edges",
            (),
            "local_maxima(mode='plateau')",
            _scipy_plateau,
            skip_reason=_one_hop_only,
        ),
    )
}


# -- image peers --------------------------------------------------------------------------------
def _skimage_local_maxima(image: np.ndarray, options: Options):
    """scikit-image ``morphology.local_maxima(connectivity=c, allow_borders=True)``: plateau maxima."""
    from skimage.morphology import local_maxima

    connectivity = options.connectivity

    def run(img):
        return local_maxima(img, connectivity=connectivity, allow_borders=True)

    return run


def _ndimage_equal_max(image: np.ndarray, options: Options):
    """``img == ndimage.maximum_filter(img, footprint, mode="nearest")``: nonstrict maxima.

    With a 3-wide footprint, ``mode="nearest"`` (and scipy's default
    ``"reflect"``) only repeats pixels of the neighbourhood itself, so border
    pixels are compared with their in-image neighbours alone -- graphmax's
    ``allow_border=True``. A full footprint (``connectivity=ndim``) takes
    scipy's separable path, as ``size=3`` does.
    """
    from scipy import ndimage as ndi

    footprint = ndi.generate_binary_structure(options.ndim, options.connectivity)

    def run(img):
        return img == ndi.maximum_filter(img, footprint=footprint, mode="nearest")

    return run


def _ndimage_ring_max(image: np.ndarray, options: Options):
    """``img > ndimage.maximum_filter(img, ring, mode="constant", cval=lowest)``: strict maxima.

    The ring is the footprint without its centre; outside the image counts as
    the dtype's lowest value (``-inf`` for floats), which no pixel that could
    be a strict maximum equals.
    """
    from scipy import ndimage as ndi

    ring = ndi.generate_binary_structure(options.ndim, options.connectivity)
    ring[(1,) * options.ndim] = False

    def run(img):
        return img > ndi.maximum_filter(img, footprint=ring, mode="constant", cval=_lowest(img.dtype))

    return run


def _skimage_peak_local_max(image: np.ndarray, options: Options):
    """scikit-image ``feature.peak_local_max(min_distance=1, exclude_border=False)`` as a mask.

    Its rule: ``img == maximum_filter(img, size=3)``, strictly above the image
    minimum, then at most one peak within Chebyshev distance 1 of another. On
    tie-free images that is exactly the strict maxima with full connectivity;
    with ties it keeps one pixel of some plateaus, which no graphmax mode does.
    """
    from skimage.feature import peak_local_max

    def run(img):
        mask = np.zeros(img.shape, dtype=bool)
        mask[tuple(peak_local_max(img, min_distance=1, exclude_border=False).T)] = True
        return mask

    return run


def _full_connectivity_only(options: Options) -> str | None:
    if options.connectivity != options.ndim:
        return "its (2*min_distance+1)^d window is the full neighbourhood: connectivity=ndim only"
    return None


def _peak_local_max_ties(options: Options) -> str | None:
    if not options.distinct:
        return "image has ties: peak_local_max keeps one pixel per plateau, unlike any graphmax mode"
    return None


IMAGE_PEERS = {
    peer.key: peer
    for peer in (
        Peer(
            "skimage",
            "skimage.morphology.local_maxima",
            ("skimage",),
            "grid.local_maxima(mode='plateau', connectivity={connectivity})",
            _skimage_local_maxima,
        ),
        Peer(
            "ndimage-eq",
            "img == ndimage.maximum_filter(img, footprint, mode='nearest')",
            (),
            "grid.local_maxima(mode='nonstrict', connectivity={connectivity})",
            _ndimage_equal_max,
        ),
        Peer(
            "ndimage-ring",
            "img > ndimage.maximum_filter(img, ring, mode='constant', cval=lowest)",
            (),
            "grid.local_maxima(mode='strict', connectivity={connectivity})",
            _ndimage_ring_max,
        ),
        Peer(
            "peak_local_max",
            "skimage.feature.peak_local_max(min_distance=1, exclude_border=False)",
            ("skimage",),
            "grid.local_maxima(mode='strict', connectivity=ndim) on tie-free images",
            _skimage_peak_local_max,
            skip_reason=_full_connectivity_only,
            inexact_reason=_peak_local_max_ties,
        ),
    )
}
