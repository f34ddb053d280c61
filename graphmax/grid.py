"""Local maxima of n-D images over the implicit grid graph, without building an adjacency (docs/semantics.md §7)."""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ._interrupt import interruptible
from ._lazy import lazy
from ._maxima import _check_int, _check_mode
from ._modes import NONSTRICT, PLATEAU, STRICT
from ._peaks import _at_least, _check_count
from ._values import check_nan_policy, kernel_values

grid_kernels = lazy("graphmax._kernels.grid", globals(), "grid_kernels")  # numba: on first use

__all__ = ["find_peaks", "grid_adjacency", "local_maxima", "local_minima", "prominence"]

# Below this many plateau candidates the flood fill (`fill_plateaus`) runs on one thread.
_PARALLEL_FILL = 1 << 15

_MODE_CODES = {
    "strict": STRICT,
    "nonstrict": NONSTRICT,
    "plateau": PLATEAU,
}


# Sentinel: the deprecated `allow_border` spelling was not passed.
_UNSET = object()

_SMALL_IMAGE_WARNING = "maxima can't exist for an image with any dimension smaller 3 if borders aren't allowed"


@interruptible
def local_maxima(
    image,
    footprint=None,
    connectivity=None,
    indices=False,
    allow_borders=True,
    *,
    mode="plateau",
    min_neighbors=None,
    nan_policy="raise",
    allow_border=_UNSET,
):
    """Local maxima of an n-D image: ``skimage.morphology.local_maxima``, compiled.

    The image is the signal on its grid graph: pixels are nodes, and two
    pixels are neighbours when one lies at a step of the neighbourhood
    (`footprint` or `connectivity`) from the other. The first five
    parameters are scikit-image's, in its order, with its defaults; the
    answer is scikit-image's on every dtype (differences: Notes).

    Parameters
    ----------
    image : array_like, at least 1-D
        Pixel values (bool, int, uint or float of any width; ±inf allowed).
    footprint : array_like of bool, optional
        The neighbourhood: an array with ``image.ndim`` dimensions, each of
        length 3, centred on the pixel; True entries other than the centre
        are neighbour steps. Read as undirected (a step or its opposite makes
        two pixels neighbours); the centre entry is ignored. Overrides
        `connectivity`.
    connectivity : int, optional
        Neighbours differ by 1 in at most this many coordinates, as in
        ``scipy.ndimage.generate_binary_structure``: 1 gives the axis
        neighbours (4 in 2-D), ``image.ndim`` or more (the default:
        ``image.ndim``) the full ``3**ndim - 1`` neighbourhood (8 in 2-D);
        below 1 means 1. Ignored when `footprint` is given.
    indices : bool, default False
        Return the coordinates of the maxima, a tuple of ``image.ndim``
        int64 arrays (as ``np.nonzero``), instead of the mask.
    allow_borders : bool, default True
        False: a plateau touching the image border (strict/nonstrict: a
        pixel on the border) is not a maximum. So an image with a side
        shorter than 3 has no maxima, and a UserWarning says so (as in
        scikit-image).
    mode : {"plateau", "strict", "nonstrict"}, keyword-only
        As `graphmax.local_maxima`: ``"strict"``: every neighbour is lower;
        ``"nonstrict"``: none is higher; ``"plateau"`` (default): the pixel
        lies in a connected set of equal values (a plateau) none of whose
        members has a higher neighbour -- what scikit-image computes.
    min_neighbors : int, optional, keyword-only
        A pixel (plateau mode: a plateau) with fewer neighbours outside
        itself is never a maximum. None (default): scikit-image's rule. That
        is 1 (a constant image has no maxima) whenever the neighbourhood
        holds both axis steps of every axis longer than 1 (every
        `connectivity` does); for a footprint that does not, scikit-image
        pads the image with its minimum, and so does graphmax: a plateau
        without neighbours is then a maximum, unless it is at the image's
        minimum and touches the border. In strict/nonstrict mode None is 1.
    nan_policy : {"raise", "omit"}, keyword-only
        ``"omit"`` removes NaN pixels: never maxima, never anyone's
        neighbour (the image border stays where it is).
    allow_border : bool, keyword-only
        Deprecated spelling of `allow_borders` (DeprecationWarning).

    Returns
    -------
    ndarray of bool, shape ``image.shape``, or tuple of ndarray of int64
        The mask of the maxima, or with `indices` their coordinates in
        row-major order.

    See Also
    --------
    local_minima, grid_adjacency, graphmax.local_maxima

    Notes
    -----
    Equal to ``graphmax.local_maxima(grid_adjacency(image.shape,
    connectivity), image.ravel(), mode=mode)`` reshaped, for every mode
    (with ``allow_borders=True``), and in plateau mode to
    ``skimage.morphology.local_maxima`` with the same arguments, except:

    - a footprint that is not symmetric, or whose centre is False:
      scikit-image's answer depends on its scan order there (the mirrored
      image does not give the mirrored answer; with a False centre it drops
      one neighbour step), graphmax reads the footprint as undirected;
    - NaN raises (scikit-image gives a mask that depends on where the NaN
      lies); float16 works (scikit-image raises TypeError);
    - a 0-d image raises ValueError (scikit-image too, with numpy's
      message); `connectivity` must be a number (NaN and bool refused).

    1. Map the values losslessly to a dtype the kernels compile for
       (uint8/uint16 as they are, else float64/int64/uint64), reversed for
       minima.
    2. One parallel pass over the raveled image classifies each pixel by the
       maximum of its neighbours (interior rows: whole-row comparisons with
       fixed offsets, no bounds checks; border pixels: checked one by one):
       not a maximum (a higher neighbour), a maximum (every neighbour
       lower), or -- plateau mode -- a candidate (an equal neighbour, no
       higher one).
    3. Plateau mode: "not a maximum" spreads from the losing pixels through
       equal neighbours into the candidates (SIMD sweeps, then a parallel
       depth-first spread); every candidate left is on a maximum plateau, and
       winning plateaus are never flooded. With ``nan_policy="omit"`` NaN
       pixels, ``min_neighbors > 1``, or ``min_neighbors=1`` with a
       footprint that leaves out an axis, a flood fill per plateau decides
       instead (it counts the distinct pixels around each plateau).

    Cost O(n K) for K neighbours per pixel; no adjacency is built. Measured
    against scikit-image in ``benchmarks/results/speed.md``
    (``python -m benchmarks.speed``).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[0, 0, 0, 0, 0],
    ...                   [0, 2, 2, 0, 1],
    ...                   [0, 0, 0, 0, 0]])
    >>> local_maxima(image).astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 0, 1],
           [0, 0, 0, 0, 0]])
    >>> local_maxima(image, mode="strict").astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 0, 0, 0, 1],
           [0, 0, 0, 0, 0]])
    >>> local_maxima(image, allow_borders=False, indices=True)
    (array([1, 1]), array([1, 2]))
    """
    allow_borders = _deprecated_allow_border(allow_borders, allow_border)
    return _extrema(image, footprint, connectivity, indices, allow_borders, mode, min_neighbors, nan_policy,
                    reverse=False)


