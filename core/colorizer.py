"""The one inference path: a photo becomes model input, model output becomes Lab and RGB.

    prediction = colorizer.predict(photo)             # NTSC grey -> working size -> U-Net
    result = colorizer.render(prediction, saturation=1.2)   # -> full-resolution Lab -> RGB

:meth:`Colorizer.predict` runs the model at a working resolution (the short side calibrated
with the weights, ``working_size`` in their JSON) and keeps everything a screen may show: the
full-resolution grey, the working-size grey, the raw pre-activations, the bounded output and
the course's Lab in [-1, 1]. :meth:`Colorizer.render` is post-processing only (a saturation
or lightness change never runs the model again): the predicted chroma (a, b) is upsampled to
the photo's full size and recombined with the full-resolution lightness of the input, L* of
the grey pixel (Y, Y, Y). Chroma varies slowly in natural images, lightness carries the
detail: the result is as sharp as the input (DeOldify's and Zhang et al.'s recomposition).
Post-processing runs in torch on the model's device (:func:`core.color.lab_to_rgb_torch`,
tested against scikit-image).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from core.color import (
    gray_lightness_torch,
    lab_to_rgb_torch,
    lab_to_unit_torch,
    ntsc_gray,
    rgb_to_lab_torch,
    unit_to_lab_torch,
)
from core.unet import UNet

#: Working resolution of weights without a calibrated one: the short side, in pixels.
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


def working_shape(h: int, w: int, working_size: int) -> tuple[int, int]:
    """Size at which the model runs: short side = working_size (never upscaled)."""
    scale = min(1.0, working_size / min(h, w))
    return max(1, round(h * scale)), max(1, round(w * scale))


def to_unit_lab(output: str, y: torch.Tensor, gray: torch.Tensor) -> torch.Tensor:
    """A model's output (N, C, h, w), any output space, as the course's Lab in [-1, 1] units.

    ``lab``: as is; ``ab``: L from the grey input (N, 1, h, w) in [0, 1]; ``rgb``: converted
    (its [-1, 1] values read as RGB in [0, 1]). No clipping of ``lab`` / ``ab`` values: the
    sigmoid screen shows what unbounded values do. NaN becomes 0.
    """
    y = torch.nan_to_num(y.float(), nan=0.0, posinf=1e3, neginf=-1e3)
    if output == "ab":
        return torch.cat([gray_lightness_torch(gray.to(y)), y], dim=1)
    if output == "rgb":
        return lab_to_unit_torch(rgb_to_lab_torch(((y + 1.0) / 2.0).clamp(0.0, 1.0)))
    return y


def unit_lab_to_rgb(unit: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Course Lab in [-1, 1] units (N, 3, H, W) -> RGB uint8 (N, H, W, 3), on the same device.

    ``clip``: values are first brought into [-1, 1] (what the bound guarantees); without
    it, out-of-range values become Lab colours far outside the sRGB gamut, which the
    conversion can only clip (burnt whites, garish colours: the sigmoid screen's lesson).
    """
    unit = torch.nan_to_num(unit.float(), nan=0.0, posinf=1e3, neginf=-1e3)
    unit = unit.clamp(-1.0, 1.0) if clip else unit.clamp(-1e3, 1e3)
    return _to_uint8(lab_to_rgb_torch(unit_to_lab_torch(unit)))


def _to_uint8(rgb: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] (N, 3, H, W) -> uint8 (N, H, W, 3), rounded to nearest."""
    return rgb.mul_(255.0).round_().to(torch.uint8).permute(0, 2, 3, 1).contiguous()


def downscale_gray(gray: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) grey -> ``shape`` by area averaging (the working-size grey of every screen)."""
    if tuple(gray.shape) == tuple(shape):
        return np.asarray(gray, dtype=np.float32)
    g = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32))[None, None]
    return F.interpolate(g, size=shape, mode="area")[0, 0].numpy()


def _lightness(gray: np.ndarray) -> np.ndarray:
    """(H, W) float32 L* in [0, 100] of a grey image in [0, 1] (torch's formula, as trained)."""
    return ((gray_lightness_torch(torch.from_numpy(gray)[None, None]) + 1.0) * 50.0)[0, 0].numpy()


