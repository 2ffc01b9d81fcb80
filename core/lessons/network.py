"""Looking inside the model: the screens that open the network up share these.

The photo -> model input step and the model output -> Lab -> RGB step are
:mod:`core.colorizer`'s (``Colorizer.predict``, :func:`core.colorizer.to_unit_lab`,
:func:`core.colorizer.unit_lab_to_rgb`); this module only adapts them to the numpy arrays
the screens hold, and runs the parts of the network a screen takes apart.
"""

from __future__ import annotations

import numpy as np
import torch

from core.color import ntsc_gray
from core.colorizer import downscale_gray, to_unit_lab, unit_lab_to_rgb
from core.unet import UNet


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def forward(model: UNet, gray: np.ndarray) -> tuple[dict[str, torch.Tensor], int, int]:
    """The network on one (h, w) grey input, any range (a screen may feed a wrong one).

    Returns every named part's output (``inc``, ``down1``.., ``outc`` raw, ``bound``; at the
    padded size, on CPU) and (h, w).
    """
    was = model.training
    model.eval()
    x = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32))[None, None]
    _, feats = model(x.to(_device(model)), return_features=True)
    model.train(was)
    return {k: v.float().cpu() for k, v in feats.items()}, gray.shape[0], gray.shape[1]


def raw_and_bounded(model: UNet, gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The raw output (pre-activations) and the bounded output, (C, h, w) float32 each."""
    feats, h, w = forward(model, gray)
    return (feats["outc"][0, :, :h, :w].numpy(), feats["bound"][0, :, :h, :w].numpy())


def output_rgb(output: str, y: np.ndarray, gray: np.ndarray, clip: bool = True) -> np.ndarray:
    """A model output (C, h, w), any output space, as RGB uint8 (h, w, 3).

    ``gray`` (h, w) in [0, 1] gives L to an (a, b) model. ``clip=False`` keeps values outside
    [-1, 1] (what an unbounded network gives): far outside the sRGB gamut, they are clipped
    by the conversion (burnt whites, garish colours).
    """
    unit = to_unit_lab(output, torch.from_numpy(np.asarray(y, dtype=np.float32))[None],
                       torch.from_numpy(np.asarray(gray, dtype=np.float32))[None, None])
    return unit_lab_to_rgb(unit, clip=clip)[0].numpy()


def unit_lab_rgb(unit_lab: np.ndarray, clip: bool = True) -> np.ndarray:
    """The course's Lab in [-1, 1] units (h, w, 3) -> RGB uint8 (h, w, 3)."""
    unit = torch.from_numpy(np.ascontiguousarray(unit_lab, dtype=np.float32)).permute(2, 0, 1)
    return unit_lab_to_rgb(unit[None], clip=clip)[0].numpy()


def square_gray(rgb: np.ndarray, side: int) -> np.ndarray:
    """NTSC grey of the largest centred square of a photo, brought to side x side (area).

    For screens that need two photos of one shape (interpolation) or a tiny input whose
    pixels show; the colorizer's own downscaling, on a square crop.
    """
    gray = ntsc_gray(rgb)
    h, w = gray.shape
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    return downscale_gray(gray[y0:y0 + s, x0:x0 + s], (side, side))
