"""The `mode` codes every maxima kernel (graph, small-graph and image) and
`graphmax._maxima.Options` share (numba-free: `import graphmax` reads them)."""

STRICT = 0
NONSTRICT = 1
PLATEAU = 2
