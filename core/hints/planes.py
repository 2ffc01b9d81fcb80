"""Colour hints: a student's clicks become extra input channels of the U-Net.

Colorization is ill-posed (a grey T-shirt may have been red or blue); a few colour hints
from the user remove most of the doubt. Following Zhang et al. (2017), "Real-Time
User-Guided Image Colorization with Learned Deep Priors" (ideepcolor), the U-Net receives,
beside the grey image, planes that describe the hints at the working size:

==========  =====================================================================
channel     content
==========  =====================================================================
hint a, b   the hint's chroma a / 110, b / 110 where a hint was given, 0 elsewhere
mask        1 where a hint was given, 0 elsewhere
fill a, b   every pixel takes the chroma of a hint: its nearest (a Voronoi fill) or, for
            a model trained or shipped with ``hint_fill: "edges"``, the hint whose region
            it falls in when the grey image is cut along its edges (a watershed)
distance    the distance to the nearest hint, in short sides (clipped to 1)
==========  =====================================================================

The last three are derived from the first three: they spare the network the work of
spreading the colour, so it only has to learn *where the colour must stop* (at edges,
which the skip connections carry). Without any hint the planes are all zero except the
distance (1 everywhere), and a model whose hint weights are zero is exactly the automatic
colorizer it was initialised from.

The edge-aware fill is a compact watershed (scikit-image) of the grey image's gradient,
seeded at the hints: each region grows from one hint until it meets another at the
strongest edge between them, so the fill already stops at edges and the network only has
to refine it. The compactness keeps regions from leaking far along weak edges.

Training simulates hints as ideepcolor does: the number of hints is drawn from a geometric
law (p = 1/8), a share of samples gets none, locations are uniform, each hint is the mean
chroma of a square patch of 1 to 9 px of the true photo.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from skimage.color import rgb2lab
from skimage.filters import sobel
from skimage.segmentation import watershed

from core.color import AB_SCALE

#: Planes added to the grey input: hint a, hint b, mask, fill a, fill b, distance.
HINT_CHANNELS = 6
#: Planes a hint model may also take (weights metadata ``hint_auto``): the automatic
#: colorizer's (a, b) as its screen shows them, so the network need not guess again what the
#: automatic model already knows and can keep it wherever the hints say nothing.
AUTO_CHANNELS = 2
#: All the input planes of such a model: grey, the hint planes, the automatic answer.
AUTO_INPUT_CHANNELS = 1 + HINT_CHANNELS + AUTO_CHANNELS
#: ideepcolor's law for the number of simulated hints: geometric with p = 1/8.
GEOMETRIC_P = 1 / 8
#: Share of simulated samples with no hint at all (the model must still colorize alone).
NO_HINT_SHARE = 0.2
#: Cap on simulated hints per sample (geometric draws have a long tail).
MAX_SIMULATED = 64
#: Simulated hint patches: square of side 1 to 9 px.
MAX_PATCH = 9
#: How the fill planes spread the hints: "nearest" (Voronoi) or "edges" (watershed).
FILLS = ("nearest", "edges")
#: Compactness of the edge-aware fill's watershed at a working short side of 96 px, chosen
#: on training photos (0.002 to 0.005 gave the same PSNR; 0 lets colour leak, 0.01 is
#: almost Voronoi). Scaled by 96 / short side: an edge's gradient does not change with the
#: working size, the distances in pixels grow with it.
EDGE_COMPACTNESS = 0.003

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class Hint:
    """A colour hint: the pixel (x, y) of the photo (origin top-left) should be ``rgb``.

    Only the chroma (a, b) of ``rgb`` is used: the lightness always comes from the grey
    photo, so a light and a dark red give the same hint.
    """

    x: float
    y: float
    rgb: tuple[int, int, int]

    @classmethod
    def from_hex(cls, x: float, y: float, colour: str) -> Hint:
        """A hint from a ``#rrggbb`` colour; raises ValueError for another format."""
        m = _HEX.match(colour.strip()) if isinstance(colour, str) else None
        if m is None:
            raise ValueError(f"not a #rrggbb colour: {colour!r}")
        h = m.group(1)
        return cls(float(x), float(y), (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)))

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    def unit_ab(self) -> tuple[float, float]:
        """The hint's chroma in the course's units: (a / 110, b / 110)."""
        lab = rgb2lab(np.asarray(self.rgb, dtype=np.float64).reshape(1, 1, 3) / 255.0)[0, 0]
        return float(lab[1] / AB_SCALE), float(lab[2] / AB_SCALE)


