"""What the "Which parametrization?" screen reads: committed data files, shaped for figures.

Nothing here trains or colorizes: the data come from ``python -m core.experiments`` (the
variants, ``docs/experiments/``), ``python -m core.model_study`` (the shipped model's
gains, prior and failures, ``docs/experiments/model/``) and the shipped weights' own files
(``weights/colorizer.json``: the chroma-gain calibration; ``weights/validation.json``: the
per-source table of the model card). Every loader returns None when its file is missing or
unreadable, so a screen can say so instead of failing.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "docs" / "experiments"
STUDY = EXPERIMENTS / "model"
WEIGHTS = ROOT / "weights"


def read_json(path: Path) -> dict | None:
    """A JSON object from ``path``, or None (missing, unreadable, not an object)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def load_results(path: Path = EXPERIMENTS / "results.json") -> dict | None:
    """The experiments' summary (variants with intervals), or None when absent or old."""
    data = read_json(path)
    return data if data and isinstance(data.get("variants"), list) else None


def load_study(path: Path = STUDY / "study.json") -> dict | None:
    """The model study (three gains, prior, best and worst photos), or None."""
    return read_json(path)


def variant(results: dict, name: str) -> dict | None:
    """One variant of the results by name, or None."""
    return next((v for v in results["variants"] if v["name"] == name), None)


def photo_path(index: int, name: str, base: Path = EXPERIMENTS / "photos") -> Path | None:
    """Validation photo ``index`` as colorized by variant ``name`` (or "grey", "truth")."""
    p = base / f"{name}-{index}.jpg"
    return p if p.is_file() else None


def preview_count(base: Path = EXPERIMENTS / "photos") -> int:
    """How many validation photos were kept, colorized by every variant."""
    return len(list(base.glob("grey-*.jpg")))


def calibration_curve(weights_json: Path = WEIGHTS / "colorizer.json") -> dict | None:
    """PSNR and colourfulness / truth's against the chroma gain, at the shipped working size.

    From the calibration stored with the weights (training photos, never validation); gain
    0 is the grey photo itself (PSNR of grey, colourfulness 0). Returns {"points": [{"gain",
    "psnr", "colourfulness_ratio"}...] sorted by gain, "chosen": {...}, "photos",
    "working_size", "truth_colourfulness"}, or None without calibration data.
    """
    data = read_json(weights_json)
    cal = (data or {}).get("metadata", {}).get("calibration")
    if not cal or "grid" not in cal or "chosen" not in cal:
        return None
    ws = int(cal["chosen"]["working_size"])
    points = [{"gain": 0.0, "psnr": float(cal["grey_psnr"]), "colourfulness_ratio": 0.0}]
    for key, v in cal["grid"].items():
        size, gain = key.split("/")
        if int(size) == ws:
            points.append({"gain": float(gain), "psnr": float(v["psnr"]),
                           "colourfulness_ratio": float(v["colourfulness_ratio"])})
    return {"points": sorted(points, key=lambda p: p["gain"]), "chosen": cal["chosen"],
            "photos": cal.get("photos"), "working_size": ws,
            "truth_colourfulness": cal.get("truth_colourfulness")}


def per_source(validation_json: Path = WEIGHTS / "validation.json") -> list[dict] | None:
    """The model card's table: per source and overall, the model's and grey's PSNR, the
    gain in dB, colourfulness (model, truth) and the share of photos where it beats grey."""
    data = read_json(validation_json)
    if not data or "per_source" not in data or "overall" not in data:
        return None

    def row(source: str, s: dict) -> dict:
        return {"source": source, "photos": s["photos"], "psnr": s["model"]["psnr"],
                "grey_psnr": s["grey"]["psnr"], "gain_db": s["model"]["psnr"] - s["grey"]["psnr"],
                "colourfulness": s["model"]["colourfulness"],
                "colourfulness_truth": s["truth"]["colourfulness"], "beats_grey": s["beats_grey"]}

    return [row(k, v) for k, v in data["per_source"].items()] + [row("", data["overall"])]


def bound_comparison(results: dict | None) -> dict | None:
    """The two variants that differ only by the output bound (the sigmoid screen's curves):
    {"bounded", "unbounded"} variants with their mean curves over seeds, and the paired PSNR
    difference (unbounded minus bounded) with its interval. None without both."""
    if not results:
        return None
    bounded = variant(results, results.get("reference", "reference"))
    unbounded = next((v for v in results["variants"]
                      if v.get("settings", {}).get("bound") == "none"), None)
    if not bounded or not unbounded or "difference" not in unbounded:
        return None
    return {"bounded": bounded, "unbounded": unbounded,
            "psnr_difference": unbounded["difference"]["psnr"], "seeds": len(results["seeds"])}
