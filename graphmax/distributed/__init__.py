"""graphmax on Dask: local maxima and peaks of graphs larger than one machine.

Needs the ``dist`` extra (``pip install graphmax[dist]``). ``import graphmax``
never imports this package, and importing it imports Dask only when one of
its functions is first looked up (so the command line can declare its
``--dask`` options without Dask). See docs/distributed.md for the algorithm.
"""

__all__ = ["local_maxima", "find_peaks", "MaximaResult", "PeaksResult"]


def __getattr__(name):
    if name not in __all__:
        raise AttributeError(f"module 'graphmax.distributed' has no attribute {name!r}")
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as err:  # pragma: no cover - the extra is installed in the test environment
        raise ImportError(
            "graphmax.distributed needs Dask: pip install 'graphmax[dist]' (dask[distributed,dataframe], pyarrow)"
        ) from err
    from . import _maxima, _peaks

    return getattr(_maxima if name in ("local_maxima", "MaximaResult") else _peaks, name)


def __dir__():
    return sorted(__all__)
