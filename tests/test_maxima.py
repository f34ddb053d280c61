"""local_maxima / local_minima against the brute-force reference and the SPEC's worked examples."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphmax as gm

from . import reference as ref

MODES = ("strict", "nonstrict", "plateau")

# -- SPEC section 3 worked examples ---------------------------------------------------------
T, F = True, False
P = nx.path_graph
_tri = nx.complete_graph(3)
_tri.add_node(3)
WORKED = [
    (P(3), [1, 3, 2], {}, [F, T, F], [F, T, F], [F, T, F]),
    (P(4), [1, 3, 3, 2], {}, [F] * 4, [F, T, T, F], [F, T, T, F]),
    (P(5), [1, 3, 3, 4, 0], {}, [F, F, F, T, F], [F, T, F, T, F], [F, F, F, T, F]),
    (_tri, [5, 5, 5, 0], {}, [F] * 4, [T, T, T, F], [F] * 4),
    (_tri, [5, 5, 5, 0], {"min_neighbors": 0}, [F, F, F, T], [T] * 4, [T] * 4),
    (nx.DiGraph([(0, 1), (1, 2)]), [3, 2, 1], {"direction": "out"}, [T, T, F], [T, T, F], [T, T, F]),
]


@pytest.mark.parametrize("graph, x, kw, strict, nonstrict, plateau", WORKED)
def test_spec_worked_examples(graph, x, kw, strict, nonstrict, plateau):
    for mode, want in zip(MODES, (strict, nonstrict, plateau)):
        got = gm.local_maxima(graph, x, mode=mode, **kw)
        assert got.dtype == bool
        assert got.tolist() == want, mode


def test_default_mode_is_plateau():
    x = [1, 3, 3, 4, 0]
    np.testing.assert_array_equal(gm.local_maxima(P(5), x), gm.local_maxima(P(5), x, mode="plateau"))


# -- random graphs against the reference -----------------------------------------------------
@st.composite
def graphs(draw, max_n=10):
    n = draw(st.integers(0, max_n))
    if n == 0:
        return 0, []
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    edges = draw(st.lists(pair, max_size=3 * n))  # self-loops and duplicates included
    return n, edges


def _values(draw, n, kind):
    if kind == "ties":
        return [draw(st.integers(0, 3)) for _ in range(n)], np.int64
    if kind == "float":
        f = st.one_of(st.sampled_from([-math.inf, math.inf, 0.0, -0.0, 1.5]), st.floats(-5, 5, allow_nan=False))
        return [draw(f) for _ in range(n)], np.float64
    if kind == "uint64":
        top = np.iinfo(np.uint64).max
        return [draw(st.sampled_from([0, 1, top - 1, top])) for _ in range(n)], np.uint64
    if kind == "int64":
        lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
        return [draw(st.sampled_from([lo, lo + 1, -1, 0, hi])) for _ in range(n)], np.int64
    if kind == "int8":
        return [draw(st.sampled_from([-128, -1, 0, 127])) for _ in range(n)], np.int8
    if kind == "uint8":
        return [draw(st.sampled_from([0, 1, 255])) for _ in range(n)], np.uint8
    assert kind == "bool"
    return [draw(st.booleans()) for _ in range(n)], np.bool_


KINDS = ("ties", "float", "uint64", "int64", "int8", "uint8", "bool")
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(g=graphs(), data=st.data())
def test_matches_reference(g, data):
    n, edges = g
    kind = data.draw(st.sampled_from(KINDS))
    x, dtype = _values(data.draw, n, kind)
    mode = data.draw(st.sampled_from(MODES))
    direction = data.draw(st.sampled_from(("both", "out", "in")))
    hops = data.draw(st.integers(1, 3))
    min_neighbors = data.draw(st.integers(0, 3))
    minima = data.draw(st.booleans())
    if data.draw(st.booleans()):  # symmetric input: exercises the early-exit plateau scan on "out"/"in"
        edges = edges + [(b, a) for a, b in edges]
    graph = gm.from_edges(np.array(edges, dtype=np.int64).reshape(-1, 2), n=n)
    f = gm.local_minima if minima else gm.local_maxima
    got = f(graph, np.array(x, dtype=dtype), mode=mode, direction=direction, hops=hops, min_neighbors=min_neighbors)
    want = ref.local_maxima(n, edges, x, mode=mode, direction=direction, hops=hops,
                            min_neighbors=min_neighbors, minima=minima)
    assert got.tolist() == want


@FAST
@given(g=graphs(), data=st.data())
def test_radius_matches_reference(g, data):
    n, edges = g
    weights = [data.draw(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.25])) for _ in edges]
    x = [data.draw(st.integers(0, 3)) for _ in range(n)]
    radius = data.draw(st.sampled_from([0.0, 0.5, 1.0, 1.75, 2.5, 4.0]))
    mode = data.draw(st.sampled_from(MODES))
    direction = data.draw(st.sampled_from(("both", "out", "in")))
    weighted = data.draw(st.booleans())
    graph = gm.from_edges(np.array(edges, dtype=np.int64).reshape(-1, 2), n=n,
                          weights=np.array(weights) if weighted else None)
    got = gm.local_maxima(graph, np.array(x), mode=mode, radius=radius, direction=direction)
    want = ref.local_maxima(n, edges, x, mode=mode, weights=weights if weighted else None,
                            direction=direction, radius=radius)
    assert got.tolist() == want


@FAST
@given(g=graphs(), data=st.data())
def test_nan_omit_matches_reference(g, data):
    n, edges = g
    f = st.one_of(st.just(math.nan), st.integers(0, 3).map(float))
    x = [data.draw(f) for _ in range(n)]
    mode = data.draw(st.sampled_from(MODES))
    hops = data.draw(st.integers(1, 2))
    graph = gm.from_edges(np.array(edges, dtype=np.int64).reshape(-1, 2), n=n)
    got = gm.local_maxima(graph, np.array(x), mode=mode, hops=hops, nan_policy="omit")
    want = ref.local_maxima(n, edges, x, mode=mode, hops=hops)
    assert got.tolist() == want


def test_multichannel_is_channelwise():
    rng = np.random.default_rng(0)
    G = nx.gnm_random_graph(40, 90, seed=1)
    x = rng.integers(0, 4, size=(40, 3)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    for mode in MODES:
        got = gm.local_maxima(G, x, mode=mode, nan_policy="omit")
        assert got.shape == (40, 3)
        for c in range(3):
            np.testing.assert_array_equal(got[:, c], gm.local_maxima(G, x[:, c], mode=mode, nan_policy="omit"))


def test_hops_against_networkx_power():
    """hops=k equals 1-hop maxima on networkx's graph power (an independent construction)."""
    G = nx.connected_watts_strogatz_graph(200, 4, 0.3, seed=2)
    x = np.random.default_rng(3).integers(0, 6, 200)
    for k in (2, 3):
        Gk = nx.power(G, k)
        for mode in MODES:
            np.testing.assert_array_equal(gm.local_maxima(G, x, hops=k, mode=mode), gm.local_maxima(Gk, x, mode=mode))


