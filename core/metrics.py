"""Quality metrics of a colorization against the true colour photo.

All compare RGB uint8 images resized to 256 x 256 (the model issue's protocol), so
numbers from photos of different sizes are comparable.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio

EVAL_SIZE = 256


def at_eval_size(rgb: np.ndarray, size: int = EVAL_SIZE) -> np.ndarray:
    """``rgb`` resized to size x size (bicubic), as every metric here compares; as is when
    it already is (a caller may resize a photo's truth once and pass it to each compare)."""
    if rgb.shape[:2] == (size, size):
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.BICUBIC))


def psnr(pred: np.ndarray, truth: np.ndarray, data_range: float = 255.0,
         eval_size: int | None = EVAL_SIZE) -> float:
    """PSNR in dB, 10 log10(data_range^2 / MSE) (inf when identical).

    By default: RGB uint8 images resized to 256^2, peak 255 (the model issue's protocol).
    ``eval_size=None`` compares the arrays as given (same shape, any channels) and
    ``data_range=1.0`` suits float images in [0, 1] (the upsampling screen).
    """
    if eval_size is not None:
        pred, truth = at_eval_size(pred, eval_size), at_eval_size(truth, eval_size)
    return float(peak_signal_noise_ratio(np.asarray(truth), np.asarray(pred),
                                         data_range=data_range))


def ssim(pred: np.ndarray, truth: np.ndarray) -> float:
    """SSIM with a Gaussian window (sigma 1.5, Wang et al. 2004), RGB 256^2, mean of channels.

    The numbers of ``skimage.metrics.structural_similarity(truth, pred, data_range=255,
    channel_axis=2, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)``
    (tested to 1e-5), computed with torch: the convolutions release the GIL, which matters
    on a server where 30 sessions share one Python process (scikit-image's took 15 % of the
    server's busy time in the load test).
    """
    # float32 convolutions (float64 grouped ones are 50x slower in torch) on values scaled
    # to [0, 1] and centred on 0.5: variances subtract small numbers, so little is lost;
    # the means are shifted back and the formula is evaluated in float64.
    x = torch.from_numpy(at_eval_size(truth).astype(np.float32) / 255.0 - 0.5).permute(2, 0, 1)
    y = torch.from_numpy(at_eval_size(pred).astype(np.float32) / 255.0 - 0.5).permute(2, 0, 1)
    maps = torch.cat([x, y, x * x, y * y, x * y])[None]  # (1, 15, H, W)
    n = maps.shape[1]
    # Separable Gaussian, "valid" part only: skimage crops (win_size - 1) / 2 pixels of each
    # border before averaging, exactly the pixels whose window leaves the image.
    f = F.conv2d(maps, _SSIM_KERNEL.view(1, 1, 1, -1).expand(n, 1, 1, -1), groups=n)
    f = F.conv2d(f, _SSIM_KERNEL.view(1, 1, -1, 1).expand(n, 1, -1, 1), groups=n)[0].double()
    ux, uy, uxx, uyy, uxy = f.split(3)
    vx, vy, vxy = uxx - ux * ux, uyy - uy * uy, uxy - ux * uy
    ux, uy = ux + 0.5, uy + 0.5
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return float(s.mean(dim=(1, 2)).mean())


def _gaussian_kernel(sigma: float = 1.5, truncate: float = 3.5) -> torch.Tensor:
    """scipy.ndimage's Gaussian (radius int(truncate * sigma + 0.5)), as skimage's SSIM uses."""
    r = int(truncate * sigma + 0.5)
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * x * x / sigma**2)
    return torch.from_numpy((k / k.sum()).astype(np.float32))


_SSIM_KERNEL = _gaussian_kernel()


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003) colourfulness: 0 for grey, ~50-100 for vivid photos.

    .. math:: M = \\sqrt{\\sigma_{rg}^2 + \\sigma_{yb}^2} + 0.3 \\sqrt{\\mu_{rg}^2 + \\mu_{yb}^2}

    with rg = R - G and yb = (R + G) / 2 - B on the 0-255 scale.
    """
    x = at_eval_size(rgb).astype(np.float64)
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def compare(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """PSNR, SSIM and colourfulness of a prediction, with the truth's colourfulness."""
    pred, truth = at_eval_size(pred), at_eval_size(truth)  # once, not once per metric
    return {"psnr": psnr(pred, truth), "ssim": ssim(pred, truth),
            "colourfulness": colourfulness(pred), "colourfulness_truth": colourfulness(truth)}