@interruptible
def local_minima(
    image,
    footprint=None,
    connectivity=None,
    indices=False,
    allow_borders=True,
    *,
    mode="plateau",
    min_neighbors=None,
    nan_policy="raise",
    allow_border=_UNSET,
):
    """Local minima: `local_maxima` of the order-reversed image (``skimage.morphology.local_minima``).

    The reversal is exact for every dtype (no overflow on unsigned or
    ``INT64_MIN``, no negation of bool). Parameters as `local_maxima`; in
    plateau mode equal to ``skimage.morphology.local_minima`` (where
    padding is used it is with the image's maximum).

    Examples
    --------
    >>> local_minima([3, 1, 1, 2, 0]).astype(int)
    array([0, 1, 1, 0, 1])
    >>> local_minima([3, 1, 1, 2, 0], mode="nonstrict", allow_borders=False).astype(int)
    array([0, 1, 1, 0, 0])
    """
    allow_borders = _deprecated_allow_border(allow_borders, allow_border)
    return _extrema(image, footprint, connectivity, indices, allow_borders, mode, min_neighbors, nan_policy,
                    reverse=True)


def grid_adjacency(shape, connectivity=None):
    """Sparse adjacency of the grid graph of an image of `shape`.

    Parameters
    ----------
    shape : tuple of int
        Image shape (at least 1-D); node ``i`` is pixel
        ``np.unravel_index(i, shape)`` (row-major).
    connectivity : int, optional
        As in `local_maxima`: 1 to ``len(shape)`` (the default).

    Returns
    -------
    scipy.sparse.csr_array of float64, shape ``(n, n)`` with ``n = prod(shape)``
        Symmetric, unit weights, sorted indices, no self-loops.

    Notes
    -----
    Built vectorised, one block of edges per neighbour offset: O(n K) time
    and memory for K neighbours per pixel.

    Examples
    --------
    >>> grid_adjacency((2, 2), connectivity=1).toarray().astype(int)
    array([[0, 1, 1, 0],
           [1, 0, 0, 1],
           [1, 0, 0, 1],
           [0, 1, 1, 0]])
    >>> grid_adjacency((3, 3)).nnz  # 8 neighbours for the centre, 5 or 3 for the others
    40
    """
    shape = _check_shape(shape)
    connectivity = _check_connectivity(connectivity, len(shape))
    n = int(np.prod(shape))
    deltas, offsets = _neighbour_offsets(shape, connectivity)
    node = np.arange(n, dtype=np.int64).reshape(shape)
    blocks = []
    for delta in deltas:
        # The pixels whose neighbour at `delta` lies inside the image.
        inside = tuple(
            slice(1, None) if d < 0 else slice(0, s - 1) if d > 0 else slice(None) for d, s in zip(delta, shape)
        )
        blocks.append(node[inside].ravel())
    rows = np.concatenate(blocks)
    cols = rows + np.repeat(offsets, [b.shape[0] for b in blocks])
    adj = sp.csr_array((np.ones(rows.shape[0]), (rows, cols)), shape=(n, n))
    adj.sort_indices()
    return adj


# -- normalisers ------------------------------------------------------------------------------
def _as_image(image):
    """`image` as a numpy array with at least one dimension and a bool/int/uint/float dtype."""
    if type(image).__module__.split(".")[0] == "torch" and hasattr(image, "detach"):
        image = image.detach().cpu().numpy()
    a = np.asarray(image)
    if a.dtype.kind == "c":
        raise TypeError(f"`image` must be real, got complex dtype {a.dtype}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`image` must be bool, integer or float, got dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError("`image` must have at least 1 dimension, got a 0-d array (shape ())")
    return a


def _check_shape(shape):
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"`shape` must be a tuple of integers, got {type(shape).__name__}") from None
    if not dims or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0 for s in dims):
        raise ValueError(f"`shape` must be a non-empty tuple of integers >= 0, got {shape!r}")
    return tuple(int(s) for s in dims)