def edge_regions(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """For every pixel, the index of the hint whose region it falls in, the regions cut
    along the grey image's edges (a compact watershed of its Sobel gradient).

    Parameters
    ----------
    gray : (h, w) grey image in [0, 1] at the working size.
    rows, cols : (K,) integer pixel positions of the hints, K >= 1.

    Returns
    -------
    (h, w) int array of hint indices in [0, K).
    """
    h, w = gray.shape
    markers = np.zeros((h, w), np.int32)
    # reversed: where two hints share a pixel the first wins, as in the Voronoi fill
    markers[rows[::-1], cols[::-1]] = np.arange(len(rows), 0, -1, dtype=np.int32)
    compactness = EDGE_COMPACTNESS * 96.0 / max(1, min(h, w))
    labels = watershed(sobel(np.asarray(gray, np.float64)), markers, compactness=compactness)
    return labels.astype(np.int64) - 1


def scale_hints(hints: Sequence[Hint], src: tuple[int, int], dst: tuple[int, int]
                ) -> tuple[Hint, ...]:
    """Hints placed on an (h, w) image moved to the same points of an (H, W) one.

    Pixel centres map to pixel centres: x' = (x + 0.5) * W / w - 0.5 (same for y).
    """
    (h, w), (H, W) = src, dst
    if (h, w) == (H, W):
        return tuple(hints)
    return tuple(Hint((p.x + 0.5) * W / w - 0.5, (p.y + 0.5) * H / h - 0.5, p.rgb)
                 for p in hints)


def hint_planes(points: Sequence[torch.Tensor], colours: Sequence[torch.Tensor],
                shape: tuple[int, int], patches: Sequence[torch.Tensor] | None = None,
                grays: torch.Tensor | None = None) -> torch.Tensor:
    """The six hint planes of a batch, from each sample's hint points.

    Parameters
    ----------
    points : one (K, 2) float tensor per sample: (row, column) of each hint's centre in
        working pixels (K may be 0).
    colours : one (K, 2) tensor per sample: each hint's (a, b) / 110.
    shape : (h, w), the working size.
    patches : one (K,) int tensor per sample: side of the square each hint covers in the
        sparse planes (default 1: one pixel).
    grays : (N, 1, h, w) or (N, h, w) grey images in [0, 1]: the fill follows their edges
        (:func:`edge_regions`); None gives the nearest-hint (Voronoi) fill.

    Returns
    -------
    (N, 6, h, w) float32: hint a, hint b, mask, fill a, fill b, distance (see the module).
    """
    h, w = shape
    out = torch.zeros(len(points), HINT_CHANNELS, h, w)
    out[:, 5] = 1.0
    rows = torch.arange(h, dtype=torch.float32)
    cols = torch.arange(w, dtype=torch.float32)
    grid = torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1).reshape(-1, 2)
    for n, (pts, ab) in enumerate(zip(points, colours, strict=True)):
        if len(pts) == 0:
            continue
        pts = pts.float()
        ab = ab.float()
        r = pts[:, 0].round().long().clamp(0, h - 1)
        c = pts[:, 1].round().long().clamp(0, w - 1)
        sizes = patches[n] if patches is not None else torch.ones(len(pts), dtype=torch.long)
        for k in range(len(pts)):
            half = int(sizes[k]) // 2
            r0, r1 = max(0, int(r[k]) - half), min(h, int(r[k]) - half + int(sizes[k]))
            c0, c1 = max(0, int(c[k]) - half), min(w, int(c[k]) - half + int(sizes[k]))
            out[n, 0:2, r0:r1, c0:c1] = ab[k].view(2, 1, 1)
            out[n, 2, r0:r1, c0:c1] = 1.0
        d = torch.cdist(grid, torch.stack([r, c], dim=1).float())  # (h*w, K)
        dist, nearest = d.min(dim=1)
        if grays is not None:
            nearest = torch.from_numpy(edge_regions(grays[n].reshape(h, w).cpu().numpy(),
                                                    r.numpy(), c.numpy())).reshape(-1)
        out[n, 3:5] = ab[nearest].T.reshape(2, h, w)
        out[n, 5] = (dist / min(h, w)).clamp(max=1.0).reshape(h, w)
    return out


def hint_input(hints: Sequence[Hint], full_shape: tuple[int, int],
               work_shape: tuple[int, int], gray: np.ndarray | None = None) -> torch.Tensor:
    """The hint planes of one photo, (1, 6, h, w): the user's hints at the working size.

    ``full_shape`` is the (H, W) of the photo the hints' pixel coordinates refer to; each
    hint lands on the nearest working pixel. ``gray``: the (h, w) grey image at the working
    size for the edge-aware fill; None for the nearest-hint fill.
    """
    (H, W), (h, w) = full_shape, work_shape
    pts = torch.tensor([[(hn.y + 0.5) * h / H - 0.5, (hn.x + 0.5) * w / W - 0.5]
                        for hn in hints], dtype=torch.float32).reshape(-1, 2)
    ab = torch.tensor([hn.unit_ab() for hn in hints], dtype=torch.float32).reshape(-1, 2)
    grays = None if gray is None else torch.as_tensor(np.asarray(gray, np.float32))[None]
    return hint_planes([pts], [ab], (h, w), grays=grays)


