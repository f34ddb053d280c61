"""Input kinds recognised by `isinstance`, without importing the libraries they come from.

An object of a torch, PyG, networkx or pandas class can only exist once its
library is imported, so each test looks the library up in `sys.modules` and
answers False when it is absent: ``import graphmax`` imports none of them,
and subclasses (a PyG ``Batch``, a ``Data`` or ``nx.Graph`` subclass) are
recognised as their base class is.
"""

from __future__ import annotations

import sys

import numpy as np


def _instance_of(obj, module, name):
    """``isinstance(obj, module.name)``; False when `module` was never imported."""
    mod = sys.modules.get(module)
    return mod is not None and isinstance(obj, getattr(mod, name))


def is_torch_tensor(obj):
    return _instance_of(obj, "torch", "Tensor")


def is_pyg_data(obj):
    """A PyG ``Data``, or any subclass of it (``Batch`` included: a disjoint union of graphs)."""
    return _instance_of(obj, "torch_geometric.data", "Data")


def is_networkx_graph(obj):
    """Any networkx graph: ``Graph``, ``DiGraph``, ``Multi*`` and their subclasses."""
    return _instance_of(obj, "networkx", "Graph")


def is_pandas_series(obj):
    return _instance_of(obj, "pandas", "Series")


def is_pandas_frame(obj):
    return _instance_of(obj, "pandas", "DataFrame")


def tensor_to_numpy(t, name):
    """A torch tensor of any device and dtype as a numpy array holding the same numbers.

    Floating formats numpy lacks (bfloat16, the float8 formats) are widened
    to float32, which holds each of their values exactly.
    """
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    try:
        return t.numpy()
    except TypeError:
        if t.is_floating_point():
            return t.float().numpy()
        raise TypeError(f"`{name}` has torch dtype {t.dtype}, which has no numpy equivalent") from None


def as_numpy(obj, name):
    """`obj` as a numpy array (torch tensors read on the CPU), never copied needlessly."""
    if isinstance(obj, np.ndarray):
        return obj
    if is_torch_tensor(obj):
        return tensor_to_numpy(obj, name)
    try:
        return np.asarray(obj)
    except ValueError as err:
        raise ValueError(f"`{name}` must be a rectangular array, got a ragged sequence ({err})") from None