def _check_connectivity(connectivity, ndim):
    if connectivity is None:
        return ndim
    if isinstance(connectivity, bool) or not isinstance(connectivity, numbers.Integral):
        raise TypeError(f"`connectivity` must be an integer, got {type(connectivity).__name__}")
    if not 1 <= connectivity <= ndim:
        raise ValueError(f"`connectivity` must be in 1..{ndim} for {ndim}-D input, got {connectivity}")
    return int(connectivity)


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False, got {value!r}")
    return bool(value)


def _neighbour_offsets(shape, connectivity):
    """Coordinate steps ``(K, ndim)`` to the neighbours and the same steps as raveled offsets ``(K,)``.

    Neighbours are the steps in {-1, 0, 1}^ndim with 1..`connectivity`
    nonzero entries (``scipy.ndimage.generate_binary_structure``), in
    ascending raveled order.
    """
    ndim = len(shape)
    steps = np.indices((3,) * ndim).reshape(ndim, -1).T - 1
    nonzero = np.count_nonzero(steps, axis=1)
    deltas = np.ascontiguousarray(steps[(nonzero >= 1) & (nonzero <= connectivity)], dtype=np.int64)
    return deltas, deltas @ _strides(shape)


def _strides(shape):
    """Raveled (C order) step of each axis, int64."""
    return np.cumprod((1,) + tuple(shape[:0:-1]), dtype=np.int64)[::-1]


# -- the pipeline -----------------------------------------------------------------------------
def _deprecated_allow_border(allow_borders, allow_border):
    if allow_border is _UNSET:
        return allow_borders
    if allow_borders is not True:
        raise TypeError("give `allow_borders` only (`allow_border` is its deprecated spelling), not both")
    import warnings

    warnings.warn(
        "`allow_border` is deprecated: pass `allow_borders` (scikit-image's name)", DeprecationWarning, stacklevel=4  # the caller: above the helper, the function and its interruptible wrapper
    )
    return allow_border


def _skimage_flag(value, name):
    """A flag as scikit-image reads it (its truth value), for bools and integers only."""
    if isinstance(value, (bool, np.bool_, numbers.Integral)):
        return bool(value)
    raise TypeError(f"`{name}` must be True or False, got {value!r}")


def _neighbourhood(footprint, connectivity, ndim):
    """The undirected neighbour steps, as a boolean ``(3,) * ndim`` array with a False centre.

    `connectivity` as ``scipy.ndimage.generate_binary_structure`` reads it
    (below 1: 1; ndim or more: every step), as scikit-image does; a
    `footprint` must have `ndim` axes of length 3 (scikit-image's rule), is
    made symmetric and loses its centre.
    """
    if connectivity is not None and (
        isinstance(connectivity, (bool, np.bool_))
        or not isinstance(connectivity, numbers.Real)
        or connectivity != connectivity
    ):
        raise TypeError(f"`connectivity` must be a number, got {connectivity!r}")
    if footprint is None:
        c = ndim if connectivity is None else max(connectivity, 1)
        steps = np.indices((3,) * ndim).reshape(ndim, -1) - 1
        near = np.count_nonzero(steps, axis=0).reshape((3,) * ndim)
        hood = (near >= 1) & (near <= c)
    else:
        fp = np.asarray(footprint)
        if fp.dtype.kind not in "biuf":
            raise TypeError(f"`footprint` must be an array of bools, got dtype {fp.dtype}")
        if fp.ndim != ndim:
            raise ValueError(f"`footprint` must have image.ndim={ndim} dimensions, got shape {fp.shape}")
        if any(s != 3 for s in fp.shape):
            raise ValueError(
                f"`footprint` must have length 3 along every axis (the pixel and its adjacent pixels), "
                f"got shape {fp.shape}"
            )
        hood = fp != 0
        hood = hood | hood[(slice(None, None, -1),) * ndim]
        hood[(1,) * ndim] = False
    return hood


def _joins_axes(hood, shape):
    """Whether `hood` holds the unit step of every axis longer than 1: then every pixel is
    linked to the whole image and scikit-image's padding rule is ``min_neighbors=1``."""
    ndim = len(shape)
    if not hood.any():
        return False
    for j, s in enumerate(shape):
        if s > 1 and not hood[tuple(2 if i == j else 1 for i in range(ndim))]:
            return False
    return True


def _extrema(image, footprint, connectivity, indices, allow_borders, mode, min_neighbors, nan_policy, reverse):
    a = _as_image(image)
    hood = _neighbourhood(footprint, connectivity, a.ndim)
    indices = _skimage_flag(indices, "indices")
    allow_borders = _skimage_flag(allow_borders, "allow_borders")
    mode = _check_mode(mode)
    if min_neighbors is not None:
        min_neighbors = _check_int(min_neighbors, "min_neighbors", 0)
    nan_policy = check_nan_policy(nan_policy)
    if a.size == 0:
        mask = np.zeros(a.shape, dtype=bool)
    elif not allow_borders and min(a.shape) < 3:
        import warnings

        warnings.warn(_SMALL_IMAGE_WARNING, UserWarning, stacklevel=4)
        mask = np.zeros(a.shape, dtype=bool)
    else:
        mask = _rule_maxima(a, hood, allow_borders, mode, min_neighbors, nan_policy, reverse)
    return np.nonzero(mask) if indices else mask


