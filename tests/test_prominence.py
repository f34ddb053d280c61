"""prominence against a brute-force reference of its definition and against GUDHI's persistence."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

import graphmax as gm
from graphmax import grid
from graphmax._prominence import Prominence, descending_order, prominence

from .strategies import graphs

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the reference: the definition, by repeated BFS ------------------------------------------------
def _adjacency(n, edges):
    adj = [set() for _ in range(n)]
    for u, v in edges:
        u, v = int(u), int(v)
        if u != v:
            adj[u].add(v)
            adj[v].add(u)
    return adj


def _component(adj, start, allowed):
    seen = {start}
    stack = [start]
    while stack:
        v = stack.pop()
        for u in adj[v]:
            if u not in seen and u in allowed:
                seen.add(u)
                stack.append(u)
    return seen


def reference_prominence(n, edges, x):
    """Per node ``(prominence, saddle, parent)`` straight from the definition (docs/semantics.md §5).

    Total order: ``key(v) = (x[v], -v)``, higher is earlier. A peak is a node
    with no neighbour of higher key. Its saddle is the first node `s` (going
    down the order from the peak) such that, within the superlevel set
    ``{v : key(v) >= key(s)}``, the peak is connected to a node of higher
    key; its parent is the highest node of that connected set. Without such
    a node the peak is its component's highest: prominence max - min, no
    saddle. Peaks of prominence 0 report no saddle either.
    """
    adj = _adjacency(n, edges)

    def key(v):
        return (x[v], -v)

    desc = sorted(range(n), key=key, reverse=True)
    prom, saddle, parent = [0] * n, [-1] * n, [-1] * n
    for p in range(n):
        if any(key(u) > key(p) for u in adj[p]):
            continue
        for s in desc[desc.index(p):]:
            allowed = {v for v in range(n) if key(v) >= key(s)}
            comp = _component(adj, p, allowed)
            if any(key(v) > key(p) for v in comp):
                prom[p] = 0 if x[p] == x[s] else x[p] - x[s]
                if prom[p] != 0:
                    saddle[p], parent[p] = s, max(comp, key=key)
                break
        else:
            comp = _component(adj, p, set(range(n)))
            low = min(x[v] for v in comp)
            prom[p] = 0 if x[p] == low else x[p] - low
    return prom, saddle, parent


# -- random inputs --------------------------------------------------------------------------------
VALUE_KINDS = {
    "ties": (st.integers(0, 3), np.int64),
    "float": (st.one_of(st.sampled_from([-math.inf, math.inf, 0.0, -0.0, 1.5]), st.floats(-5, 5)), np.float64),
    "uint64": (st.sampled_from([0, 1, 2**64 - 2, 2**64 - 1]), np.uint64),
    "int8": (st.sampled_from([-128, -1, 0, 127]), np.int8),
    "uint8": (st.sampled_from([0, 1, 255]), np.uint8),
    "bool": (st.booleans(), np.bool_),
}


def _as_graph(n, edges):
    e = np.array(edges, dtype=np.int64).reshape(-1, 2)
    return gm.from_edges(e, n=n)


@pytest.mark.parametrize("kind", sorted(VALUE_KINDS))
@FAST
@given(data=st.data())
def test_matches_reference(kind, data):
    n, edges = data.draw(graphs())
    values, dtype = VALUE_KINDS[kind]
    xs = data.draw(st.lists(values, min_size=n, max_size=n))
    x = np.array(xs, dtype=dtype)
    got = prominence(_as_graph(n, edges), x, return_saddle=True)
    prom, saddle, parent = reference_prominence(n, edges, [int(v) if dtype != np.float64 else v for v in xs])
    assert got.prominence.tolist() == prom
    assert got.saddle.tolist() == saddle
    assert got.parent.tolist() == parent


def _gudhi_check(n, edges, x):
    gudhi = pytest.importorskip("gudhi")
    st_ = gudhi.SimplexTree()
    f = -np.asarray(x, dtype=np.float64)
    for v in range(n):
        st_.insert([v], filtration=f[v])
    for u, v in edges:
        if u != v:
            st_.insert([int(u), int(v)], filtration=max(f[u], f[v]))
    st_.compute_persistence(min_persistence=-1.0, persistence_dim_max=True)
    bars = st_.persistence_intervals_in_dimension(0)
    finite = sorted(float(d - b) for b, d in bars if np.isfinite(d) and d - b > 0)
    essential_births = sorted(float(b) for b, d in bars if not np.isfinite(d))

    result = prominence(_as_graph(n, edges), x, return_saddle=True)
    prom = result.prominence.astype(np.float64)
    component_top = (result.saddle < 0) & (prom > 0)
    dying = np.sort(prom[(prom > 0) & ~component_top]).tolist()
    assert dying == pytest.approx(finite)
    # Infinite bars: one per connected component, born at its maximum; our highest peaks
    # (max - min of their component) are compared with scipy's components separately.
    adj = sp.coo_array((np.ones(len(edges)), tuple(np.array(edges, dtype=np.int64).reshape(-1, 2).T)), shape=(n, n))
    k, comp = connected_components(adj, directed=True, connection="weak")
    xs = np.asarray(x, dtype=np.float64)
    assert essential_births == pytest.approx(sorted(-xs[comp == c].max() for c in range(k)))
    spans = sorted(xs[comp == c].max() - xs[comp == c].min() for c in range(k))
    tops = [prom[np.flatnonzero(comp == c)].max() if np.any(component_top[comp == c]) else 0.0 for c in range(k)]
    assert sorted(tops) == pytest.approx(spans)


@FAST
@given(data=st.data())
def test_matches_gudhi_with_ties(data):
    n, edges = data.draw(graphs(max_n=14))
    x = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    _gudhi_check(n, edges, x)


@pytest.mark.parametrize("seed", range(3))
def test_matches_gudhi_on_larger_random_graphs(seed):
    rng = np.random.default_rng(seed)
    n = 400
    edges = [tuple(e) for e in rng.integers(0, n, (900, 2))]
    _gudhi_check(n, edges, rng.normal(size=n))
    _gudhi_check(n, edges, rng.integers(0, 10, n))


# -- hand-drawn cases --------------------------------------------------------------------------------
def test_two_hills():
    # 0-1-2-3-4: hill at 1 (4), col at 2 (2), hill at 3 (3)
    p = prominence(nx.path_graph(5), [1, 4, 2, 3, 0], return_saddle=True)
    assert isinstance(p, Prominence)
    assert p.prominence.tolist() == [0, 4, 0, 1, 0]
    assert p.saddle.tolist() == [-1, -1, -1, 2, -1]
    assert p.parent.tolist() == [-1, -1, -1, 1, -1]


def test_plateau_counts_once_at_its_lowest_index():
    p = prominence(nx.path_graph(5), [0, 3, 3, 1, 2])
    assert p.tolist() == [0, 3, 0, 0, 1]


def test_equal_peaks_elder_is_lower_index():
    p = prominence(nx.path_graph(3), [5, 1, 5], return_saddle=True)
    assert p.prominence.tolist() == [4, 0, 4]
    assert p.saddle.tolist() == [-1, -1, 1] and p.parent.tolist() == [-1, -1, 0]


def test_several_components_meet_at_one_saddle():
    # a star: the centre joins three hills at once; all die into the highest (node 1)
    G = nx.star_graph(3)  # centre 0, leaves 1..3
    p = prominence(G, [0, 9, 7, 8], return_saddle=True)
    assert p.prominence.tolist() == [0, 9, 7, 8]
    assert p.parent.tolist() == [-1, -1, 1, 1]
    assert p.saddle.tolist() == [-1, -1, 0, 0]


def test_components_each_have_a_top_and_constant_ones_have_none():
    G = nx.Graph([(0, 1), (2, 3)])
    G.add_node(4)
    p = prominence(G, [1, 5, 7, 7, 9])
    assert p.tolist() == [0, 4, 0, 0, 0]  # constant component {2, 3} and isolated 4: 0


def test_direction_is_ignored():
    D = nx.DiGraph([(0, 1), (2, 1)])
    assert prominence(D, [3, 1, 2]).tolist() == prominence(nx.Graph(D), [3, 1, 2]).tolist() == [2, 0, 1]


def test_infinities():
    p = prominence(nx.path_graph(3), [math.inf, -math.inf, 1.0])
    assert p.tolist() == [math.inf, 0.0, math.inf]


@pytest.mark.parametrize(
    "dtype, want",
    [(np.uint8, np.uint64), (np.uint64, np.uint64), (np.int8, np.int64), (np.bool_, np.int64),
     (np.float32, np.float64), (np.int64, np.int64)],
)
def test_dtypes(dtype, want):
    p = prominence(nx.path_graph(3), np.array([1, 0, 1], dtype=dtype))
    assert p.dtype == want and p.tolist() == [1, 0, 1]


def test_unsigned_extremes_are_exact():
    top = np.iinfo(np.uint64).max
    p = prominence(nx.path_graph(3), np.array([top, 0, top - 1], dtype=np.uint64))
    assert p.tolist() == [top, 0, top - 1]


def test_int64_range_overflow_is_an_error():
    x = np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).min], dtype=np.int64)
    with pytest.raises(OverflowError, match="int64 range"):
        prominence(nx.path_graph(2), x)


def test_empty_graph():
    assert prominence(gm.from_edges(np.zeros((0, 2), int), n=0), []).shape == (0,)


def test_input_not_modified():
    x = np.array([3.0, 1.0, 2.0])
    before = x.copy()
    prominence(nx.path_graph(3), x, return_saddle=True)
    np.testing.assert_array_equal(x, before)


def test_descending_order_is_stable_for_every_dtype():
    rng = np.random.default_rng(0)
    for a in (rng.integers(0, 5, 1000).astype(np.uint8), rng.integers(-3, 3, 1000).astype(np.int16),
              rng.integers(0, 5, 1000).astype(np.float64), rng.integers(0, 2, 1000).astype(bool),
              rng.integers(0, 5, 1000).astype(np.uint64), np.array([0.0, -0.0, 0.0, -0.0])):
        want = np.lexsort((np.arange(a.size), -a.astype(np.float64)))
        np.testing.assert_array_equal(descending_order(a), want)


# -- errors -----------------------------------------------------------------------------------------
def test_errors():
    G = nx.path_graph(3)
    with pytest.raises(ValueError, match=r"`x` contains 1 NaN"):
        prominence(G, [1.0, math.nan, 2.0])
    with pytest.raises(ValueError, match=r"`x` must have shape \(3,\)"):
        prominence(G, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"one entry per node \(graph has 3 nodes, got 2\)"):
        prominence(G, [1, 2])
    with pytest.raises(TypeError, match="complex"):
        prominence(G, np.ones(3, dtype=complex))
    with pytest.raises(TypeError, match="`return_saddle` must be True or False"):
        prominence(G, [1, 2, 3], return_saddle="yes")


# -- images ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", [(9,), (7, 8), (4, 5, 3)])
def test_grid_prominence_equals_graph_prominence(seed, shape):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 4, shape) if seed % 2 else rng.normal(size=shape)
    for connectivity in range(1, len(shape) + 1):
        want = prominence(grid.grid_adjacency(shape, connectivity), img.ravel(), return_saddle=True)
        got = grid.prominence(img, connectivity=connectivity, return_saddle=True)
        for g, w in zip(got, want):
            assert g.shape == shape
            np.testing.assert_array_equal(g.ravel(), w)


def test_grid_prominence_with_labels_equals_the_label_graph():
    rng = np.random.default_rng(5)
    img = rng.integers(0, 5, (8, 9))
    labels = rng.integers(0, 3, (8, 9))
    adj = sp.coo_array(grid.grid_adjacency(img.shape))
    keep = (labels.ravel()[adj.row] == labels.ravel()[adj.col]) & (labels.ravel()[adj.row] > 0)
    sub = sp.coo_array((adj.data[keep], (adj.row[keep], adj.col[keep])), shape=adj.shape)
    want = prominence(sub, img.ravel())
    np.testing.assert_array_equal(grid.prominence(img, labels=labels).ravel(), want)


def test_grid_prominence_errors():
    with pytest.raises(ValueError, match="NaN"):
        grid.prominence(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="`connectivity` must be in 1..2"):
        grid.prominence(np.zeros((3, 3)), connectivity=3)
    with pytest.raises(ValueError, match=r"`labels` must have the image's shape \(3, 3\)"):
        grid.prominence(np.zeros((3, 3)), labels=np.zeros((3, 2), int))
    with pytest.raises(TypeError, match="`labels` must be integers"):
        grid.prominence(np.zeros((3, 3)), labels=np.zeros((3, 3)))
