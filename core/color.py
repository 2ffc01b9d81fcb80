"""Colour pre- and post-processing, exactly as the course parametrizes the problem.

Input of the model: a grey image by the NTSC formula, in [0, 1], H x W x 1.
Output of the model: a colour image in Lab, each channel scaled to [-1, 1], H x W x 3.

Conversions between RGB and Lab are done by scikit-image (``rgb2lab``, ``lab2rgb``), the
reference used by the teaching screens and the tests. The colorizer's hot path uses
:func:`lab_to_rgb_torch` / :func:`rgb_to_lab_torch`: the same formulas and constants in torch
(on the model's device, several times faster than scikit-image on a CPU), tested against
scikit-image to 1e-4.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
from skimage.color import lab2rgb, rgb2lab
from skimage.color.colorconv import rgb_from_xyz, xyz_from_rgb

if TYPE_CHECKING:  # torch is imported by the torch functions themselves: the screens that
    import torch  # only draw (home's first lines) paint before torch loads (cold start)

#: NTSC (ITU-R BT.601) luma weights of R, G and B, as in the course.
NTSC_WEIGHTS = (0.299, 0.587, 0.114)

#: Scale of the a and b channels. Over the whole sRGB gamut (D65) a lies in
#: [-86.2, 98.2] and b in [-107.9, 94.5]; dividing by 110 (the bound used by
#: Zhang et al.'s colorization code) maps every sRGB colour into [-1, 1] with a
#: small margin, so the scaled sigmoid never has to reach its asymptotes.
AB_SCALE = 110.0

#: L* lies in [0, 100]: L / 50 - 1 maps it onto [-1, 1].
L_SCALE = 50.0


def to_float01(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as float32 in [0, 1] (uint8 is divided by 255, uint16 by 65535)."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float32) / 65535.0
    return np.clip(image.astype(np.float32), 0.0, 1.0)


def ntsc_gray(rgb: np.ndarray, weights: tuple[float, float, float] = NTSC_WEIGHTS) -> np.ndarray:
    """Grey level of an RGB image by the NTSC formula.

    .. math:: Y = 0.299 R + 0.587 G + 0.114 B

    Parameters
    ----------
    rgb : (H, W, 3) array, uint8 in [0, 255] or float in [0, 1].
        An (H, W) array is taken as already grey and returned as float.
    weights : the three weights (R, G, B); the course's NTSC ones by default.
        Other weights (1/3 each, Rec. 709, ...) serve the NTSC screen.

    Returns
    -------
    gray : (H, W) float32 array in [0, 1] (clipped when the weights sum above 1).

    References
    ----------
    ITU-R Recommendation BT.601 (the NTSC luma coefficients).
    """
    rgb = to_float01(rgb)
    if rgb.ndim == 2:
        return rgb
    if rgb.ndim != 3 or rgb.shape[-1] != 3:
        raise ValueError(f"expected an H x W x 3 image, got shape {rgb.shape}")
    w = np.asarray(weights, dtype=np.float32)
    return np.clip(rgb @ w, 0.0, 1.0).astype(np.float32)


def grey_rgb(image: np.ndarray) -> np.ndarray:
    """The NTSC grey of a photo shown as RGB uint8 (Y, Y, Y): the model's input, and the
    baseline every colorization is compared with."""
    y = np.clip(np.round(ntsc_gray(image) * 255.0), 0, 255).astype(np.uint8)
    return np.repeat(y[..., None], 3, axis=2)


def lab_to_unit(lab: np.ndarray) -> np.ndarray:
    """Scale Lab to the model's range [-1, 1].

    .. math:: L' = L / 50 - 1, \\quad a' = a / 110, \\quad b' = b / 110

    Parameters
    ----------
    lab : (..., 3) array, L in [0, 100], a and b in about [-110, 110].

    Returns
    -------
    unit : (..., 3) float32 array in [-1, 1] for every sRGB colour.
    """
    lab = np.asarray(lab, dtype=np.float32)
    out = np.empty_like(lab)
    out[..., 0] = lab[..., 0] / L_SCALE - 1.0
    out[..., 1:] = lab[..., 1:] / AB_SCALE
    return out


def unit_to_lab(unit: np.ndarray) -> np.ndarray:
    """Inverse of :func:`lab_to_unit`: (..., 3) in [-1, 1] -> Lab (L in [0, 100])."""
    unit = np.asarray(unit, dtype=np.float32)
    out = np.empty_like(unit)
    out[..., 0] = (unit[..., 0] + 1.0) * L_SCALE
    out[..., 1:] = unit[..., 1:] * AB_SCALE
    return out


def rgb_to_unit_lab(rgb: np.ndarray) -> np.ndarray:
    """RGB (uint8 or float [0, 1]) -> Lab scaled to [-1, 1], (H, W, 3) float32."""
    return lab_to_unit(rgb2lab(to_float01(rgb)))


def to_rgb(unit_lab: np.ndarray) -> np.ndarray:
    """Post-processing: the model's output (H, W, 3) in [-1, 1] -> RGB uint8.

    Values are clipped to [-1, 1] (and NaN replaced by 0) before the conversion, and
    Lab colours outside the sRGB gamut are clipped by ``lab2rgb``: the result is
    always a valid image, never NaN.
    """
    unit = np.nan_to_num(np.asarray(unit_lab, dtype=np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    unit = np.clip(unit, -1.0, 1.0)
    rgb = lab_to_rgb_clipped(unit_to_lab(unit))
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


def gray_lightness(gray: np.ndarray) -> np.ndarray:
    """CIE L* of the grey pixel (Y, Y, Y), for an (H, W) grey image in [0, 1].

    For a grey pixel the three sRGB channels are equal, so L* depends only on the
    relative luminance of Y after the sRGB gamma:

    .. math:: L^* = 116 f(\\mathrm{lin}(Y)) - 16

    with lin the sRGB decoding curve and f the CIE cube-root function. This equals
    ``rgb2lab(np.dstack([Y, Y, Y]))[..., 0]`` (tested) at a fraction of the cost, which
    matters for the full-resolution recombination of a 12 MP photo.

    Returns
    -------
    L : (H, W) float32 array in [0, 100].
    """
    y = np.clip(np.asarray(gray, dtype=np.float32), 0.0, 1.0)
    lin = np.where(y > 0.04045, ((y + 0.055) / 1.055) ** 2.4, y / 12.92)
    eps = (6.0 / 29.0) ** 3
    f = np.where(lin > eps, np.cbrt(lin), lin / (3 * (6.0 / 29.0) ** 2) + 4.0 / 29.0)
    return (116.0 * f - 16.0).astype(np.float32)


def lab_to_rgb_clipped(lab: np.ndarray) -> np.ndarray:
    """``lab2rgb`` without its warning for colours outside the sRGB gamut (they are clipped,
    which is exactly what post-processing must do). Returns float64 RGB in [0, 1]."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*negative Z values.*")
        return lab2rgb(np.asarray(lab, dtype=np.float64))