def _rule_maxima(a, hood, allow_borders, mode, min_neighbors, nan_policy, reverse):
    """`_grid_maxima` under the rule `min_neighbors` (None: scikit-image's) picks."""
    joined = _joins_axes(hood, a.shape)
    if min_neighbors is not None or mode != "plateau" or joined:
        return _grid_maxima(a, hood, mode, allow_borders, 1 if min_neighbors is None else min_neighbors,
                            nan_policy, reverse, joined)
    # scikit-image's rule for a footprint that leaves out an axis: the image padded with its
    # minimum (maximum for minima), no neighbour count, the pad cut off again.
    if not allow_borders:
        return _grid_maxima(a, hood, mode, False, 0, nan_policy, reverse, joined)
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        if nan.all():
            return np.zeros(a.shape, dtype=bool)
        if nan_policy == "raise" and nan.any():
            raise _nan_pixels(int(nan.sum()))
        edge = np.nanmax(a) if reverse else np.nanmin(a)
    else:
        edge = a.max() if reverse else a.min()
    padded = np.pad(a, 1, mode="constant", constant_values=edge)
    inner = (slice(1, -1),) * a.ndim
    return _grid_maxima(padded, hood, mode, False, 0, nan_policy, reverse, False)[inner]


def _nan_pixels(count):
    return ValueError(f"`image` contains {count} NaN value(s); pass nan_policy='omit' to drop NaN pixels")


def _pixel_values(a, reverse):
    """The raveled image in a dtype the kernels compile for, order-reversed for minima.

    uint8 and uint16 (and bool, viewed as uint8) stay as they are: widening
    them to int64 costs 4-8x the memory and a good part of the call's time
    (docs/decisions.md, "Measurements behind the kernels"). Everything else
    goes through `kernel_values`.
    """
    flat = np.ascontiguousarray(a).ravel()
    if flat.dtype == np.bool_:
        flat = flat.view(np.uint8)
    if flat.dtype in (np.uint8, np.uint16):
        return ~flat if reverse else flat  # ~v == MAX - v: exact order reversal
    return kernel_values(flat, reverse=reverse)


def _grid_maxima(a, hood, mode, allow_border, min_neighbors, nan_policy, reverse, joined):
    """The mask of the maxima of `a` (non-empty) over the steps of `hood`; `joined`: `_joins_axes`."""
    if not hood.any():
        # No neighbours: every pixel is its own plateau, with nothing around it.
        mask = np.full(a.shape, min_neighbors == 0)
        if a.dtype.kind == "f":
            nan = np.isnan(a)
            if nan.any() and nan_policy == "raise":
                raise _nan_pixels(int(nan.sum()))
            mask &= ~nan
        if not allow_border:
            _zero_border(mask, np.ones(a.ndim, dtype=np.int64))
        return mask
    x = _pixel_values(a, reverse)
    shape = np.array(a.shape, dtype=np.int64)
    deltas = np.ascontiguousarray(np.argwhere(hood) - 1, dtype=np.int64)
    offsets = deltas @ _strides(a.shape)
    code = _MODE_CODES[mode]
    state, nan_count, candidates = grid_kernels.classify(
        x, shape, deltas, offsets, code, min_neighbors, allow_border, False
    )
    nan_aware = False
    if nan_count:
        if nan_policy == "raise":
            raise _nan_pixels(nan_count)
        # The first pass read NaN neighbours as values; redo it without them.
        nan_aware = True
        state, _, candidates = grid_kernels.classify(
            x, shape, deltas, offsets, code, min_neighbors, allow_border, True
        )
    if candidates:
        import numba

        threads = numba.get_num_threads()
        # The spread needs no neighbour count: min_neighbors 0, or 1 where only a constant image
        # (every pixel a candidate) has a plateau with no pixel around it.
        if not nan_aware and (min_neighbors == 0 or (min_neighbors == 1 and joined)):
            n_bands = threads if candidates >= 1024 else 1
            # Two SIMD sweeps first when plateaus are common (8-bit photos: 20-40% of
            # pixels are candidates): faster on moon, a third sweep no better
            # (docs/decisions.md, "Measurements behind the kernels").
            n_sweeps = 2 if candidates * 16 >= x.shape[0] else 0
            grid_kernels.propagate_plateaus(x, state, shape, deltas, offsets, min_neighbors, candidates, n_bands,
                                            n_sweeps)
        else:
            n_bands = 4 * threads if candidates >= _PARALLEL_FILL and threads > 1 else 1
            grid_kernels.fill_plateaus(x, state, shape, deltas, offsets, min_neighbors, nan_aware, candidates,
                                       n_bands)
    return state.view(np.bool_).reshape(a.shape)


