"""local_maxima / local_minima against the brute-force reference and the worked examples of docs/semantics.md §3."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphmax as gm
from graphmax import _maxima

from . import reference as ref
from .strategies import graphs

MODES = ("strict", "nonstrict", "plateau")

# -- docs/semantics.md §3 worked examples ---------------------------------------------------------
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


def _agrees_with_reference(g, data, directions, max_hops, max_min_neighbors):
    n, edges = g
    kind = data.draw(st.sampled_from(KINDS))
    x, dtype = _values(data.draw, n, kind)
    mode = data.draw(st.sampled_from(MODES))
    direction = data.draw(st.sampled_from(directions))
    hops = data.draw(st.integers(1, max_hops))
    min_neighbors = data.draw(st.integers(0, max_min_neighbors))
    minima = data.draw(st.booleans())
    if data.draw(st.booleans()):  # symmetric input: exercises the early-exit plateau scan on "out"/"in"
        edges = edges + [(b, a) for a, b in edges]
    graph = gm.from_edges(np.array(edges, dtype=np.int64).reshape(-1, 2), n=n)
    f = gm.local_minima if minima else gm.local_maxima
    # The same call with and without the "small" route (which a graph this size takes by
    # default): every route of the table answers against the reference.
    small_edges = _maxima.SMALL_EDGES if data.draw(st.booleans()) else 0
    saved, _maxima.SMALL_EDGES = _maxima.SMALL_EDGES, small_edges
    try:
        got = f(graph, np.array(x, dtype=dtype), mode=mode, direction=direction, hops=hops,
                min_neighbors=min_neighbors)
    finally:
        _maxima.SMALL_EDGES = saved
    want = ref.local_maxima(n, edges, x, mode=mode, direction=direction, hops=hops,
                            min_neighbors=min_neighbors, minima=minima)
    assert got.tolist() == want


@FAST
@given(g=graphs(), data=st.data())
def test_matches_reference(g, data):
    _agrees_with_reference(g, data, ("both", "out", "in"), max_hops=3, max_min_neighbors=3)


@st.composite
def dense_graphs(draw, max_n=12):
    """Graphs whose rows often hold more than the kernels' branch-free probe (4 neighbours)."""
    n = draw(st.integers(5, max_n))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    return n, draw(st.lists(pair, min_size=2 * n, max_size=6 * n))


@FAST
@given(g=dense_graphs(), data=st.data())
def test_dense_rows_match_reference(g, data):
    _agrees_with_reference(g, data, ("both", "out"), max_hops=4, max_min_neighbors=2)


@pytest.mark.parametrize("degree", range(1, 10))
def test_one_odd_neighbour_at_every_row_position(degree):
    """A centre whose neighbours are all lower but one (higher or equal), at
    every position of its row: rows shorter than, as long as, and longer
    than the kernels' branch-free probe (4 entries), which must never decide
    a row from the part it saw. Prepared symmetric graphs, graphs of unknown
    symmetry and raw CSR matrices, every mode, against the reference."""
    star = nx.star_graph(degree)  # node 0 joined to 1..degree
    edges = [(a, b) for a, b in star.edges()] + [(b, a) for a, b in star.edges()]
    a = nx.to_scipy_sparse_array(star, format="csr")
    graphs = [gm.as_graph(star), gm.from_edges(np.array(edges), n=degree + 1), a]
    for odd in [None, *range(1, degree + 1)]:
        for odd_value in (9.0, 5.0):
            x = [5.0] + [1.0] * degree
            if odd is not None:
                x[odd] = odd_value
            for mode in MODES:
                want = ref.local_maxima(degree + 1, edges, x, mode=mode)
                for graph in graphs:
                    got = gm.local_maxima(graph, np.array(x), mode=mode)
                    assert got.tolist() == want, (type(graph).__name__, odd, odd_value, mode)


@pytest.mark.parametrize("span", [1, 2, 3, 1 << 24])
def test_row_summaries_against_brute_force(span):
    """Top bucket, a neighbour holding it, and whether it is shared, whatever
    the span the kernel splits rows into."""
    from graphmax import _kernels

    rng = np.random.default_rng(span)
    n = 60
    a = sp.random_array((n, n), density=0.15, random_state=rng, format="csr")
    a.setdiag(0)
    a.eliminate_zeros()
    q = rng.integers(0, 6, n).astype(np.uint8)  # few buckets: shared tops are common
    for idx in (np.int32, np.int64):
        top_q, top, shared = _kernels.row_summaries(a.indptr.astype(idx), a.indices.astype(idx), q, span)
        for r in range(n):
            row = a.indices[a.indptr[r]:a.indptr[r + 1]]
            if row.size == 0:
                assert (top_q[r], top[r], shared[r]) == (0, -1, False)
                continue
            assert top_q[r] == q[row].max()
            assert top[r] in row and q[top[r]] == top_q[r]
            assert shared[r] == ((q[row] == top_q[r]).sum() >= 2)


