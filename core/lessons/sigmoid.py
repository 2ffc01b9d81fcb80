"""The sigmoid screen: the course's bound f(x) = 2 / (1 + e^-x) - 1, the pre-activations of
the model's last layer, saturation, and two tiny trainings with and without the bound."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from PIL import Image

from core.activations import scaled_sigmoid, scaled_sigmoid_derivative, sigmoid
from core.color import ntsc_gray, rgb_to_unit_lab
from core.lessons.network import output_rgb
from core.unet import UNet

#: Derivative under which the scaled sigmoid counts as saturated (its maximum is 0.5).
SATURATION_THRESHOLD = 0.05


# -- the scaled sigmoid ----------------------------------------------------------------------
def sigmoid_curves(lo: float = -8.0, hi: float = 8.0, n: int = 401) -> dict[str, np.ndarray]:
    """The curves of the screen on ``n`` points of [lo, hi].

    Returns x, sigma = 1 / (1 + e^-x), dsigma = sigma (1 - sigma), f = 2 sigma - 1 and
    df = 2 sigma (1 - sigma).
    """
    x = np.linspace(lo, hi, n)
    s = sigmoid(x)
    return {"x": x, "sigma": s, "dsigma": s * (1 - s), "f": scaled_sigmoid(x),
            "df": scaled_sigmoid_derivative(x)}


def sigmoid_point(x: float) -> dict[str, float]:
    """Values at one x: sigma(x), sigma'(x), f(x), f'(x), tanh(x/2) and |2 sigma(x) - 1 - tanh(x/2)|.

    .. math:: 2\\sigma(x) - 1 = \\frac{1 - e^{-x}}{1 + e^{-x}} = \\tanh(x / 2)
    """
    s = float(sigmoid(x))
    f = float(scaled_sigmoid(x))
    th = math.tanh(x / 2.0)
    return {"x": float(x), "sigma": s, "dsigma": s * (1.0 - s), "f": f,
            "df": float(scaled_sigmoid_derivative(x)), "two_sigma_minus_one": 2.0 * s - 1.0,
            "tanh_half": th, "identity_gap": abs((2.0 * s - 1.0) - th)}


def saturation_share(pre: np.ndarray, threshold: float = SATURATION_THRESHOLD) -> float:
    """Share of values where the bound's gradient f'(x) is below ``threshold``.

    f'(x) = (1 - f(x)^2) / 2 < 0.05 means |x| > 2 atanh(sqrt(0.9)) ~ 3.64: there the
    output barely moves when the weights change, learning is slow.
    """
    pre = np.asarray(pre, dtype=np.float64)
    return float((scaled_sigmoid_derivative(pre) < threshold).mean()) if pre.size else 0.0


def saturation_x(threshold: float = SATURATION_THRESHOLD) -> float:
    """|x| beyond which f'(x) < threshold: 2 atanh(sqrt(1 - 2 threshold))."""
    return 2.0 * math.atanh(math.sqrt(1.0 - 2.0 * threshold))


def bound_variants(output: str, pre: np.ndarray, gray: np.ndarray) -> dict[str, np.ndarray]:
    """The same raw output x (C, h, w) post-processed three ways, as RGB uint8.

    ``bounded``: f(x), what the model was built with; ``clipped``: min(max(x, -1), 1);
    ``unbounded``: x used as is (L = 50 (x + 1), a = b = 110 x: out-of-range L and huge a, b
    fall outside the sRGB gamut, which the RGB conversion can only clip: burnt whites,
    blacks and garish colours). ``gray`` (h, w) gives L to an (a, b) model.
    """
    return {
        "bounded": output_rgb(output, scaled_sigmoid(pre), gray),
        "clipped": output_rgb(output, np.clip(pre, -1.0, 1.0), gray),
        "unbounded": output_rgb(output, pre, gray, clip=False),
    }


# -- tiny trainings: with and without the bound ----------------------------------------------
_THREADS_LOCK = threading.Lock()
_single_users = 0
_saved_threads = 1


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread inside the block (restored after, nesting and threads allowed).

    Tiny models gain nothing from several threads, and on a busy 2-core machine the
    threads wait for each other: 40 steps take minutes instead of half a second.
    """
    global _single_users, _saved_threads
    with _THREADS_LOCK:
        if _single_users == 0:
            _saved_threads = torch.get_num_threads()
            torch.set_num_threads(1)
        _single_users += 1
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _single_users -= 1
            if _single_users == 0:
                torch.set_num_threads(_saved_threads)


def bound_training_run(bound: str, steps: int = 40, lr: float = 3.0, size: int = 56,
                       seed: int = 0, image: np.ndarray | None = None) -> dict[str, list]:
    """Train a tiny U-Net (width 8, depth 2) on one photo; returns the loss curve.

    Plain SGD (momentum 0.9) on the squared error in Lab units: with a large learning rate
    the unbounded network's outputs grow without limit (the loss explodes to inf / NaN),
    while the bounded one can never leave [-1, 1], so its error per value stays below 4.

    Returns ``{"loss": [...], "max_abs": [...]}`` per step (NaN once diverged).
    """
    with single_thread():
        return _bound_training_run(bound, steps, lr, size, seed, image)


def _bound_training_run(bound: str, steps: int, lr: float, size: int, seed: int,
                        image: np.ndarray | None) -> dict[str, list]:
    from core.samples import load_sample

    img = load_sample("coffee") if image is None else image
    rgb = np.asarray(Image.fromarray(np.asarray(img, dtype=np.uint8)).resize(
        (size, size), Image.BICUBIC))
    gray = torch.from_numpy(ntsc_gray(rgb))[None, None]
    target = torch.from_numpy(rgb_to_unit_lab(rgb).transpose(2, 0, 1).copy())[None]
    torch.manual_seed(seed)
    model = UNet(width=8, depth=2, bound=bound)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    losses, maxes = [], []
    for _ in range(steps):
        y = model(gray)
        loss = ((y - target) ** 2).mean()
        value = float(loss.detach())
        losses.append(value if math.isfinite(value) else float("nan"))
        m = float(y.detach().abs().max())
        maxes.append(m if math.isfinite(m) else float("nan"))
        if not math.isfinite(value):
            losses += [float("nan")] * (steps - len(losses))
            maxes += [float("nan")] * (steps - len(maxes))
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {"loss": losses, "max_abs": maxes}


def first_divergence(losses: list[float], limit: float = 4.0) -> int | None:
    """First step whose loss is NaN or above ``limit`` (the bounded maximum), else None."""
    for i, v in enumerate(losses):
        if not math.isfinite(v) or v > limit:
            return i
    return None


def bound_runs_from_results(runs: list[dict]) -> list[dict]:
    """The runs of docs/experiments/results.json that compare the bound.

    Looks for a run with ``settings["bound"] == "none"`` and one with the scaled sigmoid
    whose other settings are equal; returns that pair (bounded first). Without an exact
    pair, returns every run that names its bound (at most 4). Malformed entries are skipped.
    """
    ok = [r for r in runs if isinstance(r, dict) and isinstance(r.get("settings"), dict)
          and "bound" in r["settings"] and isinstance(r.get("curve"), list)]

    def rest(r: dict) -> dict:
        return {k: v for k, v in r["settings"].items() if k not in ("bound", "seed")}

    for none in (r for r in ok if r["settings"]["bound"] == "none"):
        for b in (r for r in ok if r["settings"]["bound"] != "none"):
            if rest(b) == rest(none):
                return [b, none]
    return sorted(ok, key=lambda r: r["settings"]["bound"] == "none")[:4]
