"""graphmax.grid as a drop-in for scikit-image: the same arguments, answers, forms and warnings.

`local_maxima` / `local_minima` against ``skimage.morphology`` and `find_peaks` against
``skimage.feature.peak_local_max`` (and, where scikit-image is wrong, against brute force):
every argument positionally and by keyword, every dtype with its extremes, 1-D to 4-D, ties,
plateaus on the border, footprints of every pattern scikit-image accepts.
"""

import inspect
import itertools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from graphmax import grid

pytest.importorskip("skimage")
from skimage import feature, morphology  # noqa: E402

SMALL = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL_WARNING = "maxima can't exist for an image with any dimension smaller 3"

INT_DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64]
DTYPES = [np.bool_, *INT_DTYPES, np.float32, np.float64]


def extremes(dtype):
    """A few values of `dtype`, its extremes included (bool: both)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return [False, True]
    if dtype.kind == "f":
        return [-np.inf, np.finfo(dtype).min, -1.5, -0.0, 0.0, 2.0, np.finfo(dtype).max, np.inf]
    info = np.iinfo(dtype)
    return sorted({info.min, info.min + 1, 0, 1, 2, info.max - 1, info.max})


@st.composite
def images(draw, max_dims=4, max_side=5):
    """Small images of every dtype, values drawn from a handful (ties and extremes on purpose)."""
    dtype = draw(st.sampled_from(DTYPES))
    pool = extremes(dtype)
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=1, max_side=max_side))
    return draw(hnp.arrays(dtype, shape, elements=st.sampled_from(values)))


@st.composite
def footprints(draw, ndim, symmetric=True):
    """Every 3**ndim pattern (symmetric with a True centre: where scikit-image's answer is defined)."""
    fp = draw(hnp.arrays(np.bool_, (3,) * ndim))
    if symmetric:
        fp = fp | fp[(slice(None, None, -1),) * ndim]
        fp[(1,) * ndim] = True
    return fp


def both(name, *args, **kwargs):
    """(graphmax's answer, its warnings), (scikit-image's answer, its warnings)."""
    out = []
    for f in (getattr(grid, name), getattr(morphology, name)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = f(*args, **kwargs)
        out.append((result, [(w.category, str(w.message)) for w in caught]))
    return out


def assert_same_form(got, want):
    """Equal answers of the same form: a bool mask, or a tuple of int64 index arrays."""
    assert type(got) is type(want)
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g, w)
    else:
        assert got.dtype == want.dtype == np.bool_ and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


# -- the signature ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (grid.local_maxima, morphology.local_maxima),
        (grid.local_minima, morphology.local_minima),
        (grid.find_peaks, feature.peak_local_max),
    ],
)
def test_scikit_image_parameters_in_its_positions_and_ours_keyword_only(ours, theirs):
    mine = list(inspect.signature(ours).parameters.values())
    want = list(inspect.signature(theirs).parameters.values())
    assert [(p.name, p.kind, p.default) for p in mine[: len(want)]] == [
        (p.name, p.kind, p.default) for p in want
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in mine[len(want):])


# -- local_maxima / local_minima ----------------------------------------------------------------
@SMALL
@given(data=st.data(), image=images())
def test_every_argument_positionally_and_by_keyword(data, image):
    name = data.draw(st.sampled_from(["local_maxima", "local_minima"]))
    if data.draw(st.booleans()):
        footprint, connectivity = data.draw(footprints(image.ndim)), None
    else:
        # generate_binary_structure's reading: below 1 is 1, ndim or more is everything
        footprint, connectivity = None, data.draw(st.one_of(st.none(), st.integers(-1, 5), st.floats(0, 5)))
    indices = data.draw(st.booleans())
    allow_borders = data.draw(st.booleans())
    args = (footprint, connectivity, indices, allow_borders)
    n_positional = data.draw(st.integers(0, 4))
    kwargs = dict(zip(["footprint", "connectivity", "indices", "allow_borders"][n_positional:], args[n_positional:]))
    (got, got_warnings), (want, want_warnings) = both(name, image, *args[:n_positional], **kwargs)
    assert_same_form(got, want)
    assert got_warnings == want_warnings


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["local_maxima", "local_minima"])
def test_dtype_extremes_in_1d_to_4d(dtype, name):
    rng = np.random.default_rng(7)
    pool = np.array(extremes(dtype), dtype=dtype)
    for shape in [(40,), (9, 11), (5, 6, 7), (3, 4, 5, 4)]:
        for k in (2, 3, len(pool)):  # few values: plateaus and ties everywhere; all: extremes side by side
            image = rng.choice(pool[rng.permutation(len(pool))[:k]], shape)
            for connectivity in range(1, image.ndim + 1):
                for allow_borders in (True, False):
                    (got, _), (want, _) = both(name, image, connectivity=connectivity, allow_borders=allow_borders)
                    assert_same_form(got, want)


