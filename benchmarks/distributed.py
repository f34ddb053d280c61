"""Scale-out benchmark: graphmax.distributed on a graph larger than its workers' memory.

Generates, in chunks, a random graph as Parquet files (uniform random
endpoints, float values: the worst case for locality) and runs, on a Dask
LocalCluster of worker processes with one thread each:

1. the *big* graph (default 201M edges, 10M nodes) on 2 workers whose memory
   limits add up to less than the edge list: throughput and peak memory per
   worker;
2. a *medium* graph (default 16M edges, 1M nodes, the size the issue quotes)
   that fits in memory: graphmax on 1 and 2 workers (scaling), the plain
   Dask pipeline a user writes first (read, drop self-loops, both
   directions, merge with the values, groupby-max by target, compare), and
   the in-memory `graphmax.local_maxima` on the same edges.

Every answer is checked against the in-memory one on the medium graph, and
on the big graph (which does not fit in memory) node for node against a
streaming numpy reference (a max of neighbour values file by file; with float
values no two neighbours are equal, which the reference checks, so the
plateau maxima are the strict ones). It also measures the memory per node of
each mode (tracemalloc peak of a one-thread run on the medium graph) and
records the machine's load and thread counts (`benchmarks._machine`). ``--quick`` runs
tiny sizes in-process, checks, prints, and writes nothing (see
`benchmarks._common.results_folder`).

    python -m benchmarks.distributed --workdir DIR --keep   # full run (generates ~2.4 GB of Parquet in DIR; minutes)
    python -m benchmarks.distributed --quick    # seconds; correctness only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import results_folder, write_text
from benchmarks._machine import apply_threads, git_state, machine_info, package_versions, quiet_warning

PROG = "python -m benchmarks.distributed"
RESULTS = Path(__file__).parent / "results"

# The big graph runs on workers capped at `memory_per_worker`; the medium one on roomier
# workers, so that the plain Dask pipeline (which shuffles the edge list) is not starved.
FULL = {"big_edges": 48 * 2**22, "big_nodes": 10_000_000, "medium_edges": 2**24, "medium_nodes": 2**20,
        "file_edges": 2**22, "memory_per_worker": "1GB", "medium_memory_per_worker": "4GB"}
QUICK = {"big_edges": 2**16, "big_nodes": 5_000, "medium_edges": 2**15, "medium_nodes": 3_000,
         "file_edges": 2**13, "memory_per_worker": "1GB", "medium_memory_per_worker": "1GB"}


# -- data -------------------------------------------------------------------------------------------
def generate(folder, n_edges, n_nodes, file_edges, seed):
    """Write ``folder/edges/part-*.parquet`` (src, dst int64) and ``folder/values.parquet``
    (node, value float64) chunk by chunk; reuse a complete earlier copy."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    if (folder / "DONE").exists():
        return folder
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "edges").mkdir(parents=True)
    for i, start in enumerate(range(0, n_edges, file_edges)):
        rng = np.random.default_rng([seed, i])
        size = min(file_edges, n_edges - start)
        table = pa.table({"src": rng.integers(0, n_nodes, size), "dst": rng.integers(0, n_nodes, size)})
        pq.write_table(table, tmp / "edges" / f"part-{i:05d}.parquet")
    rng = np.random.default_rng([seed, 2**31])
    pq.write_table(pa.table({"node": np.arange(n_nodes), "value": rng.random(n_nodes)}), tmp / "values.parquet",
                   row_group_size=2**20)
    (tmp / "DONE").write_text("")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


def load_in_memory(folder):
    import pyarrow.parquet as pq

    edges = pq.read_table(Path(folder) / "edges")
    values = pq.read_table(Path(folder) / "values.parquet")
    return (edges["src"].to_numpy(), edges["dst"].to_numpy(), values["value"].to_numpy())


# -- the contenders ---------------------------------------------------------------------------------
def graphmax_dask(folder, client, mode):
    from graphmax import distributed

    result = distributed.local_maxima(str(Path(folder) / "edges"), str(Path(folder) / "values.parquet"),
                                      mode=mode, client=client)
    return result.compute()


