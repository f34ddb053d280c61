"""graphmax.learn.data: seeded, reproducible, exactly labelled graph and image sets."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch_geometric")

import torch  # noqa: E402

import graphmax as gm  # noqa: E402
from graphmax import grid  # noqa: E402
from graphmax.learn import data  # noqa: E402
from graphmax.learn.targets import Target  # noqa: E402

torch.set_num_threads(1)


def test_import_graphmax_does_not_import_torch():
    code = "import graphmax, graphmax.grid, graphmax.windows, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("family", sorted(data.FAMILIES))
def test_every_family_builds_an_undirected_graph_near_the_size(family):
    g = data.make_graph(family, 40, np.random.default_rng(0))
    assert 30 <= g.n <= 50
    assert g.is_symmetric
    assert g.num_edges > 0


@pytest.mark.parametrize("signal", data.SIGNALS)
def test_signals(signal):
    g = data.make_graph("er", 200, np.random.default_rng(1))
    x = data.make_signal(signal, g, np.random.default_rng(2))
    assert x.shape == (g.n,)
    if signal == "int":
        assert x.dtype.kind == "i" and len(np.unique(x)) <= 9
    else:
        assert 0.0 <= x.min() and x.max() <= 1.0


def test_labels_are_the_exact_strict_maxima_and_sets_are_reproducible():
    a = data.make_dataset(15, seed=3, size=(10, 30))
    b = data.make_dataset(15, seed=3, size=(10, 30))
    c = data.make_dataset(15, seed=4, size=(10, 30))
    for d, e in zip(a, b):
        assert torch.equal(d.x, e.x) and torch.equal(d.edge_index, e.edge_index) and torch.equal(d.y, e.y)
        assert d.x.dtype == torch.float64 and d.y.dtype == torch.bool
        want = gm.local_maxima(gm.from_edges(d.edge_index.numpy().T, n=d.num_nodes), d.x[:, 0].numpy(), mode="strict")
        np.testing.assert_array_equal(d.y.numpy(), want)
    assert any(not torch.equal(d.x, e.x) for d, e in zip(a, c))
    # every family x signal pair appears
    assert {(d.family, d.signal) for d in a} == {(f, s) for f in data.TRAIN_FAMILIES for s in data.SIGNALS}


def test_a_graph_does_not_depend_on_the_size_of_the_set():
    small = data.make_dataset(3, seed=0)
    big = data.make_dataset(9, seed=0)
    for d, e in zip(small, big):
        assert torch.equal(d.x, e.x)


def test_int_signal_has_ties_and_tied_nodes_are_not_maxima():
    ds = data.make_dataset(6, families=("grid4",), signals=("int",), seed=0)
    tied = 0
    for d in ds:
        src, dst = d.edge_index
        equal = d.x[src, 0] == d.x[dst, 0]
        tied += int(equal.sum())
        nmax = torch.full((d.num_nodes,), -torch.inf, dtype=torch.float64).scatter_reduce(
            0, dst, d.x[src, 0], reduce="amax")
        assert not bool((d.y & (nmax >= d.x[:, 0])).any())
    assert tied > 0


def test_splits_and_out_of_distribution_sets():
    sp = data.make_splits(0, num_train=5, num_val=3, num_test=4, size=(10, 12),
                          num_ood={"size4x": 2, "size10x": 2, "size100x": 1, "unseen": 6, "adversarial": 5,
                                   **{v: 4 for v in data.VALUE_SETS}},
                          ood=("size4x", "size100x", "n=3000", "unseen", *data.VALUE_SETS, "adversarial"))
    assert (len(sp.train), len(sp.val), len(sp.test)) == (5, 3, 4)
    assert all(35 <= d.num_nodes <= 52 for d in sp.ood["size4x"])
    assert all(d.num_nodes >= 900 for d in sp.ood["size100x"])
    assert 2900 <= sp.ood["n=3000"][0].num_nodes <= 3100
    assert {d.family for d in sp.ood["unseen"]} == set(data.UNSEEN_FAMILIES)
    assert not set(data.UNSEEN_FAMILIES) & set(data.TRAIN_FAMILIES)
    for plain, affine in zip(sp.test, sp.ood["affine"]):
        torch.testing.assert_close(affine.x, 1000.0 * plain.x - 300.0)
        assert torch.equal(affine.y, plain.y) and torch.equal(affine.edge_index, plain.edge_index)
    # the value sets that can change ranks do change some labels; every label is the exact answer
    changed = 0
    for name in data.VALUE_SETS:
        for plain, moved in zip(sp.test, sp.ood[name]):
            g = gm.from_edges(moved.graph_edge_index.numpy().T, n=moved.num_nodes)
            np.testing.assert_array_equal(moved.y.numpy(), gm.local_maxima(g, moved.x[:, 0].numpy(), mode="strict"))
            changed += int((moved.y != plain.y).sum()) if data.VALUE_SETS[name][1] else 0
    assert changed > 0
    assert [d.signal for d in sp.ood["adversarial"]] == list(data.ADVERSARIAL_KINDS)
    # no graph is shared between splits
    keys = [d.x.numpy().tobytes() for d in sp.train + sp.val + sp.test]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("target", [Target(), Target("nonstrict"), Target(hops=2), Target(direction="out"),
                                    Target("plateau")], ids=lambda t: t.name)
def test_adversarial_set_plants_its_traps(target):
    ds = data.make_adversarial(10, seed=1, size=(200, 300), target=target)
    assert [d.signal for d in ds] == list(data.ADVERSARIAL_KINDS) * 2
    for d in ds:
        assert d.target == target.name
        g = gm.from_edges(d.graph_edge_index.numpy().T, n=d.num_nodes)
        x = d.x[:, 0].numpy()
        np.testing.assert_array_equal(d.y.numpy(), target.labels(g, x))
        np.testing.assert_array_equal(d.edge_index.numpy(), target.message_index(g))
        src, dst = d.edge_index.numpy()
        gap = x[src] - x[dst]
        if d.signal in ("tie-gap", "ulp-above", "ulp-below"):
            # a trap: v (high) and one neighbour tied or 1 ulp apart
            close = (np.abs(gap) <= np.spacing(np.abs(x[dst]))) & (x[dst] >= 2)
            assert close.any(), d.signal
        if d.signal == "plateau":
            assert (gap == 0).mean() > 0.3  # long runs of equal values (random values 0..5: ~1/6)
    directed = data.make_adversarial(5, seed=1, size=(100, 120), target=Target(direction="out"))
    assert not gm.from_edges(directed[0].graph_edge_index.numpy().T).is_symmetric


def test_targets_label_and_connect_for_their_question():
    t = Target("nonstrict", hops=2, direction="in")
    assert t.name == "nonstrict/hops=2/in" and t.directed
    ds = data.make_dataset(6, seed=3, size=(15, 25), target=t)
    for d in ds:
        g = gm.from_edges(d.graph_edge_index.numpy().T, n=d.num_nodes)
        np.testing.assert_array_equal(d.y.numpy(), gm.local_maxima(g, d.x[:, 0].numpy(), mode="nonstrict", hops=2,
                                                                   direction="in"))
        indptr, indices = gm.neighborhood(g, hops=2, direction="in")
        # a message u -> v for every u in N(v), nothing else
        want = {(int(u), v) for v in range(g.n) for u in indices[indptr[v]:indptr[v + 1]]}
        assert set(map(tuple, d.edge_index.numpy().T.tolist())) == want
    for bad, match in (({"mode": "peak"}, "`mode`"), ({"hops": 0}, "`hops`"), ({"direction": "up"}, "`direction`")):
        with pytest.raises(ValueError, match=match):
            Target(**bad)
    with pytest.raises(TypeError, match="`target`"):
        Target.of("strict")


def test_bad_arguments():
    with pytest.raises(ValueError, match="`family`"):
        data.make_graph("hexagon", 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="`signal`"):
        data.make_signal("pink", data.make_graph("ring", 10, np.random.default_rng(0)), np.random.default_rng(0))
    with pytest.raises(ValueError, match="`size`"):
        data.make_dataset(2, size=(10, 5))
    with pytest.raises(ValueError, match="`ood`"):
        data.make_splits(0, num_train=1, num_val=1, num_test=1, ood=("size1000x",))
    with pytest.raises(ValueError, match="`values`"):
        data.make_dataset(2, values="squared")


def test_images_are_labelled_by_grid_local_maxima():
    imgs, masks, names = data.make_images(6, (12, 10), seed=1)
    assert imgs.shape == masks.shape == (6, 12, 10)
    assert set(names) == set(data.SIGNALS)
    for img, m in zip(imgs, masks):
        np.testing.assert_array_equal(m, grid.local_maxima(img, mode="strict"))
    again, _, _ = data.make_images(6, (12, 10), seed=1)
    np.testing.assert_array_equal(imgs, again)
    shifted, smasks, _ = data.make_images(6, (12, 10), seed=1, shift=data.SHIFT)
    np.testing.assert_allclose(shifted, 1000 * imgs - 300)
    np.testing.assert_array_equal(smasks, masks)
