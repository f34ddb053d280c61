"""The learned benchmark's image part: the asker's CNN as written and corrected, FCNs, max-pool NMS, the seed's
MaxMP on grid graphs and the exact answer, on synthetic images and the asker's pairs on real photographs."""

from __future__ import annotations

import time

import numpy as np

from benchmarks.learned_plan import ASKER_VARIANTS

__all__ = ["unit_images"]


def unit_images(plan, seed, maxmp_det, progress=False):
    """Train and score every image model of `seed`; `maxmp_det` is the seed's strict `maxmp` detector
    (None: train one with `train_detector`'s defaults, when the run has no strict `maxmp`)."""
    if maxmp_det is None:
        from graphmax.learn import train_detector

        maxmp_det = train_detector("maxmp", seed=seed, epochs=plan.epochs, patience=plan.patience, progress=progress)
    t0 = time.perf_counter()
    itrain, ival, isets = make_image_sets(seed, plan)
    images, infos = {}, {}
    for name, (predict, radius, info) in image_models(seed, plan, itrain, ival, maxmp_det, progress).items():
        images[name] = evaluate_image_model(predict, radius, isets, plan)
        infos[name] = info
    return {"images": images, "image_models": infos, "image_seconds": time.perf_counter() - t0}


def make_image_sets(seed, plan):
    from graphmax.learn.data import SHIFT, make_images

    train = make_images(plan.image_train, plan.image_shape, seed=seed)
    val = make_images(plan.image_val, plan.image_shape, seed=seed, split="val")
    sets = {}
    for name, (count, shape, shift) in plan.image_sets.items():
        sets[name] = make_images(count, shape, seed=seed, split=f"test-{shape[0]}",
                                 shift=SHIFT if shift == "shift" else None)
    return train, val, sets


def _image_scores(images, masks, signals, preds):
    from graphmax.learn.metrics import evaluate_masks

    inner = (slice(1, -1), slice(1, -1))
    border = [~_interior_mask(m.shape) for m in masks]
    s = _brief(evaluate_masks([m[inner] for m in masks], [p[inner] for p in preds]))
    b = evaluate_masks([m[e] for m, e in zip(masks, border)], [p[e] for p, e in zip(preds, border)])
    s["border_accuracy"] = b["accuracy"]
    s["border_f1"] = b["f1"]
    s["image_exact_match"] = float(np.mean([np.array_equal(m, p) for m, p in zip(masks, preds)]))
    by = {}
    for sig in sorted(set(signals)):
        idx = [i for i, x in enumerate(signals) if x == sig]
        by[sig] = _brief(evaluate_masks([masks[i][inner] for i in idx], [preds[i][inner] for i in idx]))
    s["by_signal"] = by
    return s


def _brief(s):
    return {k: s[k] for k in ("accuracy", "f1", "exact_match", "nodes", "graphs") if k in s}


def _interior_mask(shape):
    m = np.zeros(shape, dtype=bool)
    m[1:-1, 1:-1] = True
    return m


def image_models(seed, plan, train, val, maxmp_det, progress):
    """Train the image CNNs of one seed; return ``{name: (predict_image, radius, info)}``."""
    from graphmax import grid
    from graphmax.learn import cnn, train_cnn
    from graphmax.windows import grid_adjacency

    imgs, masks, _ = train
    vimgs, vmasks, _ = val
    w, lab = cnn.image_window_batch(imgs)
    vw, vlab = cnn.image_window_batch(vimgs)
    askers = {}
    for name, kwargs in ASKER_VARIANTS.items():
        model = cnn.AskerCNN(**kwargs)
        info = train_cnn(model, w, lab, val=(vw, vlab), epochs=plan.asker_epochs, lr=1e-3, batch_size=256, seed=seed,
                         progress=progress)
        askers[name] = (model, info)
    fcns = {}
    for name, pool in (("fcn", 1), ("fcn (max-pool 2)", 2)):
        fcn = cnn.PixelFCN(pool=pool)
        info = train_cnn(fcn, imgs, masks, val=(vimgs, vmasks), epochs=plan.fcn_epochs, lr=1e-2, batch_size=16,
                         seed=seed, patience=25, progress=progress)
        fcns[name] = (fcn, info)

    def gnn(img):
        return maxmp_det.predict(grid_adjacency(img.shape), img.ravel()).reshape(img.shape)

    def record(info, **extra):
        return {"learned": True, **{k: info[k] for k in ("train_seconds", "epochs", "best_epoch", "val_f1")}, **extra}

    return {
        **{name: (model.predict_image, 1, record(info, train_windows=len(w), model=repr(model)))
           for name, (model, info) in askers.items()},
        **{name: (fcn.predict_image, fcn.radius, record(info, train_images=len(imgs), model=repr(fcn)))
           for name, (fcn, info) in fcns.items()},
        "maxpool-nms": (cnn.MaxPoolNMS().predict_image, 1, {"learned": False, "model": repr(cnn.MaxPoolNMS())}),
        "maxmp (grid graph)": (gnn, 1, {"learned": True, "model": "the seed's trained maxmp detector on "
                                        "grid_adjacency(image.shape) (8-connected: an unseen family)"}),
        "exact": (lambda img: grid.local_maxima(img, mode="strict"), 1, {"learned": False,
                                                                          "model": "graphmax.grid.local_maxima"}),
    }


def _photos(names):
    """Real photographs from scikit-image's bundled data, as float64 (the asker's pairs are cut from them)."""
    import skimage.data

    return [getattr(skimage.data, name)().astype(np.float64) for name in names]


def evaluate_image_model(predict, radius, sets, plan):
    from graphmax import grid
    from graphmax.learn import metrics

    out = {"sets": {}}
    for name, (images, masks, signals) in sets.items():
        t0 = time.perf_counter()
        preds = [np.asarray(predict(img), bool) for img in images]
        seconds = time.perf_counter() - t0
        s = _image_scores(images, masks, signals, preds)
        s["seconds"] = seconds
        s["pixels_per_s"] = sum(m.size for m in masks) / seconds if seconds > 0 else None
        out["sets"][name] = s
    test = sets["1x"][0][: plan.shift_images]
    out["shift"] = metrics.shift_consistency(predict, test, radius,
                                             exact=lambda img: grid.local_maxima(img, mode="strict"))
    agreement = {}
    for tname, f in metrics.MONOTONE_TRANSFORMS.items():
        same = [np.mean(np.asarray(predict(f(img)), bool) == np.asarray(predict(img), bool)) for img in test]
        agreement[tname] = float(np.mean(same))
    out["invariance"] = agreement
    out["invariance_min_agreement"] = min(agreement.values())
    pairs = [metrics.mask_pairs(predict(photo), photo, border=1) for photo in _photos(plan.photos)]
    total = sum(p["pairs"] for p in pairs)
    out["pairs"] = {"pairs": total, "photos": list(plan.photos),
                    **{k: sum(p[k] * p["pairs"] for p in pairs) / max(total, 1)
                       for k in ("pair_right", "centred_true", "moved_false")}}
    largest = max(out["sets"], key=lambda s: sets[s][0][0].size)
    out["throughput_pixels_per_s"] = out["sets"][largest]["pixels_per_s"]
    return out
