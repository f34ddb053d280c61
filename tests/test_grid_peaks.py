"""grid.find_peaks against scikit-image's peak_local_max (its drop-in contract), and its extensions."""

import warnings

import numpy as np
import pytest
from scipy import ndimage as ndi

from graphmax import grid
from graphmax._kernels import footprint as footprint_kernels, peaks as peak_kernels
from graphmax._prominence import prominence

skimage_feature = pytest.importorskip("skimage.feature")
skdata = pytest.importorskip("skimage.data")
peak_local_max = skimage_feature.peak_local_max


def _both(img, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = peak_local_max(img, **kw)
        got = grid.find_peaks(img, **kw)
    return want, got


def _same(img, **kw):
    want, got = _both(img, **kw)
    if len(want) == 0:  # scikit-image's empty result with labels has 2 columns whatever the ndim
        assert got.shape == (0, img.ndim)
        return
    np.testing.assert_array_equal(got, want, err_msg=str(kw))
    assert got.dtype == np.int64


# -- scikit-image's bundled images (uint8, many plateaus) ------------------------------------------
@pytest.fixture(scope="module")
def images():
    return {name: getattr(skdata, name)() for name in ("camera", "coins", "moon")}


@pytest.mark.parametrize("name", ["camera", "coins", "moon"])
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"min_distance": 2},
        {"min_distance": 5, "threshold_rel": 0.5},
        {"min_distance": 3, "exclude_border": False, "num_peaks": 25},
        {"min_distance": 4, "p_norm": 2},
        {"min_distance": 1, "threshold_abs": 100, "exclude_border": (3, 0)},
        {"footprint": np.ones((5, 3), dtype=bool), "min_distance": 2},
    ],
)
def test_bundled_images(images, name, kw):
    _same(images[name], **kw)


def test_bundled_image_with_labels(images):
    coins = images["coins"]
    labels = ndi.label(coins > 110)[0]
    _same(coins, labels=labels, min_distance=3)
    _same(coins, labels=labels, min_distance=2, num_peaks_per_label=2, num_peaks=30)


# -- random images: every option, every dtype, ties ----------------------------------------------
def _random_case(rng):
    nd = int(rng.choice([1, 2, 2, 2, 3]))
    shape = tuple(int(s) for s in rng.integers(1, 14, nd))
    kind = rng.integers(0, 4)
    img = [rng.random(shape), rng.integers(0, 4, shape).astype(np.uint8),
           rng.integers(-3, 3, shape), rng.integers(0, 3, shape).astype(np.float32)][kind]
    kw = {"min_distance": int(rng.integers(0, 5))}
    r = rng.random()
    if r < 0.3:
        kw["exclude_border"] = bool(rng.integers(0, 2))
    elif r < 0.5:
        kw["exclude_border"] = int(rng.integers(0, 3))
    elif r < 0.6:
        kw["exclude_border"] = tuple(int(v) for v in rng.integers(0, 3, nd))
    if rng.random() < 0.3:
        kw["threshold_abs"] = float(rng.random() * 2)
    if rng.random() < 0.3:
        kw["threshold_rel"] = float(rng.random())
    if rng.random() < 0.3:
        kw["num_peaks"] = int(rng.integers(0, 6))
    if rng.random() < 0.3:
        kw["footprint"] = rng.random(tuple(int(s) for s in rng.integers(1, 5, nd))) < 0.6
    if rng.random() < 0.3:
        kw["p_norm"] = float(rng.choice([1, 2, np.inf, 3]))
    if rng.random() < 0.3:
        kw["labels"] = rng.integers(0, 4, shape)
        if rng.random() < 0.5:
            kw["num_peaks_per_label"] = int(rng.integers(0, 4))
    return img, kw


