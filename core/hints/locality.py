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
the validation split) by::

    python -m core.hints.locality --weights weights/hints --data ../shared/data \\
        --photos 320 --fallback colorizer --margin --out /tmp/grid [--write]

which scores a grid of settings with true hints (as ``core.evaluate --hints``) and picks,
among those meeting the targets (leak >= 0 dB at one hint; at most 5 % of photos below the
automatic model at three, with ``--margin`` by the upper end of the share's 95 % interval),
the best PSNR averaged over 1, 3 and 10 hints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.filters import sobel
from skimage.graph import MCP_Geometric

from core.color import AB_SCALE
from core.hints.correction import HintCorrection, corrected_unit

#: Short side at which ``smooth`` is given (the hint model's working size).
REFERENCE_SIZE = 96


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

    def __post_init__(self):
        if not (self.radius > 0 and self.edge >= 0 and self.smooth >= 0 and self.growth >= 0
                and self.tone >= 0 and self.agree >= 0 and 0 <= self.texture < 1):
            raise ValueError("hint locality needs radius > 0 and edge, smooth, growth, "
                             f"tone, agree >= 0, 0 <= texture < 1: {self}")

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
                   HintCorrection.from_metadata(meta.get("correction")))

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


def blend(auto: np.ndarray, with_hints: np.ndarray, weight: np.ndarray,
          channel_axis: int = -1) -> np.ndarray:
    """``auto + weight * (with_hints - auto)``, ``weight`` (h, w) broadcast over channels."""
    w = np.expand_dims(np.asarray(weight, np.float32), channel_axis)
    return (auto + w * (with_hints - auto)).astype(np.float32)


# -- choosing the settings on training photos ---------------------------------------------
#: The grid of :func:`choose`: radii (short sides), edge costs, blurs (pixels at 96).
RADII = (0.1, 0.15, 0.2, 0.3, 0.5, 0.8)
EDGES = (0.0, 0.3, 1.0, 3.0)
SMOOTHS = (0.0, 1.5)
GROWTHS = (0.0, 0.5, 1.0)
#: Range terms of the grid (grey units; 0: off).
TONES = (0.0,)
#: Agreement terms of the grid (ab units; 0: off).
AGREES = (0.0,)
#: Texture quantiles of the grid (0: off).
TEXTURES = (0.0,)
#: The counts of true hints scored, and the targets of the rule.
COUNTS = (1, 3, 10)
MAX_BELOW = 0.05
MIN_LEAK = 0.0
#: The rule reads "below" by the upper end of its 95 % interval (Wilson score), not its
#: share: the grid picks among many settings on a sample, so the best-looking share is
#: biased low (the shipped gate of 2026-12-02 had 5.0 % on its choice set, 8.2 % on the
#: validation photos).
Z95 = 1.959964


def wilson_upper(k: int, n: int, z: float = Z95) -> float:
    """Upper end of the Wilson score interval of a share k / n (1.0 when n = 0)."""
    if n == 0:
        return 1.0
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(min(1.0, (centre + half) / (1 + z * z / n)))


def _photo_runs(colorizer, truth: np.ndarray, name: str, counts: Sequence[int],
                fallback=None) -> dict:
    """One training photo: the network's answers with and without the hints (no gate),
    what the scores compare against (the network without hints, or the ``fallback``
    automatic model), and the hints' working pixels."""
    from dataclasses import replace

    from core.hints.evaluate import eval_ab, far_from_hints, photo_seed
    from core.hints.planes import true_hints
    from core.metrics import at_eval_size

    all_hints = true_hints(truth, max(counts), seed=photo_seed(name))
    truth_small = at_eval_size(truth)
    true_ab = eval_ab(truth_small, None)
    auto = colorizer.predict(truth)
    auto_unit = auto.unit_lab
    if fallback is not None:
        auto_unit = fallback_unit(fallback, auto.gray_small, colorizer)[1][0].permute(
            1, 2, 0).cpu().numpy()
    photo = {"prediction": replace(auto, hints=()), "auto_unit": auto_unit,
             "truth": truth_small, "true_ab": true_ab, "runs": {}}
    photo["auto_psnr"], photo["auto_ab"] = _rgb_scores(colorizer, photo, auto_unit)
    for n in counts:
        hints = all_hints[:n]
        pred = colorizer.predict(truth, hints=hints)
        rows, cols = hint_pixels(hints, truth.shape[:2], auto.gray_small.shape)
        hints_ab = np.array([h.unit_ab() for h in hints]) * AB_SCALE
        auto_ab = shown_ab(auto_unit, rows, cols, colorizer.chroma_gain)
        photo["runs"][n] = {"unit": pred.unit_lab, "rows": rows, "cols": cols,
                            "hints_ab": hints_ab, "auto_ab": auto_ab,
                            "far": far_from_hints(true_ab, hints_ab)}
    return photo