def automatic_answer(auto, gray: torch.Tensor, cut_skips: bool = False
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """The automatic colorizer's answer on a batch: (bounded output, the course's Lab units).

    auto : the automatic :class:`core.unet.UNet` (grey input only).
    gray : (N, 1, h, w) grey in [0, 1] at the working size, on ``auto``'s device.
    Returns two (N, C, h, w) tensors without gradient; the Lab is not yet multiplied by the
    model's chroma gain.
    """
    from core.colorizer import to_unit_lab  # core.colorizer imports this module

    with torch.no_grad():
        bounded = auto(gray, cut_skips=cut_skips)[..., :gray.shape[-2], :gray.shape[-1]]
        return bounded, to_unit_lab(auto.config.output, bounded, gray)


def automatic_planes(unit: torch.Tensor, chroma_gain: float = 1.0) -> torch.Tensor:
    """The two planes a hint model with ``hint_auto`` also takes: the automatic answer's
    (a, b) as its screen shows them, ``unit[:, 1:3] * chroma_gain`` (N, 2, h, w) float32.

    ``unit`` is the automatic model's answer in the course's Lab units
    (:func:`automatic_answer`), ``chroma_gain`` its weights' calibrated gain.
    """
    return (unit[:, 1:3] * chroma_gain).float()


def simulate_hints(lab: torch.Tensor, generator: torch.Generator,
                   grays: torch.Tensor | None = None, p: float = GEOMETRIC_P,
                   counts: list[int] | None = None) -> torch.Tensor:
    """Hint planes drawn from the true photos of a batch, as in ideepcolor's training.

    lab : (N, 3, h, w) the true photos in the course's Lab units [-1, 1].
    grays : (N, 1, h, w) the grey inputs, for the edge-aware fill (None: nearest hint).
    Returns (N, 6, h, w). The number of hints per sample is 0 with probability
    NO_HINT_SHARE, else geometric (``p``, ideepcolor's 1/8 by default, capped); each hint is the mean chroma of a
    random square patch of 1 to 9 px, at a uniform random location. ``counts``, when given,
    receives each sample's number of hints.
    """
    n, _, h, w = lab.shape
    points, colours, patches = [], [], []
    for i in range(n):
        none = torch.rand(1, generator=generator).item() < NO_HINT_SHARE
        # geometric on {1, 2, ...}: floor(log U / log(1 - p)) + 1
        u = torch.rand(1, generator=generator).clamp_min(1e-12).item()
        k = 0 if none else min(MAX_SIMULATED, int(np.log(u) / np.log(1 - p)) + 1)
        rc = torch.rand(k, 2, generator=generator) * torch.tensor([h, w])
        sizes = torch.randint(1, MAX_PATCH + 1, (k,), generator=generator)
        ab = torch.empty(k, 2)
        for j in range(k):
            half = int(sizes[j]) // 2
            r, c = int(rc[j, 0]), int(rc[j, 1])
            r0, c0 = max(0, r - half), max(0, c - half)
            patch = lab[i, 1:, r0:r - half + int(sizes[j]), c0:c - half + int(sizes[j])]
            ab[j] = patch.reshape(2, -1).mean(dim=1)
        points.append(rc.floor())
        if counts is not None:
            counts.append(k)
        colours.append(ab)
        patches.append(sizes)
    return hint_planes(points, colours, (h, w), patches, grays=grays)


def true_hints(rgb: np.ndarray, n: int, seed: int, patch: int = 5) -> list[Hint]:
    """``n`` hints drawn from a colour photo's own colours (evaluation, "give true hints").

    Uniform random points (seeded), each the mean colour of the ``patch`` x ``patch``
    square around it, at the photo's resolution.
    """
    rng = np.random.default_rng(seed)
    H, W = rgb.shape[:2]
    half = patch // 2
    out = []
    for _ in range(n):
        y, x = int(rng.integers(0, H)), int(rng.integers(0, W))
        sq = rgb[max(0, y - half): y + half + 1, max(0, x - half): x + half + 1, :3]
        mean = np.asarray(sq, dtype=np.float64).reshape(-1, 3).mean(axis=0)
        if rgb.dtype != np.uint8:
            mean = mean * 255.0
        out.append(Hint(float(x), float(y), tuple(int(v) for v in np.clip(np.round(mean), 0, 255))))
    return out


def extend_input_weights(state: dict[str, torch.Tensor], in_channels: int
                         ) -> dict[str, torch.Tensor]:
    """A U-Net's weights for more inputs (``in_channels``): the new ones at zero.

    With zero weights on the new planes the extended model computes exactly what the
    original did: training starts from the automatic colorizer and learns to use hints (or
    from a hint model, and learns to use the automatic answer).
    """
    key = "inc.block.0.weight"
    out = dict(state)
    wt = state[key]
    extra = torch.zeros(wt.shape[0], in_channels - wt.shape[1], *wt.shape[2:], dtype=wt.dtype)
    out[key] = torch.cat([wt, extra], dim=1)
    return out
