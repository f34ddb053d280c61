"""Speed suite: graphmax's local maxima against every peer, on graphs and images.

Run ``python -m benchmarks.speed [--quick] [--out DIR] [--repeat R] [--threads T]``;
benchmarks/README.md says what each case measures and what the columns mean.

Every case follows the same steps:

1. build the input (untimed) and each peer's own structures (untimed; the
   time is recorded as ``prepare_s``);
2. call graphmax once (warm-up; its mask is the reference), then every other
   method once, and abort with `PeerMismatch` if a method that claims the
   same semantics returns a different mask;
3. time every method ``R`` times, interleaved round by round so that all of
   them see the same machine state, and keep the best (``time.perf_counter``,
   garbage collector off while timing, as `timeit` does); like `timeit`, a
   sample of a call shorter than ``--min-sample-ms`` is the mean of a loop
   of back-to-back calls;
4. time one pass over the input (`_common.stream_sum`: a compiled parallel
   read of the CSR indices for graphs, of the image for images): the
   streaming limit every rate is shown against.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.metadata
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

import graphmax as gm
from graphmax import grid

from . import peers
from ._common import atomic_write, loops_for, results_folder, stream_sum, time_once, write_text

__all__ = ["main", "build_parser", "PeerMismatch"]

PROG = "python -m benchmarks.speed"
DEFAULT_OUT = Path(__file__).resolve().parent / "results"
PARTIAL_NAME = "speed.partial.json"  # an unfinished run's report; speed.json is written only at the end
SCHEMA = 1

STRICT_PEERS = ("pyg", "graphblas", "numpy")
PLATEAU_PEERS = ("scipy-plateau",)
IMAGE_PEERS_BY_MODE = {
    "plateau": ("skimage",),
    "nonstrict": ("ndimage-eq",),
    "strict": ("ndimage-ring", "peak_local_max"),
}
# Packages whose versions go into the report (distribution names).
_VERSIONED = (
    "graphmax", "numpy", "scipy", "numba", "networkx", "torch", "torch-geometric",
    "python-graphblas", "suitesparse-graphblas", "scikit-image", "matplotlib", "tqdm", "psutil",
)


class PeerMismatch(AssertionError):
    """A method that claims graphmax's semantics returned a different mask."""


# -- what to run --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """The command line, resolved."""

    quick: bool
    repeat: int
    min_sample_s: float
    threads: int | None
    out: Path | None  # None: write no file (a quick or partial run without --out)
    quiet: bool
    max_nodes: int | None
    cases: tuple[str, ...]
    seed: int


@dataclass(frozen=True)
class GraphCase:
    """One graph benchmark: a generated graph, node values, and the maxima asked for.

    Attributes
    ----------
    family : {"random", "power-law", "grid", "geometric"}
    n : int
        Requested number of nodes (a grid is ``sqrt(n) x sqrt(n)``).
    degree : int
        Requested mean degree; for a grid 4 (connectivity 1) or 8 (connectivity 2).
    hops, mode : as in `graphmax.local_maxima`
    values : {"uniform", "levels"}
        i.i.d. uniform float64 (no ties), or int64 in 0..7 (many plateaus).
    headline : bool
        The issue's headline case (also gets the raw-CSR memory profile).
    memory : bool
        Also measure peak extra memory of the graphmax call.
    extra_peers : tuple of str
        Peers run on top of the mode's default ones.
    """

    family: str
    n: int
    degree: int
    hops: int = 1
    mode: str = "strict"
    values: str = "uniform"
    headline: bool = False
    memory: bool = False
    extra_peers: tuple[str, ...] = ()

    section = "graph"

    @property
    def graph_key(self) -> str:
        return f"{self.family} {_size_label(self)} deg{self.degree}"

    @property
    def name(self) -> str:
        hops = f" hops{self.hops}" if self.hops > 1 else ""
        ties = " int-ties" if self.values == "levels" else ""
        return f"{self.graph_key} {self.mode}{hops}{ties}"

    @property
    def peer_keys(self) -> tuple[str, ...]:
        return (PLATEAU_PEERS if self.mode == "plateau" else STRICT_PEERS) + self.extra_peers


@dataclass(frozen=True)
class ImageCase:
    """One image benchmark: `grid.local_maxima` in one mode and connectivity.

    Attributes
    ----------
    source : {"noise", "smooth", "camera", "coins", "moon"}
        Uniform float64 noise, noise smoothed by a Gaussian of sigma 2, or a
        scikit-image sample image (uint8).
    shape : tuple of int or None
        Noise shape, or a centre crop of a sample image; None: the whole image.
    connectivity : int
    mode : {"plateau", "nonstrict", "strict"}
    """

    source: str
    shape: tuple[int, ...] | None
    connectivity: int
    mode: str

    section = "image"

    @property
    def image_key(self) -> str:
        return self.source + ("" if self.shape is None else " " + "x".join(map(str, self.shape)))

    @property
    def name(self) -> str:
        return f"image {self.image_key} conn{self.connectivity} {self.mode}"


@dataclass(frozen=True)
class ColdStartCase:
    """First calls in a fresh interpreter, with the numba disk cache warm or empty."""

    cache: str  # "warm" or "empty"

    section = "cold start"

    @property
    def name(self) -> str:
        return f"cold start, {self.cache} numba cache"


def graph_plan(quick: bool) -> list[GraphCase]:
    """The graph cases, grouped so that cases sharing a graph are adjacent."""
    if quick:
        head = dict(family="random", n=10_000, degree=16)
        return [
            GraphCase(**head, headline=True, memory=True),
            GraphCase(**head, hops=2, memory=True),
            GraphCase(**head, hops=3, memory=True),
            GraphCase(**head, mode="plateau", values="levels"),
            GraphCase("random", 2_000, 10, extra_peers=("networkx", "networkx-max")),
            GraphCase("power-law", 10_000, 16),
            GraphCase("grid", 10_000, 4),
            GraphCase("geometric", 10_000, 16),
        ]
    cases = [GraphCase("random", 1_000, 16), GraphCase("random", 10_000, 16), GraphCase("random", 100_000, 4)]
    for n, headline in ((100_000, False), (1_000_000, True)):
        head = dict(family="random", n=n, degree=16)
        cases += [
            GraphCase(**head, headline=headline, memory=headline),
            GraphCase(**head, hops=2, memory=headline),
            GraphCase(**head, hops=3, memory=headline),
            GraphCase(**head, mode="plateau", values="levels"),
        ]
        cases += [GraphCase("random", n, 64)]
        if n == 100_000:
            cases += [GraphCase("random", 1_000_000, 4)]
    cases += [GraphCase("random", 20_000, 10, extra_peers=("networkx", "networkx-max"))]
    cases += [GraphCase("power-law", n, 16) for n in (10_000, 100_000, 1_000_000)]
    cases += [GraphCase("grid", side * side, 4) for side in (32, 100, 316, 1000)]
    cases += [GraphCase("grid", 1000 * 1000, 8)]
    cases += [GraphCase("geometric", n, 16) for n in (10_000, 100_000, 1_000_000)]
    return cases