@pytest.mark.parametrize("seed", range(8))
def test_random_images(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        img, kw = _random_case(rng)
        if "footprint" in kw and kw["footprint"].size > 1 and not kw["footprint"].any():
            continue  # scikit-image raises ("All-zero footprint"); so do we (tested below)
        _same(img, **kw)


@pytest.mark.parametrize("md", [1, 2, 3, 6])
def test_smooth_noise_without_ties(md):
    img = ndi.gaussian_filter(np.random.default_rng(md).random((96, 128)), 2)
    _same(img, min_distance=md)
    _same(img, min_distance=md, exclude_border=False, p_norm=2)


def test_three_dimensional():
    img = ndi.gaussian_filter(np.random.default_rng(0).random((20, 24, 18)), 1.5)
    _same(img, min_distance=2)
    _same(img, min_distance=1, exclude_border=(0, 1, 2), num_peaks=10)


def test_plateaus_give_every_pixel_at_min_distance_1():
    # As scikit-image: with min_distance=1 a plateau reports all its pixels, in row-major order.
    img = np.zeros((5, 6), dtype=np.uint8)
    img[2, 2:4] = 7
    _same(img)
    np.testing.assert_array_equal(grid.find_peaks(img), [[2, 2], [2, 3]])
    np.testing.assert_array_equal(grid.find_peaks(img, min_distance=2, exclude_border=False), [[2, 2]])


def test_constant_image_has_no_peaks():
    assert grid.find_peaks(np.full((6, 6), 3.0)).shape == (0, 2)
    _same(np.full((6, 6), 3.0), exclude_border=False)


def test_indices_false_gives_a_mask():
    img = ndi.gaussian_filter(np.random.default_rng(1).random((30, 40)), 2)
    mask = grid.find_peaks(img, indices=False)
    want = np.zeros(img.shape, dtype=bool)
    want[tuple(peak_local_max(img).T)] = True
    assert mask.dtype == bool and mask.sum() > 0
    np.testing.assert_array_equal(mask, want)


def test_box_fast_path_equals_the_general_footprint_kernel():
    rng = np.random.default_rng(3)
    for shape, before, after in [((40, 50), (1, 1), (1, 1)), ((17, 9, 11), (2, 1, 0), (1, 2, 3)), ((70,), (3,), (2,))]:
        img = rng.integers(0, 5, shape).astype(np.float64)
        x = img.ravel()
        shp = np.array(shape, dtype=np.int64)
        flat, values, n_raw = footprint_kernels.box_candidates(
            x, shp, np.array(before), np.array(after), np.zeros(len(shape), dtype=np.int64), 0.0, False, False)
        parallel = footprint_kernels.box_candidates(
            x, shp, np.array(before), np.array(after), np.zeros(len(shape), dtype=np.int64), 0.0, False, True)
        for a, b in zip((flat, values, n_raw), parallel):
            np.testing.assert_array_equal(a, b)
        steps = np.array([d for d in np.ndindex(*[b + a + 1 for b, a in zip(before, after)])]) - np.array(before)
        steps = steps[np.any(steps != 0, axis=1)].astype(np.int64)
        strides = np.cumprod((1,) + shape[:0:-1])[::-1]
        raw, n_raw2 = footprint_kernels.footprint_candidates(x, shp, steps, steps @ strides, True, False)
        raw_p, n_raw_p = footprint_kernels.footprint_candidates(x, shp, steps, steps @ strides, True, True)
        np.testing.assert_array_equal(raw, raw_p)
        assert n_raw2 == n_raw_p
        np.testing.assert_array_equal(flat, np.flatnonzero(raw))
        np.testing.assert_array_equal(values, x[flat])
        assert n_raw == n_raw2
        # and both equal the brute force: no higher pixel in the box cut to the image
        def box(c):
            return tuple(slice(max(0, ci - b), ci + a + 1) for ci, b, a in zip(c, before, after))

        want = np.array([img[c] >= img[box(c)].max() for c in np.ndindex(*shape)])
        np.testing.assert_array_equal(raw, want)


def test_spacing_kernel_against_brute_force():
    rng = np.random.default_rng(4)
    for p in (1.0, 2.0, 3.0, np.inf):
        for spacing in (1, 2, 5):
            coords = rng.integers(0, 30, (200, 2)).astype(np.int64)
            keep = peak_kernels.spacing_greedy(coords, spacing, p, -1)
            kept = []
            for i, c in enumerate(coords):
                if all(np.linalg.norm(c - coords[k], ord=p) >= spacing for k in kept):
                    kept.append(i)
            assert np.flatnonzero(keep).tolist() == kept


# -- differences from scikit-image, as documented --------------------------------------------------
def test_bool_images_work():
    img = np.zeros((5, 5), dtype=bool)
    img[2, 2] = True
    np.testing.assert_array_equal(grid.find_peaks(img), [[2, 2]])
    with pytest.raises(TypeError):
        peak_local_max(img)  # scikit-image negates the intensities


def test_unsigned_zero_valued_candidates_sort_last():
    img = np.array([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 5, 0], [0, 0, 0, 0, 0]], dtype=np.uint8)
    got = grid.find_peaks(img, threshold_abs=-1, exclude_border=False)
    assert got[0].tolist() == [2, 3]  # scikit-image puts the 0-valued candidates first
    assert len(got) == len(peak_local_max(img, threshold_abs=-1, exclude_border=False))


