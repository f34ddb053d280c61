"""Runnable benchmarks for graphmax; kept outside the package (see benchmarks/README.md).

``python -m benchmarks.speed --help`` is the speed suite; `benchmarks.peers`
holds the other libraries' formulations it is compared against.
"""

__all__: list[str] = []