def image_plan(quick: bool) -> list[ImageCase]:
    """The image cases: each image in every connectivity and all three modes."""
    if quick:
        images = [("noise", (256, 256)), ("camera", (256, 256)), ("noise", (32, 32, 32))]
    else:
        images = [
            ("noise", (2048, 2048)),
            ("smooth", (2048, 2048)),
            ("camera", None),
            ("coins", None),
            ("moon", None),
            ("noise", (128, 128, 128)),
            ("smooth", (128, 128, 128)),
        ]
    cases = []
    for source, shape in images:
        ndim = 2 if shape is None else len(shape)
        for connectivity in range(1, ndim + 1):
            cases += [ImageCase(source, shape, connectivity, mode) for mode in ("plateau", "nonstrict", "strict")]
    return cases


def plan(settings: Settings) -> list:
    """Every case to run, after ``--max-nodes`` and ``--cases``."""
    cases = graph_plan(settings.quick)
    if settings.max_nodes is not None:
        cases = _stand_in_headline([c for c in cases if c.n <= settings.max_nodes])
    cases += image_plan(settings.quick)
    # Last, so that "warm cache" means: after this run compiled the kernels.
    cases += [ColdStartCase("warm")] + ([] if settings.quick else [ColdStartCase("empty")])
    if settings.cases:
        wanted = [s.lower() for s in settings.cases]
        cases = [c for c in cases if any(s in c.name.lower() for s in wanted)]
    return cases


def _stand_in_headline(cases: list[GraphCase]) -> list[GraphCase]:
    """When ``--max-nodes`` drops the headline graph, the largest random degree-16 graph left stands in.

    So a reduced run still exercises the headline table and the memory
    profile (the table names the graph it used).
    """
    if any(c.headline for c in cases):
        return cases
    sizes = [c.n for c in cases if c.family == "random" and c.degree == 16]
    if not sizes:
        return cases
    stand_in = lambda c: c.family == "random" and c.degree == 16 and c.n == max(sizes)  # noqa: E731
    return [
        replace(c, headline=c.hops == 1 and c.mode == "strict", memory=c.mode == "strict") if stand_in(c) else c
        for c in cases
    ]


def _size_label(case: GraphCase) -> str:
    if case.family == "grid":
        side = math.isqrt(case.n)
        return f"{side}x{side}"
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if case.n >= scale and case.n % scale == 0:
            return f"{case.n // scale}{unit}"
    return str(case.n)


# -- inputs -------------------------------------------------------------------------------------
def _rng(settings: Settings, key: str) -> np.random.Generator:
    """A generator seeded by the run seed and a stable hash of `key` (not Python's salted hash)."""
    return np.random.default_rng([settings.seed, zlib.crc32(key.encode())])


def undirected(src: np.ndarray, dst: np.ndarray, n: int) -> gm.Graph:
    """The undirected graph of the pairs ``(src[i], dst[i])``, stored both ways and known to be
    symmetric by construction (`gm.from_edges` with ``directed=False``): the prepared graph a user
    builds from undirected pairs, so no call on it looks for in-neighbours or checks symmetry."""
    return gm.from_edges(np.stack([src, dst], axis=1), n=n, directed=False)


def random_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """Erdős–Rényi-like: ``n * degree / 2`` uniform random pairs, stored both ways."""
    m = n * degree // 2
    return undirected(rng.integers(0, n, m), rng.integers(0, n, m), n)


def powerlaw_graph(n: int, degree: int, rng: np.random.Generator, exponent: float = 2.5) -> gm.Graph:
    """Chung–Lu: ``n * degree / 2`` pairs with endpoints drawn by expected degree ``~ rank^(-1/(exponent-1))``.

    Node ids are shuffled so that hubs are spread over the index range.
    """
    weight = np.arange(1, n + 1, dtype=np.float64) ** (-1.0 / (exponent - 1.0))
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]
    m = n * degree // 2
    shuffle = rng.permutation(n)
    src = shuffle[np.searchsorted(cdf, rng.random(m))]
    dst = shuffle[np.searchsorted(cdf, rng.random(m))]
    return undirected(src, dst, n)


def grid_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """The ``sqrt(n) x sqrt(n)`` grid: 4 neighbours (connectivity 1) or 8 (connectivity 2).

    Its symmetric scipy adjacency goes through ``as_graph(...).to_undirected()``, which checks the
    symmetry once (part of the build time) and returns the graph known to be symmetric."""
    side = math.isqrt(n)
    return gm.as_graph(grid.grid_adjacency((side, side), connectivity={4: 1, 8: 2}[degree])).to_undirected()


def geometric_graph(n: int, degree: int, rng: np.random.Generator) -> gm.Graph:
    """Random geometric: uniform points in the unit square, joined within ``r = sqrt(degree / (pi n))``."""
    from scipy.spatial import cKDTree

    points = rng.random((n, 2))
    pairs = cKDTree(points).query_pairs(math.sqrt(degree / (math.pi * n)), output_type="ndarray")
    return undirected(pairs[:, 0], pairs[:, 1], n)


GRAPH_FAMILIES: dict[str, Callable[[int, int, np.random.Generator], gm.Graph]] = {
    "random": random_graph,
    "power-law": powerlaw_graph,
    "grid": grid_graph,
    "geometric": geometric_graph,
}


