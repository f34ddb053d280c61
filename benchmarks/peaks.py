"""Peak benchmark: graphmax.grid.find_peaks against scikit-image's peak_local_max, and prominence.

Run ``python -m benchmarks.peaks [--quick] [--repeat R] [--threads T]``; the speed
suite imports `run` and adds its rows to its report.

Cases:

- images: uniform noise and the same noise smoothed by a Gaussian of sigma 2
  (tie-free, peaks spread as in a real image), 2048x2048 float64 (256x256 with
  ``quick``), ``min_distance`` 1 and 3, default options otherwise. Before
  anything is timed the two coordinate arrays are compared, and the run stops
  with `PeakMismatch` if they differ.
- prominence: ``graphmax.prominence`` on a random symmetric graph, 1M nodes
  and ~16M stored edges (1e4 nodes with ``quick``), uniform float64 values.
  With ``quick`` its nonzero prominences are also checked against GUDHI's
  0-dimensional persistence when GUDHI is installed.
- prominence against GUDHI (issue 17), when GUDHI is installed, GUDHI timed in
  the same run, interleaved: ``graphmax.prominence`` on a random graph of 200k
  nodes and 800k stored edges (10k / 40k with ``quick``) against a
  ``gudhi.SimplexTree`` built from the same nodes and edges (filtration
  ``-x``, lower star) and its 0-dimensional persistence; ``grid.prominence``
  on the smoothed 1024x1024 image (128x128 with ``quick``) against
  ``gudhi.CubicalComplex(top_dimensional_cells=-image)`` (pixels as top cells:
  8-connected, as the default connectivity). Both peers' calls start from the
  arrays. Before anything is timed the finite bars are compared with the
  nonzero prominences of the peaks that die (`PeakMismatch` if they differ).

Timing: best of `repeat` calls (default 5) with ``time.perf_counter`` and the garbage
collector off, the two methods interleaved call by call so that both see the
same machine state; scikit-image's slow cases (a call over 2 s) run once.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable

import numpy as np

from benchmarks._common import time_once

__all__ = ["PeakMismatch", "run", "main"]

PROG = "python -m benchmarks.peaks"


class PeakMismatch(AssertionError):
    """grid.find_peaks and peak_local_max returned different coordinates."""


def _best_pair(ours: Callable[[], Any], theirs: Callable[[], Any], repeat: int) -> tuple[float, float, int]:
    """Best times of two calls timed alternately; the peer's repeats stop once one call passed 2 s."""
    best_ours, best_theirs, peer_calls = np.inf, np.inf, 0
    for _ in range(repeat):
        best_ours = min(best_ours, time_once(ours))
        if peer_calls == 0 or best_theirs < 2.0:
            best_theirs = min(best_theirs, time_once(theirs))
            peer_calls += 1
    return best_ours, best_theirs, peer_calls


def images(size: int, seed: int = 0) -> dict[str, np.ndarray]:
    from scipy import ndimage as ndi

    noise = np.random.default_rng(seed).random((size, size))
    return {"uniform noise": noise, "gaussian sigma=2": ndi.gaussian_filter(noise, 2)}


def random_graph(n: int, degree: int, seed: int = 0):
    """``n * degree / 2`` uniform random pairs stored both ways (the speed suite's `random` family)."""
    import graphmax as gm

    rng = np.random.default_rng(seed)
    m = n * degree // 2
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    edges = np.concatenate([np.stack([src, dst], 1), np.stack([dst, src], 1)])
    return gm.from_edges(edges, n=n)


