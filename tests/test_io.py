"""Tests for graphmax.io: graph/value readers and the atomic result writer."""

import gzip
import json
import os
import pathlib

import networkx as nx
import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

import graphmax
import graphmax._io_write as gio_write
import graphmax.io as gio
from graphmax.io import read_graph, read_values, write_result

DATA = pathlib.Path(__file__).resolve().parents[1] / "examples" / "data"


@pytest.fixture(params=["fast", "exact"])
def reader(request, monkeypatch):
    """Run edge-list tests through both the numpy.loadtxt fast path and the csv-module reader."""
    if request.param == "exact":
        monkeypatch.setattr(gio, "_loadtxt_numeric", lambda *args: None)
    return request.param


def same_graph(a, b):
    assert a.n == b.n
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    if a.weights is None or b.weights is None:
        assert a.weights is None and b.weights is None
    else:
        np.testing.assert_array_equal(a.weights, b.weights)
    # A graph without labels is labelled 0..n-1 (networkx input always carries labels).
    assert (a.names or list(range(a.n))) == (b.names or list(range(b.n)))


def write(path, text, compress=False):
    path = pathlib.Path(path)
    if compress:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def edge_text(edges, delimiter=",", header=None, weights=None):
    lines = [] if header is None else [delimiter.join(header)]
    for i, (u, v) in enumerate(edges):
        row = [str(u), str(v)] + ([] if weights is None else [repr(float(weights[i]))])
        lines.append(delimiter.join(row))
    return "\n".join(lines) + "\n"


KARATE = nx.karate_club_graph()
KARATE_EDGES = sorted(KARATE.edges())


# -- edge lists -------------------------------------------------------------
@pytest.mark.parametrize(
    "name, delimiter",
    [("g.csv", ","), ("g.tsv", "\t"), ("g.txt", " "), ("g.edges", "\t"), ("g.csv.gz", ",")],
)
@pytest.mark.parametrize("header", [None, ["source", "target"]])
def test_edge_list_round_trip(tmp_path, reader, name, delimiter, header):
    path = write(tmp_path / name, edge_text(KARATE_EDGES, delimiter, header), compress=name.endswith(".gz"))
    same_graph(read_graph(path), graphmax.as_graph(KARATE, weight=None))


def test_bundled_karate_matches_networkx():
    same_graph(read_graph(DATA / "karate_edges.csv"), graphmax.as_graph(KARATE, weight=None))
    x = read_values(DATA / "karate_values.csv", names=range(34))
    np.testing.assert_allclose(x, [nx.degree_centrality(KARATE)[v] for v in range(34)], atol=1e-6)


def test_bundled_weighted_example():
    g = read_graph(DATA / "weighted_edges.tsv")
    assert g.names[0] == "ashford" and g.weights is not None
    x = read_values(DATA / "weighted_values.tsv", names=g.names)
    assert x.dtype == np.int64 and x.shape == (g.n,)


def test_text_ids_become_labels_in_first_appearance_order(tmp_path, reader):
    path = write(tmp_path / "g.csv", "source,target\nbob,ann\nann,cy\ncy,bob\ndan,bob\n")
    g = read_graph(path)
    assert g.names == ["bob", "ann", "cy", "dan"]
    expected = nx.Graph([("bob", "ann"), ("ann", "cy"), ("cy", "bob"), ("dan", "bob")])
    same_graph(g, graphmax.as_graph(expected))


def test_integer_ids_with_gaps_become_labels(tmp_path, reader):
    g = read_graph(write(tmp_path / "g.txt", "# SNAP style\n10 20\n20 5\n"))
    assert g.names == [10, 20, 5]
    assert isinstance(g.names[0], int)
    same_graph(g, graphmax.as_graph(nx.Graph([(10, 20), (20, 5)])))


def test_mixed_ids_are_all_text(tmp_path, reader):
    g = read_graph(write(tmp_path / "g.csv", "1,a\na,2\n"))
    assert g.names == ["1", "a", "2"]


def test_contiguous_integer_ids_are_indices(tmp_path, reader):
    g = read_graph(write(tmp_path / "g.csv", "2,0\n0,1\n"))
    assert g.names is None and g.n == 3


