"""Windows: the asker's question literally -- is a small subgraph centred on its maximum?

A *window* is a small subgraph given as an adjacency matrix. A batch is
``adj (B, k, k)`` (or one shared ``(k, k)``), ``values (B, k)`` and ``center``
(an int, or ``(B,)``); ``valid (B, k)`` marks the real nodes of padded windows.
`ego_windows` cuts such a batch out of any graph, `image_windows` out of an
image, and `grid_adjacency` gives the grid graph of a window -- so a CNN's
3x3 patches and a graph's ego subgraphs are the same objects.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._graph import _check_direction
from ._interrupt import interruptible
from ._maxima import _check_int, neighbourhood
from ._values import as_values, graph_and_values
from .grid import grid_adjacency

__all__ = ["EgoWindows", "is_centered_max", "ego_windows", "image_windows", "grid_adjacency"]

_SCOPES = ("window", "neighbors")
_WINDOW_MODES = ("strict", "nonstrict")
# Refuse to build ego-window batches larger than this many adjacency cells
# (B * k * k bools); a hub of degree 10^4 would otherwise ask for GBs.
_MAX_CELLS = 400_000_000


class EgoWindows(NamedTuple):
    """A padded batch of windows; ``is_centered_max(*windows)`` unpacks it."""

    adj: np.ndarray  #: bool (B, k, k): ``adj[b, i, j]`` is an edge i -> j of window b
    values: np.ndarray  #: (B, k) node values, 0 in padding
    center: np.ndarray  #: int64 (B,): position of the centre node in each window
    valid: np.ndarray  #: bool (B, k): real nodes (False for padding)


@interruptible
def is_centered_max(adj, values, center, valid=None, *, scope="window", mode="strict"):
    """Is each window centred on its maximum?

    Parameters
    ----------
    adj : array_like, shape (B, k, k) or (k, k), or None
        Window adjacency (nonzero = edge); one ``(k, k)`` matrix (dense or
        scipy.sparse) is shared by the whole batch. Its edges are read for
        ``scope="neighbors"`` only, but its size must match the windows in
        every scope (a 3x3 grid's adjacency is for windows of 9 values);
        None: no adjacency (``scope="window"`` only).
    values : array_like, shape (B, k) or (k,)
        Node values of each window (one window for 1-D input).
    center : int or array_like of int, shape (B,)
        Position of the centre node in each window.
    valid : array_like of bool, shape (B, k), optional
        Real nodes of padded windows (default: all).
    scope : {"window", "neighbors"}
        ``"window"``: the centre beats every other (valid) node of the window
        -- the 3x3 question; ``"neighbors"``: it beats its neighbours in the
        window's adjacency (an edge in either direction).
    mode : {"strict", "nonstrict"}
        ``>`` or ``>=``.

    Returns
    -------
    ndarray of bool, shape (B,) (a bool for 1-D `values`)
        A window whose centre has nobody to beat is never centred on a
        maximum (as ``min_neighbors=1`` in `local_maxima`).

    Examples
    --------
    >>> import numpy as np
    >>> patches = np.array([[1, 2, 1, 2, 9, 2, 1, 2, 1], [9, 2, 1, 2, 5, 2, 1, 2, 1]])
    >>> is_centered_max(grid_adjacency((3, 3)), patches, center=4)
    array([ True, False])
    >>> is_centered_max(grid_adjacency((3, 3), connectivity=1), patches, center=4, scope="neighbors")
    array([ True,  True])
    """
    if scope not in _SCOPES:
        raise ValueError(f"`scope` must be one of {_SCOPES}, got {scope!r}")
    if mode not in _WINDOW_MODES:
        raise ValueError(f"`mode` must be one of {_WINDOW_MODES}, got {mode!r}")
    vals = as_values(values, np.shape(values)[0] if np.ndim(values) else 0, name="values")
    single = vals.ndim == 1
    if single:
        vals = vals[None, :]
    B, k = vals.shape
    centre = _as_center(center, B, k)
    valid = _as_valid(valid, B, k)
    if adj is None and scope == "neighbors":
        raise ValueError('`adj` is required for scope="neighbors" (the centre beats its neighbours in `adj`)')
    if adj is not None:
        _check_adj_shape(adj, B, k)
    if vals.dtype.kind == "f" and np.isnan(vals[valid]).any():
        raise ValueError("`values` contains NaN at valid window nodes")
    others = valid.copy()
    others[np.arange(B), centre] = False
    if scope == "neighbors":
        a = _as_adj(adj, B, k)
        rows = np.arange(B)
        others &= (a[rows, centre, :] != 0) | (a[rows, :, centre] != 0)
    c_val = vals[np.arange(B), centre][:, None]
    beats = c_val > vals if mode == "strict" else c_val >= vals
    out = np.all(beats | ~others, axis=1) & others.any(axis=1)
    return bool(out[0]) if single else out


def _as_center(center, B, k):
    c = np.asarray(center)
    if c.dtype.kind not in "iu":
        raise TypeError(f"`center` must be an integer or integer array, got dtype {c.dtype}")
    if c.ndim == 0:
        c = np.full(B, int(c), dtype=np.int64)
    if c.shape != (B,):
        raise ValueError(f"`center` must be an int or have shape ({B},), got shape {c.shape}")
    if B and (c.min() < 0 or c.max() >= k):
        raise ValueError(f"`center` must lie in [0, {k}), got range [{c.min()}, {c.max()}]")
    return c.astype(np.int64)


def _as_valid(valid, B, k):
    if valid is None:
        return np.ones((B, k), dtype=bool)
    v = np.asarray(valid)
    if v.dtype != bool:
        raise TypeError(f"`valid` must be a bool array, got dtype {v.dtype}")
    if v.shape != (B, k):
        raise ValueError(f"`valid` must have shape ({B}, {k}), got shape {v.shape}")
    return v


def _check_adj_shape(adj, B, k):
    """Refuse an adjacency whose size does not match the windows (in every scope)."""
    shape = tuple(adj.shape if sp.issparse(adj) else np.shape(adj))
    if shape not in ((k, k), (B, k, k)):
        raise ValueError(
            f"`adj` must have shape ({B}, {k}, {k}) or ({k}, {k}) to match `values` ({B} windows of {k} nodes), "
            f"got shape {shape}"
        )


def _as_adj(adj, B, k):
    """`adj` (already checked by `_check_adj_shape`) as a dense ``(B, k, k)`` array or view."""
    a = adj.toarray() if sp.issparse(adj) else np.asarray(adj)
    return np.broadcast_to(a, (B, k, k)) if a.shape == (k, k) else a


@interruptible
def ego_windows(graph, x, *, hops=1, nodes=None, direction="both", return_nodes=False):
    """The padded batch of each node's `hops`-ego subgraph.

    Window `b` holds node ``v = nodes[b]`` and every node within `hops` hops
    of it (along `direction`), sorted by node id; ``adj`` is the induced
    subgraph of those nodes (edges of `direction`: both directions for
    ``"both"``). Invariant: ``is_centered_max(*ego_windows(G, x, hops=h),
    scope="window")`` equals ``local_maxima(G, x, hops=h, mode="strict")``.

    Parameters
    ----------
    graph : Graph or any input `as_graph` accepts
    x : array_like, shape (n,), node-keyed values, or str
        Node values, as `graphmax.local_maxima` takes them.
    hops : int
    nodes : array_like of int, optional
        Centres (default: every node, in order).
    direction : {"both", "out", "in"}
    return_nodes : bool
        Also return the ``(B, k)`` global node ids of each window (-1 padding).

    Returns
    -------
    EgoWindows ``(adj, values, center, valid)`` (and the node ids)

    Notes
    -----
    The batch is dense: ``B * k * k`` with ``k`` = 1 + the largest ego
    neighbourhood, so select `nodes` on graphs with hubs.

    Examples
    --------
    >>> import networkx as nx
    >>> w = ego_windows(nx.path_graph(3), [1, 3, 2])
    >>> w.values
    array([[1, 3, 0],
           [1, 3, 2],
           [3, 2, 0]])
    >>> is_centered_max(*w)
    array([False,  True, False])
    """
    g, vals = graph_and_values(graph, x)
    if vals.ndim != 1:
        raise ValueError(f"`x` must have shape (n,) for windows, got shape {vals.shape}")
    direction = _check_direction(direction)
    hops = _check_int(hops, "hops", 1)
    centres = np.arange(g.n) if nodes is None else _as_nodes(nodes, g.n)
    nb_indptr, nb_indices = neighbourhood(g, hops=hops, direction=direction)
    B = centres.shape[0]
    sizes = (nb_indptr[centres + 1] - nb_indptr[centres]).astype(np.int64) + 1
    k = int(sizes.max()) if B else 1
    if B * k * k > _MAX_CELLS:
        raise ValueError(
            f"ego windows would need {B} x {k} x {k} adjacency cells (> {_MAX_CELLS}); pass `nodes=` to select centres"
        )
    # Window members: each centre plus its neighbourhood, sorted by id.
    member = np.full((B, k), -1, dtype=np.int64)
    valid = np.arange(k)[None, :] < sizes[:, None]
    rows = np.repeat(np.arange(B), sizes - 1)
    starts = np.repeat(nb_indptr[centres], sizes - 1)
    offsets = np.arange(rows.shape[0]) - np.repeat(np.cumsum(sizes - 1) - (sizes - 1), sizes - 1)
    flat = np.concatenate([centres, nb_indices[starts + offsets].astype(np.int64)])
    flat_rows = np.concatenate([np.arange(B), rows])
    order = np.lexsort((flat, flat_rows))
    flat, flat_rows = flat[order], flat_rows[order]
    pos = np.arange(flat.shape[0]) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    member[flat_rows, pos] = flat
    center = np.argmax(member == centres[:, None], axis=1).astype(np.int64)
    values = np.zeros((B, k), dtype=vals.dtype)
    values[valid] = vals[member[valid]]
    adj = _induced_adjacency(g, direction, member, flat, flat_rows, pos, B, k)
    windows = EgoWindows(adj, values, center, valid)
    return (windows, member) if return_nodes else windows


def _induced_adjacency(g, direction, member, flat, flat_rows, pos, B, k):
    """Edges among the members of each window, found by binary search on sorted
    ``(window, node)`` keys -- vectorised over the whole batch."""
    indptr, indices, _ = g.neighbours(direction)
    deg = (indptr[flat + 1] - indptr[flat]).astype(np.int64)
    e_rows = np.repeat(flat_rows, deg)
    e_i = np.repeat(pos, deg)
    e_start = np.repeat(indptr[flat].astype(np.int64), deg)
    e_off = np.arange(e_rows.shape[0]) - np.repeat(np.cumsum(deg) - deg, deg)
    e_dst = indices[e_start + e_off].astype(np.int64)
    keys = flat_rows * g.n + flat  # sorted: rows ascending, ids ascending within a row
    q = e_rows * g.n + e_dst
    hit = np.searchsorted(keys, q)
    hit = np.minimum(hit, keys.shape[0] - 1)
    inside = keys[hit] == q
    adj = np.zeros((B, k, k), dtype=bool)
    adj[e_rows[inside], e_i[inside], pos[hit[inside]]] = True
    return adj


def _as_nodes(nodes, n):
    a = np.asarray(nodes)
    if a.dtype.kind not in "iu" or a.ndim != 1:
        raise TypeError(f"`nodes` must be a 1-D integer array of node ids, got dtype {a.dtype}, shape {a.shape}")
    if a.size and (a.min() < 0 or a.max() >= n):
        raise ValueError(f"`nodes` must lie in [0, {n}), got range [{a.min()}, {a.max()}]")
    return a.astype(np.int64)


def image_windows(img, size=3):
    """Every ``size x size`` window of a 2-D image that fits, stride 1, row-major.

    Returns
    -------
    values : ndarray, shape ((H - size + 1) * (W - size + 1), size * size)
        The same windows as ``sliding_window_view(img, (size, size))``,
        flattened row-major.
    center : int
        Index of the centre pixel in a flattened window, ``size * size // 2``.

    Examples
    --------
    >>> import numpy as np
    >>> vals, c = image_windows(np.arange(16).reshape(4, 4))
    >>> vals.shape, c
    ((4, 9), 4)
    >>> vals[0]
    array([ 0,  1,  2,  4,  5,  6,  8,  9, 10])
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1 or size % 2 == 0:
        raise ValueError(f"`size` must be an odd positive integer (windows need a centre), got {size!r}")
    a = np.asarray(img)
    if a.ndim != 2:
        raise ValueError(f"`img` must be a 2-D image, got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`img` must be bool, integer or float, got dtype {a.dtype}")
    if a.shape[0] < size or a.shape[1] < size:
        return np.zeros((0, size * size), dtype=a.dtype), size * size // 2
    view = np.lib.stride_tricks.sliding_window_view(a, (size, size))
    return view.reshape(-1, size * size).copy(), size * size // 2
