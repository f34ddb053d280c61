"""A second worker for the full learned run in parts: it makes the parts of the targets it is given.

``python -m benchmarks.learned --parts DIR`` runs the plan's units in order,
one process on one torch thread. On a machine with a second core idle, this
worker makes the parts of other targets at the same time, into the same
folder, with the same identity (code digest, plan, threads, versions): it
calls the run's own `run_unit` on the full plan's units, so each part is
the one the run would have made. It never assembles; the run does, once
every part is in.

    python -m benchmarks.parts_worker --parts DIR --targets plateau --budget-minutes M --threads 1

``--remake-capped`` first remakes, once, every part in which a training
stopped at the plan's time cap (``max_time`` seconds of wall time, the same
for every model): such a training is cut short by whatever else the machine
was doing (another job, a paused process), not by the protocol's epoch cap or
patience. The old part is kept in ``DIR/set-aside/capped/``; a part whose
copy is there is not remade again (on a quiet machine the cap is the
protocol's own outcome). ``--made-before T`` limits the remake to parts
started before the time T (ISO 8601 with a zone): the parts made while the
run was paused or starved, not the later ones whose cap binds on a quiet
machine. Where a remade model selection chooses another
configuration, the parts trained with the old choice are set aside and remade
too.

``--remake-starved`` remakes, once, the select and seed parts holding a
training that stopped at the cap while running more than 1.5x slower per
epoch than the fastest training of the same target, model and depth in the
folder: a process starved by memory pressure or a third job, whenever it ran
(the seeds of one configuration, made beside a second worker, differ by at
most ~1.3x per epoch in the committed parts). The old part is kept in ``DIR/set-aside/starved/``.
``--list-speeds`` prints the figures this rule reads and makes nothing:

    python -m benchmarks.parts_worker --parts DIR --list-speeds

Give the two processes targets that do not meet within their budgets (the run
reads the folder when it starts, so it would remake a part this worker wrote
later); ``python -m benchmarks.learned --plan-only`` shows the minutes per
unit. Image units are left to the run. The worker asks the kernel to stop it,
not the run, if memory runs out (``oom_score_adj`` 1000 on Linux).

This file is not part of the parts' code identity (`benchmarks.learned_parts.CODE_FILES`):
it only chooses which units to run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as benchmarks.learned does, before torch starts

from benchmarks.learned import PLANS, _positive_float, run_unit  # noqa: E402
from benchmarks.learned_parts import PartsMismatch, PartStore, execute, identity, unit_estimate  # noqa: E402
from benchmarks.learned_plan import MODELS, Unit, units  # noqa: E402
from benchmarks.learned_report import capped  # noqa: E402
from graphmax._cli_common import _int_at_least  # noqa: E402

PROG = "python -m benchmarks.parts_worker"
CAPPED = Path("set-aside") / "capped"  #: where --remake-capped keeps the parts it remakes (under DIR)
STARVED_ASIDE = Path("set-aside") / "starved"  #: where --remake-starved keeps them
#: --remake-starved's bar: a capped training this many times slower per epoch than the fastest of its group.
STARVED = 1.5


def _set_aside(store, keys, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for key in keys:
        shutil.move(str(store.folder / f"{key}.json"), str(folder / f"{key}.json"))
        del store.parts[key]


def stale(store):
    """Keys of the seed parts whose model configuration is not the one their target's selection part chose
    (made before that selection was remade)."""
    out = []
    for key, part in store.parts.items():
        if part["fields"]["kind"] != "seed":
            continue
        (select,) = Unit(**part["fields"]).needs()
        if select not in store:
            continue
        chosen, used = store.result(select)["selection"]["chosen"], part["result"].get("model_kwargs") or {}
        if any(used.get(k) != v for k, v in chosen.items()):
            out.append(key)
    return out


def remake_capped(store, plan, budget_s, say, made_before=None):
    """Remake, once, the parts whose trainings hit the time cap (see the module docstring); the number run.

    The old part stays in the folder until its remake is made (a stopped worker leaves the folder whole),
    then moves to ``DIR/set-aside/capped/``."""
    keys = {k for k, part in store.parts.items() if capped(part, plan.max_time)
            and (made_before is None or datetime.datetime.fromisoformat(part["made"]["started"]) < made_before)}
    return _remake(store, plan, keys, store.folder / CAPPED, budget_s, say)


def _epoch_seconds(part):
    """(depth, seconds per epoch, seconds) of the trainings of a select or seed part: the selection's grid
    points (their configuration's ``num_layers``, None for models without layers) and a seed's run."""
    result, out = part["result"], []
    if part["fields"]["kind"] == "select":
        out = [(g["config"].get("num_layers"), g) for g in result["selection"]["grid"]]
    elif part["fields"]["kind"] == "seed":
        out = [((result.get("model_kwargs") or {}).get("num_layers"), result["run"]["train"])]
    return [(depth, t["train_seconds"] / t["epochs"], t["train_seconds"]) for depth, t in out
            if t.get("epochs") and t.get("train_seconds") is not None]


def _timed(part):
    """[((target, model, depth), seconds per epoch, seconds)] of a part's trainings (see `_epoch_seconds`)."""
    fields = part["fields"]
    return [((fields["target"], fields["model"], depth), per_epoch, seconds)
            for depth, per_epoch, seconds in _epoch_seconds(part)]


def _spread(store):
    """{(target, model, depth): [seconds per epoch of every training in the folder's parts]}."""
    spread = {}
    for part in store.parts.values():
        for group, per_epoch, _ in _timed(part):
            spread.setdefault(group, []).append(per_epoch)
    return spread


def _fastest(store):
    """{(target, model, depth): the fewest seconds per epoch of any training in the folder's parts}."""
    return {group: min(v) for group, v in _spread(store).items()}


def starved(store, plan, factor=STARVED):
    """Keys of the select and seed parts holding a training that stopped at the time cap while running more
    than `factor` times slower per epoch than the fastest training of the same target, model and depth in
    the folder (the seeds of one configuration differ by ~1.3x per epoch at most)."""
    fastest = _fastest(store)
    return sorted(key for key, part in store.parts.items()
                  if any(seconds >= plan.max_time and per_epoch > factor * fastest[group]
                         for group, per_epoch, seconds in _timed(part)))


def speeds(store, plan, factor=STARVED):
    """What `starved` reads, for a person to check: (groups, capped).

    groups: [(target, model, depth, trainings, fastest, slowest)] seconds per epoch over the folder's parts;
    capped: [(where, key, target, model, depth, seconds per epoch, ratio to the group's fastest, starved)]
    for every training that stopped at the time cap, in the folder (``where`` ".") or in a part kept under
    ``DIR/set-aside/`` (``where`` its folder, relative to DIR; compared with the folder's fastest)."""
    spread = _spread(store)
    fastest = {group: min(v) for group, v in spread.items()}
    groups = [(*group, len(v), min(v), max(v)) for group, v in sorted(spread.items(), key=lambda kv: str(kv[0]))]
    found = [(".", key, part) for key, part in sorted(store.parts.items())]
    aside = store.folder / "set-aside"
    for path in sorted(aside.rglob("*.json")) if aside.is_dir() else []:
        found.append((str(path.parent.relative_to(store.folder)), path.stem,
                      json.loads(path.read_text(encoding="utf-8"))))
    capped_rows = []
    for where, key, part in found:
        for group, per_epoch, seconds in _timed(part):
            if seconds >= plan.max_time:
                ratio = per_epoch / fastest[group] if group in fastest else math.nan
                capped_rows.append((where, key, *group, per_epoch, ratio, bool(ratio > factor)))
    return groups, capped_rows


def _read_parts(folder):
    """The parts in `folder`, read as they are (no identity check), as a `PartStore` to read from."""
    store = PartStore(folder, None)
    store.parts = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}
    return store