def node_values(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``"uniform"``: float64 in [0, 1); ``"levels"``: int64 in 0..7 (ties everywhere)."""
    return rng.random(n) if kind == "uniform" else rng.integers(0, 8, n)


def load_image(case: ImageCase, rng: np.random.Generator) -> np.ndarray:
    """The image of `case` (see `ImageCase.source`)."""
    if case.source in ("noise", "smooth"):
        image = rng.random(case.shape)
        if case.source == "smooth":
            from scipy import ndimage as ndi

            image = ndi.gaussian_filter(image, sigma=2)
        return image
    from skimage import data

    image = getattr(data, case.source)()
    if case.shape is not None:
        corner = [(s - c) // 2 for s, c in zip(image.shape, case.shape)]
        image = np.ascontiguousarray(image[tuple(slice(a, a + c) for a, c in zip(corner, case.shape))])
    return image


def _distinct(values: np.ndarray) -> bool:
    """No two values are equal."""
    return np.unique(values).size == values.size


class Inputs:
    """Builds inputs on demand and keeps the last graph and the last image.

    The plan keeps cases that share an input adjacent, so one of each is
    enough and memory stays bounded at the largest sizes.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._graph = (None, None)
        self._image = (None, None)

    def graph(self, case: GraphCase) -> tuple[gm.Graph, float]:
        """The graph of `case` and the seconds it took to build (0 when reused)."""
        key, graph = self._graph
        if key == case.graph_key:
            return graph, 0.0
        self._graph = (None, None)  # free the old graph before building the next
        start = time.perf_counter()
        graph = GRAPH_FAMILIES[case.family](case.n, case.degree, _rng(self.settings, case.graph_key))
        self._graph = (case.graph_key, graph)
        return graph, time.perf_counter() - start

    def image(self, case: ImageCase) -> tuple[np.ndarray, bool]:
        """The image of `case` and whether its pixels are pairwise distinct."""
        key, value = self._image
        if key != case.image_key:
            self._image = (None, None)
            image = load_image(case, _rng(self.settings, case.image_key))
            value = (image, _distinct(image))
            self._image = (case.image_key, value)
        return value


# -- measuring ----------------------------------------------------------------------------------
@dataclass
class Contender:
    """One timed method of a case.

    ``call`` is None when the method is skipped (``note`` says why). The
    first contender of a case is graphmax: the baseline every mask is checked
    against and every ratio is taken to.
    """

    key: str
    label: str
    role: str  # "graphmax", "variant" (graphmax another way) or "peer"
    call: Callable[[], Any] | None
    matches: str = ""
    compare: bool = True
    note: str = ""
    prepare_s: float | None = None


def best_time(call: Callable[[], Any], repeat: int, min_sample_s: float = 0.0) -> float:
    """Best of `repeat` timed samples after one warm-up call, in seconds per
    call; a sample loops the call to last at least `min_sample_s` (`loops_for`)."""
    call()
    loops = loops_for(call, min_sample_s)
    return min(time_once(call, loops) for _ in range(repeat))


def _check_same(case_name: str, contender: Contender, mask: Any, reference: np.ndarray) -> None:
    mask = np.asarray(mask)
    if mask.shape != reference.shape:
        raise PeerMismatch(
            f"{case_name}: {contender.label} returned shape {mask.shape}, graphmax {reference.shape}"
        )
    differ = np.flatnonzero(mask.astype(bool).ravel() != reference.ravel())
    if differ.size:
        raise PeerMismatch(
            f"{case_name}: {contender.label} (claims {contender.matches}) disagrees with graphmax "
            f"on {differ.size} of {reference.size} entries, first at flat index {differ[:5].tolist()}"
        )


def measure(case_name: str, contenders: list[Contender], repeat: int, min_sample_s: float = 0.0) -> list[dict]:
    """Warm up and check every contender against the first, then time them all interleaved.

    Each of the `repeat` rounds takes one sample of every contender; a sample
    of a call shorter than `min_sample_s` loops it back to back (`loops_for`,
    sized once after the warm-up) and counts the mean. Returns one record per
    contender (in order): status, loops per sample, times per call and notes.

    Raises
    ------
    PeerMismatch
        A contender with ``compare=True`` returned a different mask.
    """
    baseline, others = contenders[0], contenders[1:]
    reference = np.asarray(baseline.call())
    status = {baseline.key: "baseline"}
    for contender in others:
        if contender.call is None:
            status[contender.key] = "skipped"
            continue
        mask = contender.call()  # warm-up, and the answer to check
        if contender.compare:
            _check_same(case_name, contender, mask, reference)
            status[contender.key] = "agrees"
        else:
            status[contender.key] = "not compared"
    active = [c for c in contenders if c.call is not None]
    loops = {c.key: loops_for(c.call, min_sample_s) for c in active}
    times: dict[str, list[float]] = {c.key: [] for c in active}
    for _ in range(repeat):
        for contender in active:
            times[contender.key].append(time_once(contender.call, loops[contender.key]))
    return [
        {
            "key": c.key,
            "label": c.label,
            "role": c.role,
            "matches": c.matches,
            "status": status[c.key],
            "note": c.note,
            "prepare_s": c.prepare_s,
            "loops": loops.get(c.key),
            "times_s": times.get(c.key, []),
            "best_s": min(times[c.key]) if c.key in times else None,
        }
        for c in contenders
    ]


def _annotate(records: list[dict], amount: int, stream_s: float) -> None:
    """Add rate (`amount` per second), ratio to graphmax and multiple of the streaming time."""
    base = records[0]["best_s"]
    for record in records:
        best = record["best_s"]
        record["rate_per_s"] = amount / best if best else None
        record["ratio"] = best / base if best and base else None
        record["stream_multiple"] = best / stream_s if best and stream_s else None


def peer_contender(peer: peers.Peer, data: Any, options: peers.Options, values: np.ndarray) -> Contender:
    """A `Contender` for `peer`: skipped with a note, or prepared (untimed) and bound to `values`."""
    described = dict(key=peer.key, label=peer.label, role="peer", matches=peer.describe(options))
    reason = peer.missing() or peer.skip_reason(options)
    if reason:
        return Contender(**described, call=None, note=reason)
    start = time.perf_counter()
    run = peer.build(data, options)
    prepare_s = time.perf_counter() - start
    inexact = peer.inexact_reason(options)
    return Contender(
        **described, call=lambda: run(values), compare=inexact is None, note=inexact or "", prepare_s=prepare_s
    )


# -- memory -------------------------------------------------------------------------------------
def _proc_status_kib(field_name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise OSError(f"{field_name} not in /proc/self/status")


def _rss_peak_delta(call: Callable[[], Any]) -> tuple[int | None, str]:
    """Peak resident set during `call` minus the resident set before it, in bytes, and the method used.

    Linux: reset the high-water mark (``/proc/self/clear_refs``) and read
    ``VmHWM``, exact. Elsewhere: sample ``psutil`` every 0.2 ms (may miss
    short peaks). Free heap memory is first handed back to the system
    (glibc's ``malloc_trim``), or the call could reuse it without growing the
    process: without that step, the 1M-node headline call measured 0 bytes.
    """
    gc.collect()
    trimmed = _malloc_trim()
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        before = _proc_status_kib("VmRSS")
        call()
        return (_proc_status_kib("VmHWM") - before) * 1024, "VmHWM after clear_refs" + trimmed
    except OSError:
        pass
    try:
        import psutil
    except ImportError:
        return None, "unavailable (no /proc/self/clear_refs, no psutil)"
    process = psutil.Process()
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.0002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        call()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], process.memory_info().rss) - before, "psutil sampling" + trimmed


