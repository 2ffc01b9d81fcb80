"""Data for the "Which parametrisation?" screen about the shipped model: vivid or safe, and
where it fails. The screen only reads what this writes; it trains and colorizes nothing.

    python -m core.model_study --data ../shared/data --out docs/experiments/model

Writes ``OUT/study.json`` and small JPEGs in ``OUT/``:

- *vivid or safe*: one validation photo at three chroma gains (0 = grey, the shipped
  calibrated gain, 1 = the raw model) with its PSNR and colourfulness at each; the curve of
  PSNR and colourfulness against the gain is the calibration data stored with the weights
  (``weights/colorizer.json``), which the screen reads directly;
- *why brownish*: the (a, b) histogram of training photos over the 22 x 22 bins the training
  uses, the rebalancing weights of the shipped lambda, and the mean and median colour of
  all those pixels (what an L2 and an L1 loss pull a doubtful pixel towards);
- *where it fails*: the validation photos where the model beats the grey photo the most and
  the least (from ``weights/validation.json``), each as grey | model | truth | ab error map.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage.color import rgb2lab

from core.color import lab_colour_255
from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.evaluate import clean_json, validation_items
from core.images import load_image
from core.metrics import colourfulness, psnr

#: ab error (Lab units) shown as the brightest colour of the error map.
ERROR_MAX = 40.0
#: Error-map colours from no error to ERROR_MAX (black, purple, orange, pale yellow).
ERROR_COLOURS = np.array([[0, 0, 4], [120, 28, 109], [237, 105, 37], [252, 255, 164]], float)
THUMB = 320


def error_map(pred_lab: np.ndarray, truth_lab: np.ndarray) -> np.ndarray:
    """Per-pixel ab error sqrt(da^2 + db^2) in Lab units, as an RGB uint8 image."""
    err = np.sqrt(((pred_lab[..., 1:] - truth_lab[..., 1:]) ** 2).sum(axis=-1))
    t = np.clip(err / ERROR_MAX, 0.0, 1.0) * (len(ERROR_COLOURS) - 1)
    stops = np.arange(len(ERROR_COLOURS))
    rgb = np.stack([np.interp(t, stops, ERROR_COLOURS[:, c]) for c in range(3)], axis=-1)
    return np.round(rgb).astype(np.uint8)


#: Imagenette's ten ImageNet classes (its file names carry only the class id).
IMAGENETTE = {"n01440764": "tench", "n02102040": "English springer", "n02979186":
              "cassette player", "n03000684": "chain saw", "n03028079": "church",
              "n03394916": "French horn", "n03417042": "garbage truck", "n03425413":
              "gas pump", "n03445777": "golf ball", "n03888605": "parachute"}


def subject(name: str) -> str:
    """What an ImageNet file name says the photo shows ("n02437616_llama.JPEG" -> "llama");
    "" when it does not say (BSDS500 photos are numbered)."""
    parts = Path(name).stem.split("_", 1)
    if len(parts) == 2 and parts[0].startswith("n") and not parts[1].isdigit():
        return parts[1].replace("_", " ")
    return IMAGENETTE.get(parts[0], "")


def _save(img: np.ndarray, path: Path) -> str:
    im = Image.fromarray(img)
    im.thumbnail((THUMB, THUMB), Image.LANCZOS)
    im.save(path, quality=88)
    return path.name


def ab_pixels(paths: Sequence[Path], side: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) distribution of photos (each at short side ``side``) over the training bins,
    and every pixel's (a, b) in Lab units, (N, 2)."""
    from core.color import rgb_to_unit_lab, unit_to_lab
    from core.data import open_photo
    from core.losses import ab_prior

    batches, pixels = [], []
    for p in paths:
        im = open_photo(p, side)
        im.thumbnail((side * 4, side), Image.LANCZOS) if im.height <= im.width else \
            im.thumbnail((side, side * 4), Image.LANCZOS)
        lab = rgb_to_unit_lab(np.asarray(im))
        batches.append(torch.from_numpy(lab).permute(2, 0, 1)[None])
        pixels.append(unit_to_lab(lab)[..., 1:].reshape(-1, 2))
    return ab_prior(batches).numpy(), np.concatenate(pixels)


def colour_of(a: float, b: float, lightness: float = 60.0) -> list[int]:
    """The sRGB colour (0-255) of Lab (lightness, a, b): a swatch for the screen."""
    return lab_colour_255(lightness, a, b)