def test_directed_plateau_member_with_higher_and_equal_neighbours():
    """Node 0 has a higher out-neighbour among its first four and an equal one (1):
    the plateau {0, 1} is no maximum, though 1 alone would be one."""
    edges = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 6)]
    x = np.array([5, 5, 6, 6, 6, 6, 1])
    got = gm.local_maxima(gm.from_edges(np.array(edges), n=7), x, mode="plateau", direction="out", min_neighbors=0)
    want = ref.local_maxima(7, edges, x.tolist(), mode="plateau", direction="out", min_neighbors=0)
    assert got.tolist() == want
    assert not got[1]


@pytest.mark.parametrize("mode", ["strict", "nonstrict"])
def test_in_neighbour_in_the_lowest_candidates_bucket(mode):
    """The in-neighbour pass skips rows whose value bucket is below every
    candidate's. Candidate 2 has the lowest candidate bucket; its only
    in-neighbour 3 shares that bucket and is higher, so row 3 must be read."""
    edges = [(0, 4), (1, 0), (2, 4), (3, 2), (4, 1)]
    x = np.array([0.0, 1.0, 0.5, 0.5001, 0.1])
    got = gm.local_maxima(gm.from_edges(np.array(edges), n=5), x, mode=mode)
    want = ref.local_maxima(5, edges, x.tolist(), mode=mode)
    assert got.tolist() == want
    assert not got[2] and got[3]


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
    assert got.dtype == bool and got.tolist() == want
    two = gm.local_maxima(graph, np.stack([np.array(x), -np.array(x)], axis=1), mode=mode, hops=hops, nan_policy="omit")
    assert two.dtype == bool and two[:, 0].tolist() == want
    assert two[:, 1].tolist() == ref.local_maxima(n, edges, [-v for v in x], mode=mode, hops=hops)


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


def _ids_case(nodes):
    """The path through `nodes` (networkx labels) with its maximum at the second node."""
    G = nx.Graph()
    G.add_nodes_from(nodes)
    G.add_edges_from(zip(nodes, nodes[1:]))
    return G


@pytest.mark.parametrize("graph, dtype, want", [
    (_ids_case(["a", "b", "c"]), np.dtype("<U1"), ["b"]),
    (_ids_case([2, 0, 1]), np.dtype(np.int64), [0]),
    (_ids_case([(0, 0), (0, 1), (1, 1)]), np.dtype(object), [(0, 1)]),
    (_ids_case(["a", 7, (1, 2)]), np.dtype(object), [7]),
    (_ids_case([0, 2**70, 1]), np.dtype(object), [2**70]),
    (sp.csr_array(nx.to_scipy_sparse_array(P(3))), np.dtype(np.int64), [1]),
    (gm.from_edges([[0, 1], [1, 2]]), np.dtype(np.int64), [1]),
])
def test_indices_follow_the_one_rule(graph, dtype, want):
    """docs/ids.md: a 1-D ndarray -- networkx labels (no lossy conversion), else int64 ids;
    a list of those per channel; `Peaks.names` the same labels, `Peaks.nodes` int64 positions."""
    got = gm.local_maxima(graph, [1, 3, 2], indices=True)
    assert isinstance(got, np.ndarray) and got.ndim == 1 and got.dtype == dtype and got.tolist() == want
    multi = gm.local_maxima(graph, np.array([[1, 3], [3, 1], [2, 2]]), indices=True)
    assert [m.dtype for m in multi] == [dtype, dtype] and [m.tolist() for m in multi][0] == want
    p = gm.find_peaks(graph, [1, 3, 2])
    assert p.nodes.dtype == np.int64 and p.nodes.tolist() == [1]
    if isinstance(graph, nx.Graph):
        assert p.names.dtype == dtype and p.names.tolist() == want
    else:
        assert p.names is None


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


