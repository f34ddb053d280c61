"""A hand-set max network: the upper bound of the MaxMP architecture. NOT learned."""

from __future__ import annotations

import torch

from .maxmp import MaxMP

__all__ = ["OracleMax"]


class OracleMax(MaxMP):
    """`MaxMP` with hand-set weights: one channel, ``w = 1``, readout ``-10 m + b has - 1``.

    **Not a learned model.** It shows that the architecture represents the
    exact indicator on ranks. ``mode="strict"`` (``b = 0``): a strict maximum
    gets a logit ``>= 10 tanh(1) - 1 > 0``, a tie or isolated node ``-1``,
    any other node ``<= -10 tanh(1) - 1``. ``mode="nonstrict"`` (``b = 2``):
    a node at or above every neighbour gets ``>= 1``, a node below one
    ``<= 1 - 10 tanh(1)``, an isolated node ``-1``. Plateau maxima are not
    representable by one round of messages (ValueError).
    `graphmax.learn.train_detector` returns it untrained; the benchmark lists
    it as an upper bound, apart from the learned models. Its parameters do
    not require gradients.
    """

    learned = False

    def __init__(self, mode: str = "strict"):
        if mode not in ("strict", "nonstrict"):
            raise ValueError(f"`mode` must be 'strict' or 'nonstrict' for the hand-set oracle (one round of "
                             f"messages cannot answer plateau maxima), got {mode!r}")
        self.mode = mode
        super().__init__(hidden_channels=1, normalize="rank")

    def reset_parameters(self):
        with torch.no_grad():
            self.conv.lin.weight.fill_(1.0)
            self.readout.weight.copy_(torch.tensor([[-10.0, 2.0 if self.mode == "nonstrict" else 0.0]]))
            self.readout.bias.fill_(-1.0)
        for p in self.parameters():
            p.requires_grad_(False)

    def config(self) -> dict:
        return {"mode": self.mode}

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mode={self.mode!r}, hand-set, not learned)"