@dataclass(frozen=True, eq=False)
class Prediction:
    """What the model predicted for one photo at one working size (:meth:`Colorizer.predict`).

    Arrays are numpy, read-only by convention; ``pre``/``bounded`` are channel-first as the
    network computes them, images are channel-last.
    """

    gray: np.ndarray  # (H, W) float32 in [0, 1]: the NTSC input at full resolution
    gray_small: np.ndarray  # (h, w) float32 in [0, 1]: what the model saw (working size)
    pre: np.ndarray  # (C, h, w) float32: raw pre-activations (before the bound)
    bounded: np.ndarray  # (C, h, w) float32: the model's output (after the bound)
    unit_lab: np.ndarray  # (h, w, 3) float32: the course's Lab in [-1, 1]
    hints: tuple  # the core.hints.Hint objects given to the model (pixels of the image)
    output: str  # the model's output space: lab | ab | rgb
    working_size: int
    prep_seconds: float  # NTSC grey + downscale
    model_seconds: float  # the network alone (with hints and a locality gate: also the
    # network without hints, when not cached, and the gate)
    device: str
    # (h, w) float32 in [0, 1]: how much of the hints' answer each pixel took (the locality
    # gate, core.hints.locality); None when the hints' answer is used as is (no gate, no hint)
    hint_weight: np.ndarray | None = None
    # (K,) the share of the correction's radius each hint reaches (a hint duller than the
    # automatic colour at its point reaches less, core.hints.correction); None: no correction
    hint_reach: np.ndarray | None = None

    @cached_property
    def lightness(self) -> np.ndarray:
        """(H, W) float32: L* of the input grey at full resolution, the L that
        :meth:`Colorizer.render` shows. Once per prediction: every saturation step renders
        it again (a fifth of a step's CPU at 1280 px)."""
        return _lightness(self.gray)

    @property
    def lab(self) -> np.ndarray:
        """(h, w, 3) Lab at the working size (L in [0, 100], a, b in about [-110, 110])."""
        return unit_to_lab_torch(torch.from_numpy(self.unit_lab).permute(2, 0, 1)).permute(
            1, 2, 0).numpy()


@dataclass(frozen=True, eq=False)
class Colorization:
    """A rendered prediction (:meth:`Colorizer.render`)."""

    rgb: np.ndarray  # (H, W, 3) uint8 (full resolution, or the working size if asked)
    lab: np.ndarray  # (H, W, 3) float32 Lab actually shown
    prediction: Prediction
    saturation: float
    use_model_l: bool
    total_seconds: float  # predict (pre-processing + model) + this post-processing

    @property
    def gray(self) -> np.ndarray:
        return self.prediction.gray

    @property
    def unit_lab(self) -> np.ndarray:
        return self.prediction.unit_lab

    @property
    def model_seconds(self) -> float:
        return self.prediction.model_seconds

    @property
    def device(self) -> str:
        return self.prediction.device


