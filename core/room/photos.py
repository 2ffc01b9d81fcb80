"""The photos of a "real or colorized?" round: real colour photos and colorizations.

A round shows N square crops of the app's shipped colour samples (:mod:`core.samples`,
scikit-image's photos: free to show in class), each either **real** (the photo as it is),
colorized by the **shipped** model from its grey version, or colorized by the **hints**
model from its grey version and :data:`HINTS` true colours taken from the photo itself
(:func:`core.hints.planes.true_hints`, as the hints screen's "give true hints"). The
methods are balanced (N/3 each), the crops distinct, the order shuffled.

A round is a list of small dicts (id, sample, crop, method): that is all the room stores.
The pictures are made again from it on each server (:func:`render`, deterministic), so no
photo is ever stored in the room, and two replicas show the same round.

Zhang, Isola and Efros ran the same kind of test on Amazon Mechanical Turk (the
"colorization Turing test": Zhang, Isola, Efros, Colorful Image Colorization, ECCV 2016,
Table 1 / §3.1): their full method fooled participants on 32 % of trials. Their test showed a
real photo and its colorization side by side ("which one is real?": 50 % means the two
cannot be told apart); ours shows one photo at a time, so the two rates are read side by
side with that difference in mind.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from core.samples import load_sample

if TYPE_CHECKING:
    from core.colorizer import Colorizer

#: Natural colour photos among the shipped samples (the colour wheel and the microscope
#: slide are not photos a class can judge).
ROUND_SAMPLES = ("astronaut", "chelsea", "coffee", "rocket")
#: Crop centres, as fractions of width and height; crops are square, CROP_SHARE of the
#: short side.
CROP_CENTRES = ((0.32, 0.32), (0.68, 0.32), (0.32, 0.68), (0.68, 0.68), (0.5, 0.5))
CROP_SHARE = 0.62
#: Side of a round's pictures (pixels).
SIDE = 320
METHODS = ("real", "shipped", "hints")
#: True hints given to the hint model (a few taps of a student).
HINTS = 6
#: Photos per round the teacher may choose.
ROUND_SIZES = (6, 9, 12)
#: The fool rate Zhang et al. report for their full method (ECCV 2016, Table 1 / §3.1).
ZHANG_FOOL_RATE = 0.32
ZHANG_CITATION = "Zhang, Isola, Efros, Colorful Image Colorization, ECCV 2016, Table 1 / §3.1"


def candidates() -> list[tuple[str, int]]:
    """Every (sample, crop) a round may use."""
    return [(s, c) for s in ROUND_SAMPLES for c in range(len(CROP_CENTRES))]


def make_round(n: int, seed: int, methods: Sequence[str] = METHODS) -> list[dict]:
    """``n`` photos, the methods balanced (the first ``n % len(methods)`` get one more),
    each a distinct crop, in a shuffled order; ids ``p1``, ``p2``... in showing order."""
    pool = candidates()
    if not 1 <= n <= len(pool):
        raise ValueError(f"a round has 1 to {len(pool)} photos, not {n}")
    rng = random.Random(seed)
    crops = rng.sample(pool, n)
    kinds = [methods[i % len(methods)] for i in range(n)]
    rng.shuffle(kinds)
    return [{"id": f"p{i + 1}", "sample": s, "crop": c, "method": m, "seed": seed + i}
            for i, ((s, c), m) in enumerate(zip(crops, kinds, strict=True))]


def crop(sample: str, index: int, side: int = SIDE) -> np.ndarray:
    """Crop ``index`` of a sample: a square around :data:`CROP_CENTRES` ``[index]``, resized
    to ``side`` pixels (RGB uint8)."""
    img = load_sample(sample)
    h, w = img.shape[:2]
    size = int(CROP_SHARE * min(h, w))
    cx, cy = CROP_CENTRES[index % len(CROP_CENTRES)]
    x0 = int(np.clip(cx * w - size / 2, 0, w - size))
    y0 = int(np.clip(cy * h - size / 2, 0, h - size))
    sq = Image.fromarray(np.ascontiguousarray(img[y0:y0 + size, x0:x0 + size]))
    return np.asarray(sq.resize((side, side), Image.LANCZOS))


def render(item: dict, shipped: Colorizer | None, hints_model: Colorizer | None) -> np.ndarray:
    """The picture of a round's photo (RGB uint8, :data:`SIDE` square). A colorization by a
    model that is not there (no weights) falls back to the photo itself, and says so in
    :func:`available_methods`, which keeps such rounds from being made."""
    truth = crop(item["sample"], item["crop"])
    if item["method"] == "shipped" and shipped is not None:
        return shipped.colorize(truth).rgb
    if item["method"] == "hints" and hints_model is not None:
        from core.hints.planes import true_hints

        hints = true_hints(truth, HINTS, seed=int(item.get("seed", 0)))
        return hints_model.colorize(truth, hints=hints).rgb
    return truth


def available_methods(shipped: Colorizer | None, hints_model: Colorizer | None) -> list[str]:
    """The methods a round can use with the models this server has."""
    out = ["real"]
    if shipped is not None:
        out.append("shipped")
    if hints_model is not None:
        out.append("hints")
    return out
