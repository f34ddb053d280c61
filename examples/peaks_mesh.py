"""Peaks of a height field on a triangulated surface, with their prominence.

A synthetic bumpy terrain: a square grid of vertices triangulated with numpy
(two triangles per cell), five hills of different heights plus small-scale
noise. `graphmax.from_mesh` turns the faces into a graph (edge lengths as
weights); `graphmax.find_peaks` keeps the hills that stand out by at least
0.2 above their saddle and lie 0.15 apart (geodesic distance on the mesh).
The noise makes hundreds of tiny local maxima; prominence throws them out.

Run:  python examples/peaks_mesh.py [--out DIR]
It prints the peak table and saves DIR/peaks_mesh.png (default: a temporary folder).
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np

import graphmax as gm


def grid_mesh(m):
    """Vertices (m*m, 2) of the unit square and its triangles (2 (m-1)^2, 3)."""
    u = np.linspace(0.0, 1.0, m)
    xy = np.stack(np.meshgrid(u, u, indexing="ij"), axis=-1).reshape(-1, 2)
    corner = (np.arange(m - 1)[:, None] * m + np.arange(m - 1)[None, :]).ravel()
    faces = np.concatenate([
        np.stack([corner, corner + 1, corner + m + 1], axis=1),
        np.stack([corner, corner + m + 1, corner + m], axis=1),
    ])
    return xy, faces


def terrain(xy, rng):
    hills = [((0.25, 0.3), 1.0, 0.10), ((0.7, 0.25), 0.8, 0.08), ((0.55, 0.7), 0.9, 0.12),
             ((0.2, 0.8), 0.5, 0.07), ((0.88, 0.88), 0.45, 0.05)]
    z = np.zeros(len(xy))
    for (cx, cy), height, width in hills:
        z += height * np.exp(-((xy[:, 0] - cx) ** 2 + (xy[:, 1] - cy) ** 2) / (2 * width**2))
    return z + 0.02 * rng.standard_normal(len(xy))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the figure (default: a temporary one)")
    parser.add_argument("--size", type=int, default=80, help="vertices per side (default 80)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="graphmax-"))
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(0)
    xy, faces = grid_mesh(args.size)
    z = terrain(xy, rng)
    vertices = np.column_stack([xy, z])
    g = gm.from_mesh(faces, vertices=vertices)
    print(f"mesh: {len(vertices)} vertices, {len(faces)} triangles -> {g}")

    every = gm.find_peaks(g, z)
    peaks = gm.find_peaks(g, z, min_prominence=0.2, min_distance_radius=0.15, return_prominence=True)
    print(f"local maxima (one per plateau): {len(every)}; prominent peaks: {len(peaks)}\n")
    print(f"{'node':>6} {'x':>6} {'y':>6} {'height':>7} {'prominence':>10} {'saddle':>7} {'parent':>7}")
    for node, value, prom, saddle, parent in zip(peaks.nodes, peaks.values, peaks.prominence, peaks.saddle,
                                                 peaks.parent):
        x, y = xy[node]
        print(f"{node:>6} {x:6.2f} {y:6.2f} {value:7.3f} {prom:10.3f} {saddle:>7} {parent:>7}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from graphmax.plot import plot_graph_peaks, plot_persistence

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4), gridspec_kw={"width_ratios": [1.25, 1]})
    plot_graph_peaks(g, z, peaks, pos=xy, ax=left, edges=False, node_size=6)
    left.set_title("peaks of a bumpy mesh (circle area ~ prominence)")
    plot_persistence(gm.find_peaks(g, z, return_prominence=True), ax=right)
    right.axhline(0, color="0.8", lw=0.5)
    right.set_title("every maximum: the 5 hills stand out")
    fig.tight_layout()
    path = out / "peaks_mesh.png"
    fig.savefig(path, dpi=80)
    print(f"\nfigure: {path}")
    return peaks


if __name__ == "__main__":
    main()
