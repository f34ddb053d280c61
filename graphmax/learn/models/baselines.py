"""Standard GNN baselines from `torch_geometric.nn.models`: GCN, GIN, GraphSAGE, GAT, PNA."""

from __future__ import annotations

import torch
from torch import Tensor

from ._inputs import check_normalize, normalize_values

__all__ = ["BASELINES", "BaselineGNN"]

#: name -> ``torch_geometric.nn.models`` class name, and what it aggregates.
BASELINES = {
    "gcn": ("GCN", "symmetric-normalised sum"),
    "gin": ("GIN", "sum + MLP"),
    "sage": ("GraphSAGE", "mean"),
    "gat": ("GAT", "attention (4 heads)"),
    "pna": ("PNA", "mean/min/max/std with degree scalers"),
}


class BaselineGNN(torch.nn.Module):
    """A PyG `BasicGNN` (GCN, GIN, GraphSAGE, GAT or PNA) as a node classifier.

    Input: one feature per node, the per-graph transform `normalize` of the
    value (default ``"standardize"``, the usual practice; see
    `graphmax.learn.models._inputs`). Then `num_layers` message-passing
    layers of `hidden_channels` with ReLU, and a linear readout to one logit
    (``jk="last"``). Model sizes are PyG's defaults for these families;
    nothing is tuned to the task.

    Args:
        family (str): one of `BASELINES`.
        hidden_channels (int): default 64.
        num_layers (int): default 3.
        normalize (str): default ``"standardize"``.
        deg (list of int, optional): PNA's in-degree histogram of the
            training graphs (required for ``"pna"``; stored in the config).
    """

    learned = True

    def __init__(self, family: str, hidden_channels: int = 64, num_layers: int = 3, normalize: str = "standardize",
                 deg: list | None = None):
        super().__init__()
        if family not in BASELINES:
            raise ValueError(f"`family` must be one of {tuple(BASELINES)}, got {family!r}")
        from torch_geometric.nn import models

        self.family = family
        self.hidden_channels = int(hidden_channels)
        self.num_layers = int(num_layers)
        self.normalize = check_normalize(normalize)
        self.deg = None if deg is None else [int(d) for d in deg]
        kwargs = {}
        if family == "gat":
            kwargs["heads"] = 4
        if family == "pna":
            if self.deg is None:
                raise ValueError("`deg` (the training graphs' degree histogram) is required for family='pna'")
            kwargs.update(
                aggregators=["mean", "min", "max", "std"],
                scalers=["identity", "amplification", "attenuation"],
                deg=torch.tensor(self.deg),
            )
        cls = getattr(models, BASELINES[family][0])
        self.gnn = cls(1, self.hidden_channels, self.num_layers, out_channels=1, jk="last", **kwargs)

    def reset_parameters(self):
        self.gnn.reset_parameters()

    def config(self) -> dict:
        # The family is the model's name (`build_model(family, **config)`), so it is not repeated here.
        cfg = {"hidden_channels": self.hidden_channels, "num_layers": self.num_layers, "normalize": self.normalize}
        if self.deg is not None:
            cfg["deg"] = self.deg
        return cfg

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None) -> Tensor:
        """Logits ``(n,)``: positive = strict local maximum."""
        h = normalize_values(x, batch, self.normalize).to(torch.float32)
        return self.gnn(h, edge_index, batch=batch)[:, 0]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.gnn!r}, normalize={self.normalize!r})"
