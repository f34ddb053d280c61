"""Memory of the Dask path: a pass holds its per-node state plus one batch of edges,
whatever the size of the Parquet files (docs/distributed.md, "Memory model")."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

import graphmax as gm

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from graphmax import distributed as gd  # noqa: E402
from graphmax.distributed import _inputs  # noqa: E402

N = 50_000
E_PER_FILE = 1_000_000
FILES = 2


@pytest.fixture(scope="module")
def graph_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("memory")
    (folder / "edges").mkdir()
    rng = np.random.default_rng(0)
    src, dst = [], []
    for i in range(FILES):  # one row group of 500k edges (8 MB of int64 pairs) per file
        s, t = rng.integers(0, N, E_PER_FILE), rng.integers(0, N, E_PER_FILE)
        pd.DataFrame({"src": s, "dst": t}).to_parquet(folder / "edges" / f"part-{i}.parquet", row_group_size=E_PER_FILE)
        src.append(s)
        dst.append(t)
    x = rng.integers(0, 1000, N).astype(float)  # ties: equal-valued edges, plateaus
    pd.DataFrame({"node": np.arange(N), "value": x}).to_parquet(folder / "values.parquet")
    graph = gm.from_edges(np.stack([np.concatenate(src), np.concatenate(dst)], axis=1), n=N)
    return folder, graph, x


@pytest.mark.parametrize("mode", ["plateau", "strict"])
def test_a_pass_holds_one_batch_of_edges(graph_files, monkeypatch, mode):
    """Peak Python-heap memory of a whole computation on an in-process cluster, with
    batches of 2**15 edges: O(n) node state plus a batch. The partition-at-a-time code
    held each file's endpoints as index copies (~16 bytes per edge: 32+ MB here)."""
    folder, graph, x = graph_files
    monkeypatch.setattr(_inputs, "BATCH_ROWS", 2**15, raising=False)
    cluster = distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0")
    with cluster, distributed.Client(cluster) as client:
        result = gd.local_maxima(str(folder / "edges"), str(folder / "values.parquet"), mode=mode, client=client)
        result.compute()  # warm: kernels loaded, the cluster's own buffers allocated
        tracemalloc.start()
        try:
            got = result.compute()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert got.tolist() == np.flatnonzero(gm.local_maxima(graph, x, mode=mode)).tolist()
    # node table (8 bytes/node), partials (1 byte/node each), the plateau resolution
    # (~40 bytes/node, once); a batch is 2**15 edges: 1 MB of pairs.
    print(f"peak {peak / 2**20:.2f} MiB")
    assert peak < 64 * N + 4 * 2**20, f"peak {peak / 2**20:.1f} MiB for {N} nodes"


@pytest.mark.parametrize("mode,hops", [("plateau", 1), ("strict", 2), ("plateau", 2)])
def test_edges_are_read_inside_the_tasks_that_need_the_node_table(graph_files, mode, hops):
    """No edge partition is a task of its own: the only task without dependencies reads
    the values table. (Reading tasks without dependencies ran ahead of the node table --
    Dask starts such tasks as soon as a thread is free -- and each worker held 7+ edge
    partitions of 64 MB before its first pass step on the 201M-edge benchmark, which paused
    1 GB workers; with several passes, every partition stayed in memory until the last.)"""
    from dask.core import get_deps

    folder, _, _ = graph_files
    result = gd.local_maxima(str(folder / "edges"), str(folder / "values.parquet"), mode=mode, hops=hops)
    graph = dict(result.delayed.__dask_graph__())
    dependencies, _ = get_deps(graph)
    roots = sorted({(k[0] if isinstance(k, tuple) else k).rsplit("-", 1)[0] for k, deps in dependencies.items()
                    if not deps})
    assert roots == ["node_table"]
