"""What the teaching screens compute about the network (no Streamlit here).

Four screens use this module, all on the student's photo and a real model:

* the scaled sigmoid: the course's bound :math:`f(x) = 2 / (1 + e^{-x}) - 1`, the
  pre-activations of the model's last layer, saturation, and two tiny trainings with and
  without the bound;
* the U-Net: a drawing of the model's parts from ``model.summary``, feature maps, skip
  connections cut or intact, layer sizes of a classifier vs an auto-encoder;
* the auto-encoder: compression by the bottleneck and interpolation in the latent space;
* upsampling: nearest, bilinear, transposed convolution (and its checkerboard), and a
  small learned upsampler in the spirit of DLSS.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from PIL import Image
from skimage.color import lab2rgb, rgb2lab

from core.activations import scaled_sigmoid, scaled_sigmoid_derivative, sigmoid
from core.color import (
    gray_lightness,
    lab_to_unit,
    ntsc_gray,
    rgb_to_unit_lab,
    to_rgb,
    unit_to_lab,
)
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


def output_to_unit_lab(output: str, y: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """A model output (C, h, w), any kind, as the course's (h, w, 3) Lab in [-1, 1] units.

    ``lab``: as is; ``ab``: L from the grey input; ``rgb``: converted. No clipping here:
    the screens show what unbounded values do.
    """
    y = np.nan_to_num(np.asarray(y, dtype=np.float32).transpose(1, 2, 0), nan=0.0,
                      posinf=1e3, neginf=-1e3)
    if output == "ab":
        L = gray_lightness(gray) / 50.0 - 1.0
        return np.concatenate([L[..., None], y], axis=2).astype(np.float32)
    if output == "rgb":
        return lab_to_unit(rgb2lab(np.clip((y + 1.0) / 2.0, 0.0, 1.0)))
    return y


def unbounded_to_rgb(unit_lab: np.ndarray) -> np.ndarray:
    """Post-processing without any bound: L = 50 (x + 1), a = b = 110 x, then Lab -> RGB.

    Out-of-range L (below 0, above 100) and huge a, b give colours outside the sRGB gamut,
    which the RGB conversion can only clip: burnt whites, blacks and garish colours.
    """
    lab = unit_to_lab(np.clip(np.nan_to_num(unit_lab), -1e3, 1e3)).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "negative Z values" for out-of-gamut colours
        rgb = lab2rgb(lab)
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


def bound_variants(output: str, pre: np.ndarray, gray: np.ndarray) -> dict[str, np.ndarray]:
    """The same raw output x (C, h, w) post-processed three ways, as RGB uint8.

    ``bounded``: f(x), what the model was built with; ``clipped``: min(max(x, -1), 1);
    ``unbounded``: x used as is.
    """
    return {
        "bounded": to_rgb(output_to_unit_lab(output, scaled_sigmoid(pre), gray)),
        "clipped": to_rgb(output_to_unit_lab(output, np.clip(pre, -1.0, 1.0), gray)),
        "unbounded": unbounded_to_rgb(output_to_unit_lab(output, pre, gray)),
    }


def working_gray(rgb: np.ndarray, short_side: int = 256) -> np.ndarray:
    """NTSC grey of a photo with its short side brought down to ``short_side`` (area)."""
    gray = ntsc_gray(rgb)
    h, w = gray.shape
    scale = min(1.0, short_side / min(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if size == (w, h):
        return gray
    return np.array(Image.fromarray(gray).resize(size, Image.BOX), dtype=np.float32)


def square_gray(rgb: np.ndarray, side: int = 192) -> np.ndarray:
    """NTSC grey of the largest centred square of a photo, resized to side x side."""
    gray = ntsc_gray(rgb)
    h, w = gray.shape
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    crop = Image.fromarray(gray[y0:y0 + s, x0:x0 + s])
    return np.array(crop.resize((side, side), Image.BOX), dtype=np.float32)


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


@torch.no_grad()
def feature_maps(model: UNet, gray: np.ndarray, n_channels: int = 16,
                 max_side: int = 64) -> dict:
    """Run the model once on a grey (h, w) image and keep what the screens show.

    Returns a dict with ``maps`` (name -> first ``n_channels`` channels, reduced to
    ``max_side``, cropped to the image, float32), ``std`` (name -> per-channel standard
    deviation over the image, all channels), ``pre`` (the raw output of ``outc``, (C, h, w),
    before the bound) and ``output`` (the bounded output, (C, h, w)).
    """
    was = model.training
    model.eval()
    device = next(model.parameters()).device
    x = torch.from_numpy(np.array(gray, dtype=np.float32))[None, None].to(device)
    h, w = gray.shape
    _, feats = model(x, return_features=True)
    model.train(was)
    ph, pw = feats["inc"].shape[-2:]
    maps, std = {}, {}
    for name, f in feats.items():
        f = f[0].float().cpu()
        # Feature maps are computed on the padded input: crop each to the image's share.
        fh, fw = f.shape[-2:]
        f = f[:, : max(1, math.ceil(h * fh / ph)), : max(1, math.ceil(w * fw / pw))]
        std[name] = f.flatten(1).std(dim=1).numpy()
        maps[name] = reduce_map(f[:n_channels].numpy(), max_side)
    return {"maps": maps, "std": std,
            "pre": feats["outc"][0, :, :h, :w].float().cpu().numpy(),
            "output": feats["bound"][0, :, :h, :w].float().cpu().numpy()}


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


def mosaic_figure(maps: np.ndarray, labels: list[str], height: int = 190) -> go.Figure:
    """Plotly figure of :func:`mosaic` (4 per row), each tile captioned by ``labels``.

    One heatmap instead of one facet per channel: 16 facets cost ~0.3 s per redraw.
    """
    n, h, w = maps.shape
    wrap = 4 if n > 3 else n
    gap = max(1, w // 16)
    row_gap = max(2, round(h * 0.2))  # room for the caption of the tile below
    fig = go.Figure(go.Heatmap(z=mosaic(maps, wrap, gap, row_gap), colorscale="Viridis",
                               zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    notes = [{"x": (i % wrap) * (w + gap) + (w - 1) / 2,
              "y": (i // wrap) * (h + row_gap) - 0.5, "text": labels[i], "showarrow": False,
              "yanchor": "bottom", "font": {"size": 13, "color": "#333"}} for i in range(n)]
    rows = int(np.ceil(n / wrap))
    fig.update_layout(
        annotations=notes, height=60 + height * rows, margin={"l": 0, "r": 0, "t": 22, "b": 0},
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x",
               "constrain": "domain"},
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)")
    return fig


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


# -- U-Net drawing ---------------------------------------------------------------------------
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


# -- auto-encoder ----------------------------------------------------------------------------
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
    return to_rgb(output_to_unit_lab(model.config.output, y, gray))


def top_channels(latent: np.ndarray, k: int = 8) -> list[int]:
    """Indices of the k channels of a (C, h, w) map with the largest spatial variance."""
    v = np.asarray(latent).reshape(latent.shape[0], -1).var(axis=1)
    return [int(i) for i in np.argsort(-v, kind="stable")[:k]]


# -- upsampling ------------------------------------------------------------------------------
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


def psnr_db(pred: np.ndarray, truth: np.ndarray) -> float:
    """PSNR in dB of two same-size images in [0, 1]: 10 log10(1 / MSE) (inf when equal)."""
    mse = float(np.mean((np.clip(pred, 0, 1).astype(np.float64) - truth) ** 2))
    return float("inf") if mse == 0 else 10.0 * math.log10(1.0 / mse)


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