def test_absurd_integers_are_refused_by_name():
    """hops=2**70 reached the kernels (a numba typing error); values that fit int64 are exact."""
    G = P(4)
    for call in (lambda h: gm.local_maxima(G, [0, 1, 2, 3], hops=h),
                 lambda h: gm.local_minima(G, [0, 1, 2, 3], hops=h, mode="strict"),
                 lambda h: gm.neighborhood(G, hops=h),
                 lambda h: gm.find_peaks(G, [0, 1, 2, 3], hops=h),
                 lambda h: gm.windows.ego_windows(G, [0, 1, 2, 3], hops=h)):
        with pytest.raises(ValueError, match=r"`hops` must be an integer in \[1, 2\*\*63 - 1\], got "
                                             r"1180591620717411303424; a `hops` of at least the number of nodes"):
            call(2**70)
    with pytest.raises(ValueError, match=r"`min_distance` must be an integer in \[0, 2\*\*63 - 1\]"):
        gm.find_peaks(G, [0, 1, 2, 3], min_distance=10**30)
    with pytest.raises(ValueError, match=r"`min_neighbors` must be an integer in \[0, 2\*\*63 - 1\]"):
        gm.local_maxima(G, [0, 1, 2, 3], min_neighbors=2**70)
    whole = gm.local_maxima(G, [0, 1, 2, 3], hops=3, mode="plateau", min_neighbors=2)
    for hops in (2**63 - 1, 2**40):  # as far as paths go
        for mode in MODES:
            np.testing.assert_array_equal(gm.local_maxima(G, [0, 1, 2, 3], hops=hops, mode=mode),
                                          gm.local_maxima(G, [0, 1, 2, 3], hops=3, mode=mode))
        np.testing.assert_array_equal(gm.local_maxima(G, [0, 1, 2, 3], hops=hops, min_neighbors=2), whole)
        assert gm.find_peaks(G, [3, 0, 0, 2], min_distance=hops).nodes.tolist() == [0]
    # an unweighted ball of a huge radius is every node a path reaches
    np.testing.assert_array_equal(gm.local_maxima(G, [0, 3, 1, 2], radius=1e300), [F, T, F, F])


