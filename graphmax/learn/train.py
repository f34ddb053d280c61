"""Training loops: `train_detector` for the graph models, `train_cnn` for the image CNNs."""

from __future__ import annotations

import copy
import logging
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch_geometric.data import Batch

from .data import make_dataset
from .detector import Detector, iter_batches, node_logits, prepare
from .metrics import classification_scores
from .models import MODELS, build_model
from .targets import Target

__all__ = ["train_detector", "train_cnn", "degree_histogram", "DEFAULTS"]

logger = logging.getLogger("graphmax.learn")

#: Per-model training defaults. Learning rates were picked from {0.01, 0.003} by validation F1 on
#: seed 0's validation split; epochs are a cap (training stops after `patience` epochs without a
#: better validation score). Each trains in well under 3 minutes on 2 CPU cores with the default data.
DEFAULTS = {
    "maxmp": {"epochs": 30, "lr": 0.05, "patience": 10},
    "mpnn": {"epochs": 150, "lr": 0.003, "patience": 30},
    "transformer": {"epochs": 150, "lr": 0.003, "patience": 30},
    "gcn": {"epochs": 150, "lr": 0.01, "patience": 30},
    "gin": {"epochs": 150, "lr": 0.003, "patience": 30},
    "sage": {"epochs": 150, "lr": 0.01, "patience": 30},
    "gat": {"epochs": 150, "lr": 0.01, "patience": 30},
    "pna": {"epochs": 150, "lr": 0.003, "patience": 30},
    "adjcnn": {"epochs": 100, "lr": 0.01, "patience": 20},
    "oracle": {"epochs": 0, "lr": 0.0, "patience": 0},
}


def degree_histogram(data_list):
    """In-degree histogram over the nodes of `data_list` (what PNA's degree scalers need), as a list."""
    hist = np.zeros(1, dtype=np.int64)
    for d in data_list:
        deg = np.bincount(d.edge_index[1].numpy(), minlength=d.num_nodes)
        h = np.bincount(deg)
        if h.size > hist.size:
            hist = np.pad(hist, (0, h.size - hist.size))
        hist[: h.size] += h
    return hist.tolist()


def _progress(iterable, enabled, desc):
    """A tqdm bar over `iterable` (the epochs); the plain iterable when disabled or tqdm is missing."""
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: the epochs are logged either way
        return iterable
    return tqdm(iterable, desc=desc, leave=False)


