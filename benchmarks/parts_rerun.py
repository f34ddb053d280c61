"""Remake parts of the full learned run in memory and compare them with the stored ones (writes nothing).

    python -m benchmarks.parts_rerun --parts DIR --threads 1 seed-strict-adjcnn-s1 [UNIT ...]

For each unit it prints whether the remake equals the part: the training
record (epochs, best epoch, validation F1; for a selection, every grid
point's) and the accuracy of every set. A reproducibility check: the same
identity (code, plan, threads, versions) should give the same numbers; where
it does not, the machine or process differs (docs/decisions.md, "The learned
run's time cap"). Exit status 0 when every remake equals its part, 1 if not.
This file is not part of the parts' code identity.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as benchmarks.learned does, before torch starts

from benchmarks.learned import PLANS, run_unit  # noqa: E402
from benchmarks.learned_parts import PartsMismatch, PartStore, identity  # noqa: E402
from benchmarks.learned_plan import Unit  # noqa: E402
from graphmax._cli_common import _int_at_least  # noqa: E402

PROG = "python -m benchmarks.parts_rerun"
_TRAIN = ("epochs", "best_epoch", "val_f1")


def summary(result):
    """What a part's result is compared by: training records and per-set accuracy."""
    out = {}
    run = result.get("run") or {}
    if "train" in run:
        out["train"] = {k: run["train"].get(k) for k in _TRAIN}
    for point in (result.get("selection") or {}).get("grid", []):
        out[f"grid {point.get('name')}"] = {k: point.get(k) for k in _TRAIN}
    for name, scores in (run.get("sets") or {}).items():
        out[f"{name} accuracy"] = scores.get("accuracy")
    if "curve" in result:
        out["curve"] = result["curve"]
    return out


def differences(old, new):
    """``[(what, old, new)]`` where the two summaries differ."""
    a, b = summary(old), summary(new)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description="Remake learned-run parts in memory and compare.")
    parser.add_argument("units", nargs="+", metavar="UNIT", help="part names (file names without .json)")
    parser.add_argument("--parts", type=Path, required=True, metavar="DIR", help="the run's parts folder")
    parser.add_argument("--threads", type=_int_at_least(1), required=True, metavar="T",
                        help="torch threads: the run's own (part of the identity)")
    args = parser.parse_args(argv)
    plan = PLANS["full"]
    try:
        store = PartStore(args.parts, identity("full", plan, args.threads)).open()
    except PartsMismatch as exc:
        parser.error(str(exc))
    missing = [u for u in args.units if u not in store]
    if missing:
        parser.error(f"`UNIT`: expected parts of {args.parts}, got {', '.join(missing)} (not there)")
    import torch

    torch.set_num_threads(args.threads)
    same = True
    for key in args.units:
        part = store.parts[key]
        new = json.loads(json.dumps(run_unit(Unit(**part["fields"]), store, plan, False), default=str))
        diffs = differences(part["result"], new)
        same = same and not diffs
        print(f"{key}: {'the same' if not diffs else f'{len(diffs)} difference(s)'}", flush=True)
        for what, a, b in diffs:
            print(f"  {what}: part {a}, remade {b}", flush=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