# -- peaks (docs/semantics.md §7): a drop-in for skimage.feature.peak_local_max -------------------------
@interruptible
def find_peaks(
    image,
    min_distance=1,
    threshold_abs=None,
    threshold_rel=None,
    exclude_border=True,
    num_peaks=np.inf,
    footprint=None,
    labels=None,
    num_peaks_per_label=np.inf,
    p_norm=np.inf,
    *,
    indices=True,
    min_prominence=None,
):
    """Peak coordinates of an n-D image: ``skimage.feature.peak_local_max``, compiled.

    The same parameters, in the same positions, and the same coordinates in
    the same order as scikit-image's ``peak_local_max`` (ties included; the
    few differences are listed in Notes), many times faster.

    Parameters
    ----------
    image : array_like, at least 1-D
        Pixel values (bool, int, uint or float; NaN is refused).
    min_distance : int, default 1
        Peaks are the maxima of a ``(2 * min_distance + 1)``-wide box (unless
        `footprint` is given), and with ``min_distance > 1`` a peak closer
        than `min_distance` (Minkowski `p_norm` distance) to a higher one
        already kept is dropped.
    threshold_abs, threshold_rel : float, optional
        Peaks must be strictly above ``max(threshold_abs, threshold_rel *
        image.max())``; `threshold_abs` defaults to ``image.min()``.
    exclude_border : bool, int or tuple of int, default True
        Width of the border (per axis for a tuple) where peaks are not
        reported; True means `min_distance`, False means 0.
    num_peaks : int or inf
        Keep at most this many peaks (the first in the output order).
    footprint : array_like of bool, optional
        The neighbourhood of the maximum filter (replaces the box).
    labels : array_like of int, optional
        Regions, one per positive value, each searched on its own (0 and
        negative values: background).
    num_peaks_per_label : int or inf
        At most this many peaks per label.
    p_norm : float, default inf
        The Minkowski norm of the spacing, in ``[1, inf]`` (inf: Chebyshev).
    indices : bool, default True, keyword-only
        Return coordinates; False returns a boolean mask of the peaks
        instead (scikit-image's former ``indices=False``).
    min_prominence : float, optional
        graphmax's extension: only pixels of topographic prominence at least
        this (`prominence`, full connectivity; within each label with
        `labels`) are candidates -- so a plateau counts once, at its first
        pixel in row-major order.

    Returns
    -------
    ndarray of int64, shape (N, image.ndim) (or bool, shape ``image.shape``)
        Highest first; equal values in row-major order. With `labels` (and
        no `num_peaks` cut), grouped by label in increasing label order,
        as scikit-image.

    See Also
    --------
    graphmax.find_peaks : the same on any graph, with plateaus, hop
        spacing and prominence.
    prominence

    Notes
    -----
    1. Candidates: pixels equal to the maximum of their footprint, the
       image clamped at its edges (``maximum_filter(mode="nearest")``), in
       one parallel pass; none if every pixel is a candidate (a constant
       image). Kept if above the threshold and outside the border.
    2. Sort the candidates by value, descending, equal values in row-major
       order.
    3. With ``min_distance > 1``: greedy spacing in that order, the kept
       peaks bucketed in a grid of cells of side `min_distance` (scikit-image
       builds a KD-tree).
    4. With `labels`: steps 1-3 on each label's bounding box, other pixels
       set to the lowest value of the dtype, exactly as scikit-image, then
       steps 2-3 again over all labels when more than `num_peaks` remain.

    Differences from ``peak_local_max`` 0.26: int64 and uint64 images are
    compared exactly (scikit-image's maximum filter rounds them to float64,
    so beyond 2**53 it loses peaks and invents others: on ``np.array([0, 2,
    2**64 - 1, 2, 0], dtype=np.uint64)`` it finds none, graphmax ``[[2]]``;
    see ``docs/images.md``); NaN raises; bool images work
    (scikit-image fails); on unsigned images a candidate of value 0 (only
    possible with a negative `threshold_abs`) sorts last, not first (there
    ``-intensities`` wraps around); an empty result has ``image.ndim``
    columns (scikit-image: 2 with `labels`); `min_distance` and the counts
    must be integers. The parameters up to `p_norm` are scikit-image's, in
    its order (positional or keyword); `indices` and `min_prominence` are
    keyword-only.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((7, 7))
    >>> img[3, 4] = 1
    >>> img[3, 2] = 1.5
    >>> find_peaks(img, min_distance=1)
    array([[3, 2],
           [3, 4]])
    >>> find_peaks(img, min_distance=2)
    array([[3, 2]])
    >>> find_peaks(img, min_distance=1, threshold_abs=1)
    array([[3, 2]])
    """
    import warnings

    a = _as_image(image)
    min_distance = _check_int(min_distance, "min_distance", 0)
    num_peaks = _check_count(num_peaks, "num_peaks", none_ok=False)
    num_peaks_per_label = _check_count(num_peaks_per_label, "num_peaks_per_label", none_ok=False)
    p_norm = _check_p_norm(p_norm)
    indices = _check_flag(indices, "indices")
    border = _excluded_border_width(exclude_border, min_distance, a.ndim)
    _check_threshold(threshold_abs, "threshold_abs")
    _check_threshold(threshold_rel, "threshold_rel")
    fp = _peak_footprint(footprint, min_distance, a.ndim)
    if (footprint is None or fp.size == 1) and min_distance < 1:
        warnings.warn(
            "When min_distance < 1, find_peaks acts as finding "
            "image > max(threshold_abs, threshold_rel * max(image)).",
            RuntimeWarning,
            stacklevel=3,  # the caller, above find_peaks and its interruptible wrapper
        )
    lab = None if labels is None else _check_labels(labels, a.shape)
    min_prominence = _check_min_prominence(min_prominence)
    spacing = (min_distance, p_norm)
    if a.size == 0:
        coords = np.zeros((0, a.ndim), dtype=np.int64)
    elif lab is None:
        peaks = _candidates(a, fp, (threshold_abs, threshold_rel), border)
        if min_prominence is not None:
            peaks = peaks.where(_at_least(prominence(a).ravel()[peaks.flat], min_prominence))
        coords = _high_intensity_peaks(peaks, num_peaks, spacing)
    else:
        coords = _labelled_peaks(
            a, lab, fp, (threshold_abs, threshold_rel), border, num_peaks, num_peaks_per_label, spacing,
            min_prominence,
        )
    if indices:
        return coords
    mask = np.zeros(a.shape, dtype=bool)
    mask[tuple(coords.T)] = True
    return mask


