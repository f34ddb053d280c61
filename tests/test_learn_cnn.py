"""graphmax.learn.cnn: exact max-pool NMS, the asker's CNN and its windows, the FCN, the adjacency CNN."""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see graphmax/learn/__init__.py; before torch starts

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch_geometric")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from graphmax import grid  # noqa: E402
from graphmax.learn import cnn, data, train_cnn  # noqa: E402
from graphmax.windows import ego_windows, image_windows  # noqa: E402

torch.set_num_threads(1)

_images = st.integers(1, 7).flatmap(
    lambda h: st.integers(1, 7).flatmap(
        lambda w: st.lists(st.integers(0, 3), min_size=h * w, max_size=h * w).map(lambda v: np.array(v).reshape(h, w))
    )
)


@settings(max_examples=300, deadline=None)
@given(img=_images, mode=st.sampled_from(("strict", "nonstrict")), connectivity=st.sampled_from((1, 2)),
       dtype=st.sampled_from((np.int64, np.float64, np.uint8, np.float32, np.int32)))
def test_maxpool_nms_equals_grid_local_maxima(img, mode, connectivity, dtype):
    """Ties, borders, 1-pixel-wide and single-pixel images, every dtype."""
    img = img.astype(dtype)
    nms = cnn.MaxPoolNMS(mode=mode, connectivity=connectivity)
    want = grid.local_maxima(img, mode=mode, connectivity=connectivity)
    np.testing.assert_array_equal(nms.predict_image(img), want)


def test_maxpool_nms_edge_values_and_batches():
    img = np.array([[-np.inf, 1.0, np.inf], [np.inf, 0.0, -np.inf], [2.0, 2.0, -1.0]])
    for mode in ("strict", "nonstrict"):
        np.testing.assert_array_equal(cnn.MaxPoolNMS(mode).predict_image(img), grid.local_maxima(img, mode=mode))
    ints = np.array([[np.iinfo(np.int64).min, 5], [np.iinfo(np.int64).max, np.iinfo(np.int64).max - 1]])
    np.testing.assert_array_equal(cnn.MaxPoolNMS().predict_image(ints), grid.local_maxima(ints, mode="strict"))
    big = np.array([[2**63 + 5, 2**63 + 4]], dtype=np.uint64)
    np.testing.assert_array_equal(cnn.MaxPoolNMS().predict_image(np.array([[7, 6]], dtype=np.uint16)), [[True, False]])
    with pytest.raises(ValueError, match="uint64"):
        cnn.MaxPoolNMS().predict_image(big)
    with pytest.raises(ValueError, match="NaN"):
        cnn.MaxPoolNMS().predict_image(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="`mode`"):
        cnn.MaxPoolNMS(mode="plateau")
    imgs, masks, _ = data.make_images(4, (9, 11), seed=0)
    out = cnn.MaxPoolNMS()(torch.from_numpy(imgs)[:, None])
    assert out.shape == (4, 1, 9, 11)
    np.testing.assert_array_equal(out[:, 0].numpy(), masks)
    # the nonstrict mode is CenterNet's formula
    x = torch.from_numpy(imgs)
    np.testing.assert_array_equal(cnn.MaxPoolNMS("nonstrict")(x).numpy(),
                                  (F.max_pool2d(x[:, None], 3, 1, 1) == x[:, None])[:, 0].numpy())


def test_asker_windows_come_from_image_windows():
    imgs, masks, _ = data.make_images(3, (6, 7), seed=2)
    windows, labels = cnn.image_window_batch(imgs)
    want = np.concatenate([image_windows(img)[0] for img in imgs])
    np.testing.assert_array_equal(windows, want)
    # the label of a window is "strict maximum of the 3x3 window" = interior pixel of the strict mask
    np.testing.assert_array_equal(labels, np.concatenate([m[1:-1, 1:-1].ravel() for m in masks]))
    with pytest.raises(ValueError, match="`images`"):
        cnn.image_window_batch(np.zeros(5))


def test_asker_cnn_matches_the_question_line_for_line():
    """Issue 14 item 6: the layers, read off the modules, are the question's Keras lines."""
    assert cnn.ASKER_KERAS == (
        "Conv2D(128, 2, activation='relu', padding='same', input_shape=(3,3,1))",
        "Conv2D(64, 2, activation='relu', padding='same')",
        "Flatten()",
        "Dense(10, activation='softmax')",
    )
    model = cnn.AskerCNN()
    assert model.keras_layers() == list(cnn.ASKER_KERAS)
    assert [type(m).__name__ for m in model.children()] == ["Conv2d", "Conv2d", "Linear"]
    assert (model.fc.in_features, model.fc.out_features) == (64 * 9, 10)
    corrected = cnn.AskerCNN(outputs=2)
    assert corrected.keras_layers() == [*cnn.ASKER_KERAS[:3], "Dense(2, activation='softmax')"]


def test_keras_same_padding_of_an_even_kernel_by_hand():
    """Keras/TensorFlow 'same' with a 2x2 kernel pads one zero row/column at the bottom/right."""
    x = torch.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    w = torch.tensor([[1.0, 10], [100, 1000]])
    # out[i, j] = sum_ab w[a, b] x[i + a, j + b], x zero beyond the last row and column (by hand):
    want = torch.tensor([[5421.0, 6532, 603], [8754, 9865, 906], [87, 98, 9]])
    got = F.conv2d(cnn._same(x[None, None]), w[None, None])[0, 0]
    torch.testing.assert_close(got, want)


