"""What the NTSC, Lab and pipeline screens compute and show (no Streamlit here).

Three groups of pure functions, one per screen:

* NTSC: the grey of the course, :math:`Y = 0.299 R + 0.587 G + 0.114 B`, term by term, with
  other weights, and how far it is from the true lightness L* of the photo;
* Lab: the channels, their ranges (raw and scaled to [-1, 1]), the sRGB gamut in the a-b
  plane, channel play (a = b = 0, swap, saturation, L shift), other colour spaces;
* pipeline: the whole chain pre-processing -> U-Net -> bound -> post-processing with the
  measured shape and range of every tensor, and what a skipped step gives.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from skimage.color import (
    lab2rgb,
    lab2xyz,
    rgb2hsv,
    rgb2lab,
    rgb2ycbcr,
)
from skimage.color.colorconv import rgb_from_xyz

from core.color import (
    AB_SCALE,
    NTSC_WEIGHTS,
    gray_lightness,
    lab_to_unit,
    ntsc_gray,
    to_float01,
    unit_to_lab,
)


def lab2rgb_quiet(lab: np.ndarray) -> np.ndarray:
    """``skimage.color.lab2rgb`` without its warnings about clipped out-of-gamut colours.

    The screens build such colours on purpose (saturation x3, unscaled Lab...); the
    clipping is the expected behaviour, a warning per slider move is noise.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return lab2rgb(np.asarray(lab, dtype=np.float64))


# ---------------------------------------------------------------------------------------
# NTSC
# ---------------------------------------------------------------------------------------

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


def lightness_gap(rgb: np.ndarray, weights: tuple[float, float, float] = NTSC_WEIGHTS
                  ) -> np.ndarray:
    """L* of the grey input minus the true L* of the photo, per pixel.

    .. math:: \\Delta = L^*(Y, Y, Y) - L^*(R, G, B)

    Both are in L* units (0 to 100). The grey is what the model receives; the true L*
    is what it must output as L: where they differ (saturated colours), copying Y is
    not enough.
    """
    gray = ntsc_gray(rgb, weights)
    return (gray_lightness(gray) - true_lightness(rgb)).astype(np.float32)


def pure_colour_table(weights: tuple[float, float, float] = NTSC_WEIGHTS) -> list[dict]:
    """For every pure colour: its RGB, grey Y, L* of the grey, true L* and their gap."""
    rows = []
    for name, c in PURE_COLOURS.items():
        p = probe(c, weights)
        rows.append({"name": name, "rgb": c, **p, "gap": p["L_gray"] - p["L_true"]})
    return rows


# ---------------------------------------------------------------------------------------
# Lab
# ---------------------------------------------------------------------------------------

#: Theoretical ranges over the sRGB gamut (D65), for the axes of the charts.
LAB_RANGES = {"L": (0.0, 100.0), "a": (-86.2, 98.2), "b": (-107.9, 94.5)}


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB -> Lab float32 (L in [0, 100], a and b in about [-110, 110])."""
    return rgb2lab(to_float01(rgb)).astype(np.float32)


def channel_ranges(image: np.ndarray, names: str | tuple[str, ...] = "Lab") -> dict[str, tuple]:
    """Measured (min, max) of every channel of an (H, W, C) array, by channel name."""
    return {n: (float(image[..., i].min()), float(image[..., i].max()))
            for i, n in enumerate(names)}


def sample_pixels(rgb: np.ndarray, n: int = 3000, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random pixels of the photo (without replacement, reproducible).

    Returns (lab (n, 3) float32, rgb (n, 3) uint8), for a 3-D scatter coloured by the
    pixels' own colours.
    """
    flat = np.asarray(rgb).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(flat), size=min(n, len(flat)), replace=False)
    px = flat[idx]
    if px.dtype != np.uint8:
        px = np.clip(np.round(to_float01(px) * 255), 0, 255).astype(np.uint8)
    return to_lab(px[None])[0], px


