"""The max-aggregation message-passing detector: a GNN that can represent the exact indicator."""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.dense.linear import Linear

from ._inputs import check_normalize, normalize_values

__all__ = ["MaxMPConv", "MaxMP"]


class MaxMPConv(MessagePassing):
    r"""Max-aggregated differences: :math:`h_v = \max_{u \in N(v)} \tanh(W (x_u - x_v))`.

    The message depends only on ``x_u - x_v`` (translation invariant) and has
    no bias, so a tie (``x_u = x_v``) sends exactly 0 -- the value PyG's max
    aggregation gives a node without neighbours. For a channel with weight
    ``w > 0`` the output is ``tanh(w * max_u (x_u - x_v))``, whose sign is
    the exact answer: negative iff `v` beats every neighbour, 0 on a tie or
    no neighbour, positive iff a neighbour is higher. ``tanh`` keeps every
    channel in [-1, 1], so graphs far larger than the training ones (larger
    differences) cannot push the readout outside the range it was trained on.

    The difference is formed in the input's dtype (float64 from the
    detector) and only then cast to the layer's dtype, so close values do not
    round to a tie first.

    Args:
        in_channels (int): input features per node.
        out_channels (int): output channels.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(aggr="max")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.lin = Linear(in_channels, out_channels, bias=False, weight_initializer="kaiming_uniform")
        self.reset_parameters()

    def reset_parameters(self):
        super().reset_parameters()
        self.lin.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return self.propagate(edge_index, x=x)

    def message(self, x_i: Tensor, x_j: Tensor) -> Tensor:
        return torch.tanh(self.lin((x_j - x_i).to(self.lin.weight.dtype)))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.out_channels})"


class MaxMP(torch.nn.Module):
    r"""Max-aggregation detector: per-graph input transform, `MaxMPConv`, linear readout.

    ``logit_v = a . max_u tanh(W (r_u - r_v)) + b [N(v) non-empty] + c``
    where ``r`` is the per-graph transform of the raw values (`normalize`,
    default ``"rank"``: the dense rank, see `graphmax.learn.models._inputs`)
    and the bracket is 1 when `v` has a neighbour (0 for an isolated node).
    Every weight (``W``, ``a``, ``b``, ``c``) is learned from labelled graphs;
    nothing is hand-set (compare `OracleMax`).

    **An algorithmically aligned architecture** (Xu et al. 2020, "What can
    neural networks reason about?"): the message is a difference, the
    aggregation is the max the exact indicator takes, so it *can represent*
    the exact strict and non-strict indicators on rank input -- distinct
    neighbours differ by at least 1 -- with one channel, and training only
    has to find a threshold. `certify` proves when it has. It cannot
    represent plateau maxima (one round of messages sees one hop).

    Args:
        hidden_channels (int): channels of the message (default 8).
        normalize (str): ``"rank"`` (default), ``"rank_n"``, ``"standardize"`` or ``"none"``.
    """

    learned = True

    def __init__(self, hidden_channels: int = 8, normalize: str = "rank"):
        super().__init__()
        self.hidden_channels = int(hidden_channels)
        self.normalize = check_normalize(normalize)
        self.conv = MaxMPConv(1, self.hidden_channels)
        self.readout = torch.nn.Linear(self.hidden_channels + 1, 1)
        self.reset_parameters()

    def reset_parameters(self):
        self.conv.reset_parameters()
        bound = 1.0 / math.sqrt(self.hidden_channels)
        torch.nn.init.uniform_(self.readout.weight, -bound, bound)
        torch.nn.init.uniform_(self.readout.bias, -bound, bound)

    def config(self) -> dict:
        return {"hidden_channels": self.hidden_channels, "normalize": self.normalize}

    def forward(self, x: Tensor, edge_index: Tensor, batch: Tensor | None = None) -> Tensor:
        """Logits ``(n,)``: positive = local maximum."""
        r = normalize_values(x, batch, self.normalize)
        h = self.conv(r, edge_index)
        has = torch.zeros(x.shape[0], 1, dtype=h.dtype, device=h.device)
        has[edge_index[1]] = 1.0
        return self.readout(torch.cat([h, has], dim=1))[:, 0]

    @torch.no_grad()
    def certify(self, mode: str = "strict") -> dict:
        """Prove (or fail to prove) that the current weights are exact on *every* graph.

        With rank input the differences ``d_u = r_u - r_v`` are integers, and
        the logit is a function of ``M = max_u d_u``, ``m = min_u d_u`` and
        whether `v` has a neighbour: a channel with ``w > 0`` is
        ``tanh(w M)``, one with ``w < 0`` is ``tanh(w m)``. Strict: "maximum"
        iff ``M <= -1``; non-strict: iff ``M <= 0``. Each case is bounded by
        interval arithmetic over all integers it allows (unbounded ranges
        included, ``tanh(±inf) = ±1``):

        - ``"above every neighbour"``: ``m <= M <= -1``;
        - ``"tie"``: ``M = 0``, ``m <= 0`` (a maximum only in non-strict mode);
        - ``"below a neighbour"``: ``M >= 1``, any ``m``;
        - ``"no neighbour"``: every channel 0, logit = ``c`` (never a maximum).

        The bounds are sufficient, not necessary: ``exact=True`` is a proof
        for every graph size and value range (float32 rounding aside, within
        the reported margins); ``False`` means only that these bounds do not
        prove it.

        Returns
        -------
        dict
            ``{"exact": bool, "margin": float, "cases": {case: {"low", "high", "ok"}}}``;
            `margin` is the smallest distance of a bound from the wrong side.
        """
        if self.normalize != "rank":
            raise ValueError(f"certify() needs rank input (integer differences); this model reads {self.normalize!r}")
        if mode not in ("strict", "nonstrict"):
            raise ValueError(f"`mode` must be 'strict' or 'nonstrict' (a one-round model cannot answer plateau "
                             f"maxima), got {mode!r}")
        w = self.conv.lin.weight[:, 0].double()
        weights = self.readout.weight[0].double()
        a, b = weights[:-1], float(weights[-1])
        c = float(self.readout.bias[0])
        inf = float("inf")
        cases = {  # (range of M, range of m, True if the label is "maximum")
            "above every neighbour": ((-inf, -1.0), (-inf, -1.0), True),
            "tie": ((0.0, 0.0), (-inf, 0.0), mode == "nonstrict"),
            "below a neighbour": ((1.0, inf), (-inf, inf), False),
        }
        out, margin = {}, inf
        for name, (M, m, positive) in cases.items():
            low = high = c + b
            for wk, ak in zip(w.tolist(), a.tolist()):
                lo, hi = M if wk > 0 else m
                ends = [ak * math.tanh(wk * t) if math.isfinite(t) else ak * math.copysign(1.0, wk * t)
                        for t in (lo, hi)] if wk != 0 else [0.0]
                low += min(ends)
                high += max(ends)
            ok = low > 0 if positive else high < 0
            margin = min(margin, low if positive else -high)
            out[name] = {"low": low, "high": high, "ok": ok}
        out["no neighbour"] = {"low": c, "high": c, "ok": c < 0}
        margin = min(margin, -c)
        return {"exact": all(v["ok"] for v in out.values()), "margin": margin, "cases": out}

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(hidden_channels={self.hidden_channels}, normalize={self.normalize!r})"