def _malloc_trim() -> str:
    """Return free heap memory to the system (glibc only); a note for the method label."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return ""
    return ", malloc_trim"


def memory_profile(label: str, call: Callable[[], Any], graph: gm.Graph, x: np.ndarray) -> dict:
    """Peak extra memory of one warm `call`, next to the size of one int array of E.

    ``tracemalloc`` sees every numpy allocation (numba's own allocations are
    not traced); the resident-set delta sees everything the process maps.
    """
    call()  # warm: caches filled, kernels loaded
    rss_bytes, rss_method = _rss_peak_delta(call)
    gc.collect()
    tracemalloc.start()
    try:
        call()
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    edges = graph.neighbours("both")[1]
    return {
        "call": label,
        "tracemalloc_peak_bytes": int(traced_peak),
        "rss_peak_delta_bytes": rss_bytes,
        "rss_method": rss_method,
        "int_array_of_E_bytes": int(edges.nbytes),
        "index_dtype": str(edges.dtype),
        "n": graph.n,
        "edges": int(edges.shape[0]),
        "values_bytes": int(x.nbytes),
    }


# -- running cases ------------------------------------------------------------------------------
def _graphmax_contenders(case: GraphCase, g: gm.Graph, x: np.ndarray, distinct: bool) -> list[Contender]:
    """graphmax on the prepared graph (the baseline) and the other ways of calling it."""
    hops = f", hops={case.hops}" if case.hops > 1 else ""
    call = f"local_maxima(mode={case.mode!r}{hops})"
    contenders = [
        Contender("graphmax", f"graphmax {call}", "graphmax",
                  lambda: gm.local_maxima(g, x, mode=case.mode, hops=case.hops), matches=call),
    ]
    if case.hops == 1 and case.mode == "strict":
        start = time.perf_counter()
        raw = g.to_scipy("out")
        contenders.append(
            Contender("graphmax-raw", "graphmax from a raw scipy CSR (normalisation included)", "variant",
                      lambda: gm.local_maxima(raw, x, mode="strict"), matches=call,
                      prepare_s=time.perf_counter() - start)
        )
        edge_index = _edge_index(g)
        if edge_index is not None:
            contenders.append(
                Contender("graphmax-edge-index", "graphmax on a PyG edge_index (one call, no Graph built)", "variant",
                          lambda: gm.local_maxima(edge_index, x, mode="strict"), matches=call)
            )
        start = time.perf_counter()
        unknown = gm.as_graph(raw)
        contenders.append(
            Contender("graphmax-unknown", "graphmax on as_graph(csr): prepared, symmetry not known", "variant",
                      lambda: gm.local_maxima(unknown, x, mode="strict"), matches=call,
                      prepare_s=time.perf_counter() - start)
        )
        if distinct:
            contenders.append(
                Contender("graphmax-plateau", "graphmax mode='plateau' (no ties: same mask as strict)", "variant",
                          lambda: gm.local_maxima(g, x, mode="plateau"), matches=call)
            )
            contenders.append(
                Contender("graphmax-raw-plateau",
                          "graphmax default call local_maxima(csr, x) (plateau) from a raw scipy CSR", "variant",
                          lambda: gm.local_maxima(raw, x), matches=call)
            )
    if case.hops > 1:
        contenders.append(
            Contender("graphmax-fresh", "graphmax on a fresh Graph each call (nothing cached)", "variant",
                      lambda: gm.local_maxima(gm.Graph(g.n, g.indptr, g.indices, g.weights), x,
                                              mode=case.mode, hops=case.hops),
                      matches=call)
        )
    return contenders


def _edge_index(g: gm.Graph):
    """The ``(2, E)`` int64 tensor ``[neighbour, node]`` that the PyG peer scatters over
    (None without torch): the input a PyG user holds."""
    if peers.missing("torch"):
        return None
    import torch

    csr = peers.CSR(g.n, *g.neighbours("both")[:2])
    return torch.from_numpy(np.stack([csr.indices.astype(np.int64), csr.rows()]))


def run_graph_case(case: GraphCase, inputs: Inputs, settings: Settings) -> dict:
    """Time graphmax and the case's peers on one generated graph."""
    g, build_s = inputs.graph(case)
    indptr, indices, _ = g.neighbours("both")
    csr = peers.CSR(g.n, indptr, indices)
    x = node_values(case.values, g.n, _rng(settings, f"{case.graph_key} {case.values}"))
    distinct = _distinct(x)
    options = peers.Options(hops=case.hops, distinct=distinct)
    contenders = _graphmax_contenders(case, g, x, distinct)
    contenders += [peer_contender(peers.GRAPH_PEERS[key], csr, options, x) for key in case.peer_keys]
    records = measure(case.name, contenders, settings.repeat, settings.min_sample_s)
    stream_s = best_time(lambda: stream_sum(indices), settings.repeat, settings.min_sample_s)
    _annotate(records, csr.num_edges, stream_s)
    result = {
        "section": "graph",
        "name": case.name,
        "case": asdict(case),
        "n": g.n,
        "edges": csr.num_edges,
        "mean_degree": csr.num_edges / max(g.n, 1),
        "index_dtype": str(indices.dtype),
        "values_dtype": str(x.dtype),
        "distinct_values": distinct,
        "graph_build_s": build_s,
        "stream": {"label": "one parallel read of indices", "best_s": stream_s, "rate_per_s": csr.num_edges / stream_s},
        "methods": records,
    }
    if case.memory:
        result["memory"] = [
            memory_profile(records[0]["label"], contenders[0].call, g, x),
        ]
        if case.headline:
            result["memory"].append(
                memory_profile("graphmax local_maxima(mode='plateau')",
                               lambda: gm.local_maxima(g, x, mode="plateau"), g, x)
            )
    return result


def run_image_case(case: ImageCase, inputs: Inputs, settings: Settings) -> dict:
    """Time `grid.local_maxima` and the peers of its mode on one image."""
    result = {"section": "image", "name": case.name, "case": asdict(case)}
    if case.source not in ("noise", "smooth"):
        missing = peers.missing("skimage")
        if missing:
            return {**result, "skipped": f"{missing} (its sample images are the input)"}
    image, distinct = inputs.image(case)
    options = peers.Options(connectivity=case.connectivity, ndim=image.ndim, distinct=distinct)
    call = f"grid.local_maxima(mode={case.mode!r}, connectivity={case.connectivity})"
    contenders = [
        Contender("graphmax", f"graphmax {call}", "graphmax",
                  lambda: grid.local_maxima(image, connectivity=case.connectivity, mode=case.mode), matches=call)
    ]
    contenders += [
        peer_contender(peers.IMAGE_PEERS[key], image, options, image) for key in IMAGE_PEERS_BY_MODE[case.mode]
    ]
    records = measure(case.name, contenders, settings.repeat, settings.min_sample_s)
    stream_s = best_time(lambda: stream_sum(image), settings.repeat, settings.min_sample_s)
    _annotate(records, image.size, stream_s)
    return {
        **result,
        "shape": list(image.shape),
        "pixels": int(image.size),
        "dtype": str(image.dtype),
        "distinct_values": distinct,
        "stream": {"label": "one parallel read of the image", "best_s": stream_s, "rate_per_s": image.size / stream_s},
        "methods": records,
    }


_COLD_START_SCRIPT = r"""
import json, time
start = time.perf_counter()
import numpy as np
import scipy.sparse as sp
import graphmax
from graphmax import grid
out = {"import_s": time.perf_counter() - start}
rng = np.random.default_rng(0)
n = 2000
src, dst = rng.integers(0, n, 8 * n), rng.integers(0, n, 8 * n)
adjacency = sp.csr_array((np.ones(2 * src.size, dtype=bool), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
x = rng.random(n)
image = rng.random((64, 64))

def first_and_warm(name, call):
    start = time.perf_counter()
    value = call()
    out[name + "_first_s"] = time.perf_counter() - start
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        call()
        warm.append(time.perf_counter() - start)
    out[name + "_warm_s"] = min(warm)
    return value

g = first_and_warm("as_graph", lambda: graphmax.as_graph(adjacency))
for mode in ("strict", "plateau"):
    first_and_warm(f"local_maxima_{mode}", lambda: graphmax.local_maxima(g, x, mode=mode))
first_and_warm("local_maxima_hops2", lambda: graphmax.local_maxima(g, x, mode="strict", hops=2))
first_and_warm("grid_local_maxima", lambda: grid.local_maxima(image))
print(json.dumps(out))
"""


