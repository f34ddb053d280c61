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
from dask.sizeof import sizeof

from .._values import as_values, kernel_values

_ROWS_PER_PANDAS_PARTITION = 1_000_000
# Rows of an edge table a task reads at a time (16 MB of int64 pairs): a pass's memory per
# task is its per-node state plus one batch, whatever the size of the Parquet files.
BATCH_ROWS = 1 << 20
# Rows (whole row groups) of a Parquet file one task reads: the unit of work of a pass.
PIECE_ROWS = 1 << 22


class ParquetPiece:
    """Some row groups of one Parquet file: what one task of a pass reads, batch by batch,
    inside the task (Dask never holds the edges as a task result). A plain class, so
    that ``dask.delayed`` passes it as it is."""

    __slots__ = ("fs", "path", "row_groups", "rows")

    def __init__(self, fs, path, row_groups, rows):
        self.fs = fs  # an fsspec filesystem
        self.path = path
        self.row_groups = row_groups
        self.rows = rows

    def __reduce__(self):
        return ParquetPiece, (self.fs, self.path, self.row_groups, self.rows)

    def __dask_tokenize__(self):
        return ("ParquetPiece", str(self.fs.protocol), self.path, self.row_groups, self.rows)


class ParquetColumns:
    """The values table as Parquet pieces and the columns to read (`node_table` reads them)."""

    __slots__ = ("pieces", "columns")

    def __init__(self, pieces, columns):
        self.pieces = pieces
        self.columns = columns

    def __reduce__(self):
        return ParquetColumns, (self.pieces, self.columns)

    def __dask_tokenize__(self):
        return ("ParquetColumns", [p.__dask_tokenize__() for p in self.pieces], self.columns)

    def read(self, node):
        """``(columns, identity)``: every column as one array, in file order, filled batch by
        batch into arrays allocated once; the `node` column is dropped (identity True) while
        it is ``0..n-1``, so that a plain node table costs only its values."""
        n = sum(p.rows for p in self.pieces)
        out = {c: None for c in self.columns}
        identity, start = True, 0
        for piece in self.pieces:
            for batch in piece_batches(piece, self.columns):
                size = len(batch[0])
                for c, data in zip(self.columns, batch):
                    data = np.asarray(data)
                    if c == node and identity:
                        if data.dtype.kind in "iu" and np.array_equal(data, np.arange(start, start + size)):
                            continue
                        identity = False
                        data = np.concatenate([np.arange(start), data]) if start else data
                        out[c] = _filled(None, data, 0, n)
                        continue
                    out[c] = _filled(out[c], data, start, n)
                start += size
        if identity:
            out[node] = None
        return {c: (a if a is not None or c == node else np.zeros(0)) for c, a in out.items()}, identity


def _filled(array, data, start, n):
    """`array` (allocated on first use, length `n`) with `data` written at `start`."""
    if array is None:
        array = np.empty(n, dtype=data.dtype)
    elif array.dtype != data.dtype:
        array = array.astype(np.result_type(array.dtype, data.dtype))
    array[start:start + data.shape[0]] = data
    return array


def _is_paths(obj):
    return isinstance(obj, (str, bytes)) or (isinstance(obj, (list, tuple)) and bool(obj) and isinstance(obj[0], str))


def parquet_files(obj):
    """``(fs, sorted file paths)`` of a Parquet path, folder, glob or list of them, in
    the order Dask's ``read_parquet`` reads them (natural sort)."""
    from dask.utils import natural_sort_key
    from fsspec.core import get_fs_token_paths

    fs, _, paths = get_fs_token_paths(obj if isinstance(obj, (list, tuple)) else str(obj), mode="rb")
    files = []
    for path in paths:
        if fs.isdir(path):
            files += [f for f in fs.find(path) if not any(
                part.startswith((".", "_")) for part in f[len(path):].split("/") if part)]
        else:
            files.append(path)
    return fs, sorted(files, key=natural_sort_key)


def parquet_pieces(obj, name):
    """The pieces of a Parquet path/glob/list: whole row groups, about `PIECE_ROWS` rows each,
    with the schema of the first file."""
    fs, files = parquet_files(obj)
    if not files:
        raise ValueError(f"`{name}` names no Parquet file ({obj!r}); give a path, folder or glob of .parquet files")
    pieces = []
    schema = None
    for path in files:
        with _open(fs, path) as f:
            meta = f.metadata
        if schema is None:
            schema = meta.schema.to_arrow_schema()
        groups, rows = [], 0
        for g in range(meta.num_row_groups):
            size = meta.row_group(g).num_rows
            if groups and rows + size > PIECE_ROWS:
                pieces.append(ParquetPiece(fs, path, tuple(groups), rows))
                groups, rows = [], 0
            groups.append(g)
            rows += size
        pieces.append(ParquetPiece(fs, path, tuple(groups), rows))
    return pieces, schema


def _open(fs, path):
    """`path` as a `pyarrow.parquet.ParquetFile`: local files through Arrow's own reader (an
    fsspec file object would read whole column chunks into Python bytes: measured 44 MB per
    4M-row file), other filesystems through fsspec."""
    import pyarrow.parquet as pq

    protocol = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if "file" in protocol or "local" in protocol:
        return pq.ParquetFile(path)
    return pq.ParquetFile(path, filesystem=fs)