def _print_speeds(store, plan, factor=STARVED, out=None):
    out = sys.stdout if out is None else out
    groups, capped_rows = speeds(store, plan, factor)
    depth = lambda d: "-" if d is None else str(d)  # noqa: E731
    print(f"seconds per epoch of every training in {store.folder}, by target, model and depth", file=out)
    print(f"{'target':10} {'model':12} {'depth':>5} {'trainings':>9} {'fastest':>8} {'slowest':>8} {'ratio':>6}",
          file=out)
    for target, model, d, n, lo, hi in groups:
        print(f"{target:10} {model:12} {depth(d):>5} {n:>9} {lo:8.2f} {hi:8.2f} {hi / lo:6.2f}", file=out)
    print(f"\ntrainings that stopped at the {plan.max_time:g} s cap; starved: more than {factor:g}x the fastest of "
          "their group in the folder", file=out)
    print(f"{'where':32} {'part':30} {'depth':>5} {'s/epoch':>8} {'x fastest':>9}  starved", file=out)
    for where, key, _target, _model, d, per_epoch, ratio, is_starved in capped_rows:
        print(f"{where:32} {key:30} {depth(d):>5} {per_epoch:8.2f} {ratio:9.2f}  {'yes' if is_starved else 'no'}",
              file=out)


