"""`local_maxima`'s route table (graphmax/_maxima.py `ROUTES`): which route each
representative call takes, that no route reaches a kernel the table does not list
for it, that every route answers as the brute-force reference, and that
`warm_up` walks every route."""

import contextlib

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import graphmax as gm
from graphmax import _kernels, _maxima, _warmup

from . import reference as ref

N = 600  # nodes of the "large" graphs: 32 * N stored edges, above SMALL_EDGES
RNG = np.random.default_rng(7)
EDGES = RNG.integers(0, N, (32 * N, 2))
X = RNG.integers(0, 40, N).astype(np.float64)  # ties: plateaus of several nodes
WEIGHTS = RNG.random(len(EDGES))
KARATE = nx.karate_club_graph()
X34 = np.random.default_rng(1).integers(0, 5, 34).astype(np.float64)


def _sym():
    return gm.from_edges(EDGES, n=N, directed=False)


def _torch_edge_index():
    torch = pytest.importorskip("torch")
    return torch.as_tensor(np.ascontiguousarray(EDGES.T))


def _nan(x, at=3):
    x = x.copy()
    x[at] = np.nan
    return x


# (id, graph maker, edges and weights of the reference, n, values, options, routes taken in order)
CALLS = [
    ("prepared-small", lambda: gm.as_graph(KARATE), "karate", 34, X34, {}, ["small"]),
    ("prepared-small-strict", lambda: gm.as_graph(KARATE), "karate", 34, X34, {"mode": "strict"}, ["small"]),
    ("prepared-small-nan-omit", lambda: gm.as_graph(KARATE), "karate", 34, _nan(X34),
     {"nan_policy": "omit"}, ["small", "small"]),  # the direct try meets the NaN; the Graph's route drops it
    ("networkx-small", lambda: KARATE, "karate", 34, X34, {"mode": "nonstrict"}, ["small"]),
    ("raw-csr", lambda: _sym().to_scipy(), "sym", N, X, {"mode": "strict"}, ["raw-csr"]),
    ("raw-csr-float32", lambda: _sym().to_scipy().astype(np.float32), "sym", N, X, {"mode": "nonstrict"},
     ["raw-csr"]),
    ("raw-csr-bool", lambda: _sym().to_scipy().astype(bool), "sym", N, X, {"mode": "strict"}, ["raw-csr"]),
    ("raw-csr-plateau-ties", lambda: _sym().to_scipy(), "sym", N, X, {}, ["raw-csr", "both-scan"]),
    ("raw-csr-duplicates", lambda: sp.csr_array((np.ones(len(EDGES)), (EDGES[:, 0], EDGES[:, 1])), shape=(N, N)),
     "directed", N, X, {"mode": "strict"}, ["raw-csr", "both-scan"]),
    ("coo", lambda: _sym().to_scipy().tocoo(), "sym", N, X, {"mode": "nonstrict"}, ["raw-edges"]),
    ("edge-index", _torch_edge_index, "directed", N, X, {"mode": "strict"}, ["raw-edges"]),
    ("symmetric-strict", _sym, "sym", N, X, {"mode": "strict"}, ["ball"]),
    ("symmetric-plateau", _sym, "sym", N, X, {}, ["ball"]),
    ("directed-strict", lambda: gm.from_edges(EDGES, n=N), "directed", N, X, {"mode": "strict"}, ["both-scan"]),
    ("directed-plateau", lambda: gm.from_edges(EDGES, n=N), "directed", N, X, {}, ["both-scan"]),
    ("hops2-strict", _sym, "sym", N, X, {"mode": "strict", "hops": 2}, ["khop-walk"]),
    ("hops4-nonstrict", _sym, "sym", N, X, {"mode": "nonstrict", "hops": 4}, ["khop-walk"]),
    ("hops2-plateau", _sym, "sym", N, X, {"hops": 2}, ["khop-plateau"]),
    ("hops2-plateau-mn2", _sym, "sym", N, X, {"hops": 2, "min_neighbors": 2}, ["ball"]),
    ("radius-unweighted", _sym, "sym", N, X, {"mode": "strict", "radius": 2.5}, ["khop-walk"]),
    ("radius-weighted", lambda: gm.as_graph(EDGES, n=N, weights=WEIGHTS), "weighted", N, X,
     {"mode": "strict", "radius": 0.4}, ["ball"]),
    ("out", lambda: gm.from_edges(EDGES, n=N), "directed", N, X, {"direction": "out"}, ["ball"]),
    ("min-neighbors-2", _sym, "sym", N, X, {"min_neighbors": 2}, ["ball"]),
    ("two-channels", _sym, "sym", N, np.stack([X, X[::-1]], axis=1), {"mode": "strict"}, ["ball", "ball"]),
]


