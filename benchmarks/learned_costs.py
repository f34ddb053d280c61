"""What each unit of the learned benchmark costs: the estimates `--budget-minutes` and `--plan-only` use.

Kept apart from the code that decides results (`benchmarks.learned_parts.CODE_FILES` leaves this file out),
so that a new measurement of the costs does not void the parts of a run in progress.
"""

from __future__ import annotations

from benchmarks.learned_plan import grid_of

__all__ = ["estimate"]


#: Seconds one unit takes on the full plan, 2 cores shared with other work, torch threads 1 (measured:
#: benchmarks/learned_README.md, "Cost"). Training is capped at `Plan.max_time` (120 s) per configuration.
_TRAIN_FULL = {"maxmp": 15, "mpnn": 110, "transformer": 120, "gcn": 60, "gin": 70, "sage": 60, "gat": 110,
               "pna": 120, "adjcnn": 120, "oracle": 0}
_FULL = {"data": 60, "score": 40, "probes": 20, "images": 900, "speed": 240}


def estimate(unit, plan_name, plan):
    """Expected seconds of `unit` under `plan_name` (the full plan's numbers scaled down for the others)."""
    scale = 1.0 if plan_name == "full" else 0.02
    train = _TRAIN_FULL.get(unit.model, 0)
    if unit.kind == "data":
        seconds = _FULL["data"]
    elif unit.kind == "select":
        seconds = len(grid_of(unit.model, plan)) * train + _FULL["score"] + (
            _FULL["probes"] if unit.target == "strict" else 0)
    elif unit.kind == "seed":
        seconds = train + _FULL["score"] + (_FULL["probes"] if unit.target == "strict" else 0)
    elif unit.kind == "curve":
        seconds = train * (0.3 + unit.size / plan.num_train) + 5
    elif unit.kind == "depth":
        seconds = train * 1.5 + _FULL["score"]
    else:
        seconds = _FULL[unit.kind]
    return seconds * scale + 0.5
