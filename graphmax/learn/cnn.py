"""Grid CNNs: the asker's model, a per-pixel FCN, an adjacency-matrix CNN, and exact max-pool NMS.

The question graphmax grew from trained a Keras CNN to say whether a 3x3
window is centred on its maximum. This module holds that model translated to
PyTorch (`AskerCNN`), a fully convolutional per-pixel net (`PixelFCN`), the
literal "max in a subgraph adjacency matrix" model (`AdjacencyCNN`, reading a
node's ego window as a multi-channel image), and the zero-parameter CNN that is
exact by construction (`MaxPoolNMS`, CenterNet's ``max_pool2d(x, 3, 1, 1) == x``
with ties handled as ``mode`` says).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .._graph import from_edges
from ..grid import grid_adjacency
from ..windows import ego_windows, image_windows, is_centered_max
from .models._inputs import check_normalize, normalize_values

__all__ = [
    "ASKER_KERAS",
    "AskerCNN",
    "PixelFCN",
    "AdjacencyCNN",
    "MaxPoolNMS",
    "image_window_batch",
    "adjacency_images",
]


# -- the asker's model on 3x3 windows ---------------------------------------------------------------
def image_window_batch(images, size=3):
    """Every ``size x size`` window of each image and whether it is centred on its strict maximum.

    Windows come from `graphmax.windows.image_windows` (stride 1, row-major,
    the same as ``sliding_window_view``) and labels from
    `graphmax.windows.is_centered_max` (``scope="window"``): the asker's data
    set, exactly.

    Returns
    -------
    windows : ndarray, shape (B, size * size)
    labels : ndarray of bool, shape (B,)
    """
    imgs = np.asarray(images)
    if imgs.ndim == 2:
        imgs = imgs[None]
    if imgs.ndim != 3:
        raise ValueError(f"`images` must have shape (H, W) or (N, H, W), got shape {imgs.shape}")
    parts = [image_windows(img, size=size) for img in imgs]
    windows = np.concatenate([w for w, _ in parts]) if parts else np.zeros((0, size * size))
    centre = size * size // 2
    labels = is_centered_max(grid_adjacency((size, size)), windows, centre, scope="window")
    return windows, np.asarray(labels, dtype=bool)


#: The asker's model, as the question wrote it (Keras), one layer a line.
ASKER_KERAS = (
    "Conv2D(128, 2, activation='relu', padding='same', input_shape=(3,3,1))",
    "Conv2D(64, 2, activation='relu', padding='same')",
    "Flatten()",
    "Dense(10, activation='softmax')",
)


class AskerCNN(torch.nn.Module):
    """The asker's Keras model in PyTorch, layer for layer (`ASKER_KERAS`), and its minimal correction.

    ``Conv2D(128, 2, relu, same) -> Conv2D(64, 2, relu, same) -> Flatten ->
    Dense(outputs, softmax)`` on ``size x size x 1`` windows:

    - ``outputs=10`` (default) is the question **as written**: ten softmax
      outputs for a two-class question, trained with labels 0/1 (classes
      2-9 never occur; a window is called "centred on its maximum" when
      class 1 has the highest score).
    - ``outputs=2`` is the minimal correction (two classes), nothing else
      changed.

    Keras' ``padding="same"`` for a 2-wide kernel at stride 1 pads the total
    of one row and one column at the **bottom and right** (TensorFlow puts
    ``pad // 2 = 0`` before, the rest after); `_same` does exactly that.
    ``Flatten`` reads Keras' channels-last layout ``(H, W, C)``, so the dense
    weights line up with a Keras model's. The softmax lives in the loss
    (`torch.nn.CrossEntropyLoss`); `forward` returns the logits.

    ``normalize="minmax"`` rescales each window to [0, 1] first (``(w -
    min) / (max - min)``, constant windows to 0): the per-window normalised
    variant; the question's model reads the raw values (``"none"``).

    Args:
        size (int): window side (default 3).
        outputs (int): 10 (as written) or 2 (corrected); any >= 2 works.
        normalize (str): ``"none"`` (default) or ``"minmax"``.
    """

    learned = True

    def __init__(self, size: int = 3, outputs: int = 10, normalize: str = "none"):
        super().__init__()
        self.size = int(size)
        self.outputs = int(outputs)
        if self.outputs < 2:
            raise ValueError(f"`outputs` must be >= 2 (class 1 = centred on its maximum), got {outputs!r}")
        if normalize not in ("none", "minmax"):
            raise ValueError(f"`normalize` must be 'none' or 'minmax', got {normalize!r}")
        self.normalize = normalize
        self.conv1 = torch.nn.Conv2d(1, 128, kernel_size=2)
        self.conv2 = torch.nn.Conv2d(128, 64, kernel_size=2)
        self.fc = torch.nn.Linear(64 * self.size * self.size, self.outputs)

    def reset_parameters(self):
        for layer in (self.conv1, self.conv2, self.fc):
            layer.reset_parameters()

    def config(self) -> dict:
        return {"size": self.size, "outputs": self.outputs, "normalize": self.normalize}

    def keras_layers(self) -> list:
        """This model's layers written as Keras lines, read off the modules (compare `ASKER_KERAS`)."""
        c1, c2 = self.conv1, self.conv2
        return [
            f"Conv2D({c1.out_channels}, {c1.kernel_size[0]}, activation='relu', padding='same', "
            f"input_shape=({self.size},{self.size},{c1.in_channels}))",
            f"Conv2D({c2.out_channels}, {c2.kernel_size[0]}, activation='relu', padding='same')",
            "Flatten()",
            f"Dense({self.fc.out_features}, activation='softmax')",
        ]

    def forward(self, windows: Tensor) -> Tensor:
        """``(B, size*size)`` or ``(B, 1, size, size)`` windows -> ``(B, outputs)`` logits."""
        x = windows.reshape(-1, 1, self.size, self.size)
        if self.normalize == "minmax":
            x = x.to(torch.float64)
            lo = x.amin(dim=(2, 3), keepdim=True)
            span = x.amax(dim=(2, 3), keepdim=True) - lo
            x = torch.where(span > 0, (x - lo) / torch.where(span > 0, span, torch.ones_like(span)), torch.zeros_like(x))
        x = x.to(self.fc.weight.dtype)
        x = F.relu(self.conv1(_same(x)))
        x = F.relu(self.conv2(_same(x)))
        return self.fc(x.permute(0, 2, 3, 1).flatten(1))  # Keras' Flatten: channels last

    def predict_windows(self, windows, batch_size: int = 65536) -> np.ndarray:
        """Bool ``(B,)``: class 1 scores highest (= "centred on its maximum")."""
        t = torch.as_tensor(np.asarray(windows, dtype=np.float64))
        with torch.no_grad():
            if len(t) == 0:
                return np.zeros(0, dtype=bool)
            pred = torch.cat([self(t[i : i + batch_size]).argmax(1) for i in range(0, len(t), batch_size)])
        return (pred == 1).numpy()

    def predict_image(self, image, batch_size: int = 65536) -> np.ndarray:
        """Bool mask ``(H, W)``: the prediction for every window centre; pixels where no window
        fits (the outer ``size // 2`` rows and columns) are False."""
        img = np.asarray(image)
        h, w = img.shape
        r = self.size // 2
        out = np.zeros((h, w), dtype=bool)
        windows, _ = image_windows(img, size=self.size)
        if len(windows) == 0:
            return out
        out[r : h - r, r : w - r] = self.predict_windows(windows, batch_size).reshape(h - 2 * r, w - 2 * r)
        return out

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, conv 1->128->64 k=2 same relu, "
                f"dense {self.outputs} softmax, normalize={self.normalize!r})")


