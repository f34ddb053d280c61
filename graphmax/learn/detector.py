"""`Detector`: a trained node classifier that answers ``local_maxima(graph, x, mode=..., hops=..., direction=...)``.

A model plugs in through two methods (the *node-detector protocol*):
``prepare(data) -> prepared`` turns a PyG `Data`/`Batch` (``x (n, 1)``,
``edge_index``, ``batch``) into whatever the model reads, and
``logits(prepared) -> (n,)`` scores every node (positive = maximum). GNNs
read the batch as it is (`_GNNProtocol`); `graphmax.learn.cnn.AdjacencyCNN`
cuts ego windows. Training (`graphmax.learn.train_detector`) prepares each
batch once.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Batch, Data

from .._graph import as_graph, from_edges
from .._values import graph_and_values, node_values
from .models import build_model
from .targets import Target

__all__ = ["Detector", "prepare", "node_logits", "iter_batches"]

FORMAT = "graphmax.learn.Detector"
FORMAT_VERSION = 2  # 2: the config names the target; MaxMP's readout reads "has a neighbour" too


def prepare(model, data):
    """What `model` reads for a PyG `Data`/`Batch` (the data itself for a GNN)."""
    if hasattr(model, "prepare"):
        return model.prepare(data)
    return data


def node_logits(model, prepared):
    """``(n,)`` logits of `model` on prepared input (positive = strict local maximum)."""
    if hasattr(model, "logits"):
        return model.logits(prepared)
    return model(prepared.x, prepared.edge_index, getattr(prepared, "batch", None))


def iter_batches(data_list, max_nodes=100_000):
    """Consecutive graphs of `data_list` collated into `Batch` objects of at most `max_nodes`
    nodes each (a larger graph is a batch of its own). Yields ``(slice, Batch)``."""
    start, nodes = 0, 0
    for i, d in enumerate(data_list):
        if i > start and nodes + d.num_nodes > max_nodes:
            yield slice(start, i), Batch.from_data_list(data_list[start:i])
            start, nodes = i, 0
        nodes += d.num_nodes
    if start < len(data_list):
        yield slice(start, len(data_list)), Batch.from_data_list(data_list[start:])


def _graph_of(graph):
    """The graph of `graph`; a PyG `Data` made by `graphmax.learn.data` carries the graph in
    ``graph_edge_index`` (its ``edge_index`` holds the target's messages)."""
    inner = getattr(graph, "graph_edge_index", None)
    if inner is not None and hasattr(graph, "num_nodes"):
        return from_edges(np.asarray(inner).T, n=int(graph.num_nodes))
    return as_graph(graph)


def _value_tensor(col):
    """One channel of values as an ``(n, 1)`` tensor, without a lossy cast."""
    kind = col.dtype.kind
    if kind in "fb":
        return torch.from_numpy(col.astype(np.float64).reshape(-1, 1))
    if kind == "u" and col.size and col.max() > np.iinfo(np.int64).max:
        raise ValueError("`x` holds uint64 values above 2**63 - 1; convert them (e.g. to ranks) first")
    return torch.from_numpy(col.astype(np.int64).reshape(-1, 1))


class Detector:
    """A node classifier for local maxima, with the graph handling of `graphmax.local_maxima`.

    Made by `graphmax.learn.train_detector` or `Detector.load`.

    Attributes
    ----------
    model : torch.nn.Module
    name : str
        Model family (see `graphmax.learn.models.MODELS`).
    target : graphmax.learn.targets.Target
        The question it answers (mode, hops, direction).
    config : dict
        JSON-serialisable: ``model``, ``model_kwargs``, ``target``,
        ``learned`` and the ``training`` record (seed, epochs, validation
        scores, time).
    """

    def __init__(self, model, name, *, training=None, target=None):
        self.model = model.eval()
        self.name = name
        self.target = Target.of(target)
        self.training = dict(training or {})

    @property
    def learned(self):
        """False for a hand-set model (the oracle)."""
        return bool(getattr(self.model, "learned", True))

    @property
    def config(self):
        return {
            "model": self.name,
            "model_kwargs": self.model.config(),
            "target": self.target.as_dict(),
            "learned": self.learned,
            "training": self.training,
        }

    def __repr__(self):
        kind = "learned" if self.learned else "hand-set, not learned"
        return f"Detector({self.name!r}, {self.target.name}, {kind}, {self.model!r})"

    # -- prediction ------------------------------------------------------------------------------
    @torch.no_grad()
    def logits(self, graph, x=None):
        """Per-node logits (positive = maximum), float64 array of ``x.shape``."""
        if x is None:
            x = getattr(graph, "x", None)
            if x is None:
                raise TypeError("`x` is required unless `graph` is a PyG Data object with node features `x`")
            if x.dim() == 2 and x.shape[1] == 1:  # PyG's (n, 1) feature column is one signal
                x = x[:, 0]
        if getattr(graph, "graph_edge_index", None) is not None and hasattr(graph, "num_nodes"):
            g = _graph_of(graph)
            values = node_values(x, g, graph)
        else:  # the normaliser every public function uses: keyed values aligned, len(x) nodes for edge_index
            g, values = graph_and_values(graph, x)
        if values.dtype.kind == "f" and np.isnan(values).any():
            raise ValueError(f"`x` contains {int(np.isnan(values).sum())} NaN value(s); local maxima are undefined there")
        channels = values[:, None] if values.ndim == 1 else values
        out = np.zeros(channels.shape, dtype=np.float64)
        if g.n == 0:
            return out[:, 0] if values.ndim == 1 else out
        edge_index = torch.from_numpy(self.target.message_index(g))
        for c in range(channels.shape[1]):
            data = Data(x=_value_tensor(channels[:, c]), edge_index=edge_index, num_nodes=g.n)
            out[:, c] = node_logits(self.model, prepare(self.model, data)).double().numpy()
        return out[:, 0] if values.ndim == 1 else out

    def predict_proba(self, graph, x=None):
        """Per-node probability of being a local maximum (of the detector's target)."""
        return np.exp(-np.logaddexp(0.0, -self.logits(graph, x)))  # sigmoid, without overflow for large logits

    def predict(self, graph, x=None):
        """Boolean mask of the predicted local maxima, shape ``x.shape``.

        Parameters
        ----------
        graph : Graph or any input `graphmax.as_graph` accepts
            scipy.sparse / dense adjacency, networkx graph (nodes in
            ``G.nodes`` order), PyG ``Data`` or ``edge_index``, ...
            Neighbours are the target's (``hops``, ``direction``), computed
            by `graphmax.neighbourhood`. A `Data` from
            `graphmax.learn.data` is read through its ``graph_edge_index``.
        x : array_like, shape (n,) or (n, c)
            Node values; a 2-D `x` is `c` independent signals. May be
            omitted for a PyG ``Data`` carrying ``x`` (its ``(n, 1)``
            feature column is read as one signal, shape ``(n,)``).

        Returns
        -------
        ndarray of bool
            The model's answer to ``graphmax.local_maxima(graph, x,
            mode=..., hops=..., direction=...)`` for its `target`.
        """
        return self.logits(graph, x) > 0

    @torch.no_grad()
    def predict_data(self, data_list, max_nodes=100_000):
        """Logits for each graph of a list of PyG `Data` (batched): a list of float arrays.

        Each `Data`'s ``edge_index`` must hold the target's messages (as
        `graphmax.learn.data` makes them)."""
        self.model.eval()
        out = []
        for part, batch in iter_batches(data_list, max_nodes):
            logits = node_logits(self.model, prepare(self.model, batch)).double().numpy()
            bounds = np.cumsum([0] + [d.num_nodes for d in data_list[part]])
            out.extend(logits[a:b] for a, b in zip(bounds[:-1], bounds[1:]))
        return out

    # -- persistence -----------------------------------------------------------------------------
    def save(self, path):
        """Write the detector to `path` atomically: one file holding the ``state_dict`` and a JSON config.

        The file is `torch.save` of ``{"format", "version", "config" (a JSON
        string), "state_dict"}`` -- only tensors, strings and ints, so
        `Detector.load` reads it with ``torch.load(..., weights_only=True)``.
        It is written to a temporary file in the same folder and renamed into
        place.
        """
        path = Path(path)
        payload = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "config": json.dumps(self.config, sort_keys=True),
            "state_dict": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
        }
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        os.close(fd)
        try:
            torch.save(payload, tmp)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path):
        """Read a detector written by `save` (``torch.load(..., weights_only=True)``: no pickled code)."""
        try:
            payload = torch.load(Path(path), map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise
        except Exception as exc:  # noqa: BLE001 -- torch.load raises many types on a file that is no checkpoint
            raise ValueError(
                f"{str(path)!r} is not a graphmax.learn.Detector file (torch.load could not read it: "
                f"{type(exc).__name__}); write one with Detector.save"
            ) from None
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError(f"{str(path)!r} is not a graphmax.learn.Detector file")
        if payload.get("version") != FORMAT_VERSION:
            raise ValueError(f"{str(path)!r} has format version {payload.get('version')}, expected {FORMAT_VERSION}; "
                             "retrain it with this version of graphmax.learn.train_detector")
        config = json.loads(payload["config"])
        model = build_model(config["model"], **config["model_kwargs"])
        model.load_state_dict(payload["state_dict"], strict=True)
        return cls(model, config["model"], training=config.get("training"), target=config.get("target"))