def prominence(image, *, connectivity=None, labels=None, return_saddle=False, border=False):
    """Topographic prominence of every pixel of an n-D image (docs/semantics.md §5).

    The union-find of `graphmax.prominence` on the implicit grid graph (no
    adjacency is built): equal to ``graphmax.prominence(grid_adjacency(
    image.shape, connectivity), image.ravel())`` reshaped.

    Topographic prominence ignores the image border: a peak's prominence is
    its height above the highest col from which higher ground is reached,
    and the highest peak's is its height above the image's minimum. On 1-D
    signals ``scipy.signal.peak_prominences`` counts the two ends as higher
    ground instead: on ``[2.8, 3, 1, 5]`` the peak at index 1 has prominence
    2.0 here and 0.2 in scipy. ``border=True`` gives scipy's rule.

    Parameters
    ----------
    image : array_like, at least 1-D
        Pixel values (bool, int, uint or float; NaN is refused).
    connectivity : int, optional
        1 to ``image.ndim`` (the default: all ``3**ndim - 1`` neighbours), as
        in `local_maxima`.
    labels : array_like of int, optional
        Two pixels are neighbours only when their labels are equal and
        positive (each label its own image; background pixels are alone).
    return_saddle : bool, default False
        Also return each peak's saddle and parent pixel.
    border : bool, default False
        True: ``scipy.signal.peak_prominences``' rule, the image border (and
        with `labels`, each label's edge) being higher ground and an equal
        peak not: every pixel gets its height above the highest col from
        which it reaches a strictly higher pixel or the border (so every
        pixel of a plateau the same value). On a 1-D image this is
        ``peak_prominences(image, range(len(image)))`` exactly (without
        `wlen`). It builds the grid's adjacency (O(n K) memory).

    Returns
    -------
    ndarray, shape ``image.shape``, or graphmax.Prominence
        float64 for float images, int64 for bool and signed integers,
        uint64 for unsigned integers. With `return_saddle`, the saddle and
        parent are raveled pixel indices (``np.unravel_index`` turns them
        into coordinates) of shape ``image.shape``, -1 where none.

    Notes
    -----
    `graphmax.prominence`'s basins on the implicit grid (ties in row-major
    order): the ascent and saddle passes run along image rows, and only the
    saddle candidates (pixels with a higher neighbour in another basin) are
    sorted and enter the union-find -- O(n K + s log s) for s candidates.

    Examples
    --------
    >>> import numpy as np
    >>> prominence(np.array([[1, 5, 1, 3, 2]]))
    array([[0, 4, 0, 2, 0]])
    >>> prominence(np.array([2.8, 3, 1, 5]))
    array([0., 2., 0., 4.])
    >>> prominence(np.array([2.8, 3, 1, 5]), border=True)   # scipy.signal.peak_prominences' values
    array([0. , 0.2, 0. , 0. ])
    """
    from ._prominence import Prominence, grid_prominence

    a = _as_image(image)
    if a.dtype.kind == "f" and a.size and np.isnan(a).any():
        raise ValueError(f"`image` contains {int(np.isnan(a).sum())} NaN value(s); prominence needs ordered values")
    connectivity = _check_connectivity(connectivity, a.ndim)
    return_saddle = _check_flag(return_saddle, "return_saddle")
    border = _check_flag(border, "border")
    lab = None if labels is None else _check_labels(labels, a.shape)
    flat = np.ascontiguousarray(a).ravel()
    if border:
        result = _walled_prominence(flat, a.shape, connectivity, lab)
    else:
        deltas, offsets = _neighbour_offsets(a.shape, connectivity)
        region = np.zeros(0, dtype=np.int64) if lab is None else np.maximum(lab, 0).ravel()
        result = grid_prominence(flat, np.array(a.shape, dtype=np.int64), deltas, offsets, region)
    result = Prominence(*(r.reshape(a.shape) for r in result))
    return result if return_saddle else result.prominence


def _walled_prominence(flat, shape, connectivity, lab):
    """`graphmax._prominence.wall_prominence` on the grid graph (its edges within one positive label
    when `lab` is given); the wall: pixels with a neighbour step that leaves the image or the label."""
    from ._prominence import wall_prominence

    adj = grid_adjacency(shape, connectivity)
    indptr, indices = adj.indptr.astype(np.int64), adj.indices.astype(np.int64)
    steps = _neighbour_offsets(shape, connectivity)[0].shape[0]
    degree = np.diff(indptr)
    wall = degree < steps
    if lab is not None:
        region = lab.ravel()
        rows = np.repeat(np.arange(flat.shape[0], dtype=np.int64), degree)
        keep = (region[rows] == region[indices]) & (region[rows] > 0)
        indices = indices[keep]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows[keep], minlength=flat.shape[0]))))
        wall |= np.diff(indptr) < degree
    return wall_prominence(indptr, indices, flat, wall)


