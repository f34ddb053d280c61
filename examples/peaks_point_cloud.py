"""Peaks of a noisy signal on a point cloud: kNN graph, hop spacing and prominence.

2000 points scattered in the unit square carry a signal made of four smooth
bumps plus noise (think: sensor readings, gene expression on a cell
embedding). `graphmax.from_points(k=8)` builds the kNN graph;
`graphmax.find_peaks` keeps the peaks that are at least 0.4 above their
saddle and more than 3 hops from a higher kept peak.

Run:  python examples/peaks_point_cloud.py [--out DIR]
It prints the peak table and saves DIR/peaks_point_cloud.png (default: a temporary folder).
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np

import graphmax as gm


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the figure (default: a temporary one)")
    parser.add_argument("--points", type=int, default=2000, help="number of points (default 2000)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="graphmax-"))
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(1)
    pts = rng.random((args.points, 2))
    centres = np.array([[0.2, 0.25], [0.75, 0.3], [0.4, 0.75], [0.85, 0.85]])
    heights = np.array([2.0, 1.5, 1.2, 0.9])
    d2 = ((pts[:, None, :] - centres[None]) ** 2).sum(-1)
    signal = (heights * np.exp(-d2 / (2 * 0.09**2))).sum(1) + 0.08 * rng.standard_normal(len(pts))

    g = gm.from_points(pts, k=8)
    print(f"point cloud: {len(pts)} points -> {g} (kNN, k=8, read as undirected)")
    every = gm.find_peaks(g, signal, return_prominence=True)
    peaks = gm.find_peaks(g, signal, min_prominence=0.4, min_distance=3, return_prominence=True)
    print(f"local maxima: {len(every)}; kept (prominence >= 0.4, > 3 hops apart): {len(peaks)}\n")
    try:
        table = peaks.to_pandas()
        table.insert(1, "x", pts[peaks.nodes, 0].round(3))
        table.insert(2, "y", pts[peaks.nodes, 1].round(3))
        print(table.round(3).to_string(index=False))
    except ImportError:  # pandas is optional
        for node, value, prom in zip(peaks.nodes, peaks.values, peaks.prominence):
            print(f"node {node}: value {value:.3f}, prominence {prom:.3f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from graphmax.plot import plot_graph_peaks, plot_persistence

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4), gridspec_kw={"width_ratios": [1.25, 1]})
    plot_graph_peaks(g, signal, peaks, pos=pts, ax=left, node_size=8)
    left.set_title("kNN point cloud: prominent, spaced peaks")
    plot_persistence(every, ax=right)
    right.set_title(f"all {len(every)} local maxima")
    fig.tight_layout()
    path = out / "peaks_point_cloud.png"
    fig.savefig(path, dpi=80)
    print(f"\nfigure: {path}")
    return peaks


if __name__ == "__main__":
    main()