def naive_dask(folder, client):
    """Strict 1-hop maxima as the plain Dask DataFrame pipeline a user writes first."""
    import dask.dataframe as dd

    edges = dd.read_parquet(str(Path(folder) / "edges"))
    values = dd.read_parquet(str(Path(folder) / "values.parquet"))
    edges = edges[edges["src"] != edges["dst"]]
    both = dd.concat([edges, edges.rename(columns={"src": "dst", "dst": "src"})])
    with_source = both.merge(values, left_on="src", right_on="node")
    best = with_source.groupby("dst")["value"].max().rename("best").to_frame()
    joined = values.merge(best, left_on="node", right_index=True, how="left")
    maxima = joined[joined["value"] > joined["best"]]["node"]
    return np.sort(client.compute(maxima, sync=True).to_numpy())


def streaming_reference(folder):
    """Strict 1-hop maxima of `folder`'s graph, file by file with numpy (never the whole
    edge list): a node wins when its value beats every neighbour's. Raises if two
    neighbours have equal values (then plateau and strict maxima could differ)."""
    import pyarrow.parquet as pq

    x = pq.read_table(Path(folder) / "values.parquet")["value"].to_numpy()
    best = np.full(x.shape[0], -np.inf)
    for path in sorted((Path(folder) / "edges").iterdir()):
        table = pq.read_table(path)
        src, dst = table["src"].to_numpy(), table["dst"].to_numpy()
        keep = src != dst
        src, dst = src[keep], dst[keep]
        if np.any(x[src] == x[dst]):
            raise RuntimeError(f"{path}: an edge joins two equal values; the strict reference does not apply")
        np.maximum.at(best, dst, x[src])
        np.maximum.at(best, src, x[dst])
    return np.flatnonzero((x > best) & (best > -np.inf))


def node_state_bytes(folder, n):
    """Peak Python-heap bytes per node of each route on `folder`, run in one thread
    (Dask's synchronous scheduler: one process does every task, as one worker would)."""
    import tracemalloc

    from graphmax import distributed

    out = {}
    for mode, hops in (("strict", 1), ("plateau", 1), ("strict", 2), ("plateau", 2)):
        result = distributed.local_maxima(str(Path(folder) / "edges"), str(Path(folder) / "values.parquet"),
                                          mode=mode, hops=hops)
        result.delayed.compute(scheduler="sync")  # kernels loaded before measuring
        tracemalloc.start()
        try:
            result.delayed.compute(scheduler="sync")
            out[f"{mode}, hops={hops}"] = tracemalloc.get_traced_memory()[1] / n
        finally:
            tracemalloc.stop()
    return out


def _rss():
    import psutil

    return psutil.Process().memory_info().rss


def in_memory(src, dst, x, mode):
    import scipy.sparse as sp

    import graphmax

    n = x.shape[0]
    coo = sp.coo_matrix((np.ones(src.shape[0]), (src, dst)), shape=(n, n))
    return np.flatnonzero(graphmax.local_maxima(coo, x, mode=mode))


# -- measuring --------------------------------------------------------------------------------------
def cluster(workers, memory, quick):
    import distributed

    if quick:
        return distributed.LocalCluster(processes=False, n_workers=workers, threads_per_worker=1,
                                        dashboard_address=":0")
    return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, memory_limit=memory,
                                    dashboard_address=":0")