def test_empty_results_have_ndim_columns():
    img = np.zeros((4, 5, 6))
    assert grid.find_peaks(img, labels=np.ones(img.shape, dtype=int)).shape == (0, 3)
    assert grid.find_peaks(np.zeros((0, 3))).shape == (0, 2)


# -- the min_prominence extension ----------------------------------------------------------------
def test_min_prominence_filters_candidates_before_spacing():
    img = np.array([[0, 0, 0, 0, 0, 0, 0],
                    [0, 9, 0, 0, 0, 4, 0],
                    [0, 0, 0, 3, 0, 0, 0],
                    [0, 0, 0, 0, 0, 0, 0]], dtype=float)
    assert grid.find_peaks(img, exclude_border=False).tolist() == [[1, 1], [1, 5], [2, 3]]
    prom = grid.prominence(img)
    assert prom[1, 1] == 9 and prom[1, 5] == 4 and prom[2, 3] == 3
    assert grid.find_peaks(img, exclude_border=False, min_prominence=3.5).tolist() == [[1, 1], [1, 5]]
    assert grid.find_peaks(img, exclude_border=False, min_prominence=4).tolist() == [[1, 1], [1, 5]]
    # with labels, each label's own prominence
    labels = np.ones(img.shape, dtype=int)
    labels[:, 4:] = 2
    got = grid.find_peaks(img, exclude_border=False, labels=labels, min_prominence=3.5)
    assert got.tolist() == [[1, 1], [1, 5]]


def test_min_prominence_counts_a_plateau_once():
    img = np.zeros((5, 6))
    img[2, 2:4] = 7
    assert grid.find_peaks(img, min_prominence=1).tolist() == [[2, 2]]


def test_min_prominence_matches_a_filtered_reference():
    rng = np.random.default_rng(7)
    img = rng.integers(0, 6, (30, 30))
    prom = prominence(grid.grid_adjacency(img.shape), img.ravel()).reshape(img.shape)
    for md, mp in [(1, 2), (2, 3), (3, 1)]:
        want = [c for c in peak_local_max(img, min_distance=1, exclude_border=md) if prom[tuple(c)] >= mp]
        got = grid.find_peaks(img, min_distance=1, exclude_border=md, min_prominence=mp)
        np.testing.assert_array_equal(got, np.array(want).reshape(-1, 2))


