"""`warm_up`: compile (or load from the on-disk cache) the kernels of the common calls up front.

graphmax's kernels are numba functions cached on disk next to the package.
On a fresh install, or after numba or graphmax changes, the first call of
each kind compiles its kernels: seconds per call kind (the speed benchmark
reports ~2-5 s each). `warm_up` pays that once, where it suits the user (a
Docker image build, a CI step, before a timed run), for the calls most
programs make: float64 and int64 values, int32 node ids (`as_graph`'s
choice below 2**31 entries), 8-bit and float64 images. Other dtypes still
compile on their first call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable

import numpy as np

__all__ = ["warm_up", "usable_cpus"]

# Seconds each step of `steps()` compiled for on this 2-core machine with an empty cache, in
# order (graphs float64, graphs int64, images; `graphmax warmup --jobs 1`): how `_groups`
# balances the processes of a parallel warm-up. Only their proportions matter.
STEP_COSTS = (55.0, 40.0, 18.0)


def route_examples(values):
    """``(route, call)`` for every row of `local_maxima`'s route table (`_maxima.ROUTES`, in
    its order): each call runs that route in every mode on a tiny input (the rows after
    "small" with the small route switched off, as larger inputs reach them)."""
    import scipy.sparse as sp

    from . import _maxima
    from ._graph import as_graph, from_edges
    from ._maxima import local_maxima

    ring = np.array([[i, (i + 1) % 8] for i in range(8)] + [[0, 4]])
    both_ways = np.concatenate([ring, ring[:, ::-1]])
    weights = np.linspace(1.0, 2.0, len(both_ways))
    csr = sp.csr_array((np.ones(len(both_ways)), (both_ways[:, 0], both_ways[:, 1])), shape=(8, 8))

    def symmetric():
        g = as_graph(both_ways, n=8)
        _ = g.is_symmetric  # checked once (its kernel too): then the one-direction scans
        return g

    def coo(ids):  # the kernel of a PyG edge_index (int64 ids; compiled without importing torch) too
        return sp.coo_array((np.ones(len(both_ways)), (both_ways[:, 0].astype(ids), both_ways[:, 1].astype(ids))),
                            shape=(8, 8))

    calls = {
        "small": [(symmetric, {})],
        "raw-csr": [(lambda: csr, {}), (lambda: csr.astype(np.float32), {})],  # float32: as users often build it
        "raw-edges": [(lambda: coo(np.int64), {}), (lambda: coo(np.int32), {})],
        "khop-walk": [(symmetric, {"hops": 2})],
        "khop-plateau": [(symmetric, {"hops": 2})],
        "both-scan": [(lambda: from_edges(ring, n=8), {})],  # symmetry unknown: in-neighbours from out-edges
        "ball": [(symmetric, {}), (lambda: as_graph(both_ways, n=8, weights=weights), {"radius": 1.5})],
    }
    modes = {"khop-walk": ("strict", "nonstrict"), "khop-plateau": ("plateau",)}

    def run(name):
        saved = _maxima.SMALL_EDGES
        if name != "small":
            _maxima.SMALL_EDGES = 0
        try:
            for make, kwargs in calls[name]:
                for mode in modes.get(name, _maxima.MODES):
                    local_maxima(make(), values, mode=mode, **kwargs)
        finally:
            _maxima.SMALL_EDGES = saved

    return [(name, lambda name=name: run(name)) for name in _maxima.ROUTE_NAMES]


def _build_csr():
    """The COO -> CSR kernel that graphs above `_graph.SMALL_COO` edges are built with (the
    tiny graphs here are sorted by numpy), unweighted and weighted, int32 node ids."""
    from . import _kernels

    src = np.array([0, 1, 2, 1], dtype=np.int64)
    dst = np.array([1, 0, 1, 2], dtype=np.int64)
    for weights, weighted in ((np.zeros(0), False), (np.ones(4), True)):
        _kernels.coo_to_csr(3, src, dst, weights, weighted, np.zeros(1, dtype=np.int32), 1)


def _graph_steps():
    from ._graph import as_graph
    from ._peaks import find_peaks

    floats = np.array([0.1, 0.9, 0.3, 0.7, 0.5, 0.2, 0.8, 0.4])
    ints = np.array([1, 5, 2, 5, 3, 0, 4, 1], dtype=np.int64)
    ring = np.array([[i, (i + 1) % 8] for i in range(8)] + [[0, 4]])

    def graphs(values):
        _build_csr()
        for _, call in route_examples(values):
            call()
        find_peaks(as_graph(ring, n=8).to_undirected(), values, min_distance=2, return_prominence=True)

    return [
        ("graphs, float64 values", lambda: graphs(floats)),
        ("graphs, int64 values", lambda: graphs(ints)),
    ]


def _image_steps():
    from . import grid

    rng = np.random.default_rng(0)
    photo = rng.integers(0, 8, (16, 16), dtype=np.uint8)  # ties: plateaus
    field = rng.random((16, 16))
    volume = rng.random((6, 6, 6))

    def images():
        for image in (photo, field, volume):
            for mode in ("strict", "nonstrict", "plateau"):
                grid.local_maxima(image, mode=mode)
        grid.find_peaks(field, min_distance=1)
        grid.find_peaks(photo, min_distance=2)

    return [("images: uint8 and float64, 2-D and 3-D", images)]


def steps():
    """``(name, call)`` of every warm-up step, in order."""
    return _graph_steps() + _image_steps()


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _groups(costs, jobs):
    """The steps (indices into `costs`) cut into at most `jobs` groups of about equal cost:
    longest first, each to the group with the least so far; within a group, cheapest first
    (the image step first, while another process compiles the graph kernels that both graph
    steps share, which the second then loads from the disk cache)."""
    groups = [[] for _ in range(min(jobs, len(costs)))]
    load = [0.0] * len(groups)
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):
        g = load.index(min(load))
        groups[g].append(i)
        load[g] += costs[i]
    return [sorted(g, key=lambda i: costs[i]) for g in groups if g]


def _check_jobs(jobs):
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"`jobs` must be an int >= 1, got {type(jobs).__name__}")
    if jobs < 1:
        raise ValueError(f"`jobs` must be >= 1 (processes that compile at once), got {jobs}")
    return jobs


def _in_parallel(jobs, progress, on_kernel):
    """The steps in `jobs` child processes at once (`python -m graphmax._warmup I...`, each
    a group of `_groups`), relaying their JSON lines: each kernel as it starts compiling
    (``on_kernel(name)``) and each step as it ends (``progress(name, seconds)``)."""
    names = [name for name, _ in steps()]
    done, failures, errors, lock = [], [], [], threading.Lock()
    env = dict(os.environ)
    env.setdefault("GRAPHMAX_COMPILE_NOTICE", "0")  # the parent reports; no notice per child

    def run(group):
        with tempfile.TemporaryFile(mode="w+") as err:  # a file, not a pipe: a full pipe would block the child
            proc = subprocess.Popen(
                [sys.executable, "-m", "graphmax._warmup", *map(str, group)],
                stdout=subprocess.PIPE, stderr=err, text=True, env=env,
            )
            for line in proc.stdout:  # read to the end whatever happens: a child never blocks on it
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # not one of ours (something else printed)
                with lock:
                    try:
                        if "kernel" in event and on_kernel is not None:
                            on_kernel(event["kernel"])
                        elif "step" in event:
                            done.append((names[event["step"]], event["seconds"]))
                            if progress is not None:
                                progress(*done[-1])
                    except BaseException as exc:  # noqa: BLE001 -- raised in the caller's thread below
                        errors.append(exc)
            if proc.wait() != 0:
                err.seek(0)
                with lock:
                    failures.append(f"steps {group} exited with status {proc.returncode}:\n{err.read()[-2000:]}")

    threads = [threading.Thread(target=run, args=(g,)) for g in _groups(STEP_COSTS, jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]  # from a callback (`progress`, `on_kernel`)
    if failures:
        raise RuntimeError("a warm-up process failed: " + "\n".join(failures))
    return done


def _child(indices):
    """`python -m graphmax._warmup I...`: run those steps, one JSON line per kernel compile
    started and per step ended."""
    from ._compiling import reporting

    def each_kernel(stage, kernel, seconds):
        if stage == "start":
            print(json.dumps({"kernel": kernel}), flush=True)

    todo = steps()
    with reporting(each_kernel):
        for i in indices:
            start = time.perf_counter()
            todo[i][1]()
            print(json.dumps({"step": i, "seconds": time.perf_counter() - start}), flush=True)


def warm_up(*, progress: Callable[[str, float], None] | None = None, jobs: int = 1) -> list[tuple[str, float]]:
    """Compile, or load from numba's on-disk cache, the kernels of the common calls.

    Runs `local_maxima` (every mode; symmetric, directed and raw scipy CSR
    graphs, and the kernel of a PyG ``edge_index`` or scipy COO matrix; ``hops=2``; ``radius=``), `find_peaks` with prominence, and
    `grid.local_maxima` / `grid.find_peaks` on tiny inputs with float64 and
    int64 values and uint8/float64 images (each kernel has one build: small
    inputs run it on one thread, see `graphmax._threading`). Later calls with those dtypes start at full
    speed; other dtypes compile on their first call.

    Parameters
    ----------
    progress : callable, optional
        Called as ``progress(step, seconds)`` after each step.
    jobs : int
        Processes that compile at once (default 1: all in this one). With
        more, the steps are shared out among that many child processes (at
        most one per step), which fill numba's disk cache side by side; this
        process then loads every kernel from it (one more step, "loaded in
        this process", which compiles whatever is still missing).
        ``graphmax warmup`` uses one per usable CPU.

    Returns
    -------
    list of (str, float)
        Each step and the seconds it took: seconds each on a fresh install,
        well under one once the cache is warm.

    Examples
    --------
    >>> import graphmax as gm
    >>> steps = gm.warm_up()
    >>> [name for name, _ in steps]  # doctest: +NORMALIZE_WHITESPACE
    ['graphs, float64 values', 'graphs, int64 values', 'images: uint8 and float64, 2-D and 3-D']
    """
    return run(progress, jobs)


def run(progress, jobs, on_kernel=None):
    """`warm_up`, and ``on_kernel(name)`` for each kernel a child process starts compiling
    (``graphmax warmup`` prints them; compiles in this process it sees by `_compiling.reporting`)."""
    if progress is not None and not callable(progress):
        raise TypeError(f"`progress` must be callable or None, got {type(progress).__name__}")
    jobs = _check_jobs(jobs)
    if jobs > 1:
        done = _in_parallel(jobs, progress, on_kernel)
        todo = [("loaded in this process", lambda: [call() for _, call in steps()])]
    else:
        done, todo = [], steps()
    for name, step in todo:
        start = time.perf_counter()
        step()  # one build per kernel: small inputs run it on one thread (see graphmax._threading)
        seconds = time.perf_counter() - start
        done.append((name, seconds))
        if progress is not None:
            progress(name, seconds)
    return done


if __name__ == "__main__":
    _child([int(i) for i in sys.argv[1:]])
