"""benchmarks/learned_threads.py: the learned run's speed section with numba and torch on the same thread
count. What is tested is the bookkeeping (thread counts applied and restored, the choice read from the
committed parts, rows and ratios, nothing written by a partial run), on a small graph; not the timings."""

import os

import pytest

pytest.importorskip("torch_geometric")

import numba  # noqa: E402
import torch  # noqa: E402

from benchmarks import learned_threads  # noqa: E402
from benchmarks.learned_plan import PLANS  # noqa: E402


def test_choices_come_from_the_committed_selection_parts():
    kwargs = learned_threads.chosen_kwargs("sage")
    assert {"normalize", "num_layers", "hidden_channels"} <= set(kwargs)
    assert learned_threads.chosen_kwargs("oracle") == {"mode": "strict"}
    with pytest.raises(FileNotFoundError, match="select-strict-nope-s0"):
        learned_threads.chosen_kwargs("nope")


def test_each_count_is_applied_to_both_libraries_and_restored(monkeypatch):
    before = (numba.get_num_threads(), torch.get_num_threads())
    seen = []

    def speed(kwargs, plan):  # the real measurement, recording the thread counts it ran under
        seen.append((numba.get_num_threads(), torch.get_num_threads()))
        return real(kwargs, plan)

    from benchmarks import learned_units

    real = learned_units.speed
    monkeypatch.setattr(learned_units, "speed", speed)
    counts = (1, 2) if (os.cpu_count() or 1) >= 2 else (1,)
    runs = learned_threads.measure(counts, ("maxmp",), plan=PLANS["smoke"])
    assert seen == [(t, t) for t in counts]
    assert (numba.get_num_threads(), torch.get_num_threads()) == before
    for t in counts:
        assert set(runs[t]["rows"]) == {learned_threads.EXACT, "maxmp"}
        assert runs[t]["threads_used"] == {"numba": t, "torch": t}
        assert runs[t]["nodes"] == PLANS["smoke"].speed_nodes


def test_a_partial_run_writes_nothing_without_out(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(learned_threads, "PLAN", PLANS["smoke"])
    monkeypatch.setattr(learned_threads, "RESULTS", tmp_path / "committed")
    assert learned_threads.main(["--threads", "1", "--models", "maxmp"]) == 0
    out = capsys.readouterr()
    assert "writes no file" in out.err and not (tmp_path / "committed").exists()
    row = next(line for line in out.out.splitlines() if line.startswith("| 1 | maxmp |"))
    assert len(row.split(" | ")) == 6
    exact = next(line for line in out.out.splitlines() if line.startswith(f"| 1 | {learned_threads.EXACT} |"))
    assert exact.split(" | ")[3] == "1"  # the exact detector is 1x itself
    assert learned_threads.main(["--threads", "1", "--models", "maxmp", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "learned_threads.md").read_text().startswith("# Learned run's speed")


def test_usage_errors(capsys):
    with pytest.raises(SystemExit):
        learned_threads.main(["--threads", "0"])
    assert "`--threads`" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        learned_threads.main(["--models", "nope"])
    assert "`--models`" in capsys.readouterr().err


def test_a_busy_machine_is_flagged_in_the_table():
    rows = {learned_threads.EXACT: {"prebuilt": 0.01, "from_edges": 0.02}, "maxmp": {"prebuilt": 1.0, "from_edges": 1.0}}
    report = {"command": "c", "started": "s", "nodes": 10,
              "environment": {"machine": {"cpu_model": "cpu", "cpus_usable": 2}, "versions": {}, "git": None},
              "runs": {"1": {"rows": rows, "cpu_busy_before": 0.0, "repeats": 3},
                       "2": {"rows": rows, "cpu_busy_before": 0.0, "repeats": 3}}}
    text = learned_threads.render(report)
    assert "| 1 | maxmp | 1.0 s | 100 | 1.0 s | 50 |" in text and "warning" not in text
    assert f"| 1 | {learned_threads.EXACT} | 10 ms | 1 | 20 ms | 1 |" in text
    report["runs"]["2"]["cpu_busy_before"] = 0.6
    assert "60% of the CPUs were busy" in learned_threads.render(report)


def test_from_json_rewrites_the_table_and_leaves_the_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(learned_threads, "PLAN", PLANS["smoke"])
    out = tmp_path / "o"
    assert learned_threads.main(["--threads", "1", "--models", "maxmp", "--out", str(out)]) == 0
    given = out / "learned_threads.json"
    table = (out / "learned_threads.md").read_text()
    (out / "learned_threads.md").write_text("stale\n")
    before = given.stat()
    assert learned_threads.main(["--from-json", str(given), "--out", str(out)]) == 0
    assert (out / "learned_threads.md").read_text() == table
    assert (given.stat().st_ino, given.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
