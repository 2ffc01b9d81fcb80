"""What the colour-hints screen computes: dots, suggestions, influence, several colourings.

Everything here is pure (no Streamlit): the screen keeps the student's hints in its session
and calls these functions with them. Hints are :class:`core.hints.Hint` in pixels of the
photo being colorized.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from core.color import gray_lightness
from core.colorizer import Colorizer, Prediction
from core.compare import Photo, Settings
from core.hints.evaluate import fill_rgb
from core.hints.planes import Hint, true_hints
from core.hints.suggest import model_ab_at, suggest_colours
from core.metrics import compare

#: Hints per photo on the screen (more are refused with a message: a class server).
MAX_HINTS = 64


def draw_hints(rgb: np.ndarray, hints: Sequence[Hint], selected: int | None = None,
               radius: float | None = None) -> np.ndarray:
    """The image with each hint drawn as a dot of its colour (white ring, black outline).

    The selected hint gets a larger ring. ``radius`` defaults to 1.2 % of the longer side.
    """
    img = Image.fromarray(rgb)
    d = ImageDraw.Draw(img)
    r = radius or max(4.0, 0.012 * max(rgb.shape[:2]))
    for i, h in enumerate(hints):
        rr = r * (1.6 if i == selected else 1.0)
        box = [h.x - rr, h.y - rr, h.x + rr, h.y + rr]
        d.ellipse([box[0] - 2, box[1] - 2, box[2] + 2, box[3] + 2], fill="black")
        d.ellipse([box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1],
                  fill="yellow" if i == selected else "white")
        d.ellipse([h.x - rr * 0.7, h.y - rr * 0.7, h.x + rr * 0.7, h.y + rr * 0.7], fill=h.rgb)
    return np.asarray(img)


def suggestions_at(prediction: Prediction, x: float, y: float, table: dict,
                   count: int = 4) -> list[dict]:
    """Plausible colours at photo pixel (x, y): the model's guess, then usual colours of
    photos at that pixel's lightness (see :mod:`core.hints.suggest`)."""
    gray = prediction.gray
    r = int(np.clip(round(y), 0, gray.shape[0] - 1))
    c = int(np.clip(round(x), 0, gray.shape[1] - 1))
    L = float(gray_lightness(gray[r:r + 1, c:c + 1])[0, 0])
    ab = model_ab_at(prediction.unit_lab, gray.shape, x, y)
    return suggest_colours(L, ab, table, count=count)


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    return Hint.from_hex(0, 0, colour).rgb


def influence_map(colorizer: Colorizer, image: np.ndarray, settings: Settings,
                  index: int, with_hint: Prediction) -> np.ndarray:
    """Where hint ``index`` changed the colour: |Δab| (Lab units) between the colorization
    with all hints and without that one, at the image's resolution."""
    others = settings.hints[:index] + settings.hints[index + 1:]
    without = colorizer.predict(image, settings.working_size, others)
    a = colorizer.render(with_hint, saturation=settings.saturation).lab
    b = colorizer.render(without, saturation=settings.saturation).lab
    return np.hypot(a[..., 1] - b[..., 1], a[..., 2] - b[..., 2])


def influence_image(delta: np.ndarray, vmax: float = 40.0) -> np.ndarray:
    """|Δab| as an image: black where nothing changed, bright yellow where it changed most."""
    t = np.clip(delta / vmax, 0.0, 1.0)
    rgb = np.stack([np.clip(1.6 * t, 0, 1), np.clip(1.6 * t - 0.45, 0, 1),
                    np.clip(3.0 * t - 2.0, 0, 1)], axis=-1)
    return np.round(rgb * 255).astype(np.uint8)


def nearest_fill_rgb(prediction: Prediction, hints: Sequence[Hint]) -> np.ndarray:
    """The fill that learns nothing: each pixel the chroma of its nearest hint."""
    return fill_rgb(prediction.gray, hints, "nearest")


def edge_fill_rgb(prediction: Prediction, hints: Sequence[Hint]) -> np.ndarray:
    """The edge-aware fill at the prediction's working size, enlarged: the colour planes a
    hint model with ``hint_fill: "edges"`` receives, so what its network starts from."""
    return fill_rgb(prediction.gray, hints, "edges", work_shape=prediction.gray_small.shape)


def colourings(colorizer: Colorizer, image: np.ndarray, settings: Settings, table: dict,
               prediction: Prediction, count: int = 3) -> list[np.ndarray]:
    """Several plausible colourings: the same points, each with its k-th suggested colour.

    The k-th colouring gives every hint the k-th suggestion at its point (k = 1: the
    model's own guess where it has one). Colorization has many right answers.
    """
    sugg = [suggestions_at(prediction, h.x, h.y, table, count=count) for h in settings.hints]
    out = []
    for k in range(count):
        hints = tuple(Hint(h.x, h.y, hex_to_rgb(s[min(k, len(s) - 1)]["hex"]))
                      for h, s in zip(settings.hints, sugg, strict=True))
        pred = colorizer.predict(image, settings.working_size, hints)
        out.append(colorizer.render(pred, saturation=settings.saturation).rgb)
    return out


def hints_against_truth(colorizer: Colorizer, photo: Photo, settings: Settings,
                        counts: Sequence[int] = (0, 1, 3, 10), seed: int = 0) -> list[dict]:
    """How many true hints beat the automatic model? PSNR of the hint model and of the
    nearest-hint fill with N hints drawn from the photo's own colours."""
    truth = photo.shown
    drawn = true_hints(truth, max(counts), seed=seed)
    rows = []
    for n in counts:
        s = replace(settings, hints=tuple(drawn[:n]))
        pred = colorizer.predict(truth, s.working_size, s.hints)
        model = compare(colorizer.render(pred, saturation=s.saturation).rgb, truth)
        fill = compare(fill_rgb(pred.gray, s.hints, "nearest"), truth)
        rows.append({"hints": n, "model_psnr": model["psnr"], "nearest_psnr": fill["psnr"],
                     "model_colourfulness": model["colourfulness"]})
    return rows
