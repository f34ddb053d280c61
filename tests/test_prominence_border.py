"""`prominence(..., border=)`: scipy.signal.peak_prominences' rule, against scipy and a brute force.

Without `border` graphmax's prominence is topographic (a side with no higher point is ignored);
with it the border is higher ground and an equal peak is not, as in scipy.
"""

import warnings

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphmax as gm
from graphmax import grid

signal = pytest.importorskip("scipy.signal")

SMALL = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def scipy_prominences(x):
    """scipy's prominence of every index of a 1-D signal (0 for the indices that are no peak)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "some peaks have a prominence of 0")
        return signal.peak_prominences(np.asarray(x, dtype=np.float64), np.arange(len(x)))[0]


def brute_force(graph, x, wall):
    """Per node v: x[v] minus the highest level h at which v reaches, through nodes >= h, a node
    higher than x[v] or a node of `wall`; if none, x[v] minus the minimum of v's component."""
    x = [v.item() if hasattr(v, "item") else v for v in x]
    out = []
    for v in graph.nodes:
        for h in sorted({x[u] for u in graph.nodes if x[u] <= x[v]}, reverse=True):
            sub = graph.subgraph([u for u in graph.nodes if x[u] >= h])
            reach = nx.node_connected_component(sub, v)
            if any(x[u] > x[v] or wall[u] for u in reach):
                out.append(x[v] - h)
                break
        else:
            out.append(x[v] - min(x[u] for u in nx.node_connected_component(graph, v)))
    return out


def test_the_documented_example():
    x = [2.8, 3, 1, 5]
    path = nx.path_graph(4)
    assert gm.prominence(path, x)[1] == 2.0  # topographic: the col towards the 5 is the 1
    np.testing.assert_array_equal(gm.prominence(path, x, border=[0, 3]), scipy_prominences(x))
    assert gm.prominence(path, x, border=[0, 3])[1] == signal.peak_prominences(x, [1])[0][0] == 3 - 2.8
    np.testing.assert_array_equal(grid.prominence(np.array(x), border=True), scipy_prominences(x))


@SMALL
@given(
    x=st.one_of(
        hnp.arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 4)),  # ties and plateaus
        hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e6, 1e6)),
    )
)
def test_paths_equal_scipy_on_every_index(x):
    want = scipy_prominences(x)
    n = len(x)
    np.testing.assert_array_equal(gm.prominence(nx.path_graph(n), x, border=[0, n - 1]), want)
    ends = np.zeros(n, dtype=bool)
    ends[[0, -1]] = True
    np.testing.assert_array_equal(gm.prominence(nx.path_graph(n), x, border=ends), want)
    np.testing.assert_array_equal(grid.prominence(x, border=True), want)


@SMALL
@given(data=st.data())
def test_any_graph_against_brute_force(data):
    n = data.draw(st.integers(1, 10))
    edges = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((u, v) for u, v in edges if u != v)
    x = data.draw(hnp.arrays(data.draw(st.sampled_from([np.int64, np.uint8, np.float64])), n,
                             elements=st.integers(0, 3)))
    wall = data.draw(hnp.arrays(np.bool_, n))
    got = gm.prominence(graph, x, border=wall, return_saddle=True)
    np.testing.assert_array_equal(got.prominence, brute_force(graph, x, wall))
    real = got.saddle >= 0  # a col was found (else: no prominence, or a component's highest nodes)
    assert np.all(got.prominence[real] > 0)
    assert np.all(x[real] - x[got.saddle[real]] == got.prominence[real])
    higher = got.parent >= 0
    assert np.all(x[got.parent[higher]] > x[higher])


