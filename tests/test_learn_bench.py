"""benchmarks/learned.py: `--quick` runs every model on every target (harness correctness, not scores),
writes every file atomically with --out, and nothing without it (issue 15 item 2)."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch_geometric")
pytest.importorskip("matplotlib")

import torch  # noqa: E402

from benchmarks import learned  # noqa: E402

OUTPUTS = ("learned.json", "learned.md", "learned_size.png", "learned_shift.png")
ROOT = Path(learned.__file__).resolve().parent.parent
COMMITTED = ROOT / "benchmarks" / "results"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """The documented `--quick` run, once: every model of the registry on every target."""
    out = tmp_path_factory.mktemp("learned")
    previous = torch.get_num_threads()
    rc = learned.main(["--quick", "--quiet", "--out", str(out)])
    assert torch.get_num_threads() == previous
    return rc, out, json.loads((out / "learned.json").read_text())


def test_quick_run_writes_every_file(quick_run):
    rc, out, report = quick_run
    assert rc == 0 and report["complete"] and report["plan_name"] == "quick" and report["partial"]
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert (out / "learned_size.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"
    assert not (out / "learned.parts").exists(), "a quick run keeps its parts in memory"


def test_quick_run_covers_every_model_on_every_target(quick_run):
    _, out, report = quick_run
    from graphmax.learn.models import MODELS
    from graphmax.learn.targets import TARGETS

    assert set(learned.MODELS) == set(MODELS) and set(report["targets"]) == set(TARGETS)
    for tname, models in report["graphs"].items():
        expected = set(MODELS) - ({"oracle"} if TARGETS[tname].mode == "plateau" else set())
        assert set(models) == expected, tname
        for model, runs in models.items():
            sets = runs["0"]["sets"]
            assert set(sets) == {"test", *learned.PLANS["quick"].ood}, (tname, model)
            # the summary holds a bootstrap interval around every mean
            for name, b in report["summary"]["graphs"][tname][model].items():
                for metric in ("accuracy", "exact_match"):
                    assert b[metric]["low"] - 1e-12 <= b[metric]["mean"] <= b[metric]["high"] + 1e-12
            if model == "oracle":  # hand-set and exact: a check of the whole evaluation path
                assert all(s["accuracy"] == 1.0 and s["exact_match"] == 1.0 for s in sets.values()), tname
        # model selection looked at every grid point of every learned model, on validation only
        for model, sel in report["selection"][tname].items():
            assert len(sel["grid"]) == len(learned.grid_of(model, learned.PLANS["quick"]))
            assert sel["chosen"] in [g["config"] for g in sel["grid"]]
    assert [g["target"] for g in report["summary"]["goals"]] == list(TARGETS)
    assert "certificate" in report["graphs"]["strict"]["maxmp"]["0"]
    strict = report["graphs"]["strict"]
    assert strict["oracle"]["0"]["permutation_error"] == 0.0
    assert set(report["speed"]["rows"]) == {"exact (graphmax.local_maxima)", *learned.MODELS}
    # training-set-size curves: every learned model, the smaller size and the full one
    assert set(report["curves"]) == set(MODELS) - {"oracle"}
    assert all(set(c) == {"20", "60"} for c in report["curves"].values())
    # plateau: every model with layers at the grid's depth and deeper
    assert set(report["plateau_depth"]) == {"mpnn", "transformer", "gcn", "gin", "sage", "gat", "pna"}
    assert all(set(d) == {"1", "2"} for d in report["plateau_depth"].values())
    md = (out / "learned.md").read_text()
    for tname in TARGETS:
        assert f"## Target `{tname}`" in md
    assert "## Goal" in md and "## Speed" in md and "## Strict target: training-set size" in md
    assert "## Plateau target: rounds of messages" in md and "oracle (hand-set, not learned)" in md
    # how many trainings the wall-time cap stopped: every grid point, and every seed but 0 (seed 0's run is the
    # chosen grid point's training, not another one)
    cap = report["plan"]["max_time"]
    seconds = [g["train_seconds"] for models in report["selection"].values() for sel in models.values()
               for g in sel["grid"]]
    seconds += [run["train"]["train_seconds"] for models in report["graphs"].values() for runs in models.values()
                for seed, run in runs.items() if seed != "0"]
    seconds = [t for t in seconds if t is not None]
    total, hit = len(seconds), sum(t >= cap for t in seconds)
    assert total > 0 and f"time cap rather than by patience or the epoch cap: {hit} of {total}" in md
    assert "not bit-reproducible across machines" in md  # the adjacency CNN is in the run


def test_quick_run_images(quick_run):
    _, out, report = quick_run
    assert set(report["images"]) == {*learned.ASKER_VARIANTS, "fcn", "fcn (max-pool 2)", "maxpool-nms",
                                     "maxmp (grid graph)", "exact"}
    for name in ("maxpool-nms", "exact"):
        run = report["images"][name]["0"]
        assert all(s["accuracy"] == 1.0 and s["image_exact_match"] == 1.0 for s in run["sets"].values())
        assert run["shift"]["interior_changed"] == 0.0 and run["pairs"]["pair_right"] == 1.0
        assert run["pairs"]["pairs"] > 1000  # the camera photograph's maxima x four moves
    assert "10 outputs" in (out / "learned.md").read_text()


def test_rerender_from_json(quick_run, tmp_path):
    _, out, _ = quick_run
    assert learned.main(["--from-json", str(out / "learned.json"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "learned.md").read_text() == (out / "learned.md").read_text()
    assert (tmp_path / "learned_size.png").stat().st_size > 0


def test_docs_results_section_is_generated_from_a_report(quick_run, tmp_path):
    """A complete full run rewrites only the marked section of docs/learned.md; the rest is kept."""
    _, _, report = quick_run
    docs = tmp_path / "learned.md"
    original = learned.DOCS.read_text()
    docs.write_text(original)
    learned.update_docs(report, docs)
    text = docs.read_text()
    head, rest = original.split(learned.DOCS_BEGIN)
    tail = rest.split(learned.DOCS_END)[1]
    assert text.startswith(head + learned.DOCS_BEGIN) and text.endswith(learned.DOCS_END + tail)
    assert "### Goal (issue 14)" in text and "### Target `plateau`" in text and "No full run" not in text
    learned.update_docs(report, docs)  # idempotent: the markers survive
    assert docs.read_text() == text
    docs.write_text("no markers\n")
    with pytest.raises(RuntimeError, match="markers"):
        learned.update_docs(report, docs)


def test_usage_errors(tmp_path, capsys):
    assert learned.main(["--models", "maxmp,resnet", "--out", str(tmp_path)]) == 2
    assert "resnet" in capsys.readouterr().err
    assert learned.main(["--targets", "strict,peaks", "--out", str(tmp_path)]) == 2
    assert "peaks" in capsys.readouterr().err
    assert learned.main(["--seeds", "0"]) == 2
    assert learned.main(["--quick", "--smoke"]) == 2
    assert not list(tmp_path.iterdir())


def _digests():
    files = [*sorted(p for p in COMMITTED.rglob("learned*") if p.is_file()), learned.DOCS]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_a_partial_run_writes_nothing_without_out(monkeypatch, capsys):
    """Issue 15 item 2, in-process: a full-plan run cut to one model and one target is partial."""
    before = _digests()
    assert before, "the committed results are missing"
    written = []

    def refuse(path):  # every file the suite writes goes through graphmax.io.atomic_target
        written.append(path)
        raise AssertionError(f"a partial run wrote {path}")

    monkeypatch.setattr("graphmax.io.atomic_target", refuse)
    monkeypatch.setitem(learned.PLANS, "full", learned.PLANS["smoke"])  # toy sizes, same code path
    torch.set_num_threads(1)
    rc = learned.main(["--quiet", "--threads", "1", "--models", "oracle", "--targets", "strict", "--no-images"])
    assert rc == 0 and written == []
    out = capsys.readouterr()
    assert "oracle (hand-set, not learned)" in out.out and "--out" in out.err
    assert _digests() == before


def test_the_cli_from_another_folder_leaves_the_committed_results(tmp_path):
    before = _digests()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "graphmax", "bench", "learned", "--smoke", "--quiet", "--threads", "1",
                           "--no-images", "--models", "maxmp,oracle", "--targets", "strict"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "| maxmp (rank) |" in proc.stdout and "graphmax bench learned" in proc.stdout
    assert _digests() == before
    assert list(tmp_path.iterdir()) == []


def test_benchmark_does_not_use_the_clis_private_helpers():
    files = sorted(Path(learned.__file__).parent.glob("learned*.py"))
    assert len(files) >= 5
    assert all("graphmax.cli" not in p.read_text() for p in files)
    from graphmax._cli_common import _int_at_least

    assert learned._int_at_least is _int_at_least  # one definition, shared with the CLI (issue 18, D1)
    assert all("def _int_at_least(" not in p.read_text() for p in files)


def test_one_machine_and_json_recorder():
    """Issue 18 item 3: the suites share benchmarks/_machine.py and _common.py's JSON writer."""
    for path in Path(learned.__file__).parent.glob("learned*.py"):
        source = path.read_text()
        assert "def environment(" not in source and "def _json_default(" not in source, path.name
        assert "platform.processor" not in source and "/proc/cpuinfo" not in source, path.name


