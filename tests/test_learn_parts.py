"""benchmarks/learned_parts.py: a learned-benchmark run in resumable parts -- budgeted invocations that
continue each other (one in a fresh process) assemble the same report as one process; parts of other code
or settings are refused, never mixed; an interrupted unit leaves no part."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch_geometric")
pytest.importorskip("matplotlib")

from benchmarks import learned, learned_parts, learned_units  # noqa: E402

ROOT = Path(learned.__file__).resolve().parent.parent
#: Two targets, a learned model, a baseline and the oracle, images (they read the strict maxmp's part).
RUN = ["--smoke", "--quiet", "--threads", "1", "--models", "maxmp,gcn,oracle"]
TIMING = re.compile(r"seconds|per_s|throughput")


def _measured(report):
    """The report without timings and without what says where and when it ran."""

    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if not TIMING.search(k)}
        return [strip(x) for x in v] if isinstance(v, list) else v

    return strip({k: v for k, v in report.items() if k not in ("environment", "speed", "started", "command",
                                                               "parts")})


def _subprocess(args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "benchmarks.learned", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _parts(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.is_file())


@pytest.fixture(scope="module")
def one_shot(tmp_path_factory):
    out = tmp_path_factory.mktemp("one-shot")
    assert learned.main([*RUN, "--out", str(out)]) == 0
    return json.loads((out / "learned.json").read_text())


def test_a_run_in_budgeted_parts_equals_one_process(one_shot, tmp_path):
    parts, out = tmp_path / "parts", tmp_path / "out"
    todo = learned.units(learned.PLANS["smoke"], ["maxmp", "gcn", "oracle"], ["strict", "nonstrict"])
    assert learned.main([*RUN, "--parts", str(parts), "--out", str(out), "--max-units", "3"]) == learned.STOPPED
    assert _parts(parts) == sorted(f"{u.key}.json" for u in todo[:3]) and not out.exists()
    # the next units in a fresh process: nothing of the first one's memory (data, weights) carries over
    proc = _subprocess([*RUN, "--parts", str(parts), "--out", str(out), "--max-units", "6"])
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == learned.STOPPED, err
    assert len(_parts(parts)) == 9 and not out.exists()
    assert learned.main([*RUN, "--parts", str(parts), "--out", str(out)]) == 0
    assert _parts(parts) == sorted(f"{u.key}.json" for u in todo)
    report = json.loads((out / "learned.json").read_text())
    assert _measured(report) == _measured(one_shot)
    assert report["parts"]["units"] == len(todo) and report["parts"]["sessions"] == 3
    assert set(report["speed"]["rows"]) == {"exact (graphmax.local_maxima)", "maxmp", "gcn", "oracle"}
    assert "cpu_busy_before" in report["speed"]
    assert f"Made of {len(todo)} parts" in (out / "learned.md").read_text()
    for name in _parts(parts):  # small, and each says what made it
        part = json.loads((parts / name).read_text())
        assert (parts / name).stat().st_size < 50_000, name
        assert part["identity"]["threads"] == 1 and part["identity"]["code"] == learned_parts.code_digest()
        assert part["made"]["git"] is not None and part["made"]["wall_seconds"] > 0
    # every unit in: a further run only assembles (and a budget too small for the speed section stops it)
    assert learned.main([*RUN, "--parts", str(parts), "--budget-minutes", "0.0001"]) == learned.STOPPED


def _tiny(folder, *extra):
    return learned.main(["--smoke", "--quiet", "--models", "oracle", "--targets", "strict", "--no-images",
                         "--parts", str(folder), *extra])


def test_parts_of_other_code_or_settings_are_refused(tmp_path, capsys):
    parts = tmp_path / "parts"
    assert _tiny(parts, "--threads", "1", "--max-units", "1") == learned.STOPPED
    (name,) = _parts(parts)
    # another torch thread count: floating-point sums may differ, so the parts are not the same run
    assert _tiny(parts, "--threads", "2") == 2
    err = capsys.readouterr().err
    assert "other code or settings" in err and name in err and "threads 1, here 2" in err
    # another code version (as a part made before an edit of graphmax/learn would be)
    part = json.loads((parts / name).read_text())
    part["identity"]["code"] = "0" * 64
    (parts / name).write_text(json.dumps(part))
    assert _tiny(parts, "--threads", "1") == 2
    assert "code 000000000000, here" in capsys.readouterr().err
    assert _parts(parts) == [name]  # refused, untouched
    assert _tiny(parts, "--threads", "1", "--plan-only") == 0  # a listing: the part counts for nothing
    captured = capsys.readouterr()
    assert "other code or settings" in captured.err and re.search(rf"{name[:-5]} +\d+\.\d  to do", captured.out)
    assert _parts(parts) == [name]
    assert _tiny(parts, "--threads", "1", "--set-aside") == 0
    assert (parts / "set-aside" / ("0" * 12) / name).exists()
    assert json.loads((parts / name).read_text())["identity"]["code"] == learned_parts.code_digest()


def test_parts_that_read_other_data_are_not_assembled(tmp_path, capsys):
    parts = tmp_path / "parts"
    assert _tiny(parts, "--threads", "1") == 0  # two units: the data and the oracle
    select = parts / "select-strict-oracle-s0.json"
    part = json.loads(select.read_text())
    part["result"]["digest"] = "f" * 64  # as if the labeller's answers had changed between two sessions
    select.write_text(json.dumps(part))
    assert _tiny(parts, "--threads", "1") == 2
    assert "read other data than data-strict-s0" in capsys.readouterr().err


def test_the_code_digest_covers_the_files_that_decide_results(tmp_path):
    for rel in ("graphmax/learn/train.py", "benchmarks/learned_units.py", "benchmarks/learned_report.py",
                "benchmarks/learned_costs.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    before = learned_parts.code_digest(tmp_path)
    for rel in ("benchmarks/learned_report.py", "benchmarks/learned_costs.py"):  # rendering, estimates
        (tmp_path / rel).write_text("x = 2\n")
        assert learned_parts.code_digest(tmp_path) == before
    for rel in ("graphmax/learn/train.py", "benchmarks/learned_units.py"):
        (tmp_path / rel).write_text("x = 3\n")
        assert learned_parts.code_digest(tmp_path) != before
        before = learned_parts.code_digest(tmp_path)


def test_ctrl_c_in_a_unit_keeps_the_finished_parts_only(tmp_path, monkeypatch, capsys):
    parts = tmp_path / "parts"
    calls = []
    score = learned_units.score_sets

    def interrupted(det, sets):
        calls.append(det.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return score(det, sets)

    monkeypatch.setattr(learned_units, "score_sets", interrupted)
    rc = learned.main(["--smoke", "--quiet", "--threads", "1", "--models", "oracle,maxmp", "--targets", "strict",
                       "--no-images", "--parts", str(parts)])
    assert rc == 130 and "interrupted" in capsys.readouterr().err
    assert _parts(parts) == ["data-strict-s0.json", "select-strict-oracle-s0.json"]  # no temporary file either

    def cut(part, path, indent=None):  # Ctrl-C while the part is being written
        from benchmarks._common import atomic_write

        def half(tmp):
            Path(tmp).write_text(json.dumps(part)[:100])
            raise KeyboardInterrupt

        atomic_write(path, half)

    monkeypatch.setattr(learned_units, "score_sets", score)
    monkeypatch.setattr(learned_parts, "write_json", cut)
    assert learned.main(["--smoke", "--quiet", "--threads", "1", "--models", "oracle,maxmp", "--targets", "strict",
                         "--no-images", "--parts", str(parts)]) == 130
    assert _parts(parts) == ["data-strict-s0.json", "select-strict-oracle-s0.json"]


def test_a_killed_process_leaves_whole_parts(tmp_path):
    """SIGINT from outside, once the first part is written: every file left is a whole part."""
    parts = tmp_path / "parts"
    # Ctrl-C as a terminal gives it, even where this test runs as a background job (which
    # inherits SIGINT ignored: the child would then never see it).
    proc = _subprocess(["--smoke", "--quiet", "--threads", "1", "--targets", "strict", "--no-images",
                        "--parts", str(parts)], preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not (parts.is_dir() and _parts(parts)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    left = [p.name for p in parts.glob("*.json")]  # what a later run reads (temporary files are hidden)
    assert left and all(re.fullmatch(r"\.\S+\.json\.\S+\.tmp", n) for n in set(_parts(parts)) - set(left))
    for name in left:
        assert json.loads((parts / name).read_text())["unit"] == name[:-5], name
    assert learned_parts.PartStore(parts, json.loads((parts / left[0]).read_text())["identity"]).open().parts


def test_plan_only_lists_units_with_estimates(tmp_path, capsys):
    assert learned.main(["--plan-only", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    full = learned.units(learned.PLANS["full"], learned.MODELS, learned.TARGET_NAMES)
    assert f"plan full: {len(full)} units" in out and "seed-plateau-pna-s9" in out and "images-s2" in out
    assert re.search(r"total \d+ min \(\d+\.\d h\)", out)
    assert _tiny(tmp_path / "p", "--threads", "1", "--max-units", "1") == learned.STOPPED
    assert _tiny(tmp_path / "p", "--threads", "1", "--plan-only", "--budget-minutes", "60") == 0
    out = capsys.readouterr().out
    assert re.search(r"data-strict-s0 +\d+\.\d  done", out) and "select-strict-oracle-s0" in out
    assert "at --budget-minutes 60" in out


def test_a_budget_needs_a_parts_folder(tmp_path, capsys):
    assert learned.main(["--quick", "--budget-minutes", "5"]) == 2
    assert "--parts DIR" in capsys.readouterr().err
    assert _tiny(tmp_path / "p", "--threads", "1", "--budget-minutes", "0.0001") == learned.STOPPED
    assert "stopping before data-strict-s0" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
