"""Learned local-maximum detectors against the exact answer, under one protocol for every model.

Run ``python -m benchmarks.learned [--quick] [--seeds N] [--out DIR]`` (or
``graphmax bench learned ...``); benchmarks/learned_README.md says what each
set, model and column means.

The protocol, for every target (``graphmax.local_maxima(graph, x, mode=...,
hops=..., direction=...)``, `graphmax.learn.targets.TARGETS`) and every model
of the registry:

1. draw the data of each seed (`graphmax.learn.data.make_splits`) and check
   that the exact detector reproduces every label (it is the labeller);
2. model selection on seed 0's **validation** split only: every value
   encoding (raw, standardised per graph, rank, rank/n) x every depth of the
   plan's grid, the same epoch cap, patience, batch size and time cap for
   every model; the best validation F1 (then loss) wins;
3. train the chosen configuration with every seed; score it on the test set
   and every out-of-distribution set (sizes up to ``n=1e6``, unseen
   families, value sets that change ranks or orders of magnitude, the
   adversarial set); bootstrap 95% intervals over graphs, worst seed;
4. probes on the strict target: permutation equivariance, invariance to
   increasing transforms, the MaxMP certificate, and inference speed with
   graph building outside every timed region (and, separately, inside every
   one);
5. images: the asker's CNN as written and corrected, an FCN, max-pool NMS,
   the seed's MaxMP on grid graphs, on synthetic images and the asker's
   centred/moved pairs on real photographs.

The run is a list of units (`benchmarks.learned_plan`), done by
`benchmarks.learned_units` and `benchmarks.learned_images`, kept as parts
(`benchmarks.learned_parts`: a folder of small JSON files for a run spread
over sessions, ``--parts DIR --budget-minutes M``) and assembled into
``learned.json``, ``learned.md`` and two PNG plots (`benchmarks.learned_report`)
once every unit is in. A full run keeps its parts in
benchmarks/results/learned.parts/ and writes benchmarks/results/ (or ``--out``)
when it completes; a quick or partial run writes nothing unless ``--out``
names a folder.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from benchmarks._common import results_folder
from benchmarks._machine import cpu_busy_fraction, git_state, machine_info, package_versions
from benchmarks.learned_parts import PartsMismatch, PartStore, assemble_runs, execute, identity, needs_of, \
    unit_estimate
from benchmarks.learned_costs import estimate
from benchmarks.learned_plan import ASKER_VARIANTS, MODELS, PLANS, TARGET_NAMES, Unit, grid_of, units
from benchmarks.learned_report import DEFAULT_OUT, DOCS, DOCS_BEGIN, DOCS_END, render_markdown, summarise, \
    update_docs, write_outputs
from graphmax._cli_common import _int_at_least

# Before torch or numba start an OpenMP runtime: see graphmax/learn/__init__.py (spinning threads of
# one runtime starve the other on a small machine).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__all__ = ["main", "build_parser", "run", "PLANS", "MODELS", "TARGET_NAMES", "ASKER_VARIANTS", "grid_of", "DOCS",
           "DOCS_BEGIN", "DOCS_END", "update_docs", "DEFAULT_PARTS"]

PROG = "python -m benchmarks.learned"
SCHEMA = 2
#: Where a full run keeps its parts: committed, so that a session on a fresh machine continues the run.
DEFAULT_PARTS = DEFAULT_OUT / "learned.parts"
STOPPED = 3  #: exit status of a run that stopped (budget, --max-units) with units still to do
_SPEED = Unit("speed")  #: the speed section: measured by the assembling run, estimated like a unit
_STRICT_MAXMP = Unit("select", "strict", "maxmp")  #: whose weights the image units apply to grid graphs


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes > 0, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of minutes > 0, got {value}")
    return value


def build_parser(prog=PROG):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Train every learned local-maximum detector (GNNs, a graph transformer, CNNs) on every target "
        "under one protocol, over several seeds, and compare them with the exact answer (graphmax) in and out of "
        "distribution.",
        epilog="Results: learned.json, learned.md, learned_size.png, learned_shift.png. See "
        "benchmarks/learned_README.md.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="every model on every target, one seed, tiny sets and a two-point grid: checks the "
                      "harness in < 3 min on 2 cores (its scores mean little)")
    size.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # seconds; for the test suite
    parser.add_argument("--seeds", type=_int_at_least(1), default=None, metavar="N",
                        help="seeds 0..N-1 (default: 10, or 1 with --quick)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder. Default: a full run (every model, target and image, the plan's seeds) "
                        "writes benchmarks/results/; a quick or partial run (--quick, --models, --targets, "
                        "--no-images, --seeds) prints its tables and writes no file unless --out names a folder")
    parser.add_argument("--models", default=None, metavar="LIST",
                        help=f"comma-separated graph models (default: all of {', '.join(MODELS)})")
    parser.add_argument("--targets", default=None, metavar="LIST",
                        help=f"comma-separated targets (default: all of {', '.join(TARGET_NAMES)})")
    parser.add_argument("--no-images", action="store_true", help="skip the image CNN part")
    parser.add_argument("--threads", type=_int_at_least(1), default=2, metavar="T",
                        help="torch threads (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--from-json", type=Path, default=None, metavar="FILE",
                        help="no training: rewrite learned.md and the plots from a complete learned.json")
    parts = parser.add_argument_group("a run in parts (resumable across sessions)")
    parts.add_argument("--parts", type=Path, default=None, metavar="DIR",
                       help="keep each finished unit as one JSON part in DIR, skip the units already there, and "
                       "assemble the results once every unit is in. Default: a full run uses "
                       "benchmarks/results/learned.parts (committed: a checkpoint, not a result); a quick or "
                       "partial run keeps its parts in memory")
    parts.add_argument("--budget-minutes", type=_positive_float, default=None, metavar="M",
                       help="start no unit that would end after M minutes (estimates: --plan-only); stops cleanly "
                       f"between units with exit status {STOPPED}; run again to continue")
    parts.add_argument("--max-units", type=_int_at_least(0), default=None, metavar="N",
                       help=f"run at most N units, then stop (exit status {STOPPED} if units remain)")
    parts.add_argument("--plan-only", action="store_true",
                       help="print the plan's units with their estimated minutes (and which are done in the "
                       "parts folder) and exit")
    parts.add_argument("--set-aside", action="store_true",
                       help="move parts made by other code or settings to DIR/set-aside/ instead of refusing")
    return parser


def _pick(text, known, what, prog):
    if text is None:
        return list(known), None
    chosen = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in known]
    if unknown or not chosen:
        return None, f"{prog}: error: unknown {what} {unknown or text!r}; choose from {list(known)}"
    return chosen, None


def _say(text):
    print(text, file=sys.stderr, flush=True)


def main(argv=None, prog=PROG):
    """Run the benchmark with `argv` (default ``sys.argv[1:]``); return the exit status (0 complete, 2 usage
    error or a parts folder of other code, 3 stopped with units left, 130 interrupted).

    `prog` names the command in usage and in the report (``graphmax bench learned`` from the CLI).
    """
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.from_json is not None:
        report = json.loads(Path(args.from_json).read_text())
        if not report.get("complete") or report.get("schema") != SCHEMA:
            _say(f"{prog}: error: {args.from_json} is not a complete run of schema {SCHEMA}")
            return 2
        out = results_folder(args.out, partial=report.get("partial", True), default=DEFAULT_OUT)
        if out is None:
            print(render_markdown(report))
            return 0
        write_outputs(report, out, source=args.from_json)
        return 0
    plan_name = "smoke" if args.smoke else "quick" if args.quick else "full"
    plan = PLANS[plan_name]
    if args.seeds is not None:
        plan = replace(plan, seeds=args.seeds)
    models, error = _pick(args.models, MODELS, "model(s)", prog)
    targets, error2 = _pick(args.targets, plan.targets, "target(s)", prog)
    if error or error2:
        _say(error or error2)
        return 2
    partial = (plan_name != "full" or args.models is not None or args.targets is not None or args.no_images
               or plan.seeds != PLANS[plan_name].seeds)
    out = results_folder(args.out, partial=partial, default=DEFAULT_OUT)
    parts = args.parts
    if parts is None and not partial:
        parts = DEFAULT_PARTS if Path(out).resolve() == DEFAULT_OUT.resolve() else Path(out) / "learned.parts"
    if parts is None and (args.budget_minutes is not None or args.max_units is not None):
        _say(f"{prog}: error: `--budget-minutes` and `--max-units` need a parts folder (a quick or partial run "
             "keeps its parts in memory): pass --parts DIR")
        return 2
    todo = units(plan, models, targets, images=not args.no_images)
    try:
        store = PartStore(parts, identity(plan_name, plan, args.threads)).open(args.set_aside)
    except PartsMismatch as exc:
        if not args.plan_only:
            _say(f"{prog}: error: {exc}")
            return 2
        # only a listing: parts of other code (the committed run's, once its code is edited) count for nothing
        _say(f"{prog}: note: {exc}. None of them counts as done for this code and settings.")
        store = PartStore(None, identity(plan_name, plan, args.threads))
    if args.plan_only:
        print(plan_table(todo, store, plan_name, plan, args.budget_minutes))
        return 0
    import torch

    command = " ".join([prog, *map(shlex.quote, map(str, argv if argv is not None else sys.argv[1:]))])
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        report = run(store, todo, plan, plan_name, models, targets, out, progress=not args.quiet,
                     threads=args.threads, command=command, partial=partial,
                     budget_s=None if args.budget_minutes is None else 60 * args.budget_minutes,
                     max_units=args.max_units)
    except PartsMismatch as exc:
        _say(f"{prog}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        kept = f"the finished parts are kept in {parts}" if parts is not None else "nothing was kept"
        _say(f"{prog}: interrupted; {kept} (the unit that was running left no part)")
        return 130
    finally:
        torch.set_num_threads(previous_threads)  # leave an in-process caller (the CLI, tests) as it was
    if report is None:
        left = sum(u.key not in store for u in todo)
        _say(f"{prog}: stopped with {left} of {len(todo)} units to do (parts in {parts}); run the same command "
             "again to continue")
        return STOPPED
    if not args.quiet or out is None:
        print(render_markdown(report))
    if out is None:
        _say(f"{prog}: a quick or partial run writes no file; pass --out DIR to keep its results")
    return 0


def plan_table(todo, store, plan_name, plan, budget_minutes=None):
    """The units of a run with their estimated minutes and whether their part is in; totals."""
    lines = [f"plan {plan_name}: {len(todo)} units (+ the speed section, measured by the assembling run)",
             f"{'unit':<34} {'min':>7}  status"]
    pending = 0.0
    total = 0.0
    for unit in todo:
        done = unit.key in store
        minutes = (store.parts[unit.key]["made"]["wall_seconds"] if done
                   else unit_estimate(unit, store, plan_name, plan)) / 60
        total += minutes
        pending += 0 if done else minutes
        lines.append(f"{unit.key:<34} {minutes:7.1f}  {'done' if done else 'to do'}")
    speed_min = estimate(_SPEED, plan_name, plan) / 60
    lines.append(f"{'speed (assembling run)':<34} {speed_min:7.1f}  to do")
    lines.append(f"total {total + speed_min:.0f} min ({(total + speed_min) / 60:.1f} h); still to do "
                 f"{pending + speed_min:.0f} min ({(pending + speed_min) / 60:.1f} h)")
    if budget_minutes:
        lines.append(f"at --budget-minutes {budget_minutes:g}: about {-(-(pending + speed_min) // budget_minutes):.0f} "
                     "run(s), more where a unit does not fit the budget's remainder")
    return "\n".join(lines)


def run(store, todo, plan, plan_name, models, targets, out, *, progress=True, threads=2, command=PROG,
        partial=False, budget_s=None, max_units=None):
    """Run the units of `todo` missing from `store` (within `budget_s` seconds and `max_units` units), then,
    if every unit is in, assemble the report, measure speed, write the files into `out` (None: none) and
    return the report; None when units are left."""
    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    speed_s = estimate(_SPEED, plan_name, plan) if "strict" in targets and models else 0.0
    bar = tqdm(total=len(todo), initial=sum(u.key in store for u in todo), desc="learned benchmark",
               disable=not progress)
    try:
        execute(todo, store, lambda unit: run_unit(unit, store, plan, progress),
                lambda unit: unit_estimate(unit, store, plan_name, plan), budget_s=budget_s, max_units=max_units,
                reserve_s=speed_s, bar=bar, say=_say)
    finally:
        bar.close()
    if any(u.key not in store for u in todo):
        return None
    if budget_s is not None and time.perf_counter() - t_start + speed_s > budget_s:
        _say(f"every unit is in; the speed section and the assembly need ~{speed_s / 60:.1f} min, more than the "
             "budget left")
        return None
    return assemble(store, todo, plan, plan_name, models, targets, out, threads=threads, command=command,
                    partial=partial, t_start=t_start)


def run_unit(unit, store, plan, progress):
    """Do one unit; its result (the part's ``result``)."""
    from benchmarks import learned_units as lu

    if unit.kind == "data":
        return lu.unit_data(plan, unit.target, unit.seed)
    if unit.kind == "select":
        return lu.unit_select(plan, unit.target, unit.model, progress)
    if unit.kind == "images":
        from benchmarks.learned_images import unit_images

        key = _STRICT_MAXMP.key if unit.seed == 0 else replace(_STRICT_MAXMP, kind="seed", seed=unit.seed).key
        det = lu.maxmp_detector(store.result(key)) if key in store else None
        return {**unit_images(plan, unit.seed, det, progress), "maxmp_from": key if det else "train_detector defaults"}
    (select,) = needs_of(unit, store)
    chosen = select["selection"]["chosen"]
    if unit.kind == "seed":
        return lu.unit_seed(plan, unit.target, unit.model, unit.seed, chosen, progress)
    if unit.kind == "curve":
        return lu.unit_curve(plan, unit.target, unit.model, unit.seed, unit.size, chosen, progress)
    return lu.unit_depth(plan, unit.target, unit.model, unit.size, chosen, progress)


def assemble(store, todo, plan, plan_name, models, targets, out, *, threads, command, partial, t_start):
    """The report of a run whose every unit is in `store`; the speed section is measured now."""
    runs, per_graph = assemble_runs(store, todo, plan, models, targets)
    made = [store.parts[u.key]["made"] for u in todo]
    report = {
        "schema": SCHEMA,
        "complete": False,
        "partial": bool(partial),
        "command": command,
        "plan_name": plan_name,
        "plan": asdict(plan),
        "threads": threads,
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "environment": {"machine": machine_info(), "versions": package_versions(), "git": git_state()},
        "seeds": list(range(plan.seeds)),
        "models": list(models),
        "targets": list(targets),
        **runs,
        "parts": None if store.folder is None else {
            "folder": _shown(store.folder), "code": store.ident["code"], "units": len(todo),
            "sessions": len({m["session"] for m in made}), "unit_seconds": sum(m["wall_seconds"] for m in made)},
        "wall_seconds": 0.0,
    }
    if "strict" in targets and models:
        from benchmarks.learned_units import speed

        kwargs = {m: store.result(Unit("select", "strict", m).key)["model_kwargs"] for m in models}
        load = {"load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                "cpu_busy_before": cpu_busy_fraction()}
        report["speed"] = {**speed(kwargs, plan), **load}
    report["summary"] = summarise(report, per_graph)
    report["complete"] = True
    report["wall_seconds"] = time.perf_counter() - t_start
    if out is not None:
        write_outputs(report, out)
    return report


def _shown(folder):
    """`folder` relative to the repository when inside it (reports do not name this machine's paths)."""
    try:
        return Path(folder).resolve().relative_to(DEFAULT_OUT.parent.parent).as_posix()
    except ValueError:
        return str(folder)


if __name__ == "__main__":
    sys.exit(main())