def test_tables_and_plots_of_sets_with_one_graph_per_seed(quick_run, tmp_path):
    """A set of one graph per seed (the full run's n=10^5 and n=10^6) has a zero-width bootstrap interval whose
    ends rounding can put 1 ulp on the wrong side of the mean: the plot draws it, the tables show no interval."""
    from benchmarks import learned_report

    _, _, report = quick_run
    report = copy.deepcopy(report)
    tname, models = next(iter(report["summary"]["graphs"].items()))
    one = next(s for s in next(iter(models.values())) if s != "test")
    report["data"][tname][one]["graphs"] = 1
    for row in models.values():
        b = row[one]["accuracy"]
        b["low"] = b["high"] = float(np.nextafter(b["mean"], 2.0))  # the full run's 1-graph cells, as found
    learned_report.plot_sizes(report, tmp_path / "size.png")
    assert (tmp_path / "size.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = learned_report.render_markdown(report)
    table = text.split(f"## Target `{tname}`: node accuracy (%)")[1].split("\n## ")[0]
    head = next(line for line in table.splitlines() if line.startswith("| model"))
    column = head.split(" | ").index(f"{one} †")
    for line in table.splitlines()[2:]:
        if line.startswith("| "):
            assert "[" not in line.split(" | ")[column], line
    assert learned_report.ONE_GRAPH_NOTE in table


def test_rerender_in_place_leaves_the_json_it_reads(quick_run, tmp_path):
    """`--from-json` into the folder that holds the file: the tables and plots are rewritten, the given
    learned.json is not written over (not even with the same bytes)."""
    _, out, _ = quick_run
    given = tmp_path / "learned.json"
    given.write_bytes((out / "learned.json").read_bytes())
    before = given.stat()
    assert learned.main(["--from-json", str(given), "--out", str(tmp_path)]) == 0
    after = given.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (tmp_path / "learned.md").read_text() == (out / "learned.md").read_text()
