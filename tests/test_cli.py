"""Tests for the ``graphmax`` command line (graphmax.cli)."""

import csv
import io
import json
import os
import pathlib
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

import graphmax
import graphmax._io_write as gio_write
import graphmax.io as gio
from graphmax.cli import main

DATA = pathlib.Path(__file__).resolve().parents[1] / "examples" / "data"
KARATE_EDGES = str(DATA / "karate_edges.csv")
KARATE_VALUES = str(DATA / "karate_values.csv")
TRAIL_EDGES = str(DATA / "weighted_edges.tsv")
TRAIL_VALUES = str(DATA / "weighted_values.tsv")
KV = ["maxima", KARATE_EDGES, KARATE_VALUES]


def karate_values():
    return gio.read_values(KARATE_VALUES, names=range(34))


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def parse_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


# -- results ----------------------------------------------------------------------
def test_maxima_of_bundled_example(capsys):
    code, out, err = run(capsys, "maxima", KARATE_EDGES, KARATE_VALUES)
    assert code == 0 and err == ""
    x = karate_values()
    expected = graphmax.local_maxima(nx.karate_club_graph(), x, indices=True)
    rows = parse_csv(out)
    assert [int(r["node"]) for r in rows] == list(expected) == [0, 33]
    assert [float(r["value"]) for r in rows] == x[expected].tolist()


@pytest.mark.parametrize(
    "options, kwargs",
    [
        ([], {}),
        (["--mode", "strict"], {"mode": "strict"}),
        (["--mode", "nonstrict", "--hops", "2"], {"mode": "nonstrict", "hops": 2}),
        (["--min-neighbors", "3"], {"min_neighbors": 3}),
        (["--radius", "1.5"], {"radius": 1.5}),
        (["--minima"], {"minima": True}),
        (["--minima", "--mode", "strict", "--hops", "2"], {"minima": True, "mode": "strict", "hops": 2}),
    ],
)
def test_all_flags_equal_library(capsys, options, kwargs):
    code, out, _ = run(capsys, "maxima", KARATE_EDGES, KARATE_VALUES, "--all", *options)
    assert code == 0
    find = graphmax.local_minima if kwargs.pop("minima", False) else graphmax.local_maxima
    karate = graphmax.as_graph(nx.karate_club_graph(), weight=None)  # the CSV has no weights
    expected = find(karate, karate_values(), **kwargs)
    rows = parse_csv(out)
    flag = "is_min" if find is graphmax.local_minima else "is_max"
    assert list(rows[0]) == ["node", "value", flag]
    assert [r["node"] for r in rows] == [str(v) for v in range(34)]
    assert [r[flag] == "True" for r in rows] == expected.tolist()


def test_labels_map_back_with_weights_and_radius(capsys):
    code, out, _ = run(capsys, "maxima", TRAIL_EDGES, TRAIL_VALUES, "--radius", "5", "--all")
    assert code == 0
    g = gio.read_graph(TRAIL_EDGES)
    x = gio.read_values(TRAIL_VALUES, names=g.names)
    expected = graphmax.local_maxima(g, x, radius=5)
    rows = parse_csv(out)
    assert [r["node"] for r in rows] == g.names
    assert [int(r["value"]) for r in rows] == x.tolist()
    assert [r["is_max"] == "True" for r in rows] == expected.tolist()
    # weights matter: unit weights give a different answer here
    unit = gio.read_graph(TRAIL_EDGES, weight_column=False)
    assert not np.array_equal(expected, graphmax.local_maxima(unit, x, radius=5))


def test_directed_out_direction(tmp_path, capsys):
    (tmp_path / "g.csv").write_text("a,b\nb,c\n")
    (tmp_path / "x.csv").write_text("node,value\nc,1\nb,2\na,3\n")
    argv = ["maxima", tmp_path / "g.csv", tmp_path / "x.csv", "--direction", "out"]
    code, out, _ = run(capsys, *argv, "--directed")
    assert code == 0
    assert [r["node"] for r in parse_csv(out)] == ["a", "b"]
    code, out, _ = run(capsys, *argv)
    assert [r["node"] for r in parse_csv(out)] == ["a"]  # undirected edge list


def test_nan_policy_omit(tmp_path, capsys):
    (tmp_path / "g.csv").write_text("0,1\n1,2\n2,3\n")
    (tmp_path / "x.csv").write_text("1\n5\nnan\n4\n")
    argv = ["maxima", tmp_path / "g.csv", tmp_path / "x.csv"]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "NaN" in err
    code, out, _ = run(capsys, *argv, "--nan-policy", "omit", "--all")
    assert code == 0
    assert [(r["value"], r["is_max"]) for r in parse_csv(out)] == [
        ("1.0", "False"), ("5.0", "True"), ("nan", "False"), ("4.0", "False")
    ]