def train_detector(model="maxmp", *, mode="strict", hops=1, direction="both", train=None, val=None, seed=0,
                   epochs=None, lr=None, batch_size=32, patience=None, max_time=170.0, progress=True, **model_kwargs):
    """Train a local-maximum detector on labelled graphs; return the validation-best `Detector`.

    The detector learns the indicator ``graphmax.local_maxima(graph, x,
    mode=mode, hops=hops, direction=direction)`` (`graphmax.learn.targets.Target`);
    `Detector.predict(graph, x)` answers it.

    Parameters
    ----------
    model : str
        A name from `graphmax.learn.models.MODELS`: ``"maxmp"`` (default,
        the max-aggregation detector), ``"mpnn"``, ``"transformer"``,
        ``"gcn"``, ``"gin"``, ``"sage"``, ``"gat"``, ``"pna"``, ``"adjcnn"``;
        ``"oracle"`` returns the hand-set upper bound untrained (strict and
        nonstrict only).
    mode : {"strict", "nonstrict", "plateau"}
    hops : int
    direction : {"both", "out", "in"}
        The target. Every model reads the target's neighbourhood relation
        ``N(v)`` as its message graph (`Target.message_index`); ``"plateau"``
        needs as many rounds of messages as a plateau is wide, which one-round
        models (``maxmp``) do not have.
    train, val : list of torch_geometric.data.Data, optional
        Graphs labelled for the same target (``x (n, 1)``, ``y (n,)`` bool,
        ``edge_index`` = the target's messages), e.g. from
        `graphmax.learn.data.make_dataset` with ``target=``. Default: 600
        training and 150 validation graphs of 20-60 nodes from
        ``TRAIN_FAMILIES`` x ``SIGNALS``, drawn with `seed` (directed graphs
        for a target with ``direction != "both"``).
    seed : int
        Seeds the default data, the initial weights and the batch order:
        the same seed gives the same weights.
    epochs, lr : optional
        Default per model (`DEFAULTS`). Adam, binary cross-entropy on logits.
    patience : int, optional
        Stop after this many epochs without a better validation score
        (default per model, `DEFAULTS`).
    batch_size : int
        Graphs per step (default 32).
    max_time : float
        Stop after the epoch that passes this many seconds (default 170).
    progress : bool
        Show a tqdm progress bar; loss and validation F1 are also logged to
        the ``graphmax.learn`` logger (INFO) every epoch.
    **model_kwargs
        Passed to the model (e.g. ``hidden_channels``, ``normalize``).

    Returns
    -------
    Detector
        With the weights of the epoch that scored best on the validation
        split (F1 of the maximum class, then lower validation loss); the test
        sets are never looked at. ``detector.training`` records the run.

    Notes
    -----
    CPU only; batches are collated (and, for ``"adjcnn"``, windowed) once and
    visited in a seeded random order each epoch.
    """
    if model not in MODELS:
        raise ValueError(f"`model` must be one of {MODELS}, got {model!r}")
    target = Target(mode, hops, direction)
    t0 = time.perf_counter()
    if train is None:
        train = make_dataset(600, seed=seed, split="train", target=target)
    if val is None:
        val = make_dataset(150, seed=seed, split="val", target=target)
    if not train or not val:
        raise ValueError(f"`train` and `val` must be non-empty lists of Data (got {len(train)} and {len(val)} graphs)")
    for name, part in (("train", train), ("val", val)):
        other = {getattr(d, "target", target.name) for d in part} - {target.name}
        if other:
            raise ValueError(f"`{name}` holds graphs labelled for target {sorted(other)}, not {target.name!r}; "
                             f"make them with make_dataset(..., target=Target({mode!r}, {hops}, {direction!r}))")
    if model == "oracle":
        model_kwargs.setdefault("mode", mode)
    defaults = DEFAULTS[model]
    epochs = defaults["epochs"] if epochs is None else int(epochs)
    lr = defaults["lr"] if lr is None else float(lr)
    patience = defaults["patience"] if patience is None else int(patience)
    if model == "pna" and "deg" not in model_kwargs:
        model_kwargs["deg"] = degree_histogram(train)

    torch.manual_seed(seed)
    net = build_model(model, **model_kwargs)
    if not getattr(net, "learned", True):
        return Detector(net, model, training={"learned": False, "note": "hand-set weights, not trained"},
                        target=target)

    rng = np.random.default_rng(seed)
    order = rng.permutation(len(train))
    batches = [Batch.from_data_list([train[i] for i in order[s : s + batch_size]]) for s in range(0, len(train), batch_size)]
    steps = [(prepare(net, b), b.y.to(torch.float32)) for b in batches]
    val_steps = [(prepare(net, b), b.y) for _, b in iter_batches(val, 50_000)]
    prep_s = time.perf_counter() - t0

    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    bar = _progress(range(epochs), progress, f"train {model}")
    stopper = _EarlyStopping(net, patience, max_time, bar)
    for epoch in bar:
        net.train()
        total, count = 0.0, 0
        for i in rng.permutation(len(steps)):
            inputs, labels = steps[i]
            optimizer.zero_grad()
            loss = F.binary_cross_entropy_with_logits(node_logits(net, inputs), labels)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * labels.numel()
            count += labels.numel()
        val_scores = _validate(net, val_steps)
        record = {"epoch": epoch + 1, "loss": total / max(count, 1), **val_scores,
                  "seconds": time.perf_counter() - t0}
        logger.info("%s epoch %d: loss %.4g, val loss %.4g, val F1 %.4f, val accuracy %.5f", model, epoch + 1,
                    record["loss"], val_scores["val_loss"], val_scores["val_f1"], val_scores["val_accuracy"])
        if stopper.after_epoch(record, val_scores):
            break
    best = stopper.restore_best()
    history = stopper.history
    training = {
        "seed": int(seed),
        "epochs": len(history),
        "best_epoch": best["epoch"],
        "lr": lr,
        "patience": patience,
        "batch_size": int(batch_size),
        "train_graphs": len(train),
        "train_nodes": int(sum(d.num_nodes for d in train)),
        "val_graphs": len(val),
        **best["scores"],
        "prepare_seconds": prep_s,
        "train_seconds": time.perf_counter() - t0,
        "history": history,
    }
    return Detector(net, model, training=training, target=target)


