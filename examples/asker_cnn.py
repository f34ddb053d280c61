"""The asker's CNN experiment, end to end -- and where a learned answer breaks.

    "I trained a CNN to say True when a 3x3 window is centred on its maximum:
    Conv2D(128, 2, activation='relu', padding='same', input_shape=(3,3,1))
    Conv2D(64, 2, activation='relu', padding='same')
    Flatten()
    Dense(10, activation='softmax')"

1. Cut every 3x3 window out of seeded training images (uniform noise, smooth
   images, small integers with ties) with `graphmax.windows.image_windows`;
   label each with `is_centered_max` (the exact answer to the question).
2. Train the asker's model exactly as written (`graphmax.learn.cnn.AskerCNN()`:
   ten softmax outputs, labels 0/1), side by side with the minimal correction
   (`AskerCNN(outputs=2)`) and the corrected model on per-window min-max
   rescaled windows (`AskerCNN(outputs=2, normalize="minmax")`).
3. Test them where the question gets hard: ties, near-ties, another value range
   (`1000 x - 300`, `x + 5`, `x / 1000`), and the asker's own pairs on a real
   photograph (a window centred on a maximum must say True, the same window
   moved by one pixel False).
4. The exact answers: `is_centered_max` / `graphmax.grid.local_maxima`, and the
   zero-parameter max-pool NMS -- right by construction on every test.
5. A GNN that *learns* the indicator (`train_detector("maxmp")`, trained on
   random graphs, never on images) applied to the images' grid graphs.

Run:  python examples/asker_cnn.py      (1-4 minutes on 2 CPU cores)
"""

import numpy as np
import skimage.data
import torch

from graphmax import grid
from graphmax.learn import cnn, data, metrics, train_cnn, train_detector
from graphmax.windows import grid_adjacency, is_centered_max

torch.set_num_threads(2)
CENTRE = 4  # index of the centre pixel in a flattened 3x3 window


def windows_of(images):
    """The asker's data set: every 3x3 window and whether it is centred on its strict maximum."""
    return cnn.image_window_batch(images)


def report(name, truth, pred):
    s = metrics.classification_scores(truth, pred)
    print(f"   {name:<34s} accuracy {100 * s['accuracy']:6.2f}%   F1 {s['f1']:.3f}   "
          f"missed {s['fn']:5d}   false alarms {s['fp']:5d}")


