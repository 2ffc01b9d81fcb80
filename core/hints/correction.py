"""A hint corrects the automatic colours around it, and nothing else.

The locality gate (:mod:`core.hints.locality`) shows the hint network's colours near a hint.
Inside a patch a student can see, those colours are worse than the automatic model's on about
one photo in ten, even with true hints: the network redraws the whole patch. The correction
keeps the automatic answer and only moves it by what the hint says it misses:

.. math:: \\delta_k = hint_k(a, b) - auto(a, b)(p_k), \\qquad
          out(p) = auto(p) + W(p) \\, \\frac{\\sum_k w_k(p) \\, \\delta_k}{\\sum_k w_k(p)},
          \\qquad W(p) = \\max_k w_k(p)

with each hint's weight

.. math:: w_k(p) = \\exp\\!\\Big(-\\tfrac12 \\big[(d_k(p) / (radius \\, s_k))^{power}
          + (\\Delta g_k(p) / tone)^2 + (\\Delta ab_k(p) / colour)^2
          + (\\Delta n_k(p) / network)^2\\big]\\Big)

where d_k is the edge-aware (geodesic) distance to hint k (:func:`core.hints.locality.
hint_distances`), Δg_k the grey difference to the hint (the range term) and Δab_k the
difference between the automatic colours at p and at the hint: the automatic model already
tells objects apart by their colour, so a pixel it paints another colour is likely another
object, even where the grey shows no edge. Δn_k is the same difference in the hint
*network*'s answer with the hints: that network was trained to finish a colouring from a few
hints, and where it paints p another colour than it paints the hint's pixel it has read p as
another object (which the grey often cannot show, nor the automatic colours, which are often
one brown over the whole photo). A term whose scale is 0 is left out.

s_k shortens the reach of a hint that takes colour away: with c_k = |hint_k(a, b)| and
a_k = |auto(a, b)(p_k)| the chromas of the hint and of what is shown there,
s_k = grey + (1 - grey) min(1, c_k / a_k), so a grey hint where the automatic model shows
brown reaches ``grey`` times as far as a hint that adds colour. Why: the automatic model's
colours are more often too faint than too strong (a regression to the mean), so a hint that
adds colour tells about its whole object, while a grey hint mostly tells about a cast on its
own surface; spread as far, it greys the coloured things around it (grass between a grey
dog's legs). ``grey`` = 1 treats both alike.

What follows by construction: on a hint the result is the hint's colour; a hint of the colour
the automatic model already shows there changes nothing (δ = 0); far from every hint, across
a strong edge or on a pixel the automatic model paints another colour, the result is the
automatic answer. The lightness never changes (only a, b move). The settings live in the
weights' metadata ``"hint_locality"`` under ``"correction"`` and are chosen on training photos
with the gate's (``python -m core.hints.locality … --correct-radii …``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from core.color import AB_SCALE


@dataclass(frozen=True)
class HintCorrection:
    """Settings of the correction (weights metadata ``hint_locality.correction``).

    Attributes
    ----------
    radius : geodesic distance, in short sides, at which a lone hint's correction has fallen
        to exp(-1/2) = 0.61 of its value.
    edge, smooth, texture : the geodesic distance's edge cost, blur and texture quantile, as
        :class:`core.hints.locality.HintLocality`.
    tone : grey difference (units of [0, 1]) at which the weight falls to 0.61 (0: off).
    colour : difference of the automatic (a, b), in ab units, at which the weight falls to
        0.61 (0: off).
    power : exponent of the distance term (2: a Gaussian fall-off; 4: flatter near the hint,
        steeper past ``radius``, so the faint tail that reaches other objects is shorter for
        the same visible patch).
    network : difference of the hint network's (a, b) with the hints, in ab units, at which
        the weight falls to 0.61 (0: off).
    grey : share of ``radius`` that a hint of no colour reaches where the automatic model
        shows some (the module's s_k; 1: off).
    agree : ab units (0: off). A hint's correction is multiplied by min(1, |δ_k| / agree)
        (:func:`core.hints.locality.agreement`): a hint within a few ab units of the colour
        already shown says "keep it" (the difference is the hint patch's own noise, and
        spreading it over a patch only adds that noise); farther, it counts fully. The hint
        still holds its region in the weighted mean, so it also keeps other hints' colours
        off its object.
    """

    radius: float
    edge: float = 0.0
    smooth: float = 0.0
    texture: float = 0.0
    tone: float = 0.0
    colour: float = 0.0
    agree: float = 0.0
    power: float = 2.0
    network: float = 0.0
    grey: float = 1.0

    def __post_init__(self):
        if not (self.radius > 0 and self.power > 0 and self.edge >= 0 and self.smooth >= 0
                and self.tone >= 0 and self.colour >= 0 and self.agree >= 0
                and self.network >= 0 and 0 <= self.texture < 1 and 0 < self.grey <= 1):
            raise ValueError("a hint correction needs radius, power > 0, edge, smooth, tone, "
                             f"colour, agree, network >= 0, 0 <= texture < 1 and "
                             f"0 < grey <= 1: {self}")

    @classmethod
    def from_metadata(cls, meta: dict | HintCorrection | None) -> HintCorrection | None:
        """The settings of a ``"correction"`` entry (None: no correction)."""
        if not meta:
            return None
        if isinstance(meta, HintCorrection):
            return meta
        return cls(**{k: float(meta.get(k, 0.0)) for k in
                      ("radius", "edge", "smooth", "texture", "tone", "colour", "agree",
                       "network")},
                   power=float(meta.get("power", 2.0)), grey=float(meta.get("grey", 1.0)))

    def to_metadata(self) -> dict:
        return asdict(self)


def correction_weights(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                       auto_ab: np.ndarray, correction: HintCorrection,
                       network_ab: np.ndarray | None = None,
                       hints_ab: np.ndarray | None = None) -> np.ndarray:
    """(K, h, w): each hint's weight w_k (module doc).

    Parameters
    ----------
    gray : (h, w) working-size grey in [0, 1].
    rows, cols : (K,) the hints' working pixels (:func:`core.hints.locality.hint_pixels`).
    auto_ab : (h, w, 2) the automatic (a, b) the screen shows, in ab units (only read with
        ``colour`` > 0).
    network_ab : (h, w, 2) the hint network's answer with the hints, in ab units (only read
        with ``network`` > 0).
    hints_ab : (K, 2) the hints' (a, b) in ab units (only read with ``grey`` < 1).
    """
    from core.hints.locality import hint_distances, tone_distances

    c = correction
    rows, cols = np.asarray(rows), np.asarray(cols)
    reach = c.radius * hint_reaches(hints_ab, np.asarray(auto_ab, np.float64)[rows, cols], c)
    expo = (hint_distances(gray, rows, cols, c.edge, c.smooth, c.texture)
            / reach[:, None, None]) ** c.power
    if c.tone > 0:
        expo += (tone_distances(gray, rows, cols, c.smooth) / c.tone) ** 2
    for name, scale, ab in (("colour", c.colour, auto_ab), ("network", c.network, network_ab)):
        if scale > 0:
            if ab is None:
                raise ValueError(f"a correction with a {name} term needs the answer it compares")
            ab = np.asarray(ab, np.float64)
            at_hints = ab[rows, cols]  # (K, 2)
            expo += (np.linalg.norm(ab[None] - at_hints[:, None, None], axis=-1) / scale) ** 2
    return np.exp(-0.5 * expo)


def grey_reach(hints_ab: np.ndarray, shown_ab: np.ndarray, grey: float) -> np.ndarray:
    """(K,) the share of the radius each hint reaches: grey + (1 - grey) min(1, c_k / a_k),
    c_k and a_k the chromas of the hint and of the automatic colour shown at it (module doc).

    >>> grey_reach(np.array([[0.0, 0.0], [30.0, 40.0]]), np.array([[0.0, 20.0]] * 2), 0.5)
    array([0.5, 1. ])
    """
    hint_c = np.hypot(*np.asarray(hints_ab, np.float64).reshape(-1, 2).T)
    shown_c = np.hypot(*np.asarray(shown_ab, np.float64).reshape(-1, 2).T)
    ratio = np.minimum(1.0, hint_c / np.maximum(shown_c, 1e-9))
    return grey + (1.0 - grey) * ratio


def hint_reaches(hints_ab: np.ndarray | None, shown_ab: np.ndarray,
                 correction: HintCorrection) -> np.ndarray:
    """(K,) the share of ``correction.radius`` each hint reaches: :func:`grey_reach` with the
    grey term, else 1 for every hint.

    Parameters
    ----------
    hints_ab : (K, 2) the hints' (a, b) (only read with ``grey`` < 1).
    shown_ab : (K, 2) the automatic (a, b) shown at the hints, in the same units.
    """
    shown = np.asarray(shown_ab, np.float64).reshape(-1, 2)
    if correction.grey >= 1:
        return np.ones(len(shown))
    if hints_ab is None:
        raise ValueError("a correction with a grey term needs the hints' colours")
    return grey_reach(hints_ab, shown, correction.grey)


def correction_field(weights: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The shift of (a, b) and its weight W from the hints' weights and corrections.

    Parameters
    ----------
    weights : (K, h, w) the hints' weights w_k (:func:`correction_weights`).
    deltas : (K, 2) each hint's correction δ_k, in any unit (the shift comes in the same).

    Returns
    -------
    shift : (h, w, 2) W · Σ w_k δ_k / Σ w_k (0 where every weight is 0).
    W : (h, w) the largest of the weights.
    """
    w = np.asarray(weights, np.float64)
    d = np.asarray(deltas, np.float64).reshape(-1, 2)
    total = w.sum(axis=0)
    mean = np.tensordot(w, d, axes=(0, 0)) / np.maximum(total, 1e-12)[..., None]
    strongest = w.max(axis=0)
    return mean * strongest[..., None], strongest