def test_asker_cnn_forward_is_the_keras_computation():
    torch.manual_seed(0)
    model = cnn.AskerCNN()
    x = torch.randn(5, 9)
    out = model(x)
    assert out.shape == (5, 10)
    # both convolutions with ReLU, 'same' as PyTorch's (pads bottom/right for k=2), channels-last flatten
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch notes that it pads a copy for k=2
        h = F.relu(F.conv2d(x.reshape(-1, 1, 3, 3), model.conv1.weight, model.conv1.bias, padding="same"))
        h = F.relu(F.conv2d(h, model.conv2.weight, model.conv2.bias, padding="same"))
    torch.testing.assert_close(out, model.fc(h.permute(0, 2, 3, 1).reshape(5, -1)))
    # class 1 = "centred on its maximum"; a win of any other of the 10 classes is False
    with torch.no_grad():
        model.fc.bias.copy_(torch.tensor([0, 0, 0, 0, 0, 0, 0, 0, 0, 1e6]))
    assert not model.predict_windows(x.numpy()).any()
    with torch.no_grad():
        model.fc.bias.copy_(torch.tensor([0, 1e6, 0, 0, 0, 0, 0, 0, 0, 0]))
    assert model.predict_windows(x.numpy()).all()
    mask = model.predict_image(np.random.default_rng(0).random((6, 8)))
    assert mask.shape == (6, 8) and mask[1:-1, 1:-1].all() and not mask[0].any() and not mask[:, -1].any()


def test_minmax_variant_reads_each_window_rescaled():
    torch.manual_seed(0)
    model = cnn.AskerCNN(outputs=2, normalize="minmax")
    x = torch.rand(4, 9, dtype=torch.float64)
    torch.testing.assert_close(model(x), model(1000 * x - 300))
    assert torch.isfinite(model(torch.ones(2, 9))).all()
    with pytest.raises(ValueError, match="`outputs`"):
        cnn.AskerCNN(outputs=1)


def test_asker_cnn_learns_something_and_deterministically():
    imgs, masks, _ = data.make_images(24, (16, 16), seed=0, signals=("uniform",))
    windows, labels = cnn.image_window_batch(imgs)
    a, b = cnn.AskerCNN(outputs=2), cnn.AskerCNN(outputs=2)
    ha = train_cnn(a, windows, labels, epochs=6, lr=3e-3, seed=1, progress=False)
    train_cnn(b, windows, labels, epochs=6, lr=3e-3, seed=1, progress=False)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    assert ha["val_f1"] > 0.3 and 1 <= ha["best_epoch"] <= 6


def test_pixel_fcn_shapes_and_translation_equivariance_inside():
    torch.manual_seed(0)
    fcn = cnn.PixelFCN(channels=8)
    img = torch.rand(12, 15, dtype=torch.float64)
    out = fcn(img[None])
    assert out.shape == (1, 12, 15)
    shifted = fcn(img[None, :, 1:])
    r = fcn.radius
    torch.testing.assert_close(out[0, r:-r, 1 + r : -r], shifted[0, r:-r, r:-r])
    imgs, masks, _ = data.make_images(8, (12, 12), seed=0)
    hist = train_cnn(fcn, imgs, masks, epochs=2, lr=3e-3, batch_size=4, progress=False)
    assert hist["epochs"] == 2 and fcn.predict_image(imgs[0]).shape == (12, 12)


def test_adjacency_images_and_cnn():
    d = data.make_dataset(3, families=("ba",), size=(12, 20), seed=0)[0]
    from graphmax import from_edges

    w = ego_windows(from_edges(d.edge_index.numpy().T, n=d.num_nodes), d.x[:, 0].numpy())
    images = cnn.adjacency_images(w)
    k = w.adj.shape[1]
    assert images.shape == (d.num_nodes, len(cnn.ADJACENCY_CHANNELS), k, k)
    np.testing.assert_array_equal(images[:, 0].numpy(), w.adj.astype(np.float32))
    assert images[:, -1].sum() == (w.valid.sum(1) ** 2).sum()
    model = cnn.AdjacencyCNN(channels=4)
    assert model(images).shape == (d.num_nodes,)
    prepared = model.prepare(d, max_cells=200)  # forces several chunks per size bucket
    assert len(prepared["chunks"]) > 1
    logits = model.logits(prepared)
    assert logits.shape == (d.num_nodes,)
    # windows are padded per bucket only: the answer does not depend on the chunking
    torch.testing.assert_close(logits, model.logits(model.prepare(d)))


def test_pooled_fcn_is_not_shift_equivariant_and_the_measure_sees_it():
    """Zhang 2019's point, measured by `metrics.shift_consistency`: the stride-1 FCN changes no interior
    output under a one-pixel shift; the max-pooled one does."""
    from graphmax.learn import metrics

    torch.manual_seed(0)
    imgs = np.random.default_rng(0).random((3, 24, 24))
    plain, pooled = cnn.PixelFCN(channels=8), cnn.PixelFCN(channels=8, pool=2)
    for model in (plain, pooled):
        with torch.no_grad():
            model.out.bias -= model(torch.from_numpy(imgs)).median()  # about half the pixels True
    assert pooled(torch.from_numpy(imgs)).shape == (3, 24, 24) and pooled(torch.rand(1, 23, 25)).shape == (1, 23, 25)
    assert metrics.shift_consistency(plain.predict_image, imgs, plain.radius)["interior_changed"] == 0.0
    assert metrics.shift_consistency(pooled.predict_image, imgs, pooled.radius)["interior_changed"] > 0.01
    with pytest.raises(ValueError, match="`pool`"):
        cnn.PixelFCN(pool=0)