def run_cold_start(case: ColdStartCase, inputs: Inputs, settings: Settings) -> dict:
    """Import graphmax and make each first call in a fresh interpreter; time each step.

    Each step is timed on its first call and as the best of the five calls
    after it (``warm``); the difference is what the first call costs extra.

    ``warm``: the numba disk cache as this run left it (what a user sees on
    every new process). ``empty``: ``NUMBA_CACHE_DIR`` points at an empty
    folder, so every kernel compiles (the very first run on a machine).
    """
    env = dict(os.environ)
    if settings.threads:
        env["NUMBA_NUM_THREADS"] = str(settings.threads)
    with tempfile.TemporaryDirectory(prefix="graphmax-numba-cache-") as empty:
        if case.cache == "empty":
            env["NUMBA_CACHE_DIR"] = empty
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _COLD_START_SCRIPT], env=env, capture_output=True, text=True, timeout=900
        )
        wall_s = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{case.name}: the subprocess failed:\n{proc.stderr[-3000:]}")
    steps = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"section": "cold start", "name": case.name, "case": asdict(case), "process_wall_s": wall_s, "steps": steps}


RUNNERS = {"graph": run_graph_case, "image": run_image_case, "cold start": run_cold_start}


# -- the machine --------------------------------------------------------------------------------
def apply_threads(threads: int | None) -> dict:
    """Set every library's thread count to `threads` (None: leave defaults); return what they use."""
    import numba

    if threads:
        numba.set_num_threads(threads)
    used: dict[str, Any] = {"requested": threads, "numba": numba.get_num_threads()}
    try:
        import torch

        if threads:
            torch.set_num_threads(threads)
        used["torch"] = torch.get_num_threads()
    except ImportError:
        used["torch"] = None
    try:
        import graphblas as gb

        if threads:
            gb.ss.config["nthreads"] = threads
        used["graphblas"] = gb.ss.config["nthreads"]
    except ImportError:
        used["graphblas"] = None
    return used


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_total() -> int | None:
    try:
        return _proc_meminfo_kib("MemTotal") * 1024
    except OSError:
        return None


def _proc_meminfo_kib(field_name: str) -> int:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise OSError(f"{field_name} not in /proc/meminfo")


def machine_info() -> dict:
    """CPU, memory, OS and Python of this machine, and its load when the run started."""
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_total_bytes": _memory_total(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "cpu_busy_at_start": cpu_busy_fraction(),
    }


def cpu_busy_fraction(seconds: float = 0.5) -> float | None:
    """Fraction of all CPUs busy over `seconds` while this process waits: other work. None without psutil."""
    try:
        import psutil
    except ImportError:
        return None
    return psutil.cpu_percent(interval=seconds) / 100.0


def _quiet_warning(report: dict) -> str | None:
    busy = report["machine"].get("cpu_busy_at_start")
    if busy is not None and busy > 0.2:
        return (f"warning: {busy:.0%} of the CPUs were busy with other work when the run started; "
                "parallel kernels slow down sharply when a core is taken, so timings may be inflated")
    return None


def package_versions() -> dict:
    versions = {}
    for name in _VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state() -> dict | None:
    """Commit and dirtiness of the checkout the benchmark runs from, if it is a git checkout."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return {
        "commit": head.stdout.strip() if head.returncode == 0 else None,
        "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None,
    }


def _numba_threading_layer() -> str | None:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        return None


# -- the headline -------------------------------------------------------------------------------
def _method(case: dict | None, key: str) -> dict | None:
    if not case:
        return None
    found = [m for m in case.get("methods", []) if m["key"] == key and m["best_s"]]
    return found[0] if found else None


def _ratio_row(metric: str, method: dict | None, target: float | None, *, at_most: bool = False) -> dict:
    if method is None or method["ratio"] is None:
        return {"metric": metric, "value": "not measured", "target": _target(target, at_most), "met": None}
    ratio = method["ratio"]
    met = None if target is None else (ratio <= target if at_most else ratio >= target)
    return {"metric": metric, "value": f"{ratio:.2f}x", "target": _target(target, at_most), "met": met}


def _between_row(metric: str, slow: dict | None, fast: dict | None) -> dict:
    """The ratio of two methods of one case, neither of them the baseline."""
    if slow is None or fast is None:
        return {"metric": metric, "value": "not measured", "target": "", "met": None}
    return {"metric": metric, "value": f"{slow['best_s'] / fast['best_s']:.2f}x "
            f"({_ms(fast['best_s'])} against {_ms(slow['best_s'])})", "target": "", "met": None}


def _target(target: float | None, at_most: bool) -> str:
    if target is None:
        return ""
    return f"{'<=' if at_most else '>='} {target:g}x"


def headline(cases: list[dict]) -> list[dict]:
    """The issue's targets, each with the number measured in this run."""
    graphs = [c for c in cases if c["section"] == "graph"]
    head = next((c for c in graphs if c["case"]["headline"]), None)
    if head is None:
        return []
    rows = []
    base = _method(head, "graphmax")
    rows.append({
        "metric": f"graphmax 1-hop strict, {head['name']} ({head['edges']:,} edges), prepared",
        "value": f"{_ms(base['best_s'])} ({_rate(base['rate_per_s'], 'Medges/s')}); streaming limit "
                 f"{_ms(head['stream']['best_s'])} ({_rate(head['stream']['rate_per_s'], 'Medges/s')}), "
                 f"graphmax takes {base['stream_multiple']:.1f}x that",
        "target": "", "met": None,
    })
    rows.append(_ratio_row("PyG scatter / graphmax", _method(head, "pyg"), 10))
    rows.append(_ratio_row("GraphBLAS mxv / graphmax", _method(head, "graphblas"), 4))
    rows.append(_ratio_row("numpy reduceat / graphmax", _method(head, "numpy"), 10))
    rows.extend(_networkx_rows(graphs, base))
    rows.append(_ratio_row("from raw scipy CSR / prepared", _method(head, "graphmax-raw"), 2, at_most=True))
    rows.append(_ratio_row("as_graph(csr), symmetry not known / prepared", _method(head, "graphmax-unknown"), None))
    rows.append(_between_row("PyG scatter / graphmax, both from the same edge_index (one call, nothing prepared)",
                             _method(head, "pyg"), _method(head, "graphmax-edge-index")))
    rows.append(_ratio_row("plateau / strict (random values)", _method(head, "graphmax-plateau"), 2, at_most=True))
    rows.append(_ratio_row("default call (plateau) from raw scipy CSR / prepared strict",
                           _method(head, "graphmax-raw-plateau"), None))
    for other in graphs:
        if other is not head and _same_graph(other, head):
            if other["case"]["hops"] > 1:
                rows.append(_hops_row(other))
            elif other["case"]["values"] == "levels":
                rows.append(_ratio_row(f"scipy plateau peer / graphmax plateau, {other['name']}",
                                       _method(other, "scipy-plateau"), None))
    for image in cases:
        if image["section"] == "image" and image["case"]["mode"] == "plateau" and image.get("methods"):
            rows.append(_ratio_row(f"skimage local_maxima / graphmax, {image['name']}", _method(image, "skimage"), 3))
    rows += _memory_rows(graphs)
    rows += _cold_rows([c for c in cases if c["section"] == "cold start"])
    return rows


def _peaks_headline(results: list[dict]) -> list[dict]:
    """Issue 5's target: grid.find_peaks at least 10x faster than peak_local_max (min_distance=1)."""
    rows = []
    for r in results:
        if r["peer_s"] is not None and r["case"].endswith("min_distance=1"):
            rows.append({"metric": f"peak_local_max / grid.find_peaks, {r['case']}", "value": f"{r['speedup']:.2f}x",
                         "target": ">= 10x", "met": r["speedup"] >= 10})
    return rows


