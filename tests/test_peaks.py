"""find_peaks (docs/semantics.md §4) against a by-the-letter reference, hand-drawn cases and its errors."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphmax as gm
from graphmax._peaks import Peaks, find_peaks

from . import reference as ref
from .test_prominence import reference_prominence

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the reference ---------------------------------------------------------------------------------
def reference_find_peaks(n, edges, x, *, weights=None, labels=None, exclude=None, threshold_abs=None,
                         threshold_rel=None, min_prominence=None, min_distance=None, min_distance_radius=None,
                         num_peaks=None, num_peaks_per_label=None, hops=1, radius=None, direction="both",
                         order="value"):
    """docs/semantics.md §4, step by step, on Python sets (tests/reference.py for the neighbourhoods)."""
    if n == 0:
        return []
    lab = [1] * n if labels is None else list(labels)
    # Each label is its own graph: keep the edges inside one positive label.
    inside = [i for i, (u, v) in enumerate(edges) if lab[u] == lab[v] != 0]
    sub_edges = [edges[i] for i in inside]
    sub_weights = None if weights is None else [weights[i] for i in inside]
    nbrs = ref.neighbour_sets(n, sub_edges, weights=sub_weights, direction=direction, hops=hops, radius=radius)
    is_max = [f and lab[v] != 0 for v, f in enumerate(ref.maxima(nbrs, x, "plateau"))]
    # Plateaus of maxima: equal values joined through the (symmetrised) neighbourhood.
    plateaus, seen = [], set()
    for v in range(n):
        if is_max[v] and v not in seen:
            group, stack = {v}, [v]
            while stack:
                w = stack.pop()
                for u in range(n):
                    if u not in group and is_max[u] and x[u] == x[w] and (u in nbrs[w] or w in nbrs[u]):
                        group.add(u)
                        stack.append(u)
            seen |= group
            plateaus.append(sorted(group))
    prom, saddle, parent = reference_prominence(n, sub_edges, x)
    top = max(x) if n else None
    limit = None
    if threshold_abs is not None:
        limit = threshold_abs
    if threshold_rel is not None:
        limit = threshold_rel * top if limit is None else max(limit, threshold_rel * top)
    rows = []
    for members in plateaus:
        allowed = [v for v in members if exclude is None or not exclude[v]]
        if not allowed:
            continue
        node, low = allowed[0], members[0]
        if limit is not None and not x[node] > limit:
            continue
        if min_prominence is not None and not prom[low] >= min_prominence:
            continue
        rows.append((node, len(members), prom[low], saddle[low], parent[low]))
    if order == "value":
        rows.sort(key=lambda r: (-x[r[0]], r[0]))
    else:
        rows.sort(key=lambda r: (-r[2], -x[r[0]], r[0]))
    if min_distance is not None or min_distance_radius is not None:
        if min_distance is not None:
            ball = ref.neighbour_sets(n, sub_edges, direction=direction, hops=min_distance) if min_distance else \
                [set() for _ in range(n)]
        else:
            ball = ref.neighbour_sets(n, sub_edges, weights=sub_weights, direction=direction,
                                      radius=min_distance_radius)
        kept = []
        for r in rows:
            if not any(k[0] in ball[r[0]] for k in kept):
                kept.append(r)
        rows = kept
    if num_peaks_per_label is not None:
        count, kept = {}, []
        for r in rows:
            count[lab[r[0]]] = count.get(lab[r[0]], 0) + 1
            if count[lab[r[0]]] <= num_peaks_per_label:
                kept.append(r)
        rows = kept
    if num_peaks is not None:
        rows = rows[:num_peaks]
    return rows


# -- random graphs against the reference ----------------------------------------------------------
@st.composite
def problems(draw, max_n=10):
    n = draw(st.integers(0, max_n))
    pair = st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0)))
    edges = draw(st.lists(pair, max_size=3 * n)) if n else []
    x = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    kw = {}
    if draw(st.booleans()):
        kw["labels"] = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    if draw(st.booleans()):
        kw["exclude"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if draw(st.booleans()):
        kw["threshold_abs"] = draw(st.sampled_from([0, 1, 1.5, -1]))
    if draw(st.booleans()):
        kw["threshold_rel"] = draw(st.sampled_from([0.0, 0.4, 0.7]))
    if draw(st.booleans()):
        kw["min_prominence"] = draw(st.sampled_from([0, 1, 2, 2.5]))
    spacing = draw(st.sampled_from(["none", "hops", "radius"]))
    if spacing == "hops":
        kw["min_distance"] = draw(st.integers(0, 3))
    elif spacing == "radius":
        kw["min_distance_radius"] = draw(st.sampled_from([0.5, 1.0, 2.5]))
    if draw(st.booleans()):
        kw["num_peaks"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        kw["num_peaks_per_label"] = draw(st.integers(0, 2))
    kw["hops"] = draw(st.sampled_from([1, 1, 2]))
    kw["direction"] = draw(st.sampled_from(["both", "both", "out", "in"]))
    kw["order"] = draw(st.sampled_from(["value", "prominence"]))
    return n, edges, x, kw


def _graph(n, edges, weights=None):
    e = np.array(edges, dtype=np.int64).reshape(-1, 2)
    return gm.from_edges(e, n=n, weights=weights)


def _compare(p, want, x):
    assert isinstance(p, Peaks)
    assert p.nodes.tolist() == [r[0] for r in want]
    assert p.plateau_size.tolist() == [r[1] for r in want]
    assert p.values.tolist() == [x[r[0]] for r in want]
    if p.prominence is not None:
        assert p.prominence.tolist() == [r[2] for r in want]
        assert p.saddle.tolist() == [r[3] for r in want]
        assert p.parent.tolist() == [r[4] for r in want]
    assert p.mask.sum() == len(p) and p.mask[p.nodes].all()


@FAST
@given(problems())
def test_matches_reference(problem):
    n, edges, x, kw = problem
    want = reference_find_peaks(n, edges, x, **kw)
    args = {k: (np.array(v, dtype=bool) if k == "exclude" else np.array(v) if k == "labels" else v)
            for k, v in kw.items()}
    p = find_peaks(_graph(n, edges), np.array(x, dtype=np.int64), return_prominence=True, **args)
    _compare(p, want, x)


@FAST
@given(data=st.data())
def test_weighted_radius_matches_reference(data):
    n, edges, x, _ = data.draw(problems())
    weights = data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=len(edges), max_size=len(edges)))
    kw = {"min_distance_radius": data.draw(st.sampled_from([0.5, 1.0, 2.5])),
          "direction": data.draw(st.sampled_from(["both", "out"]))}
    if data.draw(st.booleans()):
        kw["radius"] = data.draw(st.sampled_from([0.5, 1.5]))
    want = reference_find_peaks(n, edges, x, weights=weights, **kw)
    p = find_peaks(_graph(n, edges, weights), np.array(x), return_prominence=True, **kw)
    _compare(p, want, x)


@pytest.mark.parametrize("seed", range(3))
def test_larger_random_graphs_match_reference(seed):
    rng = np.random.default_rng(seed)
    n = 60
    edges = [tuple(e) for e in rng.integers(0, n, (150, 2))]
    x = rng.integers(0, 6, n).tolist()
    labels = rng.integers(0, 3, n)
    for kw in ({}, {"min_distance": 2}, {"labels": labels, "min_prominence": 2, "num_peaks_per_label": 2},
               {"min_distance": 1, "num_peaks": 5, "threshold_rel": 0.5},
               {"order": "prominence", "min_distance": 2, "num_peaks": 4},
               {"order": "prominence", "labels": labels, "num_peaks_per_label": 1}):
        want = reference_find_peaks(n, edges, x, **kw)
        _compare(find_peaks(_graph(n, edges), np.array(x), return_prominence=True, **kw), want, x)


# -- hand-drawn cases (one per rule of docs/semantics.md §4) -------------------------------------------
P7 = nx.path_graph(7)
X7 = [0, 5, 1, 4, 4, 2, 3]


def test_candidates_one_per_plateau_in_output_order():
    p = find_peaks(P7, X7)
    assert p.nodes.tolist() == [1, 3, 6]
    assert p.plateau_size.tolist() == [1, 2, 1]
    assert p.values.tolist() == [5, 4, 3]
    assert p.prominence is None and p.saddle is None and p.parent is None
    assert p.mask.tolist() == [False, True, False, True, False, False, True]


def test_ties_sort_by_node_index():
    p = find_peaks(nx.path_graph(5), [3, 0, 3, 0, 3])
    assert p.nodes.tolist() == [0, 2, 4]


def test_labels_are_separate_graphs():
    # 0-1 | 2-3: with labels the edge 1-2 is cut, so node 2 is a peak of its own label
    G = nx.path_graph(4)
    assert find_peaks(G, [1, 3, 2, 0]).nodes.tolist() == [1]
    p = find_peaks(G, [1, 3, 2, 0], labels=[1, 1, 2, 2])
    assert p.nodes.tolist() == [1, 2] and p.labels.tolist() == [1, 2]
    # background never peaks
    assert find_peaks(G, [1, 3, 2, 0], labels=[1, 0, 2, 2]).nodes.tolist() == [2]


def test_threshold_uses_the_global_maximum_even_with_labels():
    G = nx.path_graph(4)
    p = find_peaks(G, [1, 10, 5, 0], labels=[1, 1, 2, 2], threshold_rel=0.5)
    assert p.nodes.tolist() == [1]  # 5 is not strictly above 0.5 * 10
    assert find_peaks(G, [1, 10, 5, 0], labels=[1, 1, 2, 2], threshold_abs=4.9).nodes.tolist() == [1, 2]


def test_exclude_moves_a_plateau_to_its_lowest_allowed_member():
    p = find_peaks(P7, X7, exclude=np.array([0, 0, 0, 1, 0, 0, 0], dtype=bool), return_prominence=True)
    assert p.nodes.tolist() == [1, 4, 6]
    assert p.prominence.tolist() == [5, 3, 1]  # the plateau's prominence
    assert find_peaks(P7, X7, exclude=np.array([0, 1, 0, 1, 1, 0, 0], dtype=bool)).nodes.tolist() == [6]


def test_min_prominence_is_inclusive():
    assert find_peaks(P7, X7, min_prominence=3).nodes.tolist() == [1, 3]
    assert find_peaks(P7, X7, min_prominence=3.5).nodes.tolist() == [1]


def test_min_distance_greedy_in_output_order():
    assert find_peaks(P7, X7, min_distance=1).nodes.tolist() == [1, 3, 6]
    assert find_peaks(P7, X7, min_distance=2).nodes.tolist() == [1, 6]  # 3 is 2 hops from 1
    assert find_peaks(P7, X7, min_distance=5).nodes.tolist() == [1]
    assert find_peaks(P7, X7, min_distance=0).nodes.tolist() == [1, 3, 6]


def test_min_distance_follows_direction():
    # 0 -> 1 -> 2 -> 3. With direction="out" a candidate c is dropped when a kept peak is
    # within reach of c along out-edges (the kept peak is in c's 2-hop neighbourhood).
    D = nx.DiGraph([(0, 1), (1, 2), (2, 3)])
    assert find_peaks(D, [4, 0, 5, 1], direction="out", min_distance=2).nodes.tolist() == [2]  # 0 -> 1 -> 2
    assert find_peaks(D, [5, 0, 4, 1], direction="out", min_distance=2).nodes.tolist() == [0, 2]
    assert find_peaks(D, [5, 0, 4, 1], direction="both", min_distance=2).nodes.tolist() == [0]


def test_min_distance_radius_on_weights():
    G = nx.Graph()
    G.add_weighted_edges_from([(0, 1, 1.0), (1, 2, 0.5), (2, 3, 3.0), (3, 4, 1.0)])
    x = [5, 1, 4, 0, 3]
    assert find_peaks(G, x).nodes.tolist() == [0, 2, 4]
    assert find_peaks(G, x, min_distance_radius=1.5).nodes.tolist() == [0, 4]
    assert find_peaks(G, x, min_distance_radius=1.4).nodes.tolist() == [0, 2, 4]
    assert find_peaks(G, x, min_distance=1).nodes.tolist() == [0, 2, 4]  # hops ignore weights


def test_num_peaks_and_per_label():
    x = [0, 5, 1, 4, 0, 6, 1, 3]
    G = nx.path_graph(8)
    lab = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    assert find_peaks(G, x, labels=lab).nodes.tolist() == [5, 1, 3, 7]
    assert find_peaks(G, x, labels=lab, num_peaks_per_label=1).nodes.tolist() == [5, 1]
    assert find_peaks(G, x, labels=lab, num_peaks=3).nodes.tolist() == [5, 1, 3]
    assert find_peaks(G, x, num_peaks_per_label=2).nodes.tolist() == [5, 1]  # no labels: one group
    assert find_peaks(G, x, num_peaks=math.inf).nodes.tolist() == [5, 1, 3, 7]


def test_num_peaks_keeps_the_highest_or_the_most_prominent():
    """The issue's case: `num_peaks` documented as "most prominent" kept the highest."""
    G = nx.path_graph(9)
    x = [10, 90, 0, 100, 95, 98, 0, 50, 0]  # 100 with a shoulder 98 (prominence 3); 90 and 50 stand alone
    by_value = find_peaks(G, x, num_peaks=2)
    assert by_value.nodes.tolist() == [3, 5] and by_value.prominence is None  # the default: the 2 highest
    by_prominence = find_peaks(G, x, num_peaks=2, order="prominence")
    assert by_prominence.nodes.tolist() == [3, 1] and by_prominence.prominence.tolist() == [100, 90]
    every = find_peaks(G, x, order="prominence")
    assert every.nodes.tolist() == [3, 1, 7, 5] and every.prominence.tolist() == [100, 90, 50, 3]
    assert find_peaks(G, x, num_peaks=3).nodes.tolist() == [3, 5, 1]
    assert find_peaks(G, x, num_peaks=3, order="prominence").nodes.tolist() == [3, 1, 7]
    # min_distance suppresses in the same order: 66 (prominence 1) and 50 are 2 hops apart
    ridge = [70, 65, 65, 65, 66, 0, 50]
    assert find_peaks(nx.path_graph(7), ridge, min_distance=2).nodes.tolist() == [0, 4]
    assert find_peaks(nx.path_graph(7), ridge, min_distance=2, order="prominence").nodes.tolist() == [0, 6]
    # equal prominence: value descending (node 4, value 5, before node 0, value 3), then node index
    assert find_peaks(nx.path_graph(5), [3, 0, 6, 2, 5], order="prominence").nodes.tolist() == [2, 4, 0]
    assert find_peaks(nx.path_graph(5), [3, 0, 6, 0, 3], order="prominence").nodes.tolist() == [2, 0, 4]
    with pytest.raises(ValueError, match="`order` must be one of"):
        find_peaks(G, x, order="height")


