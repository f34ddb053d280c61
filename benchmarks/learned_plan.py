"""The learned benchmark's plans, models and units: what a run does, in resumable pieces, and what each costs.

A run is a list of *units* (`units`), each small enough to finish in a
session and written as one JSON part (`benchmarks.learned_parts`):

- ``data/T/s``: draw target T's sets of seed s and check every label with the
  exact detector (the labeller); records a digest of the data;
- ``select/T/m``: model m's validation grid on seed 0, then seed 0's scores
  of the chosen configuration (and, on the strict target, its probes);
- ``seed/T/m/s``: the chosen configuration trained with seed s, scored;
- ``curve/m/s/N``: the strict target's training-set-size curve point N;
- ``depth/m/L``: the plateau target with L rounds of messages (seed 0);
- ``images/s``: the image models of seed s.

The speed section is no unit: it is measured by the run that assembles the
report, so that its timings are side by side in one process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Plan", "PLANS", "MODELS", "TARGET_NAMES", "ENCODINGS", "MODEL_NOTES", "ASKER_VARIANTS", "Unit",
           "units", "grid_of", "config_name"]

#: Every model of the registry, in table order (the oracle last: hand-set, not learned).
MODELS = ("maxmp", "mpnn", "transformer", "gcn", "gin", "sage", "gat", "pna", "adjcnn", "oracle")
MODEL_NOTES = {
    "maxmp": "max of `tanh(W (r_u - r_v))` over N(v) + linear readout: aligned with the question (exact by "
             "construction on ranks once the readout threshold is right); 18 weights at 8 channels",
    "mpnn": "generic max-aggregation MPNN: learned message MLP over [h_v, h_u], update MLP, residual (CLRS processor)",
    "transformer": "PyG `TransformerConv` layers (4 heads), residual",
    "gcn": "PyG GCN (normalised sum)",
    "gin": "PyG GIN (sum + MLP)",
    "sage": "PyG GraphSAGE (mean)",
    "gat": "PyG GAT (attention, 4 heads)",
    "pna": "PyG PNA (mean/min/max/std, degree scalers)",
    "adjcnn": "CNN on each node's ego-window adjacency matrix + values (not permutation equivariant)",
    "oracle": "MaxMP with hand-set weights: upper bound, NOT learned (strict and nonstrict only)",
}
#: The asker's CNN as written (10 softmax outputs, labels 0/1), its minimal correction, the per-window rescaled one.
ASKER_VARIANTS = {
    "asker-cnn (as written, 10 outputs)": {},
    "asker-cnn (2 outputs)": {"outputs": 2},
    "asker-cnn (2 outputs, min-max windows)": {"outputs": 2, "normalize": "minmax"},
}
#: Value encodings offered to every model (`normalize=`), with their table names.
ENCODINGS = {"none": "raw", "standardize": "standardised", "rank": "rank", "rank_n": "rank/n"}
TARGET_NAMES = ("strict", "nonstrict", "hops2", "out", "plateau")


@dataclass(frozen=True)
class Plan:
    """How much of everything one run does."""

    seeds: int
    num_train: int
    num_val: int
    num_test: int
    ood: dict  #: set name -> graphs per seed
    encodings: tuple = tuple(ENCODINGS)  #: the grid's value encodings
    depths: tuple = (1, 3)  #: the grid's depths (models with layers)
    width: int = 64  #: hidden channels of the models with layers
    epochs: int = 100  #: the same cap for every learned model
    patience: int = 20
    batch_size: int = 32
    max_time: float = 120.0  #: seconds per training, the same for every model
    probe_graphs: int = 20  #: graphs for permutation / invariance probes
    train_sizes: tuple = (60, 200)  #: smaller training sets for the curves (strict target), besides num_train
    curve_seeds: int = 3  #: seeds of the training-set-size curves
    plateau_depths: tuple = (2, 4, 8)  #: more rounds of messages for the plateau target (seed 0), besides the grid's
    speed_nodes: int = 1_000_000
    speed_repeats: int = 3
    size: tuple = (20, 60)  #: node counts of the training graphs
    targets: tuple = TARGET_NAMES
    image_seeds: int = 3
    image_train: int = 120
    image_val: int = 30
    image_sets: dict = field(default_factory=dict)  #: name -> (count, (H, W), shift or None)
    asker_epochs: int = 10
    fcn_epochs: int = 200
    shift_images: int = 10
    image_shape: tuple = (32, 32)  #: training images
    photos: tuple = ("camera", "coins", "moon")  #: skimage.data photographs for the asker's pairs


_OOD_FULL = {"size4x": 60, "size10x": 30, "size100x": 10, "n=100000": 1, "n=1000000": 1, "unseen": 150,
             "affine": 150, "orders": 150, "offset": 150, "noise": 150, "heavy": 150, "adversarial": 25}
_IMAGES_FULL = {"1x": (30, (32, 32), None), "4x": (20, (64, 64), None), "10x": (10, (101, 101), None),
                "100x": (5, (320, 320), None), "shifted": (30, (32, 32), "shift")}

PLANS = {
    "full": Plan(seeds=10, num_train=600, num_val=150, num_test=150, ood=_OOD_FULL, image_sets=_IMAGES_FULL),
    # Every model on every target, one seed, a two-point grid: the harness, not the scores (< 3 min on 2 cores).
    "quick": Plan(
        seeds=1, num_train=60, num_val=20, num_test=20,
        ood={"size10x": 4, "n=10000": 1, "unseen": 12, "noise": 10, "heavy": 10, "orders": 10, "adversarial": 5},
        encodings=("none", "rank"), depths=(1,), width=16, epochs=4, patience=4, max_time=10.0, probe_graphs=4,
        train_sizes=(20,), curve_seeds=1, plateau_depths=(2,),
        speed_nodes=10_000, speed_repeats=1, image_seeds=1, image_train=8, image_val=4, asker_epochs=1,
        fcn_epochs=2, shift_images=2, photos=("camera",),
        image_sets={"1x": (4, (32, 32), None), "4x": (2, (64, 64), None), "shifted": (4, (32, 32), "shift")},
    ),
    # Seconds: every code path on toy sizes, for the tests that write files.
    "smoke": Plan(
        seeds=1, num_train=16, num_val=8, num_test=8,
        ood={"size4x": 2, "n=2000": 1, "unseen": 6, "heavy": 4, "adversarial": 2},
        encodings=("rank",), depths=(1,), width=8, epochs=2, patience=2, max_time=5.0, probe_graphs=2,
        train_sizes=(8,), curve_seeds=1, plateau_depths=(2,),
        speed_nodes=2000, speed_repeats=1, size=(8, 16), targets=("strict", "nonstrict"), image_seeds=1,
        image_train=4, image_val=2, asker_epochs=1, fcn_epochs=1, shift_images=1, image_shape=(16, 16),
        photos=("camera",), image_sets={"1x": (2, (16, 16), None), "4x": (1, (32, 32), None),
                                        "shifted": (2, (16, 16), "shift")},
    ),
}


def grid_of(model, plan):
    """The validation grid of `model`: a list of keyword dicts for `train_detector`."""
    if model == "oracle":
        return [{}]
    if model in ("maxmp", "adjcnn"):
        return [{"normalize": e} for e in plan.encodings]
    return [{"normalize": e, "num_layers": d, "hidden_channels": plan.width} for d in plan.depths
            for e in plan.encodings]


def config_name(config):
    """``rank, 3 layers`` for a grid point."""
    if not config:
        return "hand-set"
    parts = [ENCODINGS.get(config.get("normalize"), config.get("normalize"))]
    if "num_layers" in config:
        parts.append(f"{config['num_layers']} layer{'s' if config['num_layers'] != 1 else ''}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Unit:
    """One resumable piece of a run (see the module docstring)."""

    kind: str  #: data, select, seed, curve, depth, images
    target: str | None = None
    model: str | None = None
    seed: int = 0
    size: int | None = None  #: curve: training graphs; depth: layers

    @property
    def key(self) -> str:
        """The part's file name (without ``.json``): ``seed-strict-maxmp-s3``."""
        bits = [self.kind, self.target, self.model, f"s{self.seed}",
                None if self.size is None else f"{'L' if self.kind == 'depth' else 'n'}{self.size}"]
        return "-".join(b for b in bits if b is not None)

    def needs(self) -> tuple:
        """Keys of the units whose parts this one reads (they come earlier in `units`' order)."""
        if self.kind in ("seed", "curve", "depth"):
            return (Unit("select", self.target, self.model).key,)
        return ()


def units(plan, models, targets, *, images=True):
    """Every unit of a run, in the order they run: per target, seed by seed (units of one seed share its
    data, drawn once per process); the image units last."""
    out = []
    for tname in targets:
        run_models = [m for m in models if not (m == "oracle" and tname == "plateau")]
        for seed in range(plan.seeds):
            out.append(Unit("data", tname, seed=seed))
            for model in run_models:
                out.append(Unit("select", tname, model) if seed == 0 else Unit("seed", tname, model, seed))
                if tname == "strict" and model != "oracle" and seed < plan.curve_seeds:
                    out += [Unit("curve", tname, model, seed, n) for n in plan.train_sizes if n < plan.num_train]
                if tname == "plateau" and seed == 0 and any("num_layers" in c for c in grid_of(model, plan)):
                    out += [Unit("depth", tname, model, 0, d) for d in plan.plateau_depths]
    if images:
        out += [Unit("images", seed=s) for s in range(min(plan.image_seeds, plan.seeds))]
    return out