def _arrow_column(column):
    """An Arrow column as numpy (integers without nulls, zero-copy) or as pandas (the rest)."""
    import pyarrow as pa

    if pa.types.is_integer(column.type) and column.null_count == 0:
        return column.to_numpy()
    return column.to_pandas()


def release_arrow_memory():
    """Hand the memory Arrow's allocator keeps for reuse back to the OS (measured: ~100-200 MB
    per worker after reading a 10M-row table, counted by Dask as unmanaged memory)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def piece_batches(piece, columns, rows=None):
    """The columns of `piece` (a `ParquetPiece` or a pandas DataFrame), `rows` at a time:
    a list of arrays (or Series) per batch."""
    rows = rows or BATCH_ROWS
    if isinstance(piece, ParquetPiece):
        with _open(piece.fs, piece.path) as f:
            for batch in f.iter_batches(batch_size=rows, row_groups=list(piece.row_groups), columns=list(columns),
                                        use_threads=False):
                yield [_arrow_column(batch.column(c)) for c in columns]
        release_arrow_memory()
        return
    for start in range(0, len(piece), rows):
        chunk = piece.iloc[start:start + rows]
        yield [chunk[c] for c in columns]


def _frame(obj, name, columns):
    """`obj` as ``(pieces, dtypes)``, checked by column name before anything is read: a
    Parquet path/glob/list gives `ParquetPiece`s (read inside the tasks), a pandas or
    Dask DataFrame its Delayed partitions."""
    import dask.dataframe as dd

    if _is_paths(obj):
        pieces, schema = parquet_pieces(obj, name)
        _check_columns(schema.names, name, columns)
        return pieces, schema.empty_table().to_pandas().dtypes
    if isinstance(obj, pd.DataFrame):
        parts = max(1, math.ceil(len(obj) / _ROWS_PER_PANDAS_PARTITION))
        frame = dd.from_pandas(obj, npartitions=parts, sort=False)
    elif isinstance(obj, dd.DataFrame):
        frame = obj
    else:
        raise TypeError(
            f"`{name}` must be a Parquet path or glob, a pandas or a Dask DataFrame, got {type(obj).__name__}"
        )
    _check_columns(list(frame.columns), name, columns)
    frame = frame[list(columns)]
    return frame.to_delayed(), frame.dtypes


def _check_columns(have, name, columns):
    missing = [c for c in columns if c not in have]
    if missing:
        raise ValueError(
            f"`{name}` has no column {missing[0]!r} (columns: {list(have)}); "
            f"name its columns with {_COLUMN_ARGUMENTS[name]}"
        )


_COLUMN_ARGUMENTS = {"edges": "`source=` and `target=`", "values": "`node=` and `value=`"}


def _check_id_column(dtype, name, column):
    if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype)):
        raise TypeError(f"`{name}` column {column!r} must hold integer or string node ids, got dtype {dtype}")


def edge_parts(edges, source, target):
    """The edge table as pieces: `ParquetPiece`s or Delayed pandas partitions (columns `source`, `target`)."""
    pieces, dtypes = _frame(edges, "edges", (source, target))
    for column in (source, target):
        _check_id_column(dtypes[column], "edges", column)
    return pieces


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
    pieces, dtypes = _frame(values, "values", columns)
    _check_id_column(dtypes[node], "values", node)
    dtype = dtypes[value]
    if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)) or (
            pd.api.types.is_complex_dtype(dtype)):
        raise TypeError(f"`values` column {value!r} must be bool, integer or float, got dtype {dtype}")
    if pieces and isinstance(pieces[0], ParquetPiece):
        return [ParquetColumns(tuple(pieces), columns)], False
    return pieces, False


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
        """``(positions, n_missing, first missing id)`` of a column of edge endpoints
        (a numpy array or a pandas Series)."""
        if self.ids is None and pd.api.types.is_integer_dtype(ids.dtype):
            pos = np.asarray(ids).astype(np.int64, copy=False)
            bad = (pos < 0) | (pos >= self.n)
        else:
            pos = (self.ids if self.ids is not None else pd.RangeIndex(self.n)).get_indexer(ids)
            pos = pos.astype(np.int64, copy=False)
            bad = pos < 0
        n_bad = int(np.count_nonzero(bad))
        if not n_bad:
            return pos, 0, None
        example = np.asarray(ids)[int(np.argmax(bad))]
        pos = np.where(bad, -1, pos)
        return pos, n_bad, example.item() if hasattr(example, "item") else example


@sizeof.register(NodeTable)
def _sizeof_node_table(table):
    arrays = [table.x, table.group, table.alive] + ([] if table.raw is table.x else [table.raw])
    arrays += list(table.columns.values())
    ids = 0 if table.ids is None else int(table.ids.memory_usage(deep=True))
    return 200 + ids + sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


def node_table(parts, node, value, nan_policy, identity, extra_checks):
    """Build the `NodeTable` from the values partitions or `ParquetColumns` (runs in a Dask task)."""
    if parts and isinstance(parts[0], ParquetColumns):
        columns, plain = parts[0].read(node)
        identity = identity or plain
        frame = pd.DataFrame({c: a for c, a in columns.items() if a is not None}, copy=False)
    else:
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
