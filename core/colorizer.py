"""Colorize a photo at full resolution with a U-Net.

The model runs at a working resolution (short side 256 by default: the size it was
trained near, and fast on a CPU); its predicted chroma (a, b) is upsampled to the photo's
full size and recombined with the full-resolution lightness of the input, L* of the grey
pixel (Y, Y, Y). Chroma varies slowly in natural images, lightness carries the detail: the
result is as sharp as the input (DeOldify's and Zhang et al.'s recomposition).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from skimage.color import rgb2lab

from core.color import gray_lightness, lab_to_rgb_clipped, lab_to_unit, ntsc_gray, unit_to_lab
from core.unet import UNet

#: Default working resolution: the short side, in pixels, at which the model runs.
WORKING_SIZE = 256
#: Environment variable that forces the device ("cpu", "cuda", "cuda:1").
DEVICE_ENV = "COLORISATION_DEVICE"
#: The shipped model.
DEFAULT_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "colorizer"


#: Environment variable: torch CPU threads of the app server (default 1).
THREADS_ENV = "COLORISATION_TORCH_THREADS"


def configure_threads(env: dict | None = None) -> int:
    """Set torch's CPU threads for a server shared by a classroom; returns the number set.

    One thread per computation by default: when several students colorize at once, each
    request gets a core, whereas two OpenMP threads per request on a busy 2-core machine
    spin-wait for each other and are several times slower (benchmarks/RESULTS.md).
    ``COLORISATION_TORCH_THREADS`` overrides (e.g. 0 = all cores, for one user).
    """
    env = os.environ if env is None else env
    n = int(env.get(THREADS_ENV, "1") or 1)
    n = n if n > 0 else (os.cpu_count() or 1)
    torch.set_num_threads(n)
    return n


def pick_device(env: dict | None = None) -> torch.device:
    """``cuda`` when available, else ``cpu``; the COLORISATION_DEVICE variable overrides."""
    env = os.environ if env is None else env
    forced = env.get(DEVICE_ENV, "").strip()
    if forced:
        return torch.device(forced)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def device_label(device: torch.device) -> str:
    """Human label: "GPU (NVIDIA H100)" or "CPU (2 threads)"."""
    if device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(device)})"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' if n > 1 else ''})"


def working_shape(h: int, w: int, working_size: int, multiple: int = 1) -> tuple[int, int]:
    """Size at which the model runs: short side = working_size (never upscaled)."""
    scale = min(1.0, working_size / min(h, w))
    return max(1, round(h * scale)), max(1, round(w * scale))


@dataclass
class Colorization:
    """The result of :meth:`Colorizer.colorize`."""

    rgb: np.ndarray  # (H, W, 3) uint8, full resolution
    gray: np.ndarray  # (H, W) float32 in [0, 1], the NTSC input at full resolution
    unit_lab: np.ndarray  # (h, w, 3) float32 in [-1, 1]: the model's output (working size)
    lab: np.ndarray  # (H, W, 3) float32 Lab actually shown (full resolution)
    model_seconds: float  # time inside the model
    total_seconds: float  # pre-processing + model + post-processing
    device: str


class Colorizer:
    """Wraps a model and a device; turns any photo into a full-resolution colorization."""

    def __init__(self, model: UNet, device: str | torch.device | None = None,
                 working_size: int = WORKING_SIZE, chroma_gain: float = 1.0):
        self.device = torch.device(device) if device is not None else pick_device()
        self.model = model.to(self.device).eval()
        if self.device.type == "cpu":
            # NHWC lets oneDNN vectorise the narrow (16-64 channel) convolutions of the
            # U-Net: about 2x faster on CPU, same numbers (to float rounding).
            self.model = self.model.to(memory_format=torch.channels_last)
        self.working_size = working_size
        # A model's calibrated chroma gain (weights metadata "chroma_gain", chosen on training
        # photos): saturation=1 means "as calibrated"; the raw output is chroma_gain=1.
        self.chroma_gain = chroma_gain

    @classmethod
    def from_weights(cls, name: str | Path = DEFAULT_WEIGHTS, **kwargs) -> Colorizer:
        from core.weights import load_model

        model, meta = load_model(name)
        # Post-processing calibrated on training photos and stored with the weights.
        kwargs.setdefault("chroma_gain", float(meta.get("chroma_gain", 1.0)))
        kwargs.setdefault("working_size", int(meta.get("working_size", WORKING_SIZE)))
        return cls(model, **kwargs)

    @property
    def output(self) -> str:
        return self.model.config.output

    @torch.no_grad()
    def predict_unit_lab(self, gray: np.ndarray, cut_skips: bool = False) -> np.ndarray:
        """Run the model on an (h, w) grey image in [0, 1]; returns (h, w, 3) Lab in [-1, 1].

        Whatever the model's output space, the result is the course's: Lab scaled to
        [-1, 1] (an ``ab`` model gets L from the input, an ``rgb`` model is converted).
        """
        x = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32))[None, None]
        x = x.to(self.device)
        if self.device.type == "cpu":
            x = x.contiguous(memory_format=torch.channels_last)
        y = self.model(x, cut_skips=cut_skips)[0].float().cpu().numpy()
        y = np.nan_to_num(y.transpose(1, 2, 0))
        if self.output == "ab":
            L = gray_lightness(gray) / 50.0 - 1.0
            return np.concatenate([L[..., None], y], axis=2).astype(np.float32)
        if self.output == "rgb":
            return lab_to_unit(rgb2lab(np.clip((y + 1.0) / 2.0, 0.0, 1.0)))
        return y.astype(np.float32)

    def colorize(self, image: np.ndarray, working_size: int | None = None,
                 use_model_l: bool = False, saturation: float = 1.0,
                 cut_skips: bool = False, unit_lab: np.ndarray | None = None) -> Colorization:
        """Colorize an RGB (uint8/float) or grey photo; returns a full-resolution result.

        Parameters
        ----------
        image : (H, W, 3) or (H, W). A colour photo is first made grey (NTSC): the model
            never sees its colours.
        working_size : short side at which the model runs (default: ``self.working_size``).
        use_model_l : use the model's own predicted L (the course's 3-channel output,
            upsampled) instead of the input's full-resolution lightness.
        saturation : factor applied to the predicted a, b (1 = as predicted, times the
            model's calibrated ``chroma_gain``).
        cut_skips : zero the U-Net's skip connections (teaching: what do they carry?).
        unit_lab : the ``unit_lab`` of an earlier result for this photo at this working
            size: the model is not run again (a saturation change is post-processing only).
            Ignored when its shape is not the working shape.
        """
        t0 = time.perf_counter()
        gray = ntsc_gray(image)
        H, W = gray.shape
        h, w = working_shape(H, W, working_size or self.working_size)
        if unit_lab is not None and unit_lab.shape == (h, w, 3):
            t1 = time.perf_counter()
            unit = unit_lab
        else:
            small = gray
            if (h, w) != (H, W):
                small = F.interpolate(torch.from_numpy(gray)[None, None], size=(h, w),
                                      mode="area")[0, 0].numpy()
            t1 = time.perf_counter()
            unit = self.predict_unit_lab(small, cut_skips=cut_skips)
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
        t2 = time.perf_counter()
        up = unit
        if (h, w) != (H, W):
            up = F.interpolate(torch.from_numpy(unit.transpose(2, 0, 1).copy())[None],
                               size=(H, W), mode="bilinear", align_corners=False)[0]
            up = up.numpy().transpose(1, 2, 0)
        lab = unit_to_lab(np.clip(up, -1.0, 1.0))
        if not use_model_l:
            lab[..., 0] = gray_lightness(gray)
        lab[..., 1:] *= saturation * self.chroma_gain
        rgb = lab_to_rgb_clipped(lab)
        rgb = np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)
        return Colorization(rgb=rgb, gray=gray, unit_lab=unit, lab=lab,
                            model_seconds=t2 - t1, total_seconds=time.perf_counter() - t0,
                            device=device_label(self.device))
