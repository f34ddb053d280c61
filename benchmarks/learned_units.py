"""The learned benchmark's graph cases: data, training, scoring and probes of one unit, and the speed section.

Each ``unit_*`` function does one unit of `benchmarks.learned_plan.units` and
returns its JSON-serialisable result (the part's ``result``). Units of one
target and seed share their data: it is drawn once per process
(`graph_data`), and every unit records the digest of the data it read, so
that parts made from different data are never assembled together.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from benchmarks._common import time_once
from benchmarks.learned_plan import config_name, grid_of

__all__ = ["graph_data", "unit_data", "unit_select", "unit_seed", "unit_curve", "unit_depth", "maxmp_detector",
           "speed", "curve_sets"]

_CACHE = {}  #: (plan, target, seed) -> (train, val, sets, digest): the last one drawn


def graph_data(plan, tname, seed):
    """Target `tname`'s training, validation and scored sets of `seed`, and a digest of all of them."""
    from graphmax.learn.data import make_splits
    from graphmax.learn.targets import TARGETS

    key = (repr(plan), tname, seed)
    if key not in _CACHE:
        _CACHE.clear()
        splits = make_splits(seed, num_train=plan.num_train, num_val=plan.num_val, num_test=plan.num_test,
                             size=plan.size, num_ood=plan.ood, ood=tuple(plan.ood), target=TARGETS[tname])
        sets = {"test": splits.test, **splits.ood}
        _CACHE[key] = (splits.train, splits.val, sets, _digest({"train": splits.train, "val": splits.val, **sets}))
    return _CACHE[key]


def _digest(named_sets):
    """sha256 of every graph's values, edges, messages and labels, set by set."""
    h = hashlib.sha256()
    for name, ds in named_sets.items():
        h.update(name.encode())
        for d in ds:
            for t in (d.x, d.graph_edge_index, d.edge_index, d.y):
                h.update(np.ascontiguousarray(t.numpy()).tobytes())
    return h.hexdigest()


def exact_check(sets, target):
    """Recompute every label from each graph's own edges: the exact detector must reproduce them."""
    import graphmax as gm
    from graphmax.learn.data import target_labels

    for name, ds in sets.items():
        graphs = [gm.from_edges(d.graph_edge_index.numpy().T, n=d.num_nodes) for d in ds]
        labels, messages = target_labels(graphs, [d.x[:, 0].numpy() for d in ds], target)
        for d, y, m in zip(ds, labels, messages):
            if not (np.array_equal(y, d.y.numpy()) and np.array_equal(m, d.edge_index.numpy())):
                raise RuntimeError(f"graphmax.local_maxima disagrees with the stored labels of set {name!r}")
    return {name: {"graphs": len(ds), "nodes": int(sum(d.num_nodes for d in ds))} for name, ds in sets.items()}


def unit_data(plan, tname, seed, progress=False):
    """Draw the sets of (`tname`, `seed`) and recheck every label with the exact detector."""
    from graphmax.learn.targets import TARGETS

    t0 = time.perf_counter()
    _CACHE.clear()  # timed from scratch
    _, _, sets, digest = graph_data(plan, tname, seed)
    return {"data": exact_check(sets, TARGETS[tname]), "digest": digest, "data_seconds": time.perf_counter() - t0,
            "nodes": {name: [int(d.num_nodes) for d in ds] for name, ds in sets.items()}}


def _train(model, config, tname, seed, train, val, plan, progress):
    from graphmax.learn import train_detector
    from graphmax.learn.targets import TARGETS

    target = TARGETS[tname]
    return train_detector(model, mode=target.mode, hops=target.hops, direction=target.direction, train=train,
                          val=val, seed=seed, epochs=plan.epochs, patience=plan.patience, batch_size=plan.batch_size,
                          max_time=plan.max_time, progress=progress, **config)


