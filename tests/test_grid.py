"""graphmax.grid against scikit-image (plateau mode) and the graph path (every mode) on images."""

import itertools
import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphmax as gm
from graphmax import grid

skimage = pytest.importorskip("skimage")
from skimage import data as skdata  # noqa: E402
from skimage import morphology  # noqa: E402

MODES = ("strict", "nonstrict", "plateau")
T, F = True, False
SMALL_OK = pytest.mark.filterwarnings("ignore:maxima can't exist for an image:UserWarning")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def sk_maxima(image, connectivity, allow_border, minima=False):
    """scikit-image's answer, its too-small-image warning silenced."""
    f = morphology.local_minima if minima else morphology.local_maxima
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return f(image, connectivity=connectivity, allow_borders=allow_border)


def graph_maxima(image, connectivity, mode, minima=False, **kw):
    """The graph path on the grid graph of `image`, reshaped."""
    f = gm.local_minima if minima else gm.local_maxima
    adj = grid.grid_adjacency(image.shape, connectivity)
    return f(adj, image.ravel(), mode=mode, **kw).reshape(image.shape)


def assert_matches_skimage(image, minima=False):
    f = grid.local_minima if minima else grid.local_maxima
    for c in range(1, image.ndim + 1):
        for b in (True, False):
            got = f(image, connectivity=c, allow_borders=b)
            assert got.dtype == bool and got.shape == image.shape
            np.testing.assert_array_equal(got, sk_maxima(image, c, b, minima), err_msg=f"connectivity={c} border={b}")


# -- hand-drawn cases, one per rule -----------------------------------------------------------
# docs/semantics.md §3 worked examples on paths = 1-D images.
@pytest.mark.parametrize(
    "x, strict, nonstrict, plateau",
    [
        ([1, 3, 2], [F, T, F], [F, T, F], [F, T, F]),
        ([1, 3, 3, 2], [F] * 4, [F, T, T, F], [F, T, T, F]),
        ([1, 3, 3, 4, 0], [F, F, F, T, F], [F, T, F, T, F], [F, F, F, T, F]),
        ([5, 5, 5], [F] * 3, [T] * 3, [F] * 3),
    ],
)
def test_spec_worked_examples_on_1d(x, strict, nonstrict, plateau):
    for mode, want in zip(MODES, (strict, nonstrict, plateau)):
        assert grid.local_maxima(np.array(x), mode=mode).tolist() == want, mode


def test_skimage_docstring_example():
    image = np.zeros((4, 7), dtype=int)
    image[1:3, 1:3] = 1
    image[3, 0] = 1
    image[1:3, 4:6] = 2
    image[3, 6] = 3
    want_full = np.zeros((4, 7), bool)
    want_full[1:3, 1:3] = want_full[3, 0] = want_full[3, 6] = True
    np.testing.assert_array_equal(grid.local_maxima(image), want_full)
    want_c1 = want_full.copy()
    want_c1[1:3, 4:6] = True  # diagonal (3, 6) no longer touches the 2-plateau
    np.testing.assert_array_equal(grid.local_maxima(image, connectivity=1), want_c1)
    want_c1[3] = False
    np.testing.assert_array_equal(grid.local_maxima(image, connectivity=1, allow_borders=False), want_c1)
    got = grid.local_maxima(image, indices=True)
    assert isinstance(got, tuple) and len(got) == 2
    np.testing.assert_array_equal(np.transpose(got), np.argwhere(want_full))


def test_connectivity_decides_neighbours():
    image = np.array([[0, 0, 0], [0, 2, 0], [0, 0, 3]])
    assert grid.local_maxima(image, mode="strict", connectivity=1)[1, 1]
    assert not grid.local_maxima(image, mode="strict", connectivity=2)[1, 1]
    assert not grid.local_maxima(image, mode="strict")[1, 1]  # default: full neighbourhood


def test_plateau_through_diagonal_only_with_full_connectivity():
    image = np.array([[0, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 3], [0, 0, 0, 0]])
    # connectivity 2: {(1,1),(2,2)} is one plateau, and (2,2) touches 3 -> neither is a maximum.
    assert not grid.local_maxima(image)[1, 1]
    # connectivity 1: (1,1) is its own plateau, above its 4 neighbours.
    assert grid.local_maxima(image, connectivity=1)[1, 1]