def _same_graph(a: dict, b: dict) -> bool:
    return all(a["case"][k] == b["case"][k] for k in ("family", "n", "degree"))


def _networkx_rows(graphs: list[dict], base: dict) -> list[dict]:
    """Per-edge rate ratios against both networkx loops: the plain one (the
    issue's target, PERF-NOTES' loop) and the stronger early-exit one."""
    rows = []
    for key, what in (("networkx-max", "plain loop (max of neighbours)"), ("networkx", "early-exit loop (all)")):
        metric = f"networkx {what}: graphmax headline rate / networkx rate (per edge)"
        case = next((c for c in graphs if _method(c, key)), None)
        if case is None:
            rows.append({"metric": metric, "value": "not measured", "target": "~300x", "met": None})
            continue
        nx_rate = _method(case, key)["rate_per_s"]
        same = _method(case, key)["ratio"]
        per_edge = base["rate_per_s"] / nx_rate
        rows.append({
            "metric": metric,
            "value": f"{per_edge:.0f}x ({_rate(nx_rate, 'Medges/s')} on {case['name']}; {same:.0f}x on that same graph)",
            "target": "~300x", "met": per_edge >= 300,
        })
    return rows


def _hops_row(case: dict) -> dict:
    base = _method(case, "graphmax")
    fastest = min((m for m in case["methods"] if m["role"] == "peer" and m["best_s"]),
                  key=lambda m: m["best_s"], default=None)
    peer = f"; fastest peer {fastest['key']} {fastest['ratio']:.2f}x" if fastest else ""
    fresh = _method(case, "graphmax-fresh")
    fresh_text = f"; fresh Graph {fresh['ratio']:.2f}x" if fresh else ""
    memory = case.get("memory")
    mem_text = f"; peak numpy memory {_mib(memory[0]['tracemalloc_peak_bytes'])}" if memory else ""
    return {"metric": f"graphmax {case['name']}", "value": f"{_ms(base['best_s'])}{peer}{fresh_text}{mem_text}",
            "target": "no power graph materialised", "met": None}


def _memory_rows(graphs: list[dict]) -> list[dict]:
    rows = []
    for case in graphs:
        if not case["case"]["headline"]:
            continue
        for memory in case.get("memory", []):
            rss = memory["rss_peak_delta_bytes"]
            rows.append({
                "metric": f"peak extra memory, {memory['call']}, {case['name']}",
                "value": f"tracemalloc {_mib(memory['tracemalloc_peak_bytes'])}, resident set "
                         f"{'n/a' if rss is None else _mib(rss)}; one int array of E "
                         f"({memory['index_dtype']}) = {_mib(memory['int_array_of_E_bytes'])}",
                "target": "<= ~ one int array of E + O(n)", "met": None,
            })
    return rows


def _cold_rows(colds: list[dict]) -> list[dict]:
    rows = []
    for cold in colds:
        s = cold["steps"]
        extra = lambda step: _ms(s[f"{step}_first_s"] - s[f"{step}_warm_s"])  # noqa: E731
        rows.append({
            "metric": f"{cold['name']}: import, then what each first call costs over a warm one",
            "value": f"import {_ms(s['import_s'])}; as_graph +{extra('as_graph')}, "
                     f"strict +{extra('local_maxima_strict')}, plateau +{extra('local_maxima_plateau')}, "
                     f"hops=2 +{extra('local_maxima_hops2')}, grid +{extra('grid_local_maxima')}",
            "target": "reported", "met": None,
        })
    return rows


# -- tables -------------------------------------------------------------------------------------
def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _rate(per_s: float | None, unit: str) -> str:
    return "" if per_s is None else f"{per_s / 1e6:,.1f} {unit}"


def _mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.1f} MiB"


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _check(method: dict) -> str:
    text = {"baseline": "reference", "agrees": "same mask"}.get(method["status"], method["status"])
    return f"{text}: {method['note']}" if method["note"] else text


def case_rows(cases: list[dict], section: str) -> list[list[str]]:
    """Table rows of one section: a streaming row, then one row per method, for each case."""
    unit = "Medges/s" if section == "graph" else "Mpx/s"
    rows = []
    for case in cases:
        if case["section"] != section:
            continue
        if "methods" not in case:
            rows.append([case["name"], "", "", "", "", "", f"skipped: {case.get('skipped', '')}"])
            continue
        stream = case["stream"]
        rows.append([case["name"], f"stream limit: {stream['label']}", _ms(stream["best_s"]),
                     _rate(stream["rate_per_s"], unit), "", "1.00x", "reference"])
        for method in case["methods"]:
            rows.append(["", method["label"], _ms(method["best_s"]), _rate(method["rate_per_s"], unit)
                         if method["best_s"] else "", _x(method["ratio"]), _x(method["stream_multiple"]),
                         _check(method)])
    return rows


TABLE_HEADER = ["case", "method", "best time", "rate", "x graphmax", "x stream", "check"]


def format_text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def format_markdown_table(header: list[str], rows: list[list[str]]) -> str:
    escape = lambda v: str(v).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _headline_rows(report: dict) -> list[list[str]]:
    met = {True: "yes", False: "NO", None: ""}
    return [[r["metric"], r["value"], r["target"], met[r["met"]]] for r in report["headline"]]


def _cold_start_rows(report: dict) -> list[list[str]]:
    rows = []
    for cold in (c for c in report["cases"] if c["section"] == "cold start"):
        steps = cold["steps"]
        rows.append([cold["name"], "import graphmax", _ms(steps["import_s"]), "", ""])
        for step in (k.removesuffix("_first_s") for k in steps if k.endswith("_first_s")):
            first, warm = steps[f"{step}_first_s"], steps[f"{step}_warm_s"]
            rows.append([cold["name"], step, _ms(first), _ms(warm), _ms(first - warm)])
        rows.append([cold["name"], "whole subprocess (with interpreter start)", _ms(cold["process_wall_s"]), "", ""])
    return rows


COLD_HEADER = ["case", "step", "first call", "warm call (best of next 5)", "first-call extra"]


def _memory_table_rows(report: dict) -> list[list[str]]:
    rows = []
    for case in report["cases"]:
        for m in case.get("memory", []):
            rss = m["rss_peak_delta_bytes"]
            rows.append([case["name"], m["call"], _mib(m["tracemalloc_peak_bytes"]),
                         "n/a" if rss is None else _mib(rss), _mib(m["int_array_of_E_bytes"]),
                         _mib(m["values_bytes"]), m["rss_method"]])
    return rows


MEMORY_HEADER = ["case", "call", "tracemalloc peak", "resident set peak delta", "one int array of E",
                 "one float64 array of n", "resident set method"]


def _loop_note(report: dict) -> str:
    ms = report["settings"].get("min_sample_s", 0) * 1e3
    return f" (a sample loops calls shorter than {ms:g} ms and takes their mean)" if ms > 0 else ""


