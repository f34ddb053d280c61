"""Reading graphs and node values from files, and writing results atomically."""

from __future__ import annotations

import csv
import gzip
import itertools
import numbers
import os
import warnings

import numpy as np

from ._graph import Graph, _known_symmetric, as_graph, from_edges
from ._io_write import (  # noqa: F401  (the writers live in _io_write; their names stay importable from here)
    RESULT_FORMATS,
    _extension,
    atomic_target,
    check_output_path,
    dump_result,
    stop_writes,
    write_bytes,
    write_result,
)

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "read_graph", "read_values", "write_result", "dump_result"]

#: File extension -> graph format (a trailing ``.gz`` is looked through).
GRAPH_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "edgelist",
    ".edges": "edgelist",
    ".mtx": "mtx",
    ".npz": "npz",
    ".graphml": "graphml",
    ".gml": "gml",
}
#: Field delimiter of each text table format; None means "any run of whitespace".
_DELIMITERS = {"csv": ",", "tsv": "\t", "edgelist": None}
_VALUE_FORMATS = {".npy": "npy", ".csv": "csv", ".tsv": "tsv", ".txt": "edgelist"}

# A first row made only of these words is a header even when node ids are text.
_EDGE_HEADER_WORDS = frozenset(
    "source target src dst from to u v head tail node1 node2 id1 id2 weight length distance cost".split()
)
# Header names of the first column that mark it as the node-id column of a values file.
_NODE_WORDS = frozenset("node node_id id name label vertex".split())
# Rows read to decide whether the first row is a header.
_SNIFF_ROWS = 64


# -- files and tokens ------------------------------------------------------------
def _check_file(path, what):
    """`path` as a str, after checking that it names an existing regular file."""
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"`{what}` path must be a str or os.PathLike, got {type(path).__name__}") from None
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} file not found: {path!r}")
    if os.path.isdir(path):
        raise ValueError(f"{what} path {path!r} is a directory, expected a file")
    return path



def _open_text(path):
    # utf-8-sig: spreadsheet exports often start with a byte-order mark.
    if path.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _iter_rows(f, delimiter):
    """``(line_number, fields)`` for every non-blank row of a text table.

    ``delimiter=None`` splits on whitespace and, as networkx's ``read_edgelist``
    and SNAP/KONECT files, drops everything after ``#`` and lines starting with
    ``%``. Delimited files (csv module) have no comments.
    """
    if delimiter is None:
        for lineno, line in enumerate(f, 1):
            fields = line.split("#", 1)[0].split()
            if fields and not fields[0].startswith("%"):
                yield lineno, fields
        return
    reader = csv.reader(f, delimiter=delimiter, skipinitialspace=True)
    for fields in reader:
        if fields and not (len(fields) == 1 and not fields[0].strip()):
            yield reader.line_num, fields


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_width(rows, linenos, where):
    """Every row has as many fields as the first one ("ragged rows" otherwise)."""
    if not rows:
        return 0
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        i = next(i for i, r in enumerate(rows) if len(r) != width)
        raise ValueError(
            f"{where}, line {linenos[i]}: expected {width} fields (as on line {linenos[0]}), got {len(rows[i])}"
        )
    return width


def _ints(text):
    """int64 parse of a str array, or None if any entry is not an integer."""
    try:
        return text.astype(np.int64)
    except (ValueError, OverflowError):
        return None


def _floats(text, linenos, where, column):
    """float64 parse of a str array; the error names the first bad line."""
    try:
        return text.astype(np.float64)
    except ValueError:
        for s, lineno in zip(text, linenos):
            if not _is_number(s):
                raise ValueError(
                    f"{where}, line {lineno}: column {column} must hold numbers, got {str(s)!r}"
                ) from None
        raise


def _numbers(text, linenos, where, column):
    """int64 when every entry is an integer (ties stay exact), else float64."""
    as_int = _ints(text)
    return as_int if as_int is not None else _floats(text, linenos, where, column)


def _column_index(column, header, ncols, where, what):
    """Index of `column` (a header name or a 0-based index) among `ncols` columns."""
    if isinstance(column, bool) or not isinstance(column, (str, numbers.Integral)):
        raise TypeError(f"`{what}` must be a column name (str) or a 0-based index (int), got {column!r}")
    if isinstance(column, str):
        if header is None:
            raise ValueError(
                f"{where} has no header row, so `{what}` must be a 0-based column index, got {column!r}"
            )
        if column not in header:
            raise ValueError(f"{where} has no column {column!r}; its columns are {header}")
        return header.index(column)
    if not 0 <= column < ncols:
        raise ValueError(f"`{what}`={column} is out of range: {where} has {ncols} columns (0..{ncols - 1})")
    return int(column)