def score_sets(det, sets):
    """Per set: pooled scores, and the graphs not entirely right as ``{graph index: nodes wrong}``
    (with the data unit's node counts, what the bootstrap needs; sparse, so a part stays small)."""
    from graphmax.learn import metrics

    out, per_graph = {}, {}
    for name, ds in sets.items():
        t0 = time.perf_counter()
        preds = [lg > 0 for lg in det.predict_data(ds)]
        seconds = time.perf_counter() - t0
        truth = [d.y.numpy() for d in ds]
        s = metrics.evaluate_masks(truth, preds)
        out[name] = {k: s[k] for k in ("accuracy", "f1", "exact_match", "nodes", "graphs")}
        out[name]["seconds"] = seconds
        if name == "adversarial":
            kinds = {}
            for d, t, p in zip(ds, truth, preds):
                kinds.setdefault(d.signal, []).append((t, p))
            out[name]["by_kind"] = {k: metrics.evaluate_masks([t for t, _ in v], [p for _, p in v])["exact_match"]
                                    for k, v in sorted(kinds.items())}
        per_graph[name] = {str(i): int(np.sum(t != p)) for i, (t, p) in enumerate(zip(truth, preds)) if np.any(t != p)}
    return out, per_graph


def probes(det, test, plan):
    """Permutation-equivariance error and agreement under increasing transforms (message edges as stored)."""
    from graphmax.learn import metrics

    graphs = test[: plan.probe_graphs]

    def proba(d):
        return 1.0 / (1.0 + np.exp(-np.clip(det.predict_data([d])[0], -500, 500)))

    inv = metrics.transform_agreement(lambda d: det.predict_data([d])[0] > 0, graphs)
    return {"permutation_error": metrics.permutation_error(proba, graphs), "invariance": inv,
            "invariance_min_agreement": min(v["agreement"] for v in inv.values())}


def _measure(det, tname, sets, plan):
    """Scores of a trained detector on every set, its training record, certificate and (strict) probes."""
    scores, per_graph = score_sets(det, sets)
    t = det.training
    result = {"sets": scores, "parameters": int(sum(p.numel() for p in det.model.parameters())),
              "train": {k: t.get(k) for k in ("train_seconds", "epochs", "best_epoch", "val_f1")},
              "learned": det.learned, "model": repr(det.model)}
    mode = det.target.mode
    if getattr(det.model, "normalize", None) == "rank" and hasattr(det.model, "certify") and mode != "plateau":
        result["certificate"] = det.model.certify(mode)
    if tname == "strict":
        result.update(probes(det, sets["test"], plan))
    extra = {"wrong": per_graph, "model_kwargs": det.model.config()}
    if det.name == "maxmp":  # 18 weights: kept, so that the image units can apply the seed's detector
        extra["weights"] = {k: v.detach().double().tolist() for k, v in det.model.state_dict().items()}
    return result, extra


def unit_select(plan, tname, model, progress=False):
    """Model selection on seed 0's validation split; then seed 0's run of the chosen configuration."""
    train, val, sets, digest = graph_data(plan, tname, 0)
    grid, best, kept = [], None, None
    for config in grid_of(model, plan):
        det = _train(model, config, tname, 0, train, val, plan, progress)
        t = det.training
        grid.append({"config": config, "name": config_name(config), "val_f1": t.get("val_f1"),
                     "val_loss": t.get("val_loss"), "epochs": t.get("epochs"), "train_seconds": t.get("train_seconds")})
        key = (t.get("val_f1") or 0.0, -(t.get("val_loss") or 0.0))
        if best is None or key > best[0]:
            best, kept = (key, config), det
    result, extra = _measure(kept, tname, sets, plan)
    selection = {"grid": grid, "chosen": best[1], "chosen_name": config_name(best[1])}
    return {"selection": selection, "run": result, **extra, "digest": digest}


def unit_seed(plan, tname, model, seed, chosen, progress=False):
    """The chosen configuration trained with `seed` and scored on every set."""
    train, val, sets, digest = graph_data(plan, tname, seed)
    result, extra = _measure(_train(model, chosen, tname, seed, train, val, plan, progress), tname, sets, plan)
    return {"run": result, **extra, "digest": digest}


def curve_sets(sets):
    """The sets of the training-set-size curves: the test set and the largest `sizeKx` set."""
    sizes = [s for s in sets if s.startswith("size")]
    return ["test", *sorted(sizes, key=lambda s: int(s[4:-1]))[-1:]]


