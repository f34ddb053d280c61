"""The one input normaliser: every graph form graphmax accepts becomes a `Graph`."""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ._interrupt import interruptible
from ._kinds import is_networkx_graph, is_pyg_data, is_torch_tensor, tensor_to_numpy

__all__ = ["Graph", "as_graph", "from_edges", "from_mesh", "from_points"]

_DIRECTIONS = ("both", "out", "in")


def _index_dtype(n, nnz=0):
    """int32 when every node id and edge offset fits, else int64 (halves memory traffic)."""
    return np.int32 if max(n, nnz) < np.iinfo(np.int32).max else np.int64


def _asarray(obj, name):
    """np.asarray with numpy's ragged-sequence error turned into one naming the argument."""
    try:
        return np.asarray(obj)
    except ValueError as err:
        raise ValueError(f"`{name}` must be a rectangular array, got a ragged sequence ({err})") from None


def _frozen(a):
    a = np.asarray(a)
    a.flags.writeable = False
    return a


_NO_WEIGHTS = _frozen(np.zeros(0))  # read-only as weights are: one numba build for both


class Graph:
    """A normalised graph: a CSR adjacency of out-edges, plus node names.

    Build it with `as_graph` (or `from_edges`, `from_mesh`, `from_points`);
    every graphmax function accepts it, so normalisation cost is paid once.

    Attributes
    ----------
    n : int
        Number of nodes.
    indptr, indices : ndarray
        CSR structure of the out-edges `u -> v` (sorted, no duplicates, no
        self-loops). int32 when it fits, else int64. Read-only.
    weights : ndarray of float64 or None
        Edge lengths aligned with `indices`; None means every edge has length 1.
    names : list or None
        Original node labels (networkx input), in `G.nodes` order.

    Notes
    -----
    Instances are immutable: arrays are read-only, and the direction views
    (`neighbours`) are computed once and cached.
    """

    __slots__ = ("n", "indptr", "indices", "weights", "names", "_views", "_cache")

    def __init__(self, n, indptr, indices, weights=None, names=None, *, symmetric=None):
        self.n = int(n)
        self.indptr = _frozen(indptr)
        self.indices = _frozen(indices)
        self.weights = None if weights is None else _frozen(weights)
        self.names = None if names is None else list(names)
        self._views = {}
        self._cache = {} if symmetric is None else {"symmetric": bool(symmetric)}

    # -- basic facts ---------------------------------------------------------
    @property
    def num_edges(self):
        """Number of stored directed edges (an undirected edge counts twice)."""
        return int(self.indices.shape[0])

    def __repr__(self):
        w = "weighted" if self.weights is not None else "unweighted"
        return f"Graph(n={self.n}, num_edges={self.num_edges}, {w})"

    def __len__(self):
        return self.n

    def to_undirected(self):
        """This graph with every edge also read backwards: the graph of its
        ``"both"`` neighbour relation, known to be symmetric.

        A pair stored both ways keeps the smaller weight. Returns `self` when
        the graph is symmetric already (checked once if not known). On the
        result every function takes the one-direction scans, where a graph of
        unknown symmetry must also look for in-neighbours in every call (the
        default ``direction="both"``) or be checked once (``hops > 1``).

        Examples
        --------
        >>> g = from_edges([[0, 1], [1, 2]], n=3)
        >>> u = g.to_undirected()
        >>> u, u.is_symmetric
        (Graph(n=3, num_edges=4, unweighted), True)
        """
        if self.is_symmetric:
            return self
        return Graph(self.n, *self.neighbors("both"), self.names, symmetric=True)

    def ids(self, positions):
        """The ids of the nodes at `positions`, as graph functions return them (docs/ids.md).

        A 1-D ndarray: the node labels for networkx input (int64 when every
        label is an integer, str when every label is a string, else object),
        the int64 positions otherwise.

        Examples
        --------
        >>> import networkx as nx
        >>> as_graph(nx.path_graph(["a", "b", "c"])).ids([2, 0])
        array(['c', 'a'], dtype='<U1')
        >>> as_graph(nx.path_graph(3)).ids([2, 0]), from_edges([[0, 1]]).ids([1])
        (array([2, 0]), array([1]))
        """
        positions = np.asarray(positions, dtype=np.int64)
        if self.names is None:
            return positions
        if "labels" not in self._cache:
            self._cache["labels"] = _frozen(_label_array(self.names))
        return self._cache["labels"][positions]

    def to_scipy(self, direction="out"):
        """The adjacency of `direction` as a `scipy.sparse.csr_array` (weights as data)."""
        indptr, indices, weights = self.neighbors(direction)
        data = np.ones(indices.shape[0]) if weights is None else weights
        return sp.csr_array((data, indices, indptr), shape=(self.n, self.n))

    @property
    def symmetry_known(self):
        """Whether `is_symmetric` is already known (by construction or an earlier check)."""
        return "symmetric" in self._cache

    @property
    def is_symmetric(self):
        """True when every edge `u -> v` has a reverse `v -> u` of the same weight.

        Known by construction for undirected networkx graphs, meshes and radius
        point clouds; otherwise checked once (O(E log d)) and cached."""
        if "symmetric" not in self._cache:
            from . import _kernels

            w = self.weights if self.weights is not None else _NO_WEIGHTS
            self._cache["symmetric"] = bool(
                _kernels.is_symmetric(
                    self.indptr, self.indices, w, self.weights is not None, _edge_parts(self.n, self.indices.shape[0])
                )
            )
        return self._cache["symmetric"]

    # -- direction views -----------------------------------------------------
    def neighbours(self, direction="both"):
        """Deprecated alias of `neighbors` (removed in graphmax 0.3)."""
        import warnings

        warnings.warn("`Graph.neighbours` is deprecated: use `Graph.neighbors`", DeprecationWarning, stacklevel=2)
        return self.neighbors(direction)

    def neighbors(self, direction="both"):
        """CSR `(indptr, indices, weights)` of the neighbour relation of `direction`.

        ``"out"``: ``{u : v -> u}``; ``"in"``: ``{u : u -> v}``; ``"both"``: their
        union (weight of a pair stored both ways: the smaller one).
        """
        direction = _check_direction(direction)
        if direction == "out":
            return self.indptr, self.indices, self.weights
        if direction not in self._views:
            if self.is_symmetric:
                view = (self.indptr, self.indices, self.weights)
            elif direction == "in":
                view = self._transpose()
            else:
                t_indptr, t_indices, t_weights = self._transpose()
                src = np.concatenate([_rows(self.indptr), _rows(t_indptr)])
                dst = np.concatenate([self.indices, t_indices])
                w = None if self.weights is None else np.concatenate([self.weights, t_weights])
                view = _coo_to_csr(self.n, src, dst, w)
            self._views[direction] = tuple(_frozen(a) if a is not None else None for a in view)
        return self._views[direction]

    def _transpose(self):
        if "T" not in self._cache:
            t = self.to_scipy("out").T.tocsr()
            t.sort_indices()
            idx = _index_dtype(self.n, t.nnz)
            w = None if self.weights is None else np.asarray(t.data, dtype=np.float64)
            self._cache["T"] = (t.indptr.astype(idx, copy=False), t.indices.astype(idx, copy=False), w)
        return self._cache["T"]

    def subgraph_mask(self, keep):
        """The graph with every edge touching a node where `keep` is False removed
        (nodes keep their ids; used for ``nan_policy="omit"``)."""
        keep = np.asarray(keep, dtype=bool)
        src = _rows(self.indptr)
        ok = keep[src] & keep[self.indices]
        w = None if self.weights is None else self.weights[ok]
        indptr = np.zeros(self.n + 1, dtype=self.indptr.dtype)
        np.cumsum(np.bincount(src[ok], minlength=self.n), out=indptr[1:])
        return Graph(self.n, indptr, self.indices[ok], w, self.names)


