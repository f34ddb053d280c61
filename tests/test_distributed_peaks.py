"""graphmax.distributed.find_peaks against graphmax.find_peaks."""

import numpy as np
import pandas as pd
import pytest

import graphmax as gm

distributed = pytest.importorskip("distributed")

from graphmax import distributed as gd  # noqa: E402

from .test_distributed import partitioned, random_case  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0")
    with cluster, distributed.Client(cluster) as c:
        yield c


def _same(got, want, names):
    assert got.nodes.tolist() == want.nodes.tolist()
    assert got.names == names[want.nodes].tolist()
    assert got.values.tolist() == want.values.tolist()
    assert got.plateau_size.tolist() == want.plateau_size.tolist()
    assert got.mask.tolist() == want.mask.tolist()
    if want.labels is not None:
        assert got.labels.tolist() == want.labels.tolist()


OPTIONS = [
    {},
    {"min_distance": 1},
    {"min_distance": 2},
    {"min_distance": 3, "direction": "out"},
    {"threshold_abs": 1.5, "num_peaks": 3},
    {"threshold_rel": 0.5, "min_distance": 1},
    {"labels": "region", "num_peaks_per_label": 1},
    {"labels": "region", "min_distance": 2, "num_peaks": 4},
    {"exclude": "border", "min_distance": 1},
    {"hops": 2, "min_distance": 1},
    {"direction": "in", "min_distance": 2, "exclude": "border", "labels": "region"},
]


@pytest.mark.parametrize("ids", ["int", "str"])
def test_options_match_in_memory(client, ids):
    for seed in range(3):
        edges, values, graph = random_case(seed, ids=ids, n=60, e=(50, 80, 120)[seed], levels=6)
        rng = np.random.default_rng(seed)
        values = values.assign(region=rng.integers(0, 3, len(values)), border=rng.random(len(values)) < 0.2)
        frame = partitioned(edges)
        names = values["node"].to_numpy()
        for options in OPTIONS:
            memory = {k: values[v].to_numpy() if k in ("labels", "exclude") else v for k, v in options.items()}
            want = gm.find_peaks(graph, values["value"].to_numpy(), **memory)
            got = gd.find_peaks(frame, values, client=client, **options).compute()
            _same(got, want, names)


def test_suppression_chain(client):
    # path 0-1-...-9, x descending in steps of plateaus: rounds must give the greedy answer
    n = 12
    edges = pd.DataFrame({"src": np.arange(n - 1), "dst": np.arange(1, n)})
    x = np.array([9, 1, 8, 2, 7, 3, 6, 1, 5, 0, 4, 0], dtype=float)
    g = gm.from_edges(edges.to_numpy(), n=n)
    for d in (1, 2, 3, 4):
        want = gm.find_peaks(g, x, min_distance=d).nodes
        got = gd.find_peaks(edges, x, min_distance=d, client=client).compute()
        assert got.nodes.tolist() == want.tolist(), d
        assert got.names is None


def test_refusals_and_bad_options():
    edges, values, _ = random_case(0)
    with pytest.raises(NotImplementedError, match="`min_prominence` and `return_prominence`"):
        gd.find_peaks(edges, values, min_prominence=1)
    with pytest.raises(NotImplementedError, match="`min_prominence` and `return_prominence`"):
        gd.find_peaks(edges, values, return_prominence=True)
    with pytest.raises(ValueError, match="`min_distance` must be an integer >= 0"):
        gd.find_peaks(edges, values, min_distance=-1)
    with pytest.raises(ValueError, match="`values` has no column 'region'"):
        gd.find_peaks(edges, values, labels="region")
    with pytest.raises(TypeError, match="`labels` must name a column"):
        gd.find_peaks(edges, values, labels=np.zeros(len(values), dtype=int))
    with pytest.raises(TypeError, match="`exclude` names a column"):
        gd.find_peaks(edges, np.zeros(3), exclude="border")


def test_bad_label_column(client):
    edges, values, _ = random_case(0)
    with pytest.raises(TypeError, match="`labels` must be integers"):
        gd.find_peaks(edges, values.assign(region=0.5), labels="region", client=client).compute()
    with pytest.raises(ValueError, match="`labels` must be >= 0"):
        gd.find_peaks(edges, values.assign(region=-1), labels="region", client=client).compute()