def test_constant_images_and_min_neighbors():
    for shape in [(1,), (5,), (3, 4), (2, 2, 2)]:
        image = np.full(shape, 7)
        assert not grid.local_maxima(image).any()
        assert grid.local_maxima(image, min_neighbors=0).all()
        assert grid.local_maxima(image, mode="nonstrict").all() == (image.size > 1)
        assert not grid.local_maxima(image, mode="strict").any()
    # A single pixel has no neighbour: a maximum only in the vacuous reading.
    assert not grid.local_maxima([4.0]).any()
    for mode in MODES:
        assert grid.local_maxima([4.0], mode=mode, min_neighbors=0).tolist() == [True]
    # A corner pixel has 3 neighbours (full connectivity), an edge pixel 5.
    image = np.zeros((3, 3))
    image[0, 0] = 1
    assert grid.local_maxima(image, min_neighbors=3)[0, 0]
    assert not grid.local_maxima(image, min_neighbors=4)[0, 0]
    assert not grid.local_maxima(image, connectivity=1, min_neighbors=3)[0, 0]


def test_min_neighbors_counts_distinct_pixels_around_a_plateau():
    image = np.array([0, 5, 5, 0])  # the plateau {1, 2} has 2 outside neighbours
    assert grid.local_maxima(image, min_neighbors=2).tolist() == [F, T, T, F]
    assert not grid.local_maxima(image, min_neighbors=3).any()
    image = np.array([[0, 0, 0], [0, 5, 5]])  # outside: 4 pixels, each seen twice
    assert grid.local_maxima(image, min_neighbors=4)[1, 1]
    assert not grid.local_maxima(image, min_neighbors=5)[1, 1]


def test_allow_border_rules():
    image = np.array([[9, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 5, 5, 4], [0, 0, 0, 0, 0]])
    plateau = grid.local_maxima(image, allow_borders=False)
    assert plateau.sum() == 2 and plateau[2, 2] and plateau[2, 3]
    image[2, 4] = 5  # the plateau now touches the border
    assert not grid.local_maxima(image, allow_borders=False).any()
    assert grid.local_maxima(image, mode="nonstrict", allow_borders=False)[2, 1:4].tolist() == [F, T, T]
    assert grid.local_maxima(image)[0, 0] and not grid.local_maxima(image, mode="strict", allow_borders=False)[0, 0]
    # Too small to have an interior: no maxima, and scikit-image's warning (pointing at the caller).
    for shape in [(2,), (2, 5), (5, 2), (3, 3, 2)]:
        image = np.random.default_rng(0).random(shape)
        for f in (grid.local_maxima, grid.local_minima):
            for mode in MODES:
                with pytest.warns(UserWarning, match="maxima can't exist for an image with any dimension") as w:
                    assert not f(image, mode=mode, allow_borders=False).any()
                assert w[0].filename == __file__


def test_border_plateau_at_image_minimum():
    """scikit-image pads with image.min(): a minimum-valued plateau is never a maximum there either."""
    image = np.array([[1, 1, 1], [1, 3, 1], [1, 1, 1]], dtype=np.uint8)
    assert grid.local_maxima(image).sum() == 1
    assert_matches_skimage(image)
    assert_matches_skimage(image, minima=True)


def test_float_specials():
    image = np.array([[-np.inf, 0.0, -0.0], [np.inf, np.inf, 1.0], [-0.0, 2.5, -np.inf]])
    assert_matches_skimage(image)
    assert_matches_skimage(image, minima=True)
    for mode in MODES:
        np.testing.assert_array_equal(grid.local_maxima(image, mode=mode), graph_maxima(image, 2, mode))


def test_minima_no_overflow():
    for dtype in (np.uint8, np.uint64, np.int64, np.int8):
        info = np.iinfo(dtype)
        image = np.array([[info.max, info.min, info.max]], dtype=dtype)
        assert grid.local_minima(image, mode="strict").tolist() == [[F, T, F]]
        assert grid.local_maxima(image, mode="strict").tolist() == [[T, F, T]]
    assert grid.local_minima(np.array([True, False, True])).tolist() == [F, T, F]