def test_plateaus_touching_the_border():
    image = np.zeros((5, 6), dtype=np.int64)
    image[0, 1:4] = 7  # a plateau along the top edge
    image[2:4, 5] = 7  # one along the right edge, below a lower pixel
    image[2, 2] = 3  # an interior peak
    image[4, 0] = 9  # a corner pixel
    for allow_borders in (True, False):
        for fp in [None, np.ones((3, 3)), [[0, 1, 0], [1, 1, 1], [0, 1, 0]], [[0, 0, 0], [1, 1, 1], [0, 0, 0]]]:
            (got, _), (want, _) = both("local_maxima", image, fp, allow_borders=allow_borders)
            assert_same_form(got, want)
    assert grid.local_maxima(image).sum() == 3 + 2 + 1 + 1
    assert grid.local_maxima(image, allow_borders=False).sum() == 1  # only the interior peak


@pytest.mark.parametrize(
    "footprint",
    [
        np.zeros((3, 3)),  # no neighbours: every pixel is a maximum, as in scikit-image
        [[0, 0, 0], [1, 1, 1], [0, 0, 0]],  # rows only
        [[0, 1, 0], [0, 1, 0], [0, 1, 0]],  # columns only
        [[1, 0, 1], [0, 1, 0], [1, 0, 1]],  # diagonals only: two interleaved grids
        np.full((3, 3), 2.5),  # any numbers, read as bool
    ],
)
@pytest.mark.parametrize("allow_borders", [True, False])
def test_footprints_that_leave_out_an_axis(footprint, allow_borders):
    """scikit-image pads such images with their minimum; a plateau with no neighbour at all is a maximum."""
    rng = np.random.default_rng(11)
    for image in [rng.integers(0, 3, (6, 7)), np.full((4, 5), 3), np.array([[0, 5], [0, 5], [0, 5]])]:
        for name in ("local_maxima", "local_minima"):
            (got, _), (want, _) = both(name, image, footprint, None, False, allow_borders)
            assert_same_form(got, want)


@SMALL
@given(data=st.data(), image=images(max_dims=3))
def test_any_footprint_is_read_as_undirected_without_its_centre(data, image):
    """Any 3**ndim pattern is accepted; graphmax reads it as the symmetric pattern with a True centre,
    where scikit-image's answer is defined (see the next two tests for where it is not)."""
    fp = data.draw(footprints(image.ndim, symmetric=False))
    undirected = fp | fp[(slice(None, None, -1),) * image.ndim]
    undirected[(1,) * image.ndim] = True
    allow_borders = data.draw(st.booleans())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        got = grid.local_maxima(image, fp, allow_borders=allow_borders)
        want = morphology.local_maxima(image, undirected, allow_borders=allow_borders)
    assert_same_form(got, want)


def test_scikit_image_drops_a_neighbour_when_the_footprint_centre_is_false():
    """Documents a scikit-image behaviour graphmax does not copy (docs/images.md)."""
    image = np.array([[2, 1, 2], [2, 0, 0], [1, 0, 2]])
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False
    want = morphology.local_maxima(image, np.ones((3, 3)))
    sk = morphology.local_maxima(image, ring)
    if np.array_equal(sk, want):
        pytest.skip("scikit-image now ignores the footprint's centre")
    assert sk[2, 0] and not want[2, 0]  # (2, 0) = 1 lies below a 2: scikit-image dropped the step up
    np.testing.assert_array_equal(grid.local_maxima(image, ring), want)


