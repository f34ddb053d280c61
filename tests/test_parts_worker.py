"""benchmarks/parts_worker.py: the second worker of a learned run in parts. Its remake of time-capped parts
keeps every old part (set aside, never deleted), remakes each once, and remakes the parts trained with a
selection that the remake changed. The units are faked: what is tested is the bookkeeping, not training."""

import json
from dataclasses import replace

import pytest

pytest.importorskip("torch_geometric")

from benchmarks import learned_report, parts_worker  # noqa: E402
from benchmarks.learned import PLANS  # noqa: E402
from benchmarks.learned_parts import PartStore  # noqa: E402
from benchmarks.learned_plan import MODELS, Unit, units  # noqa: E402

PLAN = replace(PLANS["smoke"], seeds=3)  # seeds 1 and 2 are "seed" units
TARGET, MODEL = PLAN.targets[0], "gcn"
THEN, NOW = "2026-12-06T10:00:00+00:00", "2026-12-06T12:00:00+00:00"  # when the fixture's parts started
OLD, NEW = {"normalize": "none", "num_layers": 1}, {"normalize": "rank", "num_layers": 1}


def _seeds():
    return [u for u in units(PLAN, MODELS, PLAN.targets) if u.kind == "seed" and u.target == TARGET
            and u.model == MODEL]


def _select_result(chosen, seconds):
    return {"selection": {"chosen": chosen, "grid": [{"train_seconds": seconds}, {"train_seconds": 1.0}]},
            "model_kwargs": dict(chosen)}


def _seed_result(chosen, seconds):
    return {"run": {"train": {"train_seconds": seconds}}, "model_kwargs": {**chosen, "deg": [1, 2]}}


@pytest.fixture
def store(tmp_path):
    """A selection whose grid hit the time cap, and seeds trained with its choice (one of them capped too)."""
    st = PartStore(tmp_path, {"code": "test"})
    st.put(Unit("select", TARGET, MODEL), _select_result(OLD, PLAN.max_time + 400), 1.0, THEN)
    seeds = _seeds()
    assert len(seeds) >= 1
    for i, unit in enumerate(seeds):
        st.put(unit, _seed_result(OLD, PLAN.max_time if i == 0 else 2.0), 1.0, THEN)
    return st


def _fake_units(chosen, calls):
    def run_unit(unit, store, plan, progress):
        calls.append(unit.key)
        if unit.kind == "select":
            return _select_result(chosen, 3.0)
        assert store.result(f"select-{TARGET}-{MODEL}-s0")["selection"]["chosen"] == chosen  # reads the new one
        return _seed_result(chosen, 3.0)

    return run_unit


def test_capped_finds_the_trainings_that_hit_the_cap(store):
    select = store.parts[f"select-{TARGET}-{MODEL}-s0"]
    assert learned_report.capped(select, PLAN.max_time) == [PLAN.max_time + 400]
    seeds = _seeds()
    assert learned_report.capped(store.parts[seeds[0].key], PLAN.max_time) == [PLAN.max_time]
    assert all(learned_report.capped(store.parts[u.key], PLAN.max_time) == [] for u in seeds[1:])


def test_a_changed_selection_remakes_its_seeds_and_keeps_the_old_parts(store, monkeypatch):
    calls = []
    monkeypatch.setattr(parts_worker, "run_unit", _fake_units(NEW, calls))
    before = {p.name: p.read_text() for p in store.folder.glob("*.json")}
    ran = parts_worker.remake_capped(store, PLAN, None, lambda text: None)
    seeds = [u.key for u in _seeds()]
    assert calls == [f"select-{TARGET}-{MODEL}-s0", *seeds]
    assert ran == len(calls)
    for key in calls:  # the folder holds the remade parts, with the new choice
        part = json.loads((store.folder / f"{key}.json").read_text())
        assert {k: part["result"]["model_kwargs"][k] for k in NEW} == NEW
    aside = store.folder / parts_worker.CAPPED
    kept = {**{p.name: p.read_text() for p in aside.glob("*.json")},
            **{p.name: p.read_text() for p in (aside / "old-selection").glob("*.json")}}
    assert kept == before  # every old part kept, byte for byte
    assert parts_worker.stale(store) == []