def prior_summary(prior: np.ndarray, pixels: np.ndarray, lam: float) -> dict:
    """Histogram, rebalancing weights, and the mean and median (a, b) of the pixels: where
    an L2 loss (the mean) and an L1 loss (the median) pull a pixel it cannot tell."""
    from core.losses import AB_BINS, rebalance_weights

    centres = (np.arange(AB_BINS) + 0.5) / AB_BINS * 220.0 - 110.0  # bin centres, Lab units
    p2 = prior.reshape(AB_BINS, AB_BINS)  # [a bin, b bin]
    mean = tuple(float(v) for v in pixels.mean(axis=0))
    med = tuple(float(v) for v in np.median(pixels, axis=0))
    w = rebalance_weights(torch.from_numpy(prior), lam).numpy().reshape(AB_BINS, AB_BINS)
    return {"bins": AB_BINS, "centres": centres.tolist(), "prob": p2.tolist(),
            "weights": w.tolist(), "lambda": lam, "mean_ab": mean, "median_ab": med,
            "mean_rgb": colour_of(*mean), "median_rgb": colour_of(*med)}


def study(weights: Path, data: Sequence[str], out: Path, prior_photos: int = 400,
          cases: int = 3) -> dict:
    """Compute every figure's data and images; returns the study.json content."""
    colorizer = Colorizer.from_weights(weights, device="cpu")
    meta = json.loads(weights.with_suffix(".json").read_text())["metadata"]
    validation = json.loads((weights.parent / "validation.json").read_text())
    paths = {(s, p.name): p for p, s in validation_items(data)}
    rows = [r for r in validation["photos"] if (r["source"], r["name"]) in paths
            and np.isfinite(r["psnr"])]
    for r in rows:
        r["gain_db"] = r["psnr"] - r["grey_psnr"]
    out.mkdir(parents=True, exist_ok=True)

    def case(r: dict, tag: str) -> dict:
        truth = load_image(paths[(r["source"], r["name"])])
        shown = colorizer.render(colorizer.predict(truth))
        files = {"grey": _save(np.repeat((shown.gray * 255).round().astype(np.uint8)[..., None],
                                         3, 2), out / f"{tag}-grey.jpg"),
                 "model": _save(shown.rgb, out / f"{tag}-model.jpg"),
                 "truth": _save(truth, out / f"{tag}-truth.jpg"),
                 "error": _save(error_map(shown.lab, rgb2lab(truth)), out / f"{tag}-error.jpg")}
        return {"photo": f"{r['source']}/{r['name']}", "source": r["source"],
                "subject": subject(r["name"]), "psnr": r["psnr"], "grey_psnr": r["grey_psnr"],
                "gain_db": r["gain_db"], "colourfulness": r["colourfulness"],
                "colourfulness_truth": r["colourfulness_truth"], "files": files}

    ranked = sorted(rows, key=lambda r: r["gain_db"], reverse=True)
    best = [case(r, f"best-{i}") for i, r in enumerate(ranked[:cases])]
    worst = [case(r, f"worst-{i}") for i, r in enumerate(ranked[::-1][:cases])]

    # vivid or safe: the photo the model colours most boldly among those where it beats grey
    fair = [r for r in rows if r["gain_db"] > 0] or rows
    pick = max(fair, key=lambda r: r["colourfulness"])
    truth = load_image(paths[(pick["source"], pick["name"])])
    pred = colorizer.predict(truth)
    shipped = colorizer.chroma_gain
    gains = []
    for i, g in enumerate((0.0, shipped, 1.0)):
        rgb = colorizer.render(pred, saturation=g / shipped).rgb
        gains.append({"gain": g, "psnr": psnr(rgb, truth), "colourfulness": colourfulness(rgb),
                      "file": _save(rgb, out / f"gain-{i}.jpg")})
    train_paths = [p for p, _ in validation_items(data, split="train")[:prior_photos]]
    prior, pixels = ab_pixels(train_paths)
    lam = float(meta.get("train", {}).get("rebalance") or 0.5)
    return {
        "weights": str(weights), "working_size": colorizer.working_size,
        "chroma_gain": shipped, "validation_photos": len(rows),
        "gains_db": sorted(r["gain_db"] for r in rows),
        "beats_grey": float(np.mean([r["gain_db"] > 0 for r in rows])),
        "best": best, "worst": worst,
        "error_max": ERROR_MAX, "error_colours": ERROR_COLOURS.astype(int).tolist(),
        "three_gains": {"photo": f"{pick['source']}/{pick['name']}",
                        "subject": subject(pick["name"]), "truth_file": _save(
                            truth, out / "gain-truth.jpg"),
                        "colourfulness_truth": colourfulness(truth), "gains": gains},
        "prior": {**prior_summary(prior, pixels, lam), "pixels": len(pixels), "photos": len(train_paths), "side": 64},
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m core.model_study " + " ".join(sys.argv[1:]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.model_study", description=__doc__.split(
        "\n")[0])
    p.add_argument("--weights", default=str(DEFAULT_WEIGHTS))
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--out", required=True, help="docs/experiments/model is the repository's")
    p.add_argument("--prior-photos", type=int, default=400)
    p.add_argument("--cases", type=int, default=3)
    a = p.parse_args(argv)
    out = Path(a.out)
    result = study(Path(a.weights), a.data, out, a.prior_photos, a.cases)
    (out / "study.json").write_text(json.dumps(clean_json(result), indent=1, allow_nan=False))
    print(f"wrote {out}/study.json and its images", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