# -- peak helpers ---------------------------------------------------------------------------------
# Below this many pixels the candidate pass runs on one thread: a parallel region can cost a
# scheduler time slice on a loaded machine, more than such an image takes (docs/decisions.md,
# "Measurements behind the kernels").
_PARALLEL_PEAKS = 1 << 18


def _check_p_norm(p_norm):
    if isinstance(p_norm, (bool, np.bool_)) or not isinstance(p_norm, numbers.Real) or not 1 <= p_norm <= np.inf:
        raise ValueError(f"`p_norm` must be a number in [1, inf], got {p_norm!r}")
    return float(p_norm)


def _check_min_prominence(value):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or value != value:
        raise ValueError(f"`min_prominence` must be a number, got {value!r}")
    return value


def _excluded_border_width(exclude_border, min_distance, ndim):
    """Per-axis border width, as scikit-image's ``_get_excluded_border_width``."""
    if isinstance(exclude_border, (bool, np.bool_)):
        return np.full(ndim, min_distance if exclude_border else 0, dtype=np.int64)
    if isinstance(exclude_border, numbers.Integral):
        if exclude_border < 0:
            raise ValueError(f"`exclude_border` must be >= 0, got {exclude_border}")
        return np.full(ndim, int(exclude_border), dtype=np.int64)
    if isinstance(exclude_border, tuple):
        if len(exclude_border) != ndim:
            raise ValueError(
                f"`exclude_border` as a tuple needs one width per axis ({ndim}), got {len(exclude_border)}"
            )
        for w in exclude_border:
            if isinstance(w, (bool, np.bool_)) or not isinstance(w, numbers.Integral) or w < 0:
                raise ValueError(f"`exclude_border` widths must be integers >= 0, got {exclude_border!r}")
        return np.array(exclude_border, dtype=np.int64)
    raise TypeError(
        f"`exclude_border` must be a bool, an int or a tuple of {ndim} ints, got {type(exclude_border).__name__}"
    )


def _peak_footprint(footprint, min_distance, ndim):
    if footprint is None:
        return np.ones((2 * min_distance + 1,) * ndim, dtype=bool)
    fp = np.asarray(footprint)
    if fp.dtype.kind not in "biuf":
        raise TypeError(f"`footprint` must be an array of bools, got dtype {fp.dtype}")
    if fp.ndim != ndim:
        raise ValueError(f"`footprint` must have image.ndim={ndim} dimensions, got shape {fp.shape}")
    fp = fp != 0
    if fp.size > 1 and not fp.any():  # a single-pixel footprint is no filter at all, True or not
        raise ValueError(f"`footprint` must hold at least one True, got shape {fp.shape} with none")
    return fp


def _check_labels(labels, shape):
    lab = np.asarray(labels)
    if lab.dtype.kind not in "biu":
        raise TypeError(f"`labels` must be integers, got dtype {lab.dtype}")
    if lab.shape != shape:
        raise ValueError(f"`labels` must have the image's shape {shape}, got shape {lab.shape}")
    if lab.dtype.kind == "u" and lab.dtype.itemsize == 8 and lab.size and lab.max() > np.iinfo(np.int64).max:
        raise ValueError("`labels` must fit in int64")
    return lab.astype(np.int64)


def _check_threshold(value, name):
    if value is not None and (
        isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or value != value
    ):
        raise ValueError(f"`{name}` must be a number or None, got {value!r}")


def _peak_threshold(a, lowest, highest, thresholds):
    """scikit-image's ``_get_threshold``: `threshold_abs` (default ``image.min()``), raised to
    ``threshold_rel * image.max()``; `lowest`/`highest` are the image's min/max as numpy scalars
    of its dtype, so that numpy's scalar rules give scikit-image's value to the last bit."""
    threshold_abs, threshold_rel = thresholds
    threshold = threshold_abs if threshold_abs is not None else lowest
    if threshold_rel is not None:
        threshold = max(threshold, threshold_rel * highest)
    return threshold


class _Candidates:
    """Peak candidates of an image: raveled indices (ascending) and values (in the image's
    dtype or the kernel's: the same order)."""

    __slots__ = ("shape", "flat", "values")

    def __init__(self, shape, flat, values):
        self.shape, self.flat, self.values = shape, flat, values

    def where(self, keep):
        return _Candidates(self.shape, self.flat[keep], self.values[keep])


