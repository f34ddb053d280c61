"""What a detector learns: the indicator ``graphmax.local_maxima(graph, x, mode=..., hops=..., direction=...)``.

A `Target` names the exact question (mode, hops, direction; ``min_neighbors``
stays 1, graphmax's default) and gives every model the same structural input:
the neighbourhood relation ``N(v)`` of the target, as messages ``u -> v`` for
every ``u in N(v)`` (`graphmax.neighborhood`; for ``hops=2`` the graph power,
for ``direction="out"`` the out-neighbours). That is what the exact detector
compares each node with; the learned part is the comparison. ``"plateau"``
mode is not local in ``N``: a node's answer depends on its whole plateau, so a
model needs about as many message-passing rounds as the plateau's diameter
(one-round models, `MaxMP` among them, cannot represent it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .._graph import as_graph
from .._maxima import local_maxima, neighborhood

__all__ = ["Target", "MODES", "DIRECTIONS", "TARGETS"]

MODES = ("strict", "nonstrict", "plateau")
DIRECTIONS = ("both", "out", "in")


@dataclass(frozen=True)
class Target:
    """The question a detector answers: ``local_maxima(graph, x, mode=mode, hops=hops, direction=direction)``.

    Examples
    --------
    >>> Target().name, Target("nonstrict").name, Target(hops=2).name, Target(direction="out").name
    ('strict', 'nonstrict', 'strict/hops=2', 'strict/out')
    """

    mode: str = "strict"
    hops: int = 1
    direction: str = "both"

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"`mode` must be one of {MODES}, got {self.mode!r}")
        if isinstance(self.hops, bool) or not isinstance(self.hops, (int, np.integer)) or self.hops < 1:
            raise ValueError(f"`hops` must be an integer >= 1, got {self.hops!r}")
        object.__setattr__(self, "hops", int(self.hops))
        if self.direction not in DIRECTIONS:
            raise ValueError(f"`direction` must be one of {DIRECTIONS}, got {self.direction!r}")

    @property
    def name(self) -> str:
        parts = [self.mode]
        if self.hops != 1:
            parts.append(f"hops={self.hops}")
        if self.direction != "both":
            parts.append(self.direction)
        return "/".join(parts)

    @property
    def directed(self) -> bool:
        """Whether the question reads edge directions (its data sets then hold directed graphs)."""
        return self.direction != "both"

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def of(cls, value) -> "Target":
        """A `Target` from a `Target`, a dict of its fields, or None (the default, strict)."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        raise TypeError(f"`target` must be a Target or a dict of its fields, got {type(value).__name__}")

    def labels(self, graph, x) -> np.ndarray:
        """The exact answer, ``graphmax.local_maxima(graph, x, mode=..., hops=..., direction=...)``."""
        return local_maxima(graph, x, mode=self.mode, hops=self.hops, direction=self.direction)

    def message_index(self, graph) -> np.ndarray:
        """``(2, E)`` int64 messages ``[u, v]`` for every ``u in N(v)`` (PyG's source -> target order)."""
        g = as_graph(graph)
        indptr, indices = neighborhood(g, hops=self.hops, direction=self.direction)
        rows = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(indptr))
        return np.stack([np.asarray(indices, dtype=np.int64), rows])


#: The targets the benchmark reports, by short name.
TARGETS = {
    "strict": Target(),
    "nonstrict": Target("nonstrict"),
    "hops2": Target(hops=2),
    "out": Target(direction="out"),
    "plateau": Target("plateau"),
}