def render_text(report: dict) -> str:
    """The console report: headline, then every table."""
    parts = [f"graphmax speed benchmark ({'quick' if report['settings']['quick'] else 'full'}), "
             f"best of {report['settings']['repeat']}{_loop_note(report)}; threads {report['threads']}"]
    if _quiet_warning(report):
        parts.append(_quiet_warning(report))
    if report["headline"]:
        parts += ["", format_text_table(["headline", "measured", "target", "met"], _headline_rows(report))]
    for section in ("graph", "image"):
        rows = case_rows(report["cases"], section)
        if rows:
            parts += ["", format_text_table(TABLE_HEADER, rows)]
    if report.get("peaks"):
        from benchmarks import peaks

        parts += ["", peaks.format_table(report["peaks"])]
    if _memory_table_rows(report):
        parts += ["", format_text_table(MEMORY_HEADER, _memory_table_rows(report))]
    if _cold_start_rows(report):
        parts += ["", format_text_table(COLD_HEADER, _cold_start_rows(report))]
    return "\n".join(parts)


def render_markdown(report: dict) -> str:
    """speed.md: the same tables as the console, with the machine and the command line."""
    machine, threads = report["machine"], report["threads"]
    parts = [
        "# graphmax speed benchmark",
        "",
        f"Command: `{report['command']}`  ",
        f"Run: {report['started']} to {report['finished']}, best of {report['settings']['repeat']} "
        f"samples after a warm-up call{_loop_note(report)}; ratios are `method time / graphmax time` in the same run.  ",
        f"Machine: {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, "
        f"{_mib(machine['memory_total_bytes'] or 0)} memory, {machine['platform']}, Python {machine['python']}; "
        f"load average at start {machine['load_average']}, "
        f"CPUs busy with other work at start {machine['cpu_busy_at_start']}.  ",
        f"Threads: numba {threads['numba']} ({threads.get('numba_threading_layer')}), torch {threads['torch']}, "
        f"GraphBLAS {threads['graphblas']}; scipy, scikit-image and networkx are single-threaded.  ",
        f"Versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items() if v)}.",
        "",
        "What each case and column means: benchmarks/README.md.",
    ]
    if _quiet_warning(report):
        parts += ["", f"**{_quiet_warning(report)}**"]
    if report["headline"]:
        parts += ["", "## Headline", ""]
        if report["settings"]["quick"]:
            parts += ["The targets are for the full-size inputs; on `--quick` inputs the ratios mean little.", ""]
        parts += [format_markdown_table(["metric", "measured", "target", "met"], _headline_rows(report))]
    titles = {"graph": "Graphs (rate: stored directed edges per second)",
              "image": "Images (rate: pixels per second)"}
    for section, title in titles.items():
        rows = case_rows(report["cases"], section)
        if rows:
            parts += ["", f"## {title}", "", format_markdown_table(TABLE_HEADER, rows)]
    if report.get("peaks"):
        from benchmarks import peaks

        parts += ["", "## Peaks: grid.find_peaks vs skimage.feature.peak_local_max, and prominence", "",
                  "Coordinates compared (identical) before timing; speedup = peer time / graphmax time.", "",
                  peaks.format_table(report["peaks"])]
    if _memory_table_rows(report):
        parts += ["", "## Peak extra memory", "", format_markdown_table(MEMORY_HEADER, _memory_table_rows(report))]
    if _cold_start_rows(report):
        parts += ["", "## Cold start (fresh interpreter)", "",
                  format_markdown_table(COLD_HEADER, _cold_start_rows(report))]
    plots = [name for name in ("speed_graphs.png", "speed_images.png") if name in report.get("plots", [])]
    if plots:
        parts += ["", "## Plots", ""] + [f"![{name}]({name})" for name in plots]
    return "\n".join(parts) + "\n"


# -- plots --------------------------------------------------------------------------------------
_GRAPH_PLOT_METHODS = ("graphmax", "graphmax-raw", "graphblas", "numpy", "pyg", "networkx", "networkx-max")


def plot_graphs(cases: list[dict], path: Path) -> bool:
    """Time vs edges (log-log), one panel per family, one line per method: 1-hop strict cases.

    Returns False when there is nothing to plot.
    """
    from matplotlib.figure import Figure

    chosen = [c for c in cases if c["section"] == "graph" and c["case"]["hops"] == 1
              and c["case"]["mode"] == "strict" and c["case"]["values"] == "uniform"]
    families = sorted({c["case"]["family"] for c in chosen})
    if not families:
        return False
    fig = Figure(figsize=(5.5 * min(len(families), 2), 4.2 * math.ceil(len(families) / 2)), layout="constrained")
    axes = fig.subplots(math.ceil(len(families) / 2), min(len(families), 2), squeeze=False).ravel()
    for ax, family in zip(axes, families):
        rows = sorted((c for c in chosen if c["case"]["family"] == family), key=lambda c: c["edges"])
        for key in _GRAPH_PLOT_METHODS:
            points = [(c["edges"], _method(c, key)) for c in rows if _method(c, key)]
            if points:
                ax.plot([e for e, _ in points], [m["best_s"] for _, m in points], marker="o",
                        label=points[0][1]["label"], linewidth=2.5 if key == "graphmax" else 1.2)
        ax.plot([c["edges"] for c in rows], [c["stream"]["best_s"] for c in rows], "k--", marker=".",
                label="stream limit: one parallel read of indices")
        ax.set(xscale="log", yscale="log", xlabel="stored directed edges", ylabel="best time (s)",
               title=f"{family}: 1-hop strict maxima")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(families):]:
        ax.set_visible(False)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    return True


def plot_images(cases: list[dict], path: Path) -> bool:
    """Bar chart of image timings: one panel per mode, one bar per method, log time axis.

    Returns False when there is nothing to plot.
    """
    from matplotlib.figure import Figure

    chosen = [c for c in cases if c["section"] == "image" and c.get("methods")]
    modes = [m for m in ("plateau", "nonstrict", "strict") if any(c["case"]["mode"] == m for c in chosen)]
    if not modes:
        return False
    rows = max(sum(c["case"]["mode"] == mode for c in chosen) for mode in modes)
    fig = Figure(figsize=(5 * len(modes), 0.45 * rows + 2), layout="constrained")
    for ax, mode in zip(fig.subplots(1, len(modes), squeeze=False)[0], modes):
        _image_panel(ax, [c for c in chosen if c["case"]["mode"] == mode], mode)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    return True


def _image_panel(ax, cases: list[dict], mode: str) -> None:
    keys = list(dict.fromkeys(m["key"] for c in cases for m in c["methods"] if m["best_s"]))
    labels = {m["key"]: m["label"] for c in cases for m in c["methods"]}
    labels["graphmax"] = f"graphmax grid.local_maxima(mode={mode!r})"
    height = 0.8 / len(keys)
    for i, key in enumerate(keys):
        found = [(row, _method(c, key)) for row, c in enumerate(cases) if _method(c, key)]
        ax.barh([row + i * height for row, _ in found], [m["best_s"] * 1e3 for _, m in found],
                height=height, label=labels[key])
    names = [c["name"].removeprefix("image ").removesuffix(" " + mode) for c in cases]
    ax.set_yticks([row + (len(keys) - 1) * height / 2 for row in range(len(cases))], names, fontsize=7)
    ax.invert_yaxis()
    ax.set(xscale="log", xlabel="best time (ms)", title=f"images, {mode} maxima")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(cases) > 3 else -0.25))


