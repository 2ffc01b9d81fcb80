"""The auto-encoder screen: compression by the bottleneck, and interpolation in the latent
space between two photos (both cropped to a centred square at the model's working size, so
that their codes have one shape)."""

from __future__ import annotations

import numpy as np
import torch

from core.colorizer import Colorizer
from core.lessons.network import output_rgb
from core.unet import UNet


def latent_side(colorizer: Colorizer) -> int:
    """Side of the square both photos are cropped to: the model's working size, rounded to
    a multiple of 2^depth so that the encoder needs no padding (96 for the shipped model)."""
    m = 2 ** colorizer.model.config.depth
    return max(m, round(colorizer.working_size / m) * m)


def compression(summary: list[dict], input_shape: tuple[int, int]) -> dict[str, float]:
    """Sizes around the bottleneck for a grey input of ``input_shape`` (padded as the model).

    Returns input_values (H W), output_values (C H W of the output), latent_values
    (C h w at the bottleneck), ratio = input / latent, output_ratio = output / latent,
    skip_values (every encoder map that reaches the decoder by a skip) and
    skip_ratio = skip / input.
    """
    h, w = input_shape
    latent = next(r for r in summary if r["role"] == "bottleneck")
    out = next(r for r in summary if r["name"] == "bound")
    latent_values = int(np.prod(latent["out_shape"]))
    skip_values = sum(int(np.prod(r["out_shape"])) for r in summary if r["role"] == "encoder")
    output_values = out["out_shape"][0] * h * w
    return {"input_values": h * w, "output_values": output_values,
            "latent_values": latent_values, "latent_shape": tuple(latent["out_shape"]),
            "ratio": h * w / latent_values, "output_ratio": output_values / latent_values,
            "skip_values": skip_values, "skip_ratio": skip_values / (h * w)}


@torch.no_grad()
def encode(model: UNet, gray: np.ndarray) -> list[torch.Tensor]:
    """Encoder features (inc, down1 .. downD) of a grey (h, w) image, h and w multiples of 2^D."""
    model.eval()
    device = next(model.parameters()).device
    x = torch.from_numpy(np.array(gray, dtype=np.float32))[None, None].to(device)
    return [f.cpu() for f in model.encode(x)]


def mix_features(fa: list[torch.Tensor], fb: list[torch.Tensor], t: float,
                 mode: str = "all") -> list[torch.Tensor]:
    """Interpolate two encodings: z = (1 - t) z_A + t z_B.

    ``all``: every level (skips included) is mixed; ``bottleneck``: only the latent code
    is mixed, the skips stay those of photo A.
    """
    if mode not in ("all", "bottleneck"):
        raise ValueError(f"mode must be 'all' or 'bottleneck', got {mode!r}")
    mixed = [(1.0 - t) * a + t * b for a, b in zip(fa, fb, strict=True)]
    if mode == "bottleneck":
        return list(fa[:-1]) + [mixed[-1]]
    return mixed


@torch.no_grad()
def decode_rgb(model: UNet, feats: list[torch.Tensor], gray: np.ndarray) -> np.ndarray:
    """Decoder -> bound -> post-processing: RGB uint8 from encoder features.

    ``gray`` supplies L for a model that predicts only (a, b).
    """
    model.eval()
    device = next(model.parameters()).device
    y = model.bound(model.decode([f.to(device) for f in feats]))[0].float().cpu().numpy()
    return output_rgb(model.config.output, y, gray)


def top_channels(latent: np.ndarray, k: int = 8) -> list[int]:
    """Indices of the k channels of a (C, h, w) map with the largest spatial variance."""
    v = np.asarray(latent).reshape(latent.shape[0], -1).var(axis=1)
    return [int(i) for i in np.argsort(-v, kind="stable")[:k]]
