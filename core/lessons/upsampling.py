"""The upsampling screen: nearest, bilinear, transposed convolution (and its checkerboard),
and a small learned upsampler in the spirit of DLSS."""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from skimage.metrics import peak_signal_noise_ratio

from core.color import ntsc_gray
from core.lessons.unet import feature_maps
from core.unet import UNet


def upsample(img: np.ndarray, factor: int, mode: str) -> np.ndarray:
    """(h, w) or (h, w, C) float image enlarged ``factor`` times: nearest, bilinear, bicubic."""
    a = np.asarray(img, dtype=np.float32)
    t = torch.from_numpy(np.array(a if a.ndim == 3 else a[..., None]))
    t = t.permute(2, 0, 1)[None]
    kw = {} if mode == "nearest" else {"align_corners": False}
    y = F.interpolate(t, scale_factor=factor, mode=mode, **kw)[0].permute(1, 2, 0).numpy()
    return y if a.ndim == 3 else y[..., 0]


def transposed_upsample(img: np.ndarray, kernel: int = 3, stride: int = 2) -> np.ndarray:
    """Transposed convolution with a constant kernel (every weight stride^2 / kernel^2).

    Each input pixel stamps a kernel x kernel square, stride pixels apart. When the kernel
    is not a multiple of the stride the squares overlap unevenly: some output pixels get
    one stamp, some two, some four -> the checkerboard (Odena et al., 2016). The weight
    keeps the mean level: kernel^2 values spread over stride^2 pixels.
    Output size: stride * (h, w) (padding (kernel - stride + 1) // 2 cropped).
    """
    a = torch.from_numpy(np.array(img, dtype=np.float32))[None, None]
    w = torch.full((1, 1, kernel, kernel), stride**2 / kernel**2)
    pad = (kernel - stride + 1) // 2
    y = F.conv_transpose2d(a, w, stride=stride)
    h, wd = a.shape[-2:]
    return y[0, 0, pad:pad + stride * h, pad:pad + stride * wd].numpy()


def overlap_counts(size: int = 8, kernel: int = 3, stride: int = 2) -> np.ndarray:
    """How many input pixels contribute to each output pixel of a transposed convolution.

    With kernel 3 and stride 2: 1, 2 and 4 in a regular pattern; with kernel 2 or 4 and
    stride 2: the same count everywhere (no checkerboard).
    """
    ones = np.ones((size, size), dtype=np.float32)
    return np.rint(transposed_upsample(ones, kernel, stride) * kernel**2 / stride**2)


