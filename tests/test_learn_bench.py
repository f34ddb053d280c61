"""benchmarks/learned.py: the harness runs end to end (toy sizes) and writes every file atomically."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import json

import pytest

pytest.importorskip("torch_geometric")
pytest.importorskip("matplotlib")

import torch  # noqa: E402

from benchmarks import learned  # noqa: E402

OUTPUTS = ("learned.json", "learned.md", "learned_size.png", "learned_shift.png")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("learned")
    torch.set_num_threads(1)
    # One torch thread: on a busy 2-core machine a second OpenMP thread mostly waits for a time slice.
    rc = learned.main(["--smoke", "--quiet", "--threads", "1", "--out", str(out)])
    return rc, out


def test_smoke_run_writes_every_file(smoke_run):
    rc, out = smoke_run
    assert rc == 0
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert (out / "learned_size.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"


def test_report_content(smoke_run):
    _, out = smoke_run
    report = json.loads((out / "learned.json").read_text())
    assert report["complete"] and report["plan_name"] == "smoke"
    assert set(report["graphs"]) == set(learned.VARIANTS)
    run = report["graphs"]["maxmp"]["0"]
    assert set(run["sets"]) == set(learned.GRAPH_SETS)
    assert {"permutation_error", "invariance", "gap_accuracy", "train", "throughput_nodes_per_s"} <= set(run)
    assert report["graphs"]["oracle"]["0"]["learned"] is False
    # the hand-set oracle is exact everywhere: a check of the whole evaluation path
    assert all(s["accuracy"] == 1.0 and s["exact_match"] == 1.0 for s in report["graphs"]["oracle"]["0"]["sets"].values())
    assert set(report["images"]) == {"asker-cnn", "fcn", "maxpool-nms", "maxmp (grid graph)", "exact"}
    nms = report["images"]["maxpool-nms"]["0"]
    assert all(s["accuracy"] == 1.0 and s["image_exact_match"] == 1.0 for s in nms["sets"].values())
    assert nms["shift"]["interior_changed"] == 0.0
    assert [t["set"] for t in report["summary"]["targets"]] == list(learned.TARGET_SETS)
    md = (out / "learned.md").read_text()
    assert "## Targets" in md and "oracle (hand-set, not learned)" in md and "asker-cnn" in md


def test_rerender_from_json(smoke_run, tmp_path):
    _, out = smoke_run
    assert learned.main(["--from-json", str(out / "learned.json"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "learned.md").read_text() == (out / "learned.md").read_text()
    assert (tmp_path / "learned_size.png").stat().st_size > 0


def test_threads_are_restored(tmp_path):
    torch.set_num_threads(1)
    learned.main(["--smoke", "--quiet", "--threads", "2", "--no-images", "--models", "oracle", "--out", str(tmp_path)])
    assert torch.get_num_threads() == 1


def test_usage_errors(tmp_path, capsys):
    assert learned.main(["--models", "maxmp,resnet", "--out", str(tmp_path)]) == 2
    assert "resnet" in capsys.readouterr().err
    assert learned.main(["--seeds", "0"]) == 2
    assert learned.main(["--quick", "--smoke"]) == 2


def test_the_cli_runs_it(tmp_path):
    from graphmax.cli import main

    rc = main(["bench", "learned", "--smoke", "--quiet", "--threads", "1", "--no-images", "--models", "oracle",
               "--out", str(tmp_path)])
    assert rc == 0
    assert json.loads((tmp_path / "learned.json").read_text())["command"].startswith("graphmax bench learned")
