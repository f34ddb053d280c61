"""The speed suite (benchmarks/speed.py): every path runs and every peer agrees with graphmax.

No timing is asserted anywhere: only that the files are written, that each
peer returns graphmax's mask where it claims the same semantics, and that a
disagreement or a missing package is reported as it should be.
"""

import dataclasses
import json
import sys

import numpy as np
import pytest

import graphmax as gm
from benchmarks import peers, speed
from graphmax import grid

OUTPUTS = ("speed.json", "speed.md", "speed_graphs.png", "speed_images.png")
SMALL_CASE = ["--cases", "power-law 10k"]  # one graph case, for the runs that test error paths


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("speed")
    return speed.main(["--quick", "--out", out]), out


# -- the quick run ------------------------------------------------------------------------------
def test_quick_run_writes_every_file(quick_run):
    rc, out = quick_run
    assert rc == 0
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert (out / "speed_graphs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"
    markdown = (out / "speed.md").read_text()
    assert "## Headline" in markdown and "## Graphs" in markdown and "## Images" in markdown
    assert "## Peaks: grid.find_peaks vs skimage.feature.peak_local_max" in markdown


def test_quick_run_includes_peaks(quick_run):
    _, out = quick_run
    report = json.loads((out / "speed.json").read_text())
    compared = [r for r in report["peaks"] if r["method"].startswith("grid.find_peaks")]
    assert compared and all(r["check"] == "identical coordinates and order" for r in compared)
    pytest.importorskip("gudhi")
    bars = [r for r in report["peaks"] if "GUDHI" in r["case"]]  # issue 17's prominence rows
    assert len(bars) == 2 and all(r["check"] == "finite bars equal to GUDHI's" for r in bars)
    assert any(r["metric"].startswith("peak_local_max / grid.find_peaks") for r in report["headline"])


def test_quick_run_json_is_complete(quick_run):
    _, out = quick_run
    report = json.loads((out / "speed.json").read_text())
    assert report["complete"] and report["error"] is None
    assert report["command"].startswith("python -m benchmarks.speed --quick")
    assert report["machine"]["cpu_count"] >= 1
    assert report["threads"]["numba"] >= 1
    sections = {case["section"] for case in report["cases"]}
    assert sections == {"graph", "image", "cold start"}
    families = {case["case"]["family"] for case in report["cases"] if case["section"] == "graph"}
    assert families == set(speed.GRAPH_FAMILIES)
    for case in report["cases"]:
        if case["section"] == "cold start":
            assert case["steps"]["local_maxima_strict_first_s"] > 0
            continue
        assert case["stream"]["best_s"] > 0
        assert case["methods"][0]["status"] == "baseline"
    head = next(c for c in report["cases"] if c["section"] == "graph" and c["case"]["headline"])
    assert {m["call"] for m in head["memory"]} >= {"graphmax local_maxima(mode='strict')"}
    assert head["memory"][0]["int_array_of_E_bytes"] == head["edges"] * np.dtype(head["index_dtype"]).itemsize
    assert report["headline"], "the headline table is empty"
    out_of_cache = [row for row in report["headline"] if row["metric"].startswith("out of cache:")]
    assert len(out_of_cache) == 5 and all(row["value"] != "not measured" for row in out_of_cache), out_of_cache


def test_every_installed_peer_agreed(quick_run):
    _, out = quick_run
    report = json.loads((out / "speed.json").read_text())
    agreed = set()
    for case in report["cases"]:
        for method in case.get("methods", []):
            assert method["status"] in {"baseline", "agrees", "not compared", "skipped"}, method
            if method["status"] in {"not compared", "skipped"}:
                assert method["note"], f"{case['name']}: {method['key']} {method['status']} without a reason"
            if method["status"] == "agrees":
                agreed.add(method["key"])
    installed = {key for key, p in {**peers.GRAPH_PEERS, **peers.IMAGE_PEERS}.items() if p.missing() is None}
    variants = {"graphmax-raw", "graphmax-unknown", "graphmax-plateau", "graphmax-fresh"}
    if peers.missing("torch") is None:
        variants.add("graphmax-edge-index")
    assert installed | variants <= agreed, f"never compared: {sorted((installed | variants) - agreed)}"


# -- error paths ---------------------------------------------------------------------------------
def test_a_disagreeing_peer_aborts_the_run(tmp_path, monkeypatch, capsys):
    honest = peers.GRAPH_PEERS["numpy"]

    def off_by_one(graph, options):
        run = honest.build(graph, options)
        return lambda x: ~run(x)

    monkeypatch.setitem(peers.GRAPH_PEERS, "numpy", dataclasses.replace(honest, build=off_by_one))
    assert speed.main(["--quick", "--out", tmp_path, "--quiet", *SMALL_CASE]) == 1
    assert "disagrees with graphmax" in capsys.readouterr().err
    report = json.loads((tmp_path / "speed.partial.json").read_text())
    assert not report["complete"] and "numpy" in report["error"]
    assert not (tmp_path / "speed.json").exists()  # an unfinished run never writes the results


def test_a_missing_package_skips_its_peer_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphblas", None)  # makes `import graphblas` fail
    assert speed.main(["--quick", "--out", tmp_path, "--quiet", *SMALL_CASE]) == 0
    report = json.loads((tmp_path / "speed.json").read_text())
    (case,) = report["cases"]
    graphblas = next(m for m in case["methods"] if m["key"] == "graphblas")
    assert graphblas["status"] == "skipped" and graphblas["note"] == "python-graphblas not installed"
    assert report["threads"]["graphblas"] is None


def _committed():
    return {p.name: p.read_bytes() for p in speed.DEFAULT_OUT.iterdir() if p.is_file()}


@pytest.mark.parametrize("argv", [["--quick", *SMALL_CASE], ["--quick", "--max-nodes", "5000"]])
def test_a_quick_or_partial_run_writes_no_file_without_out(argv, tmp_path, monkeypatch, capsys):
    before = _committed()
    monkeypatch.chdir(tmp_path)  # run from another folder: nothing there either
    assert speed.main(argv) == 0
    assert _committed() == before
    assert list(tmp_path.iterdir()) == []
    assert "wrote no file" in capsys.readouterr().out


def test_the_cli_quick_run_leaves_the_committed_results(tmp_path, monkeypatch, capsys):
    from graphmax.cli import main

    before = _committed()
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "speed", "--quick", "--quiet", *SMALL_CASE]) == 0
    assert _committed() == before and list(tmp_path.iterdir()) == []