# -- scikit-image on its bundled images --------------------------------------------------------
def _bundled():
    astronaut = skdata.astronaut()
    yield "camera", skdata.camera()
    yield "coins", skdata.coins()
    yield "moon", skdata.moon()
    yield "page", skdata.page()
    yield "text", skdata.text()
    for c in range(3):
        yield f"astronaut[..., {c}]", astronaut[..., c]  # strided views
    yield "astronaut (3-D)", astronaut
    yield "horse (bool)", skdata.horse()
    yield "binary_blobs 3-D (bool)", skdata.binary_blobs(48, n_dim=3, rng=1)
    yield "shepp_logan_phantom (float64)", skdata.shepp_logan_phantom()
    yield "lfw_subset (3-D float64)", skdata.lfw_subset()[:60]


@pytest.mark.parametrize("name, image", list(_bundled()), ids=lambda v: v if isinstance(v, str) else "")
def test_bundled_images_match_skimage(name, image):
    assert_matches_skimage(image)
    assert_matches_skimage(image, minima=True)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint64", "int8", "int32", "int64", "float32", "float64", "bool"])
def test_dtypes_match_skimage(dtype):
    camera = skdata.camera()[150:280, 200:330]
    if dtype == "bool":
        image = camera > 120
    elif dtype == "uint64":
        image = np.uint64(2**64 - 1) - camera.astype(np.uint64)  # values at the top of the range
    elif dtype == "int8":
        image = (camera // 2).astype(np.int16).astype(np.int8) - np.int8(64)
    elif dtype in ("float32", "float64"):
        image = (camera / 7.0).astype(dtype)
    else:
        image = camera.astype(dtype)
        if np.dtype(dtype).kind == "i":
            image = image - image.dtype.type(100)
    assert image.dtype == np.dtype(dtype)
    assert_matches_skimage(image)
    assert_matches_skimage(image, minima=True)
    assert_matches_skimage(np.ascontiguousarray(image.T[::2]))  # another layout and shape


def test_crops_match_graph_path():
    camera = skdata.camera()
    rng = np.random.default_rng(7)
    for _ in range(4):
        r, c = rng.integers(0, 440, 2)
        crop = camera[r : r + 48, c : c + 60]
        for connectivity in (1, 2):
            for mode in MODES:
                for minima in (False, True):
                    f = grid.local_minima if minima else grid.local_maxima
                    np.testing.assert_array_equal(
                        f(crop, connectivity=connectivity, mode=mode),
                        graph_maxima(crop, connectivity, mode, minima),
                    )


# -- random images with ties -------------------------------------------------------------------
def _shapes(max_ndim=4):
    return st.integers(1, max_ndim).flatmap(
        lambda nd: st.tuples(*[st.integers(1, 7 if nd <= 2 else 4)] * nd)
    )


@st.composite
def tie_images(draw, max_ndim=4):
    shape = draw(_shapes(max_ndim))
    dtype = draw(st.sampled_from(["uint8", "int64", "float64", "bool", "uint64"]))
    values = st.booleans() if dtype == "bool" else st.integers(0, 3)
    image = draw(hnp.arrays(dtype, shape, elements=values))
    if dtype == "uint64":
        image = image + np.uint64(2**64 - 4)  # 0..3 at the very top of the range
    return image


@SMALL_OK
@FAST
@given(image=tie_images(), data=st.data())
def test_random_images_match_skimage(image, data):
    c = data.draw(st.integers(1, image.ndim))
    b = data.draw(st.booleans())
    minima = data.draw(st.booleans())
    f = grid.local_minima if minima else grid.local_maxima
    np.testing.assert_array_equal(f(image, connectivity=c, allow_borders=b), sk_maxima(image, c, b, minima))


@FAST
@given(image=tie_images(max_ndim=3), data=st.data())
def test_random_images_match_graph_path(image, data):
    c = data.draw(st.integers(1, image.ndim))
    mode = data.draw(st.sampled_from(MODES))
    m = data.draw(st.integers(0, 3))
    minima = data.draw(st.booleans())
    f = grid.local_minima if minima else grid.local_maxima
    got = f(image, connectivity=c, mode=mode, min_neighbors=m)
    np.testing.assert_array_equal(got, graph_maxima(image, c, mode, minima, min_neighbors=m))


@SMALL_OK
@FAST
@given(shape=_shapes(3), data=st.data())
def test_nan_omit_matches_graph_path(shape, data):
    image = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([np.nan, 0.0, 1.0, 2.0])))
    c = data.draw(st.integers(1, image.ndim))
    mode = data.draw(st.sampled_from(MODES))
    m = data.draw(st.integers(0, 2))
    b = data.draw(st.booleans())
    minima = data.draw(st.booleans())
    f = grid.local_minima if minima else grid.local_maxima
    got = f(image, connectivity=c, mode=mode, min_neighbors=m, nan_policy="omit", allow_borders=b)
    want = graph_maxima(image, c, mode, minima, min_neighbors=m, nan_policy="omit")
    if not b:  # the graph path knows no border: the border is the image's, NaN or not
        want &= np.pad(np.ones(tuple(max(s - 2, 0) for s in shape), bool), 1)[tuple(slice(0, s) for s in shape)]
        if mode == "plateau":
            want &= _plateaus_off_border(image, c)
    np.testing.assert_array_equal(got, want)
    assert not got[np.isnan(image)].any()


