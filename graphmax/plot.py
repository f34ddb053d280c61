"""Pictures of peaks: a graph with its peaks, an image with its peaks, a persistence diagram.

matplotlib is imported inside the functions (it is in the ``bench`` extra,
not a core dependency). Each function draws on `ax` when given -- which
works with any backend, Agg included -- else on a new ``pyplot`` figure,
and returns the Axes.
"""

from __future__ import annotations

import numpy as np

from ._graph import _rows

__all__ = ["plot_graph_peaks", "plot_image_peaks", "plot_persistence"]

_PEAK_COLOUR = "#d62728"


def _axes(ax, figsize=(6, 5)):
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is in the `bench` extra
        raise ImportError("graphmax.plot needs matplotlib: pip install matplotlib") from None
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _positions(g, pos, layout_seed):
    """Node coordinates (n, 2): given ((n, d) array or a {node: xy} dict) or a networkx spring layout."""
    if pos is None:
        import networkx as nx

        indptr, indices, _ = g.neighbours("both")
        G = nx.Graph()
        G.add_nodes_from(range(g.n))
        src = _rows(indptr)
        G.add_edges_from(zip(src.tolist(), indices.tolist()))
        layout = nx.spring_layout(G, seed=layout_seed)
        return np.array([layout[v] for v in range(g.n)], dtype=np.float64).reshape(g.n, 2)
    if isinstance(pos, dict):
        keys = g.names if g.names is not None else range(g.n)
        missing = [k for k in keys if k not in pos]
        if missing:
            raise ValueError(f"`pos` has no position for {len(missing)} node(s), e.g. {missing[0]!r}")
        return np.array([pos[k][:2] for k in keys], dtype=np.float64).reshape(g.n, 2)
    p = np.asarray(pos, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != g.n or p.shape[1] < 2:
        raise ValueError(f"`pos` must have shape (n, 2) or (n, d >= 2) with n={g.n}, got shape {p.shape}")
    return p[:, :2]


def _peak_sizes(peaks, smallest, largest):
    """Marker areas: by prominence (square-root scaled) when known, else all `largest`."""
    if peaks.prominence is None or len(peaks) == 0:
        return np.full(len(peaks), float(largest))
    prom = np.asarray(peaks.prominence, dtype=np.float64)
    finite = np.isfinite(prom)
    top = prom[finite].max() if finite.any() else 0.0
    scaled = np.where(finite, np.sqrt(np.clip(prom, 0, None) / top) if top > 0 else 1.0, 1.0)
    return smallest + (largest - smallest) * scaled


def plot_graph_peaks(graph, x, peaks=None, *, pos=None, ax=None, layout_seed=0, cmap="viridis",
                     node_size=12.0, peak_size=(40.0, 400.0), edges=True, colorbar=True):
    """Draw a graph coloured by its signal, with its peaks circled and sized by prominence.

    Parameters
    ----------
    graph : Graph or any input `graphmax.as_graph` accepts
    x : array_like, shape (n,)
        Node values (the colour of each node).
    peaks : Peaks, optional
        What to highlight; default ``find_peaks(graph, x, return_prominence=True)``.
    pos : array_like (n, d >= 2) or dict, optional
        Node coordinates (the first two columns are drawn, e.g. x and y of a
        mesh) or a networkx-style ``{node: (x, y)}``; default: networkx's
        ``spring_layout`` (seeded by `layout_seed`) -- slow beyond ~10^4 nodes.
    ax : matplotlib Axes, optional
    cmap : str
    node_size : float
        Marker area of the nodes.
    peak_size : (float, float)
        Marker areas of the least and the most prominent peak (a square-root
        scale); all peaks get the largest without prominence.
    edges : bool
        Draw the edges (one ``LineCollection``).
    colorbar : bool

    Returns
    -------
    matplotlib.axes.Axes
        Holding, in order: the edges (a ``LineCollection``, gid ``"edges"``),
        the nodes (a scatter, gid ``"nodes"``) and the peaks (a scatter, gid
        ``"peaks"``).
    """
    from ._peaks import Peaks, find_peaks
    from ._prominence import graph_and_signal

    g, a = graph_and_signal(graph, x)
    if peaks is None:
        peaks = find_peaks(g, a, return_prominence=True)
    elif not isinstance(peaks, Peaks):
        raise TypeError(f"`peaks` must be a graphmax.Peaks (from find_peaks), got {type(peaks).__name__}")
    elif peaks.mask.shape[0] != g.n:
        raise ValueError(f"`peaks` belong to a graph of {peaks.mask.shape[0]} nodes, this one has {g.n}")
    xy = _positions(g, pos, layout_seed)
    ax = _axes(ax)
    if edges:
        from matplotlib.collections import LineCollection

        indptr, indices, _ = g.neighbours("both")
        src = _rows(indptr)
        once = src < indices
        segments = np.stack([xy[src[once]], xy[indices[once]]], axis=1)
        ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.5, alpha=0.6, zorder=1, gid="edges"))
    values = a.astype(np.float64)
    nodes = ax.scatter(xy[:, 0], xy[:, 1], c=values, cmap=cmap, s=node_size, zorder=2, gid="nodes")
    sizes = _peak_sizes(peaks, *peak_size)
    ax.scatter(
        xy[peaks.nodes, 0], xy[peaks.nodes, 1], s=sizes, facecolors="none",
        edgecolors=_PEAK_COLOUR, linewidths=1.5, zorder=3, gid="peaks",
        label=f"{len(peaks)} peaks" + (" (size: prominence)" if peaks.prominence is not None else ""),
    )
    if colorbar:
        ax.figure.colorbar(nodes, ax=ax, label="x")
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    # The legend's marker takes the first (largest) peak's size: bring it to ~60 points^2.
    scale = float(np.sqrt(60.0 / sizes.max())) if len(sizes) else 1.0
    ax.legend(loc="upper right", fontsize="small", markerscale=scale)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_image_peaks(image, peaks, *, ax=None, cmap="gray", marker="+", size=60.0):
    """Show a 2-D image with peak coordinates on top.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 3|4)
    peaks : array_like of int, shape (N, 2), or bool mask of shape (H, W)
        Row/column coordinates (what `graphmax.grid.find_peaks` and
        scikit-image's ``peak_local_max`` return) or a peak mask.
    ax : matplotlib Axes, optional
    cmap : str
        For a single-channel image.

    Returns
    -------
    matplotlib.axes.Axes
        Holding the image and one scatter (gid ``"peaks"``) with a point per peak.
    """
    img = np.asarray(image)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        raise ValueError(f"`image` must have shape (H, W) or (H, W, 3|4), got shape {img.shape}")
    p = np.asarray(peaks)
    if p.dtype == bool:
        if p.shape != img.shape[:2]:
            raise ValueError(f"`peaks` as a mask must have the image's shape {img.shape[:2]}, got {p.shape}")
        p = np.argwhere(p)
    if p.size == 0:
        p = p.reshape(0, 2)
    if p.ndim != 2 or p.shape[1] != 2 or p.dtype.kind not in "iu":
        raise ValueError(f"`peaks` must be integer coordinates of shape (N, 2) or a mask, got {p.dtype} {p.shape}")
    ax = _axes(ax)
    ax.imshow(img, cmap=cmap if img.ndim == 2 else None, interpolation="nearest")
    ax.scatter(p[:, 1], p[:, 0], marker=marker, s=size, c=_PEAK_COLOUR, linewidths=1.2, gid="peaks",
               label=f"{len(p)} peaks")
    ax.set_xlim(-0.5, img.shape[1] - 0.5)
    ax.set_ylim(img.shape[0] - 0.5, -0.5)
    ax.set_axis_off()
    return ax