def gamut_slice(L: float, n: int = 221, ab_max: float = AB_SCALE
                ) -> tuple[np.ndarray, np.ndarray, float]:
    """The sRGB gamut cut by the plane of lightness ``L``, on an n x n grid of (a, b).

    A colour (L, a, b) is in the gamut when its linear sRGB components all lie in [0, 1]
    (Lab -> XYZ -> linear RGB, before any clipping).

    Returns
    -------
    rgba : (n, n, 4) uint8; row i is b = -ab_max + 2 ab_max i / (n - 1) (upwards when
        plotted with the origin at the bottom), column j the same for a. Out-of-gamut
        cells are light grey and half transparent.
    axis : (n,) float, the a (and b) value of each column (row).
    inside : fraction of the [-ab_max, ab_max]^2 square that is in the gamut.
    """
    axis = np.linspace(-ab_max, ab_max, n)
    a, b = np.meshgrid(axis, axis)
    lab = np.stack([np.full_like(a, float(L)), a, b], axis=-1)
    with warnings.catch_warnings():
        # Out-of-gamut cells give negative Z, clipped and reported by scikit-image: expected.
        warnings.simplefilter("ignore", UserWarning)
        xyz = lab2xyz(lab)
        rgb = lab2rgb(lab)
    # A negative Z (clipped by lab2xyz) is itself out of gamut.
    lin = xyz @ rgb_from_xyz.T
    tol = 1e-6
    ok = np.all((lin >= -tol) & (lin <= 1 + tol), axis=-1) & (xyz[..., 2] > 0)
    rgba = np.empty(a.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)
    rgba[..., 3] = 255
    rgba[~ok] = (200, 200, 200, 90)
    return rgba, axis, float(ok.mean())


def gamut_extent(rgba: np.ndarray, axis: np.ndarray) -> tuple[float, float, float, float]:
    """(a_min, a_max, b_min, b_max) of the in-gamut cells of a :func:`gamut_slice`.

    All zeros when the slice is empty (L = 0 or 100 on a finite grid).
    """
    ok = rgba[..., 3] == 255
    if not ok.any():
        return (0.0, 0.0, 0.0, 0.0)
    cols, rows = np.where(ok.any(axis=0))[0], np.where(ok.any(axis=1))[0]
    return (float(axis[cols[0]]), float(axis[cols[-1]]), float(axis[rows[0]]),
            float(axis[rows[-1]]))


def play_lab(lab: np.ndarray, zero_ab: bool = False, swap_ab: bool = False,
             saturation: float = 1.0, l_shift: float = 0.0) -> np.ndarray:
    """Edit Lab channels separately and return the RGB result (uint8).

    In order: a = b = 0 (``zero_ab``), swap a and b (``swap_ab``), multiply a and b by
    ``saturation``, add ``l_shift`` to L (clipped to [0, 100]). Colours outside the sRGB
    gamut are clipped by ``lab2rgb``.
    """
    out = np.array(lab, dtype=np.float64, copy=True)
    if zero_ab:
        out[..., 1:] = 0.0
    if swap_ab:
        out[..., 1:] = out[..., [2, 1]]
    out[..., 1:] *= saturation
    out[..., 0] = np.clip(out[..., 0] + l_shift, 0.0, 100.0)
    return np.clip(np.round(lab2rgb_quiet(out) * 255), 0, 255).astype(np.uint8)


def mean_chroma(rgb: np.ndarray) -> float:
    """Mean chroma sqrt(a^2 + b^2) of an RGB image (0 for a grey image), in Lab units."""
    lab = to_lab(rgb)
    return float(np.hypot(lab[..., 1], lab[..., 2]).mean())


#: Colour spaces compared on the Lab screen: channel names and theoretical ranges.
SPACES: dict[str, tuple[tuple[str, str, str], tuple[tuple[float, float], ...]]] = {
    "rgb": (("R", "G", "B"), ((0, 255), (0, 255), (0, 255))),
    "hsv": (("H", "S", "V"), ((0, 1), (0, 1), (0, 1))),
    "ycbcr": (("Y", "Cb", "Cr"), ((16, 235), (16, 240), (16, 240))),
    "lab": (("L", "a", "b"), ((0, 100), (-110, 110), (-110, 110))),
}


