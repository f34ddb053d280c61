"""graphmax.learn.metrics: scores on hand-made cases, and the exact detector scores perfectly."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import numpy as np
import pytest

pytest.importorskip("torch_geometric")

import torch  # noqa: E402

import graphmax as gm  # noqa: E402
from graphmax import grid  # noqa: E402
from graphmax.learn import data, metrics  # noqa: E402

torch.set_num_threads(1)


def test_classification_scores():
    s = metrics.classification_scores([1, 1, 0, 0, 0], [1, 0, 1, 0, 0])
    assert (s["tp"], s["fp"], s["fn"], s["tn"]) == (1, 1, 1, 2)
    assert s["accuracy"] == 0.6 and s["precision"] == 0.5 and s["recall"] == 0.5 and s["f1"] == 0.5
    empty = metrics.classification_scores([0, 0], [0, 0])
    assert empty["f1"] == 1.0 and empty["precision"] == 1.0 and empty["recall"] == 1.0
    assert metrics.classification_scores([1, 0], [0, 0])["f1"] == 0.0
    with pytest.raises(ValueError, match="same shape"):
        metrics.classification_scores([1, 0], [1])


def test_exact_match_and_evaluate_masks():
    t = [np.array([1, 0], bool), np.array([0, 0, 1], bool)]
    p = [np.array([1, 0], bool), np.array([0, 1, 1], bool)]
    assert metrics.exact_match(t, p) == 0.5
    s = metrics.evaluate_masks(t, p)
    assert s["graphs"] == 2 and s["nodes"] == 5 and s["exact_match"] == 0.5
    with pytest.raises(ValueError, match="label masks"):
        metrics.exact_match(t, p[:1])


def test_neighbour_gaps_and_accuracy_by_gap():
    # path 0-1-2-3 plus isolated 4
    ei = np.array([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    x = np.array([0.0, 10.0, 10.0, 4.0, 7.0])
    gaps = metrics.neighbour_gaps(ei, x)
    np.testing.assert_allclose(gaps[:4], [-1.0, 0.0, 0.0, -0.6])
    assert np.isnan(gaps[4])
    d = data.to_data(gm.from_edges(ei.T, n=5), x)
    res = metrics.accuracy_by_gap([d], [np.zeros(5, bool)])
    assert res["tie"] == {"nodes": 2, "accuracy": 1.0}
    assert res["isolated"]["nodes"] == 1
    assert sum(v["nodes"] for v in res.values()) == 5


def test_exact_detector_is_perfect_on_every_probe():
    ds = data.make_dataset(6, seed=0, size=(10, 20))

    def exact(d):
        return gm.local_maxima(gm.from_edges(d.edge_index.numpy().T, n=d.num_nodes), d.x[:, 0].numpy(), mode="strict")

    assert metrics.permutation_error(lambda d: exact(d).astype(float), ds) == 0.0
    agreement = metrics.transform_agreement(exact, ds)
    assert set(agreement) == set(metrics.MONOTONE_TRANSFORMS)
    assert all(v["agreement"] == 1.0 and v["graphs_unchanged"] == 1.0 for v in agreement.values())


def test_permutation_error_catches_an_order_dependent_model():
    ds = data.make_dataset(3, seed=0, size=(10, 20))
    assert metrics.permutation_error(lambda d: np.arange(d.num_nodes) / d.num_nodes, ds) > 0.1


def test_shift_consistency():
    imgs, _, _ = data.make_images(3, (10, 12), seed=0)

    def exact(img):
        return grid.local_maxima(img, mode="strict")

    s = metrics.shift_consistency(exact, imgs, 1, exact=exact)
    assert s["interior_changed"] == 0.0
    assert s["border_changed"] == s["exact_border_changed"] > 0.0
    assert s["border_unexplained"] == 0.0
    assert s["interior_pixels"] + s["border_pixels"] == 3 * (2 * 9 * 12 + 2 * 10 * 11)

    def cyclic(img):  # a model that "sees" the far edge (wraps around): changes at the border only
        return img > np.roll(img, 1, axis=1)

    c = metrics.shift_consistency(cyclic, imgs, 1)
    assert c["interior_changed"] == 0.0 and c["border_changed"] > 0.0

    def position(img):  # not translation equivariant at all
        return np.indices(img.shape).sum(0) % 2 == 0

    assert metrics.shift_consistency(position, imgs, 1)["interior_changed"] > 0.4


def test_throughput():
    t = metrics.throughput(lambda: sum(range(1000)), 1000, repeat=2)
    assert t["items"] == 1000 and t["items_per_s"] > 0 and t["seconds"] >= 0


def test_asker_pairs_counts_the_flip():
    from graphmax import grid
    from graphmax.windows import grid_adjacency, is_centered_max

    img = np.random.default_rng(3).random((12, 14))

    def exact(w):
        return is_centered_max(grid_adjacency((3, 3)), w, 4, scope="window")

    right = metrics.asker_pairs(exact, img)
    inner = grid.local_maxima(img, mode="strict")[1:-1, 1:-1]
    # every interior maximum has 2-4 moved windows that fit; the exact answer gets every pair right
    assert 2 * inner.sum() <= right["pairs"] <= 4 * inner.sum() and right["pairs"] > 0
    assert right["pair_right"] == right["centred_true"] == right["moved_false"] == 1.0
    always = metrics.asker_pairs(lambda w: np.ones(len(w), bool), img)
    assert always["pairs"] == right["pairs"]
    assert always["centred_true"] == 1.0 and always["moved_false"] == 0.0 and always["pair_right"] == 0.0


def test_bootstrap_graphs_means_worst_seed_and_interval():
    correct = [np.array([10, 10, 5, 10]), np.array([10, 9, 10, 10])]
    nodes = [np.array([10, 10, 10, 10]), np.array([10, 10, 10, 10])]
    b = metrics.bootstrap_graphs(correct, nodes, resamples=2000)
    assert b["accuracy"]["mean"] == pytest.approx((35 / 40 + 39 / 40) / 2)
    assert b["accuracy"]["worst"] == pytest.approx(35 / 40)
    assert b["exact_match"]["mean"] == pytest.approx(0.75) and b["exact_match"]["worst"] == 0.75
    assert b["accuracy"]["low"] < b["accuracy"]["mean"] < b["accuracy"]["high"] <= 1.0
    # all right: a zero-width interval at 1
    one = metrics.bootstrap_graphs([np.array([3, 4])], [np.array([3, 4])])
    assert one["accuracy"] == {"mean": 1.0, "low": 1.0, "high": 1.0, "worst": 1.0}