def test_a_partial_run_writes_where_out_says(tmp_path):
    assert speed.main(["--quick", "--quiet", "--out", tmp_path, *SMALL_CASE]) == 0
    assert (tmp_path / "speed.json").is_file() and not (tmp_path / "speed.partial.json").exists()


@pytest.mark.parametrize("argv", [["--repeat", "0"], ["--threads", "0"], ["--max-nodes", "0"],
                                  ["--min-sample-ms", "-1"], ["--min-sample-ms", "nan"]])
def test_bad_options_are_usage_errors(argv):
    with pytest.raises(SystemExit) as exit_info:
        speed.main(argv)
    assert exit_info.value.code == 2


# -- the plan ------------------------------------------------------------------------------------
def _settings(**changes):
    base = speed.Settings(quick=False, repeat=3, min_sample_s=0.02, threads=None, out=speed.DEFAULT_OUT, quiet=True,
                          max_nodes=None, cases=(), seed=0)
    return dataclasses.replace(base, **changes)


def test_full_plan_holds_the_issue_cases():
    names = {case.name for case in speed.plan(_settings())}
    for name in (
        "random 1M deg16 strict", "random 1M deg16 strict hops2", "random 1M deg16 strict hops3",
        "random 1M deg16 plateau int-ties", "random 1M deg64 strict", "random 1k deg16 strict",
        "random 20k deg10 strict", "power-law 1M deg16 strict", "grid 1000x1000 deg4 strict",
        "geometric 1M deg16 strict", "image noise 2048x2048 conn1 plateau", "image moon conn2 plateau",
        "image noise 128x128x128 conn3 plateau", "image noise 128x128x128 conn2 plateau",
        "image smooth 128x128x128 conn2 plateau", "cold start, empty numba cache",
        "random 8M deg16 strict",
    ):
        assert name in names, name
    assert [c.name for c in speed.plan(_settings()) if getattr(c, "out_of_cache", False)] == ["random 8M deg16 strict"]
    headline = [c for c in speed.plan(_settings()) if getattr(c, "headline", False)]
    assert [c.name for c in headline] == ["random 1M deg16 strict"]
    assert {"networkx", "networkx-max"} <= set(next(c for c in speed.graph_plan(False) if c.n == 20_000).peer_keys)


def test_max_nodes_and_cases_filter_the_plan():
    cases = speed.plan(_settings(max_nodes=200_000))
    assert all(c.n <= 200_000 for c in cases if c.section == "graph")
    assert any(c.section == "image" for c in cases)
    only = speed.plan(_settings(cases=("GRID 100x100",)))
    assert [c.name for c in only] == ["grid 100x100 deg4 strict"]


@pytest.mark.parametrize("family", sorted(speed.GRAPH_FAMILIES))
def test_graph_families_are_prepared_as_a_user_prepares_them(family):
    """The "prepared" baseline is a graph known to be symmetric through a documented route
    (``from_edges(..., directed=False)`` or ``to_undirected()``), not through a check some other
    benchmark step happened to trigger; and it is symmetric (scipy's transpose, not graphmax's check)."""
    g = speed.GRAPH_FAMILIES[family](400, 4, np.random.default_rng(0))
    assert g.symmetry_known and g.is_symmetric
    a = g.to_scipy("out")
    assert a.nnz > 0 and (a != a.T).nnz == 0 and a.diagonal().sum() == 0