def test_radius_against_networkx_dijkstra():
    rng = np.random.default_rng(4)
    G = nx.gnm_random_graph(150, 400, seed=5)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.integers(1, 5))
    x = rng.random(150)
    r = 4.0
    want = []
    for v in G:
        ball = nx.single_source_dijkstra_path_length(G, v, cutoff=r)
        others = [u for u in ball if u != v]
        want.append(bool(others) and all(x[v] > x[u] for u in others))
    np.testing.assert_array_equal(gm.local_maxima(G, x, radius=r, mode="strict"), want)


def test_unit_radius_is_floor_hops():
    G = nx.grid_2d_graph(6, 7)
    x = np.random.default_rng(0).integers(0, 3, 42)
    for r, k in ((1.0, 1), (2.9, 2), (3.0, 3)):
        np.testing.assert_array_equal(gm.local_maxima(G, x, radius=r), gm.local_maxima(G, x, hops=k))
    assert not gm.local_maxima(G, x, radius=0.5).any()


def test_minima_no_overflow():
    g = P(3)
    for dtype in (np.uint8, np.uint64, np.int64, np.int8):
        info = np.iinfo(dtype)
        x = np.array([info.max, info.min, info.max], dtype=dtype)
        assert gm.local_minima(g, x, mode="strict").tolist() == [F, T, F]
        assert gm.local_maxima(g, x, mode="strict").tolist() == [T, F, T]
    assert gm.local_minima(g, np.array([True, False, True])).tolist() == [F, T, F]


