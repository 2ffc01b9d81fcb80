"""How far may a hint's colour reach? An edge-aware (geodesic) gate.

The hint U-Net spreads a hint's colour far too wide: one blue hint in the sky also turns the
mountain and the meadow blue. The gate keeps the network's answer near the hints and falls
back to the automatic prediction everywhere else: the automatic model ``fallback`` (the
shipped gate: ``weights/colorizer``, what the Colorize screen shows and the hints screen
compares with) or, without one, the same network given no hint:

.. math:: out(p) = auto(p) + w(p) \\, (with\\_hints(p) - auto(p)), \\qquad
          w(p) = \\exp\\!\\big(-\\tfrac12 (d(p) / r_n)^2\\big), \\qquad
          r_n = radius \\cdot n^{growth}

where d(p) is the **geodesic distance** from p to the nearest hint: the cost of the cheapest
path from a hint to p, a step costing its length (in short sides of the image) plus ``edge``
times the grey image's gradient magnitude along it (:func:`geodesic_distance`, Dijkstra's
algorithm as ``skimage.graph.MCP_Geometric``, from all hints at once). In a flat area d is
the ordinary distance, so the colour fades in a round patch and never ends on a straight
line; crossing a strong edge costs as much as a long walk, so the colour stays on the side
of the edge where the hint was. ``w = 1`` on a hint, ``w -> 0`` far from every hint: there
the hints change nothing and the photo keeps the automatic colours. With n hints the reach
r_n may grow with n (``growth`` > 0): one hint says little about the rest of the photo,
ten hints say much, and the network's answer with ten hints is better than without them
even far from every hint.

An optional **range term** (``tone``) also lowers each hint's weight where the grey differs
from the grey at that hint, and an optional **agreement term** (``agree``) lowers the weight
of a hint whose colour the automatic model already shows at that point: such a hint tells
the model nothing new, and the hint network's colours around it would only replace the
automatic model's, for better or worse (:class:`HintLocality`).

The numbers (``radius``, ``growth``, ``edge``, ``smooth``: a Gaussian blur of the grey before
its gradient, so that texture such as grass is not a wall; ``tone``) and ``fallback`` live in
the weights' metadata ``"hint_locality"`` and are read by
:meth:`core.colorizer.Colorizer.from_weights`. They are chosen on **training** photos (never
the validation split) by :mod:`core.hints.gate_choice`::

    python -m core.hints.gate_choice --weights weights/hints --data ../shared/data \\
        --photos 320 --fallback colorizer --margin --out /tmp/grid [--write]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.filters import sobel
from skimage.graph import MCP_Geometric

from core.color import AB_SCALE
from core.hints.correction import HintCorrection

#: Short side at which ``smooth`` is given (the hint model's working size).
REFERENCE_SIZE = 96
#: ab units over which :func:`other_weight` rises from 0 to its full share (no seam where the
#: network's colour crosses ``other_ab``).
OTHER_RAMP = 10.0


@dataclass(frozen=True)
class HintLocality:
    """The gate's settings (weights metadata ``"hint_locality"``).

    Attributes
    ----------
    radius : geodesic distance, in short sides of the image, at which the weight of a lone
        hint has fallen to exp(-1/2) = 0.61 (0.14 at twice that distance).
    edge : cost, in short sides, of one pixel step through a grey gradient of magnitude 1
        (Sobel of the grey in [0, 1]); 0 gives the ordinary (Euclidean) distance.
    smooth : sigma of the Gaussian blur of the grey before its gradient, in pixels at a
        short side of :data:`REFERENCE_SIZE` (0: none).
    growth : with n hints the radius is ``radius * n ** growth`` (0: the same for any n).
    tone : range term (0: off). A hint's weight also falls with the difference between the
        grey at p and the grey at the hint (both blurred by ``smooth``): it is multiplied by
        exp(-1/2 (dg / tone)^2), dg in grey units [0, 1]. A pixel of another brightness is
        likely another object, even with no edge in between (a soft shadow, a gradient).
        With several hints w is the largest of the hints' weights.
    agree : agreement term, in ab units (0: off). Each hint's weight is multiplied by
        min(1, |hint's (a, b) - automatic (a, b) at the hint| / agree) (:func:`agreement`):
        a hint of the colour the automatic model already gives there changes nothing, one
        that differs by ``agree`` or more counts fully.
    texture : share of the photo's own gradients treated as texture (0: none). Only the part
        of a gradient above the photo's ``texture`` quantile of gradient magnitude costs
        ``edge``: grass, fabric or hair no longer stop a hint within its object, the photo's
        strongest edges (its objects' outlines) still do. Absolute gradients would make every
        textured photo a maze of walls where a hint colours a few pixels.
    fallback : the automatic model the gate falls back to far from the hints, as a weights
        name beside the hint model's (``"colorizer"``: ``weights/colorizer``, the model of
        the colorize screen, which the hints screen compares with); ``""``: the same hint
        network given no hint.
    correction : what the gate falls back to is first corrected by the hints
        (:mod:`core.hints.correction`): around each hint the automatic colours move by
        the hint's colour minus theirs at the hint; None: no correction.
    other : share of the hint network's answer shown, outside the gate, where that answer
        paints a colour unlike every hint's (0: off; :func:`other_weight`). The network
        reads the hints as news about the whole scene: told that this patch is red, it
        also repaints the objects it sees as *other* than the patch, and there its colours
        beat the automatic model's. Where it paints a hint's colour, it is spreading that
        hint, and the gate and the correction decide instead.
    other_ab : how far, in ab units, the network's colour at a pixel must be from every
        hint's colour for ``other`` to apply (full share :data:`OTHER_RAMP` ab farther).
    """

    radius: float
    edge: float
    smooth: float = 0.0
    growth: float = 0.0
    tone: float = 0.0
    fallback: str = ""
    agree: float = 0.0
    texture: float = 0.0
    correction: HintCorrection | None = None
    other: float = 0.0
    other_ab: float = 25.0

    def __post_init__(self):
        if not (self.radius > 0 and self.edge >= 0 and self.smooth >= 0 and self.growth >= 0
                and self.tone >= 0 and self.agree >= 0 and 0 <= self.texture < 1
                and 0 <= self.other <= 1 and self.other_ab > 0):
            raise ValueError("hint locality needs radius > 0 and edge, smooth, growth, "
                             f"tone, agree >= 0, 0 <= texture < 1, 0 <= other <= 1 and "
                             f"other_ab > 0: {self}")

    def reach(self, n: int) -> float:
        """The radius r_n with ``n`` hints, in short sides."""
        return self.radius * max(1, n) ** self.growth

    @classmethod
    def from_metadata(cls, meta: dict | None) -> HintLocality | None:
        """The settings of a weights' ``"hint_locality"`` entry (None: no gate)."""
        if not meta:
            return None
        if isinstance(meta, HintLocality):
            return meta
        return cls(float(meta["radius"]), float(meta["edge"]), float(meta.get("smooth", 0.0)),
                   float(meta.get("growth", 0.0)), float(meta.get("tone", 0.0)),
                   str(meta.get("fallback") or ""), float(meta.get("agree", 0.0)),
                   float(meta.get("texture", 0.0)),
                   HintCorrection.from_metadata(meta.get("correction")),
                   float(meta.get("other", 0.0)), float(meta.get("other_ab", 25.0)))

    def to_metadata(self) -> dict:
        return asdict(self)


def hint_pixels(hints: Sequence, full_shape: tuple[int, int], work_shape: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the working pixels the hints land on, as in the hint planes.

    Pixel centres map to pixel centres, rounded to the nearest working pixel
    (:func:`core.hints.planes.hint_input`).
    """
    (H, W), (h, w) = full_shape, work_shape
    ys = np.array([(p.y + 0.5) * h / H - 0.5 for p in hints], np.float64)
    xs = np.array([(p.x + 0.5) * w / W - 0.5 for p in hints], np.float64)
    rows = np.clip(np.round(ys), 0, h - 1).astype(np.int64)
    cols = np.clip(np.round(xs), 0, w - 1).astype(np.int64)
    return rows, cols


def smoothed(gray: np.ndarray, smooth: float) -> np.ndarray:
    """The grey blurred by ``smooth`` px at short side :data:`REFERENCE_SIZE` (float64)."""
    g = np.asarray(gray, np.float64)
    if smooth > 0:
        g = gaussian_filter(g, smooth * max(1, min(g.shape)) / REFERENCE_SIZE, mode="nearest")
    return g


def step_cost(gray: np.ndarray, edge: float, smooth: float = 0.0, texture: float = 0.0
              ) -> np.ndarray:
    """(h, w) cost of one pixel step: 1 / short side + ``edge`` x grey gradient magnitude
    (with ``texture`` > 0: only the part above the photo's ``texture`` quantile of it)."""
    g = np.asarray(gray, np.float64)
    short = max(1, min(g.shape))
    if edge == 0:
        return np.full(g.shape, 1.0 / short)
    grad = sobel(smoothed(g, smooth))
    if texture > 0:
        grad = np.maximum(grad - np.quantile(grad, texture), 0.0)
    return 1.0 / short + edge * grad


def geodesic_distance(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray, edge: float,
                      smooth: float = 0.0, texture: float = 0.0) -> np.ndarray:
    """Edge-aware distance from every pixel to the nearest of the given pixels.

    Parameters
    ----------
    gray : (h, w) grey image in [0, 1] (the working-size grey the network saw).
    rows, cols : (K,) integer positions of the hints, K >= 1.
    edge, smooth, texture : see :class:`HintLocality`.

    Returns
    -------
    (h, w) float64, in short sides: 0 on the hints; with ``edge = 0`` the Euclidean distance
    along 8-connected paths (within 8 % of the straight line).
    """
    costs = step_cost(gray, edge, smooth, texture)
    starts = list(zip(np.asarray(rows).tolist(), np.asarray(cols).tolist(), strict=True))
    if not starts:
        raise ValueError("the geodesic distance needs at least one hint")
    dist, _ = MCP_Geometric(costs, fully_connected=True).find_costs(starts)
    # MCP charges half of each end's cost per step: a lone start pixel pays nothing
    return np.asarray(dist, np.float64)


def hint_distances(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray, edge: float,
                   smooth: float = 0.0, texture: float = 0.0) -> np.ndarray:
    """(K, h, w): the geodesic distance from every pixel to each hint on its own.

    The range term needs to know *which* hint a pixel is near; :func:`geodesic_distance`
    (one run from all hints) is their minimum over K.
    """
    costs = step_cost(gray, edge, smooth, texture)
    mcp = MCP_Geometric(costs, fully_connected=True)
    out = np.empty((len(rows),) + costs.shape, np.float64)
    for k, (r, c) in enumerate(zip(np.asarray(rows).tolist(), np.asarray(cols).tolist(),
                                   strict=True)):
        out[k] = mcp.find_costs([(r, c)])[0]
    return out


def tone_distances(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray, smooth: float = 0.0
                   ) -> np.ndarray:
    """(K, h, w): |grey(p) - grey(hint k)|, both blurred by ``smooth`` (the range term)."""
    g = smoothed(gray, smooth)
    return np.abs(g[None] - g[np.asarray(rows), np.asarray(cols)][:, None, None])


def hint_weights(dist: np.ndarray, reach: float, tones: np.ndarray | None = None,
                 tone: float = 0.0) -> np.ndarray:
    """exp(-1/2 (d / reach)^2), times exp(-1/2 (dg / tone)^2) with the range term; the same
    shape as ``dist`` ((h, w), or (K, h, w): each hint's own weight)."""
    expo = (dist / reach) ** 2
    if tone > 0 and tones is not None:
        expo = expo + (tones / tone) ** 2
    return np.exp(-0.5 * expo)


def strongest(weights: np.ndarray, strengths: np.ndarray | None = None) -> np.ndarray:
    """(h, w): per-hint (K, h, w) weights reduced to the largest over the hints, each first
    multiplied by its ``strengths`` (K,) (the agreement term) when given; (h, w) as is."""
    if weights.ndim == 2:
        return weights
    if strengths is not None:
        weights = weights * np.asarray(strengths, np.float64)[:, None, None]
    return weights.max(axis=0)


def gate_weight(dist: np.ndarray, reach: float, tones: np.ndarray | None = None,
                tone: float = 0.0) -> np.ndarray:
    """:func:`hint_weights`, with per-hint (K, h, w) inputs the largest over the hints."""
    return strongest(hint_weights(dist, reach, tones, tone))


def agreement(hints_ab: np.ndarray, auto_ab: np.ndarray, agree: float) -> np.ndarray:
    """(K,) strength of each hint: min(1, |hint (a, b) - automatic (a, b)| / ``agree``).

    Parameters
    ----------
    hints_ab : (K, 2) the hints' (a, b), in ab units.
    auto_ab : (K, 2) the automatic model's (a, b) at the hints' pixels, in ab units, as the
        screen shows them (its chroma gain applied).
    agree : ab distance from which a hint counts fully; 0: every hint counts fully.
    """
    hints_ab = np.asarray(hints_ab, np.float64).reshape(-1, 2)
    if agree <= 0:
        return np.ones(len(hints_ab))
    gap = np.linalg.norm(hints_ab - np.asarray(auto_ab, np.float64).reshape(-1, 2), axis=1)
    return np.clip(gap / agree, 0.0, 1.0)


def shown_ab(auto_unit: np.ndarray, rows: np.ndarray, cols: np.ndarray, chroma_gain: float
             ) -> np.ndarray:
    """(K, 2) what the automatic answer shows at the hints' working pixels, in ab units:
    its unit (a, b) there (``auto_unit`` (h, w, 3), in the hint model's colour scale) times
    110 and the hint model's ``chroma_gain`` (what :func:`agreement` compares)."""
    return np.asarray(auto_unit, np.float64)[rows, cols, 1:] * AB_SCALE * chroma_gain


def gate_distances(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray, edge: float,
                   smooth: float, ranged: bool, texture: float = 0.0
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """What :func:`gate_weight` needs: with a range term (``ranged``), each hint's own
    geodesic and grey distances (K, h, w); without, the distance to the nearest hint (h, w)
    and None: one Dijkstra run from all hints, the same weights as the K runs' largest."""
    if ranged:
        return (hint_distances(gray, rows, cols, edge, smooth, texture),
                tone_distances(gray, rows, cols, smooth))
    return geodesic_distance(gray, rows, cols, edge, smooth, texture), None


def gate(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray, locality: HintLocality,
         strengths: np.ndarray | None = None) -> np.ndarray:
    """(h, w) weight in [0, 1] of the hints' answer: exp(-(d / r_n)^2 / 2), n = len(rows),
    d the distance to the nearest hint; with a range term (``tone`` > 0) each hint's weight
    also falls with the grey difference to that hint, and w is the largest of them. With
    ``strengths`` (K,) (the agreement term, :func:`agreement`), each hint's weight is first
    multiplied by its strength: the hints at full strength share one distance run, each
    weaker one has its own, and a hint of strength 0 costs nothing."""
    reach = locality.reach(len(rows))
    rows, cols = np.asarray(rows), np.asarray(cols)
    ranged = locality.tone > 0
    if strengths is None or np.all(np.asarray(strengths) >= 1):
        d, dg = gate_distances(gray, rows, cols, locality.edge, locality.smooth, ranged,
                               locality.texture)
        return gate_weight(d, reach, dg, locality.tone)
    s = np.asarray(strengths, np.float64)
    w = np.zeros(np.shape(gray), np.float64)
    groups = [np.flatnonzero(s >= 1)] + [np.array([k]) for k in np.flatnonzero((s > 0) & (s < 1))]
    for idx in groups:
        if len(idx):
            d, dg = gate_distances(gray, rows[idx], cols[idx], locality.edge, locality.smooth,
                                   ranged, locality.texture)
            w = np.maximum(w, min(1.0, float(s[idx].min())) * gate_weight(d, reach, dg,
                                                                        locality.tone))
    return w


def fallback_unit(fallback, gray_small: np.ndarray, hint_model, cut_skips: bool = False
                  ) -> tuple:
    """The automatic model's answer on the working-size grey the hint network saw.

    Parameters
    ----------
    fallback : the automatic :class:`core.colorizer.Colorizer` (grey input only).
    gray_small : (h, w) grey in [0, 1] at the hint model's working size.
    hint_model : the hint :class:`core.colorizer.Colorizer` whose rendering will show it.
    cut_skips : as :meth:`core.colorizer.Colorizer.predict`.

    Returns
    -------
    (bounded, unit Lab), (1, 3, h, w) torch tensors on the hint model's device; the (a, b)
    of the unit Lab rescaled by the ratio of the two chroma gains, so that the hint model's
    rendering gives the automatic model's own colours.
    """
    import torch

    from core.hints.planes import automatic_answer

    x = torch.from_numpy(np.ascontiguousarray(gray_small, np.float32))[None, None]
    x = x.to(fallback.device)
    if fallback.device.type == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)
    bounded, unit = automatic_answer(fallback.model, x, cut_skips)
    unit = unit.clone()
    unit[:, 1:] *= fallback.chroma_gain / hint_model.chroma_gain
    return bounded.to(hint_model.device), unit.to(hint_model.device)


def other_weight(network_ab: np.ndarray, hints_ab: np.ndarray, other: float,
                 other_ab: float) -> np.ndarray:
    """(h, w) share of the hint network's answer shown where it paints another colour than
    every hint's (:class:`HintLocality` ``other``):

    .. math:: other \\cdot \\mathrm{clip}\\big((\\min_k |net(p) - hint_k| - other\\_ab) /
              OTHER\\_RAMP, 0, 1\\big)

    Parameters
    ----------
    network_ab : (h, w, 2) the network's (a, b) with the hints, in ab units as shown.
    hints_ab : (K, 2) the hints' (a, b) in ab units.

    >>> other_weight(np.array([[[0.0, 0.0], [0.0, 30.0], [0.0, 60.0]]]),
    ...              np.array([[0.0, 0.0]]), 0.5, 25.0)
    array([[0.  , 0.25, 0.5 ]])
    """
    ab = np.asarray(network_ab, np.float64)
    hints = np.asarray(hints_ab, np.float64).reshape(-1, 2)
    if other <= 0 or not len(hints):
        return np.zeros(ab.shape[:2])
    d = np.hypot(ab[..., None, 0] - hints[:, 0], ab[..., None, 1] - hints[:, 1]).min(axis=-1)
    return other * np.clip((d - other_ab) / OTHER_RAMP, 0.0, 1.0)


def blend(auto: np.ndarray, with_hints: np.ndarray, weight: np.ndarray,
          channel_axis: int = -1) -> np.ndarray:
    """``auto + weight * (with_hints - auto)``, ``weight`` (h, w) broadcast over channels."""
    w = np.expand_dims(np.asarray(weight, np.float32), channel_axis)
    return (auto + w * (with_hints - auto)).astype(np.float32)


if __name__ == "__main__":  # the commands written in the model card: the choice tool
    from core.hints.gate_choice import main

    raise SystemExit(main())
