"""graphmax.learn.models: output shapes, permutation equivariance, the oracle, the rank transform."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import networkx as nx
import numpy as np
import pytest

pytest.importorskip("torch_geometric")

import torch  # noqa: E402
from torch_geometric.data import Batch  # noqa: E402

import graphmax as gm  # noqa: E402
from graphmax.learn import data  # noqa: E402
from graphmax.learn.models import MODELS, BaselineGNN, MaxMP, MaxMPConv, OracleMax, build_model  # noqa: E402
from graphmax.learn.models._inputs import graph_dense_rank, normalize_values  # noqa: E402
from graphmax.learn.targets import Target  # noqa: E402
from graphmax.learn.train import degree_histogram  # noqa: E402

torch.set_num_threads(1)

GNNS = ("maxmp", "oracle", "mpnn", "transformer", "gcn", "gin", "sage", "gat", "pna")


@pytest.fixture(scope="module")
def graphs():
    return data.make_dataset(6, seed=0, size=(8, 20))


def _model(name, graphs):
    torch.manual_seed(0)
    kwargs = {"deg": degree_histogram(graphs)} if name == "pna" else {}
    return build_model(name, **kwargs).eval()


@pytest.mark.parametrize("name", GNNS)
def test_shapes_and_dtype(name, graphs):
    model = _model(name, graphs)
    batch = Batch.from_data_list(graphs)
    out = model(batch.x, batch.edge_index, batch.batch)
    assert out.shape == (batch.num_nodes,)
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()
    assert "(" in repr(model)


@pytest.mark.parametrize("name", GNNS)
def test_permutation_equivariance(name, graphs):
    model = _model(name, graphs)
    rng = np.random.default_rng(0)
    for d in graphs:
        perm = rng.permutation(d.num_nodes)
        inv = np.argsort(perm)
        a = model(d.x, d.edge_index)
        b = model(d.x[inv], torch.from_numpy(perm[d.edge_index.numpy()]))[perm]
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_batching_does_not_mix_graphs(graphs):
    """Per-graph transforms (rank, standardize) see each graph alone."""
    for normalize in ("rank", "rank_n", "standardize"):
        torch.manual_seed(0)
        model = MaxMP(normalize=normalize).eval()
        batch = Batch.from_data_list(graphs)
        together = model(batch.x, batch.edge_index, batch.batch)
        alone = torch.cat([model(d.x, d.edge_index) for d in graphs])
        torch.testing.assert_close(together, alone)


def test_registry():
    assert set(GNNS) | {"adjcnn"} == set(MODELS)
    with pytest.raises(ValueError, match="`model`"):
        build_model("resnet")
    with pytest.raises(ValueError, match="`num_layers`"):
        build_model("mpnn", num_layers=0)
    with pytest.raises(ValueError, match="`heads`"):
        build_model("transformer", hidden_channels=10, heads=4)
    with pytest.raises(ValueError, match="plateau"):
        OracleMax("plateau")
    with pytest.raises(ValueError, match="`deg`"):
        BaselineGNN("pna")
    with pytest.raises(ValueError, match="`family`"):
        BaselineGNN("mlp")
    with pytest.raises(ValueError, match="`normalize`"):
        MaxMP(normalize="log")


@pytest.mark.parametrize("target", [Target(), Target("nonstrict"), Target(hops=2), Target(direction="out"),
                                    Target("nonstrict", 2, "in")], ids=lambda t: t.name)
def test_oracle_is_exact_on_every_local_target_and_not_learned(target):
    oracle = OracleMax(target.mode)
    assert not oracle.learned and not any(p.requires_grad for p in oracle.parameters())
    rng = np.random.default_rng(0)
    for family in data.FAMILIES:
        for signal in data.SIGNALS:
            g = data.make_graph(family, 30, rng, directed=target.directed)
            x = data.make_signal(signal, g, rng)
            d = data.to_data(g, x, target=target)
            np.testing.assert_array_equal(d.y.numpy(), gm.local_maxima(g, x, mode=target.mode, hops=target.hops,
                                                                       direction=target.direction))
            got = (oracle(d.x, d.edge_index) > 0).numpy()
            np.testing.assert_array_equal(got, d.y.numpy())


def test_oracle_on_the_specs_worked_examples():
    """Ties, an isolated node (never a maximum: min_neighbors=1), a directed path."""
    cases = [([[0, 1], [1, 2], [2, 3]], 4, [1, 3, 3, 2], {"strict": [0, 0, 0, 0], "nonstrict": [0, 1, 1, 0]}),
             ([[0, 1], [1, 2], [2, 0]], 4, [5, 5, 5, 0], {"strict": [0, 0, 0, 0], "nonstrict": [1, 1, 1, 0]})]
    for edges, n, x, want in cases:
        g = gm.from_edges(np.array(edges + [e[::-1] for e in edges]), n=n)
        for mode, expected in want.items():
            d = data.to_data(g, np.array(x), target=Target(mode))
            assert (OracleMax(mode)(d.x, d.edge_index) > 0).numpy().astype(int).tolist() == expected
    path = gm.from_edges(np.array([[0, 1], [1, 2]]), n=3)
    d = data.to_data(path, np.array([3, 2, 1]), target=Target(direction="out"))
    assert (OracleMax()(d.x, d.edge_index) > 0).tolist() == [True, True, False]


def test_maxmp_conv_reads_only_differences():
    conv = MaxMPConv(1, 4)
    G = nx.path_graph(5)
    ei = torch.tensor(list(G.edges) + [e[::-1] for e in G.edges]).T
    x = torch.tensor([[1.0], [3.0], [2.0], [2.0], [0.5]], dtype=torch.float64)
    torch.testing.assert_close(conv(x, ei), conv(x + 7.0, ei))
    # a tie sends exactly 0, like a missing neighbour
    flat = torch.ones(5, 1, dtype=torch.float64)
    assert torch.equal(conv(flat, ei), torch.zeros(5, 4))


def test_dense_rank():
    x = torch.tensor([3.0, -torch.inf, 3.0, 1.0, torch.inf, 7.0, 7.0])
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    assert graph_dense_rank(x, batch).tolist() == [3.0, 1.0, 3.0, 2.0, 2.0, 1.0, 1.0]
    big = torch.tensor([2**62, 2**62 + 1, 5], dtype=torch.int64)  # ints ranked exactly, no float rounding
    assert graph_dense_rank(big).tolist() == [2.0, 3.0, 1.0]
    assert graph_dense_rank(torch.zeros(0)).shape == (0,)


def test_rank_input_is_invariant_to_increasing_maps(graphs):
    torch.manual_seed(0)
    model = MaxMP().eval()
    for d in graphs:
        x = d.x
        for f in (lambda v: 1000 * v - 300, torch.exp, lambda v: v**3 + 5):
            torch.testing.assert_close(model(f(x), d.edge_index), model(x, d.edge_index))


def test_standardize():
    x = torch.tensor([[1.0], [2.0], [3.0], [5.0], [5.0]])
    out = normalize_values(x, torch.tensor([0, 0, 0, 1, 1]), "standardize")
    torch.testing.assert_close(out[:3, 0], torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64) * np.sqrt(1.5))
    assert out[3:].abs().max() == 0  # a constant graph: std 0 -> 1


def test_certificate():
    cert = OracleMax().certify()
    assert cert["exact"] and cert["margin"] == pytest.approx(1.0)
    assert set(cert["cases"]) == {"above every neighbour", "tie", "below a neighbour", "no neighbour"}
    broken = OracleMax()
    with torch.no_grad():
        broken.readout.bias.fill_(1.0)  # says "maximum" for a tie or a lonely node
    cert = broken.certify()
    assert not cert["exact"] and not cert["cases"]["tie"]["ok"] and not cert["cases"]["no neighbour"]["ok"]
    # the strict oracle is not a nonstrict one (a tie is a nonstrict maximum), and vice versa
    assert not OracleMax().certify("nonstrict")["exact"]
    assert not OracleMax("nonstrict").certify("strict")["exact"]
    nonstrict = OracleMax("nonstrict").certify("nonstrict")
    assert nonstrict["exact"] and nonstrict["margin"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="rank"):
        MaxMP(normalize="none").certify()
    with pytest.raises(ValueError, match="plateau"):
        OracleMax().certify("plateau")


def test_rank_over_n():
    x = torch.tensor([[3.0], [1.0], [3.0], [9.0], [2.0], [2.0]])
    out = normalize_values(x, torch.tensor([0, 0, 0, 0, 1, 1]), "rank_n")[:, 0]
    torch.testing.assert_close(out, torch.tensor([2 / 4, 1 / 4, 2 / 4, 3 / 4, 1 / 2, 1 / 2], dtype=torch.float64))


def test_a_certified_model_is_exact_on_adversarial_inputs():
    """Huge graphs, near-ties, wild value ranges: a proved model cannot miss."""
    torch.manual_seed(0)
    model = OracleMax()
    rng = np.random.default_rng(0)
    g = data.make_graph("ba", 3000, rng)
    x = 1e6 + np.round(rng.random(g.n) * 50) * 1e-9  # ties, and gaps of 1e-9 (~8 ulps) at 1e6
    d = data.to_data(g, x)
    assert d.y.any() and len(np.unique(x)) == 51
    np.testing.assert_array_equal((model(d.x, d.edge_index) > 0).numpy(), d.y.numpy())