def test_directed_keeps_source_to_target(tmp_path, reader):
    path = write(tmp_path / "g.csv", "0,1\n1,2\n")
    g = read_graph(path, directed=True)
    same_graph(g, graphmax.from_edges([[0, 1], [1, 2]], n=3))
    assert read_graph(path).is_symmetric
    np.testing.assert_array_equal(
        graphmax.local_maxima(g, [3, 2, 1], direction="out"), [True, True, False]
    )


def test_weights_third_column(tmp_path, reader):
    w = np.array([0.5, 1.25, 3.0])
    path = write(tmp_path / "g.tsv", edge_text([(0, 1), (1, 2), (2, 3)], "\t", ["u", "v", "len"], w))
    g = read_graph(path)
    expected = graphmax.from_edges([[0, 1], [1, 2], [2, 3], [1, 0], [2, 1], [3, 2]], weights=np.tile(w, 2))
    same_graph(g, expected)


def test_weight_column_by_name_index_or_none(tmp_path, reader):
    text = "Source,Target,Type,Weight\n0,1,1,2.5\n1,2,1,4.0\n"
    path = write(tmp_path / "gephi.csv", text)
    g = read_graph(path)  # "Weight" found by name among 4 columns
    assert sorted(g.weights.tolist()) == [2.5, 2.5, 4.0, 4.0]
    same_graph(read_graph(path, weight_column="Weight"), g)
    same_graph(read_graph(path, weight_column=3), g)
    assert read_graph(path, weight_column=False).weights is None
    ones = read_graph(path, weight_column="Type")
    assert ones.weights is None  # all-ones weights are the unweighted graph


def test_parallel_edges_keep_smallest_weight(tmp_path, reader):
    g = read_graph(write(tmp_path / "g.csv", "0,1,5\n1,0,2\n"))
    assert g.weights.tolist() == [2.0, 2.0]


@pytest.mark.parametrize(
    "text, has_header",
    [
        ("0,1\n1,2\n", False),
        ("source,target\n0,1\n", True),
        ("a,b\nb,c\n", False),  # text ids: a first row of ids is data
        ("source,target\na,b\n", True),  # ...unless it is made of header words
        ("x,y\n0,1\n1,2\n", True),  # text above integer ids
        ("a,b,weight\nb,c,1\n", True),  # a weight field that is not a number
        ("a,b,1.5\nb,c,2\n", False),
    ],
)
def test_header_detection(tmp_path, reader, text, has_header):
    g = read_graph(write(tmp_path / "g.csv", text))
    n_rows = text.count("\n") - has_header
    assert g.num_edges == 2 * n_rows


def test_header_can_be_forced(tmp_path, reader):
    path = write(tmp_path / "g.csv", "person1,person2\nann,bob\n")
    assert read_graph(path).names == ["person1", "person2", "ann", "bob"]
    assert read_graph(path, header=True).names == ["ann", "bob"]
    assert read_graph(write(tmp_path / "h.csv", "0,1\n1,2\n"), header=True).n == 2


def test_quoted_fields_and_bom(tmp_path, reader):
    path = tmp_path / "g.csv"
    path.write_bytes('\ufeffsource,target\n"Smith, J","Doe, A"\n'.encode("utf-8"))
    assert read_graph(path).names == ["Smith, J", "Doe, A"]


def test_header_only_edge_list_is_empty_graph(tmp_path, reader):
    assert read_graph(write(tmp_path / "g.csv", "source,target\n")).n == 0


@pytest.mark.parametrize("seed", range(5))
def test_fast_and_exact_readers_agree(tmp_path, monkeypatch, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 30))
    edges = rng.integers(0, n, size=(int(rng.integers(1, 60)), 2))
    weights = rng.random(edges.shape[0]) * 10 if seed % 2 else None
    header = ["source", "target"] + ([] if weights is None else ["w"])
    path = write(tmp_path / "g.csv", edge_text(edges, ",", header, weights))
    fast = read_graph(path, directed=bool(seed % 3))
    monkeypatch.setattr(gio, "_loadtxt_numeric", lambda *args: None)
    same_graph(read_graph(path, directed=bool(seed % 3)), fast)


