"""Small inputs: the "small" route against the rest of the route table, and a kernel run
on the calling thread alone (`graphmax._threading`'s small-input lane) against the same
kernel on all of numba's threads, side by side in one run.

    python -m benchmarks.lanes                                   # prints the tables (~1.5 minutes)
    python -m benchmarks.lanes --out benchmarks/results/lanes.md # and writes them (the committed run)

What it answers: where `graphmax._maxima.SMALL_EDGES` and
`graphmax._threading.SERIAL_BELOW` should sit (docs/decisions.md, "local_maxima's
route table" and "Small inputs never wake the thread pool"); and, with the machine made
busy by the benchmark itself (one busy-loop process per usable CPU), whether a call on a
small graph stays within 2x of its quiet time (issue 17).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks._common import write_text
from benchmarks._machine import machine_info, numba_threading_layer

SIZES = [(34, None), (100, 4), (500, 8), (1000, 8), (2000, 8), (4000, 8), (20000, 8)]


def best_us(call, repeat=5, min_seconds=0.02):
    call()
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            call()
        if time.perf_counter() - start >= min_seconds:
            break
        loops *= 4
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            call()
        best = min(best, (time.perf_counter() - start) / loops)
    return best * 1e6


def graph_of(n, degree, seed=0):
    import networkx as nx

    import graphmax as gm

    if degree is None:
        return gm.as_graph(nx.karate_club_graph())
    rng = np.random.default_rng(seed)
    edges = rng.integers(0, n, (n * degree // 2, 2))
    g = gm.from_edges(edges, n=n, directed=False)
    return g


def rows(sizes=SIZES, seed=0):
    import graphmax as gm
    from graphmax import _kernels, _maxima, _threading

    out = []
    for n, degree in sizes:
        g = graph_of(n, degree, seed)
        x = np.random.default_rng(seed + 1).random(g.n)
        row = {"nodes": g.n, "stored edges": g.num_edges}
        for mode in ("strict", "plateau"):
            saved = _maxima.SMALL_EDGES
            def call(g=g, x=x, mode=mode):
                return gm.local_maxima(g, x, mode=mode)

            try:
                _maxima.SMALL_EDGES = 1 << 62
                small = best_us(call)
                _maxima.SMALL_EDGES = 0
                table = best_us(call)
            finally:
                _maxima.SMALL_EDGES = saved
            row[f"{mode}: small route us"] = small
            row[f"{mode}: rest of the table us"] = table
        q = _kernels.value_buckets(x)
        for lane, label in (("serial", "one thread"), ("parallel", "all threads")):
            with _threading.lanes(lane):
                row[f"neighbour_compare, {label} us"] = best_us(
                    lambda g=g, x=x, q=q: _kernels.neighbour_compare(g.indptr, g.indices, x, q, 1, False))
        out.append(row)
    return out


BUSY_SIZES = [(34, None), (2000, 8), (20000, 8)]  # the last above every small-input threshold


def median_us(call, calls):
    """Median of `calls` single calls, each timed alone (a loaded machine shows in the
    spread, which a best-of-loops hides)."""
    call()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


@contextlib.contextmanager
def busy(processes):
    """`processes` busy-loop Python processes for the length of the block (killed after)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        time.sleep(0.5)  # started and on a CPU
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def busy_rows(sizes=BUSY_SIZES, calls=2000, processes=None, seed=0):
    """The default call (`local_maxima(g, x)`, prepared graph) quiet, then with `processes`
    busy loops (default: one per usable CPU), median per call each."""
    import graphmax as gm
    from graphmax._warmup import usable_cpus

    processes = usable_cpus() if processes is None else processes
    out = []
    for n, degree in sizes:
        g = graph_of(n, degree, seed)
        x = np.random.default_rng(seed + 1).random(g.n)

        def call(g=g, x=x):
            return gm.local_maxima(g, x)

        k = calls if g.num_edges < 100_000 else max(1, calls // 10)  # parallel calls can take ms loaded
        quiet = median_us(call, k)
        with busy(processes):
            loaded = median_us(call, k)
        out.append({"nodes": g.n, "stored edges": g.num_edges, "quiet median us": quiet,
                    f"{processes} busy processes: median us": loaded, "busy / quiet": loaded / quiet})
    return out


def format_rows(table):
    keys = list(table[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in table:
        lines.append("| " + " | ".join(f"{row[k]:,.1f}" if isinstance(row[k], float) else f"{row[k]:,}"
                                       for k in keys) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lanes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, metavar="FILE", help="also write the table (Markdown)")
    args = parser.parse_args(argv)
    import numba

    m = machine_info()
    text = "\n".join([
        "# Small inputs: the small route and the one-thread lane",
        "",
        f"Command: `python -m benchmarks.lanes{' --seed ' + str(args.seed) if args.seed else ''}`; best of 5 "
        "samples, each a loop of calls of at least 20 ms; times in microseconds per call.  ",
        f"Machine: {m['cpu_model']}, {m['cpus_usable']} usable CPUs, load average at start {m['load_average']}, "
        f"CPUs busy with other work at start {m['cpu_busy_at_start']}; numba {numba.get_num_threads()} threads "
        f"({numba_threading_layer()}).",
        "",
        format_rows(rows(seed=args.seed)),
        "",
        "## Under load",
        "",
        "The default call `local_maxima(g, x)` on a prepared graph: median of 2,000 single calls "
        "(200 on the largest graph), quiet, then with one busy-loop process per usable CPU started by "
        "this benchmark (issue 17's target for small inputs: busy within 2x of quiet). The largest "
        "graph is above the small route and the one-thread lane: its parallel kernels wait for a "
        "core.",
        "",
        format_rows(busy_rows(seed=args.seed)),
        "",
    ])
    print(text)
    if args.out is not None:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
