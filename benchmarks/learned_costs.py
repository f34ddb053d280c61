"""What each unit of the learned benchmark costs: the estimates `--budget-minutes` and `--plan-only` use.

Kept apart from the code that decides results (`benchmarks.learned_parts.CODE_FILES` leaves this file out),
so that a new measurement of the costs does not void the parts of a run in progress.
"""

from __future__ import annotations

from benchmarks.learned_plan import grid_of

__all__ = ["estimate"]


#: Mean seconds of one training (one grid point) per model on the full plan, `--threads 1`, measured on
#: 2 cores shared with other work (load average 4-7, about twice a quiet machine's times): maxmp, gcn,
#: transformer, adjcnn and pna from their strict select units; the other models estimated from their nearest
#: measured kin (mpnn, gat ~ transformer; gin, sage ~ gcn). Training is capped at `Plan.max_time` (120 s).
_TRAIN = {"maxmp": 4.4, "mpnn": 30, "transformer": 30, "gcn": 13.5, "gin": 15, "sage": 13.5, "gat": 30,
          "pna": 40, "adjcnn": 96, "oracle": 0}
#: Seconds to score every set (the 10^6-node graph is most of it) and, on the strict target, the probes.
_SCORE = {"maxmp": 5, "adjcnn": 40, "oracle": 5}
_OTHER = {"data": 30, "score": 25, "images": 510, "speed": 240}


def estimate(unit, plan_name, plan):
    """Expected seconds of `unit` under `plan_name` (the full plan's numbers scaled down for the others)."""
    scale = 1.0 if plan_name == "full" else 0.02
    train = _TRAIN.get(unit.model, 0)
    score = _SCORE.get(unit.model, _OTHER["score"])
    if unit.kind == "select":
        seconds = len(grid_of(unit.model, plan)) * train + score
    elif unit.kind == "seed":
        seconds = 1.3 * train + score  # the chosen configuration is more often the deeper one
    elif unit.kind == "curve":
        seconds = 1.5 * train * unit.size / plan.num_train + 2
    elif unit.kind == "depth":
        seconds = train * unit.size / 2 + score
    else:
        seconds = _OTHER[unit.kind]
    return seconds * scale + 0.5