# -- matrix and networkx formats -------------------------------------------------
def test_matrix_market_round_trip(tmp_path):
    A = nx.to_scipy_sparse_array(KARATE, weight="weight")
    scipy.io.mmwrite(tmp_path / "k.mtx", A)
    same_graph(read_graph(tmp_path / "k.mtx"), graphmax.as_graph(KARATE))
    scipy.io.mmwrite(tmp_path / "ks.mtx", A, symmetry="symmetric")
    same_graph(read_graph(tmp_path / "ks.mtx"), graphmax.as_graph(KARATE))


@pytest.mark.parametrize("weight_column", [None, False])
def test_matrix_market_declared_symmetric_is_known_symmetric(tmp_path, weight_column):
    """A file whose header says "symmetric" stores one triangle: the graph is symmetric by
    construction and known so (no per-call in-neighbour pass); a symmetric matrix written as
    "general", or a skew-symmetric one, is not taken on trust."""
    rng = np.random.default_rng(5)
    r, c = rng.integers(0, 40, (2, 160))
    B = sp.csr_array((rng.random(160) + 0.5, (r, c)), shape=(40, 40))
    A = (B + B.T).tocsr()
    A.setdiag(0)
    A.eliminate_zeros()
    scipy.io.mmwrite(tmp_path / "s.mtx", A, symmetry="symmetric")
    scipy.io.mmwrite(tmp_path / "g.mtx", A, symmetry="general")
    scipy.io.mmwrite(tmp_path / "k.mtx", (B - B.T).tocsr(), symmetry="skew-symmetric")
    g = read_graph(tmp_path / "s.mtx", weight_column=weight_column)
    assert g.symmetry_known
    pattern = g.to_scipy("out")
    assert (pattern != pattern.T).nnz == 0  # scipy's transpose, not graphmax's check
    x = rng.random(40)
    for mode in ("strict", "plateau"):
        np.testing.assert_array_equal(graphmax.local_maxima(g, x, mode=mode), graphmax.local_maxima(A, x, mode=mode))
    assert not read_graph(tmp_path / "g.mtx", weight_column=weight_column).symmetry_known
    skew = read_graph(tmp_path / "k.mtx", weight_column=weight_column)
    assert not skew.symmetry_known
    assert skew.is_symmetric == (weight_column is False)


def test_npz_round_trip_keeps_direction(tmp_path):
    A = sp.csr_array(np.array([[0, 1, 0], [0, 0, 2], [0, 0, 0]], dtype=float))
    sp.save_npz(tmp_path / "a.npz", A)
    g = read_graph(tmp_path / "a.npz")
    same_graph(g, graphmax.as_graph(A))
    assert not g.is_symmetric
    sym = read_graph(tmp_path / "a.npz", directed=False)
    same_graph(sym, graphmax.as_graph(A + A.T))
    assert g.weights is not None and read_graph(tmp_path / "a.npz", weight_column=False).weights is None


def test_graphml_round_trip_labels(tmp_path):
    G = nx.relabel_nodes(KARATE, {v: f"m{v}" for v in KARATE})
    nx.write_graphml(G, tmp_path / "k.graphml")
    g = read_graph(tmp_path / "k.graphml")
    same_graph(g, graphmax.as_graph(G))
    assert g.names[:2] == ["m0", "m1"]
    assert read_graph(tmp_path / "k.graphml", weight_column=False).weights is None


def test_graphml_directed_and_weight_attribute(tmp_path):
    D = nx.DiGraph()
    D.add_edge("a", "b", km=2.0)
    D.add_edge("b", "c", km=3.0)
    nx.write_graphml(D, tmp_path / "d.graphml")
    g = read_graph(tmp_path / "d.graphml", weight_column="km")
    same_graph(g, graphmax.as_graph(D, weight="km"))
    assert not g.is_symmetric
    assert read_graph(tmp_path / "d.graphml", directed=False).is_symmetric
    with pytest.raises(ValueError, match="no edge has the attribute `weight_column`='length'"):
        read_graph(tmp_path / "d.graphml", weight_column="length")


def test_gml_round_trip(tmp_path):
    nx.write_gml(KARATE, tmp_path / "k.gml.gz")
    g = read_graph(tmp_path / "k.gml.gz")
    assert g.names == [str(v) for v in KARATE]
    np.testing.assert_array_equal(g.indices, graphmax.as_graph(KARATE).indices)


