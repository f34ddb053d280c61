"""graphmax: exact local maxima (peaks) of signals over graph structure.

The core (`as_graph`, `local_maxima`, `local_minima`, `windows`, `grid`) needs
only numpy, scipy, networkx and numba; torch is imported only by
`graphmax.learn`.
"""

from ._graph import Graph, as_graph, from_edges, from_mesh, from_points
from ._maxima import local_maxima, local_minima, neighborhood, neighbourhood
from ._peaks import Peaks, find_peaks
from ._prominence import Prominence, prominence
from ._warmup import warm_up
from . import grid, windows  # noqa: E402  (submodules, after the core they build on)

__version__ = "0.1.0"

__all__ = [
    "Graph",
    "as_graph",
    "from_edges",
    "from_mesh",
    "from_points",
    "local_maxima",
    "local_minima",
    "neighborhood",
    "neighbourhood",  # deprecated alias of neighborhood
    "Peaks",
    "Prominence",
    "find_peaks",
    "prominence",
    "warm_up",
    "grid",
    "windows",
]