def test_npy_channel_and_column(tmp_path, capsys):
    x = np.stack([karate_values(), -karate_values()], axis=1)
    np.save(tmp_path / "x.npy", x)
    code, out, _ = run(capsys, "maxima", KARATE_EDGES, tmp_path / "x.npy", "--column", "1")
    assert code == 0
    expected = graphmax.local_maxima(nx.karate_club_graph(), x[:, 1], indices=True)
    assert [int(r["node"]) for r in parse_csv(out)] == list(expected)
    code, _, err = run(capsys, "maxima", KARATE_EDGES, tmp_path / "x.npy")
    assert code == 2 and "has 2 channels" in err and "--column" in err


def test_value_column_by_name(tmp_path, capsys):
    (tmp_path / "x.csv").write_text("node,a,b\n0,1,3\n1,2,2\n2,3,1\n")
    (tmp_path / "g.csv").write_text("0,1\n1,2\n")
    code, out, _ = run(capsys, "maxima", tmp_path / "g.csv", tmp_path / "x.csv", "--column", "b")
    assert code == 0 and parse_csv(out) == [{"node": "0", "value": "3"}]


def test_matrix_and_networkx_formats(tmp_path, capsys):
    import scipy.io

    G = nx.relabel_nodes(nx.karate_club_graph(), {v: f"m{v}" for v in range(34)})
    nx.write_graphml(G, tmp_path / "k.graphml")
    x = karate_values()
    (tmp_path / "x.csv").write_text("node,value\n" + "".join(f"m{v},{x[v]}\n" for v in reversed(range(34))))
    code, out, _ = run(capsys, "maxima", tmp_path / "k.graphml", tmp_path / "x.csv", "--mode", "strict")
    expected = graphmax.local_maxima(G, x, mode="strict", indices=True).tolist()
    assert code == 0 and [r["node"] for r in parse_csv(out)] == expected == ["m0", "m33"]

    scipy.io.mmwrite(tmp_path / "k.mtx", nx.to_scipy_sparse_array(nx.karate_club_graph()))
    np.save(tmp_path / "x.npy", x)
    code, out, _ = run(capsys, "maxima", tmp_path / "k.mtx", tmp_path / "x.npy", "--radius", "4", "--all")
    expected = graphmax.local_maxima(nx.karate_club_graph(), x, radius=4)  # weighted: radius uses them
    assert code == 0 and [r["is_max"] == "True" for r in parse_csv(out)] == expected.tolist()
    code, out, _ = run(capsys, "maxima", tmp_path / "k.mtx", tmp_path / "x.npy", "--radius", "4", "--all",
                       "--weight-column", "none")
    unweighted = graphmax.local_maxima(graphmax.as_graph(nx.karate_club_graph(), weight=None), x, radius=4)
    assert code == 0 and [r["is_max"] == "True" for r in parse_csv(out)] == unweighted.tolist()