class _EarlyStopping:
    """The epoch loop's bookkeeping, shared by `train_detector` and `train_cnn`:
    the history, the best epoch so far (highest validation F1, then lowest
    validation loss) with a copy of its weights, and when to stop (`patience`
    epochs without a better one, or `max_time` seconds)."""

    def __init__(self, module, patience, max_time, bar):
        self.module, self.patience, self.max_time, self.bar = module, patience, max_time, bar
        self.history = []
        self.best = None

    def after_epoch(self, record, scores):
        """Record one epoch (`record` holds epoch, loss, val_loss, val_f1, seconds);
        `scores` are kept with the best one. Returns whether to stop."""
        self.history.append(record)
        key = (record["val_f1"], -record["val_loss"])
        if self.best is None or key > self.best["key"]:
            self.best = {"key": key, "epoch": record["epoch"], "state": copy.deepcopy(self.module.state_dict()),
                         "scores": scores}
        if hasattr(self.bar, "set_postfix"):
            self.bar.set_postfix(loss=f"{record['loss']:.4f}", val_f1=f"{record['val_f1']:.4f}")
        return record["epoch"] - self.best["epoch"] >= self.patience or record["seconds"] > self.max_time

    def restore_best(self):
        """Load the best epoch's weights into the module (in eval mode); return its record."""
        self.module.load_state_dict(self.best["state"])
        self.module.eval()
        return self.best


@torch.no_grad()
def _validate(net, val_steps):
    net.eval()
    logits = torch.cat([node_logits(net, inputs) for inputs, _ in val_steps])
    y = torch.cat([target for _, target in val_steps])
    loss = float(F.binary_cross_entropy_with_logits(logits, y.to(logits.dtype)))
    s = classification_scores(y.numpy(), (logits > 0).numpy())
    return {"val_loss": loss if math.isfinite(loss) else float("inf"), "val_f1": s["f1"], "val_accuracy": s["accuracy"]}


def train_cnn(model, inputs, targets, *, val=None, epochs=10, lr=1e-3, batch_size=256, seed=0, patience=5,
              max_time=170.0, progress=True):
    """Train an image CNN (`AskerCNN` on windows, `PixelFCN` on whole images) in place; return its history.

    Parameters
    ----------
    model : torch.nn.Module
        Re-initialised with ``torch.manual_seed(seed)`` first, so the same
        seed gives the same weights.
    inputs : ndarray or Tensor
        ``(N, 9)`` windows for `AskerCNN`, ``(N, H, W)`` images for `PixelFCN`.
    targets : ndarray or Tensor of bool
        ``(N,)`` (class outputs, class 1 = True: cross-entropy) or ``(N, H, W)`` (one logit
        per pixel: binary cross-entropy).
    val : (inputs, targets), optional
        Validation data for model selection (F1, then loss); default: the
        last tenth of `inputs`, held out.

    Returns
    -------
    dict
        ``best_epoch``, ``val_f1``, ``train_seconds``, ``history``.
    """
    t0 = time.perf_counter()
    x = torch.as_tensor(np.asarray(inputs), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(targets, dtype=bool))
    if val is None:
        cut = max(1, len(x) // 10)
        (x, y), val = (x[:-cut], y[:-cut]), (x[-cut:], y[-cut:])
    vx = torch.as_tensor(np.asarray(val[0]), dtype=torch.float64)
    vy = torch.as_tensor(np.asarray(val[1], dtype=bool))
    torch.manual_seed(seed)
    model.reset_parameters()
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    bar = _progress(range(epochs), progress, f"train {type(model).__name__}")
    stopper = _EarlyStopping(model, patience, max_time, bar)
    for epoch in bar:
        model.train()
        total = 0.0
        for idx in torch.randperm(len(x), generator=generator).split(batch_size):
            optimizer.zero_grad()
            loss = _cnn_loss(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(idx)
        model.eval()
        with torch.no_grad():
            out = torch.cat([model(vx[i : i + 4096]) for i in range(0, len(vx), 4096)])
            val_loss = float(_cnn_loss(out, vy))
            s = classification_scores(vy.numpy(), _cnn_predict(out, vy).numpy())
        record = {"epoch": epoch + 1, "loss": total / max(len(x), 1), "val_loss": val_loss, "val_f1": s["f1"],
                  "val_accuracy": s["accuracy"], "seconds": time.perf_counter() - t0}
        logger.info("%s epoch %d: loss %.4g, val F1 %.4f", type(model).__name__, epoch + 1, record["loss"], s["f1"])
        if stopper.after_epoch(record, {"f1": s["f1"]}):
            break
    best = stopper.restore_best()
    return {"best_epoch": best["epoch"], "val_f1": best["scores"]["f1"], "train_seconds": time.perf_counter() - t0,
            "epochs": len(stopper.history), "history": stopper.history}


def _cnn_loss(out, y):
    """Class outputs (``(N, C)`` for labels ``(N,)``): cross-entropy with labels 0/1 (C = 2, or the
    asker's C = 10); one logit per item: binary cross-entropy."""
    if out.ndim == y.ndim + 1:
        return F.cross_entropy(out, y.long())
    return F.binary_cross_entropy_with_logits(out, y.to(out.dtype))


def _cnn_predict(out, y):
    if out.ndim == y.ndim + 1:
        return out.argmax(-1) == 1
    return out > 0