def plot_persistence(peaks, x=None, *, ax=None):
    """Persistence (prominence) diagram of the peaks: birth height against death height.

    Parameters
    ----------
    peaks : Peaks, Prominence or array_like
        - `Peaks` with prominence (``find_peaks(..., return_prominence=True)``);
        - `Prominence` (``prominence(..., return_saddle=True)``) with `x`;
        - a per-node prominence array with `x`.
    x : array_like, optional
        The node values, for the last two forms.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        A point per peak at (peak value, peak value - prominence), below the
        diagonal; the highest peak of each connected component (never
        merged: dies at the component's minimum) as a triangle when known.
        Scatter gids: ``"peaks"`` and ``"components"``.
    """
    from ._peaks import Peaks
    from ._prominence import Prominence

    if isinstance(peaks, Peaks):
        if peaks.prominence is None:
            raise ValueError("`peaks` carry no prominence: use find_peaks(..., return_prominence=True)")
        birth = np.asarray(peaks.values, dtype=np.float64)
        prom = np.asarray(peaks.prominence, dtype=np.float64)
        top = np.asarray(peaks.saddle) < 0
    else:
        if x is None:
            raise ValueError("`x` (the node values) is needed with a prominence array")
        if isinstance(peaks, Prominence):
            prom_all, top_all = peaks.prominence, peaks.saddle < 0
        else:
            prom_all, top_all = np.asarray(peaks), None
        values = np.asarray(x)
        if prom_all.shape != values.shape or values.ndim != 1:
            raise ValueError(f"`x` must have the prominence's shape {prom_all.shape}, got {values.shape}")
        keep = prom_all > 0
        birth = values[keep].astype(np.float64)
        prom = prom_all[keep].astype(np.float64)
        top = np.zeros(birth.shape, dtype=bool) if top_all is None else top_all[keep]
    death = birth - prom
    ax = _axes(ax, figsize=(5, 5))
    ax.scatter(birth[~top], death[~top], s=18, c="#1f77b4", gid="peaks", label="peak (dies at its saddle)")
    ax.scatter(birth[top], death[top], s=40, marker="^", c=_PEAK_COLOUR, gid="components",
               label="highest of its component")
    finite = np.concatenate([birth, death])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        lo, hi = finite.min(), finite.max()
        pad = 0.05 * (hi - lo) or 1.0
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="0.5", lw=0.8, ls="--")
    ax.set_xlabel("birth: peak value")
    ax.set_ylabel("death: saddle value")
    ax.set_title("persistence diagram (superlevel sets)")
    ax.legend(loc="upper left", fontsize="small")
    return ax