# -- graphs --------------------------------------------------------------------------
def read_graph(path, *, format=None, directed=None, weight_column=None, delimiter=None, header=None):
    """Read a graph file into a `Graph`.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Its format comes from the extension (a trailing ``.gz`` is
        looked through) unless `format` is given:

        - ``.csv`` / ``.tsv`` / ``.txt`` / ``.edges``: an edge list, one edge
          per row: ``source, target[, weight]`` (``.txt``/``.edges``: separated
          by whitespace, ``#`` starts a comment);
        - ``.mtx``: Matrix Market adjacency (`scipy.io.mmread`); a file whose
          header declares it ``symmetric`` gives a graph known to be
          symmetric (every call takes the one-direction scans);
        - ``.npz``: a `scipy.sparse.save_npz` adjacency;
        - ``.graphml`` / ``.gml``: networkx readers; node labels are the
          networkx node ids.
    format : {"csv", "tsv", "edgelist", "mtx", "npz", "graphml", "gml"}, optional
    directed : bool or None
        None (default): as the file says -- edge lists are undirected (each
        row gives both directions), adjacency matrices and GraphML/GML keep
        their stored direction. True: edge list rows are ``source -> target``
        only. False: every edge is read both ways.
    weight_column : str, int or False, optional
        Edge lists: the column (header name or 0-based index) of edge lengths.
        Default: a column named ``weight`` (any case), else the third of
        exactly three columns, else none. GraphML/GML: the edge attribute
        (default ``"weight"``; missing: 1). False, for any format: unweighted.
    delimiter : str, optional
        Edge lists: field separator (default from the extension).
    header : bool, optional
        Edge lists: whether the first row names the columns. Default: detected
        -- a first row with no number in it is a header when it has a third
        field (weights are numbers), when the ids below it are integers, or
        when it is made of words like ``source,target``.

    Returns
    -------
    Graph
        Built by `from_edges` / `as_graph`. Edge list node ids that are the
        integers ``0..n-1`` are node indices; any other ids (text, or
        integers with gaps) become node labels in order of first appearance,
        kept in ``Graph.names``.

    Raises
    ------
    FileNotFoundError
        `path` does not exist.
    ValueError, TypeError
        Unknown format, ragged rows, non-numeric weights, unreadable content;
        the message names the file (and line).

    Notes
    -----
    Edge lists are tokenised by the csv module (or `str.split`). Files of
    plain numbers take a fast path, `numpy.loadtxt`, which gives the same
    graph: a 1M-edge weighted CSV reads in ~0.8 s against ~4.7 s through the
    csv module. Parallel edges keep the smallest weight.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.csv"
    >>> _ = p.write_text("source,target\\nann,bob\\nbob,cy\\n")
    >>> g = read_graph(p)
    >>> g, g.names
    (Graph(n=3, num_edges=4, unweighted), ['ann', 'bob', 'cy'])
    """
    path = _check_file(path, "graph")
    fmt = _graph_format(path, format)
    if directed is not None and not isinstance(directed, bool):
        raise TypeError(f"`directed` must be True, False or None, got {directed!r}")
    if fmt in _DELIMITERS:
        delimiter = _DELIMITERS[fmt] if delimiter is None else delimiter
        return _read_edge_list(path, delimiter, directed is True, weight_column, header)
    for name, value in (("delimiter", delimiter), ("header", header)):
        if value is not None:
            raise ValueError(f"`{name}` applies to edge lists only, not to {fmt!r} file {path!r}")
    if fmt in ("mtx", "npz"):
        if weight_column not in (None, False):
            raise ValueError(
                f"`weight_column` applies to edge lists and GraphML/GML; the weights of {fmt!r} "
                f"file {path!r} are its matrix entries"
            )
        g = _read_matrix(path, fmt)
        if weight_column is False:
            known = g.symmetry_known and g.is_symmetric  # the same edges both ways stay so without weights
            g = Graph(g.n, g.indptr, g.indices, None, g.names, symmetric=True if known else None)
    else:
        g = _read_networkx(path, fmt, weight_column)
    return g.to_undirected() if directed is False else g


