"""graphmax on Dask: local maxima and peaks of graphs larger than one machine.

Needs the ``dist`` extra (``pip install graphmax[dist]``); ``import graphmax``
never imports it. See docs/distributed.md for the algorithm.
"""

try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
except ImportError as err:  # pragma: no cover - the extra is installed in the test environment
    raise ImportError(
        "graphmax.distributed needs Dask: pip install 'graphmax[dist]' (dask[distributed,dataframe], pyarrow)"
    ) from err

from ._maxima import MaximaResult, local_maxima
from ._peaks import PeaksResult, find_peaks

__all__ = ["local_maxima", "find_peaks", "MaximaResult", "PeaksResult"]