def _plateaus_off_border(image, connectivity):
    """Pixels whose plateau (connected equal non-NaN values) avoids the image border."""
    from scipy import ndimage

    structure = ndimage.generate_binary_structure(image.ndim, connectivity)
    ok = np.ones(image.shape, bool)
    for v in np.unique(image[~np.isnan(image)]):
        labels, _ = ndimage.label(image == v, structure)
        edge = np.ones(image.shape, bool)
        edge[tuple(slice(1, -1) for _ in image.shape)] = False
        ok &= ~np.isin(labels, np.unique(labels[edge & (labels > 0)]))
    return ok


@pytest.mark.parametrize("seed", range(3))
def test_parallel_fill_matches_sequential(seed, monkeypatch):
    """The banded (parallel) plateau fill, forced on small images, agrees with skimage and the graph path."""
    monkeypatch.setattr(grid, "_PARALLEL_FILL", 0)
    rng = np.random.default_rng(seed)
    for shape in [(40,), (9, 11), (6, 5, 7), (4, 3, 5, 3)]:
        image = rng.integers(0, 3, shape)
        assert_matches_skimage(image)
        for mode in MODES:
            np.testing.assert_array_equal(grid.local_maxima(image, mode=mode), graph_maxima(image, image.ndim, mode))
        big = np.kron(image, np.ones((2,) * image.ndim, dtype=int))  # large plateaus crossing bands
        assert_matches_skimage(big)


@FAST
@given(image=tie_images(), data=st.data())
def test_plateau_spread_any_sweeps_and_bands(image, data):
    """`propagate_plateaus` with every number of SIMD sweeps and bands (forced,
    whatever the image size) against skimage and the flood fill it replaced."""
    from graphmax._kernels import grid as gk

    c = data.draw(st.integers(1, image.ndim))
    b = data.draw(st.booleans())
    m = data.draw(st.integers(0, 1))
    x = grid._pixel_values(image, False)
    shape = np.array(image.shape, dtype=np.int64)
    deltas, offsets = grid._neighbour_offsets(image.shape, c)
    state, nans, candidates = gk.classify(x, shape, deltas, offsets, gk.PLATEAU, m, b, False)
    # The counts size later buffers: they must be exact (grouped short rows redo their row ends).
    assert candidates == np.isin(state, [gk.CANDIDATE, gk.BORDER_CANDIDATE]).sum() and nans == 0
    filled = state.copy()
    if candidates:
        gk.fill_plateaus(x, filled, shape, deltas, offsets, m, False, candidates, 1)
    want = filled.view(bool).reshape(image.shape)
    if m == 1:
        np.testing.assert_array_equal(want, sk_maxima(image, c, b))
    for sweeps in range(4):
        for bands in (1, 2, 3):
            got = state.copy()
            if candidates:
                gk.propagate_plateaus(x, got, shape, deltas, offsets, m, candidates, bands, sweeps)
            np.testing.assert_array_equal(got.view(bool).reshape(image.shape), want, err_msg=f"{sweeps} {bands}")