def test_indices_and_labels():
    G = nx.Graph([("a", "b"), ("b", "c")])
    assert gm.local_maxima(G, [1, 3, 2], indices=True) == ["b"]
    np.testing.assert_array_equal(gm.local_maxima(P(3), [1, 3, 2], indices=True), [1])
    multi = gm.local_maxima(P(3), np.array([[1, 3], [3, 1], [2, 2]]), indices=True)
    assert [list(m) for m in multi] == [[1], [0, 2]]


def test_input_never_modified():
    x = np.array([3.0, np.nan, 1.0, 5.0])
    A = sp.random_array((4, 4), density=0.6, format="csr", rng=0)
    x0, A0 = x.copy(), A.copy()
    gm.local_maxima(A, x, nan_policy="omit")
    gm.local_minima(A, x, nan_policy="omit")
    np.testing.assert_array_equal(x, x0)
    assert (A != A0).nnz == 0


def test_large_graph_no_dense(monkeypatch):
    """Sparse input never goes through an (n, n) dense array."""
    n = 200_000
    rng = np.random.default_rng(0)
    src = rng.integers(0, n, 2 * n)
    dst = rng.integers(0, n, 2 * n)
    A = sp.coo_array((np.ones(2 * n), (src, dst)), shape=(n, n))

    def no_dense(*a, **k):
        raise AssertionError("dense conversion")

    monkeypatch.setattr(sp.coo_array, "toarray", no_dense)
    monkeypatch.setattr(sp.csr_array, "toarray", no_dense)
    x = rng.random(n)
    got = gm.local_maxima(A, x, mode="strict")
    S = (A + A.T).tocsr()
    S.setdiag(0)  # self-loops are ignored
    S.eliminate_zeros()
    nbr_max = np.full(n, -np.inf)
    np.maximum.at(nbr_max, S.tocoo().row, x[S.tocoo().col])
    want = (np.diff(S.indptr) > 0) & (x > nbr_max)
    np.testing.assert_array_equal(got, want)


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"mode": "max"}, ValueError, "`mode` must be one of"),
        ({"direction": "up"}, ValueError, "`direction` must be one of"),
        ({"hops": 0}, ValueError, "`hops` must be an integer >= 1"),
        ({"hops": 1.5}, ValueError, "`hops`"),
        ({"radius": -1}, ValueError, "`radius` must be a finite number >= 0"),
        ({"radius": math.inf}, ValueError, "`radius`"),
        ({"radius": 1, "hops": 2}, ValueError, "either `hops` or `radius`"),
        ({"min_neighbors": -1}, ValueError, "`min_neighbors`"),
        ({"nan_policy": "drop"}, ValueError, "`nan_policy` must be one of"),
    ],
)
def test_bad_options(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gm.local_maxima(P(3), [1.0, 2.0, 3.0], **kwargs)


def test_bad_values():
    with pytest.raises(ValueError, match=r"graph has 3 nodes, got 2"):
        gm.local_maxima(P(3), [1, 2])
    with pytest.raises(TypeError, match="complex"):
        gm.local_maxima(P(3), np.ones(3, dtype=complex))
    with pytest.raises(TypeError, match="dtype"):
        gm.local_maxima(P(3), np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, c\)"):
        gm.local_maxima(P(3), np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        gm.local_maxima(P(3), [1.0, np.nan, 2.0])


def test_negative_weights_with_radius():
    g = gm.from_edges([[0, 1], [1, 2]], n=3, weights=[1.0, -2.0])
    assert gm.local_maxima(g, [1, 2, 3]).tolist() == [F, F, T]  # weights unused without radius
    with pytest.raises(ValueError, match="finite edge weights >= 0"):
        gm.local_maxima(g, [1, 2, 3], radius=1.0)
    g = gm.from_edges([[0, 1]], n=2, weights=[math.inf])
    with pytest.raises(ValueError, match="finite edge weights"):
        gm.local_maxima(g, [1, 2], radius=1.0)