def run(quick: bool, *, repeat: int | None = None, seed: int = 0) -> list[dict]:
    """Time every case; one dict per case (see the module docstring).

    Keys: ``case``, ``method`` (graphmax's call), ``peer`` (or None),
    ``graphmax_s`` and ``peer_s`` (best times), ``speedup`` (peer / graphmax),
    ``peer_calls``, ``size`` (pixels or nodes), ``edges`` (graphs), ``peaks``,
    ``check`` (what was compared, and that it agreed), ``threads`` (numba's).
    """
    from skimage.feature import peak_local_max

    from graphmax import grid
    from graphmax._prominence import prominence

    import numba

    repeat = repeat or (1 if quick else 5)
    threads = numba.get_num_threads()
    size = 256 if quick else 2048
    results = []
    for name, img in images(size, seed).items():
        for md in (1, 3):
            ours = grid.find_peaks(img, min_distance=md)  # warm-up (compiles on a fresh machine)
            theirs = peak_local_max(img, min_distance=md)
            if not np.array_equal(ours, theirs):
                raise PeakMismatch(
                    f"{name} {size}x{size} min_distance={md}: graphmax found {len(ours)} peaks, "
                    f"scikit-image {len(theirs)}; first rows {ours[:3].tolist()} vs {theirs[:3].tolist()}"
                )
            t_ours, t_theirs, calls = _best_pair(
                lambda: grid.find_peaks(img, min_distance=md), lambda: peak_local_max(img, min_distance=md), repeat
            )
            results.append({
                "case": f"{name} {size}x{size} min_distance={md}",
                "method": f"grid.find_peaks(img, min_distance={md})",
                "peer": f"skimage.feature.peak_local_max(img, min_distance={md})",
                "graphmax_s": t_ours, "peer_s": t_theirs, "speedup": t_theirs / t_ours, "peer_calls": calls,
                "size": int(img.size), "edges": None, "peaks": int(len(ours)),
                "check": "identical coordinates and order", "threads": threads,
            })
    n = 10_000 if quick else 1_000_000
    g = random_graph(n, 16, seed)
    x = np.random.default_rng(seed + 1).random(n)
    prom = prominence(g, x)  # warm-up
    best = min(time_once(lambda: prominence(g, x)) for _ in range(repeat))
    check = "not compared (full size)"
    if quick:
        check = _check_against_gudhi(g, x, prom)
    results.append({
        "case": f"prominence random {n:,} nodes deg16", "method": "graphmax.prominence(g, x)", "peer": None,
        "graphmax_s": best, "peer_s": None, "speedup": None, "peer_calls": 0,
        "size": n, "edges": g.num_edges, "peaks": int(np.count_nonzero(prom)), "check": check,
        "threads": threads,
    })
    results += prominence_vs_gudhi(quick, repeat=repeat, seed=seed)
    return results


def prominence_vs_gudhi(quick: bool, *, repeat: int, seed: int = 0) -> list[dict]:
    """Issue 17's two prominence rows: graphmax against GUDHI's 0-dimensional persistence,
    timed alternately in this process (GUDHI not installed: no rows)."""
    try:
        import gudhi
    except ImportError:
        return []
    import numba
    from scipy import ndimage as ndi

    from graphmax import grid
    from graphmax._prominence import prominence

    n, side = (10_000, 128) if quick else (200_000, 1024)
    g = random_graph(n, 4, seed)
    x = np.random.default_rng(seed + 1).random(n)
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    once = src < g.indices
    pairs = np.stack([src[once], g.indices[once]])

    def gudhi_graph():
        st = gudhi.SimplexTree()
        st.insert_batch(np.arange(n)[None, :], -x)
        st.insert_batch(pairs, np.maximum(-x[pairs[0]], -x[pairs[1]]))
        st.compute_persistence()
        return st.persistence_intervals_in_dimension(0)

    img = ndi.gaussian_filter(np.random.default_rng(seed).random((side, side)), 2)

    def gudhi_image():
        cc = gudhi.CubicalComplex(top_dimensional_cells=-img)
        cc.compute_persistence()
        return cc.persistence_intervals_in_dimension(0)

    cases = [
        (f"prominence random {n:,} nodes / {g.num_edges:,} edges vs GUDHI", "graphmax.prominence(g, x)",
         "gudhi.SimplexTree (lower star of -x), 0-dim persistence", lambda: prominence(g, x, return_saddle=True),
         gudhi_graph, n, g.num_edges, 50),
        (f"grid.prominence gaussian sigma=2 {side}x{side} vs GUDHI", "grid.prominence(img)",
         "gudhi.CubicalComplex(top_dimensional_cells=-img), 0-dim persistence",
         lambda: grid.prominence(img, return_saddle=True), gudhi_image, img.size, None, 30),
    ]
    results = []
    for case, method, peer, ours, theirs, size, edges, target in cases:
        got = ours()  # warm-up (compiles on a fresh machine), and the check
        _same_bars(case, got, theirs())
        t_ours, t_theirs, calls = _best_pair(ours, theirs, repeat)
        results.append({
            "case": case, "method": method, "peer": peer,
            "graphmax_s": t_ours, "peer_s": t_theirs, "speedup": t_theirs / t_ours, "peer_calls": calls,
            "size": int(size), "edges": edges, "peaks": int(np.count_nonzero(got.prominence)),
            "check": "finite bars equal to GUDHI's", "target": f">= {target}x", "threads": numba.get_num_threads(),
        })
    return results


