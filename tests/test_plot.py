"""graphmax.plot: each function draws on Agg, saves a PNG, and draws what it says."""

import networkx as nx
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import graphmax as gm  # noqa: E402
from graphmax import grid  # noqa: E402
from graphmax._peaks import find_peaks  # noqa: E402
from graphmax._prominence import prominence  # noqa: E402
from graphmax.plot import plot_graph_peaks, plot_image_peaks, plot_persistence  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _by_gid(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, [c.get_gid() for c in ax.collections]
    return found[0]


def _save(ax, path):
    ax.figure.savefig(path, dpi=50)
    assert path.read_bytes()[:8] == PNG


def test_graph_peaks_with_layout(tmp_path):
    G = nx.path_graph(7)
    x = [0, 5, 1, 4, 4, 2, 3]
    ax = plot_graph_peaks(G, x)
    peaks = _by_gid(ax, "peaks")
    assert isinstance(peaks, PathCollection) and len(peaks.get_offsets()) == 3
    nodes = _by_gid(ax, "nodes")
    assert len(nodes.get_offsets()) == 7
    np.testing.assert_array_equal(nodes.get_array(), np.array(x, dtype=float))
    edges = _by_gid(ax, "edges")
    assert isinstance(edges, LineCollection) and len(edges.get_segments()) == 6
    sizes = peaks.get_sizes()  # by prominence 5, 3, 1: decreasing
    assert sizes[0] > sizes[1] > sizes[2]
    _save(ax, tmp_path / "graph.png")


def test_graph_peaks_with_coordinates_and_given_peaks(tmp_path):
    pts = np.random.default_rng(0).random((60, 3))
    g = gm.from_points(pts, k=5)
    x = -((pts[:, :2] - 0.5) ** 2).sum(1)
    p = find_peaks(g, x)  # no prominence: every peak the same size
    fig = Figure()
    ax = fig.add_subplot()
    out = plot_graph_peaks(g, x, p, pos=pts, ax=ax, colorbar=False, edges=False)
    assert out is ax
    peaks = _by_gid(ax, "peaks")
    np.testing.assert_allclose(peaks.get_offsets(), pts[p.nodes, :2])
    assert len(set(peaks.get_sizes())) == 1
    assert not [c for c in ax.collections if c.get_gid() == "edges"]
    _save(ax, tmp_path / "cloud.png")


def test_graph_peaks_pos_dict_uses_networkx_labels():
    G = nx.Graph([("a", "b"), ("b", "c")])
    pos = {"a": (0, 0), "b": (1, 0), "c": (2, 0)}
    ax = plot_graph_peaks(G, [1, 0, 2], pos=pos)
    np.testing.assert_allclose(_by_gid(ax, "peaks").get_offsets(), [[2, 0], [0, 0]])


def test_image_peaks(tmp_path):
    img = np.zeros((20, 30))
    img[5, 7] = 3
    img[12, 20] = 2
    coords = grid.find_peaks(img)
    ax = plot_image_peaks(img, coords)
    np.testing.assert_array_equal(_by_gid(ax, "peaks").get_offsets(), [[7, 5], [20, 12]])  # (col, row)
    assert len(ax.images) == 1
    _save(ax, tmp_path / "image.png")
    ax2 = plot_image_peaks(img, grid.find_peaks(img, indices=False))
    assert len(_by_gid(ax2, "peaks").get_offsets()) == 2
    ax3 = plot_image_peaks(np.dstack([img] * 3) / 3, np.zeros((0, 2), dtype=int))
    assert len(_by_gid(ax3, "peaks").get_offsets()) == 0


def test_persistence_from_peaks_and_arrays(tmp_path):
    G = nx.path_graph(7)
    x = np.array([0, 5, 1, 4, 4, 2, 3])
    ax = plot_persistence(find_peaks(G, x, return_prominence=True))
    np.testing.assert_array_equal(_by_gid(ax, "peaks").get_offsets(), [[4, 1], [3, 2]])
    np.testing.assert_array_equal(_by_gid(ax, "components").get_offsets(), [[5, 0]])
    _save(ax, tmp_path / "diagram.png")
    ax2 = plot_persistence(prominence(G, x, return_saddle=True), x)
    assert len(_by_gid(ax2, "components").get_offsets()) == 1
    ax3 = plot_persistence(prominence(G, x), x)  # a bare array: components unknown
    assert len(_by_gid(ax3, "peaks").get_offsets()) == 3


def test_errors():
    G = nx.path_graph(3)
    with pytest.raises(ValueError, match=r"`pos` must have shape \(n, 2\) or \(n, d >= 2\) with n=3, got shape"):
        plot_graph_peaks(G, [0, 1, 0], pos=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="`pos` has no position for 1 node"):
        plot_graph_peaks(G, [0, 1, 0], pos={0: (0, 0), 1: (1, 1)})
    with pytest.raises(TypeError, match="`peaks` must be a graphmax.Peaks"):
        plot_graph_peaks(G, [0, 1, 0], peaks=[1])
    with pytest.raises(ValueError, match="`peaks` belong to a graph of 4 nodes"):
        plot_graph_peaks(G, [0, 1, 0], peaks=find_peaks(nx.path_graph(4), [0, 1, 0, 0]))
    with pytest.raises(ValueError, match=r"`image` must have shape \(H, W\) or \(H, W, 3\|4\)"):
        plot_image_peaks(np.zeros((3, 3, 3, 3)), np.zeros((0, 2), int))
    with pytest.raises(ValueError, match=r"`peaks` must be integer coordinates of shape \(N, 2\)"):
        plot_image_peaks(np.zeros((3, 3)), np.zeros((2, 3), int))
    with pytest.raises(ValueError, match="`peaks` as a mask must have the image's shape"):
        plot_image_peaks(np.zeros((3, 3)), np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="carry no prominence"):
        plot_persistence(find_peaks(G, [0, 1, 0]))
    with pytest.raises(ValueError, match="`x` .* is needed"):
        plot_persistence(np.zeros(3))
    with pytest.raises(ValueError, match=r"`x` must have the prominence's shape \(3,\)"):
        plot_persistence(np.zeros(3), [1, 2])
