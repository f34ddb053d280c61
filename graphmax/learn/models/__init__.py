"""Node classifiers for local maxima: one family per module, all built by `build_model`.

=============== ============================ ==========================================
name            class                        what it is
=============== ============================ ==========================================
``maxmp``       `MaxMP`                      max-aggregated differences (aligned: can
                                             represent the exact indicator); learned
``oracle``      `OracleMax`                  MaxMP with hand-set weights: an upper
                                             bound, **not learned**
``mpnn``        `MaxMPNN`                    generic max-aggregation MPNN, learned
                                             message MLP over [h_v, h_u] (CLRS style)
``transformer`` `GraphTransformer`           PyG TransformerConv layers
``gcn``         `BaselineGNN` ("gcn")        PyG GCN
``gin``         `BaselineGNN` ("gin")        PyG GIN (sum)
``sage``        `BaselineGNN` ("sage")       PyG GraphSAGE (mean)
``gat``         `BaselineGNN` ("gat")        PyG GAT (attention)
``pna``         `BaselineGNN` ("pna")        PyG PNA (mean/min/max/std)
``adjcnn``      `AdjacencyCNN` (cnn)         a CNN on each node's ego-window adjacency
=============== ============================ ==========================================

Every learned model reads one feature per node, the per-graph encoding
`normalize` of the value (``"rank"``, ``"rank_n"``, ``"standardize"``,
``"none"``), and messages along the target's neighbourhood relation.
"""

from __future__ import annotations

from .baselines import BASELINES, BaselineGNN
from .maxmp import MaxMP, MaxMPConv
from .mpnn import GraphTransformer, MaxMPNN
from .oracle import OracleMax

__all__ = ["MODELS", "build_model", "MaxMP", "MaxMPConv", "OracleMax", "MaxMPNN", "GraphTransformer", "BaselineGNN",
           "BASELINES"]

#: Every model name `build_model` (and `graphmax.learn.train_detector`) accepts.
MODELS = ("maxmp", "oracle", "mpnn", "transformer", *BASELINES, "adjcnn")


def build_model(name, **kwargs):
    """A fresh model of family `name` (one of `MODELS`) with keyword arguments `kwargs`."""
    if name == "maxmp":
        return MaxMP(**kwargs)
    if name == "oracle":
        return OracleMax(**kwargs)
    if name == "mpnn":
        return MaxMPNN(**kwargs)
    if name == "transformer":
        return GraphTransformer(**kwargs)
    if name in BASELINES:
        return BaselineGNN(name, **kwargs)
    if name == "adjcnn":
        from ..cnn import AdjacencyCNN

        return AdjacencyCNN(**kwargs)
    raise ValueError(f"`model` must be one of {MODELS}, got {name!r}")
