"""The NTSC screen: the course's grey Y = 0.299 R + 0.587 G + 0.114 B, term by term, with
other weights, and how far it is from the true lightness L* of the photo."""

from __future__ import annotations

import numpy as np
from skimage.color import rgb2lab

from core.color import NTSC_WEIGHTS, gray_lightness, ntsc_gray, to_float01

#: Well-known weightings of (R, G, B), by name (the names are translation keys).
WEIGHT_PRESETS: dict[str, tuple[float, float, float]] = {
    "ntsc": NTSC_WEIGHTS,
    "equal": (1 / 3, 1 / 3, 1 / 3),
    "rec709": (0.2126, 0.7152, 0.0722),
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
}

#: Pure colours (fully saturated sRGB primaries and secondaries, plus white and mid grey).
PURE_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
}


def normalise_weights(weights: tuple[float, float, float]) -> tuple[float, float, float]:
    """Scale weights so that they sum to 1 (equal weights when they are all 0).

    .. math:: w_i' = w_i / (w_R + w_G + w_B)

    A sum of 1 keeps white white: Y(1, 1, 1) = 1.
    """
    w = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
    s = float(w.sum())
    if s <= 0.0:
        return (1 / 3, 1 / 3, 1 / 3)
    return tuple(float(v) for v in w / s)  # type: ignore[return-value]


def weighted_channels(
    rgb: np.ndarray, weights: tuple[float, float, float] = NTSC_WEIGHTS
) -> dict[str, np.ndarray]:
    """The three terms of the NTSC sum and the sum itself.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 or float in [0, 1].
    weights : (w_R, w_G, w_B).

    Returns
    -------
    dict with ``R, G, B`` (channels in [0, 1]), ``wR, wG, wB`` (the terms w_R R, ...)
    and ``Y`` (their sum clipped to [0, 1], identical to :func:`core.color.ntsc_gray`).
    """
    x = to_float01(rgb)
    out = {name: x[..., i] for i, name in enumerate("RGB")}
    for i, name in enumerate("RGB"):
        out["w" + name] = (weights[i] * x[..., i]).astype(np.float32)
    out["Y"] = ntsc_gray(x, weights)
    return out


def channel_shares(rgb: np.ndarray, weights: tuple[float, float, float] = NTSC_WEIGHTS
                   ) -> tuple[float, float, float]:
    """Share of each term in the photo's total grey: mean(w_c c) / sum of the three means.

    Returns three fractions summing to 1 (1/3 each on a black photo).
    """
    x = to_float01(rgb).reshape(-1, 3).mean(axis=0).astype(np.float64)
    terms = np.asarray(weights, dtype=np.float64) * x
    s = terms.sum()
    if s <= 0:
        return (1 / 3, 1 / 3, 1 / 3)
    return tuple(float(v) for v in terms / s)  # type: ignore[return-value]


def probe(rgb255: tuple[int, int, int], weights: tuple[float, float, float] = NTSC_WEIGHTS
          ) -> dict[str, float]:
    """One pixel through the formula: its grey, the L* of that grey and its true L*.

    Parameters
    ----------
    rgb255 : (R, G, B) integers in [0, 255].

    Returns
    -------
    dict with ``Y`` (grey in [0, 1]), ``Y255`` (round(255 Y)), ``L_gray`` (L* of the grey
    pixel (Y, Y, Y)) and ``L_true`` (L* of the colour itself), both in [0, 100].
    Example: pure red with weights 1/3 gives Y255 = 85.
    """
    px = np.asarray(rgb255, dtype=np.uint8).reshape(1, 1, 3)
    y = float(ntsc_gray(px, weights)[0, 0])
    return {
        "Y": y,
        "Y255": int(round(255 * y)),
        "L_gray": float(gray_lightness(np.array([[y]]))[0, 0]),
        "L_true": float(rgb2lab(px)[0, 0, 0]),
    }


def true_lightness(rgb: np.ndarray) -> np.ndarray:
    """CIE L* of every pixel, (H, W) float32 in [0, 100] (scikit-image ``rgb2lab``)."""
    return rgb2lab(to_float01(rgb))[..., 0].astype(np.float32)


def lightness_gap(rgb: np.ndarray, weights: tuple[float, float, float] = NTSC_WEIGHTS,
                  true_l: np.ndarray | None = None) -> np.ndarray:
    """L* of the grey input minus the true L* of the photo, per pixel.

    .. math:: \\Delta = L^*(Y, Y, Y) - L^*(R, G, B)

    Both are in L* units (0 to 100). The grey is what the model receives; the true L*
    is what it must output as L: where they differ (saturated colours), copying Y is
    not enough. ``true_l``: :func:`true_lightness` of the photo when already known (it does
    not depend on the weights, and costs most of the time).
    """
    gray = ntsc_gray(rgb, weights)
    true_l = true_lightness(rgb) if true_l is None else true_l
    return (gray_lightness(gray) - true_l).astype(np.float32)


def pure_colour_table(weights: tuple[float, float, float] = NTSC_WEIGHTS) -> list[dict]:
    """For every pure colour: its RGB, grey Y, L* of the grey, true L* and their gap."""
    rows = []
    for name, c in PURE_COLOURS.items():
        p = probe(c, weights)
        rows.append({"name": name, "rgb": c, **p, "gap": p["L_gray"] - p["L_true"]})
    return rows