def _same(x):
    """Keras/TensorFlow "same" padding for a 2x2 kernel at stride 1: one zero row and column, bottom/right."""
    return F.pad(x, (0, 1, 0, 1))


# -- a fully convolutional per-pixel net -------------------------------------------------------------
class PixelFCN(torch.nn.Module):
    """Per-pixel classifier on whole images: `num_layers` 3x3 convolutions (zero padding) + 1x1 readout.

    Each pixel sees a square around it (`radius`); near the border the zero
    padding is part of what it sees, so its answer there depends on where the
    image ends (reported separately by the benchmark). Raw pixel values in,
    one logit per pixel out.

    ``pool=k > 1`` max-pools by ``k`` after the first convolution and
    upsamples (nearest) back to the input size before the readout: the usual
    strided encoder. Such a network is no longer shift-equivariant (Zhang
    2019, "Making convolutional networks shift-invariant again"): moving the
    image by one pixel can change the answer even far from the border; the
    benchmark measures how often.

    Args:
        channels (int): width of every layer (default 32).
        num_layers (int): 3x3 convolutions (default 3).
        pool (int): max-pool factor after the first convolution (default 1: none).
    """

    learned = True

    def __init__(self, channels: int = 32, num_layers: int = 3, pool: int = 1):
        super().__init__()
        self.channels = int(channels)
        self.num_layers = int(num_layers)
        self.pool = int(pool)
        if self.pool < 1:
            raise ValueError(f"`pool` must be >= 1, got {pool!r}")
        widths = [1] + [self.channels] * self.num_layers
        self.convs = torch.nn.ModuleList(
            torch.nn.Conv2d(a, b, kernel_size=3, padding=1) for a, b in zip(widths[:-1], widths[1:])
        )
        self.out = torch.nn.Conv2d(self.channels, 1, kernel_size=1)

    @property
    def radius(self) -> int:
        """Half-width of the receptive field, in pixels (pooling and upsampling included)."""
        k = self.pool
        return 1 + (self.num_layers - 1) * k + 2 * (k - 1)

    def reset_parameters(self):
        for layer in [*self.convs, self.out]:
            layer.reset_parameters()

    def config(self) -> dict:
        return {"channels": self.channels, "num_layers": self.num_layers, "pool": self.pool}

    def forward(self, images: Tensor) -> Tensor:
        """``(B, H, W)`` or ``(B, 1, H, W)`` images -> ``(B, H, W)`` logits."""
        x = images.reshape(-1, 1, *images.shape[-2:]).to(self.out.weight.dtype)
        size = x.shape[-2:]
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if i == 0 and self.pool > 1:
                x = F.max_pool2d(x, self.pool, ceil_mode=True)
        if self.pool > 1:
            x = F.interpolate(x, size=size, mode="nearest")
        return self.out(x)[:, 0]

    @torch.no_grad()
    def predict_image(self, image) -> np.ndarray:
        img = torch.from_numpy(np.asarray(image, dtype=np.float64))
        return (self(img[None])[0] > 0).numpy()

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(channels={self.channels}, num_layers={self.num_layers}, pool={self.pool})"