def downsample(img: np.ndarray, factor: int) -> np.ndarray:
    """Average of factor x factor blocks ("render small"); h and w must be multiples."""
    a = np.asarray(img, dtype=np.float32)
    h, w = a.shape[:2]
    return a.reshape(h // factor, factor, w // factor, factor, *a.shape[2:]).mean(axis=(1, 3))


def upsampler_training_images() -> list[np.ndarray]:
    """Grey textures and scenes of scikit-image that are not among the app's samples."""
    from skimage import data

    imgs = [data.brick(), data.grass(), data.gravel(), data.clock(), data.coins(),
            data.text(), data.page(), data.cell(), data.hubble_deep_field()]
    return [ntsc_gray(a) if a.ndim == 3 else np.asarray(a, np.float32) / 255.0 for a in imgs]


def _patches(small: np.ndarray, kernel: int) -> np.ndarray:
    """Every kernel x kernel neighbourhood of an (h, w) image (edges replicated), plus a 1."""
    t = torch.from_numpy(np.array(small, dtype=np.float32))[None, None]
    p = kernel // 2
    cols = F.unfold(F.pad(t, (p, p, p, p), mode="replicate"), kernel)[0].T.numpy()
    return np.hstack([cols, np.ones((len(cols), 1), dtype=np.float32)])


def fit_learned_upsampler(factor: int, kernel: int = 5, ridge: float = 1e-2,
                          images: list[np.ndarray] | None = None) -> np.ndarray:
    """Learn an upsampling layer from examples (least squares); returns W, (k^2 + 1, f^2).

    The layer is a sub-pixel convolution (Shi et al., 2016; RAISR, Romano et al., 2017
    without its hashing): each small pixel's k x k neighbourhood p predicts the f x f block
    of large pixels it becomes, y = p W. This is a transposed convolution whose weights are
    learnt, as in the U-Net's decoder, but linear and fitted in closed form:

    .. math:: W = (P^T P + \\lambda I)^{-1} P^T Y

    over every (small, large) pair made by block-averaging ``images`` (by default
    :func:`upsampler_training_images`, none of them an app sample). Under a second.
    """
    n = kernel * kernel + 1
    ptp = np.zeros((n, n))
    pty = np.zeros((n, factor * factor))
    for im in images if images is not None else upsampler_training_images():
        big = crop_multiple(np.asarray(im, dtype=np.float32), factor)
        small = downsample(big, factor)
        h, w = small.shape
        p = _patches(small, kernel).astype(np.float64)
        y = big.reshape(h, factor, w, factor).transpose(0, 2, 1, 3).reshape(h * w, -1)
        ptp += p.T @ p
        pty += p.T @ y
    return np.linalg.solve(ptp + ridge * np.eye(n), pty).astype(np.float32)


def learned_upsample(weights: np.ndarray, img: np.ndarray, factor: int) -> np.ndarray:
    """Enlarge an (h, w) or (h, w, C) image in [0, 1] with :func:`fit_learned_upsampler`'s W."""
    a = np.asarray(img, dtype=np.float32)
    chans = a[..., None] if a.ndim == 2 else a
    kernel = int(round(math.sqrt(weights.shape[0] - 1)))
    h, w = chans.shape[:2]
    out = np.empty((h * factor, w * factor, chans.shape[2]), dtype=np.float32)
    for c in range(chans.shape[2]):
        y = _patches(chans[..., c], kernel) @ weights
        out[..., c] = y.reshape(h, w, factor, factor).transpose(0, 2, 1, 3).reshape(
            h * factor, w * factor)
    out = np.clip(out, 0.0, 1.0)
    return out if a.ndim == 3 else out[..., 0]


def crop_multiple(img: np.ndarray, m: int) -> np.ndarray:
    """Crop an image so that its height and width are multiples of m."""
    h, w = img.shape[:2]
    return img[: h - h % m, : w - w % m]


def model_channel(model: UNet, gray: np.ndarray, level: str = "down2") -> np.ndarray:
    """The most active of the first 16 channels of one level of the encoder, in [0, 1].

    ``gray``: the model's input at its working size; ``down2`` is a quarter of it (24 x 24
    for the shipped model's 96): a real feature map small enough for its pixels to show.
    """
    out = feature_maps(model, gray, n_channels=16, max_side=64)
    level = level if level in out["maps"] else list(out["maps"])[1]
    maps = out["maps"][level]
    m = maps[int(np.argmax(out["std"][level][: len(maps)]))]
    lo, hi = float(m.min()), float(m.max())
    return (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)


def super_resolution(rgb: np.ndarray, factor: int, weights: np.ndarray) -> dict:
    """Render small (block average), enlarge back: nearest, bicubic and the learned layer.

    ``weights``: :func:`fit_learned_upsampler`'s for this ``factor``. Returns ``truth`` and
    ``small`` (float images in [0, 1]), ``up`` (method -> enlarged image), ``seconds``
    (method -> time to enlarge) and ``psnr`` (method -> dB against the truth, same size).
    """
    truth = crop_multiple(rgb, 4).astype(np.float32) / 255.0
    small = downsample(truth, factor)
    out, secs = {}, {}
    for mode in ("nearest", "bicubic", "learned"):
        t0 = time.perf_counter()
        img = learned_upsample(weights, small, factor) if mode == "learned" \
            else np.clip(upsample(small, factor, mode), 0, 1)
        secs[mode] = time.perf_counter() - t0
        out[mode] = img
    return {"truth": truth, "small": small, "up": out, "seconds": secs,
            "psnr": {k: float(peak_signal_noise_ratio(truth, v, data_range=1.0))
                     for k, v in out.items()}}
