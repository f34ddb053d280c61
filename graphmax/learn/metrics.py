"""Scores for learned local-maximum detectors: accuracy, F1 of the rare class, exact graphs, and robustness.

Every function takes plain numpy masks (or a callable that returns them) and
returns plain Python numbers, so the benchmark can write them to JSON as they
are. Conventions: the positive class is "strict local maximum"; a score whose
denominator is empty is 1.0 when nothing was there to find and nothing was
predicted (a graph without maxima, answered with none, is entirely right).
"""

from __future__ import annotations

import time

import numpy as np

__all__ = [
    "classification_scores",
    "exact_match",
    "evaluate_masks",
    "GAP_BINS",
    "neighbour_gaps",
    "accuracy_by_gap",
    "permutation_error",
    "transform_agreement",
    "MONOTONE_TRANSFORMS",
    "shift_consistency",
    "asker_pairs",
    "mask_pairs",
    "bootstrap_graphs",
    "throughput",
]


def classification_scores(y_true, y_pred):
    """Node accuracy and precision / recall / F1 of the maximum class.

    Examples
    --------
    >>> s = classification_scores([True, False, False, False], [True, True, False, False])
    >>> s["accuracy"], s["precision"], s["recall"], round(s["f1"], 3)
    (0.75, 0.5, 1.0, 0.667)
    """
    t = np.asarray(y_true, dtype=bool).ravel()
    p = np.asarray(y_pred, dtype=bool).ravel()
    if t.shape != p.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape, got {t.shape} and {p.shape}")
    tp = int(np.sum(t & p))
    fp = int(np.sum(~t & p))
    fn = int(np.sum(t & ~p))
    tn = int(np.sum(~t & ~p))
    n = tp + fp + fn + tn
    return {
        "accuracy": (tp + tn) / n if n else 1.0,
        "precision": tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0),
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "nodes": n,
        "positives": tp + fn,
    }


def exact_match(y_true_list, y_pred_list):
    """Fraction of graphs (images) whose every node (pixel) is right."""
    if len(y_true_list) != len(y_pred_list):
        raise ValueError(f"got {len(y_true_list)} label masks and {len(y_pred_list)} predictions")
    if not y_true_list:
        return 1.0
    return float(np.mean([np.array_equal(np.asarray(t, bool), np.asarray(p, bool)) for t, p in zip(y_true_list, y_pred_list)]))


def evaluate_masks(y_true_list, y_pred_list):
    """`classification_scores` over all nodes of all graphs, plus ``exact_match`` and ``graphs``."""
    t = np.concatenate([np.asarray(y, bool).ravel() for y in y_true_list]) if y_true_list else np.zeros(0, bool)
    p = np.concatenate([np.asarray(y, bool).ravel() for y in y_pred_list]) if y_pred_list else np.zeros(0, bool)
    scores = classification_scores(t, p)
    scores["exact_match"] = exact_match(y_true_list, y_pred_list)
    scores["graphs"] = len(y_true_list)
    return scores


def bootstrap_graphs(correct, nodes, *, resamples=1000, level=0.95, seed=0):
    """Mean over seeds of node accuracy and of the fraction of graphs entirely right, with
    bootstrap confidence intervals over graphs (resampled with replacement within each seed).

    Parameters
    ----------
    correct, nodes : list (one entry per seed) of int arrays (one entry per graph)
        Nodes right and nodes, per graph.

    Returns
    -------
    dict
        ``{"accuracy": {"mean", "low", "high", "worst"}, "exact_match": {...}}``;
        ``worst`` is the lowest seed.
    """
    rng = np.random.default_rng(seed)
    acc_b = np.zeros(resamples)
    ex_b = np.zeros(resamples)
    acc_s, ex_s = [], []
    for c, n in zip(correct, nodes):
        c, n = np.asarray(c, dtype=np.float64), np.asarray(n, dtype=np.float64)
        acc_s.append(c.sum() / n.sum() if n.sum() else 1.0)
        ex_s.append(float(np.mean(c == n)) if len(n) else 1.0)
        if len(n):
            idx = rng.integers(0, len(n), (resamples, len(n)))
            acc_b += c[idx].sum(1) / np.maximum(n[idx].sum(1), 1)
            ex_b += (c[idx] == n[idx]).mean(1)
        else:
            acc_b += 1.0
            ex_b += 1.0
    k = max(len(acc_s), 1)
    tail = 100 * (1 - level) / 2
    out = {}
    for name, per_seed, boot in (("accuracy", acc_s, acc_b / k), ("exact_match", ex_s, ex_b / k)):
        out[name] = {"mean": float(np.mean(per_seed)) if per_seed else None,
                     "low": float(np.percentile(boot, tail)), "high": float(np.percentile(boot, 100 - tail)),
                     "worst": float(np.min(per_seed)) if per_seed else None}
    return out


