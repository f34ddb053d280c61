"""Compiled kernels (numba). They take flat, already-normalised arrays and never validate.

Kernels are compiled for three value dtypes only (float64, int64, uint64: see
`_values.kernel_values`) and two index dtypes (int32, int64), and cached on
disk (``cache=True``) so the compile cost is paid once per machine.

One kernel family per module (see "Kernels package" in ``docs/decisions.md``):

- `core`: what several families share -- union-find, the row probes, the
  plateau states, the one "does u beat v" comparison;
- `buckets`: the 8-bit value buckets every graph scan compares first;
- `scan`: 1-hop row scans of a CSR graph; `edges`: 1-hop maxima from an edge list;
- `small`: every mode of the 1-hop maxima of a small graph in one serial pass;
- `plateaus`: plateau mode on a CSR graph; `khop`: k-hop balls, maxima and plateaus;
- `radius`: Dijkstra balls; `csr`: CSR building and checks;
- `grid`: local maxima of images; `footprint`: peak candidates of images;
- `persistence`: prominence; `peaks`: peak spacing (suppression by distance).

The graph kernels the callers use are re-exported here (``_kernels.value_buckets``);
the image and peak kernels are reached through their modules
(``from ._kernels import grid as grid_kernels``).
"""

from __future__ import annotations

from .buckets import count_nan, value_buckets
from .csr import coo_to_csr, csr_is_clean, data_summary, is_symmetric
from .edges import edge_compare
from .khop import (
    ROW_SPAN,
    khop_compare,
    khop_csr,
    khop_equal_pairs,
    khop_plateau_scan,
    row_summaries,
    walk_compare,
)
from .plateaus import both_plateau, khop_plateau_union, plateau_maxima, resolve_plateaus
from .radius import radius_csr
from .scan import both_compare, neighbour_compare, raw_both_compare
from .small import small_maxima

__all__ = [
    "ROW_SPAN",
    "both_compare",
    "both_plateau",
    "coo_to_csr",
    "count_nan",
    "csr_is_clean",
    "data_summary",
    "edge_compare",
    "is_symmetric",
    "khop_compare",
    "khop_csr",
    "khop_equal_pairs",
    "khop_plateau_scan",
    "khop_plateau_union",
    "neighbour_compare",
    "plateau_maxima",
    "radius_csr",
    "raw_both_compare",
    "resolve_plateaus",
    "small_maxima",
    "row_summaries",
    "value_buckets",
    "walk_compare",
]
