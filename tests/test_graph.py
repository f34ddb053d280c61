"""The input normaliser: every graph form gives the same graph; bad input is refused clearly."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import graphmax as gm

from . import reference as ref


def _edges(g, direction="out"):
    indptr, indices, weights = g.neighbors(direction)
    src = np.repeat(np.arange(g.n), np.diff(indptr))
    w = np.ones(len(indices)) if weights is None else weights
    return {(int(a), int(b)): float(c) for a, b, c in zip(src, indices, w)}


RNG = np.random.default_rng(7)
N = 30
E = RNG.integers(0, N, size=(120, 2))  # self-loops and duplicates included
W = RNG.integers(1, 5, size=120).astype(float)


def _want(weighted=True):
    want = {}
    for (a, b), w in zip(E.tolist(), W):
        if a != b:
            want[(a, b)] = min(w if weighted else 1.0, want.get((a, b), np.inf))
    return want


def _dense_from_edges():
    A = np.zeros((N, N))
    for (a, b), w in _want().items():
        A[a, b] = w
    return A


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"])
def test_scipy_formats(fmt):
    A = sp.csr_array(_dense_from_edges()).asformat(fmt)
    assert _edges(gm.as_graph(A)) == _want()
    # the matrix classes too
    assert _edges(gm.as_graph(sp.csr_matrix(_dense_from_edges()).asformat(fmt))) == _want()


def test_dense_and_edge_list_and_networkx():
    assert _edges(gm.as_graph(_dense_from_edges())) == _want()
    assert _edges(gm.as_graph(E, n=N, weights=W)) == _want()
    assert _edges(gm.from_edges(E, n=N, weights=W)) == _want()
    assert _edges(gm.from_edges(E, n=N)) == _want(weighted=False)
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(N))
    for (a, b), w in zip(E.tolist(), W):
        G.add_edge(a, b, weight=w)
    assert _edges(gm.as_graph(G)) == _want()
    assert gm.as_graph(G, weight=None).weights is None


def test_stored_zero_is_not_an_edge():
    A = sp.csr_array((np.array([0.0, 2.0]), np.array([1, 2]), np.array([0, 2, 2, 2])), shape=(3, 3))
    assert _edges(gm.as_graph(A)) == {(0, 2): 2.0}


def test_bool_and_unit_matrices_are_unweighted():
    A = _dense_from_edges() > 0
    assert gm.as_graph(A).weights is None
    assert gm.as_graph(A.astype(float)).weights is None
    assert gm.as_graph(_dense_from_edges()).weights is not None


def test_directions_match_reference():
    g = gm.from_edges(E, n=N)
    for direction in ("both", "out", "in"):
        nbrs = ref.neighbour_sets(N, E.tolist(), direction=direction)
        got = _edges(g, direction)
        assert set(got) == {(v, u) for v in range(N) for u in nbrs[v]}


def test_networkx_labels_follow_node_order():
    G = nx.Graph()
    G.add_nodes_from(["z", "a", ("t", 1)])
    G.add_edges_from([("z", "a"), ("a", ("t", 1))])
    g = gm.as_graph(G)
    assert g.names == ["z", "a", ("t", 1)]
    assert gm.local_maxima(G, [1, 5, 2], indices=True).tolist() == ["a"]
    assert gm.local_maxima(g, [1, 5, 2], indices=True).tolist() == ["a"]


def test_undirected_networkx_is_symmetric():
    g = gm.as_graph(nx.karate_club_graph())
    assert g.is_symmetric
    assert g.num_edges == 2 * nx.karate_club_graph().number_of_edges()


def test_pyg_inputs():
    torch = pytest.importorskip("torch")
    pyg_data = pytest.importorskip("torch_geometric.data")
    ei = torch.tensor(E.T.copy())
    assert _edges(gm.as_graph(ei, n=N)) == _want(weighted=False)
    data = pyg_data.Data(edge_index=ei, num_nodes=N)
    assert _edges(gm.as_graph(data)) == _want(weighted=False)
    data.edge_weight = torch.tensor(W)
    assert _edges(gm.as_graph(data)) == _want()
    x = torch.tensor(RNG.random(N))
    np.testing.assert_array_equal(gm.local_maxima(data, x), gm.local_maxima(gm.from_edges(E, n=N), x.numpy()))


def test_import_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, graphmax, graphmax.windows, graphmax.grid; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_from_mesh():
    faces = np.array([[0, 1, 2], [1, 3, 2]])
    g = gm.from_mesh(faces)
    assert set(_edges(g)) == {(0, 1), (1, 0), (1, 2), (2, 1), (0, 2), (2, 0), (1, 3), (3, 1), (2, 3), (3, 2)}
    # polygons of mixed size; vertex 5 unused but kept (n from vertices), never merged or reordered
    verts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [2, 0], [9, 9.0]])
    g = gm.from_mesh([[0, 1, 2, 3], [1, 4, 2]], vertices=verts)
    assert g.n == 6
    assert _edges(g)[(0, 1)] == 1.0 and _edges(g)[(1, 4)] == 1.0
    assert np.isclose(_edges(g)[(4, 2)], np.sqrt(2))
    with pytest.raises(ValueError, match="`faces` vertex ids"):
        gm.from_mesh([[0, 1, 7]], n=3)


def test_from_points_knn_and_radius():
    pts = np.random.default_rng(1).random((60, 2))
    g = gm.from_points(pts, k=4)
    out = _edges(g)
    D = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    for v in range(60):
        mine = sorted(u for (a, u) in out if a == v)
        assert mine == sorted(np.argsort(D[v])[1:5].tolist())
    g = gm.from_points(pts, r=0.2)
    want = {(a, b) for a in range(60) for b in range(60) if a != b and D[a, b] <= 0.2}
    assert set(_edges(g)) == want
    assert all(np.isclose(w, D[a, b]) for (a, b), w in _edges(g).items())
    with pytest.raises(ValueError, match="exactly one of `k` and `r`"):
        gm.from_points(pts)
    with pytest.raises(ValueError, match=r"`points` must have shape \(n, d\)"):
        gm.from_points(np.ones(5), k=2)


def test_graph_is_reusable_and_immutable():
    g = gm.as_graph(nx.karate_club_graph())
    assert gm.as_graph(g) is g
    with pytest.raises(ValueError):
        g.indices[0] = 3
    x = np.arange(34.0)
    np.testing.assert_array_equal(gm.local_maxima(g, x), gm.local_maxima(nx.karate_club_graph(), x))


@pytest.mark.parametrize(
    "graph, kwargs, exc, match",
    [
        (np.ones((3, 4)), {}, ValueError, r"must be square \(n, n\), got shape \(3, 4\)"),
        (sp.csr_array(np.ones((3, 4))), {}, ValueError, r"must be square, got shape \(3, 4\)"),
        (np.array([[0, np.nan], [1, 0]]), {}, ValueError, "NaN"),
        (np.ones((2, 2), dtype=complex), {}, TypeError, "real or bool"),
        (np.ones((5, 2)), {}, ValueError, "looks like an edge list"),
        (np.array([[0, 1], [1, 5]]), {"n": 3}, ValueError, r"lie in \[0, n=3\)"),
        (np.array([[0, 1]]), {"n": 3, "weights": [1.0, 2.0]}, ValueError, r"one entry per edge"),
        (np.array([[0, 1]]), {"n": 3, "weights": [np.nan]}, ValueError, "NaN"),
        (np.array([[0.5, 1]]), {"n": 3}, TypeError, "integer node ids"),
        ("karate", {}, TypeError, "`graph` must be"),
        ([[0, 1], [1]], {}, (TypeError, ValueError), "graph"),
    ],
)
def test_bad_graphs(graph, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gm.as_graph(graph, **kwargs)


def test_inputs_not_modified():
    A = sp.coo_array(_dense_from_edges())
    row0, data0 = A.row.copy(), A.data.copy()
    gm.as_graph(A)
    np.testing.assert_array_equal(A.row, row0)
    np.testing.assert_array_equal(A.data, data0)
    E0 = E.copy()
    gm.from_edges(E, n=N, weights=W)
    np.testing.assert_array_equal(E, E0)


def test_clean_csr_fast_path_matches_general_path():
    """A clean CSR is taken as is; anything else goes through the general path. Same graph either way."""
    rng = np.random.default_rng(3)
    A = sp.random_array((50, 50), density=0.2, format="csr", rng=rng)
    A.setdiag(0)
    A.eliminate_zeros()
    for B in (A, A > 0, (A > 0).astype(np.int8), A.tocoo()):
        g = gm.as_graph(B)
        want = {(int(r), int(c)): (1.0 if B.dtype != np.float64 else float(w))
                for r, c, w in zip(*sp.find(B))}
        assert _edges(g) == want
    # unsorted, duplicated, self-looped, stored-zero and NaN CSRs do not take the fast path
    # row 0: unsorted with a stored zero on the diagonal; row 1: a self-loop; row 2: a duplicate
    messy = sp.csr_array(
        (np.array([2.0, 1.0, 0.0, 5.0, 3.0, 4.0]), np.array([2, 1, 0, 1, 0, 0]), np.array([0, 3, 4, 6])), shape=(3, 3)
    )
    assert _edges(gm.as_graph(messy)) == {(0, 2): 2.0, (0, 1): 1.0, (2, 0): 3.0}
    with pytest.raises(ValueError, match="NaN"):
        gm.as_graph(sp.csr_array((np.array([np.nan]), np.array([1]), np.array([0, 1, 1])), shape=(2, 2)))
    # the caller's arrays stay writeable and untouched
    assert A.indices.flags.writeable and A.data.flags.writeable


def test_is_symmetric_against_transpose():
    rng = np.random.default_rng(5)
    for trial in range(40):
        n = int(rng.integers(1, 12))
        A = (rng.random((n, n)) < 0.3) * rng.integers(1, 3, (n, n))
        if trial % 2:
            A = A + A.T  # symmetric, weights included
        if trial % 4 == 1:
            A[rng.integers(0, n), rng.integers(0, n)] += 1  # maybe break the weights' symmetry
        np.fill_diagonal(A, 0)
        g = gm.as_graph(sp.csr_array(A))
        assert g.is_symmetric == bool((A == A.T).all())
        g = gm.as_graph(sp.csr_array(A > 0))
        assert g.is_symmetric == bool(((A > 0) == (A > 0).T).all())


def test_is_symmetric_same_counts_other_mirrors():
    """Every row receives as many upper edges as it has lower entries, yet they are not mirrors."""
    g = gm.from_edges([(0, 2), (1, 3), (2, 1), (3, 0)], n=4)
    assert not g.is_symmetric
    assert gm.from_edges([(0, 2), (1, 3), (2, 0), (3, 1)], n=4).is_symmetric


def test_is_symmetric_large_random_graphs():
    """Thousands of nodes (every thread gets rows), one edge or one weight changed."""
    rng = np.random.default_rng(6)
    for trial in range(6):
        n = int(rng.integers(1000, 5000))
        src, dst = rng.integers(0, n, 8 * n), rng.integers(0, n, 8 * n)
        keep = src != dst
        src, dst = src[keep], dst[keep]
        w = rng.integers(1, 4, src.size).astype(float)
        edges = np.concatenate([np.stack([src, dst], 1), np.stack([dst, src], 1)])
        weights = np.concatenate([w, w])
        if trial % 3 == 1:
            edges = edges[1:]  # one mirror missing (unless a duplicate pair covers it)
            weights = weights[1:]
        if trial % 3 == 2:
            weights = weights.copy()
            weights[rng.integers(0, weights.size)] += 0.5
        g = gm.from_edges(edges, n=n, weights=weights)
        A = g.to_scipy("out")
        assert g.is_symmetric == bool(abs(A - A.T).max() == 0), trial


# -- undirected edge lists ------------------------------------------------------------------------
def _want_undirected():
    want = {}
    for (a, b), w in zip(E.tolist(), W):
        if a != b:
            for pair in ((a, b), (b, a)):
                want[pair] = min(w, want.get(pair, np.inf))
    return want


def test_undirected_edge_list_stores_both_ways_with_the_smaller_weight():
    g = gm.from_edges(E, n=N, weights=W, directed=False)
    assert _edges(g) == _want_undirected()
    assert g.symmetry_known and g.is_symmetric
    # an independent check: the symmetry kernel on the same arrays, nothing known
    assert gm.Graph(g.n, g.indptr, g.indices, g.weights).is_symmetric
    assert _edges(gm.from_edges(E, n=N, weights=W).to_undirected()) == _want_undirected()


def test_to_undirected():
    directed = gm.from_edges(E, n=N, weights=W)
    u = directed.to_undirected()
    assert _edges(u) == _edges(directed, "both") and u.symmetry_known and u.is_symmetric
    assert u.to_undirected() is u
    G = nx.DiGraph([("a", "b"), ("b", "c")])
    named = gm.as_graph(G).to_undirected()
    assert named.names == ["a", "b", "c"] and _edges(named) == {(0, 1): 1.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 1.0}


@pytest.mark.parametrize("mode", ["strict", "nonstrict", "plateau"])
@pytest.mark.parametrize("hops", [1, 2])
def test_undirected_edge_list_maxima_match_reference(mode, hops):
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = int(rng.integers(2, 14))
        edges = rng.integers(0, n, size=(int(rng.integers(0, 3 * n)), 2))
        x = rng.integers(0, 4, n)
        got = gm.local_maxima(gm.from_edges(edges, n=n, directed=False), x, mode=mode, hops=hops)
        # the reference reads directed pairs; direction="both" is the undirected reading
        want = ref.local_maxima(n, [tuple(e) for e in edges.tolist()], x.tolist(), mode=mode, hops=hops)
        assert got.tolist() == want


def test_directed_must_be_a_bool():
    with pytest.raises(TypeError, match="`directed` must be True or False, got 'no'"):
        gm.from_edges(E, n=N, directed="no")


@pytest.fixture(params=["kernel", "numpy"])
def coo_builder(request, monkeypatch):
    """Each COO -> CSR builder in turn: the compiled kernel (every edge list) or the numpy
    sort that short edge lists take (`_graph.SMALL_COO`)."""
    from graphmax import _graph

    monkeypatch.setattr(_graph, "SMALL_COO", -1 if request.param == "kernel" else 1 << 40)
    return request.param


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("order", ["shuffled", "by row and column"])
def test_edge_lists_with_hubs_duplicates_and_self_loops(weighted, order, coo_builder):
    """Rows long and short (a hub row is sorted another way than short ones),
    rows already in order (left as they are), duplicates with other weights
    (the smallest is kept) and self-loops (dropped): against a dict built in Python,
    by either builder."""
    rng = np.random.default_rng(11)
    n = 300
    src = np.concatenate([rng.integers(0, n, 3000), np.zeros(400, dtype=np.int64), np.arange(50)])
    dst = np.concatenate([rng.integers(0, n, 3000), rng.integers(0, n, 400), np.arange(50)])
    dup = rng.integers(0, len(src), 500)
    src, dst = np.concatenate([src, src[dup]]), np.concatenate([dst, dst[dup]])
    w = rng.integers(1, 9, len(src)).astype(float) if weighted else None
    order_ = rng.permutation(len(src)) if order == "shuffled" else np.lexsort((dst, src))
    src, dst = src[order_], dst[order_]
    w = None if w is None else w[order_]
    want = {}
    for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        if a != b:
            want[(a, b)] = min(1.0 if w is None else w[i], want.get((a, b), np.inf))
    g = gm.from_edges(np.stack([src, dst], axis=1), n=n, weights=w)
    assert np.all(np.diff(g.indices[g.indptr[0]:g.indptr[1]]) > 0) and g.indptr[1] > 32  # the hub row
    for v in range(n):
        assert np.all(np.diff(g.indices[g.indptr[v]:g.indptr[v + 1]]) > 0)
    assert _edges(g) == want
    assert (g.weights is None) == (not weighted)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 12),
    pairs=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.sampled_from([0.5, 1.0, 2.0, 3.0])),
                   max_size=60),
    weighted=st.booleans(),
)
def test_both_coo_builders_match_a_dict(n, pairs, weighted):
    """The numpy builder of short edge lists and the compiled kernel give the same
    canonical CSR, equal to a dict built in Python (self-loops dropped, duplicates
    merged keeping the smallest weight), including empty graphs and edgeless nodes."""
    from graphmax import _graph, _kernels

    pairs = [(a, b, w) for a, b, w in pairs if a < n and b < n]
    src = np.array([a for a, _, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b, _ in pairs], dtype=np.int64)
    w = np.array([c for _, _, c in pairs], dtype=np.float64)
    want = {}
    for a, b, c in pairs:
        if a != b:
            want[(a, b)] = min(c if weighted else 1.0, want.get((a, b), np.inf))
    idx = _graph._index_dtype(n, len(pairs))
    small = _graph._small_coo_to_csr(n, src, dst, w if weighted else np.zeros(0), weighted, idx)
    kernel = _kernels.coo_to_csr(n, src, dst, w if weighted else np.zeros(0), weighted, np.zeros(1, dtype=idx), 1)
    for a, b in zip(small, kernel):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    indptr, indices, weights = small
    got = {}
    for v in range(n):
        for j in range(indptr[v], indptr[v + 1]):
            got[(v, int(indices[j]))] = float(weights[j]) if weighted else 1.0
        assert np.all(np.diff(indices[indptr[v]:indptr[v + 1]]) > 0)
    assert got == want


def test_kernels_cut_into_any_number_of_parts_agree():
    """The per-thread parts of the edge kernels (one set of O(n) arrays each) change
    nothing in the result, whatever their number; and their number is bounded by
    the mean degree + 1, so those arrays stay within O(n + E)."""
    from graphmax import _graph, _kernels

    rng = np.random.default_rng(2)
    n = 200
    src = np.concatenate([rng.integers(0, n, 3000), np.zeros(300, dtype=np.int64)])
    dst = np.concatenate([rng.integers(0, n, 3000), rng.integers(0, n, 300)])
    w = rng.integers(1, 5, len(src)).astype(float)
    x = rng.integers(0, 20, n).astype(np.float64)
    q = _kernels.value_buckets(x)
    sample = np.zeros(1, dtype=np.int32)
    base = _kernels.coo_to_csr(n, src, dst, w, True, sample, 1)
    flags = _kernels.edge_compare(src, dst, x, q, 1, True, False, 1)
    for parts in (2, 3, 7, 64):
        for a, b in zip(base, _kernels.coo_to_csr(n, src, dst, w, True, sample, parts)):
            np.testing.assert_array_equal(a, b)
        ok, mask = _kernels.edge_compare(src, dst, x, q, 1, True, False, parts)
        assert ok and np.array_equal(mask, flags[1])
    assert _graph._edge_parts(1000, 10) == 1
    assert 1 <= _graph._edge_parts(10, 10_000) <= _graph._threads()
