"""Suggested colours for a hint: what could this grey pixel have been?

    python -m core.hints.suggest --data ../shared/data --out weights/hint_suggestions.json

A grey level is compatible with many colours; which ones are plausible? Two sources:

1. the hint model's own guess at that pixel (given the hints already placed): what the
   network believes from the region's shape and texture;
2. the colours that real photos most often have *at that lightness*: for each band of 10
   L* units, the hues of the training photos' coloured pixels, most frequent first, each
   with its mean colour; computed once by the command above and shipped with the weights
   (no photo is shipped, only counts).

The suggestions are the model's guess then the most frequent colours of the table, skipping
colours too close to one already suggested (and near-greys, which are no hint at all).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from skimage.color import rgb2lab

from core.color import AB_SCALE, lab_colour_255

DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "weights" / "hint_suggestions.json"
#: Width of a lightness band, in L* units.
L_BAND = 10
#: Colours closer than this (Lab units in a, b) count as the same suggestion.
MIN_DISTANCE = 18.0
#: Chroma under which a colour is a grey: no use as a hint.
MIN_CHROMA = 8.0


#: Names of the hue sectors of the (a, b) plane, with the angle (degrees from +a) where each
#: starts, going round: what a suggestion button says ("orange", not "frequent" twice).
HUES = ((15, "red"), (50, "orange"), (75, "yellow"), (105, "green"), (165, "cyan"),
        (225, "blue"), (285, "purple"), (330, "pink"))
#: Below this L*, reds, oranges and yellows read as browns.
BROWN_L = 45.0


def hue_name(L: float, a: float, b: float) -> str:
    """A plain name of a Lab colour's hue: one of :data:`HUES`' names, "brown" (a dark red,
    orange or yellow) or "grey" (chroma under :data:`MIN_CHROMA`)."""
    if np.hypot(a, b) < MIN_CHROMA:
        return "grey"
    angle = float(np.degrees(np.arctan2(b, a)) % 360.0)
    name = HUES[-1][1]  # from 330 degrees round to 15: pink
    for start, n in HUES:
        if angle >= start:
            name = n
    if name in ("red", "orange", "yellow") and L < BROWN_L:
        return "brown"
    return name


def lab_colour_hex(L: float, a: float, b: float) -> str:
    """``#rrggbb`` of a Lab colour (clipped into sRGB)."""
    return "#{:02x}{:02x}{:02x}".format(*lab_colour_255(L, a, b))