def test_works_without_pandas(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now fails
    code, out, _ = run(capsys, *KV)
    assert code == 0 and [r["node"] for r in parse_csv(out)] == ["0", "33"]


# -- output ---------------------------------------------------------------------
def test_output_files(tmp_path, capsys):
    code, out, _ = run(capsys, "maxima", KARATE_EDGES, KARATE_VALUES, "-o", tmp_path / "r.csv")
    assert code == 0 and out == ""
    assert [r["node"] for r in parse_csv((tmp_path / "r.csv").read_text())] == ["0", "33"]
    code, _, _ = run(capsys, "maxima", KARATE_EDGES, KARATE_VALUES, "--all", "-o", tmp_path / "r.json")
    records = json.loads((tmp_path / "r.json").read_text())
    assert code == 0 and len(records) == 34 and records[0] == {"node": 0, "value": 0.484848, "is_max": True}
    code, _, _ = run(capsys, *KV, "--format", "json", "-o", tmp_path / "r.dat")
    assert code == 0 and json.loads((tmp_path / "r.dat").read_text())[1]["node"] == 33


def test_json_to_stdout(capsys):
    code, out, _ = run(capsys, "maxima", TRAIL_EDGES, TRAIL_VALUES, "--format", "json", "-o", "-")
    assert code == 0
    assert json.loads(out) == [{"node": "cedarfell", "value": 655}, {"node": "fernhill", "value": 515}]


def test_failed_write_leaves_nothing(tmp_path, capsys, monkeypatch):
    out = tmp_path / "r.csv"

    def fail_midway(file, names, lists, delimiter):
        file.write("node,value\n0,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gio_write, "_write_csv", fail_midway)
    code, _, err = run(capsys, "maxima", KARATE_EDGES, KARATE_VALUES, "-o", out)
    assert code == 2
    assert err.startswith("graphmax: error: ") and "No space left on device" in err
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_input(tmp_path, capsys):
    values = tmp_path / "x.csv"
    values.write_text(pathlib.Path(KARATE_VALUES).read_text())
    before = values.read_text()
    code, _, err = run(capsys, "maxima", KARATE_EDGES, values, "-o", values)
    assert code == 2 and "refusing to overwrite the input file" in err
    assert values.read_text() == before


# -- errors -------------------------------------------------------------------
@pytest.fixture
def files(tmp_path):
    def make(name, text):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return make


ERROR_CASES = [  # (argv given a file maker, part of the message)
    (lambda f: ["maxima", "missing.csv", KARATE_VALUES], "graph file not found: 'missing.csv'"),
    (lambda f: ["maxima", KARATE_EDGES, "missing.csv"], "values file not found: 'missing.csv'"),
    (lambda f: ["maxima", f("g.xls", "0,1\n"), KARATE_VALUES], "extension '.xls'"),
    (lambda f: ["maxima", f("g.csv", "0,1\n1,2,3\n"), KARATE_VALUES], "line 2: expected 2 fields"),
    (lambda f: ["maxima", KARATE_EDGES, f("x.csv", "node,value\n0,a\n")], "must hold numbers, got 'a'"),
    (lambda f: ["maxima", KARATE_EDGES, f("x.csv", "1\n2\n")], "has 2 values (node ids 0..1 in order), but the graph has node id 33"),
    (lambda f: ["maxima", KARATE_EDGES, f("x.csv", "node,value\n0,1\n")], "gives no value for 33 of the graph's 34"),
    (lambda f: [*KV, "--column", "zz"], "has no column 'zz'"),
    (lambda f: [*KV, "--weight-column", "w"], "has no column 'w'; its columns are ['source', 'target']"),
    (lambda f: [*KV, "-o", "result.xml"], "cannot tell the output format"),
    (lambda f: [*KV, "-o", "/nonexistent/dir/r.csv"], "-o '/nonexistent/dir/r.csv': the folder '/nonexistent/dir' does not exist"),
    (lambda f: ["maxima", f("g.csv", "0,1,-1\n1,2,1\n"), f("x.csv", "1\n2\n3\n"), "--radius", "1"], "weights >= 0"),
    (lambda f: [*KV, "--mode", "loose"], "argument --mode: invalid choice: 'loose'"),
    (lambda f: [*KV, "--hops", "0"], "argument --hops: expected an integer >= 1, got 0"),
    (lambda f: [*KV, "--radius", "-1"], "argument --radius: expected a finite number >= 0"),
    (lambda f: [*KV, "--hops", "2", "--radius", "1"], "not allowed with argument"),
    (lambda f: ["maxima", KARATE_EDGES], "the following arguments are required: VALUES"),
    (lambda f: [*KV, "--bogus"], "unrecognized arguments: --bogus"),
    (lambda f: [], "the following arguments are required: COMMAND"),
    (lambda f: ["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize("make_argv, message", ERROR_CASES)
def test_errors_exit_2_with_message(files, capsys, make_argv, message):
    code, out, err = run(capsys, *make_argv(files))
    assert code == 2
    assert out == ""
    assert "graphmax: error: " in err and message in err
    assert err.rstrip("\n").splitlines()[-1].startswith("graphmax: error: ")
    assert "Traceback" not in err


def test_directory_as_graph(tmp_path, capsys):
    code, _, err = run(capsys, "maxima", tmp_path, KARATE_VALUES)
    assert code == 2 and "is a directory" in err


def test_unreadable_file(tmp_path, capsys):
    path = tmp_path / "g.csv"
    path.write_text("0,1\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # running as root
        pytest.skip("file permissions are not enforced for this user")
    code, _, err = run(capsys, "maxima", path, KARATE_VALUES)
    assert code == 2 and "Permission denied" in err


# -- help and version ----------------------------------------------------------
def test_help(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "maxima" in out and "examples:" in out
    code, out, _ = run(capsys, "maxima", "--help")
    assert code == 0
    for option in (
        "--mode", "--hops", "--radius", "--direction", "--minima", "--min-neighbors", "--nan-policy",
        "--directed", "--weight-column", "--graph-format", "--column", "--all", "--output", "--format",
    ):
        assert option in out
    assert "examples:" in out and "graphmax maxima examples/data/karate_edges.csv" in out


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"graphmax {graphmax.__version__}"


# -- the installed console script ----------------------------------------------
def _console_script():
    script = pathlib.Path(sys.executable).with_name("graphmax")
    if not script.exists():
        pytest.skip("the graphmax console script is not installed (pip install -e .)")
    return str(script)


def test_cli_imports_no_optional_dependency():
    code = "import sys, graphmax.cli, graphmax.io; print(sorted({'pandas', 'torch', 'matplotlib'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_console_script(tmp_path):
    script = _console_script()
    done = subprocess.run(
        [script, "maxima", KARATE_EDGES, KARATE_VALUES, "-o", str(tmp_path / "r.csv")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [r["node"] for r in parse_csv((tmp_path / "r.csv").read_text())] == ["0", "33"]
    done = subprocess.run(
        [script, "maxima", KARATE_EDGES, "nope.npy"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr == "graphmax: error: values file not found: 'nope.npy'\n"


# -- warmup ------------------------------------------------------------------------------------
def test_warm_up_loads_the_kernels_of_both_value_dtypes():
    from graphmax import _kernels
    from graphmax._kernels import grid as grid_kernels

    seen = []
    steps = graphmax.warm_up(progress=lambda step, seconds: seen.append((step, seconds)))
    assert seen == steps and len(steps) == 3 and all(seconds >= 0 for _, seconds in steps)
    value_dtypes = {str(sig[2].dtype) for sig in _kernels.neighbour_compare.signatures}
    assert {"float64", "int64"} <= value_dtypes
    raw_dtypes = {str(sig[3].dtype) for sig in _kernels.raw_both_compare.signatures}
    assert {str(sig[2].dtype) for sig in _kernels.edge_compare.signatures} >= {"float64", "int64"}
    assert {"float64", "int64"} <= raw_dtypes
    assert {str(sig[2].dtype) for sig in _kernels.small_maxima.signatures} >= {"float64", "int64"}
    assert any(str(sig[0].dtype) == "uint8" for sig in grid_kernels.classify.signatures)
    # Graphs above SMALL_COO edges are built by the kernel, which warm_up's tiny graphs do not reach.
    assert any(str(sig[5].dtype) == "int32" for sig in _kernels.coo_to_csr.signatures)


def test_warm_up_rejects_a_progress_that_is_not_callable():
    with pytest.raises(TypeError, match="`progress` must be callable"):
        graphmax.warm_up(progress="yes")


def test_warmup_command_prints_each_step(capsys):
    assert main(["warmup", "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("compiling (or loading from numba's disk cache)")
    assert len(lines) == 5 and lines[-1].endswith("in all")  # the cache is warm: no kernel compiles
    assert all(line.split()[1] == "s" for line in lines[1:])
    assert main(["warmup", "--quiet", "--jobs", "1"]) == 0
    assert capsys.readouterr().out == ""


def test_warmup_in_two_processes_runs_every_step_once_then_loads_here(capsys):
    """`--jobs 2`: the steps run in child processes (their lines relayed), then this process
    loads every kernel; with the cache warm, nothing compiles anywhere."""
    from graphmax import _warmup

    assert main(["warmup", "--jobs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("2 processes at once")
    steps = [line.split(" s  ", 1)[1] for line in lines[1:-1] if "compiling" not in line]  # any kernel not yet cached
    assert sorted(steps[:-1]) == sorted(name for name, _ in _warmup.steps())
    assert steps[-1] == "loaded in this process" and lines[-1].endswith("in all")


def test_warm_up_groups_balance_the_steps_and_check_jobs():
    from graphmax import _warmup

    assert _warmup._groups((55.0, 40.0, 18.0), 1) == [[2, 1, 0]]
    assert _warmup._groups((55.0, 40.0, 18.0), 2) == [[0], [2, 1]]  # images first: graph kernels load
    assert _warmup._groups((55.0, 40.0, 18.0), 8) == [[0], [1], [2]]
    assert len(_warmup._groups(_warmup.STEP_COSTS, 2)) == 2 and len(_warmup.STEP_COSTS) == len(_warmup.steps())
    with pytest.raises(ValueError, match="`jobs` must be >= 1"):
        graphmax.warm_up(jobs=0)
    with pytest.raises(TypeError, match="`jobs` must be an int"):
        graphmax.warm_up(jobs=2.0)
    assert main(["warmup", "--jobs", "0"]) == 2  # argparse's usage error


def test_warm_up_reports_a_failed_child(tmp_path, monkeypatch):
    """A child process that fails stops the warm-up with its exit status and stderr."""
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'boom from the child' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    with pytest.raises(RuntimeError, match=r"(?s)exited with status 3.*boom from the child"):
        graphmax.warm_up(jobs=2)


def test_warm_up_in_processes_raises_what_progress_raised():
    """An exception in the `progress` callback (called from a reader thread) reaches the caller,
    after every child has finished."""
    def progress(step, seconds):
        raise KeyError(step)

    with pytest.raises(KeyError):
        graphmax.warm_up(jobs=2, progress=progress)