def test_large_images_match_skimage():
    """Long rows (split into chunks), many plateau candidates (the parallel fill), 3-D and 4-D."""
    rng = np.random.default_rng(11)
    for image in [
        rng.integers(0, 4, 50_000).astype(np.uint8),
        rng.integers(0, 3, (3, 40_000)),
        rng.integers(0, 4, (400, 300)).astype(np.uint8),
        rng.random((60, 70, 50)),
        rng.integers(0, 5, (9, 10, 11, 12)).astype(np.int16),
    ]:
        for c in (1, image.ndim):
            for b in (True, False):
                np.testing.assert_array_equal(grid.local_maxima(image, connectivity=c, allow_borders=b),
                                              sk_maxima(image, c, b))


# -- grid_adjacency ----------------------------------------------------------------------------
def _brute_adjacency(shape, connectivity):
    coords = list(itertools.product(*[range(s) for s in shape]))
    n = len(coords)
    dense = np.zeros((n, n))
    for i, a in enumerate(coords):
        for j, b in enumerate(coords):
            diff = [abs(p - q) for p, q in zip(a, b)]
            if max(diff, default=0) == 1 and sum(d != 0 for d in diff) <= connectivity:
                dense[i, j] = 1
    return dense


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (1, 6), (3, 2, 4), (2, 3, 2, 2), (0, 3)])
def test_grid_adjacency_brute_force(shape):
    for c in range(1, len(shape) + 1):
        adj = grid.grid_adjacency(shape, c)
        assert isinstance(adj, sp.csr_array) and adj.shape == (np.prod(shape),) * 2
        assert adj.has_sorted_indices and adj.dtype == np.float64
        np.testing.assert_array_equal(adj.toarray(), _brute_adjacency(shape, c))
    np.testing.assert_array_equal(grid.grid_adjacency(shape).toarray(), _brute_adjacency(shape, len(shape)))


def test_grid_adjacency_matches_networkx():
    G = nx.grid_2d_graph(6, 8)  # nodes (i, j) in row-major order
    want = nx.to_scipy_sparse_array(G, nodelist=sorted(G), format="csr")
    np.testing.assert_array_equal(grid.grid_adjacency((6, 8), connectivity=1).toarray(), want.toarray())
    G = nx.grid_graph(dim=(4, 3, 5))  # node (i, j, k) has i < 5, j < 3, k < 4: shape reversed
    want = nx.to_scipy_sparse_array(G, nodelist=sorted(G), format="csr")
    np.testing.assert_array_equal(grid.grid_adjacency((4, 3, 5)[::-1], 1).toarray(), want.toarray())


def test_grid_adjacency_accepts_int_shape():
    np.testing.assert_array_equal(grid.grid_adjacency(4).toarray(), grid.grid_adjacency((4,)).toarray())


# -- API contract ------------------------------------------------------------------------------
def test_indices_and_empty_images():
    image = np.random.default_rng(3).integers(0, 4, (7, 9))
    got = grid.local_maxima(image, indices=True)
    want = np.nonzero(grid.local_maxima(image))
    assert isinstance(got, tuple) and len(got) == 2
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == np.int64
    for shape in [(0,), (0, 4), (3, 0, 2)]:
        empty = np.zeros(shape)
        assert grid.local_maxima(empty).shape == shape and grid.local_maxima(empty).dtype == bool
        got = grid.local_minima(empty, indices=True)
        assert len(got) == len(shape) and all(g.shape == (0,) for g in got)
    assert [g.shape for g in grid.local_maxima(np.zeros((3, 3)), indices=True)] == [(0,), (0,)]


def test_array_like_and_layouts():
    image = np.random.default_rng(4).integers(0, 4, (8, 10))
    want = grid.local_maxima(image)
    np.testing.assert_array_equal(grid.local_maxima(image.tolist()), want)
    np.testing.assert_array_equal(grid.local_maxima(np.asfortranarray(image)), want)
    np.testing.assert_array_equal(grid.local_maxima(image.T), want.T)
    np.testing.assert_array_equal(grid.local_maxima(image[::-1, ::2]), grid.local_maxima(image[::-1, ::2].copy()))


@SMALL_OK
def test_inputs_never_modified():
    rng = np.random.default_rng(5)
    for image in [rng.integers(0, 3, (9, 9)).astype(np.uint8), rng.random((6, 7)), np.array([[1.0, np.nan, 2.0]])]:
        before = image.copy()
        image.flags.writeable = False  # would raise on any write
        for f in (grid.local_maxima, grid.local_minima):
            for mode in MODES:
                f(image, mode=mode, nan_policy="omit", allow_borders=False)
                f(image, mode=mode, nan_policy="omit", min_neighbors=2)
        np.testing.assert_array_equal(image, before)


