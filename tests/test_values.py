"""Every form node values come in (docs/semantics.md §8): keyed values aligned to the nodes,
attribute names, torch tensors of any dtype, PyG ``Batch`` and subclasses, bare ``edge_index``."""

import subprocess
import sys

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import graphmax as gm
from graphmax import _kernels
from graphmax.windows import ego_windows

pd = pytest.importorskip("pandas")

T, F = True, False


def _shuffled_series(G, x, seed=0):
    """`x` (in ``G.nodes`` order) as a Series keyed by node label, rows in a random order."""
    order = np.random.default_rng(seed).permutation(len(x))
    nodes = list(G.nodes)
    return pd.Series([x[i] for i in order], index=[nodes[i] for i in order])


def _labelled_graph(n=30, seed=1):
    """A random graph with string labels, nodes added in a shuffled order."""
    rng = np.random.default_rng(seed)
    base = nx.gnm_random_graph(n, 2 * n, seed=seed)
    G = nx.Graph()
    G.add_nodes_from(f"v{i}" for i in rng.permutation(n))
    G.add_edges_from((f"v{u}", f"v{v}") for u, v in base.edges)
    return G


# -- item 4: keyed values are aligned, never read by position -------------------------------------
def test_the_issues_series_example():
    G = nx.path_graph(["a", "b", "c", "d"])
    x = pd.Series({"d": 4, "c": 1, "b": 3, "a": 0})
    assert gm.local_maxima(G, x, indices=True).tolist() == ["b", "d"]
    assert gm.local_maxima(G, {"d": 4, "c": 1, "b": 3, "a": 0}, indices=True).tolist() == ["b", "d"]


@pytest.mark.parametrize("form", ["series", "dict", "frame_column"])
def test_keyed_values_equal_the_array_in_node_order_everywhere(form):
    G = _labelled_graph()
    x = np.random.default_rng(2).integers(0, 5, G.number_of_nodes())  # ties, so plateaus matter
    series = _shuffled_series(G, x)
    keyed = {"series": series, "dict": dict(series.items()),
             "frame_column": pd.DataFrame({"other": -series, "h": series})["h"]}[form]
    for f in (gm.local_maxima, gm.local_minima):
        for kw in ({}, {"mode": "strict"}, {"hops": 2}):
            np.testing.assert_array_equal(f(G, keyed, **kw), f(G, x, **kw))
    want, got = gm.find_peaks(G, x, return_prominence=True), gm.find_peaks(G, keyed, return_prominence=True)
    assert got.nodes.tolist() == want.nodes.tolist() and got.prominence.tolist() == want.prominence.tolist()
    np.testing.assert_array_equal(gm.prominence(G, keyed), gm.prominence(G, x))
    np.testing.assert_array_equal(ego_windows(G, keyed).values, ego_windows(G, x).values)


def test_a_dataframe_is_aligned_by_its_index_with_a_channel_per_column():
    G = _labelled_graph()
    x = np.random.default_rng(3).random((G.number_of_nodes(), 2))
    frame = pd.DataFrame(x, index=list(G.nodes), columns=["a", "b"]).sample(frac=1.0, random_state=0)
    np.testing.assert_array_equal(gm.local_maxima(G, frame), gm.local_maxima(G, x))
    with pytest.raises(ValueError, match="pass one column"):
        gm.find_peaks(G, frame)


def test_ids_graphs_match_a_series_index_against_node_ids():
    """scipy, edge lists, PyG: no labels, so the index holds the ids 0..n-1 (any order)."""
    rng = np.random.default_rng(4)
    A = sp.random_array((40, 40), density=0.1, format="csr", rng=rng)
    x = rng.random(40)
    s = pd.Series(x).sample(frac=1.0, random_state=1)  # index shuffled with the values
    for graph in (A, A.tocoo(), gm.from_edges(np.argwhere(A.toarray()), n=40)):
        np.testing.assert_array_equal(gm.local_maxima(graph, s), gm.local_maxima(graph, x))
        np.testing.assert_array_equal(gm.local_maxima(graph, dict(s.items())), gm.local_maxima(graph, x))
        np.testing.assert_array_equal(gm.prominence(graph, s), gm.prominence(graph, x))


