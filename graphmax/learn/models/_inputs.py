"""Learning-free, per-graph input transforms applied inside the models (part of each model).

A strict local maximum depends only on the *order* of the values, so every
strictly increasing map of a graph's values keeps the labels. The transforms
here are such maps, computed per graph of a batch:

- ``"rank"``: the dense rank (1 for the lowest distinct value, 2 for the
  next, ...). Equal values keep equal ranks and distinct neighbours differ by
  at least 1 whatever the graph's size or value range, so a model reading
  ranks is exactly invariant to every strictly increasing transform of the
  values (``1000 x - 300``, ``exp``, ...). O(n log n).
- ``"rank_n"``: the dense rank divided by the graph's node count, in (0, 1]:
  the same order, bounded whatever the size (so neighbouring ranks differ
  by only ``1/n`` on large graphs).
- ``"standardize"``: ``(x - mean) / std`` per graph (std 0 -> 1): invariant to
  increasing affine maps only.
- ``"none"``: the raw values.

Outputs are float64, so that differences between close values are formed
exactly before any cast to the models' float32.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["NORMALIZATIONS", "normalize_values", "graph_dense_rank"]

NORMALIZATIONS = ("rank", "rank_n", "standardize", "none")


def check_normalize(normalize):
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"`normalize` must be one of {NORMALIZATIONS}, got {normalize!r}")
    return normalize


def _batch_vector(x: Tensor, batch: Tensor | None) -> Tensor:
    if batch is None:
        return torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    return batch


def graph_dense_rank(values: Tensor, batch: Tensor | None = None) -> Tensor:
    """Dense rank of `values` ``(n,)`` within each graph of `batch`, as float64 ``(n,)``.

    Examples
    --------
    >>> graph_dense_rank(torch.tensor([0.5, -3.0, 0.5, 9.0])).tolist()
    [2.0, 1.0, 2.0, 3.0]
    >>> graph_dense_rank(torch.tensor([5.0, 1.0, 7.0, 2.0]), torch.tensor([0, 0, 1, 1])).tolist()
    [2.0, 1.0, 2.0, 1.0]
    """
    n = values.shape[0]
    if n == 0:
        return values.to(torch.float64)
    batch = _batch_vector(values, batch)
    # Sort by (graph, value): a stable sort by value, then a stable sort by graph.
    order = torch.argsort(values, stable=True)
    order = order[torch.argsort(batch[order], stable=True)]
    v, b = values[order], batch[order]
    new_value = torch.ones(n, dtype=torch.bool, device=values.device)
    new_value[1:] = (v[1:] != v[:-1]) | (b[1:] != b[:-1])
    dense = torch.cumsum(new_value.to(torch.long), 0)
    # Restart the count at each graph: subtract the count before its first node.
    start = torch.full((int(b.max()) + 1,), n + 1, dtype=torch.long, device=values.device)
    start = start.scatter_reduce(0, b, dense, reduce="amin")
    rank = torch.empty(n, dtype=torch.float64, device=values.device)
    rank[order] = (dense - start[b] + 1).to(torch.float64)
    return rank


def normalize_values(x: Tensor, batch: Tensor | None, normalize: str) -> Tensor:
    """Apply the per-graph transform `normalize` to node values `x` ``(n, 1)``; float64 ``(n, 1)``.

    Ranks are taken in `x`'s own dtype (exact for int64 too); the other
    transforms work in float64.
    """
    if normalize == "rank" and x.shape[0]:
        return graph_dense_rank(x[:, 0], batch)[:, None]
    if normalize == "rank_n" and x.shape[0]:
        b = _batch_vector(x, batch)
        counts = torch.bincount(b).to(torch.float64)
        return (graph_dense_rank(x[:, 0], batch) / counts[b])[:, None]
    x = x.to(torch.float64)
    if normalize == "none" or x.shape[0] == 0:
        return x
    from torch_geometric.utils import scatter

    batch = _batch_vector(x, batch)
    mean = scatter(x, batch, dim=0, reduce="mean")
    var = scatter((x - mean[batch]) ** 2, batch, dim=0, reduce="mean")
    std = torch.sqrt(var)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (x - mean[batch]) / std[batch]