def test_bad_values():
    with pytest.raises(ValueError, match=r"graph has 3 nodes, got 2"):
        gm.local_maxima(P(3), [1, 2])
    with pytest.raises(TypeError, match="complex"):
        gm.local_maxima(P(3), np.ones(3, dtype=complex))
    with pytest.raises(TypeError, match="dtype"):
        gm.local_maxima(P(3), np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, c\)"):
        gm.local_maxima(P(3), np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="contains 1 NaN"):
        gm.local_maxima(P(3), [1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="contains 3 NaN"):  # counted over every channel
        gm.local_maxima(P(3), np.array([[np.nan, 1.0], [2.0, np.nan], [np.nan, 0.5]], dtype=np.float32))


def test_negative_weights_with_radius():
    g = gm.from_edges([[0, 1], [1, 2]], n=3, weights=[1.0, -2.0])
    assert gm.local_maxima(g, [1, 2, 3]).tolist() == [F, F, T]  # weights unused without radius
    with pytest.raises(ValueError, match="finite edge weights >= 0"):
        gm.local_maxima(g, [1, 2, 3], radius=1.0)
    g = gm.from_edges([[0, 1]], n=2, weights=[math.inf])
    with pytest.raises(ValueError, match="finite edge weights"):
        gm.local_maxima(g, [1, 2], radius=1.0)


# -- a raw scipy CSR straight into the kernel (validation fused with the scan) -----------------
@st.composite
def raw_csr(draw, max_n=9):
    """A scipy CSR built from its arrays as given: rows may be unsorted, hold
    duplicates, self-loops, stored zeros or NaN -- or be perfectly clean."""
    n = draw(st.integers(1, max_n))
    rows = []
    for v in range(n):
        cols = draw(st.lists(st.integers(0, n - 1), max_size=4))
        if draw(st.booleans()):  # most rows clean: sorted, unique, no diagonal
            cols = sorted(set(c for c in cols if c != v))
        rows.append(cols)
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.array([c for r in rows for c in r], dtype=np.int64)
    kind = draw(st.sampled_from(["ones", "weights", "zeros", "nan", "bool"]))
    m = indices.size
    if kind == "bool":
        data = np.ones(m, dtype=bool)
    else:
        data = np.array([draw(st.sampled_from([1.0, 2.5] + ([0.0] if kind == "zeros" else [])
                                              + ([math.nan] if kind == "nan" else []))) for _ in range(m)])
        if kind == "ones":
            data[:] = 1.0
        data = data.astype(draw(st.sampled_from([np.float64, np.float32])))  # both read as they are
    idx = draw(st.sampled_from([np.int32, np.int64]))
    return sp.csr_array((data, indices.astype(idx), indptr.astype(idx)), shape=(n, n))


@FAST
@given(a=raw_csr(), data=st.data())
def test_raw_csr_matches_reference(a, data, monkeypatch_module):
    """Any CSR, clean or not, gives the reference answer; the fused kernel
    says 'clean' exactly when the matrix needs no cleaning (in plateau mode:
    and no candidate meets a tie, which distinct values rule out)."""
    calls = monkeypatch_module
    n = a.shape[0]
    distinct = data.draw(st.booleans())
    if distinct:
        x = np.random.default_rng(n).permutation(n)
    else:
        x = np.array([data.draw(st.integers(0, 3)) for _ in range(n)], dtype=np.int64)
    mode = data.draw(st.sampled_from(("strict", "nonstrict", "plateau")))
    min_neighbors = data.draw(st.integers(0, 1))
    before = (a.indptr.copy(), a.indices.copy(), a.data.copy())
    calls.clear()
    if np.isnan(a.data).any():
        with pytest.raises(ValueError, match="NaN"):
            gm.local_maxima(a, x, mode=mode, min_neighbors=min_neighbors)
        assert calls == [False]
        return
    got = gm.local_maxima(a, x, mode=mode, min_neighbors=min_neighbors)
    coo = a.tocoo()
    edges = [(int(r), int(c)) for r, c, d in zip(coo.row, coo.col, coo.data) if d != 0]
    assert got.tolist() == ref.local_maxima(n, edges, x.tolist(), mode=mode, min_neighbors=min_neighbors)
    rows_clean = all(
        np.all(np.diff(a.indices[a.indptr[v]:a.indptr[v + 1]]) > 0)
        and v not in a.indices[a.indptr[v]:a.indptr[v + 1]] for v in range(n)
    )
    clean = bool(rows_clean and (a.data != 0).all())
    if mode != "plateau" or distinct:
        assert calls == [clean]
    else:
        assert calls in ([False], [clean])
    for old, new in zip(before, (a.indptr, a.indices, a.data)):
        np.testing.assert_array_equal(old, new)  # inputs are never modified


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Records the `clean` verdict of every `raw_both_compare` call (hypothesis
    forbids function-scoped fixtures in @given tests)."""
    from graphmax import _kernels

    calls = []
    real = _kernels.raw_both_compare

    def spy(*args):
        clean, mask = real(*args)
        calls.append(bool(clean))
        return clean, mask

    mp = pytest.MonkeyPatch()
    mp.setattr(_kernels, "raw_both_compare", spy)
    yield calls
    mp.undo()


@pytest.mark.parametrize("edges, x", [
    # 1's only neighbour, 2, ties it; 2 loses to 0, whose entry is read first.
    ([(0, 2), (1, 2)], [5, 3, 3]),
    # 0 has no out-neighbours; its equal in-neighbour 1 loses to 2.
    ([(1, 0), (1, 2)], [3, 3, 5]),
])
@pytest.mark.parametrize("as_raw", [True, False])
def test_plateau_ties_on_directed_entries(edges, x, as_raw):
    """Plateau mode on a matrix of unknown symmetry tries the nonstrict passes
    first; a tie seen from either end of an entry must send it to the plateau
    algorithm (here the tied pair's plateau has a higher neighbour)."""
    n = len(x)
    rows, cols = zip(*edges)
    a = sp.csr_array((np.ones(len(edges)), (rows, cols)), shape=(n, n))
    graph = a if as_raw else gm.Graph(n, a.indptr, a.indices)
    want = ref.local_maxima(n, edges, x, mode="plateau", min_neighbors=0)
    assert gm.local_maxima(graph, np.array(x), mode="plateau", min_neighbors=0).tolist() == want
    assert want == [True, False, False] if x[0] == 5 else want == [False, False, True]


def test_raw_csr_kernel_rejects_broken_arrays():
    """Out-of-range indices or a bad indptr are caught before any value is read through them."""
    from graphmax import _kernels

    x = np.array([1.0, 2.0, 3.0])
    q = _kernels.value_buckets(x)
    ok = (np.array([0, 1, 2, 2]), np.array([1, 2]), np.ones(2))
    assert _kernels.raw_both_compare(*ok, x, q, 1, False, False)[0]
    for indptr, indices in [
        ([0, 1, 2, 2], [1, 7]),  # index past n
        ([0, 1, 2, 2], [1, -1]),  # negative index
        ([0, 2, 1, 2], [1, 2]),  # indptr decreasing
        ([1, 1, 2, 2], [1, 2]),  # indptr not starting at 0
        ([0, 1, 2, 3], [1, 2]),  # indptr past the end of indices
    ]:
        clean, _ = _kernels.raw_both_compare(np.array(indptr), np.array(indices), np.ones(len(indices)), x, q, 1, False, False)
        assert not clean, (indptr, indices)
    # A row long enough for the branch-free probe of its first four entries:
    # node 0 is the lowest, so without the bounds check the probe would decide
    # its row on the valid entries and never look at the bad one.
    x = np.arange(6.0)
    q = _kernels.value_buckets(x)
    for bad in (99, -1, 10**9):
        indices = np.array([1, 2, 3, bad, 5])
        clean, _ = _kernels.raw_both_compare(np.array([0, 5, 5, 5, 5, 5, 5]), indices, np.ones(5), x, q, 1, False, False)
        assert not clean, bad
    # Rows shorter than the probe are probed whole (`_probe_short`), just as checked.
    for bad in (99, -1, 10**9):
        for row in ([bad], [1, bad], [1, 2, bad], [bad, 2, 3]):
            indptr = np.array([0, len(row)] + [len(row)] * 5)
            clean, _ = _kernels.raw_both_compare(indptr, np.array(row), np.ones(len(row)), x, q, 1, False, False)
            assert not clean, row


def test_raw_csr_other_arguments_take_the_general_path():
    """Hops, direction and NaN values never reach the raw kernel; these calls and plateau mode agree with a Graph."""
    rng = np.random.default_rng(3)
    a = sp.random_array((50, 50), density=0.1, random_state=4, format="csr")
    a = (a + a.T).tocsr()
    a.setdiag(0)
    a.eliminate_zeros()
    g = gm.as_graph(a)
    x = rng.integers(0, 4, 50).astype(float)
    for kw in [{}, {"mode": "plateau"}, {"hops": 2, "mode": "strict"}, {"direction": "out", "mode": "strict"},
               {"mode": "strict", "min_neighbors": 2}, {"mode": "strict", "indices": True}]:
        np.testing.assert_array_equal(gm.local_maxima(a, x, **kw), gm.local_maxima(g, x, **kw))
    x[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        gm.local_maxima(a, x, mode="strict")


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 1000, 200_003])
def test_value_buckets_are_monotone(n):
    """``q[u] < q[v]`` implies ``x[u] < x[v]``; -inf and +inf take the end buckets;
    the finite range matches numpy's, wherever the extremes sit among the
    kernel's parts and lanes."""
    from graphmax import _kernels
    from graphmax._kernels import buckets

    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    if n > 8:
        x[rng.integers(0, n, 3)] = [np.inf, -np.inf, np.inf]
        x[n // 2 - 1] = 1e6  # the extremes away from the ends
        x[-1] = -1e6
    finite = x[np.isfinite(x)]
    want = (finite.min(), finite.max()) if finite.size else (np.inf, -np.inf)
    assert buckets._finite_range(x) == want
    q = _kernels.value_buckets(x)
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(q[order].astype(int)) >= 0)
    assert np.all(q[x == -np.inf] == 0) and np.all(q[x == np.inf] == 255)
    assert np.all((q[np.isfinite(x)] >= 1) & (q[np.isfinite(x)] <= 254))
    if finite.size and finite.max() > finite.min():  # the finite range spans every bucket
        assert np.all(q[x == finite.min()] == 1) and np.all(q[x == finite.max()] == 254)


def test_the_old_spellings_are_deprecated_aliases():
    G = nx.path_graph(4)
    g = gm.as_graph(G)
    with pytest.warns(DeprecationWarning, match="use `graphmax.neighborhood`"):
        old = gm.neighbourhood(G, hops=2)
    new = gm.neighborhood(G, hops=2)
    assert all(np.array_equal(a, b) for a, b in zip(old, new))
    with pytest.warns(DeprecationWarning, match="use `Graph.neighbors`"):
        old = g.neighbours("in")
    assert all(np.array_equal(a, b) for a, b in zip(old, g.neighbors("in")) if a is not None)