def write_plots(cases: list[dict], out: Path) -> list[str]:
    """Write the plots that have data; remove an older run's plot that this run has no data for."""
    written = []
    for name, plot in (("speed_graphs.png", plot_graphs), ("speed_images.png", plot_images)):
        if plot(cases, out / name):
            written.append(name)
        else:
            (out / name).unlink(missing_ok=True)
    return written


# -- files --------------------------------------------------------------------------------------
def write_json(report: dict, path: Path) -> None:
    write_text(path, json.dumps(report, indent=1, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (Path, tuple)):
        return str(value) if isinstance(value, Path) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# -- command line -------------------------------------------------------------------------------
def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Time graphmax's local maxima against PyG, GraphBLAS, numpy, networkx, scipy and "
        "scikit-image on graphs and images. Every peer's mask is checked against graphmax's before "
        "it is timed.",
        epilog="Results: speed.json, speed.md and PNG plots in --out. See benchmarks/README.md.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="CI-sized inputs (~1e4 nodes, 256x256 images), one repeat")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the results (default: benchmarks/results for a full run; a quick or "
                        "partial run -- --quick, --cases, --max-nodes -- writes no file unless --out is given)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed repeats per method, best kept (default: 3, or 1 with --quick)")
    parser.add_argument("--min-sample-ms", type=float, default=None, metavar="MS",
                        help="a timed sample loops a call shorter than this (default: 20, or 0 with --quick)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numba, torch and GraphBLAS (default: each library's own)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no tables")
    parser.add_argument("--max-nodes", type=int, default=None, metavar="N",
                        help="skip graph cases with more than N nodes (a smoke test of the full plan)")
    parser.add_argument("--cases", action="append", default=[], metavar="TEXT",
                        help="run only cases whose name contains TEXT (repeatable; case-insensitive)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every generated input (default 0)")
    return parser


def _settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    import numba

    repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    if repeat < 1:
        parser.error(f"--repeat must be >= 1, got {repeat}")
    min_sample_ms = args.min_sample_ms if args.min_sample_ms is not None else (0.0 if args.quick else 20.0)
    if not 0 <= min_sample_ms <= 1000:
        parser.error(f"--min-sample-ms must be in 0..1000, got {min_sample_ms}")
    if args.threads is not None and not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
        parser.error(
            f"--threads must be in 1..{numba.config.NUMBA_NUM_THREADS} (NUMBA_NUM_THREADS), got {args.threads}"
        )
    if args.max_nodes is not None and args.max_nodes < 1:
        parser.error(f"--max-nodes must be >= 1, got {args.max_nodes}")
    partial = args.quick or bool(args.cases) or args.max_nodes is not None
    return Settings(
        quick=args.quick, repeat=repeat, min_sample_s=min_sample_ms / 1e3, threads=args.threads,
        out=results_folder(args.out, partial=partial, default=DEFAULT_OUT), quiet=args.quiet, max_nodes=args.max_nodes, cases=tuple(args.cases), seed=args.seed,
    )


def _progress(cases: list, quiet: bool):
    """A tqdm bar over `cases` on a terminal; the plain list otherwise."""
    if quiet or not sys.stderr.isatty():
        return cases
    try:
        from tqdm import tqdm
    except ImportError:
        return cases
    return tqdm(cases, desc="speed", unit="case", dynamic_ncols=True)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def main(argv: list[str] | None = None, *, prog: str = PROG) -> int:
    """Run the speed suite; return 0, or 1 when a peer disagreed with graphmax.

    Parameters
    ----------
    argv : list of str or path-like, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    prog : str
        How the command was invoked, for usage messages and the recorded
        command line (e.g. ``"graphmax bench speed"``).

    Returns
    -------
    int
        The exit status: 0 on success, 1 when a peer disagreed (usage errors
        exit with status 2 through argparse).
    """
    parser = build_parser(prog)
    argv = sys.argv[1:] if argv is None else [os.fspath(a) for a in argv]
    settings = _settings(parser, parser.parse_args(argv))
    report = _new_report(settings, argv, prog)
    try:
        _run_cases(report, settings)
        _run_peaks(report, settings)
    except PeerMismatch as err:
        report["error"] = str(err)
        _save_progress(report, settings)
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    _finish(report, settings)
    return 0


def _new_report(settings: Settings, argv: list[str], prog: str) -> dict:
    """The report before any case: command line, machine, versions, thread counts."""
    return {
        "schema": SCHEMA,
        "complete": False,
        "command": " ".join([prog] + [shlex.quote(a) for a in argv]),
        "argv": argv,
        "started": _now(),
        "finished": None,
        "settings": {**asdict(settings), "out": None if settings.out is None else str(settings.out)},
        "machine": machine_info(),
        "versions": package_versions(),
        "git": git_state(),
        "threads": apply_threads(settings.threads),
        "cases": [],
        "headline": [],
        "error": None,
    }


def _run_cases(report: dict, settings: Settings) -> None:
    """Run every planned case into ``report["cases"]``, saving the JSON after each one."""
    inputs = Inputs(settings)
    progress = _progress(plan(settings), settings.quiet)
    try:
        for case in progress:
            if hasattr(progress, "set_postfix_str"):
                progress.set_postfix_str(case.name)
            report["cases"].append(RUNNERS[case.section](case, inputs, settings))
            _save_progress(report, settings)  # an interrupted run keeps what it measured
    finally:
        if hasattr(progress, "close"):
            progress.close()


def _run_peaks(report: dict, settings: Settings) -> None:
    """grid.find_peaks vs peak_local_max and prominence (`benchmarks.peaks`), when scikit-image is installed."""
    try:
        import skimage  # noqa: F401  (is the peer installed?)
    except ImportError:
        report["peaks"] = []
        report["peaks_note"] = "scikit-image not installed: grid.find_peaks not compared"
        return
    from benchmarks import peaks

    try:
        report["peaks"] = peaks.run(settings.quick, repeat=settings.repeat, seed=settings.seed)
    except peaks.PeakMismatch as err:
        raise PeerMismatch(f"peaks: {err}") from None


def _save_progress(report: dict, settings: Settings) -> None:
    """The report so far, in ``speed.partial.json`` beside the results (never over ``speed.json``)."""
    if settings.out is not None:
        write_json(report, settings.out / PARTIAL_NAME)


def _finish(report: dict, settings: Settings) -> None:
    """Headline, plots, the final JSON and Markdown; the tables on the console.

    The result files are written only here, when every case has run; a run
    without an output folder (quick or partial, no --out) prints and writes nothing.
    """
    report["threads"]["numba_threading_layer"] = _numba_threading_layer()
    report["headline"] = headline(report["cases"]) + _peaks_headline(report.get("peaks", []))
    report["finished"] = _now()
    report["complete"] = True
    out = settings.out
    if out is not None:
        report["plots"] = write_plots(report["cases"], out)
        write_json(report, out / "speed.json")
        write_text(out / "speed.md", render_markdown(report))
        (out / PARTIAL_NAME).unlink(missing_ok=True)
    if not settings.quiet:
        print(render_text(report))
        if out is None:
            print("\nwrote no file (a quick or partial run); pass --out FOLDER to save the results")
        else:
            print(f"\nwrote speed.json, speed.md and {', '.join(report['plots']) or 'no plots'} in {out}")


if __name__ == "__main__":
    raise SystemExit(main())