class Colorizer:
    """Wraps a model and a device; turns any photo into a full-resolution colorization."""

    def __init__(self, model: UNet, device: str | torch.device | None = None,
                 working_size: int = WORKING_SIZE, chroma_gain: float = 1.0,
                 hint_fill: str = "nearest", hint_locality=None, hint_fallback=None,
                 hint_auto: Colorizer | None = None):
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
        # A hint model's fill planes: "nearest" (Voronoi) or "edges" (core.hints), as in the
        # weights metadata "hint_fill".
        self.hint_fill = hint_fill
        # A hint model's locality gate (weights metadata "hint_locality", core.hints.locality):
        # the hints' answer fades with the edge-aware distance to the nearest hint, back to
        # the same network's answer without hints. None: the hints' answer as is.
        self.hint_locality = None
        if hint_locality:
            from core.hints.locality import HintLocality

            self.hint_locality = HintLocality.from_metadata(hint_locality)
        # The automatic model the gate falls back to (hint_locality.fallback, loaded by
        # from_weights): None means the same network given no hint.
        self.hint_fallback = hint_fallback if self.hint_locality is not None else None
        # A hint model that also takes the automatic answer (weights metadata "hint_auto",
        # core.hints.planes.AUTO_CHANNELS): the automatic Colorizer that gives it.
        self.hint_auto = hint_auto
        # the automatic model's and the network's answers without hints for the last photos
        # (a screen predicts again on every tap with the same photo): key -> (bounded, unit)
        # at the working size
        self._answers: OrderedDict = OrderedDict()
        self._answers_lock = threading.Lock()
        self.metadata: dict = {}  # the weights' metadata, when loaded by from_weights

    @classmethod
    def from_weights(cls, name: str | Path = DEFAULT_WEIGHTS, **kwargs) -> Colorizer:
        """Load ``name``.safetensors/.json; working size and chroma gain from its metadata."""
        from core.weights import load_model

        model, meta = load_model(name)
        kwargs.setdefault("chroma_gain", float(meta.get("chroma_gain", 1.0)))
        kwargs.setdefault("working_size", int(meta.get("working_size", WORKING_SIZE)))
        kwargs.setdefault("hint_fill", str(meta.get("hint_fill", "nearest")))
        kwargs.setdefault("hint_locality", meta.get("hint_locality"))
        loc = kwargs["hint_locality"]
        fallback = loc.get("fallback") if isinstance(loc, dict) else getattr(loc, "fallback", "")
        auto = meta.get("hint_auto", "")
        if auto and kwargs.get("hint_auto") is None:
            kwargs["hint_auto"] = cls.from_weights(Path(name).parent / auto,
                                                   device=kwargs.get("device"))
        if fallback and kwargs.get("hint_fallback") is None:
            # the same automatic model as the input's: loaded once
            kwargs["hint_fallback"] = (kwargs["hint_auto"] if fallback == auto else
                                       cls.from_weights(Path(name).parent / fallback,
                                                        device=kwargs.get("device")))
        colorizer = cls(model, **kwargs)
        colorizer.metadata = meta
        return colorizer

    @property
    def output(self) -> str:
        return self.model.config.output

    @property
    def in_channels(self) -> int:
        """1: the grey image only; more: grey + colour-hint planes (:mod:`core.hints`)."""
        return int(getattr(self.model.config, "in_channels", 1))

    @property
    def takes_automatic(self) -> bool:
        """True for a hint model that also takes the automatic answer (``hint_auto``)."""
        from core.hints.planes import AUTO_INPUT_CHANNELS

        return self.in_channels == AUTO_INPUT_CHANNELS

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    @torch.no_grad()
    def predict(self, image: np.ndarray, working_size: int | None = None,
                hints: Sequence = (), cut_skips: bool = False) -> Prediction:
        """Run the model on a photo at the working size.

        Parameters
        ----------
        image : (H, W, 3) RGB (uint8 or float in [0, 1]) or (H, W) grey. A colour photo is
            first made grey (NTSC): the model never sees its colours.
        working_size : short side at which the model runs (default: the calibrated one).
        hints : ``core.hints.Hint(x, y, rgb)`` points, x and y in pixels of ``image``
            (origin top-left). Only for a model with colour-hint inputs. With a locality
            gate (``hint_locality``) the result is the network's answer with the hints near
            them and its answer without hints far from them (:mod:`core.hints.locality`);
            ``pre`` stays the network's own pre-activations with the hints.
        cut_skips : zero the U-Net's skip connections (teaching: what do they carry?).

        Raises
        ------
        ValueError : hints given to a model that takes only the grey image.
        """
        hints = tuple(hints)
        if hints and self.in_channels == 1:
            raise ValueError("this model takes no colour hints (its only input is the grey "
                             "image); use a hints model such as weights/hints")
        t0 = time.perf_counter()
        gray = ntsc_gray(image)
        H, W = gray.shape
        h, w = working_shape(H, W, working_size or self.working_size)
        small = downscale_gray(gray, (h, w))
        x = torch.from_numpy(small)[None, None].to(self.device)
        if self.in_channels > 1:
            from core.hints.planes import hint_input  # the hints module is only needed here

            planes = hint_input(hints, full_shape=(H, W), work_shape=(h, w),
                                gray=small if self.hint_fill == "edges" else None)
            parts = [x, planes.to(self.device, torch.float32)]
            if self.takes_automatic:
                parts.append(self._automatic_planes(small, cut_skips))
            x = torch.cat(parts, dim=1)
        if self.device.type == "cpu":
            x = x.contiguous(memory_format=torch.channels_last)
        self._sync()
        t1 = time.perf_counter()
        bounded, feats = self.model(x, return_features=True, cut_skips=cut_skips)
        pre = feats["outc"][..., :h, :w]
        unit = to_unit_lab(self.output, bounded, x[:, :1])
        weight = reach = None
        if self.hint_locality is not None and (hints or self.hint_fallback is not None):
            bounded, unit, weight, reach = self._gate(x, bounded, unit, hints, (H, W), small,
                                                      cut_skips)
        self._sync()
        t2 = time.perf_counter()
        return Prediction(
            gray=gray, gray_small=small,
            pre=pre[0].float().cpu().numpy(), bounded=bounded[0].float().cpu().numpy(),
            unit_lab=unit[0].permute(1, 2, 0).cpu().numpy(), hints=hints, output=self.output,
            working_size=working_size or self.working_size, prep_seconds=t1 - t0,
            model_seconds=t2 - t1, device=device_label(self.device), hint_weight=weight,
            hint_reach=reach)

    #: How many answers without hints a colorizer keeps (:meth:`_cached`).
    NO_HINTS_CACHE = 8

    def forget_answers(self) -> None:
        """Empty the cache of answers without hints (the next tap on a photo computes them
        again, as the first tap does; benchmarks time that first tap)."""
        with self._answers_lock:
            self._answers.clear()

    def _cached(self, tag: object, small: np.ndarray, cut_skips: bool, compute
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``compute()`` for the working-size grey ``small``, cached by the grey's bytes
        (taps on one photo run the automatic model or the network without hints once)."""
        key = (tag, hashlib.blake2b(np.ascontiguousarray(small).tobytes(),
                                    digest_size=16).digest(), small.shape, bool(cut_skips))
        with self._answers_lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
                return hit
        hit = compute()
        with self._answers_lock:
            self._answers[key] = hit
            while len(self._answers) > self.NO_HINTS_CACHE:
                self._answers.popitem(last=False)
        return hit

    def _automatic(self, auto: Colorizer, small: np.ndarray, cut_skips: bool
                   ) -> tuple[torch.Tensor, torch.Tensor]:
        """The automatic model ``auto``'s (bounded, unit Lab) on ``small``, its (a, b) in
        this model's colour scale (:func:`core.hints.locality.fallback_unit`), cached."""
        from core.hints.locality import fallback_unit

        return self._cached(id(auto), small, cut_skips,
                            lambda: fallback_unit(auto, small, self, cut_skips))

    def _automatic_planes(self, small: np.ndarray, cut_skips: bool) -> torch.Tensor:
        """The input planes of the automatic answer (:func:`core.hints.planes.automatic_planes`)."""
        from core.hints.planes import automatic_planes

        if self.hint_auto is None:
            raise ValueError("this hint model also takes the automatic colorizer's answer: "
                             "load it with Colorizer.from_weights (metadata hint_auto)")
        unit = self._automatic(self.hint_auto, small, cut_skips)[1]
        return automatic_planes(unit, self.chroma_gain)  # back to the automatic model's scale

    def _without_hints(self, x: torch.Tensor, small: np.ndarray, cut_skips: bool
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """What the gate falls back to: the automatic model (``hint_fallback``), else the
        network's (bounded, unit Lab) with no hint; cached."""
        if self.hint_fallback is not None:  # the automatic model, in this model's colour scale
            return self._automatic(self.hint_fallback, small, cut_skips)

        def network() -> tuple[torch.Tensor, torch.Tensor]:
            from core.hints.planes import HINT_CHANNELS, hint_input

            empty = hint_input((), small.shape, small.shape).to(self.device, torch.float32)
            # grey, empty hint planes, and the automatic planes if this model takes them
            x0 = torch.cat([x[:, :1], empty, x[:, 1 + HINT_CHANNELS:]], dim=1)
            if self.device.type == "cpu":
                x0 = x0.contiguous(memory_format=torch.channels_last)
            bounded = self.model(x0, cut_skips=cut_skips)
            return bounded, to_unit_lab(self.output, bounded, x0[:, :1])

        return self._cached("network", small, cut_skips, network)

    def _gate(self, x: torch.Tensor, bounded: torch.Tensor, unit: torch.Tensor,
              hints: Sequence, full_shape: tuple[int, int], small: np.ndarray,
              cut_skips: bool
              ) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray | None]:
        """The hints' answer near the hints, the answer without hints far from them:
        ``auto + w (with - auto)`` with w the edge-aware gate of :mod:`core.hints.locality`;
        with a correction (:mod:`core.hints.correction`) ``auto`` is first moved toward the
        hints' colours around them, and the weight returned is the larger of the two (the
        hints' own patches: the ``other`` share, where the network paints another colour
        than every hint's, is blended in but not returned). Last, each hint's share of the
        correction's radius (None without a correction).
        """
        from core.color import AB_SCALE
        from core.hints.correction import corrected_unit, hint_reaches
        from core.hints.locality import agreement, gate, hint_pixels, other_weight, shown_ab

        auto_bounded, auto_unit = self._without_hints(x, small, cut_skips)
        if not hints:  # a fallback model and no hint: the automatic model's answer
            return auto_bounded, auto_unit, np.zeros(small.shape, np.float32), None
        rows, cols = hint_pixels(hints, full_shape, small.shape)
        hints_ab = np.array([h.unit_ab() for h in hints]) * AB_SCALE
        loc = self.hint_locality
        strengths, auto_np, shown, reach = None, None, None, None
        if loc.agree > 0 or loc.correction is not None:  # what the automatic answer shows
            auto_np = auto_unit[0].permute(1, 2, 0).float().cpu().numpy()
            shown = shown_ab(auto_np, rows, cols, self.chroma_gain)  # at the hints
        if loc.agree > 0:
            strengths = agreement(hints_ab, shown, loc.agree)
        weight = gate(small, rows, cols, loc, strengths).astype(np.float32)
        # the hint network's answer as an array, for the terms that read it
        net_np = unit[0].permute(1, 2, 0).float().cpu().numpy() if loc.other > 0 or (
            loc.correction is not None and loc.correction.network > 0) else None
        if loc.correction is not None:
            fixed, moved = corrected_unit(small, auto_np, rows, cols, hints_ab, loc.correction,
                                          self.chroma_gain, net_np)
            fixed_t = torch.from_numpy(fixed).permute(2, 0, 1)[None].to(auto_unit)
            if self.output in ("lab", "ab"):  # bounded outputs that are (L,) a, b themselves
                auto_bounded = fixed_t[:, 3 - auto_bounded.shape[1]:].to(auto_bounded)
            auto_unit = fixed_t
            weight_shown = np.maximum(weight, moved.astype(np.float32))
            reach = hint_reaches(hints_ab, shown, loc.correction)
        else:
            weight_shown = weight
        if loc.other > 0:  # the network's colours where it paints another colour than the hints'
            net_ab = net_np[..., 1:] * (AB_SCALE * self.chroma_gain)
            weight = np.maximum(weight, other_weight(net_ab, hints_ab, loc.other,
                                                     loc.other_ab).astype(np.float32))
        w = torch.from_numpy(weight)[None, None].to(self.device)
        return (auto_bounded + w * (bounded - auto_bounded),
                auto_unit + w * (unit - auto_unit), weight_shown, reach)

    @torch.no_grad()
    def render(self, prediction: Prediction, saturation: float = 1.0, use_model_l: bool = False,
               full_resolution: bool = True) -> Colorization:
        """Post-processing of a prediction: Lab at full resolution, then RGB.

        Parameters
        ----------
        saturation : factor on the predicted a, b (1 = as predicted, times the model's
            calibrated ``chroma_gain``).
        use_model_l : use the model's own L (the course's 3-channel output, upsampled)
            instead of the input's full-resolution lightness.
        full_resolution : False renders at the working size (what the model saw).
        """
        t0 = time.perf_counter()
        p = prediction
        unit = torch.from_numpy(p.unit_lab).permute(2, 0, 1)[None].to(self.device)
        gray = p.gray if full_resolution else p.gray_small
        # Scale and saturate at the working size, then upsample: bilinear interpolation is
        # linear, so this equals doing it at full resolution, on ~30x fewer pixels.
        small = unit_to_lab_torch(unit.clamp(-1.0, 1.0))
        small[:, 1:] *= saturation * self.chroma_gain
        if not use_model_l:
            small = small[:, 1:]  # L comes from the input: only a, b are upsampled
        if tuple(small.shape[-2:]) != gray.shape:
            small = F.interpolate(small, size=gray.shape, mode="bilinear", align_corners=False)
        if use_model_l:
            lab = small
        else:
            light = p.lightness if full_resolution else _lightness(gray)
            lab = torch.cat([torch.from_numpy(light)[None, None].to(self.device), small], dim=1)
        rgb = _to_uint8(lab_to_rgb_torch(lab))[0].cpu().numpy()
        self._sync()
        return Colorization(rgb=rgb, lab=lab[0].permute(1, 2, 0).cpu().numpy(), prediction=p,
                            saturation=saturation, use_model_l=use_model_l,
                            total_seconds=p.prep_seconds + p.model_seconds
                            + time.perf_counter() - t0)

    def colorize(self, image: np.ndarray, working_size: int | None = None,
                 use_model_l: bool = False, saturation: float = 1.0, hints: Sequence = (),
                 cut_skips: bool = False) -> Colorization:
        """``render(predict(image, ...), ...)``: one photo, start to finish (CLIs, evaluation)."""
        return self.render(self.predict(image, working_size, hints, cut_skips),
                           saturation=saturation, use_model_l=use_model_l)