def test_a_part_is_remade_once(store, monkeypatch):
    calls = []
    monkeypatch.setattr(parts_worker, "run_unit", _fake_units(OLD, calls))
    parts_worker.remake_capped(store, PLAN, None, lambda text: None)
    assert calls == [f"select-{TARGET}-{MODEL}-s0", _seeds()[0].key]  # same choice: the seeds stand
    # remade parts that hit the cap again are the protocol's outcome: not remade a second time
    store.put(Unit("select", TARGET, MODEL), _select_result(OLD, PLAN.max_time + 1), 1.0, NOW)
    calls.clear()
    assert parts_worker.remake_capped(store, PLAN, None, lambda text: None) == 0
    assert calls == []


def test_stale_names_seeds_trained_with_another_choice(store):
    key = _seeds()[-1].key
    store.put(_seeds()[-1], _seed_result(NEW, 2.0), 1.0, NOW)
    assert parts_worker.stale(store) == [key]


def test_a_stopped_remake_leaves_the_folder_whole(store, monkeypatch):
    def interrupted(unit, store, plan, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr(parts_worker, "run_unit", interrupted)
    before = sorted(p.name for p in store.folder.glob("*.json"))
    with pytest.raises(KeyboardInterrupt):
        parts_worker.remake_capped(store, PLAN, None, lambda text: None)
    assert sorted(p.name for p in store.folder.glob("*.json")) == before


def test_made_before_leaves_later_capped_parts(store, monkeypatch):
    import datetime

    calls = []
    monkeypatch.setattr(parts_worker, "run_unit", _fake_units(OLD, calls))
    started = {k: datetime.datetime.fromisoformat(p["made"]["started"]) for k, p in store.parts.items()}
    before = min(started.values())  # every part started at or after it: nothing to remake
    assert parts_worker.remake_capped(store, PLAN, None, lambda text: None, made_before=before) == 0
    assert calls == []
    later = max(started.values()) + datetime.timedelta(seconds=1)
    assert parts_worker.remake_capped(store, PLAN, None, lambda text: None, made_before=later) == 2


def test_made_before_needs_a_zone(capsys):
    with pytest.raises(SystemExit):
        parts_worker.main(["--parts", ".", "--threads", "1", "--remake-capped", "--made-before", "2026-12-06T11:20"])
    assert "with a zone" in capsys.readouterr().err


def test_parts_rerun_reports_what_differs(store, monkeypatch, capsys):
    from benchmarks import parts_rerun

    key = _seeds()[0].key
    same = store.result(key)
    monkeypatch.setattr(parts_rerun, "PartStore", lambda folder, ident: store)
    monkeypatch.setattr(parts_rerun, "run_unit", lambda unit, st, plan, progress: same)
    assert parts_rerun.main([key, "--parts", str(store.folder), "--threads", "1"]) == 0
    assert f"{key}: the same" in capsys.readouterr().out
    other = {**same, "run": {"train": {**same["run"]["train"], "epochs": 98}}}
    monkeypatch.setattr(parts_rerun, "run_unit", lambda unit, st, plan, progress: other)
    assert parts_rerun.main([key, "--parts", str(store.folder), "--threads", "1"]) == 1
    out = capsys.readouterr().out
    assert "1 difference(s)" in out and "train: part {'epochs': None" in out and "'epochs': 98" in out


def test_the_worker_is_stopped_first_when_memory_runs_out(tmp_path):
    score = tmp_path / "oom_score_adj"
    score.write_text("0")
    assert parts_worker.make_expendable(score) and score.read_text() == "1000"
    assert not parts_worker.make_expendable(tmp_path / "no such folder" / "oom_score_adj")


def _timed_select(per_epoch, epochs):
    """A selection whose first grid point trained `epochs` epochs at `per_epoch` seconds each (one layer)."""
    grid = [{"config": dict(OLD), "epochs": epochs, "train_seconds": per_epoch * epochs},
            {"config": dict(NEW), "epochs": 100, "train_seconds": 10.0}]
    return {"selection": {"chosen": OLD, "grid": grid}, "model_kwargs": dict(OLD)}


def _timed_seed(per_epoch, epochs):
    return {"run": {"train": {"epochs": epochs, "train_seconds": per_epoch * epochs}},
            "model_kwargs": {**OLD, "deg": [1, 2]}}


@pytest.fixture
def timed(tmp_path):
    """Trainings of one depth at 0.1 s per epoch, but the selection's first grid point: capped after 10
    epochs, 4x slower per epoch than its peers (starved); and one seed capped at its peers' speed."""
    st = PartStore(tmp_path, {"code": "test"})
    st.put(Unit("select", TARGET, MODEL), _timed_select(4 * PLAN.max_time / 40, 10), 1.0, THEN)
    seeds = _seeds()
    assert len(seeds) >= 2
    st.put(seeds[0], _timed_seed(0.1, 50), 1.0, THEN)
    st.put(seeds[1], _timed_seed(0.12, int(PLAN.max_time / 0.12) + 1), 1.0, THEN)  # capped at its peers' speed
    return st


def test_starved_names_capped_trainings_slower_per_epoch_than_their_peers(timed):
    assert parts_worker.starved(timed, PLAN) == [f"select-{TARGET}-{MODEL}-s0"]
    assert parts_worker.starved(timed, PLAN, factor=5.0) == []  # 4x is within a bar of 5


def test_starved_compares_a_training_with_its_own_depth_only(timed):
    deep = _timed_seed(0.1 * 4, int(PLAN.max_time / 0.4) + 1)  # capped, 4x slower: but three layers
    deep["model_kwargs"]["num_layers"] = 3
    timed.put(_seeds()[1], deep, 1.0, NOW)
    assert parts_worker.starved(timed, PLAN) == [f"select-{TARGET}-{MODEL}-s0"]


def test_a_starved_part_is_remade_once_and_kept(timed, monkeypatch):
    calls = []
    monkeypatch.setattr(parts_worker, "run_unit", _fake_units(OLD, calls))
    key = f"select-{TARGET}-{MODEL}-s0"
    old = (timed.folder / f"{key}.json").read_text()
    assert parts_worker.remake_starved(timed, PLAN, None, lambda text: None) == 1
    assert calls == [key]
    assert (timed.folder / parts_worker.STARVED_ASIDE / f"{key}.json").read_text() == old
    timed.put(Unit("select", TARGET, MODEL), _timed_select(4 * PLAN.max_time / 40, 10), 1.0, NOW)  # starved again
    calls.clear()
    assert parts_worker.remake_starved(timed, PLAN, None, lambda text: None) == 0  # once: now it stands
    assert calls == []


def test_list_speeds_prints_what_starved_reads_set_aside_parts_included(timed, monkeypatch, capsys):
    key, (s1, s2) = f"select-{TARGET}-{MODEL}-s0", [u.key for u in _seeds()[:2]]
    slow = 4 * PLAN.max_time / 40  # the fixture's starved grid point, seconds per epoch; its peers run at 0.1

    def expected(trainings):  # (where, part, seconds per epoch, seconds) -> the capped rows, by hand
        return [(where, part, pytest.approx(per_epoch / 0.1), per_epoch / 0.1 > parts_worker.STARVED)
                for where, part, per_epoch, seconds in trainings if seconds >= PLAN.max_time]

    seeds = [(".", s1, 0.1, 0.1 * 50), (".", s2, 0.12, 0.12 * (int(PLAN.max_time / 0.12) + 1))]
    select = [(key, slow, slow * 10), (key, 0.1, 10.0)]  # `_timed_select`'s grid
    groups, capped_rows = parts_worker.speeds(timed, PLAN)
    assert groups == [(TARGET, MODEL, 1, 4, pytest.approx(0.1), pytest.approx(slow))]
    assert (".", key, pytest.approx(slow / 0.1), True) in expected([(".", *t) for t in select])
    assert [(r[0], r[1], r[-2], r[-1]) for r in capped_rows] == expected(seeds + [(".", *t) for t in select])
    monkeypatch.setattr(parts_worker, "run_unit", lambda unit, *_: _timed_select(0.1, 10))  # not starved now
    assert parts_worker.remake_starved(timed, PLAN, None, lambda text: None) == 1
    remade = [(".", key, 0.1, 1.0), (".", key, 0.1, 10.0)]
    aside = [(str(parts_worker.STARVED_ASIDE), *t) for t in select]
    groups, capped_rows = parts_worker.speeds(timed, PLAN)
    assert [(r[0], r[1], r[-2], r[-1]) for r in capped_rows] == expected(seeds + remade + aside)
    monkeypatch.setattr(parts_worker, "PLANS", {"full": PLAN})  # the command reads the full plan's cap
    assert parts_worker.main(["--parts", str(timed.folder), "--list-speeds"]) == 0
    out = capsys.readouterr().out
    starved_line = [line.split() for line in out.splitlines() if line.startswith(str(parts_worker.STARVED_ASIDE))]
    assert starved_line == [[str(parts_worker.STARVED_ASIDE), key, "1", f"{slow:.2f}", f"{slow / 0.1:.2f}", "yes"],
                            [str(parts_worker.STARVED_ASIDE), key, "1", "0.10", "1.00", "no"]]
