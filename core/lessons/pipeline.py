"""The pipeline screen: pre-processing -> U-Net -> bound -> post-processing, with the
measured shape and range of every tensor, what a skipped step gives, and the input scalings.

The chain is the colorizer's (:meth:`core.colorizer.Colorizer.predict`), at its working size
(the weights' calibrated one). The final image is the course's chain as written on screen,
L = 50 (L' + 1), a = 110 a', b = 110 b', with the model's own L and no calibrated chroma gain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.color import lab_to_rgb_clipped, to_float01, unit_to_lab
from core.colorizer import Colorizer, downscale_gray
from core.lessons.network import output_rgb, raw_and_bounded, unit_lab_rgb


@dataclass
class Stage:
    """One tensor of the chain: what it is, its shape, dtype and measured range."""

    key: str  # translation key suffix (pipeline.stage_<key>)
    shape: tuple[int, ...]
    dtype: str
    vmin: float
    vmax: float
    expected: str  # the range the course announces, e.g. "[0, 1]"
    channels: list[tuple[float, float]] = field(default_factory=list)  # per-channel range


@dataclass
class Trace:
    """The whole chain on one photo, at the colorizer's working size."""

    rgb: np.ndarray  # (h, w, 3) uint8: the input photo at working size
    gray: np.ndarray  # (h, w) float32 in [0, 1]: what the model saw
    raw: np.ndarray  # (h, w, C) float32: the U-Net's raw output, before the bound
    bounded: np.ndarray  # (h, w, C) float32 in [-1, 1]: after the scaled sigmoid
    unit_lab: np.ndarray  # (h, w, 3) float32 in [-1, 1]
    lab: np.ndarray  # (h, w, 3) float32, L in [0, 100]
    out: np.ndarray  # (h, w, 3) uint8: the colorized result
    working_size: int  # short side, in pixels, at which the model ran
    stages: list[Stage] = field(default_factory=list)


def _stage(key: str, arr: np.ndarray, expected: str) -> Stage:
    chans = [(float(arr[..., i].min()), float(arr[..., i].max())) for i in range(arr.shape[-1])]
    return Stage(key, tuple(int(s) for s in arr.shape), str(arr.dtype),
                 float(np.min(arr)), float(np.max(arr)), expected, chans)


def working_rgb(rgb: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The colour photo at the model's working size (for display: the model never sees it),
    by the colorizer's own area downscaling, channel by channel."""
    x = to_float01(rgb)
    small = np.stack([downscale_gray(x[..., i], shape) for i in range(3)], axis=-1)
    return np.clip(np.round(small * 255), 0, 255).astype(np.uint8)


def trace_pipeline(colorizer: Colorizer, rgb: np.ndarray) -> Trace:
    """Every tensor of the chain for one photo, with its measured shape and range.

    RGB uint8 h x w x 3 [0, 255] -> NTSC grey h x w x 1 [0, 1] -> U-Net -> raw output
    (unbounded) -> scaled sigmoid h x w x 3 [-1, 1] -> Lab (L [0, 100], a, b) -> RGB uint8,
    (h, w) the working size.
    """
    p = colorizer.predict(rgb)
    small = working_rgb(rgb, p.gray_small.shape)
    raw, bounded = p.pre.transpose(1, 2, 0), p.bounded.transpose(1, 2, 0)
    lab = unit_to_lab(np.clip(p.unit_lab, -1.0, 1.0))  # what post-processing converts
    out = unit_lab_rgb(p.unit_lab)
    stages = [
        _stage("rgb", small, "[0, 255]"),
        _stage("gray", p.gray_small[..., None], "[0, 1]"),
        _stage("raw", raw, "]-∞, +∞["),
        _stage("bounded", bounded, "[-1, 1]"),
        _stage("lab", lab, "L [0, 100], a b [-110, 110]"),
        _stage("out", out, "[0, 255]"),
    ]
    return Trace(small, p.gray_small, raw, bounded, p.unit_lab, lab, out, p.working_size,
                 stages)


def skip_input_scaling(colorizer: Colorizer, gray: np.ndarray) -> dict:
    """Feed the grey in [0, 255] instead of [0, 1] (pre-processing skipped).

    Returns the raw and bounded outputs (``raw``, ``bounded``, (h, w, C)), their ranges, the
    share of saturated outputs (|y| > 0.99: the sigmoid is stuck at its asymptotes) and the
    RGB result.
    """
    raw, bounded = raw_and_bounded(colorizer.model, np.asarray(gray, np.float32) * 255.0)
    return {
        "raw": raw.transpose(1, 2, 0),
        "bounded": bounded.transpose(1, 2, 0),
        "raw_range": (float(raw.min()), float(raw.max())),
        "bounded_range": (float(bounded.min()), float(bounded.max())),
        "saturated": float((np.abs(bounded) > 0.99).mean()),
        "rgb": output_rgb(colorizer.output, bounded, gray),
    }


def skip_post_processing(unit_lab: np.ndarray) -> dict[str, np.ndarray]:
    """Use the [-1, 1] output without the post-processing.

    ``as_rgb``: the three channels read directly as R, G, B in [0, 1] (negative values
    clipped to 0). ``as_lab``: read as Lab without unscaling (L in [-1, 1] instead of
    [0, 100]: almost black). Both uint8 RGB.
    """
    u = np.clip(np.nan_to_num(np.asarray(unit_lab, dtype=np.float64)), -1.0, 1.0)
    as_rgb = np.clip(np.round(u * 255), 0, 255).astype(np.uint8)
    as_lab = np.clip(np.round(lab_to_rgb_clipped(u) * 255), 0, 255).astype(np.uint8)
    return {"as_rgb": as_rgb, "as_lab": as_lab}


def input_scalings(gray: np.ndarray) -> dict[str, np.ndarray]:
    """The grey input under the scalings the course mentions.

    ``raw`` [0, 255] (no scaling), ``unit`` [0, 1] (the course's choice), ``centred``
    [-1, 1] (2 Y - 1) and ``standard`` (Y - mean) / std (centred and reduced).
    """
    g = np.asarray(gray, dtype=np.float32)
    std = float(g.std()) or 1.0
    return {
        "raw": g * 255.0,
        "unit": g,
        "centred": 2.0 * g - 1.0,
        "standard": (g - float(g.mean())) / std,
    }


def histogram(values: np.ndarray, bins: int = 60, value_range: tuple[float, float] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin centres of ``values`` (finite values only), for a light bar chart."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if value_range is None:
        lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        value_range = (lo, hi)
    counts, edges = np.histogram(v, bins=bins, range=value_range)
    return counts, (edges[:-1] + edges[1:]) / 2


def diverging_rgb(x: np.ndarray, low: tuple[int, int, int], high: tuple[int, int, int],
                  mid: tuple[int, int, int] = (208, 208, 208)) -> np.ndarray:
    """Colour-map values in [-1, 1]: -1 -> ``low``, 0 -> ``mid``, +1 -> ``high`` (uint8 RGB).

    Shows a scaled a' (green <-> red) or b' (blue <-> yellow) channel as an image.
    """
    t = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)[..., None]
    lo, mi, hi = (np.asarray(c, dtype=np.float32) for c in (low, mid, high))
    out = np.where(t < 0, mi + (mi - lo) * t, mi + (hi - mi) * t)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