def remake_starved(store, plan, budget_s, say, factor=STARVED):
    """Remake, once, the parts `starved` names (the old part kept in ``DIR/set-aside/starved/``); the number
    run."""
    return _remake(store, plan, set(starved(store, plan, factor)), store.folder / STARVED_ASIDE, budget_s, say)


def _remake(store, plan, keys, aside, budget_s, say):
    """Remake the parts `keys` in run order, each once: a part whose copy is already in `aside` stands. Each old
    part moves to `aside` once its remake is made. First remake the seeds trained with a selection since
    remade (`stale`), and, where a remade selection chooses another configuration, the parts trained with
    the old choice."""
    keys = {k for k in keys if not (aside / f"{k}.json").exists()}
    old_choice = stale(store)
    if old_choice:
        say(f"remaking {len(old_choice)} seed part(s) trained with a selection since remade: {', '.join(old_choice)}")
        _set_aside(store, old_choice, aside / "old-selection")
    todo = [u for u in units(plan, MODELS, plan.targets) if u.key in keys or u.key in old_choice]
    ran, t0 = 0, time.perf_counter()
    while todo:
        unit = todo.pop(0)
        need = unit_estimate(unit, store, "full", plan)
        if budget_s is not None and time.perf_counter() - t0 + need > budget_s:
            say(f"stopping before remaking {unit.key}: it needs ~{need / 60:.1f} min")
            break
        old = store.parts.get(unit.key)
        if old is not None:
            say(f"remaking {unit.key}: training(s) stopped at the {plan.max_time:g} s cap after "
                f"{', '.join(f'{s:.0f}' for s in capped(old, plan.max_time))} s")
        started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        u0 = time.perf_counter()
        result = run_unit(unit, store, plan, False)
        if old is not None:
            _set_aside(store, [unit.key], aside)
        store.put(unit, result, time.perf_counter() - u0, started)
        ran += 1
        if unit.kind == "select" and old is not None:
            before, now = old["result"]["selection"]["chosen"], result["selection"]["chosen"]
            if before != now:
                trained = [u for u in units(plan, MODELS, plan.targets) if u.kind != "select" and u.key in store
                           and unit.key in u.needs()]
                say(f"{unit.key} now chooses {now} (was {before}): remaking the {len(trained)} part(s) trained "
                    "with the old choice")
                _set_aside(store, [u.key for u in trained], aside / "old-selection")
                queued = {t.key for t in todo}
                todo += [u for u in trained if u.key not in queued]
            else:
                say(f"{unit.key} chooses {now} again")
    return ran


