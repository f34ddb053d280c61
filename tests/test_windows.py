"""graphmax.windows: the bridge invariant, the reference, and the 3x3 question."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphmax as gm
from graphmax.windows import ego_windows, grid_adjacency, image_windows, is_centered_max

from . import reference as ref
from .strategies import graphs


@settings(max_examples=200, deadline=None)
@given(g=graphs(), data=st.data())
def test_bridge_invariant(g, data):
    """ego windows + window scope == strict local maxima, node for node."""
    n, edges = g
    x = np.array([data.draw(st.integers(0, 3)) for _ in range(n)])
    hops = data.draw(st.integers(1, 3))
    direction = data.draw(st.sampled_from(("both", "out", "in")))
    graph = gm.from_edges(np.array(edges, dtype=np.int64).reshape(-1, 2), n=n)
    w = ego_windows(graph, x, hops=hops, direction=direction)
    got = is_centered_max(*w, scope="window")
    want = gm.local_maxima(graph, x, hops=hops, direction=direction, mode="strict")
    np.testing.assert_array_equal(got, want)
    nonstrict = is_centered_max(*w, scope="window", mode="nonstrict")
    np.testing.assert_array_equal(nonstrict, gm.local_maxima(graph, x, hops=hops, direction=direction, mode="nonstrict"))
    if direction == "both":
        # neighbours inside the ego window are the direct neighbours: 1-hop strict maxima
        nb = is_centered_max(*w, scope="neighbors")
        np.testing.assert_array_equal(nb, gm.local_maxima(graph, x, direction=direction, mode="strict"))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_is_centered_max_matches_reference(data):
    B = data.draw(st.integers(0, 6))
    k = data.draw(st.integers(1, 6))
    adj = np.array(data.draw(st.lists(st.booleans(), min_size=B * k * k, max_size=B * k * k))).reshape(B, k, k)
    vals = np.array(data.draw(st.lists(st.integers(0, 3), min_size=B * k, max_size=B * k))).reshape(B, k)
    valid = np.array(data.draw(st.lists(st.booleans(), min_size=B * k, max_size=B * k)), dtype=bool).reshape(B, k)
    center = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=B, max_size=B)), dtype=np.int64)
    for scope in ("window", "neighbors"):
        for mode in ("strict", "nonstrict"):
            got = is_centered_max(adj, vals, center, valid, scope=scope, mode=mode)
            want = [ref.is_centered_max(adj[b].tolist(), vals[b].tolist(), center[b], valid[b].tolist(), scope, mode)
                    for b in range(B)]
            assert got.tolist() == want


def test_ego_windows_content():
    G = nx.karate_club_graph()
    x = np.arange(34.0)[::-1].copy()
    w, members = ego_windows(G, x, return_nodes=True)
    for v in G:
        nodes = sorted(set(G[v]) | {v})
        row = members[v][w.valid[v]]
        assert row.tolist() == nodes
        assert members[v][w.center[v]] == v
        np.testing.assert_array_equal(w.values[v][w.valid[v]], x[nodes])
        sub = nx.to_numpy_array(G.subgraph(nodes), nodelist=nodes) != 0
        np.testing.assert_array_equal(w.adj[v][np.ix_(w.valid[v], w.valid[v])], sub)
    assert not w.adj[~w.valid.any(axis=1)].any()


def test_ego_windows_selected_nodes_and_errors():
    G = nx.path_graph(5)
    w = ego_windows(G, [0, 5, 1, 4, 2], nodes=[1, 3])
    assert is_centered_max(*w).tolist() == [True, True]
    with pytest.raises(ValueError, match=r"`nodes` must lie in \[0, 5\)"):
        ego_windows(G, np.arange(5), nodes=[7])
    with pytest.raises(ValueError, match="one entry per node"):
        ego_windows(G, np.arange(4))


def test_image_windows_are_sliding_windows():
    img = np.random.default_rng(0).integers(0, 9, (7, 6))
    vals, c = image_windows(img, size=3)
    view = np.lib.stride_tricks.sliding_window_view(img, (3, 3))
    np.testing.assert_array_equal(vals, view.reshape(-1, 9))
    assert c == 4
    vals5, c5 = image_windows(img, size=5)
    assert vals5.shape == (3 * 2, 25) and c5 == 12
    with pytest.raises(ValueError, match="odd positive"):
        image_windows(img, size=2)
    with pytest.raises(ValueError, match="2-D image"):
        image_windows(img.ravel())


def test_three_by_three_question_equals_interior_strict_maxima():
    """The asker's 3x3 windows are the 8-connected strict maxima of interior pixels."""
    img = np.random.default_rng(1).integers(0, 5, (12, 10))
    vals, c = image_windows(img)
    got = is_centered_max(grid_adjacency((3, 3)), vals, c).reshape(10, 8)
    graph_max = gm.local_maxima(grid_adjacency(img.shape), img.ravel(), mode="strict").reshape(img.shape)
    np.testing.assert_array_equal(got, graph_max[1:-1, 1:-1])


@pytest.mark.parametrize("scope", ["window", "neighbors"])
def test_an_adjacency_of_another_size_is_refused_in_every_scope(scope):
    """The issue's case: a 3x3 grid's adjacency with windows of 8 values answered in window scope."""
    eight = np.arange(16).reshape(2, 8)
    for adj in (grid_adjacency((3, 3)), grid_adjacency((3, 3)).toarray(), np.ones((3, 8, 8)), np.ones((2, 8, 9))):
        with pytest.raises(ValueError, match=r"`adj` must have shape \(2, 8, 8\) or \(8, 8\) to match `values`"):
            is_centered_max(adj, eight, 4, scope=scope)
    for adj in (np.ones((8, 8)), np.ones((2, 8, 8)), grid_adjacency((2, 4))):  # matching sizes answer
        assert is_centered_max(adj, eight, 7, scope=scope).tolist() == [True, True]


def test_window_errors():
    vals = np.ones((2, 9))
    with pytest.raises(ValueError, match="`scope` must be one of"):
        is_centered_max(None, vals, 4, scope="all")
    with pytest.raises(ValueError, match="`mode` must be one of"):
        is_centered_max(None, vals, 4, mode="plateau")
    with pytest.raises(ValueError, match=r"`center` must lie in \[0, 9\)"):
        is_centered_max(None, vals, 9)
    with pytest.raises(ValueError, match=r"`center` must be an int or have shape \(2,\)"):
        is_centered_max(None, vals, [1, 2, 3])
    with pytest.raises(ValueError, match=r"`adj` must have shape"):
        is_centered_max(np.ones((4, 4)), vals, 4, scope="neighbors")
    with pytest.raises(ValueError, match=r"`valid` must have shape"):
        is_centered_max(None, vals, 4, np.ones((2, 8), dtype=bool))
    with pytest.raises(ValueError, match="NaN"):
        is_centered_max(None, np.full((1, 3), np.nan), 1)
    with pytest.raises(ValueError, match='`adj` is required for scope="neighbors"'):
        is_centered_max(None, vals, 4, scope="neighbors")
    # NaN in padding is fine
    assert is_centered_max(None, np.array([[1.0, 2.0, np.nan]]), 1, np.array([[True, True, False]])).tolist() == [True]