# -- each peer against graphmax on small awkward inputs -------------------------------------------
def _small_graph(rng, n=60, m=90):
    """Random edges among the first n - 5 nodes: the last five (the last row included) are isolated."""
    src, dst = rng.integers(0, n - 5, m), rng.integers(0, n - 5, m)
    return speed.undirected(src, dst, n)


@pytest.mark.parametrize("key", ["pyg", "graphblas", "numpy", "networkx", "networkx-max"])
@pytest.mark.parametrize("hops", [1, 2, 3])
@pytest.mark.parametrize("values", ["negative floats", "integer ties"])
def test_graph_peer_matches_graphmax_strict(key, hops, values):
    peer = peers.GRAPH_PEERS[key]
    if peer.missing():
        pytest.skip(peer.missing())
    rng = np.random.default_rng(7)
    g = _small_graph(rng)
    x = -rng.random(g.n) if values == "negative floats" else rng.integers(0, 3, g.n)
    options = peers.Options(hops=hops, distinct=speed._distinct(x))
    if peer.skip_reason(options):
        assert key.startswith("networkx") and hops > 1
        return
    indptr, indices, _ = g.neighbors("both")
    mask = peer.build(peers.CSR(g.n, indptr, indices), options)(x)
    expected = gm.local_maxima(g, x, mode="strict", hops=hops)
    if peer.inexact_reason(options):
        assert hops > 1 and values == "integer ties"
    else:
        np.testing.assert_array_equal(np.asarray(mask, dtype=bool), expected)


@pytest.mark.parametrize("levels", [2, 5])
def test_scipy_plateau_peer_matches_graphmax(levels):
    rng = np.random.default_rng(levels)
    g = _small_graph(rng)
    x = rng.integers(0, levels, g.n)
    indptr, indices, _ = g.neighbors("both")
    mask = peers.GRAPH_PEERS["scipy-plateau"].build(peers.CSR(g.n, indptr, indices), peers.Options())(x)
    np.testing.assert_array_equal(mask, gm.local_maxima(g, x, mode="plateau"))


@pytest.mark.parametrize("key", ["skimage", "ndimage-eq", "ndimage-ring", "peak_local_max"])
@pytest.mark.parametrize("shape", [(9, 7), (5, 4, 6)])
@pytest.mark.parametrize("ties", [False, True])
def test_image_peer_matches_grid(key, shape, ties):
    peer = peers.IMAGE_PEERS[key]
    if peer.missing():
        pytest.skip(peer.missing())
    rng = np.random.default_rng(3)
    image = rng.integers(0, 4, shape).astype(np.uint8) if ties else rng.random(shape)
    mode = {"skimage": "plateau", "ndimage-eq": "nonstrict"}.get(key, "strict")
    for connectivity in range(1, len(shape) + 1):
        options = peers.Options(connectivity=connectivity, ndim=len(shape), distinct=not ties)
        if peer.skip_reason(options) or peer.inexact_reason(options):
            assert key == "peak_local_max"
            continue
        mask = peer.build(image, options)(image)
        expected = grid.local_maxima(image, connectivity=connectivity, mode=mode)
        np.testing.assert_array_equal(np.asarray(mask, dtype=bool), expected)


# -- timing samples ------------------------------------------------------------------------------
def test_a_short_call_is_looped_to_fill_a_sample():
    from benchmarks._common import loops_for, time_once

    calls = []
    assert loops_for(lambda: calls.append(1), 0.0) == 1 and not calls  # no probe call when off
    loops = loops_for(lambda: calls.append(1), 0.005)
    assert 1 < loops <= 10_000
    calls.clear()
    per_call = time_once(lambda: calls.append(1), loops)
    assert len(calls) == loops and 0 < per_call < 0.005


def test_a_long_call_is_timed_alone():
    import time

    from benchmarks._common import loops_for

    assert loops_for(lambda: time.sleep(0.002), 0.001) == 1


def test_measure_records_the_loops_of_every_method():
    x = np.arange(6.0)
    calls = {"a": 0, "b": 0}

    def counted(key):
        def call():
            calls[key] += 1
            return x > 2
        return call

    contenders = [speed.Contender("a", "a", "graphmax", counted("a")),
                  speed.Contender("b", "b", "peer", counted("b"))]
    records = speed.measure("tiny", contenders, repeat=2, min_sample_s=0.002)
    for record in records:
        assert record["loops"] > 1 and len(record["times_s"]) == 2
        # warm-up, loop sizing, then two samples of `loops` calls each
        assert calls[record["key"]] == 2 + 2 * record["loops"]