def main():
    print("1. data: seeded 32x32 images, every 3x3 window (graphmax.windows.image_windows)")
    train_imgs, _, _ = data.make_images(50, (32, 32), seed=0)
    val_imgs, _, _ = data.make_images(20, (32, 32), seed=0, split="val")
    test_imgs, _, test_signals = data.make_images(30, (32, 32), seed=0, split="test")
    x_train, y_train = windows_of(train_imgs)
    x_val, y_val = windows_of(val_imgs)
    print(f"   {len(x_train)} training windows, {100 * y_train.mean():.1f}% centred on their maximum")

    print("2. the asker's CNN as written, and corrected (same data, same seed, same training)")
    variants = {
        "as written (Dense(10), labels 0/1)": cnn.AskerCNN(),
        "corrected (Dense(2))": cnn.AskerCNN(outputs=2),
        "corrected, windows min-max rescaled": cnn.AskerCNN(outputs=2, normalize="minmax"),
    }
    for line in variants["as written (Dense(10), labels 0/1)"].keras_layers():
        print(f"   {line}")
    for name, model in variants.items():
        info = train_cnn(model, x_train, y_train, val=(x_val, y_val), epochs=5, lr=1e-3, seed=0, progress=False)
        print(f"   {name:<38s} {info['epochs']} epochs, {info['train_seconds']:4.0f} s, "
              f"best validation F1 {info['val_f1']:.3f}")

    print("3. where they fail (test windows; the exact answer is right on every line)")
    by_signal = {s: [img for img, name in zip(test_imgs, test_signals) if name == s] for s in data.SIGNALS}
    w, y = windows_of(test_imgs)
    photo = skimage.data.camera().astype(np.float64)
    for name, model in variants.items():
        print(f"   -- {name}")
        for signal, imgs in by_signal.items():
            ws, ys = windows_of(np.stack(imgs))
            label = {"uniform": "iid uniform noise", "smooth": "smooth images", "int": "small integers (ties)"}[signal]
            report(label, ys, model.predict_windows(ws))
        for label, f in (("values 1000 x - 300", lambda v: 1000 * v - 300), ("values x + 5", lambda v: v + 5),
                         ("values x / 1000", lambda v: v / 1000)):
            report(label, y, model.predict_windows(f(w)))  # the same windows, the same labels: the order did not change
        pairs = metrics.asker_pairs(model.predict_windows, photo)
        print(f"   camera photo, {pairs['pairs']} pairs (centred on a maximum / moved one pixel): "
              f"both right {100 * pairs['pair_right']:.1f}%, True when centred {100 * pairs['centred_true']:.1f}%, "
              f"False when moved {100 * pairs['moved_false']:.1f}%")
    model = variants["corrected (Dense(2))"]
    cnn_predict = model.predict_windows
    others = np.delete(w, CENTRE, axis=1).max(axis=1)
    gap = np.abs(w[:, CENTRE] - others) / np.maximum(np.ptp(w, axis=1), 1e-300)
    pred = cnn_predict(w)
    print("   corrected model: accuracy by the gap between the centre and its highest neighbour (relative to the window's range):")
    for lo, hi, label in ((0, 0, "exact tie"), (0, 0.01, "< 1%"), (0.01, 0.05, "1-5%"), (0.05, 0.2, "5-20%"),
                          (0.2, np.inf, "> 20%")):
        sel = gap == 0 if hi == 0 else (gap > lo) & (gap <= hi)
        if sel.any():
            print(f"     {label:>10s}: {100 * np.mean(pred[sel] == y[sel]):6.2f}% of {int(sel.sum())} windows")

    print("4. the exact answers")
    exact = is_centered_max(grid_adjacency((3, 3)), w, CENTRE, scope="window")
    assert np.array_equal(exact, y)
    report("is_centered_max (graphmax.windows)", y, exact)
    exact_pairs = metrics.asker_pairs(lambda v: is_centered_max(grid_adjacency((3, 3)), v, CENTRE, scope="window"), photo)
    print(f"   is_centered_max on the camera photo's pairs: both right {100 * exact_pairs['pair_right']:.1f}%")
    nms = cnn.MaxPoolNMS()
    nms_windows = np.concatenate([nms.predict_image(img)[1:-1, 1:-1].ravel() for img in test_imgs])
    report("max-pool NMS, 0 parameters", y, nms_windows)
    shifted = np.concatenate([nms.predict_image(1000 * img - 300)[1:-1, 1:-1].ravel() for img in test_imgs])
    report("max-pool NMS on 1000 x - 300", y, shifted)
    whole = all(np.array_equal(nms.predict_image(img), grid.local_maxima(img, mode="strict")) for img in test_imgs)
    print(f"   max-pool NMS == graphmax.grid.local_maxima(mode='strict') on whole images, borders included: {whole}")

    print("5. a GNN that learns the indicator: train_detector('maxmp') on random graphs (never on images)")
    detector = train_detector("maxmp", progress=False)
    print(f"   {detector!r}, trained in {detector.training['train_seconds']:.1f} s")

    def gnn_windows(images):
        masks = [detector.predict(grid_adjacency(img.shape), img.ravel()).reshape(img.shape) for img in images]
        return np.concatenate([m[1:-1, 1:-1].ravel() for m in masks])

    report("maxmp on each image's grid graph", y, gnn_windows(test_imgs))
    report("maxmp on 1000 x - 300", y, gnn_windows(1000 * test_imgs - 300))
    report("maxmp on x / 1000", y, gnn_windows(test_imgs / 1000))
    big = data.make_images(2, (320, 320), seed=0, split="big")
    right = all(np.array_equal(detector.predict(grid_adjacency(img.shape), img.ravel()).reshape(img.shape), m)
                for img, m in zip(big[0], big[1]))
    print(f"   320x320 images (100x the training images), every pixel right: {right}")
    print("   Why it generalises: it compares each node with its neighbours through max_u (r_u - r_v) on per-graph")
    print("   ranks r, so value range and graph size do not matter (see docs/learned.md).")


if __name__ == "__main__":
    main()
