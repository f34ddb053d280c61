"""Edge lists -- PyG ``edge_index`` / ``Data``, scipy COO -- straight into
`_kernels.edge_compare` (no CSR built), against the brute-force reference and the general path."""

import contextlib
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphmax as gm
from graphmax import _kernels

from . import reference as ref

torch = pytest.importorskip("torch")

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def verdicts():
    """Records the `ok` verdict of every `edge_compare` call."""
    calls = []
    real = _kernels.edge_compare

    def spy(*args):
        ok, mask = real(*args)
        calls.append(bool(ok))
        return ok, mask

    _kernels.edge_compare = spy
    try:
        yield calls
    finally:
        _kernels.edge_compare = real


@st.composite
def edge_lists(draw, max_n=9):
    """Edges among n nodes, the last id used (so n = largest id + 1, PyG's reading of a bare
    edge_index); self-loops and duplicates included."""
    n = draw(st.integers(1, max_n))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    edges = draw(st.lists(pair, max_size=3 * n))
    edges.append((n - 1, draw(st.integers(0, n - 1))))
    return n, edges


def _case(draw_data, n):
    """Values (distinct floats, or small integers with ties), whether distinct, mode, min_neighbors."""
    distinct = draw_data.draw(st.booleans())
    if distinct:
        x = np.random.default_rng(n).permutation(n).astype(np.float64)
    else:
        x = np.array([draw_data.draw(st.integers(0, 3)) for _ in range(n)], dtype=np.int64)
    mode = draw_data.draw(st.sampled_from(("strict", "nonstrict", "plateau")))
    return x, distinct, mode, draw_data.draw(st.integers(0, 1))


@FAST
@given(g=edge_lists(), data=st.data())
def test_edge_index_matches_reference(g, data):
    n, edges = g
    x, distinct, mode, min_neighbors = _case(data, n)
    minima = data.draw(st.booleans())
    ei = torch.tensor(edges, dtype=torch.int64).T.contiguous()
    before = ei.clone()
    f = gm.local_minima if minima else gm.local_maxima
    with verdicts() as calls:
        got = f(ei, x, mode=mode, min_neighbors=min_neighbors)
    xs = (-x if minima else x).tolist()
    assert got.tolist() == ref.local_maxima(n, edges, xs, mode=mode, min_neighbors=min_neighbors)
    assert calls == [True]  # the fast path answered, ties in plateau mode included
    assert torch.equal(ei, before)  # inputs are never modified


def test_data_with_isolated_nodes_and_the_general_path():
    from torch_geometric.data import Data

    rng = np.random.default_rng(3)
    n = 2000
    e = rng.integers(0, n - 100, size=(2, 20000))  # the last 100 nodes are isolated
    x = rng.random(n)
    graph = gm.as_graph(gm.from_edges(e.T, n=n))
    for mode in ("strict", "nonstrict", "plateau"):
        for min_neighbors in (0, 1):
            want = gm.local_maxima(graph, x, mode=mode, min_neighbors=min_neighbors)
            data = Data(edge_index=torch.from_numpy(e), num_nodes=n)
            with verdicts() as calls:
                got = gm.local_maxima(data, x, mode=mode, min_neighbors=min_neighbors)
            assert calls == [True]
            np.testing.assert_array_equal(got, want)
            assert got[-100:].any() == (min_neighbors == 0)
    # edge weights, a second channel or hops > 1: the general path, same answers
    weighted = Data(edge_index=torch.from_numpy(e), num_nodes=n, edge_weight=torch.ones(e.shape[1]))
    with verdicts() as calls:
        np.testing.assert_array_equal(gm.local_maxima(weighted, x), gm.local_maxima(graph, x))
        two = np.stack([x, -x], axis=1)
        np.testing.assert_array_equal(gm.local_maxima(torch.from_numpy(e), two[: e.max() + 1]),
                                      gm.local_maxima(gm.from_edges(e.T), two[: e.max() + 1]))
    assert calls == []