def test_nan_raise_and_omit():
    image = np.array([[0.0, 1.0, np.nan], [0.0, 3.0, 0.0]])
    with pytest.raises(ValueError, match=r"`image` contains 1 NaN"):
        grid.local_maxima(image)
    with pytest.raises(ValueError, match=r"`image` contains 1 NaN"):
        grid.local_minima(image)
    assert grid.local_maxima(image, nan_policy="omit").tolist() == [[F, F, F], [F, T, F]]
    # A pixel whose only neighbours are NaN is isolated.
    lonely = np.array([np.nan, 2.0, np.nan, 1.0])
    assert grid.local_maxima(lonely, nan_policy="omit").tolist() == [F, F, F, F]
    assert grid.local_maxima(lonely, nan_policy="omit", min_neighbors=0).tolist() == [F, T, F, T]


@pytest.mark.parametrize("f", [grid.local_maxima, grid.local_minima])
@pytest.mark.parametrize(
    "image, kwargs, error, match",
    [
        (np.float64(3.0), {}, ValueError, r"`image` must have at least 1 dimension, got a 0-d array"),
        (np.ones(3, dtype=complex), {}, TypeError, r"`image` must be real, got complex dtype complex128"),
        (np.array(["a", "b"]), {}, TypeError, r"`image` must be bool, integer or float, got dtype <U1"),
        (np.ones(3, dtype=object), {}, TypeError, r"`image` must be bool, integer or float, got dtype object"),
        (np.ones((3, 3)), {"connectivity": "full"}, TypeError, r"`connectivity` must be a number, got 'full'"),
        (np.ones((3, 3)), {"connectivity": np.nan}, TypeError, r"`connectivity` must be a number, got nan"),
        (np.ones((3, 3)), {"connectivity": True}, TypeError, r"`connectivity` must be a number, got True"),
        (np.ones(3), {"mode": "peak"}, ValueError, r"`mode` must be one of .*got 'peak'"),
        (np.ones(3), {"allow_borders": "no"}, TypeError, r"`allow_borders` must be True or False, got 'no'"),
        (np.ones(3), {"indices": "yes"}, TypeError, r"`indices` must be True or False, got 'yes'"),
        (np.ones((3, 3)), {"footprint": np.ones(3)}, ValueError, r"`footprint` must have image.ndim=2 dim"),
        (np.ones((3, 3)), {"footprint": np.ones((3, 5))}, ValueError, r"`footprint` must have length 3 along"),
        (np.ones((3, 3)), {"footprint": [["a"] * 3] * 3}, TypeError, r"`footprint` must be an array of bools"),
        (np.ones(3), {"min_neighbors": -1}, ValueError, r"`min_neighbors` must be an integer >= 0, got -1"),
        (np.ones(3), {"nan_policy": "propagate"}, ValueError, r"`nan_policy` must be one of .*got 'propagate'"),
    ],
)
def test_errors(f, image, kwargs, error, match):
    with pytest.raises(error, match=match):
        f(image, **kwargs)


@pytest.mark.parametrize(
    "shape, kwargs, error, match",
    [
        ((), {}, ValueError, r"`shape` must be a non-empty tuple of integers >= 0, got \(\)"),
        ((3, -1), {}, ValueError, r"`shape` must be a non-empty tuple of integers >= 0, got \(3, -1\)"),
        ((3, 2.0), {}, ValueError, r"`shape` must be a non-empty tuple of integers >= 0"),
        (None, {}, TypeError, r"`shape` must be a tuple of integers, got NoneType"),
        ((3, 3), {"connectivity": 3}, ValueError, r"`connectivity` must be in 1\.\.2 for 2-D input, got 3"),
        ((3, 3), {"connectivity": "full"}, TypeError, r"`connectivity` must be an integer, got str"),
    ],
)
def test_grid_adjacency_errors(shape, kwargs, error, match):
    with pytest.raises(error, match=match):
        grid.grid_adjacency(shape, **kwargs)