# -- graph errors -------------------------------------------------------------
def test_missing_graph_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="graph file not found: .*nope.csv"):
        read_graph(tmp_path / "nope.csv")


def test_graph_path_is_directory(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        read_graph(tmp_path)


@pytest.mark.parametrize(
    "name, text, kwargs, error, match",
    [
        ("g.dat", "0,1\n", {}, ValueError, r"extension '\.dat'.*pass `format`"),
        ("g.csv", "0,1\n", {"format": "xls"}, ValueError, "`format` must be one of"),
        ("g.csv", "0,1\n1,2,3\n", {}, ValueError, r"line 2: expected 2 fields \(as on line 1\), got 3"),
        ("g.csv", "0,1,2\n1,2\n", {}, ValueError, r"line 2: expected 3 fields"),
        ("g.csv", "0\n1\n", {}, ValueError, "at least 2 columns"),
        ("g.csv", "0,1,1.5\n1,2,heavy\n", {}, ValueError, "line 2: column 2 must hold numbers, got 'heavy'"),
        ("g.csv", "0,1,nan\n", {}, ValueError, r"graph file .*`weights` contains NaN"),
        ("g.csv", "a,\nb,c\n", {}, ValueError, "line 1: empty node id"),
        ("g.csv", "0,1,2,3\n", {}, ValueError, "4 columns.*Pass `weight_column`"),
        ("g.csv", "s,t,w\n0,1,2\n", {"weight_column": "km"}, ValueError, r"no column 'km'; its columns are \['s',"),
        ("g.csv", "0,1,2\n", {"weight_column": "w"}, ValueError, "no header row"),
        ("g.csv", "0,1,2\n", {"weight_column": 5}, ValueError, "out of range"),
        ("g.csv", "0,1,2\n", {"weight_column": 1}, ValueError, "source or target column"),
        ("g.csv", "0,1,2\n", {"weight_column": 1.5}, TypeError, "`weight_column` must be a column name"),
        ("g.csv", "0,1\n", {"directed": "yes"}, TypeError, "`directed` must be True, False or None"),
        ("g.mtx", "not a matrix\n", {}, ValueError, "is not a Matrix Market file"),
        ("g.npz", "junk", {}, ValueError, "is not a scipy.sparse.save_npz file"),
        ("g.graphml", "<graphml><oops", {}, ValueError, "is not a valid GRAPHML file"),
        ("g.gml", "graph [ node [ id 0 ] ]", {}, ValueError, "is not a valid GML file"),
        ("g.npz", "junk", {"weight_column": "w"}, ValueError, "weights of 'npz' file"),
        ("g.mtx", "x", {"delimiter": ","}, ValueError, "`delimiter` applies to edge lists only"),
    ],
)
def test_graph_errors(tmp_path, reader, name, text, kwargs, error, match):
    path = write(tmp_path / name, text)
    with pytest.raises(error, match=match) as info:
        read_graph(path, **kwargs)
    if error is ValueError and "format" not in kwargs:
        assert name in str(info.value)


def test_non_utf8_graph_file(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes(b"\xff\xfe0,1\n")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        read_graph(path)


def test_mtx_non_square(tmp_path):
    scipy.io.mmwrite(tmp_path / "r.mtx", sp.coo_array(np.ones((2, 3))))
    with pytest.raises(ValueError, match=r"r\.mtx.*must be square"):
        read_graph(tmp_path / "r.mtx")


# -- values -------------------------------------------------------------------
def test_values_npy(tmp_path):
    x = np.arange(12.0).reshape(4, 3)
    np.save(tmp_path / "x.npy", x)
    np.testing.assert_array_equal(read_values(tmp_path / "x.npy"), x)
    np.testing.assert_array_equal(read_values(tmp_path / "x.npy", column=1), x[:, 1])
    with pytest.raises(ValueError, match=r"has 4 values, but the graph has 5 nodes"):
        read_values(tmp_path / "x.npy", names=range(5))
    with pytest.raises(ValueError, match=r"`column`=3 is out of range .* shape \(4, 3\)"):
        read_values(tmp_path / "x.npy", column=3)
    with pytest.raises(TypeError, match="channel index"):
        read_values(tmp_path / "x.npy", column="a")


def test_values_npy_errors(tmp_path):
    np.save(tmp_path / "c.npy", np.ones(3, dtype=complex))
    with pytest.raises(TypeError, match="must hold bool, integer or float values, got dtype complex128"):
        read_values(tmp_path / "c.npy")
    np.save(tmp_path / "o.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="holds Python objects, not numbers"):
        read_values(tmp_path / "o.npy")
    (tmp_path / "t.npy").write_bytes((tmp_path / "c.npy").read_bytes()[:40])
    with pytest.raises(ValueError, match="is a damaged .npy file"):
        read_values(tmp_path / "t.npy")
    (tmp_path / "n.npy").write_text("1\n2\n")
    with pytest.raises(ValueError, match="is not a .npy file .*save arrays with numpy.save"):
        read_values(tmp_path / "n.npy")


def test_values_single_column(tmp_path):
    assert read_values(write(tmp_path / "x.csv", "3\n1\n2\n")).tolist() == [3, 1, 2]
    x = read_values(write(tmp_path / "y.txt", "value\n0.5\nnan\n-inf\n"))
    assert x.dtype == np.float64 and x[0] == 0.5 and np.isnan(x[1]) and x[2] == -np.inf


def test_values_mapped_by_node_id(tmp_path):
    path = write(tmp_path / "x.csv", "node,value\ncy,3.5\nann,1\nbob,2\n")
    np.testing.assert_array_equal(read_values(path, names=["ann", "bob", "cy"]), [1.0, 2.0, 3.5])
    # integer labels match their text form; no header: two columns are node,value
    path = write(tmp_path / "y.tsv", "20\t7\n5\t8\n10\t9\n")
    np.testing.assert_array_equal(read_values(path, names=[10, 20, 5]), [9, 7, 8])
    np.testing.assert_array_equal(read_values(write(tmp_path / "z.csv", "2,30\n0,10\n1,20\n")), [10, 20, 30])


def test_values_column_choice(tmp_path):
    path = write(tmp_path / "x.csv", "id,degree,score\n1,3,0.5\n0,2,0.25\n")
    np.testing.assert_array_equal(read_values(path, column="score", names=range(2)), [0.25, 0.5])
    np.testing.assert_array_equal(read_values(path, column=1, names=range(2)), [2, 3])
    signals = write(tmp_path / "s.csv", "a,b\n1,2\n3,4\n")  # no node column: rows in node order
    np.testing.assert_array_equal(read_values(signals, column="b"), [2, 4])


@pytest.mark.parametrize(
    "text, kwargs, match",
    [
        ("node,a,b\n0,1,2\n", {}, r"has 2 value columns \['a', 'b'\]; pick one with `column`"),
        ("node,a\n0,1\n", {"column": "z"}, r"has no column 'z'; its columns are \['node', 'a'\]"),
        ("node,a\n0,1\n", {"column": 0}, "is the node-id column"),
        ("node,value\n0,1\n1,high\n", {}, "line 3: column 'value' must hold numbers, got 'high'"),
        ("node,value\n0,1\n1,\n", {}, "line 3: column 'value' must hold numbers, got ''"),
        ("1\n2\n3\n", {"names": range(4)}, "has 3 values, but the graph has 4 nodes"),
        ("node,value\na,1\nb,2\n", {"names": ["a", "b", "c"]}, r"gives no value for 1 of the graph's 3 nodes: 'c'"),
        ("node,value\na,1\nzz,2\n", {"names": ["a"]}, r"1 node id\(s\) are not nodes of the graph: 'zz' \(line 3"),
        ("node,value\na,1\na,2\n", {"names": ["a", "b"]}, r"node 'a' has more than one value \(lines 2 and 3"),
        ("node,value\n0,1\n2,2\n", {}, "node ids must be the integers 0..1"),
        ("node,value\n0,1\n1,2,3\n", {}, "line 3: expected 2 fields"),
        ("", {}, "is empty"),
        ("1,2\n", {"column": "x"}, "no header row"),
    ],
)
def test_value_errors(tmp_path, text, kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        read_values(write(tmp_path / "x.csv", text), **kwargs)
    assert "x.csv" in str(info.value)


def test_value_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="values file not found"):
        read_values(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match=r"extension '\.json'"):
        read_values(write(tmp_path / "x.json", "[1]"))
    with pytest.raises(ValueError, match="not unique as text"):
        read_values(write(tmp_path / "y.csv", "node,value\n1,1\n"), names=[1, "1"])


# -- results --------------------------------------------------------------------
COLUMNS = {
    "node": ["a", "b", "c"],
    "value": np.array([1.5, np.nan, np.inf]),
    "is_max": np.array([True, False, True]),
}


def test_write_csv_and_tsv(tmp_path):
    write_result(tmp_path / "r.csv", COLUMNS)
    assert (tmp_path / "r.csv").read_text() == "node,value,is_max\na,1.5,True\nb,nan,False\nc,inf,True\n"
    write_result(tmp_path / "r.tsv", COLUMNS)
    assert (tmp_path / "r.tsv").read_text().splitlines()[1] == "a\t1.5\tTrue"
    # the values read back
    back = read_values(tmp_path / "r.csv", column="value", names=["a", "b", "c"])
    assert back[0] == 1.5 and np.isnan(back[1]) and back[2] == np.inf


def test_write_json(tmp_path):
    write_result(tmp_path / "r.json", COLUMNS)
    records = json.loads((tmp_path / "r.json").read_text())
    assert records == [
        {"node": "a", "value": 1.5, "is_max": True},
        {"node": "b", "value": "nan", "is_max": False},
        {"node": "c", "value": "inf", "is_max": True},
    ]
    numpy_columns = {"node": np.array([0, 1]), "value": np.array([2, 3], np.uint8)}
    write_result(tmp_path / "r.out", numpy_columns, format="json")
    assert json.loads((tmp_path / "r.out").read_text()) == [{"node": 0, "value": 2}, {"node": 1, "value": 3}]


def test_write_mode_follows_umask(tmp_path):
    write_result(tmp_path / "r.csv", COLUMNS)
    umask = os.umask(0o022)
    os.umask(umask)
    assert (os.stat(tmp_path / "r.csv").st_mode & 0o777) == 0o666 & ~umask


def test_write_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "r.csv"
    out.write_text("old result\n")

    def fail_midway(file, names, lists, delimiter):
        file.write("node,value\na,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gio_write, "_write_csv", fail_midway)
    with pytest.raises(OSError, match="No space left"):
        write_result(out, COLUMNS)
    assert out.read_text() == "old result\n"
    with pytest.raises(OSError):
        write_result(tmp_path / "new.csv", COLUMNS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]  # no partial or temporary file


def test_write_refuses_inputs(tmp_path):
    src = write(tmp_path / "values.csv", "1\n2\n")
    with pytest.raises(ValueError, match="refusing to overwrite the input file"):
        write_result(src, COLUMNS, inputs=[src])
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    with pytest.raises(ValueError, match="refusing to overwrite"):
        write_result(link, COLUMNS, inputs=[str(src)])
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    with pytest.raises(ValueError, match="refusing to overwrite"):
        write_result(hard, COLUMNS, inputs=[src])
    assert src.read_text() == "1\n2\n"


@pytest.mark.parametrize(
    "name, kwargs, error, match",
    [
        ("r.txt", {}, ValueError, r"cannot tell the output format from the extension '\.txt'"),
        ("r.csv", {"format": "xml"}, ValueError, "`format` must be one of"),
        ("missing/r.csv", {}, FileNotFoundError, "the folder .* does not exist"),
        ("r.csv", {"columns": {"a": [1, 2], "b": [1]}}, ValueError, "equal lengths"),
    ],
)
def test_write_errors(tmp_path, name, kwargs, error, match):
    columns = kwargs.pop("columns", COLUMNS)
    with pytest.raises(error, match=match):
        write_result(tmp_path / name, columns, **kwargs)
    assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match="is a folder"):
        write_result(tmp_path, COLUMNS, format="csv")


def test_undirected_edge_list_is_known_symmetric(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("0,1\n1,2\n2,0\n0,1\n")
    g = gio.read_graph(p)
    assert g.symmetry_known and g.is_symmetric and g.num_edges == 6
    directed = gio.read_graph(p, directed=True)
    assert not directed.symmetry_known and directed.num_edges == 3