def to_space(rgb: np.ndarray, space: str) -> np.ndarray:
    """The photo in another colour space, (H, W, 3) float32, in the units of :data:`SPACES`.

    ``ycbcr`` is ITU-R BT.601 (scikit-image): its Y is 16 + 219 times the NTSC grey.
    """
    x = to_float01(rgb)
    if space == "rgb":
        return (x * 255).astype(np.float32)
    if space == "hsv":
        return rgb2hsv(x).astype(np.float32)
    if space == "ycbcr":
        return rgb2ycbcr(x).astype(np.float32)
    if space == "lab":
        return to_lab(x)
    raise ValueError(f"unknown colour space {space!r}")


def normalise_for_display(channel: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map [lo, hi] to [0, 1] (clipped), to show a channel as a grey image."""
    return np.clip((np.asarray(channel, dtype=np.float32) - lo) / (hi - lo), 0.0, 1.0)


def diverging_rgb(x: np.ndarray, low: tuple[int, int, int], high: tuple[int, int, int],
                  mid: tuple[int, int, int] = (208, 208, 208)) -> np.ndarray:
    """Colour-map values in [-1, 1]: -1 -> ``low``, 0 -> ``mid``, +1 -> ``high`` (uint8 RGB).

    Shows a scaled a' (green <-> red) or b' (blue <-> yellow) channel as an image.
    """
    t = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)[..., None]
    lo, mi, hi = (np.asarray(c, dtype=np.float32) for c in (low, mid, high))
    out = np.where(t < 0, mi + (mi - lo) * t, mi + (hi - mi) * t)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------
# Pipeline
# ---------------------------------------------------------------------------------------


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
    """The whole chain on one photo (at working size)."""

    rgb: np.ndarray  # (h, w, 3) uint8: the input photo at working size
    gray: np.ndarray  # (h, w) float32 in [0, 1]
    raw: np.ndarray  # (h, w, C) float32: the U-Net's raw output (outc), before the bound
    bounded: np.ndarray  # (h, w, C) float32 in [-1, 1]: after the scaled sigmoid
    unit_lab: np.ndarray  # (h, w, 3) float32 in [-1, 1]
    lab: np.ndarray  # (h, w, 3) float32, L in [0, 100]
    out: np.ndarray  # (h, w, 3) uint8: the colorized result
    stages: list[Stage] = field(default_factory=list)


def working_rgb(rgb: np.ndarray, size: int = 256) -> np.ndarray:
    """Downscale (area) so that the short side is at most ``size``; uint8 RGB."""
    h, w = rgb.shape[:2]
    scale = min(1.0, size / min(h, w))
    if scale >= 1.0:
        return np.asarray(rgb, dtype=np.uint8)
    hh, ww = max(1, round(h * scale)), max(1, round(w * scale))
    t = torch.from_numpy(to_float01(rgb).transpose(2, 0, 1).copy())[None]
    small = F.interpolate(t, size=(hh, ww), mode="area")[0].numpy().transpose(1, 2, 0)
    return np.clip(np.round(small * 255), 0, 255).astype(np.uint8)


@torch.no_grad()
def run_model(model: torch.nn.Module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run the U-Net on an (h, w) input; returns (raw outc, bounded output), (h, w, C) each."""
    device = next(model.parameters()).device
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None, None].to(device)
    y, feats = model(t, return_features=True)
    h, w = x.shape
    raw = feats["outc"][0, :, :h, :w].float().cpu().numpy().transpose(1, 2, 0)
    bounded = y[0].float().cpu().numpy().transpose(1, 2, 0)
    return np.ascontiguousarray(raw), np.ascontiguousarray(bounded)


