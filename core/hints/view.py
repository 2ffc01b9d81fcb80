"""What the colour-hints screen computes: the result, suggestions, influence, fills, several
colourings, true hints against the truth, the download.

Every function here takes one :class:`core.compare.View`: the photo at display size
(``view.photo.shown``), the hints at that size (``view.settings.hints``) and the model's
prediction for them. Nothing takes a separate image, so no view can pair the hints of one
size with the pixels of another. :func:`hint_view` builds that View from a
:class:`core.hints.session.HintSession`, whose hints are in the photo's own pixels; the
download goes back to full resolution (:func:`download_png`).

Everything is pure (no Streamlit); each costly result is kept in ``view.memo`` (cleared
when the prediction changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from core.color import gray_lightness
from core.colorizer import Colorizer, Prediction
from core.compare import Settings, View, compare_view, full_resolution_png, study_photo
from core.hints.evaluate import fill_rgb
from core.hints.planes import Hint
from core.hints.session import HintSession
from core.hints.suggest import model_ab_at, suggest_colours
from core.metrics import compare


def draw_hints(rgb: np.ndarray, hints: Sequence[Hint], selected: int | None = None,
               radius: float | None = None) -> np.ndarray:
    """The image with each hint drawn as a dot of its colour (white ring, black outline).

    The selected hint gets a larger, yellow ring. ``radius`` defaults to 1.2 % of the
    longer side. ``hints`` are in pixels of ``rgb``.
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


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    return Hint.from_hex(0, 0, colour).rgb


# -- the result -------------------------------------------------------------------------------
def hint_view(colorizer: Colorizer, rgb: np.ndarray, digest: str, session: HintSession,
              saturation: float = 1.0, previous: View | None = None) -> View:
    """The hint model's colorization of the photo ``rgb`` (full resolution) with the
    session's hints, at display size. The session must belong to this photo."""
    if session.digest != digest or session.shape != tuple(rgb.shape[:2]):
        raise ValueError("the hint session belongs to another photo")
    same = previous is not None and previous.photo.digest == digest
    photo = previous.photo if same else study_photo(rgb, digest)
    settings = Settings("hints", colorizer.working_size, saturation,
                        hints=session.hints_on(photo.shown.shape[:2]))
    return compare_view(rgb, colorizer, settings, previous=previous if same else None,
                        digest=digest, photo=photo)


def _memo(view: View, key: tuple, make):
    if key not in view.memo:
        view.memo[key] = make()
    return view.memo[key]


def prediction_without(colorizer: Colorizer, view: View, index: int | None) -> Prediction:
    """The model's prediction with every hint but ``index`` (None: with no hint at all)."""
    hints = view.settings.hints
    others = () if index is None else hints[:index] + hints[index + 1:]
    # keyed by the hints it is given: with one hint, "without it" and "with no hint" are the
    # same prediction (the suggestions and the several colourings then share it)
    return _memo(view, ("without", tuple(others)), lambda: colorizer.predict(
        view.photo.shown, view.settings.working_size, others))


# -- suggestions --------------------------------------------------------------------------------
def suggestions_at(colorizer: Colorizer, view: View, index: int, table: dict,
                   count: int = 4) -> list[dict]:
    """Plausible colours for hint ``index``: first the model's colour at that point
    *without* that hint (what it would have guessed: not the student's own colour echoed
    back), then the usual colours of photos at that pixel's lightness
    (:func:`core.hints.suggest.suggest_colours`; each has a "hue" name)."""
    h = view.settings.hints[index]
    return _suggest(prediction_without(colorizer, view, index), h.x, h.y, table, count)


def hint_reach(view: View, index: int) -> float:
    """The share of the correction's radius that hint ``index`` reaches (1.0: all of it, or no
    correction): less for a hint duller than the automatic colour shown at its point
    (:func:`core.hints.correction.grey_reach`), which the screen then says. The colorizer
    computed it with the result (:attr:`core.colorizer.Prediction.hint_reach`)."""
    reach = view.result.prediction.hint_reach
    return 1.0 if reach is None else float(reach[index])


def _suggest(prediction: Prediction, x: float, y: float, table: dict, count: int) -> list[dict]:
    gray = prediction.gray
    r = int(np.clip(round(y), 0, gray.shape[0] - 1))
    c = int(np.clip(round(x), 0, gray.shape[1] - 1))
    L = float(gray_lightness(gray[r:r + 1, c:c + 1])[0, 0])
    ab = model_ab_at(prediction.unit_lab, gray.shape, x, y)
    return suggest_colours(L, ab, table, count=count)