# -- the exact-by-construction CNN -----------------------------------------------------------------
class MaxPoolNMS(torch.nn.Module):
    """Zero-parameter max-pool non-maximum suppression, exact for every dtype and border.

    ``mode="nonstrict"`` is CenterNet's ``max_pool2d(x, 3, stride=1,
    padding=1) == x``: `max_pool2d` pads with -inf, so a border pixel meets
    only its in-image neighbours. ``mode="strict"`` (default) compares each
    pixel with the maximum of its neighbours *without itself* (the 3x3 ring,
    or the 4 axis neighbours for ``connectivity=1``), taken over one-pixel
    shifts padded with the dtype's lowest value -- so a tie with a neighbour
    is not a maximum, and out-of-image neighbours do not exist. Both equal
    ``graphmax.grid.local_maxima(image, mode=mode, connectivity=...)``
    exactly, on integer and float images, including ``±inf``. An image of a
    single pixel has no neighbours, so no maxima (``min_neighbors=1``).
    Values are compared in their own dtype (no cast to float32).

    Args:
        mode (str): ``"strict"`` or ``"nonstrict"``.
        connectivity (int): 2 (8 neighbours, default) or 1 (4 neighbours).
    """

    learned = False

    def __init__(self, mode: str = "strict", connectivity: int = 2):
        super().__init__()
        if mode not in ("strict", "nonstrict"):
            raise ValueError(f"`mode` must be 'strict' or 'nonstrict', got {mode!r}")
        if connectivity not in (1, 2):
            raise ValueError(f"`connectivity` must be 1 or 2, got {connectivity!r}")
        self.mode = mode
        self.connectivity = connectivity

    #: Half-width of the receptive field, in pixels.
    radius = 1

    def config(self) -> dict:
        return {"mode": self.mode, "connectivity": self.connectivity}

    def forward(self, images: Tensor) -> Tensor:
        """``(H, W)``, ``(B, H, W)`` or ``(B, 1, H, W)`` -> bool of the same shape."""
        x = images
        if x.dtype == torch.bool:
            x = x.to(torch.uint8)
        if torch.is_floating_point(x) and torch.isnan(x).any():
            raise ValueError("`images` contains NaN; local maxima are undefined there")
        shape = x.shape
        x4 = x.reshape(-1, 1, *shape[-2:])
        h, w = shape[-2:]
        if h * w <= 1:
            return torch.zeros(shape, dtype=torch.bool, device=x.device)
        if self.mode == "nonstrict" and self.connectivity == 2 and torch.is_floating_point(x4):
            peak = F.max_pool2d(x4, kernel_size=3, stride=1, padding=1) == x4
        else:
            ring = self._ring_max(x4)
            peak = x4 > ring if self.mode == "strict" else x4 >= ring
        return peak.reshape(shape)

    def _ring_max(self, x4: Tensor) -> Tensor:
        """Maximum over each pixel's in-image neighbours (itself excluded)."""
        lowest = -torch.inf if torch.is_floating_point(x4) else torch.iinfo(x4.dtype).min
        padded = F.pad(x4, (1, 1, 1, 1), value=lowest) if torch.is_floating_point(x4) else _pad_int(x4, lowest)
        h, w = x4.shape[-2:]
        offsets = [(-1, 0), (1, 0), (0, -1), (0, 1)]
        if self.connectivity == 2:
            offsets += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
        ring = None
        for dy, dx in offsets:
            view = padded[..., 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
            ring = view if ring is None else torch.maximum(ring, view)
        return ring

    def predict_image(self, image) -> np.ndarray:
        return self(_image_tensor(image)).numpy()

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mode={self.mode!r}, connectivity={self.connectivity}, parameters=0)"


