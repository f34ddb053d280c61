"""train_detector / Detector: learning beats a trivial classifier, determinism, save/load, every graph form."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import json

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("torch_geometric")

import torch  # noqa: E402
from torch_geometric.data import Data  # noqa: E402

import graphmax as gm  # noqa: E402
from graphmax.learn import Detector, data, metrics, train_detector  # noqa: E402
from graphmax.learn.models import OracleMax  # noqa: E402
from graphmax.learn.targets import Target  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def small_sets():
    return data.make_dataset(40, seed=0, size=(10, 25)), data.make_dataset(15, seed=0, size=(10, 25), split="val")


@pytest.fixture(scope="module")
def maxmp(small_sets):
    train, val = small_sets
    return train_detector("maxmp", train=train, val=val, epochs=8, progress=False)


def _f1(det, ds):
    preds = [p > 0 for p in det.predict_data(ds)]
    return metrics.evaluate_masks([d.y.numpy() for d in ds], preds)["f1"]


def test_tiny_training_beats_the_all_false_classifier(maxmp, small_sets):
    test = data.make_dataset(15, seed=0, size=(10, 25), split="test")
    trivial = metrics.evaluate_masks([d.y.numpy() for d in test], [np.zeros(d.num_nodes, bool) for d in test])
    assert trivial["f1"] == 0.0
    assert _f1(maxmp, test) > 0.9
    assert maxmp.learned
    t = maxmp.training
    assert t["seed"] == 0 and 1 <= t["best_epoch"] <= t["epochs"] <= 8 and len(t["history"]) == t["epochs"]
    assert {"loss", "val_loss", "val_f1", "val_accuracy"} <= set(t["history"][0])


@pytest.mark.parametrize("name", ["sage", "adjcnn"])
def test_baselines_train_and_beat_all_false(name, small_sets):
    train, val = small_sets
    det = train_detector(name, train=train, val=val, epochs=30, progress=False)
    assert _f1(det, val) > 0.0


def test_same_seed_same_weights(small_sets):
    train, val = small_sets
    a = train_detector("sage", train=train[:12], val=val[:5], epochs=2, seed=5, progress=False)
    b = train_detector("sage", train=train[:12], val=val[:5], epochs=2, seed=5, progress=False)
    c = train_detector("sage", train=train[:12], val=val[:5], epochs=2, seed=6, progress=False)
    sa, sb, sc = a.model.state_dict(), b.model.state_dict(), c.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_model_selection_uses_the_best_validation_epoch(maxmp):
    h = maxmp.training["history"]
    best = max(h, key=lambda r: (r["val_f1"], -r["val_loss"]))
    assert maxmp.training["best_epoch"] == best["epoch"]
    assert maxmp.training["val_f1"] == best["val_f1"]


@pytest.mark.parametrize("name", ["maxmp", "pna", "adjcnn", "oracle"])
def test_save_load_round_trip(name, small_sets, tmp_path):
    train, val = small_sets
    det = train_detector(name, train=train[:10], val=val[:4], epochs=1, progress=False)
    path = det.save(tmp_path / "det.pt")
    assert not [p for p in tmp_path.iterdir() if p.name != "det.pt"], "temporary file left behind"
    back = Detector.load(path)
    assert back.name == name and back.config == json.loads(json.dumps(det.config))
    for d in val:
        np.testing.assert_array_equal(back.logits(d), det.logits(d))
    payload = torch.load(path, weights_only=True)  # no pickled code needed
    assert json.loads(payload["config"])["model"] == name


def test_load_rejects_other_files(tmp_path):
    torch.save({"a": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a graphmax.learn.Detector"):
        Detector.load(tmp_path / "other.pt")
    for name, content in (("notes.txt", b"just text\n"), ("values.npy", b"\x93NUMPY\x01\x00"), ("empty.pt", b"")):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=f"{name}' is not a graphmax.learn.Detector file .*Detector.save"):
            Detector.load(tmp_path / name)


def test_predict_aligns_keyed_values():
    import pandas as pd

    G = nx.path_graph(["a", "b", "c", "d"])
    oracle = Detector(OracleMax(), "oracle")
    keyed = pd.Series({"d": 4, "c": 1, "b": 3, "a": 0})  # keys, not positions
    want = gm.local_maxima(G, keyed, mode="strict")
    assert want.tolist() == [False, True, False, True]
    np.testing.assert_array_equal(oracle.predict(G, keyed), want)
    np.testing.assert_array_equal(oracle.predict(G, {"a": 0, "b": 3, "c": 1, "d": 4}), want)


def test_oracle_is_returned_untrained_and_labelled():
    det = Detector(OracleMax(), "oracle")
    assert not det.learned and "not learned" in repr(det)
    trained = train_detector("oracle", train=data.make_dataset(2), val=data.make_dataset(1))
    assert trained.learned is False and trained.training["learned"] is False


def test_predict_accepts_every_graph_form(maxmp):
    G = nx.karate_club_graph()
    x = np.random.default_rng(0).random(G.number_of_nodes())
    want = maxmp.predict(G, x)
    assert want.dtype == bool and want.shape == (34,)
    A = nx.to_scipy_sparse_array(G, nodelist=list(G))
    ei = torch.from_numpy(np.array(A.nonzero()))
    for graph in (A, A.toarray(), sp.coo_matrix(A), gm.as_graph(G), ei, Data(edge_index=ei, num_nodes=34)):
        np.testing.assert_array_equal(maxmp.predict(graph, x), want)
    np.testing.assert_array_equal(maxmp.predict(Data(edge_index=ei, x=torch.from_numpy(x)[:, None], num_nodes=34)),
                                  want)
    # a directed graph is read with direction="both", like local_maxima's default
    np.testing.assert_array_equal(maxmp.predict(nx.DiGraph(nx.path_graph(4)), [1, 3, 2, 0]), [False, True, False, False])
    # 2-D x: independent channels
    both = maxmp.predict(G, np.stack([x, -x], axis=1))
    assert both.shape == (34, 2)
    np.testing.assert_array_equal(both[:, 0], want)
    # integer values (ties) and bool
    assert maxmp.predict(nx.path_graph(3), np.array([1, 1, 0])).tolist() == [False, False, False]
    assert maxmp.predict(nx.path_graph(3), np.array([False, True, False])).tolist() == [False, True, False]
    assert maxmp.predict(nx.empty_graph(0), np.zeros(0)).shape == (0,)
    proba = maxmp.predict_proba(G, x)
    assert ((0 <= proba) & (proba <= 1)).all()


def test_predict_matches_the_exact_answer_on_a_real_graph(maxmp):
    G = nx.les_miserables_graph()
    x = np.random.default_rng(1).random(G.number_of_nodes())
    np.testing.assert_array_equal(maxmp.predict(G, x), gm.local_maxima(G, x, mode="strict"))


def test_predict_errors(maxmp):
    G = nx.path_graph(3)
    with pytest.raises(ValueError, match="one entry per node"):
        maxmp.predict(G, [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        maxmp.predict(G, [1.0, np.nan, 2.0])
    with pytest.raises(TypeError, match="`x` is required"):
        maxmp.predict(G)
    with pytest.raises(TypeError):
        maxmp.predict(G, ["a", "b", "c"])
    with pytest.raises(ValueError, match="`model`"):
        train_detector("resnet")


def test_training_keeps_the_best_epoch_and_validates_without_gradients(small_sets):
    """The early-stopping tracker restores the best epoch's weights, and the
    validation pass builds no autograd graph (no warnings about it)."""
    import warnings

    from graphmax.learn.train import _EarlyStopping

    train, val = small_sets
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        det = train_detector("gcn", train=train, val=val, epochs=3, patience=5, progress=False)
    history = det.training["history"]
    best = max(history, key=lambda r: (r["val_f1"], -r["val_loss"]))
    assert det.training["best_epoch"] == best["epoch"]

    net = torch.nn.Linear(2, 1)
    stopper = _EarlyStopping(net, patience=2, max_time=1e9, bar=None)
    # epoch: (val_f1, val_loss); epoch 3 ties epoch 1's F1 with a lower loss: the best.
    scores = {1: (0.8, 0.5), 2: (0.7, 0.4), 3: (0.8, 0.3), 4: (0.6, 0.2), 5: (0.8, 0.3)}
    stops = []
    for epoch, (f1, val_loss) in scores.items():
        with torch.no_grad():
            net.weight.fill_(float(epoch))
        record = {"epoch": epoch, "loss": 1.0, "val_loss": val_loss, "val_f1": f1, "seconds": 0.0}
        stops.append(stopper.after_epoch(record, {"f1": f1}))
    assert stops == [False, False, False, False, True]  # two epochs past the best
    assert stopper.restore_best()["epoch"] == 3
    assert torch.all(net.weight == 3.0) and not net.training
    assert len(stopper.history) == 5


@pytest.mark.parametrize("kw", [{"mode": "nonstrict"}, {"hops": 2}, {"direction": "out"}], ids=str)
def test_each_target_is_learned_and_answered(kw, tmp_path):
    target = Target(**kw)
    train = data.make_dataset(40, seed=0, size=(10, 25), target=target)
    val = data.make_dataset(15, seed=0, size=(10, 25), split="val", target=target)
    det = train_detector("maxmp", train=train, val=val, epochs=10, progress=False, **kw)
    assert det.target == target and det.config["target"] == target.as_dict()
    assert _f1(det, data.make_dataset(15, seed=0, size=(10, 25), split="test", target=target)) > 0.8
    rng = np.random.default_rng(7)
    g = data.make_graph("er", 300, rng, directed=target.directed)
    x = rng.integers(0, 8, g.n)  # ties: the strict and nonstrict answers differ
    want = target.labels(g, x)
    assert np.array_equal(want, gm.local_maxima(g, x, mode=target.mode, hops=target.hops, direction=target.direction))
    # the strict 1-hop answer is another question
    assert want.any() and not np.array_equal(gm.local_maxima(g, x, mode="strict"), want)
    # the hand-set oracle in a Detector answers the target's question exactly: the plumbing is right
    oracle = Detector(OracleMax(target.mode), "oracle", target=target)
    np.testing.assert_array_equal(oracle.predict(g, x), want)
    np.testing.assert_array_equal(oracle.predict(g, x.astype(float) * 1e9 + 7), want)
    back = Detector.load(det.save(tmp_path / "t.pt"))
    assert back.target == target
    np.testing.assert_array_equal(back.predict(g, x), det.predict(g, x))
    # a Data from graphmax.learn.data is read through its graph, not its messages
    d = data.to_data(g, x, target=target)
    np.testing.assert_array_equal(det.predict(d), det.predict(g, x))


def test_training_data_must_answer_the_same_question(small_sets):
    train, val = small_sets
    with pytest.raises(ValueError, match="target"):
        train_detector("maxmp", mode="nonstrict", train=train, val=val, epochs=1, progress=False)
    with pytest.raises(ValueError, match="plateau"):
        train_detector("oracle", mode="plateau", train=data.make_dataset(2, target=Target("plateau")),
                       val=data.make_dataset(1, target=Target("plateau")))
    with pytest.raises(ValueError, match="`hops`"):
        train_detector("maxmp", hops=0)
