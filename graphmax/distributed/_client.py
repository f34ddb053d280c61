"""Which Dask cluster a computation runs on."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def computing(client, cluster_options):
    """Yield the client to compute with: `client` as given, else the current default
    client, else a `LocalCluster` started here and closed on exit.

    `cluster_options` is ``(workers, memory_per_worker)``: the number of worker
    processes (one thread each; None: Dask's choice from the CPU count) and the
    memory limit of each (``"2GB"``, bytes, or None: Dask's share of the RAM).
    """
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster, default_client

    try:
        yield default_client()
        return
    except ValueError:  # no client is running
        pass
    workers, memory = cluster_options
    options = {"threads_per_worker": 1}
    if workers is not None:
        options["n_workers"] = workers
    if memory is not None:
        options["memory_limit"] = memory
    with LocalCluster(**options) as cluster, Client(cluster) as local:
        yield local


def result(client, collection, progress):
    """Compute `collection` on `client`, with Dask's text progress bar on stderr when `progress`."""
    future = client.compute(collection)
    if progress:
        show_progress(future)
    return client.gather(future)


def show_progress(futures):
    """Dask's text progress bar of `futures`, on stderr; returns when they are done."""
    from distributed import progress as bar

    with contextlib.redirect_stdout(sys.stderr):
        bar(futures)