def test_scikit_image_answer_on_a_one_sided_footprint_depends_on_the_scan_direction():
    """Documents why graphmax reads footprints as undirected: scikit-image's answer on a one-sided
    footprint is not mirror-symmetric (the same problem turned round gives another answer)."""
    image = np.array([[1, 1], [2, 0]])
    right_down = np.array([[0, 0, 0], [0, 1, 1], [0, 1, 0]], dtype=bool)
    a = morphology.local_maxima(image, right_down)
    b = morphology.local_maxima(image[::-1, ::-1], right_down[::-1, ::-1])[::-1, ::-1]
    if np.array_equal(a, b):
        pytest.skip("scikit-image's one-sided footprints are now mirror-symmetric")
    got = grid.local_maxima(image, right_down)
    np.testing.assert_array_equal(got, grid.local_maxima(image[::-1, ::-1], right_down[::-1, ::-1])[::-1, ::-1])
    np.testing.assert_array_equal(got, grid.local_maxima(image, connectivity=2))


@pytest.mark.parametrize("name", ["local_maxima", "local_minima"])
def test_warnings_where_scikit_image_warns(name):
    for shape, allow_borders in itertools.product([(2,), (1, 5), (5, 2), (3, 3, 2), (3, 3), (0, 2)], [True, False]):
        image = np.arange(np.prod(shape)).reshape(shape) % 3
        (got, got_warnings), (want, want_warnings) = both(name, image, allow_borders=allow_borders)
        assert_same_form(got, want)
        assert got_warnings == want_warnings
        assert bool(got_warnings) == (not allow_borders and 0 < min(shape) < 3)
    with pytest.warns(UserWarning, match=SMALL_WARNING) as caught:
        getattr(grid, name)(np.ones((2, 4)), allow_borders=False)
    assert caught[0].filename == __file__  # the warning points at the caller


def test_allow_border_is_a_deprecated_alias():
    image = np.array([[0, 0, 0, 0], [0, 3, 0, 2], [0, 0, 0, 0]])
    with pytest.warns(DeprecationWarning, match="`allow_border` is deprecated: pass `allow_borders`") as caught:
        got = grid.local_maxima(image, allow_border=False)
    assert caught[0].filename == __file__
    np.testing.assert_array_equal(got, grid.local_maxima(image, allow_borders=False))
    with pytest.warns(DeprecationWarning):
        old = grid.local_minima(image, allow_border=False)
    np.testing.assert_array_equal(old, grid.local_minima(image, None, None, False, False))
    with pytest.raises(TypeError, match="give `allow_borders` only"):
        grid.local_maxima(image, allow_borders=False, allow_border=False)


def test_float16_works_where_scikit_image_refuses_it():
    image = np.random.default_rng(3).integers(0, 4, (6, 7)).astype(np.float16)
    with pytest.raises(TypeError, match="float16"):
        morphology.local_maxima(image)
    np.testing.assert_array_equal(grid.local_maxima(image), morphology.local_maxima(image.astype(np.float32)))


def test_graphmax_options_stay_keyword_only():
    image = np.array([0, 2, 2, 1, 3, 0])
    with pytest.raises(TypeError):
        grid.local_maxima(image, None, None, False, True, "strict")
    assert grid.local_maxima(image, mode="strict").tolist() == [False, False, False, False, True, False]
    assert grid.local_maxima(image, mode="nonstrict").tolist() == [False, True, True, False, True, False]


def test_min_neighbors_none_is_scikit_image_and_an_int_is_graphmax_rule():
    rows_only = [[0, 0, 0], [1, 1, 1], [0, 0, 0]]
    image = np.array([[0, 0, 0], [5, 5, 5], [1, 2, 1]])  # the middle row is constant
    # scikit-image: out-of-image pixels count as the image minimum, so the constant row is a maximum
    sk = morphology.local_maxima(image, rows_only)
    assert sk[1].all() and not sk[0].any()
    np.testing.assert_array_equal(grid.local_maxima(image, rows_only), sk)
    # graphmax's own rule: a plateau needs a neighbour outside itself (no padding)
    assert not grid.local_maxima(image, rows_only, min_neighbors=1)[1].any()
    assert grid.local_maxima(image, rows_only, min_neighbors=0)[0].all()