def test_hops_neighbourhood():
    G = nx.path_graph(5)
    assert find_peaks(G, [3, 0, 2, 0, 1]).nodes.tolist() == [0, 2, 4]
    assert find_peaks(G, [3, 0, 2, 0, 1], hops=2).nodes.tolist() == [0]


def test_networkx_names_and_pandas():
    G = nx.Graph([("a", "b"), ("b", "c"), ("c", "d")])
    p = find_peaks(G, [2, 0, 3, 1], return_prominence=True)
    assert p.names.tolist() == ["c", "a"] and len(p) == 2
    assert repr(p) == "Peaks(2 of 4 nodes: 'c', 'a', with prominence)"
    df = p.to_pandas()
    assert list(df.columns) == ["node", "name", "value", "plateau_size", "prominence", "saddle", "parent"]
    assert df["name"].tolist() == ["c", "a"] and df["prominence"].tolist() == [3, 2]
    assert list(find_peaks(P7, X7, labels=[1] * 7).to_pandas().columns) == \
        ["node", "name", "value", "plateau_size", "label"]


def test_graph_without_names():
    p = find_peaks(gm.from_edges([[0, 1], [1, 2]]), np.array([0.5, 2.0, 1.0]))
    assert p.names is None and p.nodes.tolist() == [1] and p.values.dtype == np.float64
    assert repr(p) == "Peaks(1 of 3 nodes: 1)"
    assert "name" not in p.to_pandas().columns