def _graph_format(path, format):
    if format is None:
        ext = _extension(path)
        if ext not in GRAPH_FORMATS:
            raise ValueError(
                f"cannot tell the format of graph file {path!r} from its extension {ext!r}; "
                f"expected one of {sorted(GRAPH_FORMATS)} or pass `format`"
            )
        return GRAPH_FORMATS[ext]
    known = sorted(set(GRAPH_FORMATS.values()))
    if format not in known:
        raise ValueError(f"`format` must be one of {known}, got {format!r}")
    return format


def _read_edge_list(path, delimiter, directed, weight_column, header):
    where = f"graph file {path!r}"
    if header is not None and not isinstance(header, bool):
        raise TypeError(f"`header` must be True, False or None, got {header!r}")
    try:
        with _open_text(path) as f:
            rows_iter = _iter_rows(f, delimiter)
            sniffed = list(itertools.islice(rows_iter, _SNIFF_ROWS))
            has_header = _edge_header(sniffed, header)
            header_names = [s.strip() for s in sniffed[0][1]] if has_header else None
            first_data = 1 if has_header else 0
            if len(sniffed) > first_data:
                ncols = len(sniffed[first_data][1])
            else:  # no data rows
                ncols = len(header_names) if header_names else 2
            if ncols < 2:
                _explain_one_column(sniffed[first_data:] or sniffed, delimiter, where)
            cols = _edge_columns(header_names, ncols, weight_column, where)
            skip = sniffed[0][0] if has_header else 0
            columns = None
            if len(sniffed) > first_data:
                columns = _loadtxt_numeric(path, delimiter, skip, ncols, cols)
            if columns is None:  # text ids, quotes, ragged rows...: the exact reader decides
                rest = sniffed[first_data:] + list(rows_iter)
                columns = _edge_columns_exact(rest, ncols, cols, where)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (csv.Error, EOFError, gzip.BadGzipFile) as exc:
        raise ValueError(f"{where} could not be parsed: {exc}") from None
    src, dst, weights = columns
    src, dst, n, labels = _encode_ids(src, dst)
    edges = np.stack([src, dst], axis=1)
    try:  # undirected rows are stored both ways, and the graph is known to be symmetric
        return from_edges(edges, n=n, weights=weights, names=labels, directed=directed)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def _edge_header(sniffed, header):
    """Whether the first row of an edge list is a header (see `read_graph`)."""
    if header is not None or not sniffed:
        return bool(header)
    first = [s.strip() for s in sniffed[0][1]]
    if any(_is_number(s) for s in first):
        return False
    if len(first) > 2:  # weights are numbers, so a text third field is a name
        return True
    below = [fields for _, fields in sniffed[1:]]
    for j in range(len(first)):  # a text row above integer ids
        if below and all(len(r) > j and _ints(np.array([r[j]])) is not None for r in below):
            return True
    return all(s.lower() in _EDGE_HEADER_WORDS for s in first)


def _explain_one_column(rows, delimiter, where):
    """Raise for an edge list whose rows have one field: name the separator that would split them."""
    text = "".join(fields[0] for _, fields in rows[:20])
    others = {"\t": ("tab", ".tsv", "tsv"), ",": ("comma", ".csv", "csv"), " ": ("space", ".txt", "edgelist"),
              ";": ("semicolon", None, None)}
    for sep, (name, ext, fmt) in others.items():
        if sep != delimiter and sep in text.strip():
            fix = f"rename it to {ext} or pass --graph-format {fmt} (format={fmt!r})" if ext else \
                f"pass delimiter={sep!r}"
            raise ValueError(
                f"{where}: its rows have one field when split at {delimiter or 'whitespace'!r}, "
                f"but they contain {name}s: is it {name}-separated? {fix}"
            )
    raise ValueError(f"{where}: expected at least 2 columns (source, target), got 1")


