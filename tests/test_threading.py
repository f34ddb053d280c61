"""Concurrent calls from several Python threads: identical results and no abort,
under every numba threading layer (issue 15, concurrency)."""

import os
import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

from graphmax import _threading

# Every kernel family, called from 6 threads at once, each result compared with
# the one computed before the threads start.
CONCURRENT_CALLS = textwrap.dedent(
    """
    import sys
    from concurrent.futures import ThreadPoolExecutor

    import numba
    import numpy as np
    import scipy.sparse as sp

    import graphmax as gm
    from graphmax import grid
    from graphmax.windows import ego_windows, is_centered_max

    rng = np.random.default_rng(0)
    n = 3000
    edges = rng.integers(0, n, (12000, 2))
    x = rng.integers(0, 30, n).astype(float)  # ties: plateaus
    weights = rng.random(len(edges))
    img = rng.integers(0, 12, (60, 70))
    raw = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))

    def calls():
        g = gm.from_edges(edges, n=n, directed=False)                   # CSR building
        w = gm.from_edges(edges, n=n, weights=weights, directed=False)
        p = gm.find_peaks(g, x, min_distance=2, min_prominence=1, return_prominence=True)
        return [
            g.to_scipy().toarray(),
            gm.local_maxima(g, x, mode="strict"),                       # 1-hop scans
            gm.local_maxima(g, x, mode="nonstrict"),
            gm.local_maxima(g, x),                                      # plateaus
            gm.local_maxima(raw.tocsr(), x),                            # raw CSR
            gm.local_maxima(raw, x, mode="strict"),                     # edge list (COO)
            gm.local_maxima(g, x, hops=2, mode="strict"),               # k hops
            gm.local_maxima(w, x, radius=0.5),                          # geodesic radius
            p.nodes, p.prominence,                                      # peaks, prominence
            gm.prominence(g, x),
            grid.local_maxima(img), grid.local_minima(img),             # images
            grid.find_peaks(img, min_distance=2),
            grid.prominence(img),
            is_centered_max(*ego_windows(g, x, hops=1), scope="window"),  # windows
        ]

    reference = calls()
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: calls(), range(18)))
    for result in results:
        assert len(result) == len(reference)
        for got, want in zip(result, reference):
            np.testing.assert_array_equal(got, want)
    print(numba.threading_layer(), len(results))
    """
)


@pytest.mark.parametrize("layer", ["workqueue", "default"])
def test_concurrent_calls_of_every_kernel_family(layer):
    env = dict(os.environ, NUMBA_THREADING_LAYER=layer,
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run([sys.executable, "-c", CONCURRENT_CALLS], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    used, runs = done.stdout.split()
    assert runs == "18"
    if layer == "workqueue":
        assert used == "workqueue"


@pytest.mark.parametrize(
    "layer, priority, loadable, expected",
    [
        ("workqueue", None, {"tbb", "omp"}, False),
        ("omp", None, {"omp"}, True),
        ("omp", None, set(), False),  # numba will raise at launch; not threadsafe to us
        ("threadsafe", None, set(), True),
        ("safe", None, set(), True),
        ("forksafe", None, {"tbb", "omp"}, False),
        ("default", ["tbb", "omp", "workqueue"], {"omp"}, True),
        ("default", ["tbb", "omp", "workqueue"], set(), False),
        ("default", ["workqueue", "omp", "tbb"], {"omp", "tbb"}, False),
        ("default", ["omp", "workqueue", "tbb"], {"tbb"}, False),
    ],
)
def test_threadsafe_layer_follows_numbas_choice(monkeypatch, layer, priority, loadable, expected):
    def not_launched():
        raise ValueError("Threading layer is not initialized.")

    monkeypatch.setattr(numba, "threading_layer", not_launched)
    monkeypatch.setattr(numba.config, "THREADING_LAYER", layer)
    if priority is not None:
        monkeypatch.setattr(numba.config, "THREADING_LAYER_PRIORITY", priority)
    monkeypatch.setattr(_threading, "_loads", lambda backend: backend in loadable)
    assert _threading.threadsafe_layer() is expected


def test_a_launched_layer_is_read_not_predicted(monkeypatch):
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    monkeypatch.setattr(_threading, "_loads", lambda backend: True)
    assert _threading.threadsafe_layer() is False
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    assert _threading.threadsafe_layer() is True


def test_the_lock_is_taken_only_where_the_layer_needs_it(monkeypatch):
    def kernel(a):
        return a.sum()

    monkeypatch.setattr(_threading, "threadsafe_layer", lambda: True)
    plain = _threading.parallel_jit(kernel)
    assert type(plain) is not _threading._LockedDispatcher
    monkeypatch.setattr(_threading, "threadsafe_layer", lambda: False)
    locked = _threading.jit(kernel)
    assert type(locked) is _threading._LockedDispatcher
    a = np.arange(10.0)
    assert locked(a) == plain(a) == 45.0