def _label_array(names):
    """Node labels as a 1-D array with no lossy conversion: int64 for integer labels
    (that fit), str for strings, object for anything else (tuples, mixed kinds)."""
    kinds = {type(v) for v in names}
    if kinds and all(issubclass(k, numbers.Integral) and not issubclass(k, (bool, np.bool_)) for k in kinds):
        try:
            return np.array(names, dtype=np.int64)
        except OverflowError:
            pass
    elif kinds and all(issubclass(k, str) for k in kinds):
        return np.array(names, dtype=str)
    return np.fromiter(names, dtype=object, count=len(names))


def _rows(indptr):
    """Row index of every CSR entry."""
    n = indptr.shape[0] - 1
    return np.repeat(np.arange(n, dtype=indptr.dtype), np.diff(indptr))


def _check_direction(direction):
    if direction not in _DIRECTIONS:
        raise ValueError(f"`direction` must be one of {_DIRECTIONS}, got {direction!r}")
    return direction


def _threads():
    import numba

    return numba.get_num_threads()


def _edge_parts(n, m):
    """How many parts (one per thread) a kernel cuts a pass over `m` edges into,
    when each part keeps arrays of `n` entries of its own: at most one more
    than the mean degree ``m / n``, so those arrays together stay within
    O(n + m) on a machine with many threads."""
    return max(1, min(_threads(), 1 + m // max(n, 1)))


# Edge lists up to this long are sorted into a CSR by numpy (`_small_coo_to_csr`), not by the
# compiled kernel: as fast up to here, and a first call on a small graph (karate club) then
# compiles nothing for it (docs/decisions.md, "Cold start: small graphs build without a kernel").
SMALL_COO = 1 << 15


def _coo_to_csr(n, src, dst, weights):
    """CSR from COO edges: self-loops dropped, duplicates merged (smallest weight kept)."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    idx = _index_dtype(n, src.shape[0])
    weighted = weights is not None
    w = np.ascontiguousarray(weights, dtype=np.float64) if weighted else np.zeros(0)
    if src.shape[0] <= SMALL_COO and n < 1 << 31:
        indptr, indices, w = _small_coo_to_csr(n, src, dst, w, weighted, idx)
    else:
        from . import _kernels

        indptr, indices, w = _kernels.coo_to_csr(
            n, src, dst, w, weighted, np.zeros(1, dtype=idx), _edge_parts(n, src.shape[0])
        )
    return indptr, indices, (w if weighted else None)


def _small_coo_to_csr(n, src, dst, w, weighted, idx):
    """`_kernels.coo_to_csr` in numpy, for short edge lists: one sort of the int64 keys
    ``src * n + dst`` (``n < 2**31``: no overflow), duplicates merged by `np.minimum.reduceat`
    over the runs of equal keys (a stable sort keeps each run's weights together)."""
    keep = src != dst
    key = src[keep] * n + dst[keep]
    if weighted:
        order = np.argsort(key, kind="stable")
        key = key[order]
    else:
        key = np.sort(key)
    first = np.empty(key.shape[0], dtype=bool)
    first[:1] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    key = key[starts]
    indptr = np.zeros(n + 1, dtype=idx)
    np.cumsum(np.bincount(key // max(n, 1), minlength=n), out=indptr[1:])
    if weighted:
        w = np.minimum.reduceat(w[keep][order], starts) if starts.size else np.zeros(0)
    return indptr, (key % max(n, 1)).astype(idx), w


def _check_weights(weights, n_edges, what="weights"):
    weights = np.asarray(weights)
    if weights.dtype.kind not in "biuf":
        raise TypeError(f"`{what}` must be real numbers, got dtype {weights.dtype}")
    if weights.shape != (n_edges,):
        raise ValueError(f"`{what}` must have one entry per edge (shape ({n_edges},)), got shape {weights.shape}")
    weights = weights.astype(np.float64)
    if np.isnan(weights).any():
        raise ValueError(f"`{what}` contains NaN; edge weights must be numbers")
    return weights


def _unit_or(weights):
    """None when every weight is 1 (the unweighted graph), else the weights."""
    if weights is None or (weights.size and np.all(weights == 1.0)) or weights.size == 0:
        return None
    return weights


def _check_n(n):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"`n` must be a non-negative integer, got {n!r}")
    return int(n)


@interruptible
def from_edges(edges, n=None, weights=None, *, names=None, directed=True):
    """Graph from an edge list `edges (E, 2)` of directed pairs `u -> v`.

    Parameters
    ----------
    edges : array_like of int, shape (E, 2)
    n : int, optional
        Number of nodes; default ``edges.max() + 1`` (0 for no edges).
    weights : array_like of float, shape (E,), optional
        Edge lengths (used by ``radius=``). Parallel edges keep the smallest.
    directed : bool
        False: each pair is an undirected edge, stored both ways (a pair
        listed both ways is fine); the graph is then known to be symmetric,
        so no call checks it or looks for in-neighbours separately.

    Examples
    --------
    >>> g = from_edges([[0, 1], [1, 2]], n=4)
    >>> g
    Graph(n=4, num_edges=2, unweighted)
    >>> from_edges([[0, 1], [1, 2]], n=4, directed=False)
    Graph(n=4, num_edges=4, unweighted)
    """
    if directed not in (True, False):
        raise TypeError(f"`directed` must be True or False, got {directed!r}")
    e = _asarray(edges, "edges")
    if e.dtype == object:
        raise TypeError("`edges` must be an integer array of shape (E, 2), got a ragged/object array")
    if e.size == 0:
        e = e.reshape(0, 2)
    if e.ndim != 2 or e.shape[1] != 2:
        raise ValueError(f"`edges` must have shape (E, 2), got shape {e.shape}")
    if e.dtype.kind == "f":
        if not np.all(np.isfinite(e)) or not np.all(e == np.round(e)):
            raise TypeError("`edges` must hold integer node ids, got non-integral floats")
        e = e.astype(np.int64)
    elif e.dtype.kind not in "iu":
        raise TypeError(f"`edges` must hold integer node ids, got dtype {e.dtype}")
    e = e.astype(np.int64, copy=False)
    if n is None:
        n = int(e.max()) + 1 if e.size else 0
    n = _check_n(n)
    if e.size and (e.min() < 0 or e.max() >= n):
        raise ValueError(f"`edges` node ids must lie in [0, n={n}), got range [{e.min()}, {e.max()}]")
    w = None if weights is None else _check_weights(weights, e.shape[0])
    src, dst = e[:, 0], e[:, 1]
    if not directed:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        w = None if w is None else np.concatenate([w, w])
    indptr, indices, w = _coo_to_csr(n, src, dst, w)
    return Graph(n, indptr, indices, _unit_or(w), names, symmetric=True if not directed else None)


def _from_sparse(a):
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"`graph` adjacency matrix must be square, got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`graph` adjacency must be real or bool, got dtype {a.dtype}")
    n = a.shape[0]
    fast = _from_canonical_csr(a)
    if fast is not None:
        return fast
    coo = sp.coo_array(a)  # never modifies `a`
    data = np.asarray(coo.data)
    if data.dtype.kind == "f" and np.isnan(data).any():
        raise ValueError("`graph` adjacency holds NaN weights; use 0 for 'no edge'")
    nz = data != 0  # a stored zero is not an edge
    row, col, data = coo.row[nz], coo.col[nz], data[nz]
    weights = None if data.dtype == bool else data.astype(np.float64)
    indptr, indices, weights = _coo_to_csr(n, row, col, _unit_or(weights))
    return Graph(n, indptr, indices, _unit_or(weights))


def _from_canonical_csr(a):
    """Zero-sort path for a clean CSR (sorted rows, no duplicates, no self-loops,
    no stored zeros): the arrays are used as they are, through read-only views
    (cast only when the index dtype differs). Returns None otherwise."""
    from . import _kernels

    if a.format != "csr" or a.indptr.shape[0] != a.shape[0] + 1:
        return None
    if not _kernels.csr_is_clean(a.indptr, a.indices, a.shape[0]):
        return None
    data = np.asarray(a.data)
    if data.dtype == bool:
        nonzero, ones = bool(data.all()), True
    else:
        nonzero, ones = _kernels.data_summary(data) if data.dtype.kind in "iuf" else (False, False)
    if not nonzero:  # stored zeros to drop, or NaN to refuse: the general path
        return None
    idx = _index_dtype(a.shape[0], a.nnz)
    weights = None if ones else data.astype(np.float64)
    return Graph(a.shape[0], a.indptr.astype(idx, copy=False).view(), a.indices.astype(idx, copy=False).view(), weights)


def _from_dense(a):
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"`graph` adjacency matrix must be square (n, n), got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`graph` adjacency must be real or bool, got dtype {a.dtype}")
    if a.dtype.kind == "f" and np.isnan(a).any():
        raise ValueError("`graph` adjacency holds NaN weights; use 0 for 'no edge'")
    row, col = np.nonzero(a)
    w = None if a.dtype == bool else a[row, col].astype(np.float64)
    indptr, indices, w = _coo_to_csr(a.shape[0], row, col, _unit_or(w))
    return Graph(a.shape[0], indptr, indices, _unit_or(w))


def _from_networkx(G, weight):
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    m = G.number_of_edges()
    src = np.fromiter((index[u] for u, _ in G.edges()), dtype=np.int64, count=m)
    dst = np.fromiter((index[v] for _, v in G.edges()), dtype=np.int64, count=m)
    w = None
    if weight is not None:
        w = np.fromiter((d for _, _, d in G.edges(data=weight, default=1)), dtype=np.float64, count=m)
        w = _check_weights(w, m, what=f"graph edge attribute {weight!r}")
    if not G.is_directed():
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        w = None if w is None else np.concatenate([w, w])
    indptr, indices, w = _coo_to_csr(len(nodes), src, dst, _unit_or(w))
    symmetric = True if not G.is_directed() else None
    return Graph(len(nodes), indptr, indices, _unit_or(w), names=nodes, symmetric=symmetric)


def _from_pyg(data, n):
    ei = getattr(data, "edge_index", None)
    if ei is None:
        raise ValueError("`graph` is a PyG Data object without `edge_index`")
    if n is None:
        n = data.num_nodes
    w = getattr(data, "edge_weight", None)
    return _from_edge_index(ei, n, w)


def _from_edge_index(edge_index, n, weights=None, *, nodes_from=None):
    """Graph of a ``(2, E)`` edge_index. `n` None: the largest id + 1 (PyG's
    `maybe_num_nodes`); `nodes_from` names the values that gave `n` (PyG's
    ``scatter(..., dim_size=len(x))``), for the error on an id beyond them."""
    ei = _tensor_or_array(edge_index, "edge_index")
    if ei.ndim != 2 or ei.shape[0] != 2:
        raise ValueError(f"`edge_index` must have shape (2, E), got shape {ei.shape}")
    if nodes_from is not None and n is not None and ei.size and ei.dtype.kind in "iuf":
        low, high = ei.min(), ei.max()
        if low < 0 or high >= n:
            raise ValueError(
                f"`edge_index` node ids must lie in [0, {n}) since `{nodes_from}` has {n} entries, one per node; "
                f"got ids in [{low}, {high}]: give a value for every node"
            )
    w = None if weights is None else _tensor_or_array(weights, "weights")
    return from_edges(ei.T, n=n, weights=w)


def _tensor_or_array(obj, name):
    return tensor_to_numpy(obj, name) if is_torch_tensor(obj) else np.asarray(obj)


@interruptible
def as_graph(graph, *, n=None, weights=None, weight="weight"):
    """Normalise any supported graph input into a reusable `Graph`.

    Parameters
    ----------
    graph : Graph, scipy.sparse matrix/array, ndarray, networkx graph, PyG ``Data`` or ``edge_index``
        - sparse or dense ``(n, n)``: adjacency, ``A[u, v] != 0`` is an edge
          ``u -> v`` whose weight is ``A[u, v]`` (bool or all-ones: unweighted);
        - ndarray ``(E, 2)`` *with* ``n=``: an edge list (see `from_edges`);
        - networkx ``Graph``/``DiGraph``/``Multi*``: nodes in ``G.nodes`` order,
          weights from the edge attribute `weight` (missing: 1);
        - PyG ``Data`` (``edge_index``, ``num_nodes``, optional ``edge_weight``)
          or a ``(2, E)`` ``edge_index`` tensor (``n`` defaults to max id + 1).
    n : int, optional
        Number of nodes, for edge lists and ``edge_index``.
    weights : array_like, optional
        Edge weights for an edge list / ``edge_index``.
    weight : str or None
        networkx edge attribute holding the length; None ignores weights.

    Returns
    -------
    Graph
        Self-loops dropped, parallel edges merged (smallest weight), stored
        zeros dropped. The input is never modified.

    Notes
    -----
    Whether the graph is symmetric is known from undirected networkx graphs,
    meshes, point clouds and ``from_edges(..., directed=False)``. For a
    matrix, an ``edge_index`` or a directed edge list it is not checked here:
    every call with the default ``direction="both"`` then also takes the
    in-neighbours from the out-edges (a 1-hop call then takes about 2-3x as
    long). When the graph is undirected, prepare it with
    ``as_graph(A).to_undirected()``: one check (about ten such calls' time),
    then the one-direction scans (the speed suite's "as_graph(csr), symmetry
    not known" rows).

    Examples
    --------
    >>> import networkx as nx
    >>> as_graph(nx.path_graph(3))
    Graph(n=3, num_edges=4, unweighted)
    """
    if isinstance(graph, Graph):
        if n is not None and n != graph.n:
            raise ValueError(f"`n` ({n}) disagrees with the graph ({graph.n} nodes)")
        return graph
    if sp.issparse(graph):
        return _from_sparse(graph)
    if is_networkx_graph(graph):
        return _from_networkx(graph, weight)
    if is_pyg_data(graph):
        return _from_pyg(graph, n)
    if is_torch_tensor(graph):
        return _from_edge_index(graph, n, weights)
    if isinstance(graph, (np.ndarray, list, tuple)):
        a = graph if isinstance(graph, np.ndarray) else _asarray(graph, "graph")
        if a.dtype == object:
            raise TypeError("`graph` is a ragged/object array; expected an (n, n) adjacency or (E, 2) edge list")
        if n is not None or weights is not None:
            return from_edges(a, n=n, weights=weights)
        if a.ndim == 2 and a.shape[0] != a.shape[1] and a.shape[1] == 2:
            raise ValueError(
                f"`graph` of shape {a.shape} looks like an edge list; pass `n=` (number of nodes) "
                "or use graphmax.from_edges"
            )
        return _from_dense(a)
    raise TypeError(
        "`graph` must be a graphmax.Graph, scipy.sparse matrix, numpy array, networkx graph, "
        f"PyG Data or edge_index tensor; got {type(graph).__name__}"
    )


def raw_csr(graph):
    """``(indptr, indices, data)`` of a scipy CSR matrix that the raw 1-hop route can read
    as it is (square; int32/int64 indices; float64, float32 or bool data; C-contiguous),
    else None.

    Whether it is clean (sorted, no duplicates, no stored zeros or self-loops)
    is checked by the route's kernel in the passes that compute the answer.
    """
    if not (sp.issparse(graph) and graph.format == "csr" and graph.ndim == 2):
        return None
    n = graph.shape[0]
    indptr, indices, data = graph.indptr, graph.indices, graph.data
    if (
        graph.shape[1] != n
        or indptr.shape != (n + 1,)
        or indptr.dtype != indices.dtype
        or indices.dtype not in (np.int32, np.int64)
        or data.dtype not in (np.float64, np.float32, np.bool_)
        or not all(a.flags.c_contiguous for a in (indptr, indices, data))
    ):
        return None
    return indptr, indices, data


def raw_edge_list(graph):
    """``(src, dst, n)`` of an edge list that the raw 1-hop route reads without sorting it
    into a CSR (``n`` None: as many nodes as values), else None.

    Taken: an int64 ``(2, E)`` CPU ``edge_index`` tensor (``n = len(x)``, as
    PyG's ``scatter(..., dim_size=n)``), a PyG ``Data`` without
    ``edge_weight`` (``n = num_nodes``), or a square scipy COO matrix with
    int32/int64 coordinates and float64 or bool entries none of which is zero
    or NaN (a stored zero is no edge: `as_graph` drops it).
    """
    if sp.issparse(graph):
        if graph.format != "coo" or graph.ndim != 2 or graph.shape[0] != graph.shape[1] or graph.nnz == 0:
            return None
        row, col, data = graph.row, graph.col, graph.data  # `coords` only from scipy 1.13
        if row.dtype != col.dtype or row.dtype not in (np.int32, np.int64):
            return None
        if data.dtype == np.bool_:
            if not data.all():
                return None
        else:
            from . import _kernels

            if data.dtype != np.float64 or not data.flags.c_contiguous or not _kernels.data_summary(data)[0]:
                return None
        return np.ascontiguousarray(row), np.ascontiguousarray(col), graph.shape[0]
    n = None
    edge_index = graph
    if is_pyg_data(graph):
        if getattr(graph, "edge_weight", None) is not None:
            return None
        edge_index = getattr(graph, "edge_index", None)
        try:
            n = graph.num_nodes
        except Exception:  # noqa: BLE001 -- PyG's own inference may fail; as_graph reports it
            return None
    if not is_torch_tensor(edge_index) or edge_index.device.type != "cpu" or edge_index.dim() != 2:
        return None
    ei = edge_index.detach().numpy()
    if ei.shape[0] != 2 or ei.shape[1] == 0 or ei.dtype != np.int64:
        return None
    return np.ascontiguousarray(ei[0]), np.ascontiguousarray(ei[1]), n


@interruptible
def from_mesh(faces, n=None, *, vertices=None):
    """Graph of a polygon mesh: each face's consecutive vertices are joined (cyclically).

    Parameters
    ----------
    faces : array_like (F, 3) of triangles, (F, k) polygons, or a list of index sequences
    n : int, optional
        Number of vertices (default: ``len(vertices)`` or max index + 1).
    vertices : array_like (n, d), optional
        Coordinates; when given, edges are weighted by Euclidean length.

    Vertices are never merged or reordered. The graph is undirected (both
    directions stored).
    """
    if isinstance(faces, np.ndarray) and faces.dtype != object or (
        isinstance(faces, (list, tuple)) and faces and _is_rect(faces)
    ):
        f = np.asarray(faces)
        if f.ndim != 2 or f.shape[1] < 2:
            raise ValueError(f"`faces` must have shape (F, k) with k >= 2, got shape {f.shape}")
        if f.dtype.kind not in "iu":
            raise TypeError(f"`faces` must hold integer vertex ids, got dtype {f.dtype}")
        src = f.ravel().astype(np.int64)
        dst = np.roll(f, -1, axis=1).ravel().astype(np.int64)
    else:
        polys = [np.asarray(p) for p in faces]
        for p in polys:
            if p.ndim != 1 or p.size < 2 or p.dtype.kind not in "iu":
                raise ValueError(f"`faces`: each polygon must be >= 2 integer vertex ids, got {p!r}")
        src = np.concatenate([p for p in polys]).astype(np.int64) if polys else np.zeros(0, np.int64)
        dst = np.concatenate([np.roll(p, -1) for p in polys]).astype(np.int64) if polys else src
    v = None
    if vertices is not None:
        v = np.asarray(vertices, dtype=np.float64)
        if v.ndim != 2:
            raise ValueError(f"`vertices` must have shape (n, d), got shape {v.shape}")
        if n is not None and n != v.shape[0]:
            raise ValueError(f"`n` ({n}) disagrees with `vertices` ({v.shape[0]} rows)")
        n = v.shape[0]
    if n is None:
        n = int(src.max()) + 1 if src.size else 0
    n = _check_n(n)
    if src.size and (src.min() < 0 or src.max() >= n):
        raise ValueError(f"`faces` vertex ids must lie in [0, {n}), got range [{src.min()}, {src.max()}]")
    edges = np.stack([np.concatenate([src, dst]), np.concatenate([dst, src])], axis=1)
    w = None
    if v is not None:
        w = np.linalg.norm(v[edges[:, 0]] - v[edges[:, 1]], axis=1)
    return _known_symmetric(from_edges(edges, n=n, weights=w))


def _known_symmetric(g):
    """Record that `g` was built with both directions of every edge (same weight)."""
    g._cache["symmetric"] = True
    return g


def _is_rect(seq):
    try:
        lens = {len(p) for p in seq}
    except TypeError:
        return True
    return len(lens) == 1


@interruptible
def from_points(points, *, k=None, r=None):
    """kNN or radius graph of a point cloud (scipy KD-tree), distances as weights.

    Parameters
    ----------
    points : array_like (n, d)
    k : int, optional
        Edges ``i -> j`` to the `k` nearest other points of each point (a
        directed graph; the default ``direction="both"`` reads it as the
        symmetric kNN graph).
    r : float, optional
        Edges between every pair at distance ``<= r`` (undirected).
        Exactly one of `k`, `r` is required.
    """
    from scipy.spatial import cKDTree

    p = np.asarray(points)
    if p.dtype.kind not in "biuf":
        raise TypeError(f"`points` must be real coordinates, got dtype {p.dtype}")
    if p.ndim != 2:
        raise ValueError(f"`points` must have shape (n, d), got shape {p.shape}")
    p = p.astype(np.float64)
    if not np.isfinite(p).all():
        raise ValueError("`points` must be finite (found NaN or inf)")
    if (k is None) == (r is None):
        raise ValueError(f"exactly one of `k` and `r` is required, got k={k!r}, r={r!r}")
    n = p.shape[0]
    tree = cKDTree(p)
    if k is not None:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"`k` must be a positive integer, got {k!r}")
        kk = min(int(k) + 1, n)
        if n == 0 or kk < 2:
            return from_edges(np.zeros((0, 2), np.int64), n=n)
        dist, nbr = tree.query(p, k=kk)
        src = np.repeat(np.arange(n), kk)
        dist, nbr = dist.ravel(), nbr.ravel()
        # Drop each point's self match (duplicates of a point may come first, so test ids).
        ok = nbr != src
        # Keep exactly k others per point.
        ok &= (np.cumsum(ok.reshape(n, kk), axis=1) <= k).ravel()
        return from_edges(np.stack([src[ok], nbr[ok]], axis=1), n=n, weights=dist[ok])
    if not (np.isfinite(r) and r >= 0):
        raise ValueError(f"`r` must be a finite number >= 0, got {r!r}")
    pairs = tree.query_pairs(r, output_type="ndarray").astype(np.int64)
    d = np.linalg.norm(p[pairs[:, 0]] - p[pairs[:, 1]], axis=1)
    edges = np.concatenate([pairs, pairs[:, ::-1]])
    return _known_symmetric(from_edges(edges, n=n, weights=np.concatenate([d, d])))