def _edge_columns(header, ncols, weight_column, where):
    """``(source, target, weight or None)`` column indices of an edge list."""
    if ncols < 2:
        raise ValueError(f"{where}: expected at least 2 columns (source, target), got {ncols}")
    source, target = 0, 1
    if header is not None:
        lower = [h.lower() for h in header]
        for a, b in (("source", "target"), ("from", "to"), ("src", "dst"), ("u", "v")):
            if a in lower and b in lower:
                source, target = lower.index(a), lower.index(b)
                break
    if weight_column is False:
        return source, target, None
    if weight_column is not None:
        weight = _column_index(weight_column, header, ncols, where, "weight_column")
        if weight in (source, target):
            raise ValueError(f"`weight_column`={weight_column!r} is the source or target column of {where}")
        return source, target, weight
    if header is not None and "weight" in [h.lower() for h in header]:
        return source, target, [h.lower() for h in header].index("weight")
    if ncols == 2:
        return source, target, None
    if ncols == 3:
        return source, target, 2
    raise ValueError(
        f"{where} has {ncols} columns; expected source,target[,weight]. Pass `weight_column` "
        "(a name or 0-based index, or False for none) to say which column holds the edge weights"
    )


def _loadtxt_numeric(path, delimiter, skip, ncols, cols):
    """The fast path: ``(src, dst, weights)`` of an all-numeric edge list, or None.

    Succeeds only on a rectangular file of integer ids and numeric fields,
    where it agrees with the exact reader; anything else falls back to it.
    """
    source, target, weight = cols
    dtype = [(f"f{j}", np.int64 if j in (source, target) else np.float64) for j in range(ncols)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = np.loadtxt(
                path,
                delimiter=delimiter,
                comments="#" if delimiter is None else None,
                skiprows=skip,
                dtype=dtype,
                ndmin=1,
                encoding="utf-8-sig",
            )
    except Exception:  # noqa: BLE001 -- any failure means "not the simple case"
        return None
    if data.shape[0] == 0:
        return None
    w = None if weight is None else np.ascontiguousarray(data[f"f{weight}"])
    return np.ascontiguousarray(data[f"f{source}"]), np.ascontiguousarray(data[f"f{target}"]), w


def _edge_columns_exact(rows, ncols, cols, where):
    """``(src, dst, weights)`` from tokenised rows: ids int64 when all are integers, else
    stripped str arrays; weights float64 or None."""
    linenos = [lineno for lineno, _ in rows]
    fields = [f for _, f in rows]
    if fields:
        width = _check_width(fields, linenos, where)
        if width != ncols:
            raise ValueError(f"{where}, line {linenos[0]}: expected {ncols} fields, got {width}")
    table = np.array(fields, dtype=str).reshape(len(fields), ncols)
    source, target, weight = cols
    w = None if weight is None else _floats(np.char.strip(table[:, weight]), linenos, where, weight)
    src, dst = table[:, source], table[:, target]
    as_int = _ints(np.concatenate([src, dst]))
    if as_int is not None:
        return as_int[: src.shape[0]], as_int[src.shape[0] :], w
    src, dst = np.char.strip(src), np.char.strip(dst)  # text ids: mixed ids are all text
    empty = np.flatnonzero((src == "") | (dst == ""))
    if empty.size:
        raise ValueError(f"{where}, line {linenos[empty[0]]}: empty node id")
    return src, dst, w


def _encode_ids(src, dst):
    """Node indices for edge-list ids: ``(src, dst, n, names)``.

    Integer ids ``0..n-1`` are used as they are (names None); any other ids
    are numbered in order of first appearance (row by row, source first).
    """
    ids = np.stack([src, dst], axis=1).ravel()
    if ids.size == 0:
        return src.astype(np.int64), dst.astype(np.int64), 0, None
    if ids.dtype.kind in "iu" and ids.min() == 0 and ids.max() < ids.size:
        # bincount, not np.unique (which sorts): docs/decisions.md, "Measurements behind the kernels".
        if np.count_nonzero(np.bincount(ids)) == ids.max() + 1:
            return src, dst, int(ids.max()) + 1, None
    uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    codes = rank[inverse.ravel()].reshape(-1, 2)
    return codes[:, 0], codes[:, 1], int(uniq.size), uniq[order].tolist()


def _read_matrix(path, fmt):
    import scipy.io
    import scipy.sparse as sp

    where = f"graph file {path!r}"
    try:
        a = scipy.io.mmread(path) if fmt == "mtx" else sp.load_npz(path)
        # A Matrix Market file declared "symmetric" stores one triangle, and the
        # reader mirrors it: the graph is symmetric by construction, so it is
        # marked known (no in-neighbour pass, no check). Skew-symmetric files
        # (A[j, i] == -A[i, j]) are not: their weights differ between directions.
        declared = scipy.io.mminfo(path)[5] if fmt == "mtx" else None
    except Exception as exc:  # noqa: BLE001 -- the readers raise many types on bad files
        kind = "a Matrix Market file" if fmt == "mtx" else "a scipy.sparse.save_npz file"
        raise ValueError(f"{where} is not {kind}: {exc}") from None
    try:
        g = as_graph(a)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{where}: {exc}") from None
    return _known_symmetric(g) if declared == "symmetric" else g


def _read_networkx(path, fmt, weight_column):
    import networkx as nx

    where = f"graph file {path!r}"
    if weight_column is not None and weight_column is not False and not isinstance(weight_column, str):
        raise TypeError(
            f"`weight_column` of a {fmt} file is an edge attribute name (str), got {weight_column!r}"
        )
    try:
        G = nx.read_graphml(path) if fmt == "graphml" else nx.read_gml(path)
    except Exception as exc:  # noqa: BLE001 -- networkx/xml/parsing errors of a bad file
        raise ValueError(f"{where} is not a valid {fmt.upper()} file: {exc}") from None
    attr = None if weight_column is False else (weight_column or "weight")
    if weight_column and G.number_of_edges() and not any(attr in d for _, _, d in G.edges(data=True)):
        raise ValueError(f"{where}: no edge has the attribute `weight_column`={attr!r}")
    try:
        return as_graph(G, weight=attr)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


# -- values ----------------------------------------------------------------------
def read_values(path, *, column=None, names=None, delimiter=None):
    """Read node values from a ``.npy`` file or a CSV/TSV/whitespace table.

    Parameters
    ----------
    path : str or os.PathLike
        - ``.npy``: an array of shape ``(n,)`` or ``(n, c)``;
        - ``.csv`` / ``.tsv`` / ``.txt``: a table (header row optional). One
          column: the values in node order. Two or more columns with no header,
          or a header whose first name is ``node``/``id``/``name``/``label``:
          the first column holds node ids and each row gives that node's value
          (the ``node,value`` form). Otherwise the columns are signals in node
          order and `column` picks one.
    column : str or int, optional
        The value column: a header name or a 0-based index (counting the node
        column); for a 2-D ``.npy``, the channel. Required when there is more
        than one candidate.
    names : sequence, optional
        The graph's node labels (``Graph.names``, or ``range(n)`` for a graph
        without labels). With a node column, ids are matched to ``str(label)``
        and every node must get exactly one value; without one, the number of
        values must equal ``len(names)``. Without `names`, node ids must be
        ``0..m-1``.
    delimiter : str, optional
        Field separator of a table (default: from the extension; ``.txt``:
        whitespace).

    Returns
    -------
    ndarray
        int64 when every value is an integer (ties stay exact), else float64
        (``nan``/``inf`` allowed); ``.npy``: as stored.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("node,value\\ncy,3\\nann,1\\nbob,2\\n")
    >>> read_values(p, names=["ann", "bob", "cy"])
    array([1, 2, 3])
    """
    path = _values_file(path, "values")
    if names is not None:
        names = list(names)
    ids, values, linenos = _read_node_values(path, column, delimiter)
    where = f"values file {path!r}"
    if ids is None:
        if names is not None and values.shape[0] != len(names):
            raise ValueError(f"{where} has {values.shape[0]} values, but the graph has {len(names)} nodes")
        return values
    return _map_to_nodes(ids, values, linenos, names, where)


def _values_file(path, role):
    """`path` checked as an existing file of one of the value formats (read in the `role` of the message)."""
    path = _check_file(path, role)
    ext = _extension(path)
    if ext not in _VALUE_FORMATS:
        raise ValueError(
            f"cannot tell the format of {role} file {path!r} from its extension {ext!r}; "
            f"expected one of {sorted(_VALUE_FORMATS)}"
        )
    return path


def _read_node_values(path, column, delimiter):
    """``(ids, values, linenos)`` of a values file; `ids` is None when it has no node column."""
    ext = _extension(path)
    if _VALUE_FORMATS[ext] == "npy":
        return None, _read_npy(path, column), None
    if delimiter is None:
        delimiter = _DELIMITERS[_VALUE_FORMATS[ext]]
    return _read_value_table(path, delimiter, column)


def values_for_graph(graph, path, *, column=None, role="values", add_nodes=True):
    """The values a file gives the nodes of `graph`, by the command line's rule.

    - A file with a node column (``node,value`` rows) is matched by node id
      (compared as text with the graph's labels, or with ``0..n-1``). With
      `add_nodes`, ids that no edge mentions become isolated nodes, appended
      in the file's order; otherwise they are an error. Every node of the
      graph needs exactly one value.
    - A file without one (one value per line, or a ``.npy`` array) is in
      node-id order: line ``i`` is node ``i``. This needs integer node ids
      ``>= 0``; the file must cover every id the graph uses, and with
      `add_nodes` the ids ``0..m-1`` no edge mentions become isolated nodes.
      Other ids (text, negative) are refused: the file must name its nodes.

    Returns
    -------
    (Graph, list, ndarray)
        The graph (with the isolated nodes added, if any), every node's label,
        and the values in node order.
    """
    path = _values_file(path, role)
    where = f"{role} file {path!r}"
    ids, values, linenos = _read_node_values(path, column, None)
    labels = list(range(graph.n)) if graph.names is None else list(graph.names)
    if ids is None:
        by_id, new = _positional(labels, values, where, add_nodes)
    else:
        by_id, new = _keyed(labels, ids, values, linenos, where, add_nodes)
    if new:
        graph = _with_isolated_nodes(graph, len(new), None if _is_range(labels + new) else labels + new)
        labels = labels + new
    return graph, labels, by_id


def _is_int_label(label):
    return isinstance(label, (int, np.integer)) and not isinstance(label, (bool, np.bool_))


def _is_range(labels):
    return all(_is_int_label(v) and v == i for i, v in enumerate(labels))


def _positional(labels, values, where, add_nodes):
    """Values in node-id order (line i is node id i), gathered into the graph's node order."""
    m = values.shape[0]
    if not all(_is_int_label(v) and v >= 0 for v in labels):
        example = next(v for v in labels if not (_is_int_label(v) and v >= 0))
        raise ValueError(
            f"{where} has no node column, so its line i is node id i; but the graph's node ids are not "
            f"integers >= 0 (e.g. {example!r}). Write 'node,value' rows (header 'node,value', one row per node)"
        )
    top = max(labels, default=-1)
    if m <= top:
        raise ValueError(
            f"{where} has {m} values (node ids 0..{m - 1} in order), but the graph has node id {top}; "
            f"give one value per id 0..{top}, or write 'node,value' rows"
        )
    codes = np.asarray(labels, dtype=np.int64)
    used = np.zeros(m, dtype=bool)
    used[codes] = True
    unused = np.flatnonzero(~used)
    if unused.size and not add_nodes:
        shown = ", ".join(map(str, unused[:5].tolist())) + (", ..." if unused.size > 5 else "")
        raise ValueError(
            f"{where} has {m} values (node ids 0..{m - 1} in order), but the graph has no node {shown}"
        )
    new = unused.tolist()
    return values[np.concatenate([codes, unused])], new


def _keyed(labels, ids, values, linenos, where, add_nodes):
    index = {}
    for i, name in enumerate(labels):
        index.setdefault(str(name), i)
    if len(index) != len(labels):
        raise ValueError("graph node labels are not unique as text, so values cannot be matched by node id")
    ints = all(_is_int_label(v) for v in labels)
    new, position = [], np.empty(ids.shape[0], dtype=np.int64)
    unknown = []
    for row, text in enumerate(ids.tolist()):
        p = index.get(text)
        if p is None:
            if not add_nodes:
                unknown.append(row)
                continue
            p = index[text] = len(labels) + len(new)
            as_int = _ints(np.array([text]))
            new.append(int(as_int[0]) if ints and as_int is not None else text)
        position[row] = p
    if unknown:
        shown = ", ".join(f"{str(ids[i])!r} (line {linenos[i]})" for i in unknown[:5])
        raise ValueError(f"{where}: {len(unknown)} node id(s) are not nodes of the graph: {shown}")
    total = len(labels) + len(new)
    seen = np.full(total, -1, dtype=np.int64)
    for i, p in enumerate(position):
        if seen[p] >= 0:
            raise ValueError(
                f"{where}: node {str(ids[i])!r} has more than one value (lines {linenos[seen[p]]} and {linenos[i]})"
            )
        seen[p] = i
    missing = np.flatnonzero(seen < 0)
    if missing.size:
        shown = ", ".join(repr(labels[i]) for i in missing[:5])
        more = ", ..." if missing.size > 5 else ""
        raise ValueError(f"{where} gives no value for {missing.size} of the graph's {len(labels)} nodes: {shown}{more}")
    out = np.empty_like(values)
    out[position] = values
    return out, new


def _with_isolated_nodes(graph, k, names):
    """`graph` with `k` more nodes that have no edges."""
    indptr = np.concatenate([graph.indptr, np.full(k, graph.indptr[-1], dtype=graph.indptr.dtype)])
    g = Graph(graph.n + k, indptr, graph.indices, graph.weights, names)
    return _known_symmetric(g) if graph.symmetry_known and graph.is_symmetric else g


def _read_npy(path, column):
    where = f"values file {path!r}"
    a = load_npy(path, where)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{where} must hold bool, integer or float values, got dtype {a.dtype}")
    if a.ndim not in (1, 2):
        raise ValueError(f"{where} must have shape (n,) or (n, c), got shape {a.shape}")
    if column is not None:
        if isinstance(column, bool) or not isinstance(column, numbers.Integral):
            raise TypeError(f"`column` of a .npy file is a channel index (int), got {column!r}")
        if a.ndim != 2 or not 0 <= column < a.shape[1]:
            raise ValueError(f"`column`={column} is out of range for {where} of shape {a.shape}")
        a = a[:, column]
    return a


def load_npy(path, where):
    """``numpy.load`` of a ``.npy`` array file, with an error that says what is wrong with it."""
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic != b"\x93NUMPY":
        raise ValueError(
            f"{where} is not a .npy file (it does not start with numpy's .npy signature; "
            "save arrays with numpy.save, or give a .csv/.txt table)"
        )
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise ValueError(f"{where} holds Python objects, not numbers; save a numeric array") from None
        raise ValueError(f"{where} is a damaged .npy file: {exc}") from None
    except (OSError, EOFError) as exc:
        raise ValueError(f"{where} is a damaged .npy file: {exc}") from None


def _read_value_table(path, delimiter, column):
    where = f"values file {path!r}"
    try:
        with _open_text(path) as f:
            rows = list(_iter_rows(f, delimiter))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (csv.Error, EOFError, gzip.BadGzipFile) as exc:
        raise ValueError(f"{where} could not be parsed: {exc}") from None
    if not rows:
        raise ValueError(f"{where} is empty; expected one value per node")
    linenos = [lineno for lineno, _ in rows]
    fields = [[s.strip() for s in r] for _, r in rows]
    ncols = _check_width(fields, linenos, where)
    first = fields[0]
    # Values are numbers, so a text value field can only be a column name.
    has_header = not all(_is_number(s) for s in (first if ncols == 1 else first[1:]))
    header = first if has_header else None
    if has_header:
        fields, linenos = fields[1:], linenos[1:]
    node_col = ncols >= 2 and (header is None or header[0].lower() in _NODE_WORDS)
    if column is None:
        candidates = list(range(1 if node_col else 0, ncols))
        if len(candidates) != 1:
            shown = [header[j] for j in candidates] if header else candidates
            raise ValueError(f"{where} has {len(candidates)} value columns {shown}; pick one with `column`")
        value_col = candidates[0]
    else:
        value_col = _column_index(column, header, ncols, where, "column")
        if node_col and value_col == 0:
            raise ValueError(f"`column`={column!r} is the node-id column of {where}")
    table = np.array(fields, dtype=str).reshape(len(fields), ncols)
    label = repr(header[value_col]) if header else value_col
    values = _numbers(table[:, value_col], linenos, where, label)
    if not node_col:
        return None, values, linenos
    return table[:, 0], values, linenos


def _map_to_nodes(ids, values, linenos, names, where):
    """Reorder `values` (one per row, for node `ids`) into node order."""
    if names is None:
        as_int = _ints(ids)
        m = ids.shape[0]
        if as_int is None or not np.array_equal(np.sort(as_int), np.arange(m)):
            raise ValueError(
                f"{where}: without graph node names the node ids must be the integers 0..{m - 1}, "
                "each once; pass `names` to match other ids"
            )
        out = np.empty_like(values)
        out[as_int] = values
        return out
    return _keyed(list(names), ids, values, linenos, where, add_nodes=False)[0]