# -- what one hint changed ---------------------------------------------------------------------
def influence_map(colorizer: Colorizer, view: View, index: int) -> np.ndarray:
    """Where hint ``index`` changed the colour: |Δab| (Lab units) between the result with
    all hints and without that one, at display size."""
    s = view.settings
    without = prediction_without(colorizer, view, index)
    a = view.result.lab
    b = colorizer.render(without, saturation=s.saturation).lab
    return np.hypot(a[..., 1] - b[..., 1], a[..., 2] - b[..., 2])


def influence_image(delta: np.ndarray, vmax: float = 40.0) -> np.ndarray:
    """|Δab| as an image: black where nothing changed, bright yellow where it changed most."""
    t = np.clip(delta / vmax, 0.0, 1.0)
    rgb = np.stack([np.clip(1.6 * t, 0, 1), np.clip(1.6 * t - 0.45, 0, 1),
                    np.clip(3.0 * t - 2.0, 0, 1)], axis=-1)
    return np.round(rgb * 255).astype(np.uint8)


def reach(delta: np.ndarray, threshold: float = 10.0) -> float:
    """Share of the pixels whose colour a hint moved by more than ``threshold`` ab units."""
    return float(np.mean(delta > threshold))


# -- fills that learn nothing -----------------------------------------------------------------
def nearest_fill_rgb(view: View) -> np.ndarray:
    """Each pixel the chroma of its nearest hint (a Voronoi fill), at display size."""
    return fill_rgb(view.result.prediction.gray, view.settings.hints, "nearest")


def edge_fill_rgb(view: View) -> np.ndarray:
    """The edge-aware fill at the prediction's working size, enlarged: the colour planes a
    hint model with ``hint_fill: "edges"`` receives, so what its network starts from."""
    p = view.result.prediction
    return fill_rgb(p.gray, view.settings.hints, "edges", work_shape=p.gray_small.shape)


# -- several colourings ----------------------------------------------------------------------
def colourings(colorizer: Colorizer, view: View, table: dict, count: int = 3
               ) -> list[np.ndarray]:
    """Several plausible colourings: the same points, each with its k-th suggested colour.

    The suggestions are read from the model with no hint at all (one prediction for every
    point), so colouring 1 gives each point the automatic model's own colour there.
    Colorization has many right answers.
    """
    def make() -> list[np.ndarray]:
        s = view.settings
        auto = prediction_without(colorizer, view, None)
        sugg = [_suggest(auto, h.x, h.y, table, count) for h in s.hints]
        out = []
        for k in range(count):
            hints = tuple(Hint(h.x, h.y, hex_to_rgb(g[min(k, len(g) - 1)]["hex"]))
                          for h, g in zip(s.hints, sugg, strict=True))
            pred = colorizer.predict(view.photo.shown, s.working_size, hints)
            out.append(colorizer.render(pred, saturation=s.saturation).rgb)
        return out

    return _memo(view, ("colourings", count), make)


# -- against the truth -------------------------------------------------------------------------
def hints_against_truth(colorizer: Colorizer, view: View, counts: Sequence[int] = (0, 1, 3, 10),
                        seed: int = 0) -> list[dict]:
    """How many true hints beat the automatic model? PSNR of the hint model and of the
    nearest-hint fill with N hints drawn from the photo's own colours (display size)."""
    from core.hints.planes import true_hints

    truth = view.photo.shown
    drawn = true_hints(truth, max(counts), seed=seed)
    rows = []
    for n in counts:
        hints = tuple(drawn[:n])
        pred = colorizer.predict(truth, view.settings.working_size, hints)
        model = compare(colorizer.render(pred, saturation=view.settings.saturation).rgb, truth)
        fill = compare(fill_rgb(pred.gray, hints, "nearest"), truth)
        rows.append({"hints": n, "model_psnr": model["psnr"], "nearest_psnr": fill["psnr"],
                     "model_colourfulness": model["colourfulness"]})
    return rows


# -- the download ------------------------------------------------------------------------------
def download_png(colorizer: Colorizer, view: View) -> bytes:
    """The result at the photo's full resolution (the hints scaled back to it), PNG bytes."""
    return full_resolution_png(view.photo, colorizer, replace(view.settings))