def _candidates(a, fp, thresholds, border, label_mask=None):
    """scikit-image's peak mask (``_get_peak_mask`` then ``_exclude_border``) as `_Candidates`.

    `label_mask`: the labels branch (a label's bounding box, `border` unused
    there): a constant label gives its isolated pixels, as scikit-image.
    """
    from ._kernels import footprint as footprint_kernels

    x = _pixel_values(a, False)
    shape = np.array(a.shape, dtype=np.int64)
    if label_mask is None and fp.size > 1 and a.size > 1 and fp.all():
        # The fast path: a box (the default footprint), threshold and border inside the kernel.
        before = np.array([s // 2 for s in fp.shape], dtype=np.int64)
        after = np.array(fp.shape, dtype=np.int64) - 1 - before
        # numpy's min is NaN when there is a NaN: one pass for the threshold and the check.
        lowest = a.min()
        if lowest != lowest:
            _refuse_nan(int(np.isnan(a).sum()))
        highest = a.max() if thresholds[1] is not None else None
        threshold = _peak_threshold(a, lowest, highest, thresholds)
        # A threshold of the image's own dtype compares the same in the kernel's (wider) dtype;
        # any other goes through numpy's comparison rules, as in scikit-image.
        in_kernel = isinstance(threshold, np.generic) and threshold.dtype == a.dtype
        thr = np.asarray(threshold if in_kernel else 0).astype(x.dtype)[()]
        flat, values, n_raw = footprint_kernels.box_candidates(
            x, shape, before, after, border, thr, in_kernel, x.shape[0] >= _PARALLEL_PEAKS
        )
        if n_raw == x.shape[0]:  # every pixel is its box's maximum: a constant image has no peaks
            flat, values = flat[:0], values[:0]
        peaks = _Candidates(a.shape, flat, values)
        return peaks if in_kernel else peaks.where(values.astype(a.dtype, copy=False) > threshold)
    if a.dtype.kind == "f":
        _refuse_nan(int(np.isnan(a).sum()))
    threshold = _peak_threshold(a, a.min(), a.max(), thresholds)
    if fp.size == 1 or a.size == 1:
        keep = a > threshold
    else:
        center = tuple(s // 2 for s in fp.shape)
        steps = np.argwhere(fp) - np.array(center)
        steps = np.ascontiguousarray(steps[np.any(steps != 0, axis=1)], dtype=np.int64)
        if steps.shape[0] == 0:  # the footprint is its centre only: ``image == image``
            keep = a == a
            trivial = True
        else:
            strides = np.cumprod((1,) + a.shape[:0:-1], dtype=np.int64)[::-1]
            raw, n_raw = footprint_kernels.footprint_candidates(
                x, shape, steps, steps @ strides, bool(fp[center]), x.shape[0] >= _PARALLEL_PEAKS
            )
            keep = raw.reshape(a.shape)
            trivial = n_raw == a.size if label_mask is None else bool(np.all(keep[label_mask]))
        if trivial:
            keep = np.zeros(a.shape, dtype=bool)
            if label_mask is not None:
                from scipy import ndimage as ndi

                keep = np.logical_xor(label_mask, ndi.binary_opening(label_mask))
        keep = keep & (a > threshold)
    if label_mask is None:
        _zero_border(keep, border)
    flat = np.flatnonzero(keep)
    return _Candidates(a.shape, flat, a.ravel()[flat])


def _refuse_nan(n_nan):
    if n_nan:
        raise ValueError(f"`image` contains {n_nan} NaN value(s); peaks need ordered values")


def _zero_border(mask, border):
    for j, w in enumerate(border):
        if w:
            mask[(slice(None),) * j + (slice(None, w),)] = False
            mask[(slice(None),) * j + (slice(-w, None),)] = False


def _high_intensity_peaks(peaks, num_peaks, spacing):
    """scikit-image's ``_get_high_intensity_peaks``: sort the `_Candidates` by value, descending
    (ties: row-major), space them, keep `num_peaks`; coordinates int64 (N, ndim)."""
    from ._kernels import peaks as peak_kernels
    from ._prominence import descending_order

    min_distance, p_norm = spacing
    order = descending_order(peaks.values)
    coords = peak_kernels.unravel(peaks.flat[order], np.array(peaks.shape, dtype=np.int64))
    if min_distance > 1:
        keep = peak_kernels.spacing_greedy(coords, min_distance, p_norm, -1 if num_peaks is None else num_peaks)
        coords = coords[keep]
    if num_peaks is not None:
        coords = coords[:num_peaks]
    return coords


def _labelled_peaks(a, lab, fp, thresholds, border, num_peaks, num_peaks_per_label, spacing, min_prominence):
    """scikit-image's ``labels`` branch: each label alone in its bounding box, others at the dtype's minimum."""
    from scipy import ndimage as ndi

    if a.dtype.kind == "f":
        _refuse_nan(int(np.isnan(a).sum()))
    # The threshold comes from the whole image, as in scikit-image.
    threshold = _peak_threshold(a, a.min(), a.max(), thresholds)
    inner = np.maximum(lab, 0)
    _zero_border(inner, border)
    lowest = np.finfo(a.dtype).min if a.dtype.kind == "f" else (False if a.dtype == bool else np.iinfo(a.dtype).min)
    prom = None if min_prominence is None else prominence(a, labels=lab)
    found = []
    for index, roi in enumerate(ndi.find_objects(inner)):
        if roi is None:
            continue
        label_mask = lab[roi] == index + 1
        obj = a[roi].copy()
        obj[~label_mask] = lowest
        peaks = _candidates(obj, fp, (threshold, None), None, label_mask)
        if prom is not None:
            peaks = peaks.where(_at_least(prom[roi].ravel()[peaks.flat], min_prominence))
        coords = _high_intensity_peaks(peaks, num_peaks_per_label, spacing)
        coords += np.array([s.start for s in roi], dtype=np.int64)
        found.append(coords)
    coords = np.vstack(found) if found else np.zeros((0, a.ndim), dtype=np.int64)
    if num_peaks is not None and len(coords) > num_peaks:
        flat = np.sort(np.ravel_multi_index(tuple(coords.T), a.shape)).astype(np.int64)
        peaks = _Candidates(a.shape, flat, a.ravel()[flat])
        coords = _high_intensity_peaks(peaks, num_peaks, spacing)
    return coords