def test_labels_and_exclude_are_aligned_too():
    G = _labelled_graph()
    rng = np.random.default_rng(5)
    x, labels, exclude = rng.random(30), rng.integers(0, 3, 30), rng.random(30) < 0.2
    want = gm.find_peaks(G, x, labels=labels, exclude=exclude)
    got = gm.find_peaks(G, _shuffled_series(G, x), labels=_shuffled_series(G, labels, seed=1),
                        exclude=dict(_shuffled_series(G, exclude, seed=2).items()))
    assert got.nodes.tolist() == want.nodes.tolist() and got.labels.tolist() == want.labels.tolist()


def test_tuple_labels_from_a_flat_index_or_a_multiindex():
    G = nx.grid_2d_graph(3, 4)
    x = np.random.default_rng(6).random(12)
    flat = _shuffled_series(G, x)
    multi = pd.Series(dict(flat.items()))
    assert isinstance(multi.index, pd.MultiIndex) and not isinstance(flat.index, pd.MultiIndex)
    for s in (flat, multi):
        np.testing.assert_array_equal(gm.local_maxima(G, s), gm.local_maxima(G, x))


@pytest.mark.parametrize("bad, match", [
    ({"a": 0, "b": 3, "c": 1}, r"missing nodes: 1 of 4 \(e.g. 'd'\)"),
    ({"a": 0, "b": 3, "c": 1, "d": 4, "e": 9}, r"keys that are not nodes: 1 of 5 \(e.g. 'e'\)"),
    (pd.Series([0, 3, 1, 4]), r"keyed by node labels; missing nodes: 4 of 4 \(e.g. 'a'\); "
                              r"keys that are not nodes: 4 of 4 \(e.g. 0\)"),
    (pd.Series([0, 3, 1, 4], index=["a", "b", "b", "d"]), "node 'b' appears more than once"),
])
def test_keyed_values_that_do_not_match_the_nodes_are_refused(bad, match):
    G = nx.path_graph(["a", "b", "c", "d"])
    for call in (lambda: gm.local_maxima(G, bad), lambda: gm.find_peaks(G, bad), lambda: gm.prominence(G, bad)):
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(ValueError, match="`labels` is keyed by node"):
        gm.find_peaks(G, [0, 3, 1, 4], labels=bad)


def test_ids_out_of_range_are_refused():
    with pytest.raises(ValueError, match=r"keyed by node ids 0..2; missing nodes: 1 of 3 \(e.g. 0\); "
                                         r"keys that are not nodes: 1 of 3 \(e.g. 3\)"):
        gm.local_maxima(nx.to_scipy_sparse_array(nx.path_graph(3)), pd.Series([1, 2, 3], index=[1, 2, 3]))


# -- item 4: a string names a node attribute --------------------------------------------------------
def test_a_string_names_a_networkx_node_attribute():
    G = _labelled_graph()
    x = np.random.default_rng(7).random(30)
    nx.set_node_attributes(G, dict(zip(G.nodes, x)), "elevation")
    np.testing.assert_array_equal(gm.local_maxima(G, "elevation"), gm.local_maxima(G, x))
    assert gm.find_peaks(G, "elevation").nodes.tolist() == gm.find_peaks(G, x).nodes.tolist()
    np.testing.assert_array_equal(gm.prominence(G, "elevation"), gm.prominence(G, x))
    del G.nodes["v3"]["elevation"]
    with pytest.raises(ValueError, match=r"`x`='elevation' names a node attribute, but 1 of the graph's 30 nodes "
                                         r"lack it \(e.g. node 'v3'\)"):
        gm.local_maxima(G, "elevation")