def make_expendable(path=Path("/proc/self/oom_score_adj")):
    """Ask the kernel to stop this process first if memory runs out (Linux: ``oom_score_adj`` 1000), so that
    a unit too large for the machine stops the worker, not the run beside it. Whether it could."""
    try:
        path.write_text("1000")
    except OSError:
        return False
    return True


def _instant(text):
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time with a zone (2026-12-06T11:20+00:00), got {text!r}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description="Make parts of the full learned run for some targets.")
    parser.add_argument("--parts", type=Path, required=True, metavar="DIR", help="the run's parts folder")
    parser.add_argument("--targets", default="", metavar="LIST", help="comma-separated targets to work on")
    parser.add_argument("--remake-capped", action="store_true",
                        help="first remake, once, the parts whose trainings stopped at the time cap")
    parser.add_argument("--remake-starved", action="store_true",
                        help=f"first remake, once, the parts holding a training that stopped at the time cap while "
                        f"running more than {STARVED:g}x slower per epoch than the fastest training of the same "
                        "target, model and depth (a starved process, whenever it ran)")
    parser.add_argument("--list-speeds", action="store_true",
                        help="print the seconds per epoch that --remake-starved reads (each target, model and "
                        "depth's fastest and slowest; every training that stopped at the cap, set-aside parts "
                        "included, against its group's fastest) and make nothing")
    parser.add_argument("--made-before", type=_instant, default=None, metavar="T",
                        help="with --remake-capped: only parts started before T (ISO 8601 with a zone, e.g. "
                        "2026-12-06T11:20+00:00)")
    parser.add_argument("--threads", type=_int_at_least(1), default=None, metavar="T",
                        help="torch threads: the run's own (part of the identity); needed to make parts")
    parser.add_argument("--budget-minutes", type=_positive_float, default=None, metavar="M",
                        help="start no unit that would end after M minutes")
    args = parser.parse_args(argv)
    plan = PLANS["full"]
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in plan.targets]
    if unknown or not (targets or args.remake_capped or args.remake_starved or args.list_speeds):
        parser.error(f"`--targets`: expected some of {', '.join(plan.targets)}, got {args.targets!r}")
    if not args.parts.is_dir():
        parser.error(f"`--parts`: expected the run's parts folder, got {args.parts} (not a folder); start the run "
                     "with `python -m benchmarks.learned --parts DIR` first")
    if args.list_speeds:  # reads the parts as they are, whatever code made them: it makes nothing
        _print_speeds(_read_parts(args.parts), plan)
        return 0
    if args.threads is None:
        parser.error("`--threads`: expected the run's torch threads (e.g. --threads 1), got nothing; they are "
                     "part of the parts' identity")
    try:
        store = PartStore(args.parts, identity("full", plan, args.threads)).open()
    except PartsMismatch as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    todo = [u for u in units(plan, MODELS, plan.targets) if u.kind != "images" and u.target in targets]
    import torch

    torch.set_num_threads(args.threads)
    make_expendable()
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    budget_s = None if args.budget_minutes is None else 60 * args.budget_minutes
    t0 = time.perf_counter()
    left_s = lambda: None if budget_s is None else budget_s - (time.perf_counter() - t0)  # noqa: E731
    ran = remake_capped(store, plan, left_s(), say, args.made_before) if args.remake_capped else 0
    if args.remake_starved:
        ran += remake_starved(store, plan, left_s(), say)
    ran += execute(todo, store, lambda unit: run_unit(unit, store, plan, False),
                   lambda unit: unit_estimate(unit, store, "full", plan), budget_s=left_s(), say=say)
    left = sum(u.key not in store for u in todo)
    say(f"{PROG}: made {ran} part(s); {left} of {len(todo)} for {', '.join(targets) or 'no target'} left")
    return 0 if left == 0 else 3


if __name__ == "__main__":
    sys.exit(main())
