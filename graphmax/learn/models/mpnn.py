"""A generic max-aggregation MPNN (the CLRS processor baseline) and a graph transformer from PyG."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing

from ._inputs import check_normalize, normalize_values

__all__ = ["MaxMPNN", "MaxMPNNLayer", "GraphTransformer"]


def _mlp(n_in, n_hidden, n_out):
    return torch.nn.Sequential(torch.nn.Linear(n_in, n_hidden), torch.nn.ReLU(), torch.nn.Linear(n_hidden, n_out))


class MaxMPNNLayer(MessagePassing):
    r"""``m_v = max_{u in N(v)} f_m([h_v, h_u])``, ``h_v' = f_u([h_v, m_v])``: learned 2-layer MLPs, max aggregation.

    The message function of the CLRS benchmark's MPNN processor (Veličković
    et al. 2022), without edge or graph features. A node without neighbours
    receives 0 (PyG's max aggregation of nothing).
    """

    def __init__(self, channels: int):
        super().__init__(aggr="max")
        self.message_mlp = _mlp(2 * channels, channels, channels)
        self.update_mlp = _mlp(2 * channels, channels, channels)

    def reset_parameters(self):
        super().reset_parameters()
        for mlp in (self.message_mlp, self.update_mlp):
            for layer in mlp:
                if hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()

    def forward(self, h: Tensor, edge_index: Tensor) -> Tensor:
        m = self.propagate(edge_index, h=h)
        return self.update_mlp(torch.cat([h, m], dim=1))

    def message(self, h_i: Tensor, h_j: Tensor) -> Tensor:
        return self.message_mlp(torch.cat([h_i, h_j], dim=1))


class _Encoded(torch.nn.Module):
    """Shared parts: the per-graph value encoding (`normalize`), a linear encoder, a linear readout."""

    learned = True

    def _setup(self, hidden_channels, num_layers, normalize):
        self.hidden_channels = int(hidden_channels)
        self.num_layers = int(num_layers)
        if self.num_layers < 1:
            raise ValueError(f"`num_layers` must be >= 1, got {num_layers!r}")
        self.normalize = check_normalize(normalize)
        self.encoder = torch.nn.Linear(1, self.hidden_channels)
        self.readout = torch.nn.Linear(self.hidden_channels, 1)

    def reset_parameters(self):
        for module in self.modules():
            if module is not self and hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def config(self) -> dict:
        return {"hidden_channels": self.hidden_channels, "num_layers": self.num_layers, "normalize": self.normalize}

    def _encode(self, x, batch):
        return self.encoder(normalize_values(x, batch, self.normalize).to(self.encoder.weight.dtype))

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(hidden_channels={self.hidden_channels}, num_layers={self.num_layers}, "
                f"normalize={self.normalize!r})")


class MaxMPNN(_Encoded):
    """Generic max-aggregation MPNN: encoder, `num_layers` `MaxMPNNLayer` (residual), linear readout.

    Unlike `MaxMP` nothing in it is aligned with the question beyond the
    max aggregation: the message is a learned MLP of ``[h_v, h_u]``, so it
    must learn to compare. About 25k parameters per layer at 64 channels.

    Args:
        hidden_channels (int): default 64.
        num_layers (int): default 1.
        normalize (str): value encoding (default ``"rank"``).
    """

    def __init__(self, hidden_channels: int = 64, num_layers: int = 1, normalize: str = "rank"):
        super().__init__()
        self._setup(hidden_channels, num_layers, normalize)
        self.layers = torch.nn.ModuleList(MaxMPNNLayer(self.hidden_channels) for _ in range(self.num_layers))

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None) -> Tensor:
        """Logits ``(n,)``: positive = local maximum."""
        h = self._encode(x, batch)
        for layer in self.layers:
            h = h + layer(h, edge_index)
        return self.readout(h)[:, 0]


class GraphTransformer(_Encoded):
    """A graph transformer: `num_layers` of PyG's `TransformerConv` (multi-head attention over ``N(v)``).

    Each layer: ``TransformerConv(d, d / heads, heads, root_weight=True)``,
    ReLU, residual. Attention runs over each node's neighbourhood (the
    target's ``N(v)``), as in Shi et al. 2021 (UniMP).

    Args:
        hidden_channels (int): default 64.
        num_layers (int): default 2.
        heads (int): default 4 (must divide `hidden_channels`).
        normalize (str): value encoding (default ``"rank"``).
    """

    def __init__(self, hidden_channels: int = 64, num_layers: int = 2, heads: int = 4, normalize: str = "rank"):
        super().__init__()
        from torch_geometric.nn import TransformerConv

        self._setup(hidden_channels, num_layers, normalize)
        self.heads = int(heads)
        if self.hidden_channels % self.heads:
            raise ValueError(f"`heads` must divide `hidden_channels` ({self.hidden_channels}), got {heads!r}")
        self.layers = torch.nn.ModuleList(
            TransformerConv(self.hidden_channels, self.hidden_channels // self.heads, heads=self.heads)
            for _ in range(self.num_layers)
        )

    def config(self) -> dict:
        return {**super().config(), "heads": self.heads}

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None) -> Tensor:
        """Logits ``(n,)``: positive = local maximum."""
        h = self._encode(x, batch)
        for layer in self.layers:
            h = h + torch.relu(layer(h, edge_index))
        return self.readout(h)[:, 0]
