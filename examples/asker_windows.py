"""The question graphmax grew from, end to end.

    "I trained a CNN to say True when a 3x3 image window is centred on its
    maximum. My real data is more complicated: it needs to be a max in some
    subgraph adjacency matrix."

1. Cut every 3x3 window out of a real image (scikit-image's `camera`) and ask
   the asker's question exactly: `is_centered_max(..., scope="window")`.
2. Check that it is the same answer as strict local maxima on the image's
   8-connected grid graph (interior pixels), computed without any windows.
3. Ask the same question of a real graph -- Zachary's karate club (bundled
   with networkx) -- where each node's window is its ego subgraph, given as an
   adjacency matrix: the literal "max in a subgraph adjacency matrix".

Run:  python examples/asker_windows.py
"""

import networkx as nx
import numpy as np

import graphmax as gm
from graphmax import grid
from graphmax.windows import ego_windows, grid_adjacency, image_windows, is_centered_max


def image_part():
    try:
        from skimage.data import camera

        img = camera()[:128, :128]  # uint8, with plenty of ties (plateaus)
        source = "skimage.data.camera()[:128, :128]"
    except ImportError:  # scikit-image is in the `bench` extra
        img = np.random.default_rng(0).integers(0, 256, (128, 128)).astype(np.uint8)
        source = "seeded random uint8 image (install scikit-image for the real one)"
    print(f"1. image: {source}, shape {img.shape}, dtype {img.dtype}")
    windows, centre = image_windows(img, size=3)
    answer = is_centered_max(grid_adjacency((3, 3)), windows, centre, scope="window")
    print(f"   {len(windows)} windows of 3x3; {int(answer.sum())} are centred on their strict maximum")

    strict = grid.local_maxima(img, mode="strict")[1:-1, 1:-1].ravel()
    assert np.array_equal(answer, strict)
    print("2. identical to grid.local_maxima(img, mode='strict') on interior pixels: True")
    plateau = grid.local_maxima(img)  # scikit-image's definition (plateaus count)
    print(f"   (plateau mode, as skimage.morphology.local_maxima, finds {int(plateau.sum())} maxima pixels)")


def graph_part():
    G = nx.karate_club_graph()
    # A signal on the nodes: how central each member is (betweenness).
    x = np.array([nx.betweenness_centrality(G)[v] for v in G])
    w = ego_windows(G, x, hops=1)
    print(f"3. karate club: {G.number_of_nodes()} ego windows, padded to {w.adj.shape[1]} nodes each")
    centred = is_centered_max(*w, scope="window")
    exact = gm.local_maxima(G, x, mode="strict")
    assert np.array_equal(centred, exact)
    names = gm.local_maxima(G, x, mode="strict", indices=True)
    print(f"   members whose ego window is centred on its maximum: {names}")
    print("   identical to graphmax.local_maxima(G, x, mode='strict'): True")
    two = gm.local_maxima(G, x, mode="strict", hops=2, indices=True)
    print(f"   with 2-hop windows (ego_windows(hops=2)): {two}")


if __name__ == "__main__":
    image_part()
    graph_part()