def _rgb_scores(colorizer, photo: dict, unit: np.ndarray) -> tuple[float, np.ndarray]:
    """PSNR and (a, b) at the metrics' size of the photo rendered from ``unit``."""
    from dataclasses import replace

    from core.hints.evaluate import eval_ab
    from core.metrics import at_eval_size, psnr

    rgb = at_eval_size(colorizer.render(replace(photo["prediction"], unit_lab=unit)).rgb)
    return psnr(rgb, photo["truth"]), eval_ab(rgb, None)


def _score(colorizer, photo: dict, n: int, weight: np.ndarray | None,
           base: np.ndarray | None = None) -> dict:
    """Scores of the network's answer gated by ``weight`` over ``base`` (default: the
    automatic answer; with a correction, the corrected one)."""
    from core.hints.evaluate import error_change, reach

    run = photo["runs"][n]
    base = photo["auto_unit"] if base is None else base
    unit = run["unit"] if weight is None else blend(base, run["unit"], weight)
    p, ab = _rgb_scores(colorizer, photo, unit)
    return {"psnr": p, "below": float(p < photo["auto_psnr"]), "loss": photo["auto_psnr"] - p,
            "reach": reach(ab, photo["auto_ab"]),
            "leak": error_change(ab, photo["auto_ab"], photo["true_ab"], run["far"])}