def test_a_string_names_a_pyg_field():
    torch = pytest.importorskip("torch")
    from torch_geometric.data import Data

    rng = np.random.default_rng(8)
    edge_index = torch.from_numpy(rng.integers(0, 20, (2, 50)))
    h = torch.from_numpy(rng.random(20))
    data = Data(x=h[:, None], h=h, edge_index=edge_index, num_nodes=20)
    want = gm.local_maxima(data, h.numpy())
    np.testing.assert_array_equal(gm.local_maxima(data, "h"), want)
    np.testing.assert_array_equal(gm.local_maxima(data, "x"), want[:, None])  # (n, 1): one channel
    with pytest.raises(ValueError, match=r"`x`='elevation' names a field of the PyG Data, which has no such field"):
        gm.local_maxima(data, "elevation")


def test_a_string_on_a_graph_without_attributes_is_a_type_error():
    with pytest.raises(TypeError, match="`x`='h' names a node attribute, which only a networkx graph or a PyG Data"):
        gm.local_maxima(nx.to_scipy_sparse_array(nx.path_graph(3)), "h")


def test_keyed_values_skip_the_raw_route_and_arrays_keep_it(monkeypatch):
    """A raw CSR with an array takes the compiled raw route; a Series goes through alignment
    (the general path) and gets the same answer."""
    calls = []
    real = _kernels.raw_both_compare
    monkeypatch.setattr(_kernels, "raw_both_compare", lambda *a: calls.append(1) or real(*a))
    A = nx.to_scipy_sparse_array(nx.path_graph(5), format="csr", dtype=np.float64)
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    want = gm.local_maxima(A, x, mode="strict")
    assert calls == [1]
    s = pd.Series(x[::-1], index=range(4, -1, -1))
    np.testing.assert_array_equal(gm.local_maxima(A, s, mode="strict"), want)
    assert calls == [1]


# -- item 8: input kinds by isinstance --------------------------------------------------------------
def test_import_graphmax_imports_no_optional_library():
    code = "import sys, graphmax; print(sorted(m for m in ('torch', 'pandas', 'networkx', 'dask') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_kinds_are_not_sniffed_from_module_names():
    class FakeTensor:
        __module__ = "torch"

        def detach(self):
            raise AssertionError("read as a tensor")

    class FakeData:
        __module__ = "torch_geometric.data"
        edge_index = np.array([[0, 1], [1, 0]])

    with pytest.raises(TypeError, match="`graph` must be"):
        gm.as_graph(FakeData())
    with pytest.raises(TypeError, match="`graph` must be"):
        gm.as_graph(FakeTensor())


def test_networkx_subclasses_are_networkx_graphs():
    class Roads(nx.Graph):
        pass

    G = Roads([("a", "b"), ("b", "c")])
    assert gm.local_maxima(G, [1, 3, 2], indices=True).tolist() == ["b"]
    assert gm.find_peaks(G, [1, 3, 2]).names.tolist() == ["b"]
    np.testing.assert_array_equal(gm.prominence(G, [1, 3, 2]), [0, 2, 0])


def _pyg_graphs(rng, sizes):
    torch = pytest.importorskip("torch")
    from torch_geometric.data import Data

    return [Data(x=torch.from_numpy(rng.integers(0, 4, n).astype(np.float64)),
                 edge_index=torch.from_numpy(rng.integers(0, n, (2, 2 * n))), num_nodes=n) for n in sizes]