# -- near ties ---------------------------------------------------------------------------------------
#: Bins of the relative gap ``|x_v - max_u x_u| / (max x - min x)`` (per graph): exactly 0 (a tie), then
#: ``(lo, hi]``. Nodes without neighbours form their own bin, "isolated".
GAP_BINS = (("tie", 0.0, 0.0), ("<=1e-4", 0.0, 1e-4), ("1e-4..1e-3", 1e-4, 1e-3), ("1e-3..1e-2", 1e-3, 1e-2),
            ("1e-2..1e-1", 1e-2, 1e-1), (">1e-1", 1e-1, np.inf))


def neighbour_gaps(edge_index, x):
    """``(x_v - max_{u in N(v)} x_u) / (max x - min x)`` per node (NaN for a node without neighbours).

    `edge_index` ``(2, E)`` (numpy or torch; both directions of each edge),
    `x` ``(n,)``. Positive exactly at the strict local maxima.
    """
    ei = edge_index.numpy() if hasattr(edge_index, "numpy") else np.asarray(edge_index)
    x = np.asarray(x, dtype=np.float64).ravel()
    nmax = np.full(x.shape[0], -np.inf)
    np.maximum.at(nmax, ei[1], x[ei[0]])
    span = x.max() - x.min() if x.size else 0.0
    span = span if np.isfinite(span) and span > 0 else 1.0
    with np.errstate(invalid="ignore"):
        gap = (x - nmax) / span
    gap[np.isneginf(nmax)] = np.nan
    return gap


def accuracy_by_gap(data_list, y_pred_list):
    """Node accuracy per bin of `GAP_BINS` (plus "isolated"): how a model does on near-ties.

    Returns ``{bin: {"nodes": int, "accuracy": float or None}}``.
    """
    gaps = np.concatenate([neighbour_gaps(d.edge_index, d.x[:, 0].numpy()) for d in data_list])
    right = np.concatenate([np.asarray(p, bool) == d.y.numpy() for d, p in zip(data_list, y_pred_list)])
    a = np.abs(gaps)
    out = {}
    for name, lo, hi in GAP_BINS:
        sel = (a == 0) if hi == 0 else (a > lo) & (a <= hi)
        out[name] = {"nodes": int(sel.sum()), "accuracy": float(right[sel].mean()) if sel.any() else None}
    iso = np.isnan(gaps)
    out["isolated"] = {"nodes": int(iso.sum()), "accuracy": float(right[iso].mean()) if iso.any() else None}
    return out


# -- equivariance and invariance ------------------------------------------------------------------
def permutation_error(score, data_list, *, seed=0):
    """``max |f(P x) - P f(x)|`` over the graphs of `data_list`, for random node relabellings P.

    `score(data) -> (n,)` is any per-node output (the benchmark uses
    probabilities, so the error lies in [0, 1]). A permutation-equivariant
    model scores 0 up to floating-point rounding.
    """
    from torch_geometric.data import Data

    rng = np.random.default_rng(seed)
    worst = 0.0
    for d in data_list:
        n = d.num_nodes
        perm = rng.permutation(n)  # new id of old node i is perm[i]
        inv = np.argsort(perm)
        ei = d.edge_index.numpy()
        permuted = Data(x=d.x[inv], edge_index=_t(perm[ei]), y=d.y[inv], num_nodes=n)
        a = np.asarray(score(d), dtype=np.float64)
        b = np.asarray(score(permuted), dtype=np.float64)[perm]
        worst = max(worst, float(np.max(np.abs(a - b))) if n else 0.0)
    return worst