def _reference(kind, n, x, kw):
    if kind == "karate":
        edges, weights = list(KARATE.edges()), None
        edges += [(b, a) for a, b in edges]
    else:
        edges = [tuple(e) for e in EDGES]
        weights = WEIGHTS if kind == "weighted" else None
        if kind == "sym":
            edges += [(b, a) for a, b in edges]
    kw = dict(kw)
    drop = ()
    if kw.pop("nan_policy", None) == "omit":
        drop = np.flatnonzero(np.isnan(x)).tolist()
    nbrs = ref.neighbour_sets(n, edges, weights=weights,
                              direction=kw.pop("direction", "both"), hops=kw.pop("hops", 1),
                              radius=kw.pop("radius", None), drop=drop)
    x = np.where(np.isnan(x), -np.inf, x)
    got = ref.maxima(nbrs, x.tolist(), kw.pop("mode", "plateau"), kw.pop("min_neighbors", 1))
    assert not kw
    return np.array(got, dtype=bool) & ~np.isin(np.arange(n), drop)


@contextlib.contextmanager
def _recording(monkeypatch):
    """The routes taken and the kernels reached from Python (outermost calls only). Run the
    call once before: kernels compiled while a spy stands in for a kernel they call would
    not type."""
    routes, kernels, depth = [], [], [0]

    def spy(name, f):
        def call(*args, **kwargs):
            if depth[0] == 0:
                kernels.append(name)
            depth[0] += 1
            try:
                return f(*args, **kwargs)
            finally:
                depth[0] -= 1
        return call

    for module in (_kernels,):
        for name, f in list(vars(module).items()):
            if (callable(f) and not isinstance(f, type) and not name.startswith("_")
                    and getattr(f, "__module__", "").startswith("graphmax")):
                monkeypatch.setattr(module, name, spy(name, f))
    monkeypatch.setattr(_maxima, "_trace", routes)
    yield routes, kernels


def test_the_table_is_the_documented_order():
    assert _maxima.ROUTE_NAMES == ("small", "raw-csr", "raw-edges", "khop-walk", "khop-plateau", "both-scan", "ball")
    assert {name for *_, routes in CALLS for name in routes} == set(_maxima.ROUTE_NAMES)  # no dead row


@pytest.mark.parametrize("name, make, kind, n, x, kw, want", CALLS, ids=[c[0] for c in CALLS])
def test_route_kernels_and_answer(name, make, kind, n, x, kw, want, monkeypatch):
    graph = make()
    gm.local_maxima(graph, x, **kw)  # compiles what the call needs (see `_recording`)
    with _recording(monkeypatch) as (routes, kernels):
        got = gm.local_maxima(graph, x, **kw)
    assert routes == want
    allowed = set(_maxima.GRAPH_KERNELS)
    for route in _maxima.ROUTES:
        if route.name in routes:
            allowed |= set(route.kernels)
    assert set(kernels) <= allowed, f"kernels outside the table for {routes}: {set(kernels) - allowed}"
    if x.ndim == 1:
        np.testing.assert_array_equal(got, _reference(kind, n, x, kw))
    else:
        for c in range(x.shape[1]):
            np.testing.assert_array_equal(got[:, c], _reference(kind, n, x[:, c], kw))


def test_mode_codes_are_the_image_kernels():
    from graphmax._kernels import grid as grid_kernels

    assert _maxima.MODE_CODES == {"strict": grid_kernels.STRICT, "nonstrict": grid_kernels.NONSTRICT,
                                  "plateau": grid_kernels.PLATEAU}


def test_options_are_checked_once_and_by_type():
    o = _maxima.options("strict", 2, None, "out", 0, "omit")
    assert o == _maxima.Options(_maxima.STRICT, 2, None, "out", 0, "omit")
    assert _maxima.options("strict", 2, None, "out", 0, "omit") is o  # cached
    with pytest.raises(ValueError, match="`hops`"):
        _maxima.options("strict", True, None, "both", 1, "raise")  # True == 1, but not an integer count
    with pytest.raises(ValueError, match="`mode`"):
        _maxima.options(["strict"], 1, None, "both", 1, "raise")  # unhashable: checked uncached


def test_warm_up_walks_every_route(monkeypatch):
    examples = _warmup.route_examples(np.array([0.1, 0.9, 0.3, 0.7, 0.5, 0.2, 0.8, 0.4]))
    assert [name for name, _ in examples] == list(_maxima.ROUTE_NAMES)
    for name, call in examples:
        routes = []
        monkeypatch.setattr(_maxima, "_trace", routes)
        call()
        assert routes and set(routes) == {name}, (name, routes)


def test_the_large_graphs_are_above_the_small_route():
    """The rows after "small" are pinned on graphs that really are larger than SMALL_EDGES."""
    assert gm.from_edges(EDGES, n=N).num_edges >= _maxima.SMALL_EDGES