def test_a_pyg_batch_is_the_disjoint_union_of_its_graphs():
    pytest.importorskip("torch")
    from torch_geometric.data import Batch
    from torch_geometric.loader import DataLoader

    graphs = _pyg_graphs(np.random.default_rng(9), [7, 1, 12, 5])
    batch = next(iter(DataLoader(graphs, batch_size=4)))
    assert isinstance(batch, Batch)
    offsets = np.cumsum([0] + [d.num_nodes for d in graphs])
    for kw in ({}, {"mode": "strict"}, {"hops": 2}, {"min_neighbors": 0}):
        want = np.concatenate([gm.local_maxima(d, d.x, **kw) for d in graphs])
        np.testing.assert_array_equal(gm.local_maxima(batch, batch.x, **kw), want)
        np.testing.assert_array_equal(gm.local_maxima(batch, "x", **kw), want)
    np.testing.assert_array_equal(gm.prominence(batch, batch.x),
                                  np.concatenate([gm.prominence(d, d.x) for d in graphs]))
    want_peaks = sorted(int(v) + int(o) for d, o in zip(graphs, offsets) for v in gm.find_peaks(d, d.x).nodes)
    assert sorted(gm.find_peaks(batch, batch.x).nodes.tolist()) == want_peaks


def test_data_subclasses_are_data():
    pytest.importorskip("torch")
    from torch_geometric.data import Data

    class Mesh(Data):
        pass

    d = _pyg_graphs(np.random.default_rng(10), [9])[0]
    mesh = Mesh(x=d.x, edge_index=d.edge_index, num_nodes=9)
    np.testing.assert_array_equal(gm.local_maxima(mesh, mesh.x), gm.local_maxima(d, d.x))
    np.testing.assert_array_equal(gm.prominence(mesh, "x"), gm.prominence(d, d.x))


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32", "float64", "int8", "uint8", "int32",
                                   "int64", "bool"])
def test_torch_values_of_every_dtype(dtype):
    torch = pytest.importorskip("torch")
    G = nx.cycle_graph(12)
    base = np.array([3, 0, 7, 7, 1, 9, 2, 2, 5, 0, 4, 1])
    want = base.astype(bool) if dtype == "bool" else base  # every value is exact in every dtype
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        x = torch.tensor(base, dtype=getattr(torch, dtype), device=device)
        for f in (gm.local_maxima, gm.local_minima):
            np.testing.assert_array_equal(f(G, x), f(G, want))
        np.testing.assert_array_equal(gm.prominence(G, x), gm.prominence(G, want))
        assert gm.find_peaks(G, x).nodes.tolist() == gm.find_peaks(G, want).nodes.tolist()
    if x.is_floating_point():
        g = x.clone().requires_grad_(True)  # a tensor that needs grad is read as well
        np.testing.assert_array_equal(gm.local_maxima(G, g), gm.local_maxima(G, want))


def test_bfloat16_values_are_read_exactly():
    """bfloat16 has no numpy dtype: read as float32 (exact), never rounded through float16."""
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0**20, 2.0**20 + 2**13, 1.0], dtype=torch.bfloat16)  # 2**20 overflows float16
    assert gm.local_maxima(nx.path_graph(4), x, indices=True).tolist() == [2]


# -- item 9: a bare edge_index has as many nodes as values ------------------------------------------
def test_a_bare_edge_index_has_len_x_nodes():
    torch = pytest.importorskip("torch")
    ei = torch.tensor([[0, 1, 2], [1, 2, 0]])  # nodes 3 and 4 have no edges
    x = np.array([1.0, 4.0, 2.0, 9.0, 0.0])
    graph = gm.from_edges(ei.numpy().T, n=5)
    for kw in ({}, {"mode": "strict"}, {"min_neighbors": 0}, {"hops": 2}, {"mode": "strict", "min_neighbors": 0}):
        np.testing.assert_array_equal(gm.local_maxima(ei, x, **kw), gm.local_maxima(graph, x, **kw))
    assert gm.local_maxima(ei, x, min_neighbors=0).tolist() == [F, T, F, T, T]
    assert gm.find_peaks(ei, x).nodes.tolist() == [1]
    np.testing.assert_array_equal(gm.prominence(ei, x), gm.prominence(graph, x))
    assert ego_windows(ei, x).values.shape[0] == 5
    with pytest.raises(ValueError, match=r"`edge_index` node ids must lie in \[0, 2\) since `x` has 2 entries"):
        gm.find_peaks(ei, x[:2])
