"""A learned-benchmark run in resumable parts: one small JSON file per finished unit, assembled when all are in.

A full run takes longer than a session, so it is cut into units
(`benchmarks.learned_plan.units`). Each finished unit is written atomically
as ``DIR/<unit>.json`` with what it needs to be trusted: the *identity* of
the code and settings that made it (a digest of the files that decide the
results, the plan, torch's thread count, the torch / PyG / numpy versions)
and a record of where and when (git commit, graphmax version, load, wall
time). A later run with the same identity skips the units present and runs
the rest; one with another identity refuses the folder (or, asked to, sets
the other parts aside) -- parts of different code are never mixed. Every
unit that reads a target's data records the data's digest, and assembly
checks that all parts of one target and seed read the same data: the
labeller (graphmax's exact detector) is checked by its outputs, not by its
source.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict
from pathlib import Path

import numpy as np

from benchmarks._common import json_default, write_json
from benchmarks._machine import git_state, package_versions
from benchmarks.learned_costs import estimate
from benchmarks.learned_plan import Unit

__all__ = ["PartsMismatch", "PartStore", "identity", "code_digest", "execute", "assemble_runs", "CODE_FILES"]

PART_SCHEMA = 1
ROOT = Path(__file__).resolve().parents[1]
#: The files whose source decides a part's numbers (the report's rendering and the cost estimates do not).
CODE_FILES = ("graphmax/learn/**/*.py", "benchmarks/learned*.py")
_NOT_CODE = ("benchmarks/learned_report.py", "benchmarks/learned_costs.py")
#: Identity fields that must agree across the parts of one run.
_VERSIONED = ("torch", "torch-geometric", "numpy")


class PartsMismatch(ValueError):
    """A parts folder holds parts made by other code or settings, or parts that disagree on their data."""


def code_digest(root=ROOT):
    """sha256 over the relative paths and bytes of `CODE_FILES` (sorted)."""
    h = hashlib.sha256()
    files = sorted({p for pattern in CODE_FILES for p in Path(root).glob(pattern)})
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel in _NOT_CODE or "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def identity(plan_name, plan, threads):
    """What must be equal for two parts to belong to one run."""
    plan_json = json.dumps(asdict(plan), sort_keys=True, default=json_default)
    versions = package_versions()
    return {"code": code_digest(), "plan_name": plan_name, "plan": hashlib.sha256(plan_json.encode()).hexdigest(),
            "threads": int(threads), **{name: versions.get(name) for name in _VERSIONED}}


class PartStore:
    """The parts of one run: files in `folder`, or in memory (`folder` None: a one-process run)."""

    def __init__(self, folder, ident):
        self.folder = None if folder is None else Path(folder)
        self.ident = ident
        self.parts = {}
        self.session = uuid.uuid4().hex[:12]  #: this run, as its parts record it

    def open(self, set_aside=False):
        """Read the folder's parts; refuse (`PartsMismatch`) or set aside those of another identity."""
        if self.folder is None or not self.folder.is_dir():
            return self
        other = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                part = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise PartsMismatch(f"{path} is not a readable part ({type(exc).__name__}: {exc}); parts are "
                                    "written atomically, so this file was not written by this benchmark -- "
                                    "move it away") from None
            theirs = part.get("identity") if isinstance(part, dict) else None
            if theirs != self.ident or part.get("schema") != PART_SCHEMA or part.get("unit") != path.stem:
                other.append((path, _difference(theirs, self.ident)))
            else:
                self.parts[path.stem] = part
        if other and not set_aside:
            path, diff = other[0]
            raise PartsMismatch(
                f"`--parts` folder {self.folder} holds {len(other)} part(s) made by other code or settings "
                f"(first: {path.name}: {diff}); parts of different code are never mixed: pass --set-aside to move "
                f"them to {self.folder / 'set-aside'}/, or name another folder with --parts")
        for path, _ in other:
            code = (json.loads(path.read_text()).get("identity") or {}).get("code") or "unknown"
            target = self.folder / "set-aside" / str(code)[:12]
            target.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), str(target / path.name))
        return self

    def __contains__(self, key):
        return key in self.parts

    def result(self, key):
        return self.parts[key]["result"]

    def put(self, unit, result, wall_seconds, started):
        part = {"schema": PART_SCHEMA, "unit": unit.key, "fields": asdict(unit), "identity": self.ident,
                "made": {"session": self.session, "started": started, "wall_seconds": wall_seconds, "git": git_state(),
                         "graphmax": package_versions().get("graphmax"),
                         "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
                "result": result}
        if self.folder is not None:
            write_json(part, self.folder / f"{unit.key}.json", indent=None)  # atomic: a part is whole or absent
        self.parts[unit.key] = json.loads(json.dumps(part, default=json_default))  # what a reader would get

    def observed(self, unit):
        """Mean wall seconds of the parts of the same kind, target and model (else of the same kind and
        model, any target), or None."""
        for fields in (("kind", "target", "model"), ("kind", "model")):
            same = [p["made"]["wall_seconds"] for p in self.parts.values()
                    if all(p["fields"][k] == getattr(unit, k) for k in fields)]
            if same:
                return float(np.mean(same))
        return None


def _difference(theirs, ours):
    if not isinstance(theirs, dict):
        return "no identity record"
    diffs = [f"{k} {str(theirs.get(k))[:12]}, here {str(v)[:12]}" for k, v in ours.items() if theirs.get(k) != v]
    return "; ".join(diffs) or "another part schema or unit name"


def unit_estimate(unit, store, plan_name, plan):
    """Seconds `unit` is expected to take: the mean of its finished siblings, else the plan's table."""
    seen = store.observed(unit)
    return seen if seen is not None else estimate(unit, plan_name, plan)


def execute(todo, store, run_unit, estimate_of, *, budget_s=None, max_units=None, reserve_s=0.0, bar=None,
            say=print):
    """Run the units of `todo` not yet in `store`, in order, until done or the budget would be exceeded.

    `run_unit(unit)` returns a unit's result. A unit starts only if the time used so far plus its
    estimate (`estimate_of(unit)`) (plus `reserve_s` once it is the last one) fits `budget_s`; at most `max_units` run.
    Returns the number run. An exception (Ctrl-C included) leaves every finished part written and no
    part of the unit it interrupted.
    """
    t0 = time.perf_counter()
    pending = [u for u in todo if u.key not in store]
    ran = 0
    for i, unit in enumerate(pending):
        if max_units is not None and ran >= max_units:
            break
        need = estimate_of(unit) + (reserve_s if i == len(pending) - 1 else 0.0)
        used = time.perf_counter() - t0
        if budget_s is not None and used + need > budget_s:
            say(f"stopping before {unit.key}: it needs ~{need / 60:.1f} min, {(budget_s - used) / 60:.1f} min "
                "of the budget left")
            break
        started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        if bar is not None:
            bar.set_postfix_str(unit.key)
        u0 = time.perf_counter()
        result = run_unit(unit)
        store.put(unit, result, time.perf_counter() - u0, started)
        ran += 1
        if bar is not None:
            bar.update()
    return ran


def assemble_runs(store, todo, plan, models, targets):
    """The measured part of the report from the parts of `todo`, and the per-graph counts for the bootstrap.

    Checks that every part of one target and seed read the same data (the data unit's digest)."""
    out = {"data": {}, "selection": {t: {} for t in targets}, "graphs": {t: {} for t in targets}, "curves": {},
           "plateau_depth": {}, "images": {}, "image_models": {}, "data_seconds": {}, "image_seconds": {}}
    per_graph = {}
    digests, nodes = {}, {}
    for unit in todo:
        result = store.result(unit.key)
        if unit.kind == "data":
            digests[(unit.target, unit.seed)] = result["digest"]
            nodes[(unit.target, unit.seed)] = result["nodes"]
            out["data_seconds"][f"{unit.target}/{unit.seed}"] = result["data_seconds"]
            if unit.seed == 0:
                out["data"][unit.target] = result["data"]
            continue
        if unit.kind != "images" and result["digest"] != digests[(unit.target, unit.seed)]:
            raise PartsMismatch(f"part {unit.key} read other data than data-{unit.target}-s{unit.seed} (digest "
                                f"{result['digest'][:12]} vs {digests[(unit.target, unit.seed)][:12]}): the "
                                "labeller or the data generator changed between sessions; rerun both")
        if unit.kind == "select":
            out["selection"][unit.target][unit.model] = result["selection"]
        if unit.kind in ("select", "seed"):
            _add_run(out, per_graph, unit, result, plan, nodes[(unit.target, unit.seed)])
        elif unit.kind == "curve":
            out["curves"][unit.model].setdefault(str(unit.size), {})[str(unit.seed)] = result["curve"]
        elif unit.kind == "depth" and result["depth"] is not None:
            out["plateau_depth"][unit.model].setdefault(str(unit.size), result["depth"])
        elif unit.kind == "images":
            for name, value in result["images"].items():
                out["images"].setdefault(name, {})[str(unit.seed)] = value
                out["image_models"].setdefault(name, {})[str(unit.seed)] = result["image_models"][name]
            out["image_seconds"][str(unit.seed)] = result["image_seconds"]
    return out, per_graph


def _add_run(out, per_graph, unit, result, plan, nodes):
    from benchmarks.learned_units import curve_sets

    run = result["run"]
    out["graphs"][unit.target].setdefault(unit.model, {})[str(unit.seed)] = run
    for set_name, wrong in result["wrong"].items():
        n = np.array(nodes[set_name])
        correct = n.copy()
        for i, w in wrong.items():
            correct[int(i)] -= w
        per_graph.setdefault((unit.target, unit.model, set_name), []).append((correct, n))
    if unit.target == "strict" and unit.seed < plan.curve_seeds and run["learned"]:
        out["curves"].setdefault(unit.model, {}).setdefault(str(plan.num_train), {})[str(unit.seed)] = {
            s: {k: run["sets"][s][k] for k in ("accuracy", "exact_match")} for s in curve_sets(run["sets"])}
    chosen = out["selection"][unit.target][unit.model]["chosen"]
    if unit.target == "plateau" and unit.seed == 0 and "num_layers" in chosen:
        out["plateau_depth"].setdefault(unit.model, {})[str(chosen["num_layers"])] = {
            s: v["exact_match"] for s, v in run["sets"].items()}


def needs_of(unit, store):
    """The parts `unit` reads; a clear error when one is missing (units run in `units`' order)."""
    missing = [k for k in unit.needs() if k not in store]
    if missing:
        raise PartsMismatch(f"unit {unit.key} needs part(s) {missing}, which this run has not made")
    return [store.result(k) for k in unit.needs()]


__all__ += ["needs_of", "unit_estimate", "Unit"]