def _image_tensor(image):
    """A numpy image as a tensor in a dtype torch compares exactly (unsigned ints widened to int64)."""
    a = np.asarray(image)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`image` must be bool, integer or float, got dtype {a.dtype}")
    if a.dtype.kind == "u" and a.dtype.itemsize > 1:
        if a.size and a.max() > np.iinfo(np.int64).max:
            raise ValueError("`image` holds uint64 values above 2**63 - 1, which torch cannot compare")
        a = a.astype(np.int64)
    return torch.from_numpy(np.ascontiguousarray(a))


def _pad_int(x4, value):
    out = torch.full((*x4.shape[:-2], x4.shape[-2] + 2, x4.shape[-1] + 2), value, dtype=x4.dtype)
    out[..., 1:-1, 1:-1] = x4
    return out


# -- the adjacency-matrix CNN ---------------------------------------------------------------------
#: Channels of an adjacency image: A[i, j], x_i, x_j, i == centre, j == centre, both nodes real.
ADJACENCY_CHANNELS = ("adjacency", "row value", "column value", "row is centre", "column is centre", "valid")


def adjacency_images(windows) -> Tensor:
    """A batch of windows (`graphmax.windows.EgoWindows`) as images ``(B, 6, k, k)``.

    Channel order: `ADJACENCY_CHANNELS`. Padding nodes are 0 in every channel.
    """
    adj = torch.from_numpy(np.asarray(windows.adj, dtype=np.float32))
    vals = torch.from_numpy(np.asarray(windows.values, dtype=np.float32))
    valid = torch.from_numpy(np.asarray(windows.valid)).to(torch.float32)
    B, k = vals.shape
    centre = torch.zeros(B, k)
    centre[torch.arange(B), torch.from_numpy(np.asarray(windows.center))] = 1.0
    pair = valid[:, :, None] * valid[:, None, :]
    return torch.stack(
        [
            adj,
            vals[:, :, None].expand(B, k, k) * pair,
            vals[:, None, :].expand(B, k, k) * pair,
            centre[:, :, None].expand(B, k, k) * pair,
            centre[:, None, :].expand(B, k, k) * pair,
            pair,
        ],
        dim=1,
    )


