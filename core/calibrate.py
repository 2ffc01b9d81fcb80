"""Calibrate a model's post-processing: the working size and the chroma gain.

    python -m core.evaluate calibrate --weights weights/colorizer --data ../shared/data
        [--photos 80] [--sizes 64 80 96 ...] [--gains 0.5 0.55 ...] [--min-ratio 0.55]
        [--write]

On ``--photos`` **training** photos (never the validation split: the same fixed pseudo-random
order as ``core.evaluate --split train``, sources interleaved), every photo is colorized at
each working size (the model runs once per size) and rendered with each chroma gain (a, b
multiplied: post-processing only). The rule: the largest mean PSNR whose colourfulness is at
least ``--min-ratio`` times the truth's (mean over photos of the model's colourfulness
divided by the mean of the truth's). PSNR and colourfulness as :mod:`core.metrics`.

Prints the grid; ``--write`` stores it as ``metadata.calibration`` with the chosen
``working_size`` and ``chroma_gain`` in the weights' JSON (the safetensors are untouched).
This is the command that produced the calibration of ``weights/colorizer.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.color import grey_rgb
from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.data import CHROMA_THRESHOLD
from core.images import ImageError, load_image
from core.metrics import colourfulness, psnr

SIZES = (64, 80, 96, 112, 128, 160, 192, 256, 320)
GAINS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0)
MIN_RATIO = 0.55


def calibration_grid(colorizer: Colorizer, photos: Sequence[np.ndarray],
                     sizes: Sequence[int] = SIZES, gains: Sequence[float] = GAINS) -> dict:
    """Mean PSNR and colourfulness ratio for every (working size, gain) over ``photos``.

    Returns {"grey_psnr", "truth_colourfulness", "grid": {"SIZE/GAIN": {"psnr",
    "colourfulness", "colourfulness_ratio"}}}. ``colorizer.chroma_gain`` is ignored: the
    gain is what is being calibrated (rendered as saturation with gain 1).
    """
    raw = Colorizer(colorizer.model, device=colorizer.device, chroma_gain=1.0)
    sums = {(s, g): [0.0, 0.0] for s in sizes for g in gains}
    grey, truth_c = [], []
    for rgb in photos:
        grey.append(psnr(grey_rgb(rgb), rgb))
        truth_c.append(colourfulness(rgb))
        for s in sizes:
            prediction = raw.predict(rgb, working_size=s)
            for g in gains:
                pred = raw.render(prediction, saturation=g).rgb
                sums[s, g][0] += psnr(pred, rgb)
                sums[s, g][1] += colourfulness(pred)
    n = max(1, len(photos))
    truth = float(np.mean(truth_c)) if truth_c else float("nan")
    grid = {f"{s}/{g}": {"psnr": p / n, "colourfulness": c / n,
                         "colourfulness_ratio": c / n / truth}
            for (s, g), (p, c) in sums.items()}
    return {"grey_psnr": float(np.mean(grey)) if grey else float("nan"),
            "truth_colourfulness": truth, "grid": grid}


def choose(result: dict, min_ratio: float = MIN_RATIO) -> dict:
    """The rule: the largest PSNR among cells whose colourfulness ratio is >= min_ratio
    (compared as stored: 2 decimals). Returns {"working_size", "chroma_gain", "psnr",
    "colourfulness_ratio"}."""
    ok = {k: v for k, v in result["grid"].items()
          if round(v["colourfulness_ratio"], 2) >= min_ratio}
    if not ok:
        raise ValueError(f"no working size and gain reaches {min_ratio}x the truth's colour")
    key = max(ok, key=lambda k: round(ok[k]["psnr"], 2))
    size, gain = key.split("/")
    return {"working_size": int(size), "chroma_gain": float(gain),
            "psnr": round(ok[key]["psnr"], 2),
            "colourfulness_ratio": round(ok[key]["colourfulness_ratio"], 2)}


def calibration_record(result: dict, photos: int, min_ratio: float = MIN_RATIO) -> dict:
    """The ``metadata.calibration`` entry of the weights' JSON (values rounded as stored)."""
    return {
        "rule": f"largest PSNR with colourfulness >= {min_ratio}x the truth's, on {photos} "
                "training photos (never validation), over working sizes x chroma gains",
        "photos": photos,
        "grey_psnr": round(result["grey_psnr"], 2),
        "truth_colourfulness": round(result["truth_colourfulness"], 1),
        "chosen": choose(result, min_ratio),
        "grid": {k: {"psnr": round(v["psnr"], 2),
                     "colourfulness_ratio": round(v["colourfulness_ratio"], 2)}
                 for k, v in result["grid"].items()},
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m core.evaluate calibrate",
                                description="Calibrate working size and chroma gain on "
                                            "training photos.")
    p.add_argument("--weights", default=str(DEFAULT_WEIGHTS), help="weights/NAME")
    p.add_argument("--data", nargs="+", required=True, help="photo folder(s), as for core.train")
    p.add_argument("--photos", type=int, default=80, help="training photos used (default 80)")
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    p.add_argument("--gains", type=float, nargs="+", default=list(GAINS))
    p.add_argument("--min-ratio", type=float, default=MIN_RATIO,
                   help="colourfulness at least this times the truth's (default 0.55)")
    p.add_argument("--device", default=None)
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: the fastest on a busy machine)")
    p.add_argument("--val-per-source", type=int, default=100, help="as in core.train")
    p.add_argument("--chroma-threshold", type=float, default=CHROMA_THRESHOLD)
    p.add_argument("--write", action="store_true",
                   help="store the calibration and the choice in the weights' JSON")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from core.evaluate import interleave_sources, validation_items
    from core.weights import WeightsError, load_model

    args = parse_args(argv)
    import torch

    torch.set_num_threads(max(1, args.threads))
    try:
        model, _ = load_model(args.weights)
    except WeightsError as e:
        print(f"error: cannot load {args.weights!r}: {e}", file=sys.stderr)
        return 2
    items = interleave_sources(validation_items(args.data, args.chroma_threshold,
                                                args.val_per_source, "train"))[: args.photos]
    photos = []
    for path, _source in items:
        try:
            photos.append(load_image(path))
        except (ImageError, OSError) as e:
            print(f"skipped {path}: {e}", file=sys.stderr)
    if not photos:
        print(f"error: no training photo in {args.data}", file=sys.stderr)
        return 2
    result = calibration_grid(Colorizer(model, device=args.device), photos, args.sizes,
                              args.gains)
    record = calibration_record(result, len(photos), args.min_ratio)
    print(json.dumps(record, indent=1))
    if args.write:
        path = Path(args.weights).with_suffix(".json")
        doc = json.loads(path.read_text())
        meta = doc.setdefault("metadata", {})
        meta["calibration"] = {**meta.get("calibration", {}), **record}
        meta["working_size"] = record["chosen"]["working_size"]
        meta["chroma_gain"] = record["chosen"]["chroma_gain"]
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote the calibration into {path}", file=sys.stderr)
    return 0