def unit_curve(plan, tname, model, seed, size, chosen, progress=False):
    """The chosen configuration trained on the first `size` training graphs: one point of the curve."""
    train, val, sets, digest = graph_data(plan, tname, seed)
    small = _train(model, chosen, tname, seed, train[:size], val, plan, progress)
    scores, _ = score_sets(small, {s: sets[s] for s in curve_sets(sets)})
    return {"curve": {s: {k: v[k] for k in ("accuracy", "exact_match")} for s, v in scores.items()},
            "train_seconds": small.training.get("train_seconds"), "digest": digest}


def unit_depth(plan, tname, model, layers, chosen, progress=False):
    """Seed 0's chosen configuration with `layers` rounds of messages: graphs entirely right per set
    (none when `layers` is the chosen depth: the select unit measured it)."""
    train, val, sets, digest = graph_data(plan, tname, 0)
    if chosen.get("num_layers") == layers:
        return {"depth": None, "digest": digest}
    deeper = _train(model, {**chosen, "num_layers": layers}, tname, 0, train, val, plan, progress)
    return {"depth": {s: v["exact_match"] for s, v in score_sets(deeper, sets)[0].items()}, "digest": digest}


def maxmp_detector(extra):
    """The strict `maxmp` detector a select/seed part describes (its 18 weights are in the part)."""
    import torch

    from graphmax.learn.detector import Detector
    from graphmax.learn.models import build_model

    net = build_model("maxmp", **extra["model_kwargs"])
    state = net.state_dict()
    net.load_state_dict({k: torch.tensor(v, dtype=state[k].dtype) for k, v in extra["weights"].items()})
    return Detector(net, "maxmp", target=None)  # the strict target


def speed(model_kwargs, plan):
    """Exact vs learned inference on one kNN graph of `plan.speed_nodes` nodes, strict target.

    `model_kwargs`: model name -> the configuration seed 0 chose (`model.config()`); each model is built
    with it and freshly initialised weights (inference does the same arithmetic whatever the weights' values;
    the trained weights are not kept in the parts). ``prebuilt``: graph building outside every timed region
    -- the exact detector gets a `graphmax.Graph`, each model its message ``edge_index`` tensor and value
    tensor, built before the clock starts. ``from edges``: building inside every timed region -- each starts
    from the same PyG ``edge_index`` tensor ``(2, E)`` and numpy values (`local_maxima(edge_index, x)` and
    `Detector.predict(edge_index, x)`). Median of `speed_repeats` after a warm-up call.
    """
    import torch
    from torch_geometric.data import Data

    import graphmax as gm
    from graphmax.learn.data import make_graph
    from graphmax.learn.detector import Detector, node_logits, prepare
    from graphmax.learn.models import build_model
    from graphmax.learn.targets import Target

    rng = np.random.default_rng(12345)
    g = make_graph("knn", plan.speed_nodes, rng)
    x = rng.random(g.n)
    ei = torch.from_numpy(np.ascontiguousarray(g.to_scipy("out").nonzero(), dtype=np.int64))
    data = Data(x=torch.from_numpy(x.reshape(-1, 1)), edge_index=torch.from_numpy(Target().message_index(g)),
                num_nodes=g.n)

    def timed(call):
        warm = time_once(call)
        # a call of seconds (the adjacency CNN on 10^6 nodes) is timed once more, not `speed_repeats` times
        repeats = plan.speed_repeats if warm < 5.0 else 1
        return float(np.median([time_once(call) for _ in range(repeats)]))

    rows = {"exact (graphmax.local_maxima)": {
        "prebuilt": timed(lambda: gm.local_maxima(g, x, mode="strict")),
        "from_edges": timed(lambda: gm.local_maxima(ei, x, mode="strict")),
    }}
    for name, kwargs in model_kwargs.items():
        torch.manual_seed(0)
        det = Detector(build_model(name, **kwargs), name, target=None)  # strict
        prepared = prepare(det.model, data) if hasattr(det.model, "prepare") else data
        with torch.no_grad():
            rows[name] = {"prebuilt": timed(lambda: node_logits(det.model, prepared)),
                          "from_edges": timed(lambda: det.predict(ei, x))}
        if hasattr(det.model, "prepare"):
            rows[name]["note"] = "prebuilt excludes cutting the ego windows (prepare)"
    return {"nodes": int(g.n), "edges": int(ei.shape[1]), "repeats": plan.speed_repeats, "rows": rows,
            "weights": "the chosen configuration of seed 0, freshly initialised"}