def output_to_unit_lab(y: np.ndarray, gray: np.ndarray, output: str) -> np.ndarray:
    """Any model output (lab, ab or rgb, in [-1, 1]) -> Lab scaled to [-1, 1] (h, w, 3)."""
    y = np.nan_to_num(np.asarray(y, dtype=np.float32))
    if output == "ab":
        L = gray_lightness(gray) / 50.0 - 1.0
        return np.concatenate([L[..., None], y], axis=2).astype(np.float32)
    if output == "rgb":
        return lab_to_unit(rgb2lab(np.clip((y + 1.0) / 2.0, 0.0, 1.0)))
    return y.astype(np.float32)


def unit_lab_to_rgb(unit_lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Post-processing: clip to [-1, 1], unscale to Lab, convert to RGB uint8."""
    lab = unit_to_lab(np.clip(unit_lab, -1.0, 1.0))
    rgb = np.clip(np.round(lab2rgb_quiet(lab) * 255), 0, 255).astype(np.uint8)
    return lab, rgb


def _stage(key: str, arr: np.ndarray, expected: str) -> Stage:
    chans = [(float(arr[..., i].min()), float(arr[..., i].max())) for i in range(arr.shape[-1])]
    return Stage(key, tuple(int(s) for s in arr.shape), str(arr.dtype),
                 float(np.min(arr)), float(np.max(arr)), expected, chans)


def trace_pipeline(model: torch.nn.Module, rgb: np.ndarray, size: int = 256) -> Trace:
    """Every tensor of the chain for one photo, with its measured shape and range.

    RGB uint8 H x W x 3 [0, 255] -> NTSC grey H x W x 1 [0, 1] -> U-Net -> raw output
    (unbounded) -> scaled sigmoid H x W x 3 [-1, 1] -> Lab (L [0, 100], a, b) -> RGB uint8.
    """
    small = working_rgb(rgb, size)
    gray = ntsc_gray(small)
    raw, bounded = run_model(model, gray)
    output = getattr(getattr(model, "config", None), "output", "lab")
    unit = output_to_unit_lab(bounded, gray, output)
    lab, out = unit_lab_to_rgb(unit)
    stages = [
        _stage("rgb", small, "[0, 255]"),
        _stage("gray", gray[..., None], "[0, 1]"),
        _stage("raw", raw, "]-∞, +∞["),
        _stage("bounded", bounded, "[-1, 1]"),
        _stage("lab", lab, "L [0, 100], a b [-110, 110]"),
        _stage("out", out, "[0, 255]"),
    ]
    return Trace(small, gray, raw, bounded, unit, lab, out, stages)


def skip_input_scaling(model: torch.nn.Module, gray: np.ndarray) -> dict:
    """Feed the grey in [0, 255] instead of [0, 1] (pre-processing skipped).

    Returns the raw and bounded outputs (``raw``, ``bounded``), their ranges, the share of
    saturated outputs (|y| > 0.99: the sigmoid is stuck at its asymptotes) and the RGB
    result.
    """
    raw, bounded = run_model(model, np.asarray(gray, dtype=np.float32) * 255.0)
    output = getattr(getattr(model, "config", None), "output", "lab")
    unit = output_to_unit_lab(bounded, gray, output)
    _, rgb = unit_lab_to_rgb(unit)
    return {
        "raw": raw,
        "bounded": bounded,
        "raw_range": (float(raw.min()), float(raw.max())),
        "bounded_range": (float(bounded.min()), float(bounded.max())),
        "saturated": float((np.abs(bounded) > 0.99).mean()),
        "rgb": rgb,
    }


def skip_post_processing(unit_lab: np.ndarray) -> dict[str, np.ndarray]:
    """Use the [-1, 1] output without the post-processing.

    ``as_rgb``: the three channels read directly as R, G, B in [0, 1] (negative values
    clipped to 0). ``as_lab``: read as Lab without unscaling (L in [-1, 1] instead of
    [0, 100]: almost black). Both uint8 RGB.
    """
    u = np.clip(np.nan_to_num(np.asarray(unit_lab, dtype=np.float64)), -1.0, 1.0)
    as_rgb = np.clip(np.round(u * 255), 0, 255).astype(np.uint8)
    as_lab = np.clip(np.round(lab2rgb_quiet(u) * 255), 0, 255).astype(np.uint8)
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