def lab_colour_255(L: float, a: float, b: float) -> list[int]:
    """One Lab colour (L*, a*, b* in Lab units) as sRGB 0-255 integers, clipped into the gamut:
    a swatch."""
    rgb = lab_to_rgb_clipped(np.array([[[L, a, b]]], dtype=np.float64))[0, 0]
    return [int(round(255 * float(np.clip(c, 0, 1)))) for c in rgb]


def gray_lightness_torch(gray: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`gray_lightness` for batches, scaled like the model's L:
    (N, 1, H, W) grey in [0, 1] -> L* / 50 - 1 in [-1, 1] (the grey baseline in training)."""
    import torch

    y = gray.clamp(0, 1)
    lin = torch.where(y > 0.04045, ((y + 0.055) / 1.055) ** 2.4, y / 12.92)
    eps = (6.0 / 29.0) ** 3
    f = torch.where(lin > eps, lin.clamp_min(eps) ** (1 / 3), lin / (3 * (6 / 29) ** 2) + 4 / 29)
    return (116.0 * f - 16.0) / 50.0 - 1.0


# -- the same conversions in torch (the colorizer's hot path) -------------------------------
#: D65 reference white (2 degree observer), as scikit-image's ``xyz_tristimulus_values``.
D65_WHITE = (0.95047, 1.0, 1.08883)


def _mix(matrix: np.ndarray, x: torch.Tensor) -> torch.Tensor:
    """Apply a 3 x 3 colour matrix along dim -3 of (3, H, W) or (N, 3, H, W)."""
    import torch

    m = torch.as_tensor(matrix, dtype=x.dtype, device=x.device)
    return (m @ x.reshape(*x.shape[:-2], -1)).reshape(x.shape)


def _white(x: torch.Tensor) -> torch.Tensor:
    import torch

    return torch.tensor(D65_WHITE, dtype=x.dtype, device=x.device).view(3, 1, 1)


def lab_to_rgb_torch(lab: torch.Tensor) -> torch.Tensor:
    """CIE Lab (3, H, W) or (N, 3, H, W) -> sRGB in [0, 1], as ``skimage.color.lab2rgb``.

    Same constants and the same two clippings: a negative Z (colours far outside the sRGB
    gamut, e.g. a very large +b) is set to 0 before the inverse CIE function, and the final
    sRGB values are clipped to [0, 1]. Differences from scikit-image are float32 rounding
    (below 1e-4, tested), for colours inside and outside the gamut.

    Written with in-place operations on two buffers: on a virtual machine a fresh 3 MB
    tensor costs page faults, and allocating one per step made this 3x slower. An ONNX
    export (the live view, :mod:`core.live_video`) records the same steps without ``out=``.
    """
    import torch

    if torch.onnx.is_in_onnx_export():
        return _lab_to_rgb_graph(lab)
    L, a, b = lab.unbind(dim=-3)
    f = torch.empty_like(lab)
    fx, fy, fz = f.unbind(dim=-3)
    torch.add(L, 16.0, out=fy).div_(116.0)
    torch.add(fy, a, alpha=1 / 500, out=fx)
    torch.sub(fy, b, alpha=1 / 200, out=fz).clamp_(min=0.0)  # "negative Z clipped to zero"
    linear = f.le(0.2068966)
    cube = f.pow(3)
    f.sub_(16.0 / 116.0).div_(7.787)
    xyz = torch.where(linear, f, cube, out=cube).mul_(_white(f))
    rgb = _mix(rgb_from_xyz, xyz)
    linear = torch.le(rgb, 0.0031308, out=linear)
    gamma = torch.clamp(rgb, min=0.0031308, out=xyz).pow_(1 / 2.4).mul_(1.055).sub_(0.055)
    return torch.where(linear, rgb.mul_(12.92), gamma, out=rgb).clamp_(0.0, 1.0)


def _lab_to_rgb_graph(lab: torch.Tensor) -> torch.Tensor:
    """:func:`lab_to_rgb_torch` step by step without in-place operations (exportable)."""
    import torch

    L, a, b = lab.unbind(dim=-3)
    fy = (L + 16.0) / 116.0
    f = torch.stack([fy + a / 500.0, fy, (fy - b / 200.0).clamp(min=0.0)], dim=-3)
    xyz = torch.where(f.le(0.2068966), (f - 16.0 / 116.0) / 7.787, f.pow(3)) * _white(f)
    rgb = _mix(rgb_from_xyz, xyz)
    gamma = rgb.clamp(min=0.0031308).pow(1 / 2.4) * 1.055 - 0.055
    return torch.where(rgb.le(0.0031308), rgb * 12.92, gamma).clamp(0.0, 1.0)


def rgb_to_lab_torch(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], (3, H, W) or (N, 3, H, W) -> CIE Lab, as ``skimage.color.rgb2lab``."""
    import torch

    linear = rgb.le(0.04045)
    lin = torch.where(linear, rgb / 12.92, ((rgb.clamp(min=0.04045) + 0.055) / 1.055) ** 2.4)
    xyz = _mix(xyz_from_rgb, lin).div_(_white(lin))
    small = xyz.le(0.008856)
    f = torch.where(small, xyz * 7.787 + 16.0 / 116.0, xyz.clamp(min=0.008856) ** (1 / 3))
    fx, fy, fz = f.unbind(dim=-3)
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=-3)


def unit_to_lab_torch(unit: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`unit_to_lab` for (..., 3, H, W): L = 50 (x + 1), a, b = 110 x."""
    import torch

    scale = torch.tensor([L_SCALE, AB_SCALE, AB_SCALE], dtype=unit.dtype, device=unit.device)
    shift = torch.tensor([1.0, 0.0, 0.0], dtype=unit.dtype, device=unit.device)
    return (unit + shift.view(3, 1, 1)) * scale.view(3, 1, 1)


def lab_to_unit_torch(lab: torch.Tensor) -> torch.Tensor:
    """Torch twin of :func:`lab_to_unit` for (..., 3, H, W)."""
    import torch

    scale = torch.tensor([L_SCALE, AB_SCALE, AB_SCALE], dtype=lab.dtype, device=lab.device)
    shift = torch.tensor([1.0, 0.0, 0.0], dtype=lab.dtype, device=lab.device)
    return lab / scale.view(3, 1, 1) - shift.view(3, 1, 1)
