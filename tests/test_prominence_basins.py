"""The basin path of prominence (ascent basins, only saddle candidates sorted) against the
plain sorted union-find it replaced (`sorted_prominence`) and the brute force of the definition."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphmax as gm
from graphmax import _prominence, grid
from graphmax._prominence import sorted_prominence

from .test_prominence import reference_prominence

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same(got, want):
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.ravel(g), w)


def graph_reference(g, x):
    indptr, indices, _ = g.neighbors("both")
    return sorted_prominence(indptr, indices, np.asarray(x))


def grid_reference(img, connectivity=None, labels=None):
    adj = grid.grid_adjacency(img.shape, connectivity or img.ndim).tocoo()
    if labels is not None:
        lab = np.ravel(labels)
        keep = (lab[adj.row] == lab[adj.col]) & (lab[adj.row] > 0)
        adj.row, adj.col, adj.data = adj.row[keep], adj.col[keep], adj.data[keep]
    g = gm.as_graph(adj.tocsr())
    return graph_reference(g, img.ravel())


VALUES = st.sampled_from([
    (np.float64, st.floats(-3, 3) | st.sampled_from([0.0, -0.0, np.inf, -np.inf])),
    (np.int64, st.integers(0, 3)),  # many ties: plateaus, equal peaks
    (np.uint8, st.integers(0, 2)),
    (np.bool_, st.booleans()),
])


@FAST
@given(data=st.data())
def test_graph_basin_path_equals_sorted_union_find(data):
    n = data.draw(st.integers(1, 40))
    m = data.draw(st.integers(0, 3 * n))
    dtype, elements = data.draw(VALUES)
    edges = data.draw(hnp.arrays(np.int64, (m, 2), elements=st.integers(0, n - 1)))
    x = data.draw(hnp.arrays(dtype, n, elements=elements))
    g = gm.from_edges(edges, n=n)
    assert_same(gm.prominence(g, x, return_saddle=True), graph_reference(g, x))


@FAST
@given(data=st.data())
def test_grid_basin_path_equals_sorted_union_find(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 7), min_size=1, max_size=3)))
    dtype, elements = data.draw(VALUES)
    img = data.draw(hnp.arrays(dtype, shape, elements=elements))
    connectivity = data.draw(st.integers(1, len(shape)))
    labels = data.draw(st.none() | hnp.arrays(np.int64, shape, elements=st.integers(-1, 2)))
    got = grid.prominence(img, connectivity=connectivity, labels=labels, return_saddle=True)
    assert_same(got, grid_reference(img, connectivity, labels))


def test_graph_basin_path_matches_brute_force_on_plateaus():
    # a path of equal values and a lower side hill: saddles reached only through ties
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (1, 6), (6, 7)]
    x = [2, 2, 2, 1, 2, 2, 0, 1]
    got = gm.prominence(gm.from_edges(np.array(edges), n=8), np.array(x), return_saddle=True)
    want = reference_prominence(8, edges, x)
    for g, w in zip(got, want):
        assert g.tolist() == w


@pytest.mark.parametrize("seed", range(2))
def test_parallel_passes_equal_the_sorted_union_find(seed):
    # sizes over `_PARALLEL_NODES`: the ascent and saddle passes run in parallel tasks
    rng = np.random.default_rng(seed)
    n = _prominence._PARALLEL_NODES + 1000
    edges = rng.integers(0, n, (2 * n, 2))
    g = gm.from_edges(np.concatenate([edges, edges[:, ::-1]]), n=n)
    x = rng.integers(0, 50, n) if seed else rng.random(n)
    assert_same(gm.prominence(g, x, return_saddle=True), graph_reference(g, x))
    side = int(np.sqrt(_prominence._PARALLEL_NODES)) + 3
    img = rng.integers(0, 8, (side, side)).astype(np.uint8) if seed else rng.normal(size=(side, side))
    assert_same(grid.prominence(img, return_saddle=True), grid_reference(img))


def test_work_arrays_use_int32_indices():
    up, kind, lab, saddle = _prominence.work_arrays(10)
    assert up.dtype == lab.dtype == np.int32 and kind.dtype == np.uint8 and saddle.dtype == bool


def test_grid_saddle_touching_more_than_two_other_basins():
    # the centre joins four corner hills at once: its record overflows to the step bits
    img = np.array([[5, 0, 6], [0, 1, 0], [7, 0, 8]])
    adj = grid.grid_adjacency(img.shape).tocoo()
    want = reference_prominence(9, list(zip(adj.row, adj.col)), img.ravel().tolist())
    got = grid.prominence(img, return_saddle=True)
    for g, w in zip(got, want):
        assert g.ravel().tolist() == w
    assert got.saddle.ravel().tolist() == [4, -1, 4, -1, -1, -1, 4, -1, -1]