class AdjacencyCNN(torch.nn.Module):
    """A CNN that reads each node's ego window as an image: the literal "max in a subgraph adjacency matrix".

    For node `v`, its ego window (`graphmax.windows.ego_windows`: `v` and
    its neighbours ``N(v)`` -- the senders of its messages, so the target's
    neighbourhood -- sorted by node id, with their induced adjacency)
    becomes a 6-channel ``k x k`` image (`adjacency_images`: the adjacency,
    the row and column node values, centre row/column, validity); two 3x3
    convolutions with ReLU, then max and mean pooling over the valid cells,
    and a linear readout to one logit: is `v` a strict maximum of its window
    (= a strict local maximum, `ego_windows`' invariant)?

    Values are standardised per graph first (`normalize`, as the GNN
    baselines). Windows are grouped by size (powers of two) so that a hub does
    not pad every window to its degree. Unlike a GNN the answer depends on
    the order of the nodes inside a window, so it is not permutation
    equivariant (measured by the benchmark).

    Args:
        channels (int): convolution width (default 16).
        normalize (str): per-graph input transform (default ``"standardize"``).
    """

    learned = True

    def __init__(self, channels: int = 16, normalize: str = "standardize"):
        super().__init__()
        self.channels = int(channels)
        self.normalize = check_normalize(normalize)
        self.conv1 = torch.nn.Conv2d(len(ADJACENCY_CHANNELS), self.channels, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv2d(self.channels, self.channels, kernel_size=3, padding=1)
        self.readout = torch.nn.Linear(2 * self.channels, 1)

    def reset_parameters(self):
        for layer in (self.conv1, self.conv2, self.readout):
            layer.reset_parameters()

    def config(self) -> dict:
        return {"channels": self.channels, "normalize": self.normalize}

    def forward(self, images: Tensor) -> Tensor:
        """``(B, 6, k, k)`` adjacency images -> ``(B,)`` logits."""
        valid = images[:, -1:] > 0
        h = F.relu(self.conv2(F.relu(self.conv1(images))))
        count = valid.sum(dim=(2, 3)).clamp(min=1)
        hmax = torch.where(valid, h, torch.full_like(h, -torch.inf)).amax(dim=(2, 3))
        hmax = torch.where(torch.isfinite(hmax), hmax, torch.zeros_like(hmax))
        hmean = (h * valid).sum(dim=(2, 3)) / count
        return self.readout(torch.cat([hmax, hmean], dim=1))[:, 0]

    # -- the node-detector protocol (see graphmax.learn.detector) --
    def prepare(self, data, max_cells: int = 2_000_000):
        """Cut the ego windows of every node of `data` (a PyG Data/Batch) into size buckets.

        Returns ``{"n": n, "chunks": [(node ids (B,), images (B, 6, k, k)), ...]}``, at most
        `max_cells` window cells ``B * k * k`` per chunk.
        """
        n = int(data.num_nodes)
        values = normalize_values(data.x, getattr(data, "batch", None), self.normalize)[:, 0].numpy()
        ei = data.edge_index.numpy()
        # messages u -> v for u in N(v): a node's window is itself and its in-neighbours here
        g = from_edges(ei.T, n=n)
        indptr, _, _ = g.neighbors("in")
        sizes = np.diff(indptr) + 1
        bucket = np.ceil(np.log2(np.maximum(sizes, 4))).astype(np.int64)  # k <= 4, 8, 16, ...
        chunks = []
        for b in np.unique(bucket):
            nodes = np.flatnonzero(bucket == b)
            per_chunk = max(1, max_cells // (2 ** int(b)) ** 2)
            for start in range(0, len(nodes), per_chunk):
                part = nodes[start : start + per_chunk]
                windows = ego_windows(g, values, nodes=part, direction="in")
                chunks.append((torch.from_numpy(part), adjacency_images(windows)))
        return {"n": n, "chunks": chunks}

    def logits(self, prepared) -> Tensor:
        out = torch.zeros(prepared["n"], dtype=self.readout.weight.dtype)
        for nodes, images in prepared["chunks"]:
            out = out.index_put((nodes,), self(images))
        return out

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(channels={self.channels}, normalize={self.normalize!r})"
