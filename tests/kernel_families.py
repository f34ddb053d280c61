"""One call of every kernel family on a medium random input (ties, weights, an image),
for the tests that run them concurrently or through both the serial and the parallel builds."""

import numpy as np
import scipy.sparse as sp

import graphmax as gm
from graphmax import grid
from graphmax.windows import ego_windows, is_centered_max


def every_family(seed=0):
    """A list of arrays: the results of one call of each kernel family."""
    rng = np.random.default_rng(seed)
    n = 3000
    edges = rng.integers(0, n, (12000, 2))
    x = rng.integers(0, 30, n).astype(float)  # ties: plateaus
    weights = rng.random(len(edges))
    img = rng.integers(0, 12, (60, 70))
    raw = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    g = gm.from_edges(edges, n=n, directed=False)  # CSR building
    w = gm.from_edges(edges, n=n, weights=weights, directed=False)
    p = gm.find_peaks(g, x, min_distance=2, min_prominence=1, return_prominence=True)
    return [
        g.to_scipy().toarray(),
        gm.from_edges(edges, n=n).to_scipy().toarray(),  # directed: in-neighbours from out-edges
        gm.local_maxima(g, x, mode="strict"),  # 1-hop scans
        gm.local_maxima(g, x, mode="nonstrict"),
        gm.local_maxima(g, x),  # plateaus
        gm.local_maxima(gm.from_edges(edges, n=n), x),  # symmetry unknown
        gm.local_maxima(raw.tocsr(), x),  # raw CSR
        gm.local_maxima(raw, x, mode="strict"),  # edge list (COO)
        gm.local_maxima(raw, x),
        gm.local_maxima(g, x, hops=2, mode="strict"),  # k hops
        gm.local_maxima(g, x, hops=3),
        gm.local_maxima(w, x, radius=0.5),  # geodesic radius
        p.nodes, p.prominence,  # peaks, prominence
        gm.prominence(g, x),
        grid.local_maxima(img), grid.local_minima(img),  # images
        grid.local_maxima(img, mode="strict"),
        grid.find_peaks(img, min_distance=2),
        grid.prominence(img),
        is_centered_max(*ego_windows(g, x, hops=1), scope="window"),  # windows
    ]
