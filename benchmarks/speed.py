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
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

import graphmax as gm
from graphmax import grid

from . import peers
from ._common import results_folder, stream_sum, write_text
from ._families import BATCH_GRAPH_NODES, GRAPH_FAMILIES, node_values, undirected  # noqa: F401  (undirected: tests)
from ._machine import apply_threads, git_state, machine_info, numba_threading_layer, package_versions
from ._measure import Contender, PeerMismatch, annotate, best_time, measure
from ._memory import memory_profile
from ._speed_report import headline, peaks_headline, render_markdown, render_text, write_json, write_plots

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
    family : {"random", "power-law", "grid", "geometric", "karate", "batch"}
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
    out_of_cache : bool
        A graph far larger than the last-level cache (issue 17): the headline's
        columns again, so that the headline is not a cache artefact.
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
    out_of_cache: bool = False

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
            GraphCase("karate", 34, 4),
            GraphCase("batch", 300 * 30, 4),
            GraphCase("random", 20_000, 16, out_of_cache=True),  # the report's path only: 20k fits in cache
        ]
    cases = [GraphCase("random", 1_000, 16), GraphCase("random", 10_000, 16), GraphCase("random", 100_000, 4)]
    for n, is_headline in ((100_000, False), (1_000_000, True)):
        head = dict(family="random", n=n, degree=16)
        cases += [
            GraphCase(**head, headline=is_headline, memory=is_headline),
            GraphCase(**head, hops=2, memory=is_headline),
            GraphCase(**head, hops=3, memory=is_headline),
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
    cases += [GraphCase("karate", 34, 4)]  # one call on a small prepared graph (issue 17)
    cases += [GraphCase("batch", 5000 * 30, 4)]  # a PyG Batch of 5,000 graphs of 30 nodes (issue 17)
    # 8M nodes / 128M stored edges: 512 MB of int32 indices, far past the last-level cache (issue 17).
    cases += [GraphCase("random", 8_000_000, 16, out_of_cache=True)]
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
        if case.headline:
            raw32 = raw.astype(np.float32)  # the data users often build: float32
            contenders.append(
                Contender("graphmax-raw-f32", "graphmax from a raw scipy CSR of float32 data", "variant",
                          lambda: gm.local_maxima(raw32, x, mode="strict"), matches=call)
            )
        edge_index = _edge_index(g)
        if edge_index is not None:
            contenders.append(
                Contender("graphmax-edge-index", "graphmax on a PyG edge_index (one call, no Graph built)", "variant",
                          lambda: gm.local_maxima(edge_index, x, mode="strict"), matches=call)
            )
        batch = _pyg_batch(g, edge_index) if case.family == "batch" else None
        if batch is not None:
            contenders.append(
                Contender("graphmax-batch", "graphmax on the PyG Batch (one call, no Graph built)", "variant",
                          lambda: gm.local_maxima(batch, x, mode="strict"), matches=call)
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


def _pyg_batch(g: gm.Graph, edge_index):
    """The batch graph as the PyG ``Batch`` a DataLoader yields (None without PyG)."""
    if edge_index is None or peers.missing("torch_geometric"):
        return None
    from torch_geometric.data import Batch, Data

    size = BATCH_GRAPH_NODES
    owner = edge_index[1] // size
    order = owner.argsort(stable=True)
    counts = owner.bincount(minlength=g.n // size).tolist()
    parts = edge_index[:, order].split(counts, dim=1)
    return Batch.from_data_list([Data(edge_index=p - i * size, num_nodes=size) for i, p in enumerate(parts)])


def _edge_index(g: gm.Graph):
    """The ``(2, E)`` int64 tensor ``[neighbour, node]`` that the PyG peer scatters over
    (None without torch): the input a PyG user holds."""
    if peers.missing("torch"):
        return None
    import torch

    csr = peers.CSR(g.n, *g.neighbors("both")[:2])
    return torch.from_numpy(np.stack([csr.indices.astype(np.int64), csr.rows()]))


def run_graph_case(case: GraphCase, inputs: Inputs, settings: Settings) -> dict:
    """Time graphmax and the case's peers on one generated graph."""
    g, build_s = inputs.graph(case)
    indptr, indices, _ = g.neighbors("both")
    csr = peers.CSR(g.n, indptr, indices)
    x = node_values(case.values, g.n, _rng(settings, f"{case.graph_key} {case.values}"))
    distinct = _distinct(x)
    options = peers.Options(hops=case.hops, distinct=distinct)
    contenders = _graphmax_contenders(case, g, x, distinct)
    contenders += [peer_contender(peers.GRAPH_PEERS[key], csr, options, x) for key in case.peer_keys]
    records = measure(case.name, contenders, settings.repeat, settings.min_sample_s)
    stream_s = best_time(lambda: stream_sum(indices), settings.repeat, settings.min_sample_s)
    annotate(records, csr.num_edges, stream_s)
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
    annotate(records, image.size, stream_s)
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

# The user's first call (issue 17's row): a networkx graph of 34 nodes, converted on every call.
import networkx as nx
karate = nx.karate_club_graph()
karate_x = rng.random(karate.number_of_nodes())
first_and_warm("karate", lambda: graphmax.local_maxima(karate, karate_x))
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
    stdout, wall_s = _timed_process([sys.executable, "-c", _COLD_START_SCRIPT], env, f"{case.name}: the subprocess",
                                    empty_cache=case.cache == "empty", timeout=900)
    steps = json.loads(stdout.strip().splitlines()[-1])
    result = {"section": "cold start", "name": case.name, "case": asdict(case), "process_wall_s": wall_s,
              "steps": steps}
    if case.cache == "empty":
        result["warmup"] = _warmup_walls(env)
    return result


def _warmup_walls(env: dict) -> dict:
    """``graphmax warmup`` from an empty numba cache, whole process: in one process, then
    one process per usable CPU (its default), each run with a cache of its own."""
    from graphmax._warmup import usable_cpus

    return {
        str(jobs): _timed_process([sys.executable, "-m", "graphmax", "warmup", "--quiet", "--jobs", str(jobs)], env,
                                  f"graphmax warmup --jobs {jobs}", empty_cache=True, timeout=1800)[1]
        for jobs in sorted({1, usable_cpus()})
    }


def _timed_process(args: list, env: dict, label: str, *, empty_cache: bool, timeout: float) -> tuple[str, float]:
    """Run `args` in a fresh process (with ``NUMBA_CACHE_DIR`` on a new empty folder when
    `empty_cache`): its stdout and wall seconds; RuntimeError naming `label` if it fails."""
    with tempfile.TemporaryDirectory(prefix="graphmax-numba-cache-") as empty:
        start = time.perf_counter()
        proc = subprocess.run(args, env={**env, "NUMBA_CACHE_DIR": empty} if empty_cache else env,
                              capture_output=True, text=True, timeout=timeout)
        wall_s = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout, wall_s


RUNNERS = {"graph": run_graph_case, "image": run_image_case, "cold start": run_cold_start}


# -- the machine --------------------------------------------------------------------------------


# -- the headline -------------------------------------------------------------------------------


# -- tables -------------------------------------------------------------------------------------


# -- plots --------------------------------------------------------------------------------------


# -- files --------------------------------------------------------------------------------------


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
    report["threads"]["numba_threading_layer"] = numba_threading_layer()
    report["headline"] = headline(report["cases"]) + peaks_headline(report.get("peaks", []))
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
