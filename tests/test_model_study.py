"""Data of the parametrisation screen: model study (gains, prior, failures) and its readers."""

from __future__ import annotations

import json

import numpy as np
import torch
from PIL import Image
from test_experiments import synthetic_photos

from core import experiment_view as ev
from core.evaluate import main as evaluate
from core.losses import AB_BINS, ab_prior
from core.model_study import ERROR_COLOURS, ERROR_MAX, error_map, prior_summary, study, subject
from core.unet import UNet, UNetConfig
from core.weights import save_model


def test_error_map_is_black_where_right_and_brightest_beyond_the_maximum():
    truth = np.zeros((2, 2, 3), np.float32)
    pred = truth.copy()
    pred[0, 0, 1] = 3 * ERROR_MAX  # far off
    pred[1, 1, 2] = ERROR_MAX / 3  # a third of the way
    m = error_map(pred, truth)
    assert m.dtype == np.uint8 and m.shape == (2, 2, 3)
    assert m[0, 1].tolist() == ERROR_COLOURS[0].tolist()
    assert m[0, 0].tolist() == ERROR_COLOURS[-1].tolist()
    assert m[1, 1].tolist() == ERROR_COLOURS[1].tolist()


def test_subject_reads_imagenet_names_only():
    assert subject("n02437616_llama.JPEG") == "llama"
    assert subject("n02102177_Welsh_springer_spaniel.JPEG") == "Welsh springer spaniel"
    assert subject("n03445777_8550.JPEG") == "golf ball"  # imagenette: the class id
    assert subject("109053.jpg") == ""


def test_prior_summary_mean_median_and_weights():
    rng = np.random.default_rng(0)
    pixels = np.concatenate([rng.normal([2.0, 8.0], 3.0, (5000, 2)),
                             rng.normal([60.0, -40.0], 3.0, (500, 2))])  # a rare vivid blue
    unit = torch.from_numpy(np.concatenate([np.zeros((len(pixels), 1)), pixels / 110.0], 1))
    prior = ab_prior([unit.T.reshape(1, 3, -1, 1).float()]).numpy()
    s = prior_summary(prior, pixels, lam=0.5)
    assert np.allclose(s["mean_ab"], pixels.mean(0))
    assert abs(s["median_ab"][0] - 2.0) < 1 and abs(s["median_ab"][1] - 8.0) < 1
    w, p = np.array(s["weights"]), np.array(s["prob"])
    assert w.shape == p.shape == (AB_BINS, AB_BINS)
    assert np.isclose((w * p).sum(), 1.0, atol=1e-4)  # E_p[w] = 1
    common = np.unravel_index(np.argmax(p), p.shape)  # the most frequent bin
    vivid = (int((60 + 110) / 10), int((-40 + 110) / 10))
    assert w[vivid] > w[common]  # rarer colours weigh more
    r, g, b = s["mean_rgb"]
    assert r > b  # the mean leans warm (b > 0): the brownish mean


def test_study_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = synthetic_photos(tmp_path / "photos", train=6, val=4, size=(48, 40), seed=5)
    torch.manual_seed(0)
    weights = tmp_path / "w" / "colorizer"
    save_model(UNet(UNetConfig(width=4, depth=2)), weights, metadata={
        "chroma_gain": 0.5, "working_size": 32, "train": {"rebalance": 0.75}})
    assert evaluate(["--weights", str(weights), "--data", str(data), "--out",
                     str(weights.parent / "validation"), "--val-per-source", "4"]) == 0
    out = tmp_path / "study"
    s = study(weights, [str(data)], out, prior_photos=5, cases=2)
    assert s["chroma_gain"] == 0.5 and s["working_size"] == 32
    gains = s["three_gains"]["gains"]
    assert [g["gain"] for g in gains] == [0.0, 0.5, 1.0]
    assert gains[0]["colourfulness"] < 0.5 < gains[2]["colourfulness"]  # gain 0: grey
    assert [c["gain_db"] for c in s["best"]] == sorted([c["gain_db"] for c in s["best"]],
                                                      reverse=True)
    assert s["best"][0]["gain_db"] >= s["worst"][0]["gain_db"]
    for c in s["best"] + s["worst"]:
        assert np.isclose(c["gain_db"], c["psnr"] - c["grey_psnr"])
        for f in c["files"].values():
            with Image.open(out / f) as im:
                assert max(im.size) <= 320
    assert s["prior"]["photos"] == 5 and s["prior"]["lambda"] == 0.75


def test_view_readers(tmp_path):
    assert ev.load_results(tmp_path / "none.json") is None
    (tmp_path / "old.json").write_text(json.dumps([{"name": "reference"}]))
    assert ev.load_results(tmp_path / "old.json") is None  # the one-seed format: not shown
    cal = ev.calibration_curve()  # the shipped weights' calibration
    assert cal is not None and cal["points"][0] == {
        "gain": 0.0, "psnr": cal["points"][0]["psnr"], "colourfulness_ratio": 0.0}
    gains = [p["gain"] for p in cal["points"]]
    assert gains == sorted(gains) and gains[-1] == 1.0
    assert cal["chosen"]["chroma_gain"] in gains
    rows = ev.per_source()
    assert rows[-1]["source"] == "" and rows[-1]["photos"] == sum(r["photos"] for r in rows[:-1])
    assert np.isclose(rows[-1]["gain_db"], rows[-1]["psnr"] - rows[-1]["grey_psnr"])


def test_bound_comparison_pairs_the_reference_with_the_unbounded_variant():
    def v(name, bound, diff=None):
        out = {"name": name, "settings": {"bound": bound}, "curve": []}
        if diff is not None:
            out["difference"] = {"psnr": diff}
        return out

    res = {"reference": "reference", "seeds": [0, 1, 2], "variants": [
        v("reference", "scaled_sigmoid"), v("l2", "scaled_sigmoid", {"mean": 0.1}),
        v("no_bound", "none", {"mean": -0.2, "lo": -0.3, "hi": -0.1, "real": True})]}
    b = ev.bound_comparison(res)
    assert b["bounded"]["name"] == "reference" and b["unbounded"]["name"] == "no_bound"
    assert b["psnr_difference"]["mean"] == -0.2 and b["seeds"] == 3
    assert ev.bound_comparison(None) is None
    assert ev.bound_comparison({**res, "variants": res["variants"][:2]}) is None
