"""`import graphmax` leaves numba (and the kernels) for the first call that needs them."""

import json
import subprocess
import sys

from graphmax._lazy import lazy


def _run(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_graphmax_imports_no_numba_no_torch():
    out = _run("import sys, graphmax; print(sorted(m for m in ('numba', 'torch', 'dask', 'pandas') if m in sys.modules))")
    assert out.strip() == "[]"


def test_a_lazy_module_puts_the_real_one_in_its_place():
    namespace = {}
    namespace["codec"] = lazy("json", namespace, "codec")
    assert namespace["codec"].dumps([1]) == "[1]"
    assert namespace["codec"] is json  # later reads are plain module reads


def test_first_calls_from_several_threads_at_once():
    """Eight threads make a fresh process's first calls together: every kernel module is
    imported once, under the import lock, and every answer is the single-thread one."""
    out = _run(
        "import threading, numpy as np, networkx as nx, graphmax as gm\n"
        "G = nx.karate_club_graph(); x = np.arange(34.0) % 7\n"
        "got = [None] * 8\n"
        "def work(i):\n"
        "    got[i] = (gm.local_maxima(G, x).tolist(), gm.grid.local_maxima(np.outer(x, x)).sum(),\n"
        "              gm.find_peaks(G, x, return_prominence=True).prominence.tolist())\n"
        "threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "want = work(0) or got[0]\n"
        "print(all(g == want for g in got))\n"
    )
    assert out.strip() == "True"