def _peak_rss():
    """This process's peak resident memory: Linux's VmHWM (ru_maxrss is no good here: a
    worker's ru_maxrss starts at its parent's RSS at fork time -- the driver's, 1.5 GiB in
    a run that measured the same 1.53 GiB on both workers)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def check(got, want, who):
    if not np.array_equal(got, want):
        raise RuntimeError(f"{who} found {got.shape[0]} maxima where the in-memory call finds {want.shape[0]}")


def timed(call, repeats=1):
    """``(best seconds of `repeats` calls, the last call's answer)``: the best of a few runs
    is the least disturbed by other work on a shared machine."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        out = call()
        best = min(best, time.perf_counter() - start)
    return best, out


REPEATS = 3  # runs per medium-graph contender (the big graph runs once)


def warm(client, folder):
    """One untimed run of each mode on `folder`: every worker loads the kernels (numba's
    disk cache) and the Parquet reader before anything is timed."""
    for mode in ("plateau", "strict"):
        graphmax_dask(folder, client, mode)


def run(sizes, seed, workdir, quick, log=print):
    import distributed

    report = {"sizes": sizes, "seed": seed, "cpus": os.cpu_count(), "load_before": os.getloadavg(),
              "machine": machine_info(), "versions": package_versions(), "git": git_state(),
              "threads": {"driver (in-memory call)": apply_threads(None), "per worker": 1}}
    medium = generate(Path(workdir) / f"medium-{sizes['medium_edges']}-{sizes['medium_nodes']}-{seed}",
                      sizes["medium_edges"], sizes["medium_nodes"], max(1, sizes["file_edges"] // 4), seed)
    big = generate(Path(workdir) / f"big-{sizes['big_edges']}-{sizes['big_nodes']}-{seed}",
                   sizes["big_edges"], sizes["big_nodes"], sizes["file_edges"], seed)
    src, dst, x = load_in_memory(medium)
    e_medium = int(src.shape[0])
    want = {mode: in_memory(src, dst, x, mode) for mode in ("strict", "plateau")}
    t_mem = timed(lambda: in_memory(src, dst, x, "strict"), REPEATS)[0]
    t_mem_read = timed(lambda: in_memory(*load_in_memory(medium), "strict"), REPEATS)[0]
    del src, dst
    report["repeats"] = REPEATS
    medium_rows = {"in-memory graphmax.local_maxima (arrays in RAM)": t_mem,
                   "in-memory, reading the Parquet files too": t_mem_read}
    for workers in (1, 2):
        with cluster(workers, sizes["medium_memory_per_worker"], quick) as c, distributed.Client(c) as client:
            warm(client, medium)
            for mode in ("strict", "plateau"):
                t, got = timed(lambda: graphmax_dask(medium, client, mode), REPEATS)
                check(got, want[mode], f"graphmax.distributed {mode}")
                medium_rows[f"graphmax.distributed {mode}, {workers} worker(s)"] = t
                log(f"medium, {workers} worker(s), {mode}: {t:.2f} s ({e_medium / t / 1e6:.2f} M edges/s)")
            if workers == 2:
                t, got = timed(lambda: naive_dask(medium, client), REPEATS)
                check(got, want["strict"], "the plain Dask pipeline")
                medium_rows["plain Dask pipeline (strict), 2 workers"] = t
                log(f"medium, plain Dask pipeline: {t:.2f} s ({e_medium / t / 1e6:.2f} M edges/s)")
    report["medium"] = {"edges": e_medium, "nodes": sizes["medium_nodes"], "seconds": medium_rows,
                        "bytes_per_node": node_state_bytes(medium, sizes["medium_nodes"])}
    e_big = sizes["big_edges"]
    edge_bytes = sum(p.stat().st_size for p in (big / "edges").iterdir())
    with cluster(2, sizes["memory_per_worker"], quick) as c, distributed.Client(c) as client:
        warm(client, medium)
        limits = [w["memory_limit"] for w in client.scheduler_info()["workers"].values()]
        idle = list(client.run(_rss).values())
        before = sorted(client.scheduler_info()["workers"])
        t, got = timed(lambda: graphmax_dask(big, client, "plateau"))
        peaks = list(client.run(_peak_rss).values())
        restarted = sorted(client.scheduler_info()["workers"]) != before
        log(f"big ({e_big:,} edges): {t:.1f} s, {e_big / t / 1e6:.2f} M edges/s, peak RSS per worker "
            f"{[f'{p / 2**30:.2f} GiB' for p in peaks]}")
    check(got, streaming_reference(big), "graphmax.distributed on the big graph")
    report["big"] = {"edges": e_big, "nodes": sizes["big_nodes"], "seconds": t, "maxima": int(got.shape[0]),
                     "edge_list_bytes_in_memory": 16 * e_big, "parquet_bytes": edge_bytes,
                     "worker_memory_limits": limits, "worker_peak_rss": peaks, "worker_rss_before": idle,
                     "worker_restarted": restarted, "checked": "node for node against streaming_reference"}
    report["load_after"] = os.getloadavg()
    return report


# -- reporting --------------------------------------------------------------------------------------
def summary(report):
    med = report["medium"]
    s = med["seconds"]
    e = med["edges"]
    ours = s["graphmax.distributed strict, 2 worker(s)"]
    lines = [
        f"## Medium graph: {e:,} edges, {med['nodes']:,} nodes (fits in memory; workers of "
        f"{report['sizes']['medium_memory_per_worker']}, one thread each; best of {report['repeats']} runs)", "",
        "| contender | seconds | M edges/s |", "|---|---|---|",
    ]
    lines += [f"| {name} | {t:.2f} | {e / t / 1e6:.2f} |" for name, t in s.items()]
    lines += [
        "",
        f"- graphmax.distributed vs the plain Dask pipeline (strict, 2 workers): "
        f"**{s['plain Dask pipeline (strict), 2 workers'] / ours:.1f}x** the throughput",
        f"- 1 -> 2 workers (strict): **{s['graphmax.distributed strict, 1 worker(s)'] / ours:.2f}x**; "
        f"(plateau): **{s['graphmax.distributed plateau, 1 worker(s)'] / s['graphmax.distributed plateau, 2 worker(s)']:.2f}x**",
        f"- ratio to the in-memory call: {ours / s['in-memory graphmax.local_maxima (arrays in RAM)']:.1f}x its time "
        f"({ours / s['in-memory, reading the Parquet files too']:.1f}x with its Parquet reading)",
        "", "Memory per node, one thread running every task (tracemalloc peak / nodes; plus the "
        "worker process itself, below):", "",
        "| route | bytes per node |", "|---|---|",
    ]
    lines += [f"| {name} | {b:.0f} |" for name, b in med["bytes_per_node"].items()]
    big = report["big"]
    lines += [
        "", f"## Big graph: {big['edges']:,} edges, {big['nodes']:,} nodes, plateau mode, 2 workers", "",
        f"- edge list: {big['edge_list_bytes_in_memory'] / 2**30:.2f} GiB as int64 pairs "
        f"({big['parquet_bytes'] / 2**30:.2f} GiB of Parquet); worker memory limits "
        f"{[f'{m / 2**30:.2f} GiB' for m in big['worker_memory_limits']]} (together "
        f"{sum(big['worker_memory_limits']) / 2**30:.2f} GiB)",
        f"- completed in {big['seconds']:.1f} s: **{big['edges'] / big['seconds'] / 1e6:.2f} M edges/s**, "
        f"{big['maxima']:,} maxima",
        f"- peak RSS per worker: {[f'{p / 2**30:.2f} GiB' for p in big['worker_peak_rss']]} "
        f"(after warm-up, before the run: {[f'{p / 2**30:.2f} GiB' for p in big['worker_rss_before']]}); "
        f"a worker restarted: {big['worker_restarted']}",
        f"- answer checked {big['checked']} ({big['maxima']:,} maxima)",
        "", f"CPUs: {report['cpus']}; load average before {report['load_before']}, after {report['load_after']}; "
        f"CPU busy with other work at start: {report['machine']['cpu_busy_at_start']}; threads: {report['threads']}",
    ]
    warning = quiet_warning(report)
    if warning or max(report["load_before"][0], report["load_after"][0]) > 0.5 * report["cpus"]:
        lines += ["", f"**Busy machine**: {warning or 'load average above half the CPUs'}; timings are inflated "
                  "and the scaling figures understated."]
    return "\n".join(lines)


def plot(report, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    med = report["medium"]
    names = list(med["seconds"])
    rates = [med["edges"] / med["seconds"][k] / 1e6 for k in names]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.barh(range(len(names)), rates, color="#4c72b0")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("million edges per second (higher is better)")
    big = report["big"]
    ax.set_title(f"{med['edges'] / 1e6:.0f}M edges; big graph {big['edges'] / 1e6:.0f}M edges on 2 capped workers: "
                 f"{big['edges'] / big['seconds'] / 1e6:.1f} M edges/s", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    import logging

    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)  # one warning per shuffle of the plain pipeline
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, in-process workers; writes no file")
    parser.add_argument("--out", default=None, help="results folder (default: benchmarks/results for a full run)")
    parser.add_argument("--workdir", default=None, help="where the generated Parquet goes (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated Parquet for the next run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="graphmax-bench-distributed-"))
    try:
        report = run(sizes, args.seed, workdir, args.quick)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = summary(report)
    print(text)
    out = results_folder(args.out, partial=args.quick, default=RESULTS)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_text(out / "distributed.json", json.dumps(report, indent=1) + "\n")
        write_text(out / "distributed.md", f"# Scale-out benchmark (`{PROG}`)\n\n{text}\n")
        plot(report, out / "distributed.png")
        print(f"wrote {out}/distributed.{{json,md,png}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