@SMALL
@given(data=st.data())
def test_images_with_labels_equal_the_graph_with_each_label_walled(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    image = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 3)))
    labels = data.draw(st.one_of(st.none(), hnp.arrays(np.int64, shape, elements=st.integers(-1, 2))))
    connectivity = data.draw(st.integers(1, len(shape)))
    got = grid.prominence(image, connectivity=connectivity, labels=labels, border=True)
    adj = grid.grid_adjacency(shape, connectivity)
    graph = nx.from_scipy_sparse_array(adj)
    full = nx.from_scipy_sparse_array(grid.grid_adjacency(tuple(s + 2 for s in shape), connectivity))
    # The wall: pixels with a neighbour step leaving the image (found in a larger grid) or the label.
    inner = np.pad(np.ones(shape, dtype=bool), 1).ravel()
    big = np.arange(inner.size)[inner]
    wall = np.array([any(not inner[u] for u in full[b]) for b in big])
    if labels is not None:
        flat = labels.ravel()
        graph.remove_edges_from([(u, v) for u, v in list(graph.edges) if flat[u] != flat[v] or flat[u] <= 0])
        wall |= np.array([graph.degree(v) < adj[[v]].nnz for v in range(flat.size)], dtype=bool)
    np.testing.assert_array_equal(got.ravel(), brute_force(graph, image.ravel(), wall))


def test_default_is_unchanged_and_border_empty_is_topographic_with_scipy_ties():
    x = np.array([1, 3, 2, 3, 1])
    np.testing.assert_array_equal(gm.prominence(nx.path_graph(5), x), [0, 2, 0, 1, 0])  # elder rule
    np.testing.assert_array_equal(gm.prominence(nx.path_graph(5), x, border=[0, 4]), [0, 2, 0, 2, 0])  # scipy
    np.testing.assert_array_equal(scipy_prominences(x), [0, 2, 0, 2, 0])
    # no border node: equal peaks share the component's height above its minimum
    np.testing.assert_array_equal(gm.prominence(nx.path_graph(5), x, border=[]), [0, 2, 0, 2, 0])
    assert grid.prominence(np.zeros((0, 3)), border=True).shape == (0, 3)


def test_extreme_integers_are_exact():
    top = np.iinfo(np.uint64).max
    x = np.array([0, top, top - 1, top, 5], dtype=np.uint64)
    got = grid.prominence(x, border=True)
    assert got.dtype == np.uint64 and got.tolist() == [0, top - 5, 0, top - 5, 0]  # scipy: float64, rounded


@pytest.mark.parametrize(
    "border, error, match",
    [
        (np.ones(3, dtype=bool), ValueError,
         r"`border` as a mask must have one entry per node, shape \(4,\), got shape \(3,\)"),
        ([0, 4], ValueError, r"`border` holds node positions in 0\.\.3, got 4"),
        ([-1], ValueError, r"`border` holds node positions in 0\.\.3, got -1"),
        ([0.5], TypeError, r"`border` must be a boolean mask or node positions \(integers\), got dtype float64"),
    ],
)
def test_border_errors(border, error, match):
    with pytest.raises(error, match=match):
        gm.prominence(nx.path_graph(4), [1, 2, 3, 4], border=border)


def test_grid_border_must_be_a_flag():
    with pytest.raises(TypeError, match="`border` must be True or False, got 'yes'"):
        grid.prominence(np.ones(3), border="yes")


@SMALL
@given(x=hnp.arrays(np.int64, st.integers(2, 30), elements=st.integers(0, 6)))
def test_find_peaks_passes_border_to_the_prominence(x):
    """`find_peaks(border=)` filters and reports scipy's prominence on a path (whose two ends are
    the border); each peak's figure is scipy's at that node."""
    n = len(x)
    want = scipy_prominences(x)
    peaks = gm.find_peaks(nx.path_graph(n), x, border=[0, n - 1], return_prominence=True)
    np.testing.assert_allclose(peaks.prominence, want[peaks.nodes])
    kept = gm.find_peaks(nx.path_graph(n), x, border=[0, n - 1], min_prominence=2)
    np.testing.assert_array_equal(kept.nodes, peaks.nodes[peaks.prominence >= 2])


def test_find_peaks_border_needs_the_prominence():
    with pytest.raises(ValueError, match="`border`"):
        gm.find_peaks(nx.path_graph(3), [1, 2, 1], border=[0, 2])
