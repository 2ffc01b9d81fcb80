"""The U-Net screen: the model's parts drawn as a U, its feature maps on the student's photo,
skip connections cut or intact, layer sizes of a classifier vs an auto-encoder."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from core.colorizer import Colorizer
from core.lessons.network import forward
from core.metrics import psnr
from core.unet import UNet


def reduce_map(m: np.ndarray, max_side: int) -> np.ndarray:
    """(..., h, w) maps averaged down (area) so the long side is at most max_side."""
    h, w = m.shape[-2:]
    if max(h, w) <= max_side:
        return np.asarray(m, dtype=np.float32)
    scale = max_side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    t = torch.from_numpy(np.ascontiguousarray(m, dtype=np.float32))
    lead = t.shape[:-2]
    t = F.interpolate(t.reshape(1, -1, h, w), size=size, mode="area")
    return t.reshape(*lead, *size).numpy()


def feature_maps(model: UNet, gray: np.ndarray, n_channels: int = 16,
                 max_side: int = 64) -> dict:
    """Run the model once on a grey (h, w) image and keep what the screens show.

    ``gray``: the model's input at its working size (``Colorizer.predict(...).gray_small``).
    Returns a dict with ``maps`` (name -> first ``n_channels`` channels, reduced to
    ``max_side``, cropped to the image, float32), ``std`` (name -> per-channel standard
    deviation over the image, all channels), ``pre`` (the raw output of ``outc``, (C, h, w),
    before the bound) and ``output`` (the bounded output, (C, h, w)).
    """
    feats, h, w = forward(model, gray)
    ph, pw = feats["inc"].shape[-2:]
    maps, std = {}, {}
    for name, f in feats.items():
        f = f[0]
        # Feature maps are computed on the padded input: crop each to the image's share.
        fh, fw = f.shape[-2:]
        f = f[:, : max(1, math.ceil(h * fh / ph)), : max(1, math.ceil(w * fw / pw))]
        std[name] = f.flatten(1).std(dim=1).numpy()
        maps[name] = reduce_map(f[:n_channels].numpy(), max_side)
    return {"maps": maps, "std": std, "pre": feats["outc"][0, :, :h, :w].numpy(),
            "output": feats["bound"][0, :, :h, :w].numpy()}


def normalise_channels(maps: np.ndarray) -> np.ndarray:
    """Each channel of (C, h, w) stretched to [0, 1] (a flat channel becomes 0)."""
    m = np.asarray(maps, dtype=np.float32)
    lo = m.min(axis=(-2, -1), keepdims=True)
    span = m.max(axis=(-2, -1), keepdims=True) - lo
    return np.where(span > 1e-12, (m - lo) / np.where(span > 1e-12, span, 1.0), 0.0)


def mosaic(maps: np.ndarray, wrap: int, gap: int = 2, row_gap: int | None = None) -> np.ndarray:
    """Channels (n, h, w), each stretched to [0, 1], tiled ``wrap`` per row with NaN gaps.

    ``gap`` separates columns, ``row_gap`` (default ``gap``) rows: room for captions.
    """
    n, h, w = maps.shape
    rg = gap if row_gap is None else row_gap
    rows = int(np.ceil(n / wrap))
    out = np.full((rows * (h + rg) - rg, wrap * (w + gap) - gap), np.nan, np.float32)
    for i, m in enumerate(normalise_channels(maps)):
        r, c = divmod(i, wrap)
        out[r * (h + rg):r * (h + rg) + h, c * (w + gap):c * (w + gap) + w] = m
    return out


def unet_layout(summary: list[dict], gap: float = 1.25, level_step: float = 1.7) -> list[dict]:
    """Rectangles for the U shape, one per part of ``model.summary``.

    A part at level k (spatial size H / 2^k) is drawn at y = -k * level_step, the encoder
    going down to the bottleneck, the decoder coming back up; height grows with the spatial
    size (sqrt), width with the channels (sqrt). Returns the summary rows with x0, x1, y0,
    y1, cx, cy, level added.
    """
    hmax = max(r["out_shape"][1] for r in summary)
    cmax = max(r["out_shape"][0] for r in summary)
    out = []
    for i, r in enumerate(summary):
        c, h, _ = r["out_shape"]
        level = round(math.log2(hmax / h)) if h else 0
        height = 0.3 + 1.1 * math.sqrt(h / hmax)
        width = 0.25 + 0.75 * math.sqrt(c / cmax)
        cx = i * gap
        cy = -level * level_step
        out.append({**r, "level": level, "cx": cx, "cy": cy, "x0": cx - width / 2,
                    "x1": cx + width / 2, "y0": cy - height / 2, "y1": cy + height / 2})
    return out


def skip_pairs(summary: list[dict]) -> list[tuple[str, str]]:
    """(encoder part, decoder part) joined by a skip connection: same spatial size.

    The encoder part at level k (inc at 0, down_k) feeds the decoder part up_{D-k}.
    """
    enc = [r["name"] for r in summary if r["role"] == "encoder"]
    dec = [r["name"] for r in summary if r["role"] == "decoder"]
    return list(zip(enc, reversed(dec), strict=False))


def detail_energy(gray: np.ndarray) -> float:
    """Mean absolute Laplacian of an image in [0, 1]: high when the image is sharp.

    .. math:: E = \\mathrm{mean}\\,|4 g_{i,j} - g_{i-1,j} - g_{i+1,j} - g_{i,j-1} - g_{i,j+1}|
    """
    g = np.asarray(gray, dtype=np.float64)
    lap = 4 * g[1:-1, 1:-1] - g[:-2, 1:-1] - g[2:, 1:-1] - g[1:-1, :-2] - g[1:-1, 2:]
    return float(np.abs(lap).mean()) if lap.size else 0.0


#: A dense MNIST classifier of the kind seen earlier in the course (28 x 28 -> 10).
MNIST_CLASSIFIER = (("input 28×28", 784), ("dense", 128), ("dense", 64), ("output", 10))
#: The auto-encoder with the same encoder, mirrored back to 28 x 28.
MNIST_AUTOENCODER = (("input 28×28", 784), ("dense", 128), ("dense", 64), ("latent", 10),
                     ("dense", 64), ("dense", 128), ("output 28×28", 784))


def unet_sizes(summary: list[dict], input_shape: tuple[int, int]) -> list[tuple[str, int]]:
    """(name, number of values) from the grey input through every part of the U-Net."""
    h, w = input_shape
    return [("input", h * w)] + [(r["name"], int(np.prod(r["out_shape"]))) for r in summary]


def skips_effect(colorizer: Colorizer, rgb: np.ndarray) -> dict[bool, dict]:
    """The photo colorized with the skip connections intact (False) and cut (True).

    For each: ``rgb`` (the model's own L, so that lost detail shows), ``detail`` (the
    :func:`detail_energy` of that L) and ``psnr`` against the photo (dB).
    """
    out = {}
    for cut in (False, True):
        r = colorizer.colorize(rgb, use_model_l=True, cut_skips=cut)
        out[cut] = {"rgb": r.rgb, "detail": detail_energy(r.lab[..., 0] / 100.0),
                    "psnr": psnr(r.rgb, rgb)}
    return out
