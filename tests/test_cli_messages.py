"""Clear messages for the mistakes new users make (issue 15): each names the file
or option, what was expected and what to do; and numbers written as they were read."""

import json

import numpy as np
import pytest

from graphmax.cli import main

EDGES = "0,1\n1,2\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def write(tmp_path):
    def make(name, content):
        path = tmp_path / name
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
        return path

    return make


@pytest.mark.parametrize(
    "graph, message",
    [
        ("", "has no edges (an empty file, only a header row, or only self-loops)"),
        ("source,target\n", "has no edges"),
        ("0\t1\n1\t2\n", "contain tabs: is it tab-separated? rename it to .tsv or pass --graph-format tsv"),
        ("a;b\nb;c\n", "contain semicolons: is it semicolon-separated?"),
    ],
)
def test_graph_file_mistakes(write, capsys, graph, message):
    code, out, err = run(capsys, "maxima", write("g.csv", graph), write("x.csv", "1\n2\n3\n"))
    assert code == 2 and out == ""
    assert "graph file" in err and "g.csv" in err and message in err


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not numpy at all", "is not a .npy file (it does not start with numpy's .npy signature"),
        (b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3", "is a damaged .npy file"),
    ],
)
def test_npy_mistakes(write, capsys, content, message):
    path = write("x.npy", content)
    code, _, err = run(capsys, "maxima", write("g.csv", EDGES), path)
    assert code == 2 and "values file" in err and message in err
    code, _, err = run(capsys, "peaks", "--image", path)
    assert code == 2 and "image file" in err and message in err


def test_float32_values_are_written_as_read(write, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.array([0.484849, 0.1, 0.3], dtype=np.float32))
    code, out, _ = run(capsys, "maxima", write("g.csv", EDGES), tmp_path / "x.npy", "--all")
    assert code == 0
    assert out.splitlines()[1:] == ["0,0.484849,True", "1,0.1,False", "2,0.3,True"]


def test_json_keeps_nan_and_infinities_apart(write, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.array([np.inf, 1.0, np.nan, -np.inf]))
    code, out, _ = run(capsys, "maxima", write("g.csv", "0,1\n1,2\n2,3\n"), tmp_path / "x.npy", "--all",
                       "--nan-policy", "omit", "--format", "json")
    assert code == 0
    assert [r["value"] for r in json.loads(out)] == ["inf", 1.0, "nan", "-inf"]
    assert [float(r["value"]) for r in json.loads(out)][::3] == [np.inf, -np.inf]