def test_peaks_is_frozen():
    p = find_peaks(P7, X7)
    with pytest.raises(AttributeError):
        p.nodes = None


def test_empty_and_constant():
    assert len(find_peaks(gm.from_edges(np.zeros((0, 2), int), n=0), [])) == 0
    assert len(find_peaks(nx.complete_graph(3), [2, 2, 2])) == 0  # a constant component has no peak


def test_values_keep_their_dtype():
    x = np.array([0, 200, 1], dtype=np.uint8)
    p = find_peaks(nx.path_graph(3), x, return_prominence=True)
    assert p.values.dtype == np.uint8 and p.prominence.dtype == np.uint64
    assert find_peaks(nx.path_graph(3), np.array([0, 1, 0], dtype=bool)).nodes.tolist() == [1]


def test_inputs_not_modified():
    x = np.array([0, 5, 1, 4, 4, 2, 3])
    labels = np.array([1, 1, 1, 2, 2, 2, 2])
    exclude = np.zeros(7, dtype=bool)
    copies = [a.copy() for a in (x, labels, exclude)]
    find_peaks(P7, x, labels=labels, exclude=exclude, min_prominence=1, min_distance=2)
    for a, b in zip((x, labels, exclude), copies):
        np.testing.assert_array_equal(a, b)


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw, exc, match",
    [
        ({"labels": [1, 1, 1]}, ValueError,
         r"`labels` must have one entry per node \(shape \(7,\)\), got shape \(3,\)"),
        ({"labels": np.ones(7) * 0.5}, TypeError, "`labels` must be integers"),
        ({"labels": [1, -1, 0, 0, 0, 0, 0]}, ValueError, "`labels` must be >= 0"),
        ({"exclude": np.zeros(7, dtype=int)}, TypeError, "`exclude` must be a boolean mask, got dtype int"),
        ({"exclude": np.zeros(6, dtype=bool)}, ValueError, r"`exclude` must have one entry per node"),
        ({"threshold_abs": "high"}, ValueError, "`threshold_abs` must be a number or None, got 'high'"),
        ({"threshold_rel": math.nan}, ValueError, "`threshold_rel` must be a number"),
        ({"min_prominence": [1]}, ValueError, "`min_prominence` must be a number"),
        ({"min_distance": -1}, ValueError, "`min_distance` must be an integer >= 0, got -1"),
        ({"min_distance": 1.5}, ValueError, "`min_distance` must be an integer >= 0"),
        ({"min_distance_radius": -1.0}, ValueError, "`min_distance_radius` must be a finite number >= 0"),
        ({"min_distance": 1, "min_distance_radius": 1.0}, ValueError, "either `min_distance` or `min_distance_radius`"),
        ({"num_peaks": -2}, ValueError, "`num_peaks` must be an integer >= 0 or None, got -2"),
        ({"num_peaks_per_label": 1.5}, ValueError, "`num_peaks_per_label` must be an integer >= 0"),
        ({"hops": 0}, ValueError, "`hops` must be an integer >= 1"),
        ({"direction": "up"}, ValueError, "`direction` must be one of"),
        ({"radius": -1}, ValueError, "`radius` must be a finite number >= 0"),
        ({"return_prominence": 1}, TypeError, "`return_prominence` must be True or False"),
    ],
)
def test_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        find_peaks(P7, X7, **kw)


def test_value_errors():
    with pytest.raises(ValueError, match=r"`x` must have shape \(7,\): one value per node, got shape \(7, 2\)"):
        find_peaks(P7, np.zeros((7, 2)))
    with pytest.raises(ValueError, match="`x` contains 1 NaN"):
        find_peaks(P7, [0, 1, math.nan, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"graph has 7 nodes, got 3"):
        find_peaks(P7, [1, 2, 3])
    with pytest.raises(ValueError, match="needs finite edge weights"):
        G = nx.Graph()
        G.add_weighted_edges_from([(0, 1, math.inf)])
        find_peaks(G, [1, 0], min_distance_radius=1.0)
