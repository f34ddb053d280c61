"""Learned local-maximum detectors: GNNs in PyTorch Geometric and grid CNNs (optional extra ``learn``).

``graphmax`` answers "which nodes are local maxima?" exactly; this subpackage
holds the learned answers and the tools to compare them honestly:

- `graphmax.learn.data`: seeded graph families x signals, labelled by
  ``graphmax.local_maxima(..., mode="strict")``, with out-of-distribution sets;
- `graphmax.learn.models`: the max-aggregation detector `MaxMP`, the hand-set
  `OracleMax` (not learned), and PyG baselines (GCN, GIN, GraphSAGE, GAT, PNA);
- `graphmax.learn.cnn`: the asker's 3x3-window CNN, a per-pixel FCN, an
  adjacency-matrix CNN and the exact max-pool NMS;
- `graphmax.learn.metrics`: accuracy, F1, exact graphs, near-tie accuracy,
  equivariance, invariance, shift consistency, throughput;
- `train_detector` -> `Detector` (``predict``, ``save``, ``load``).

Importing it imports torch and torch_geometric; ``import graphmax`` never does.
"""

import os

# Two OpenMP runtimes can share this process: numba's (graphmax's parallel kernels; threading
# layer "omp") and torch's. With OpenMP's default active wait, the threads of one keep spinning
# after each parallel region and starve the other: on a 2-core machine one tiny
# `torch.scatter_add_` went from 0.03 ms to 5.4 ms after a single graphmax call. A passive wait
# avoids it. Set only if the user has not chosen, and effective only for runtimes not yet started
# (so before torch is first imported): `docs/learned.md`, "Threads".
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import cnn, data, metrics, models  # noqa: E402
from .detector import Detector  # noqa: E402
from .train import train_cnn, train_detector  # noqa: E402

__all__ = ["Detector", "train_detector", "train_cnn", "data", "models", "cnn", "metrics"]