# -- errors and inputs ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw, exc, match",
    [
        ({"min_distance": -1}, ValueError, "`min_distance` must be an integer >= 0, got -1"),
        ({"min_distance": 1.5}, ValueError, "`min_distance` must be an integer >= 0"),
        ({"num_peaks": -1}, ValueError, "`num_peaks` must be an integer >= 0 or inf, got -1"),
        ({"num_peaks_per_label": 2.5}, ValueError, "`num_peaks_per_label` must be an integer >= 0 or inf"),
        ({"p_norm": 0.5}, ValueError, r"`p_norm` must be a number in \[1, inf\], got 0.5"),
        ({"exclude_border": -1}, ValueError, "`exclude_border` must be >= 0, got -1"),
        ({"exclude_border": (1,)}, ValueError, r"one width per axis \(2\), got 1"),
        ({"exclude_border": (1, -1)}, ValueError, "`exclude_border` widths must be integers >= 0"),
        ({"exclude_border": "yes"}, TypeError, "`exclude_border` must be a bool, an int or a tuple of 2 ints, got str"),
        ({"threshold_abs": "x"}, ValueError, "`threshold_abs` must be a number or None"),
        ({"threshold_rel": np.nan}, ValueError, "`threshold_rel` must be a number or None"),
        ({"footprint": np.ones(3, dtype=bool)}, ValueError,
         r"`footprint` must have image.ndim=2 dimensions, got shape \(3,\)"),
        ({"footprint": np.zeros((3, 3), dtype=bool)}, ValueError, "`footprint` must hold at least one True"),
        ({"footprint": np.array([["a"]])}, TypeError, "`footprint` must be an array of bools"),
        ({"labels": np.ones((4, 4), dtype=int)}, ValueError,
         r"`labels` must have the image's shape \(5, 5\), got shape \(4, 4\)"),
        ({"labels": np.ones((5, 5))}, TypeError, "`labels` must be integers, got dtype float64"),
        ({"indices": "no"}, TypeError, "`indices` must be True or False"),
        ({"min_prominence": "big"}, ValueError, "`min_prominence` must be a number"),
    ],
)
def test_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        grid.find_peaks(np.random.default_rng(0).random((5, 5)), **kw)


def test_image_errors():
    with pytest.raises(ValueError, match="`image` contains 1 NaN"):
        grid.find_peaks(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="`image` contains 1 NaN"):
        grid.find_peaks(np.array([[0.0, np.nan, 1.0]]), footprint=np.ones((1, 2), dtype=bool))
    with pytest.raises(TypeError, match="`image` must be real"):
        grid.find_peaks(np.ones((3, 3), dtype=complex))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        grid.find_peaks(np.float64(1.0))


def test_min_distance_zero_warns_as_scikit_image():
    with pytest.warns(RuntimeWarning, match="min_distance < 1"):
        got = grid.find_peaks(np.array([[0.0, 2.0, 1.0]]), min_distance=0)
    assert got.tolist() == [[0, 1], [0, 2]]


def test_inputs_not_modified():
    rng = np.random.default_rng(0)
    img = rng.random((20, 20))
    labels = rng.integers(0, 3, (20, 20))
    copies = img.copy(), labels.copy()
    grid.find_peaks(img, labels=labels, min_distance=2, min_prominence=0.1)
    grid.prominence(img, labels=labels)
    np.testing.assert_array_equal(img, copies[0])
    np.testing.assert_array_equal(labels, copies[1])


def test_non_contiguous_and_float32_input():
    img = ndi.gaussian_filter(np.random.default_rng(2).random((40, 60)), 2).astype(np.float32)
    _same(img[::2, ::-1], min_distance=1)
    _same(img.T, min_distance=2, threshold_rel=0.3)


# -- the benchmark (benchmarks/peaks.py) -------------------------------------------------------------
def test_benchmark_quick_run(capsys):
    from benchmarks import peaks as bench

    results = bench.run(True)
    assert [r["case"].split(" 256")[0] for r in results[:4]] == ["uniform noise"] * 2 + ["gaussian sigma=2"] * 2
    for r in results[:4]:
        assert r["check"] == "identical coordinates and order" and r["speedup"] > 0 and r["peaks"] > 0
    assert results[4]["case"].startswith("prominence random 10,000 nodes") and results[4]["edges"] > 0
    assert bench.main(["--quick"]) == 0
    assert "| case | graphmax | peer | speedup |" in capsys.readouterr().out


def test_benchmark_stops_on_a_mismatch(monkeypatch, capsys):
    from benchmarks import peaks as bench

    monkeypatch.setattr(grid, "find_peaks", lambda img, **kw: np.zeros((0, 2), dtype=np.int64))
    with pytest.raises(bench.PeakMismatch, match="graphmax found 0 peaks"):
        bench.run(True)
    assert bench.main(["--quick"]) == 1
    assert "python -m benchmarks.peaks: error:" in capsys.readouterr().err