def _t(a):
    import torch

    return torch.from_numpy(np.ascontiguousarray(a))


#: Strictly increasing maps of the values (each keeps the exact labels): name -> function of float64 x.
MONOTONE_TRANSFORMS = {
    "1000x-300": lambda x: 1000.0 * x - 300.0,
    "x+100": lambda x: x + 100.0,
    "0.001x": lambda x: 0.001 * x,
    "exp": lambda x: np.exp((x - x.min()) / max(float(x.max() - x.min()), 1e-300) * 5.0),
    "cube": lambda x: ((x - x.mean()) / max(float(x.std()), 1e-300)) ** 3,
}


def transform_agreement(predict, data_list, transforms=None):
    """For each strictly increasing transform: fraction of node predictions that do not change.

    `predict(data) -> bool (n,)`. The exact maxima never change; a model that
    reads only the order of the values (the rank-input `MaxMP`) does not
    either.

    Returns ``{name: {"agreement": float, "graphs_unchanged": float}}``.
    """
    from torch_geometric.data import Data

    transforms = MONOTONE_TRANSFORMS if transforms is None else transforms
    base = [np.asarray(predict(d), bool) for d in data_list]
    out = {}
    for name, f in transforms.items():
        same, total, graphs = 0, 0, 0
        for d, b in zip(data_list, base):
            x = f(d.x[:, 0].numpy().astype(np.float64))
            moved = Data(x=_t(x.reshape(-1, 1)), edge_index=d.edge_index, y=d.y, num_nodes=d.num_nodes)
            p = np.asarray(predict(moved), bool)
            same += int(np.sum(p == b))
            total += b.size
            graphs += bool(np.array_equal(p, b))
        out[name] = {"agreement": same / total if total else 1.0,
                     "graphs_unchanged": graphs / len(data_list) if data_list else 1.0}
    return out


# -- CNNs: one-pixel shifts ------------------------------------------------------------------------
def shift_consistency(predict_image, images, radius, *, exact=None):
    """Fraction of per-pixel outputs that change when the image is shifted by one pixel (non-cyclic).

    For each image and each of the four one-pixel crops (drop the first or
    last row or column, which shifts the content by one pixel without
    wrapping around), the prediction on the cropped image is compared with
    the prediction on the full image at the same content pixels. A pixel is
    *interior* when it lies at least `radius` (the model's receptive-field
    half-width) from every edge of both images -- there a translation
    equivariant model cannot change -- and *border* otherwise.

    Parameters
    ----------
    predict_image : callable, ``(H, W) -> bool (H, W)``
    images : sequence of 2-D arrays
    radius : int
    exact : callable, optional
        The exact detector; its own change rate is reported alongside (the
        true answer changes at the new border, where neighbours vanish).

    Returns
    -------
    dict with ``interior_changed``, ``border_changed``, ``interior_pixels``,
    ``border_pixels`` and, with `exact`, ``exact_border_changed`` and
    ``border_unexplained``: the fraction of border pixels whose output
    changed where the exact answer did not, or did not change where it did.
    """
    counts = {"ic": 0, "in": 0, "bc": 0, "bn": 0, "ec": 0, "eu": 0}
    for img in images:
        img = np.asarray(img)
        full = np.asarray(predict_image(img), bool)
        full_exact = None if exact is None else np.asarray(exact(img), bool)
        h, w = img.shape
        for axis, side in ((0, 0), (0, 1), (1, 0), (1, 1)):
            keep = [slice(None), slice(None)]
            keep[axis] = slice(1, None) if side == 0 else slice(None, -1)
            keep = tuple(keep)
            crop = img[keep]
            changed = np.asarray(predict_image(crop), bool) != full[keep]
            rows, cols = np.indices(crop.shape)
            # Distance to the nearest edge of the crop, and of the full image at the same pixel.
            full_rows = rows + (1 if axis == 0 and side == 0 else 0)
            full_cols = cols + (1 if axis == 1 and side == 0 else 0)
            dist = np.minimum.reduce([rows, cols, crop.shape[0] - 1 - rows, crop.shape[1] - 1 - cols,
                                      full_rows, full_cols, h - 1 - full_rows, w - 1 - full_cols])
            interior = dist >= radius
            counts["ic"] += int(changed[interior].sum())
            counts["in"] += int(interior.sum())
            counts["bc"] += int(changed[~interior].sum())
            counts["bn"] += int((~interior).sum())
            if exact is not None:
                exact_changed = np.asarray(exact(crop), bool) != full_exact[keep]
                counts["ec"] += int(exact_changed[~interior].sum())
                counts["eu"] += int((exact_changed != changed)[~interior].sum())
    out = {
        "interior_changed": counts["ic"] / counts["in"] if counts["in"] else 0.0,
        "border_changed": counts["bc"] / counts["bn"] if counts["bn"] else 0.0,
        "interior_pixels": counts["in"],
        "border_pixels": counts["bn"],
    }
    if exact is not None:
        out["exact_border_changed"] = counts["ec"] / counts["bn"] if counts["bn"] else 0.0
        out["border_unexplained"] = counts["eu"] / counts["bn"] if counts["bn"] else 0.0
    return out