def corrected_unit(gray: np.ndarray, auto_unit: np.ndarray, rows: np.ndarray,
                   cols: np.ndarray, hints_ab: np.ndarray, correction: HintCorrection,
                   chroma_gain: float = 1.0, network_unit: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The automatic answer corrected by the hints (module doc).

    Parameters
    ----------
    gray : (h, w) working-size grey in [0, 1].
    auto_unit : (h, w, 3) the automatic answer, course Lab in [-1, 1] units, in the colour
        scale of the model that renders it (its (a, b) times 110 × ``chroma_gain`` is what the
        screen shows).
    rows, cols : (K,) the hints' working pixels.
    hints_ab : (K, 2) the hints' (a, b) in ab units.
    network_unit : (h, w, 3) the hint network's answer with these hints, unit Lab in the same
        colour scale as ``auto_unit`` (needed by a ``network`` term only).

    Returns
    -------
    (h, w, 3) float32 unit Lab (L unchanged, a and b clipped to [-1, 1]) and (h, w) W.
    """
    from core.hints.locality import agreement, shown_ab

    scale = AB_SCALE * chroma_gain
    auto = np.asarray(auto_unit, np.float64)
    rows, cols = np.asarray(rows), np.asarray(cols)
    hints_ab = np.asarray(hints_ab, np.float64).reshape(-1, 2)
    shown = shown_ab(auto, rows, cols, chroma_gain)
    strengths = agreement(hints_ab, shown, correction.agree)
    deltas = (hints_ab - shown) / scale * strengths[:, None]
    network_ab = None if network_unit is None else \
        np.asarray(network_unit, np.float64)[..., 1:] * scale
    weights = correction_weights(gray, rows, cols, auto[..., 1:] * scale, correction,
                                 network_ab, hints_ab)
    shift, strongest = correction_field(weights, deltas)
    out = auto.copy()
    out[..., 1:] = np.clip(out[..., 1:] + shift, -1.0, 1.0)
    return out.astype(np.float32), strongest
