"""The values normaliser: node values in every form users hold, aligned to the nodes, and
their lossless conversion to the few dtypes kernels compile for."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._kinds import as_numpy, is_networkx_graph, is_pandas_frame, is_pandas_series, is_pyg_data, is_torch_tensor

_NAN_POLICIES = ("raise", "omit")


def graph_and_values(graph, x, *, name="x"):
    """The one normaliser of a public function's ``(graph, x)``: the `Graph` and `x` as an
    ndarray of shape ``(n,)`` or ``(n, c)`` in node order.

    `x` may be a plain array in node order (numpy, a list, a torch tensor of
    any device and dtype), values with their own node keys (a dict, a pandas
    Series or DataFrame: aligned, never read by position) or a string naming a
    node attribute. A bare ``edge_index`` gets ``len(x)`` nodes (PyG's
    ``scatter(..., dim_size=n)``), so trailing nodes without edges count.
    """
    from ._graph import _from_edge_index, as_graph

    if is_torch_tensor(graph) and not isinstance(x, str):
        g = _from_edge_index(graph, _length(x), nodes_from=name)
    else:
        g = as_graph(graph)
    return g, node_values(x, g, graph, name=name)


def node_values(x, g, graph=None, *, name="x"):
    """`x` aligned to the nodes of `g` (built from `graph`) and checked by `as_values`."""
    return as_values(node_array(x, g, graph, name=name), g.n, name=name)


def node_array(x, g, graph=None, *, name="x"):
    """Per-node data `x` (values, labels, a mask) as a numpy array in node order, unchecked.

    An ndarray is returned as it is (the fast paths see no alignment work);
    keyed inputs are aligned to ``g.names`` (networkx labels) or to the ids
    ``0..n-1``; a string is read from the node attributes of `graph`.
    """
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, str):
        return as_numpy(_attribute(x, g, graph, name), name)
    if isinstance(x, Mapping):
        return _from_mapping(x, g, name)
    if is_pandas_series(x) or is_pandas_frame(x):
        return _from_pandas(x, g, name)
    return as_numpy(x, name)


def is_keyed(x):
    """Whether `x` must be aligned to the nodes (a key -> value form or an attribute name)."""
    if isinstance(x, np.ndarray):
        return False
    return isinstance(x, (str, Mapping)) or is_pandas_series(x) or is_pandas_frame(x)


def _length(x):
    """How many nodes `x` gives values for, or None when that is not clear (its checks report it)."""
    if isinstance(x, (Mapping, list, tuple)) or is_pandas_series(x) or is_pandas_frame(x):
        return len(x)
    shape = getattr(x, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    return None


def _node_keys(g):
    return range(g.n) if g.names is None else g.names


def _key_rule(g):
    return f"node ids 0..{g.n - 1}" if g.names is None else "node labels"


def _shown(key):
    """A key as the user wrote it: numpy scalars (from pandas indexes) as Python ones."""
    return key.item() if isinstance(key, np.generic) else key


def _mismatch(name, g, n_keys, missing, unknown, n_missing, n_unknown):
    parts = []
    if n_missing:
        parts.append(f"missing nodes: {n_missing} of {g.n} (e.g. {_shown(missing)!r})")
    if n_unknown:
        parts.append(f"keys that are not nodes: {n_unknown} of {n_keys} (e.g. {_shown(unknown)!r})")
    return ValueError(
        f"`{name}` is keyed by node and must give one value per node, keyed by {_key_rule(g)}; "
        + "; ".join(parts)
    )


def _from_mapping(d, g, name):
    nodes = _node_keys(g)
    if len(d) == g.n:
        try:
            return as_numpy([d[v] for v in nodes], name)
        except KeyError:
            pass
    missing = [v for v in nodes if v not in d]
    node_set = set(nodes)
    unknown = [k for k in d if k not in node_set]
    raise _mismatch(
        name, g, len(d), missing[0] if missing else None, unknown[0] if unknown else None, len(missing), len(unknown)
    )


def _from_pandas(obj, g, name):
    """A Series or DataFrame by its index (a DataFrame's columns are channels)."""
    import pandas as pd

    index = obj.index
    if isinstance(index, pd.MultiIndex):  # tuple labels, as networkx's grid graphs have
        index = index.to_flat_index()
    if not index.is_unique:
        raise ValueError(
            f"`{name}` is keyed by node and each node may appear once; "
            f"node {_shown(index[index.duplicated()][0])!r} appears more than once"
        )
    values = obj.to_numpy()
    target = pd.RangeIndex(g.n) if g.names is None else pd.Index(g.names, tupleize_cols=False)
    if index.equals(target):
        return values
    rows = index.get_indexer(target)
    missing = rows < 0
    n_unknown = len(index) - (g.n - int(missing.sum()))
    if missing.any() or n_unknown:
        unknown = index[~index.isin(target)]
        first_missing = target[int(np.argmax(missing))] if missing.any() else None
        raise _mismatch(
            name, g, len(index), first_missing, unknown[0] if len(unknown) else None, int(missing.sum()), n_unknown
        )
    return values[rows]


def _attribute(key, g, graph, name):
    """The node attribute `key` of a networkx graph or PyG ``Data``, in node order."""
    if is_networkx_graph(graph):
        nodes = graph.nodes
        try:
            return [nodes[v][key] for v in g.names]
        except KeyError:
            lacking = [v for v in g.names if key not in nodes[v]]
            raise ValueError(
                f"`{name}`={key!r} names a node attribute, but {len(lacking)} of the graph's {g.n} nodes "
                f"lack it (e.g. node {lacking[0]!r}); set it on every node or pass the values"
            ) from None
    if is_pyg_data(graph):
        if key not in graph:
            raise ValueError(
                f"`{name}`={key!r} names a field of the PyG {type(graph).__name__}, which has no such field "
                f"(fields: {sorted(graph.keys())})"
            )
        return graph[key]
    raise TypeError(
        f"`{name}`={key!r} names a node attribute, which only a networkx graph or a PyG Data carries; "
        f"got a {type(graph).__name__} graph: pass the values as an array (a prepared graphmax.Graph "
        "keeps no attributes: pass the original graph)"
    )


def as_values(x, n, *, name="x"):
    """`x` as a numpy array of shape ``(n,)`` or ``(n, c)`` with a real/bool dtype.

    Never copies unless needed and never modifies `x`. Torch tensors of any
    device and dtype are read on the CPU (bfloat16 and float8 as float32).
    Keyed values are refused: only `node_values` can align them, and reading
    them by position would answer another question.
    """
    if is_keyed(x):
        raise TypeError(
            f"`{name}` carries its own keys ({type(x).__name__}), but is read here by position; "
            "pass an array in node order"
        )
    a = as_numpy(x, name)
    if a.dtype.kind == "c":
        raise TypeError(f"`{name}` must be real, got complex dtype {a.dtype}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be bool, integer or float, got dtype {a.dtype}")
    if a.ndim not in (1, 2):
        raise ValueError(f"`{name}` must have shape (n,) or (n, c) with n={n}, got shape {a.shape}")
    if a.shape[0] != n:
        raise ValueError(f"`{name}` must have one entry per node (graph has {n} nodes, got {a.shape[0]})")
    return a


def check_nan_policy(nan_policy):
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"`nan_policy` must be one of {_NAN_POLICIES}, got {nan_policy!r}")
    return nan_policy


def kernel_values(a, *, reverse=False):
    """A lossless copy/view of 1-D `a` in float64, int64 or uint64 (what kernels compile for).

    With ``reverse=True`` the order is reversed without overflow: floats are
    negated, integers bit-flipped (``~v == -v - 1`` for signed, ``MAX - v``
    for unsigned), bool becomes ``1 - v``.
    """
    kind = a.dtype.kind
    if kind == "f":
        out = a.astype(np.float64, copy=False)
        return -out if reverse else out
    if kind == "b":
        out = a.astype(np.int64)
        return 1 - out if reverse else out
    out = a.astype(np.int64 if kind == "i" else np.uint64, copy=False)
    return ~out if reverse else out