def asker_pairs(predict_windows, image, size=3):
    """The asker's pairs on one image: a window centred on a strict maximum, and the same window
    moved by one pixel (right, left, down, up), which the exact answer flips from True to False.

    `predict_windows(windows (B, size*size)) -> bool (B,)` answers "centred on
    its maximum?" for windows cut by `graphmax.windows.image_windows`. Every
    interior strict maximum (8-connected, `graphmax.grid.local_maxima`) whose
    moved window also fits makes one pair per direction (`mask_pairs`).

    Returns
    -------
    dict
        ``pairs``; ``pair_right`` (True at the maximum and False after the
        move); ``centred_true`` and ``moved_false`` (each half alone).
    """
    from ..windows import image_windows

    img = np.asarray(image)
    h, w = img.shape
    r = size // 2
    windows, _ = image_windows(img, size=size)
    mask = np.zeros((h, w), dtype=bool)
    mask[r : h - r, r : w - r] = np.asarray(predict_windows(windows), bool).reshape(h - 2 * r, w - 2 * r)
    return mask_pairs(mask, img, border=r)


def mask_pairs(mask, image, border=1):
    """`asker_pairs` from a per-pixel answer `mask` of any model (a window model's answer at a
    pixel is its answer for the window centred there); pixels within `border` of an edge are left out."""
    from ..grid import local_maxima as grid_local_maxima

    img = np.asarray(image)
    h, w = img.shape
    inner = (slice(border, h - border), slice(border, w - border))
    pred = np.asarray(mask, bool)[inner]
    peaks = grid_local_maxima(img, mode="strict")[inner]
    centred, moved = [], []
    rows, cols = np.nonzero(peaks)
    for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        ok = (rows + dy >= 0) & (rows + dy < pred.shape[0]) & (cols + dx >= 0) & (cols + dx < pred.shape[1])
        centred.append(pred[rows[ok], cols[ok]])
        moved.append(~pred[rows[ok] + dy, cols[ok] + dx])
    centred, moved = np.concatenate(centred), np.concatenate(moved)
    n = int(centred.size)
    return {"pairs": n, "pair_right": float(np.mean(centred & moved)) if n else 1.0,
            "centred_true": float(np.mean(centred)) if n else 1.0, "moved_false": float(np.mean(moved)) if n else 1.0}


# -- speed -----------------------------------------------------------------------------------------
def throughput(run, items, repeat=3):
    """Items per second of ``run()`` (best of `repeat` calls after one warm-up), and that time.

    Returns ``{"items_per_s": float, "seconds": float, "items": int}``.
    """
    run()
    best = np.inf
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return {"items_per_s": items / best if best > 0 else float("inf"), "seconds": best, "items": int(items)}
