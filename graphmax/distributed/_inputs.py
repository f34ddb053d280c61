"""Reading and checking the Dask path's inputs: the edge table and the node (values) table.

Everything here that only needs metadata (column names, dtypes) runs when the
public function is called; what needs the data (duplicate ids, NaN, ids the
values table lacks) runs inside the Dask tasks and raises from ``compute()``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._values import as_values, kernel_values

_ROWS_PER_PANDAS_PARTITION = 1_000_000


def _frame(obj, name, columns):
    """`obj` (a Parquet path/glob/list, a pandas or Dask DataFrame) as a Dask DataFrame
    holding `columns`, checked by name before anything is read."""
    import dask.dataframe as dd

    if isinstance(obj, (str, bytes)) or (isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], str)):
        frame = dd.read_parquet(obj)
    elif isinstance(obj, pd.DataFrame):
        parts = max(1, math.ceil(len(obj) / _ROWS_PER_PANDAS_PARTITION))
        frame = dd.from_pandas(obj, npartitions=parts, sort=False)
    elif isinstance(obj, dd.DataFrame):
        frame = obj
    else:
        raise TypeError(
            f"`{name}` must be a Parquet path or glob, a pandas or a Dask DataFrame, got {type(obj).__name__}"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"`{name}` has no column {missing[0]!r} (columns: {list(frame.columns)}); "
            f"name its columns with {_COLUMN_ARGUMENTS[name]}"
        )
    return frame[list(columns)]


_COLUMN_ARGUMENTS = {"edges": "`source=` and `target=`", "values": "`node=` and `value=`"}


def _check_id_column(dtype, name, column):
    if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)):
        raise TypeError(f"`{name}` column {column!r} must hold integer or string node ids, got dtype {dtype}")


def edge_parts(edges, source, target):
    """The edge table as a list of Delayed pandas partitions with columns `source`, `target`."""
    frame = _frame(edges, "edges", (source, target))
    for column in (source, target):
        _check_id_column(frame.dtypes[column], "edges", column)
    return frame.to_delayed()


def value_parts(values, node, value, extra=()):
    """The values table as ``(delayed partitions, identity)``: a numpy array is
    ``node = 0..n-1`` (identity ids); a table is checked by column names and dtypes."""
    import dask

    if isinstance(values, (np.ndarray, pd.Series)) or (isinstance(values, (list, tuple)) and not (
            values and isinstance(values[0], str))):
        if extra:
            raise ValueError(f"`{extra[0]}` names a column, but `values` is an array; give a values table")
        a = as_values(np.asarray(values), len(values), name="values")
        if a.ndim != 1:
            raise ValueError(f"`values` must be one value per node, shape (n,), got shape {a.shape}")
        return [dask.delayed(pd.DataFrame({node: np.arange(a.shape[0]), value: a}))], True
    columns = (node, value) + tuple(c for c in extra if c not in (node, value))
    frame = _frame(values, "values", columns)
    _check_id_column(frame.dtypes[node], "values", node)
    dtype = frame.dtypes[value]
    if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)) or (
            pd.api.types.is_complex_dtype(dtype)):
        raise TypeError(f"`values` column {value!r} must be bool, integer or float, got dtype {dtype}")
    return frame.to_delayed(), False


@dataclass
class NodeTable:
    """The node set, in values-table order (the in-memory node order).

    ``ids`` maps a node id to its position (None: ids are the positions
    ``0..n-1``); ``x`` the kernel values (`graphmax._values.kernel_values`);
    ``raw`` the values as given; ``group`` the per-node group of the kernels
    (``use_group``: NaN nodes omitted, or `find_peaks` labels); ``alive``
    False at omitted NaN nodes.
    """

    ids: pd.Index | None
    x: np.ndarray
    raw: np.ndarray
    group: np.ndarray
    use_group: bool
    alive: np.ndarray | None
    columns: dict

    @property
    def n(self):
        return self.x.shape[0]

    def names(self, positions):
        """The node ids at `positions` (a numpy array)."""
        if self.ids is None:
            return np.asarray(positions, dtype=np.int64)
        return self.ids[positions].to_numpy()

    def positions(self, ids):
        """``(positions, n_missing, first missing id)`` of a column of edge endpoints."""
        if self.ids is None and pd.api.types.is_integer_dtype(ids.dtype):
            pos = ids.to_numpy().astype(np.int64, copy=False)
            bad = (pos < 0) | (pos >= self.n)
        else:
            pos = (self.ids if self.ids is not None else pd.RangeIndex(self.n)).get_indexer(ids)
            pos = pos.astype(np.int64, copy=False)
            bad = pos < 0
        n_bad = int(bad.sum())
        if not n_bad:
            return pos, 0, None
        example = ids.iloc[int(np.argmax(bad))]
        pos = np.where(bad, -1, pos)
        return pos, n_bad, example.item() if hasattr(example, "item") else example


def node_table(parts, node, value, nan_policy, identity, extra_checks):
    """Build the `NodeTable` from the values partitions (runs in a Dask task)."""
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    n = len(frame)
    ids = None
    if not identity:
        index = pd.Index(frame[node])
        if not index.is_unique:
            dup = index[index.duplicated()]
            raise ValueError(
                f"`values` has {len(dup)} duplicate node id(s) in column {node!r} (e.g. {dup[0]!r}); "
                "each node needs exactly one row"
            )
        if not (pd.api.types.is_integer_dtype(index.dtype) and (n == 0 or (
                index[0] == 0 and index.is_monotonic_increasing and index[-1] == n - 1))):
            ids = index
    raw = as_values(frame[value].to_numpy(), n, name="values")
    x = kernel_values(np.ascontiguousarray(raw))
    nan = np.isnan(x) if x.dtype.kind == "f" else np.zeros(n, dtype=bool)
    n_nan = int(nan.sum())
    if n_nan and nan_policy == "raise":
        raise ValueError(f"`values` contains {n_nan} NaN value(s); pass nan_policy='omit' to drop NaN nodes")
    columns = {key: check(frame, n) for key, check in extra_checks.items()}
    group = np.zeros(0, dtype=np.int64)
    alive = None
    if n_nan:
        alive = ~nan
        group = alive.astype(np.int64)
    if "labels" in columns:
        group = columns["labels"] if alive is None else np.where(alive, columns["labels"], 0)
    use_group = group.shape[0] > 0
    if not use_group:
        group = np.zeros(1, dtype=np.int64)  # never read; numba wants an array
    return NodeTable(ids, x, raw, group, use_group, alive, columns)