# -- find_peaks: peak_local_max -----------------------------------------------------------------
@SMALL
@given(data=st.data(), image=images(max_dims=3, max_side=7))
def test_find_peaks_positionally_and_by_keyword(data, image):
    if image.dtype == np.bool_ or image.dtype.itemsize == 8 and image.dtype.kind in "iu":
        image = image.astype(np.int32)  # scikit-image fails on bool and rounds 64-bit integers (below)
    args = (
        data.draw(st.integers(1, 3)),  # min_distance
        data.draw(st.sampled_from([None, 0, 1])),  # threshold_abs
        data.draw(st.sampled_from([None, 0.5])),  # threshold_rel
        data.draw(st.sampled_from([True, False, 1])),  # exclude_border
        data.draw(st.sampled_from([np.inf, 1, 3])),  # num_peaks
        data.draw(st.one_of(st.none(), footprints(image.ndim))),  # footprint
        data.draw(st.one_of(st.none(), hnp.arrays(np.int64, image.shape, elements=st.integers(0, 2)))),  # labels
        data.draw(st.sampled_from([np.inf, 1])),  # num_peaks_per_label
        data.draw(st.sampled_from([np.inf, 1, 2])),  # p_norm
    )
    names = ["min_distance", "threshold_abs", "threshold_rel", "exclude_border", "num_peaks", "footprint",
             "labels", "num_peaks_per_label", "p_norm"]
    k = data.draw(st.integers(0, len(args)))
    got = grid.find_peaks(image, *args[:k], **dict(zip(names[k:], args[k:])))
    want = feature.peak_local_max(image, *args[:k], **dict(zip(names[k:], args[k:])))
    if len(want) == 0:
        assert got.shape == (0, image.ndim)
    else:
        np.testing.assert_array_equal(got, want)


# -- where scikit-image is wrong: 64-bit integers beyond 2**53 ------------------------------------
def brute_force_peaks(image, min_distance=1, exclude_border=True):
    """peak_local_max's definition with Python integers (exact): pixels equal to the maximum of their
    (2 * min_distance + 1) box, the image clamped at its edges; above image.min(); none if every pixel
    qualifies; the border excluded; highest first, ties row-major; greedy Chebyshev spacing."""
    values = image.astype(object)
    shape = image.shape
    coords = list(itertools.product(*map(range, shape)))
    lowest = min(values[c] for c in coords)
    raw = []
    for c in coords:
        sides = [range(max(0, i - min_distance), min(s, i + min_distance + 1)) for i, s in zip(c, shape)]
        box = itertools.product(*sides)
        if values[c] == max(values[b] for b in box):
            raw.append(c)
    if len(raw) == len(coords):
        return np.zeros((0, image.ndim), dtype=np.int64)
    width = min_distance if exclude_border is True else int(exclude_border)
    keep = [c for c in raw if values[c] > lowest and all(width <= i < s - width for i, s in zip(c, shape))]
    keep.sort(key=lambda c: (-values[c], c))
    kept = []
    for c in keep:
        if min_distance <= 1 or all(max(abs(i - j) for i, j in zip(c, k)) >= min_distance for k in kept):
            kept.append(c)
    return np.array(kept, dtype=np.int64).reshape(-1, image.ndim)


@SMALL
@given(data=st.data())
def test_find_peaks_is_exact_on_64_bit_integers(data):
    dtype = data.draw(st.sampled_from([np.int64, np.uint64]))
    top = np.iinfo(dtype).max
    bottom = 0 if dtype == np.uint64 else np.iinfo(dtype).min
    base = data.draw(st.sampled_from([bottom, 2**53, top - 8]))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=8))
    image = data.draw(hnp.arrays(dtype, shape, elements=st.integers(0, 8).map(lambda v: min(base + v, top))))
    min_distance = data.draw(st.integers(1, 2))
    exclude_border = data.draw(st.sampled_from([True, False]))
    got = grid.find_peaks(image, min_distance, exclude_border=exclude_border)
    np.testing.assert_array_equal(got, brute_force_peaks(image, min_distance, exclude_border))


def test_scikit_image_loses_peaks_beyond_2_to_the_53():
    """Documents scikit-image's behaviour (docs/images.md); skips once scikit-image is exact."""
    image = np.array([0, 2, 2**64 - 1, 2, 0], dtype=np.uint64)
    shifted = np.array([0, 2**62, 2**62 + 1, 2**62, 0], dtype=np.int64)
    np.testing.assert_array_equal(grid.find_peaks(image), [[2]])
    np.testing.assert_array_equal(grid.find_peaks(shifted), [[2]])
    np.testing.assert_array_equal(brute_force_peaks(image), [[2]])
    sk = feature.peak_local_max(image), feature.peak_local_max(shifted)
    if len(sk[0]) == 1 and sk[0][0][0] == 2 and sk[1].tolist() == [[2]]:
        pytest.skip("scikit-image's peak_local_max is now exact on 64-bit integers")
    assert len(sk[0]) == 0  # the peak is lost
    assert sk[1].tolist() == [[1], [3]]  # two pixels below the peak are reported instead