def choose(colorizer, photos: Sequence[tuple[str, np.ndarray]], counts: Sequence[int] = COUNTS,
           radii: Sequence[float] = RADII, edges: Sequence[float] = EDGES,
           smooths: Sequence[float] = SMOOTHS, growths: Sequence[float] = GROWTHS,
           tones: Sequence[float] = TONES, fallback=None, fallback_name: str = "",
           agrees: Sequence[float] = AGREES, textures: Sequence[float] = TEXTURES,
           margin: bool = False, max_drop: float | None = None, min_patch: float = 0.0,
           corrections: Sequence[HintCorrection | None] = (None,),
           progress: bool = False) -> dict:
    """Score every gate setting (and none) on ``photos`` with true hints; apply the rule.

    Parameters
    ----------
    colorizer : the hint model *without* a gate (its answers are gated here).
    photos : (name, true RGB) pairs: **training** photos. Hints as ``core.evaluate
        --hints`` draws them (seeded by the file name; the first n of the 10).
    counts : numbers of hints scored (1, 3, 10); the targets read the smallest and the
        middle one.
    tones : range terms (grey units, 0: none), see :class:`HintLocality`.
    agrees : agreement terms (ab units, 0: none), see :class:`HintLocality`.
    fallback : the automatic model (a :class:`core.colorizer.Colorizer`) the gate falls back
        to, named ``fallback_name`` in the metadata; None: the hint network without hints.
        "below" and "leak" compare with what the gate falls back to.
    margin : the rule reads "below" by the upper end of its 95 % interval (Wilson) instead
        of the share itself.
    textures : texture quantiles (0: none), see :class:`HintLocality`.
    min_patch : the rule also asks one hint at full strength to colour (gate weight > 0.5)
        at least this share of the photo, median over the photos (``"patch"``): a gate that
        keeps every hint to a few pixels hides the hints, whatever its scores. With a
        correction, a pixel counts where the gate's or the correction's weight is > 0.5.
    corrections : the corrections of the automatic answer tried with every gate
        (:class:`core.hints.correction.HintCorrection`; None: none).
    max_drop : when given, the rule also asks the mean PSNR at the largest count to be at
        most ``max_drop`` dB below the network's without a gate (many hints must keep what
        they bring).

    Returns
    -------
    {"grid": [{"radius", "growth", "edge", "smooth", "tone", "agree", "texture",
    "<n>": {"psnr", "reach", "leak": [mean, lo, hi], "below": share, "below_upper": Wilson
    95 % upper end, "below_01": share of photos more than 0.1 dB below, "patch": median
    share of the photo one hint of a new colour colours}}, ...], "none": the same without a
    gate, "chosen": the rule's setting (or None when no setting meets the targets), "rule":
    in words, "photos": how many}. PSNR, reach and leak as ``core.evaluate --hints``
    computes them.
    The rule: among the settings with a mean leak >= 0 dB at the smallest count and at most
    5 % of photos below the automatic model at the middle one (by the interval's upper end
    with ``margin``), the best PSNR averaged over the counts (a setting good at 10 hints
    only would leave one hint almost without effect).
    """
    from tqdm import tqdm

    from core.hints.evaluate import mean_ci

    data = [_photo_runs(colorizer, truth, name, counts, fallback)
            for name, truth in tqdm(photos, desc="network", disable=not progress)]

    def summary(scores: dict) -> dict:
        out = {}
        for n, v in scores.items():
            below = [s["below"] for s in v]
            out[str(n)] = {"psnr": mean_ci([s["psnr"] for s in v]),
                           "reach": mean_ci([s["reach"] for s in v]),
                           "leak": mean_ci([s["leak"] for s in v]),
                           "below": float(np.mean(below)),
                           "below_upper": wilson_upper(int(np.sum(below)), len(below)),
                           "below_01": float(np.mean([s["loss"] > 0.1 for s in v]))}
            if v and "patch" in v[0]:
                out[str(n)]["patch"] = float(np.median([s["patch"] for s in v]))
        return out

    none = summary({n: [_score(colorizer, ph, n, None) for ph in data] for n in counts})
    settings = [(e, s, x) for e in edges for s in (smooths if e > 0 else smooths[:1])
                for x in (textures if e > 0 else textures[:1])]

    def r_n(r: float, g: float, n: int) -> float:  # the radius with n hints, as a key
        return round(r * n ** g, 9)

    grid = []
    for edge, smooth, texture in tqdm(settings, desc="gates", disable=not progress):
        # (r_n, tone, agree, correction index, n) -> scores: settings with one r_n share work
        scores: dict = {}
        per_hint = any(t > 0 for t in tones) or any(a > 0 for a in agrees)
        for ph in data:
            gray = ph["prediction"].gray_small
            for n in counts:
                run = ph["runs"][n]
                # per-hint distances only when a range or agreement term needs them (K runs)
                d, dg = gate_distances(gray, run["rows"], run["cols"], edge, smooth, per_hint,
                                       texture)
                bases = [(None, 0.0) if c is None else corrected_unit(
                    gray, ph["auto_unit"], run["rows"], run["cols"], run["hints_ab"], c,
                    colorizer.chroma_gain) for c in corrections]
                for rn in sorted({r_n(r, g, n) for r in radii for g in growths}):
                    for tone in tones:
                        wk = hint_weights(d, rn, dg, tone)
                        for ci, (base, moved) in enumerate(bases):
                            # the area a hint of another colour than the automatic one
                            # would take
                            patch = float((np.maximum(strongest(wk), moved) > 0.5).mean())
                            for agree in agrees:
                                w = strongest(wk, agreement(run["hints_ab"], run["auto_ab"],
                                                            agree))
                                scores.setdefault((rn, tone, agree, ci, n), []).append(
                                    {**_score(colorizer, ph, n, w, base), "patch": patch})
        grid += [{"radius": r, "growth": g, "edge": edge, "smooth": smooth, "tone": t,
                  "agree": a, "texture": texture,
                  "correction": None if c is None else c.to_metadata(),
                  **summary({n: scores[(r_n(r, g, n), t, a, ci, n)] for n in counts})}
                 for r in radii for g in growths for t in tones for a in agrees
                 for ci, c in enumerate(corrections)]
    lo, mid, hi = (str(min(counts)), str(sorted(counts)[len(counts) // 2]),
                   str(max(counts)))
    below_key = "below_upper" if margin else "below"
    floor = -np.inf if max_drop is None else none[hi]["psnr"][0] - max_drop
    ok = [g for g in grid if g[lo]["leak"][0] >= MIN_LEAK and g[mid][below_key] <= MAX_BELOW
          and g[hi]["psnr"][0] >= floor and g[lo].get("patch", 1.0) >= min_patch]
    chosen = max(ok, key=lambda g: np.mean([g[str(n)]["psnr"][0] for n in counts])) \
        if ok else None
    against = f"the automatic model ({fallback_name})" if fallback is not None \
        else "the model without hints"
    share = ("the 95 % interval's upper end (Wilson) of the share of photos" if margin
             else "the share of photos")
    keep = "" if max_drop is None else \
        f", PSNR at {hi} hints at most {max_drop:g} dB below the network without a gate"
    if min_patch > 0:
        keep += f", one hint colouring at least {100 * min_patch:g} % of the photo (median)"
    return {"photos": len(data), "counts": list(counts), "none": none, "grid": grid,
            "qualified": len(ok), "margin": margin, "max_drop": max_drop, "min_patch": min_patch,
            "fallback": fallback_name if fallback is not None else "",
            "chosen": None if chosen is None else
            {**{k: chosen[k] for k in KEYS},
             "fallback": fallback_name if fallback is not None else "",
             "correction": chosen["correction"]},
            "rule": f"among settings with mean leak >= {MIN_LEAK:g} dB at {lo} hint(s) and "
                    f"{share} below {against} at {mid} hints <= {100 * MAX_BELOW:g} %{keep}, the "
                    f"best PSNR averaged over {', '.join(map(str, counts))} hints"}


#: The settings' names, in the tables' order.
KEYS = ("radius", "growth", "edge", "smooth", "tone", "agree", "texture")


def choice_markdown(result: dict) -> str:
    """The grid of :func:`choose` as a Markdown table (model card); the chosen row bold."""
    counts = [str(n) for n in result["counts"]]
    head = list(KEYS) + ["correction"] + [f"PSNR {n}" for n in counts] + [f"reach {n}" for n in counts] + \
        [f"leak {n}" for n in counts] + [f"below {n}" for n in counts] + \
        [f"below {counts[len(counts) // 2]}, 95 % upper", f"patch {counts[0]}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]

    def row(label: list[str], g: dict) -> str:
        cells = label + [f"{g[n]['psnr'][0]:.2f}" for n in counts] + \
            [f"{100 * g[n]['reach'][0]:.0f} %" for n in counts] + \
            [f"{g[n]['leak'][0]:+.2f}" for n in counts] + \
            [f"{100 * g[n]['below']:.1f} %" for n in counts] + \
            [f"{100 * g[counts[len(counts) // 2]]['below_upper']:.1f} %",
             f"{100 * g[counts[0]]['patch']:.2f} %" if "patch" in g[counts[0]] else ""]
        return "| " + " | ".join(cells) + " |"

    def correction(c: dict | None) -> str:
        return "" if not c else ", ".join(f"{k} {v:g}" for k, v in c.items() if v)

    lines.append(row(["no gate"] + [""] * len(KEYS), result["none"]))
    chosen = result.get("chosen") or {}
    for g in result["grid"]:
        same = chosen and all(g.get(k, 0.0) == chosen.get(k, 0.0) for k in KEYS) and \
            g.get("correction") == chosen.get("correction")
        mark = "**" if same else ""
        lines.append(row([f"{mark}{g.get(k, 0.0):g}{mark}" for k in KEYS] +
                         [correction(g.get("correction"))], g))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m core.hints.locality``: choose the gate on training photos (module doc)."""
    import argparse
    import json
    import platform
    import sys
    from datetime import datetime, timezone
    from pathlib import Path

    from core.colorizer import Colorizer, configure_threads
    from core.evaluate import clean_json, interleave_sources, validation_items
    from core.images import ImageError, load_image

    p = argparse.ArgumentParser(prog="python -m core.hints.locality",
                                description="Choose a hint model's locality gate on "
                                            "training photos.")
    p.add_argument("--weights", default="weights/hints", help="weights/NAME of a hint model")
    p.add_argument("--data", nargs="+", required=True, help="photo folder(s), as core.train")
    p.add_argument("--photos", type=int, default=240, help="training photos (sources mixed)")
    p.add_argument("--skip", type=int, default=0,
                   help="leave out the first N training photos (a second, fresh sample)")
    p.add_argument("--radii", type=float, nargs="+", default=list(RADII))
    p.add_argument("--edges", type=float, nargs="+", default=list(EDGES))
    p.add_argument("--smooths", type=float, nargs="+", default=list(SMOOTHS))
    p.add_argument("--growths", type=float, nargs="+", default=list(GROWTHS))
    p.add_argument("--tones", type=float, nargs="+", default=list(TONES),
                   help="range terms (grey units; 0: none)")
    p.add_argument("--agrees", type=float, nargs="+", default=list(AGREES),
                   help="agreement terms (ab units; 0: none)")
    p.add_argument("--fallback", default="",
                   help="weights NAME (beside --weights) of the automatic model the gate falls "
                        "back to, e.g. colorizer; default: the hint network without hints")
    p.add_argument("--margin", action="store_true",
                   help="the rule reads 'below' by its 95 %% interval's upper end (Wilson)")
    p.add_argument("--textures", type=float, nargs="+", default=list(TEXTURES),
                   help="texture quantiles in [0, 1) (0: none)")
    p.add_argument("--min-patch", type=float, default=0.0,
                   help="the rule also asks one hint to colour at least this share of the "
                        "photo (median)")
    p.add_argument("--max-drop", type=float, default=None,
                   help="the rule also keeps PSNR at the largest count at most this many dB "
                        "below the network without a gate")
    p.add_argument("--correct-radii", type=float, nargs="+", default=[],
                   help="also try correcting the automatic answer around the hints "
                        "(core.hints.correction) with these radii (short sides); with none "
                        "given, no correction")
    p.add_argument("--correct-edges", type=float, nargs="+", default=[3.0])
    p.add_argument("--correct-textures", type=float, nargs="+", default=[0.8])
    p.add_argument("--correct-tones", type=float, nargs="+", default=[0.0])
    p.add_argument("--correct-colours", type=float, nargs="+", default=[0.0],
                   help="colour terms of the correction (ab units; 0: none)")
    p.add_argument("--correct-agrees", type=float, nargs="+", default=[0.0],
                   help="agreement terms of the correction (ab units; 0: none)")
    p.add_argument("--correct-powers", type=float, nargs="+", default=[2.0],
                   help="exponents of the correction's distance term (2: Gaussian)")
    p.add_argument("--correct-smooth", type=float, default=1.5)
    p.add_argument("--counts", type=int, nargs="+", default=list(COUNTS))
    p.add_argument("--out", default=None, help="writes OUT.json (the grid)")
    p.add_argument("--write", action="store_true",
                   help="store the chosen setting as metadata.hint_locality in the weights' "
                        "JSON (the safetensors are untouched)")
    a = p.parse_args(argv)
    configure_threads()  # one torch thread, as the app server
    colorizer = Colorizer.from_weights(a.weights, device="cpu", hint_locality=None)
    if colorizer.in_channels == 1:
        print(f"error: {a.weights} takes no hints", file=sys.stderr)
        return 2
    items = interleave_sources(validation_items(a.data, split="train"))[a.skip:]
    photos = []
    for path, _source in items:
        if len(photos) == a.photos:
            break
        try:
            photos.append((Path(path).name, load_image(path)))
        except (ImageError, OSError):
            continue
    fallback = None
    if a.fallback:
        fallback = Colorizer.from_weights(Path(a.weights).parent / a.fallback, device="cpu")
    from core.hints.correction import HintCorrection

    corrections = [HintCorrection(r, e, a.correct_smooth, x, t, c, g, q)
                   for r in a.correct_radii for e in a.correct_edges
                   for x in a.correct_textures for t in a.correct_tones
                   for c in a.correct_colours for g in a.correct_agrees
                   for q in a.correct_powers] or [None]
    result = choose(colorizer, photos, a.counts, a.radii, a.edges, a.smooths, a.growths,
                    a.tones, fallback, a.fallback, margin=a.margin, agrees=a.agrees,
                    max_drop=a.max_drop, textures=a.textures, min_patch=a.min_patch,
                    corrections=corrections, progress=True)
    result.update({"weights": str(a.weights), "skip": a.skip,
                   "command": "python -m core.hints.locality " + " ".join(
                       argv if argv is not None else sys.argv[1:]),
                   "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   "machine": platform.platform()})
    print(choice_markdown(result))
    print(f"\nrule: {result['rule']}\nchosen: {result['chosen']}")
    if a.out:
        Path(a.out).with_suffix(".json").write_text(
            json.dumps(clean_json(result), indent=1, allow_nan=False))
    if a.write:
        if result["chosen"] is None:
            print("error: no setting meets the targets; nothing written", file=sys.stderr)
            return 1
        path = Path(a.weights).with_suffix(".json")
        doc = json.loads(path.read_text())
        doc["metadata"]["hint_locality"] = result["chosen"]
        path.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"wrote metadata.hint_locality into {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
