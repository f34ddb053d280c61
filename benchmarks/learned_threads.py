"""The learned run's speed section at matched thread counts.

    python -m benchmarks.learned_threads                      # threads 1 and 2; writes results/learned_threads.*
    python -m benchmarks.learned_threads --threads 1 --models maxmp --out /tmp/x   # a partial run: only with --out
    python -m benchmarks.learned_threads --from-json benchmarks/results/learned_threads.json   # re-render the table

The full learned run (`benchmarks.learned`) times the models on its torch thread count (1, part of the parts'
identity) and the exact detector on numba's default threads (every usable CPU). This suite times both on the
same count, for each count given: `numba.set_num_threads(t)` and `torch.set_num_threads(t)` before the same
measurement (`benchmarks.learned_units.speed`: one kNN graph of 10^6 nodes, the strict target, graph building
outside every timed region or inside every one). Each model is built with the configuration the committed run
chose on the strict target (seed 0's selection part in `benchmarks/results/learned.parts`), freshly
initialised, as in the run. The table gives each model's time as a multiple of the exact detector's at the
same thread count, measured in the same process, one after the other.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as benchmarks.learned does, before torch starts

from benchmarks._common import results_folder, write_json, write_text  # noqa: E402
from benchmarks._machine import apply_threads, cpu_busy_fraction, git_state, machine_info, package_versions, \
    quiet_warning  # noqa: E402
from benchmarks.learned_plan import MODELS, PLANS  # noqa: E402
from benchmarks.learned_report import _git, _seconds_ms  # noqa: E402
from graphmax._cli_common import _int_at_least  # noqa: E402

PROG = "python -m benchmarks.learned_threads"
RESULTS = Path(__file__).resolve().parent / "results"
PARTS = RESULTS / "learned.parts"
DEFAULT_THREADS = (1, 2)
DEFAULT_MODELS = ("maxmp", "sage", "oracle")  #: the aligned model, the fastest generic GNN, the hand-set bound
EXACT = "exact (graphmax.local_maxima)"


def chosen_kwargs(model, parts=PARTS):
    """The configuration the committed run chose for `model` on the strict target (its seed-0 selection part)."""
    path = Path(parts) / f"select-strict-{model}-s0.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the committed learned run's parts hold each model's choice")
    return json.loads(path.read_text(encoding="utf-8"))["result"]["model_kwargs"]


PLAN = PLANS["full"]  #: the learned run's plan: its speed graph (10^6 nodes) and repeats


def measure(threads, models, plan=None, parts=PARTS):
    """{thread count: `speed`'s record} for each count in `threads`, the exact detector and `models` alike;
    numba's and torch's thread counts are restored afterwards."""
    import numba
    import torch

    from benchmarks.learned_units import speed

    plan = PLAN if plan is None else plan
    kwargs = {m: chosen_kwargs(m, parts) for m in models}
    previous = (numba.get_num_threads(), torch.get_num_threads())
    out = {}
    try:
        for t in threads:
            used = apply_threads(t)
            busy = cpu_busy_fraction()
            out[t] = {**speed(kwargs, plan), "threads_used": {"numba": used["numba"], "torch": used["torch"]},
                      "cpu_busy_before": busy}
    finally:
        numba.set_num_threads(previous[0])
        torch.set_num_threads(previous[1])
    return out


def render(report):
    env = report["environment"]
    m = env["machine"]
    lines = ["# Learned run's speed section at matched thread counts", "",
             f"Command: `{report['command']}`, {report['started']}.",
             f"Machine: {m.get('cpu_model')} ({m.get('cpus_usable')} usable CPUs); torch "
             f"{env['versions'].get('torch')}, numba {env['versions'].get('numba')}; git {_git(env)}.", "",
             f"One kNN graph of {report['nodes']:,} nodes, strict target; the same measurement as the learned run's "
             "speed section (`benchmarks.learned_units.speed`): `prebuilt` times detection on a graph built "
             "beforehand (the exact detector gets a `graphmax.Graph`, each model its message and value tensors), "
             "`from edges` times everything from the same PyG `edge_index` tensor and numpy values. Median of "
             f"{next(iter(report['runs'].values()))['repeats']} after a warm-up (1 for a call over 5 s). Both numba "
             "and torch run on the row's thread count; `x exact` is the time as a "
             "multiple of the exact detector's at the same count, in the same process.", "",
             "| threads | detector | prebuilt | x exact | from edges | x exact |", "|---|---|---|---|---|---|"]
    for t, rec in report["runs"].items():
        exact = rec["rows"][EXACT]
        for name, row in rec["rows"].items():
            lines.append(f"| {t} | {name} | {_seconds_ms(row['prebuilt'])} | {row['prebuilt'] / exact['prebuilt']:.3g} | "
                         f"{_seconds_ms(row['from_edges'])} | {row['from_edges'] / exact['from_edges']:.3g} |")
    busy = [rec.get("cpu_busy_before") for rec in report["runs"].values()]
    lines += ["", "CPUs busy with other work before each thread count: "
              + ", ".join("?" if b is None else f"{b:.0%}" for b in busy) + "."]
    warning = quiet_warning({"machine": {"cpu_busy_at_start": max((b for b in busy if b is not None), default=None)}})
    if warning:
        lines += ["", f"**{warning}**"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description="The learned run's speed section with numba and torch "
                                     "on the same thread count.")
    parser.add_argument("--threads", default=None, metavar="LIST",
                        help=f"comma-separated thread counts (default: {','.join(map(str, DEFAULT_THREADS))})")
    parser.add_argument("--models", default=None, metavar="LIST",
                        help=f"comma-separated models of the committed run (default: {','.join(DEFAULT_MODELS)})")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder; a run with other --threads or --models writes nothing without it")
    parser.add_argument("--from-json", type=Path, default=None, metavar="FILE",
                        help="measure nothing: rewrite learned_threads.md from a written learned_threads.json "
                        "(the file itself is never written)")
    args = parser.parse_args(argv)
    if args.from_json is not None:
        report = json.loads(args.from_json.read_text(encoding="utf-8"))
        out = results_folder(args.out, partial=report.get("partial", True), default=RESULTS)
        text = render(report)
        print(text)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            write_text(out / "learned_threads.md", text)
        return 0
    try:
        threads = DEFAULT_THREADS if args.threads is None else tuple(
            _int_at_least(1)(t.strip()) for t in args.threads.split(",") if t.strip())
    except argparse.ArgumentTypeError as exc:
        parser.error(f"`--threads`: {exc}")
    models = DEFAULT_MODELS if args.models is None else tuple(m.strip() for m in args.models.split(",") if m.strip())
    unknown = [m for m in models if m not in MODELS]
    if unknown or not threads:
        parser.error(f"`--models`: expected some of {', '.join(MODELS)}, got {args.models!r}" if unknown
                     else f"`--threads`: expected thread counts such as 1,2, got {args.threads!r}")
    partial = threads != DEFAULT_THREADS or models != DEFAULT_MODELS
    out = results_folder(args.out, partial=partial, default=RESULTS)
    command = " ".join([PROG, *map(shlex.quote, argv if argv is not None else sys.argv[1:])])
    report = {"command": command, "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "environment": {"machine": machine_info(), "versions": package_versions(), "git": git_state()},
              "models": list(models), "partial": partial}
    report["runs"] = {str(t): rec for t, rec in measure(threads, models).items()}
    report["nodes"] = next(iter(report["runs"].values()))["nodes"]
    text = render(report)
    print(text)
    if out is None:
        print(f"{PROG}: a partial run writes no file; pass --out DIR to keep it", file=sys.stderr)
        return 0
    out.mkdir(parents=True, exist_ok=True)
    write_json(report, out / "learned_threads.json")
    write_text(out / "learned_threads.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