def _same_bars(case: str, got, bars) -> None:
    """The finite 0-dim bars (death - birth > 0) equal the prominences of the peaks that die."""
    finite = np.sort([d - b for b, d in bars if np.isfinite(d) and d > b])
    prom = got.prominence.ravel()
    ours = np.sort(prom[(prom > 0) & (got.saddle.ravel() >= 0)])
    if finite.shape != ours.shape or not np.allclose(finite, ours, rtol=0, atol=1e-12):
        raise PeakMismatch(f"{case}: {ours.size} finite bars, GUDHI {finite.size}")


def _check_against_gudhi(g, x, prom) -> str:
    try:
        import gudhi
    except ImportError:
        return "not compared (GUDHI not installed)"
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    once = src < g.indices
    st = gudhi.SimplexTree()
    st.insert_batch(np.arange(g.n)[None, :], -x)
    st.insert_batch(np.stack([src[once], g.indices[once]]), np.maximum(-x[src[once]], -x[g.indices[once]]))
    st.compute_persistence(persistence_dim_max=True)
    bars = st.persistence_intervals_in_dimension(0)
    finite = np.sort([d - b for b, d in bars if np.isfinite(d) and d > b])
    from graphmax._prominence import prominence

    saddle = prominence(g, x, return_saddle=True).saddle
    ours = np.sort(prom[(prom > 0) & (saddle >= 0)])
    if finite.shape != ours.shape or not np.allclose(finite, ours):
        raise PeakMismatch(f"prominence: {ours.size} finite bars, GUDHI {finite.size}")
    return "finite bars equal to GUDHI's"


def format_table(results: list[dict]) -> str:
    lines = ["| case | graphmax | peer | speedup | peaks | check |", "|---|---|---|---|---|---|"]
    for r in results:
        peer = "-" if r["peer_s"] is None else f"{1e3 * r['peer_s']:.1f} ms"
        speedup = "-" if r["speedup"] is None else f"{r['speedup']:.1f}x"
        if r.get("target"):
            speedup += f" (target {r['target']})"
        lines.append(f"| {r['case']} | {1e3 * r['graphmax_s']:.1f} ms | {peer} | {speedup} | {r['peaks']:,} | "
                     f"{r['check']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256x256 images and a 1e4-node graph")
    parser.add_argument("--repeat", type=int, default=None, help="timed calls per method (default 5; 1 quick)")
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads is not None:
        import numba

        numba.set_num_threads(args.threads)
    try:
        results = run(args.quick, repeat=args.repeat, seed=args.seed)
    except PeakMismatch as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    import numba

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"numba threads: {numba.get_num_threads()}; load average at the end: {load}\n")
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
