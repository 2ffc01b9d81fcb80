"""The Lab screen: the channels, their ranges (raw and scaled to [-1, 1]), the sRGB gamut in
the a-b plane, channel play (a = b = 0, swap, saturation, L shift), other colour spaces."""

from __future__ import annotations

import warnings

import numpy as np
from skimage.color import lab2xyz, rgb2hsv, rgb2lab, rgb2ycbcr
from skimage.color.colorconv import rgb_from_xyz

from core.color import AB_SCALE, lab_to_rgb_clipped, to_float01

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
    rgb = lab_to_rgb_clipped(lab)
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
    gamut are clipped (:func:`core.color.lab_to_rgb_clipped`).
    """
    out = np.array(lab, dtype=np.float64, copy=True)
    if zero_ab:
        out[..., 1:] = 0.0
    if swap_ab:
        out[..., 1:] = out[..., [2, 1]]
    out[..., 1:] *= saturation
    out[..., 0] = np.clip(out[..., 0] + l_shift, 0.0, 100.0)
    return np.clip(np.round(lab_to_rgb_clipped(out) * 255), 0, 255).astype(np.uint8)


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