def test_bad_edge_index_gets_the_general_paths_errors():
    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])
    with pytest.raises(ValueError, match=r"`edge_index` node ids must lie in \[0, 2\) since `x` has 2 entries"):
        gm.local_maxima(ei, [1.0, 2.0])  # node 2 has no value
    with pytest.raises(ValueError, match="node ids must lie in"):
        gm.local_maxima(torch.tensor([[0, -1], [1, 0]]), [1.0, 2.0])
    from torch_geometric.data import Data

    with pytest.raises(ValueError, match="node ids must lie in"):
        gm.local_maxima(Data(edge_index=ei, num_nodes=2), [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        gm.local_maxima(ei, [1.0, np.nan, 2.0])


@pytest.mark.parametrize("mode", ["strict", "nonstrict"])
def test_a_winner_whose_only_edge_is_a_tie_in_bucket_or_in_value(mode):
    """Nodes whose only neighbour shares their value bucket (0, 1: exact values
    decide) or their value (4, 5): each still has a neighbour (min_neighbors=1)."""
    edges = [(0, 1), (2, 3), (5, 4)]
    x = np.array([0.5, 0.5 + 1e-9, 0.0, 1.0, 0.25, 0.25])
    ei = torch.tensor(edges).T.contiguous()
    with verdicts() as calls:
        got = gm.local_maxima(ei, x, mode=mode)
    assert calls == [True]
    assert got.tolist() == ref.local_maxima(6, edges, x.tolist(), mode=mode)
    assert got.tolist() == [False, True, False, True, mode == "nonstrict", mode == "nonstrict"]


@FAST
@given(g=edge_lists(), data=st.data())
def test_scipy_coo_matches_reference(g, data):
    """A COO matrix's entries are its edges unless stored zero; NaN entries are an error."""
    n, edges = g
    kind = data.draw(st.sampled_from(["ones", "weights", "zeros", "nan", "bool"]))
    m = len(edges)
    if kind == "bool":  # a False entry is a stored zero
        values = np.array([data.draw(st.booleans()) for _ in range(m)], dtype=bool)
    else:
        choices = [1.0, -2.5] + ([0.0] if kind == "zeros" else []) + ([math.nan] if kind == "nan" else [])
        values = np.array([data.draw(st.sampled_from(choices)) for _ in range(m)])
        if kind == "ones":
            values[:] = 1.0
    idx = data.draw(st.sampled_from([np.int32, np.int64]))
    rows, cols = np.array(edges, dtype=idx).T
    a = sp.coo_array((values, (rows, cols)), shape=(n, n))
    x, distinct, mode, min_neighbors = _case(data, n)
    with verdicts() as calls:
        if np.isnan(values.astype(float)).any():
            with pytest.raises(ValueError, match="NaN"):
                gm.local_maxima(a, x, mode=mode, min_neighbors=min_neighbors)
            assert calls == []
            return
        got = gm.local_maxima(a, x, mode=mode, min_neighbors=min_neighbors)
    kept = [e for e, v in zip(edges, values) if v != 0]
    assert got.tolist() == ref.local_maxima(n, kept, x.tolist(), mode=mode, min_neighbors=min_neighbors)
    clean = bool((values != 0).all())
    assert calls == ([True] if clean else [])


@pytest.mark.parametrize("levels", [2, 6])
@pytest.mark.parametrize("min_neighbors", [0, 1])
def test_plateaus_with_ties_on_a_larger_graph(levels, min_neighbors):
    """Integer values with many equal neighbours: plateaus span many nodes, some
    touch a beaten node; the edge pass and its union-find against the general path."""
    rng = np.random.default_rng(levels)
    n = 3000
    e = rng.integers(0, n, size=(2, 6000))
    x = rng.integers(0, levels, n)
    want = gm.local_maxima(gm.from_edges(e.T, n=n), x, min_neighbors=min_neighbors)
    with verdicts() as calls:
        got = gm.local_maxima(torch.from_numpy(e), x[: e.max() + 1], min_neighbors=min_neighbors)
        coo = gm.local_maxima(sp.coo_array((np.ones(e.shape[1]), (e[0], e[1])), shape=(n, n)), x,
                              min_neighbors=min_neighbors)
    assert calls == [True, True]
    np.testing.assert_array_equal(got, want[: e.max() + 1])
    np.testing.assert_array_equal(coo, want)
    assert want.sum() > 10
