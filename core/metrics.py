"""Quality metrics of a colorization against the true colour photo.

All compare RGB uint8 images resized to 256 x 256 (the model issue's protocol), so
numbers from photos of different sizes are comparable.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

EVAL_SIZE = 256


def _eval_size(rgb: np.ndarray, size: int = EVAL_SIZE) -> np.ndarray:
    if rgb.shape[:2] == (size, size):
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.BICUBIC))


def psnr(pred: np.ndarray, truth: np.ndarray) -> float:
    """PSNR in dB of RGB uint8 images resized to 256^2, peak 255 (inf when identical)."""
    return float(peak_signal_noise_ratio(_eval_size(truth), _eval_size(pred), data_range=255))


def ssim(pred: np.ndarray, truth: np.ndarray) -> float:
    """SSIM with a Gaussian window (sigma 1.5, Wang et al. 2004), RGB 256^2, mean of channels."""
    return float(structural_similarity(
        _eval_size(truth), _eval_size(pred), data_range=255, channel_axis=2,
        gaussian_weights=True, sigma=1.5, use_sample_covariance=False))


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003) colourfulness: 0 for grey, ~50-100 for vivid photos.

    .. math:: M = \\sqrt{\\sigma_{rg}^2 + \\sigma_{yb}^2} + 0.3 \\sqrt{\\mu_{rg}^2 + \\mu_{yb}^2}

    with rg = R - G and yb = (R + G) / 2 - B on the 0-255 scale.
    """
    x = _eval_size(rgb).astype(np.float64)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def compare(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """PSNR, SSIM and colourfulness of a prediction, with the truth's colourfulness."""
    return {"psnr": psnr(pred, truth), "ssim": ssim(pred, truth),
            "colourfulness": colourfulness(pred), "colourfulness_truth": colourfulness(truth)}
