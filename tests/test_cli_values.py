"""How the command line matches a values file to the graph's nodes (issue 15, item 5):
by id, never by the order in which ids happen to appear in the edge list."""

import csv
import io

import networkx as nx
import numpy as np
import pytest

import graphmax
from graphmax.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(text):
    return [(r["node"], r["value"], r.get("is_max")) for r in csv.DictReader(io.StringIO(text))]


@pytest.fixture()
def write(tmp_path):
    def make(name, text):
        path = tmp_path / name
        path.write_text(text)
        return path

    return make


def test_one_value_per_line_is_by_node_id_not_by_first_appearance(write, capsys):
    edges = write("e.csv", "3,2\n2,1\n")  # ids appear as 3, 2, 1
    values = write("x.csv", "5\n10\n20\n30\n")  # ids 0..3: node 0 appears in no edge
    code, out, err = run(capsys, "maxima", edges, values, "--all")
    assert code == 0, err
    assert rows(out) == [("0", "5", "False"), ("1", "10", "False"), ("2", "20", "False"), ("3", "30", "True")]


def test_one_value_per_line_must_cover_every_id(write, capsys):
    code, _, err = run(capsys, "maxima", write("e.csv", "3,2\n2,1\n"), write("x.csv", "10\n20\n30\n"))
    assert code == 2
    assert "has 3 values (node ids 0..2 in order), but the graph has node id 3" in err


def test_one_value_per_line_is_refused_for_text_ids(write, capsys):
    code, _, err = run(capsys, "maxima", write("e.csv", "a,b\nb,c\n"), write("x.csv", "1\n2\n3\n"))
    assert code == 2
    assert "has no node column" in err and "e.g. 'a'" in err and "'node,value' rows" in err


def test_node_value_rows_are_matched_by_id_and_add_isolated_nodes(write, capsys):
    edges = write("e.csv", "3,2\n2,1\n")
    values = write("x.csv", "node,value\n1,30\n7,1\n3,10\n2,20\n")  # 7: in no edge
    code, out, err = run(capsys, "maxima", edges, values, "--all", "--min-neighbors", "0")
    assert code == 0, err
    # 1-2-3 path with 30, 20, 10: node 1 is the maximum; node 7 is isolated (a maximum with min_neighbors=0)
    assert rows(out) == [("1", "30", "True"), ("2", "20", "False"), ("3", "10", "False"), ("7", "1", "True")]
    G = nx.Graph([(3, 2), (2, 1)])
    G.add_node(7)
    x = {1: 30, 2: 20, 3: 10, 7: 1}
    want = graphmax.local_maxima(G, [x[v] for v in G.nodes], min_neighbors=0, indices=True)
    assert sorted(want) == [int(node) for node, _, flag in rows(out) if flag == "True"]


def test_text_ids_from_the_values_file_only(write, capsys):
    code, out, err = run(capsys, "maxima", write("e.csv", "a,b\nb,c\n"),
                         write("x.csv", "node,value\nc,1\nb,2\na,3\nlonely,9\n"), "--min-neighbors", "0")
    assert code == 0, err
    assert [r[0] for r in rows(out)] == ["a", "lonely"]


def test_a_labels_file_cannot_add_nodes(write, capsys):
    edges = write("e.csv", "0,1\n1,2\n")
    values = write("x.csv", "1\n3\n2\n")
    labels = write("l.csv", "node,label\n0,1\n1,1\n2,1\n9,1\n")
    code, _, err = run(capsys, "peaks", edges, values, "--labels", labels)
    assert code == 2 and "labels file" in err and "'9' (line 5)" in err and "are not nodes of the graph" in err


def test_npy_values_follow_the_same_rule(tmp_path, write, capsys):
    np.save(tmp_path / "x.npy", np.array([0.0, 1.0, 5.0, 2.0]))
    code, out, err = run(capsys, "maxima", write("e.csv", "3,1\n1,2\n"), tmp_path / "x.npy")
    assert code == 0, err
    assert rows(out) == [("2", "5.0", None), ("3", "2.0", None)]  # node 0: isolated, not a maximum