def build_table(photos: Sequence[np.ndarray], sectors: int = 12) -> dict:
    """The usual colours of ``photos`` (RGB arrays) for each band of 10 L* units.

    Near-grey pixels (chroma < MIN_CHROMA) are left out; the others are grouped by hue in
    ``sectors`` sectors of the (a, b) plane. Returns {"bands": {"0": [[a, b, share], ...],
    ...}}, most frequent first, with (a, b) the mean colour of a sector and share its
    fraction of the band's coloured pixels.
    """
    counts = np.zeros((10, sectors))
    sums = np.zeros((10, sectors, 2))
    for rgb in photos:
        lab = rgb2lab(rgb).reshape(-1, 3)
        lab = lab[np.hypot(lab[:, 1], lab[:, 2]) >= MIN_CHROMA]
        li = np.clip((lab[:, 0] // L_BAND).astype(int), 0, 9)
        hue = np.arctan2(lab[:, 2], lab[:, 1]) % (2 * np.pi)
        si = np.minimum((hue / (2 * np.pi) * sectors).astype(int), sectors - 1)
        np.add.at(counts, (li, si), 1)
        np.add.at(sums, (li, si), lab[:, 1:])
    bands = {}
    for band in range(10):
        total = counts[band].sum()
        rows = [[float(sums[band, k, 0] / counts[band, k]),
                 float(sums[band, k, 1] / counts[band, k]), float(counts[band, k] / total)]
                for k in np.argsort(counts[band])[::-1] if counts[band, k] > 0]
        bands[str(band)] = rows
    return {"bands": bands, "l_band": L_BAND, "sectors": sectors}


def load_table(path: str | Path = DEFAULT_TABLE) -> dict:
    """The shipped table (empty bands when the file is missing: the model's guess only)."""
    p = Path(path)
    return json.loads(p.read_text()) if p.is_file() else {"bands": {}}


def suggest_colours(L: float, model_ab: tuple[float, float], table: dict,
                    count: int = 4) -> list[dict]:
    """Up to ``count`` plausible colours for a pixel of lightness ``L`` (0-100).

    ``model_ab`` is the model's (a, b) there, in Lab units. Each suggestion is
    {"hex", "a", "b", "hue", "source": "model" | "photos" | "hue", "share"}; the hex colour
    is shown at the pixel's own lightness, as the hint will look, and "hue" names it
    (:func:`hue_name`).
    """
    out: list[dict] = []

    def far(a: float, b: float) -> bool:
        return all(np.hypot(a - s["a"], b - s["b"]) >= MIN_DISTANCE for s in out)

    a0, b0 = float(model_ab[0]), float(model_ab[1])
    if np.hypot(a0, b0) >= MIN_CHROMA / 2:
        out.append({"a": a0, "b": b0, "source": "model", "share": None})
    band = str(int(np.clip(L // table.get("l_band", L_BAND), 0, 9)))
    for a, b, share in table.get("bands", {}).get(band, []):
        if len(out) >= count:
            break
        if np.hypot(a, b) >= MIN_CHROMA and far(a, b):
            out.append({"a": a, "b": b, "source": "photos", "share": share})
    # Too few in the table (or no table): fan out around the hue circle.
    hue = 0.0
    while len(out) < count:
        a, b = 40 * np.cos(hue), 40 * np.sin(hue)
        if far(a, b):
            out.append({"a": float(a), "b": float(b), "source": "hue", "share": None})
        hue += np.pi / 3
        if hue > 4 * np.pi:
            break
    L_show = float(np.clip(L, 25, 85))  # a swatch must be visible even for a black pixel
    for s in out:
        s["hex"] = lab_colour_hex(L_show, s["a"], s["b"])
        s["hue"] = hue_name(L_show, s["a"], s["b"])
    return out[:count]


def model_ab_at(unit_lab: np.ndarray, gray_shape: tuple[int, int], x: float, y: float
                ) -> tuple[float, float]:
    """The model's (a, b) in Lab units at photo pixel (x, y), from its working-size output."""
    h, w = unit_lab.shape[:2]
    H, W = gray_shape
    r = int(np.clip(round((y + 0.5) * h / H - 0.5), 0, h - 1))
    c = int(np.clip(round((x + 0.5) * w / W - 0.5), 0, w - 1))
    return float(unit_lab[r, c, 1] * AB_SCALE), float(unit_lab[r, c, 2] * AB_SCALE)


def main(argv: Sequence[str] | None = None) -> int:
    from core.data import open_photo
    from core.evaluate import validation_items

    p = argparse.ArgumentParser(prog="python -m core.hints.suggest", description=__doc__.split("\n")[0])
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--out", required=True,
                   help=f"where to write the table (the shipped one: {DEFAULT_TABLE.name} in weights/)")
    p.add_argument("--photos", type=int, default=1500, help="training photos to count")
    a = p.parse_args(argv)
    items = validation_items(a.data, split="train")[: a.photos]
    photos = []
    for path, _ in items:
        im = open_photo(path, 64)
        im.thumbnail((64, 64))
        photos.append(np.asarray(im))
    table = build_table(photos)
    table["photos"] = len(photos)
    table["command"] = "python -m core.hints.suggest " + " ".join(argv or [])
    Path(a.out).write_text(json.dumps(table, indent=1))
    print(f"{len(photos)} training photos -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
