"""A hint corrects the automatic colours around it (core.hints.correction)."""

import numpy as np
import pytest
from toy_hint_models import save_toy_hint_models

from core.color import AB_SCALE
from core.hints import Hint
from core.hints.correction import (
    HintCorrection,
    corrected_unit,
    correction_field,
    correction_weights,
    grey_reach,
)
from core.hints.locality import hint_pixels, shown_ab


def _two_regions() -> np.ndarray:
    """(48, 96) grey: dark left, light right, a sharp edge at column 64."""
    g = np.full((48, 96), 0.2, np.float32)
    g[:, 64:] = 0.9
    return g


def _auto(shape=(48, 96), a=0.1, b=-0.05) -> np.ndarray:
    unit = np.zeros(shape + (3,), np.float32)
    unit[..., 0], unit[..., 1], unit[..., 2] = 0.3, a, b
    return unit


def test_field_is_the_weighted_mean_of_the_corrections_times_the_strongest_weight():
    w = np.zeros((2, 1, 3))
    w[0, 0] = [1.0, 0.5, 0.0]
    w[1, 0] = [0.0, 0.5, 0.0]
    shift, strongest = correction_field(w, np.array([[2.0, 0.0], [0.0, 4.0]]))
    np.testing.assert_allclose(shift[0, 0], [2.0, 0.0])  # on hint 0: its own correction
    np.testing.assert_allclose(shift[0, 1], [0.5, 1.0])  # halfway: the mean, times 0.5
    np.testing.assert_allclose(shift[0, 2], [0.0, 0.0])  # no weight: no shift
    np.testing.assert_allclose(strongest[0], [1.0, 0.5, 0.0])


def test_a_hint_takes_its_colour_fades_and_stops_at_an_edge():
    gray, auto = _two_regions(), _auto()
    corr = HintCorrection(radius=0.3, edge=3.0)
    hint_ab = np.array([[60.0, 40.0]])
    out, w = corrected_unit(gray, auto, np.array([24]), np.array([20]), hint_ab, corr)
    np.testing.assert_allclose(out[24, 20, 1:] * AB_SCALE, hint_ab[0], atol=1e-4)
    assert np.array_equal(out[..., 0], auto[..., 0])  # lightness never moves
    assert w[24, 20] == pytest.approx(1.0)
    # the colour fades with distance in the flat region ...
    gap = np.abs(out[..., 1:] - auto[..., 1:]).max(axis=-1)
    assert gap[24, 20] > gap[24, 40] > gap[24, 60] > 0
    # ... and across the edge the automatic colours stay
    assert gap[:, 66:].max() < 0.02 * gap[24, 20]


def test_a_hint_of_the_automatic_colour_changes_nothing():
    gray, auto = _two_regions(), _auto()
    same = auto[24, 20, 1:][None] * AB_SCALE
    out, w = corrected_unit(gray, auto, np.array([24]), np.array([20]), same,
                            HintCorrection(radius=0.5))
    np.testing.assert_allclose(out, auto, atol=1e-6)
    assert w.max() == pytest.approx(1.0)  # it has weight, but nothing to correct


def test_colour_term_keeps_the_correction_on_what_the_automatic_model_paints_alike():
    """A flat grey (no edge, no tone difference): the automatic model paints the right half
    another colour; with the colour term the hint's correction stays on the left half."""
    gray = np.full((48, 96), 0.5, np.float32)
    auto = _auto()
    auto[:, 48:, 1] = -0.3  # another colour on the right, for the automatic model
    hint = np.array([[50.0, 0.0]])
    rows, cols = np.array([24]), np.array([40])
    plain = correction_weights(gray, rows, cols, auto[..., 1:] * AB_SCALE,
                               HintCorrection(radius=1.0))
    coloured = correction_weights(gray, rows, cols, auto[..., 1:] * AB_SCALE,
                                  HintCorrection(radius=1.0, colour=10.0))
    assert plain[0, 24, 56] > 0.9 and coloured[0, 24, 56] < 1e-3
    assert coloured[0, 24, 30] == pytest.approx(plain[0, 24, 30])
    out, _ = corrected_unit(gray, auto, rows, cols, hint, HintCorrection(1.0, colour=10.0))
    assert np.abs(out[:, 50:] - auto[:, 50:]).max() < 1e-3


def test_two_hints_each_keep_their_colour_at_their_place_and_ab_stays_bounded():
    gray = np.full((48, 96), 0.5, np.float32)
    auto = _auto()
    hints = np.array([[100.0, 0.0], [-100.0, 100.0]])
    out, _ = corrected_unit(gray, auto, np.array([24, 24]), np.array([10, 86]), hints,
                            HintCorrection(radius=0.1))
    np.testing.assert_allclose(out[24, 10, 1:] * AB_SCALE, hints[0], atol=0.5)
    np.testing.assert_allclose(out[24, 86, 1:] * AB_SCALE, hints[1], atol=0.5)
    big, _ = corrected_unit(gray, auto, np.array([24]), np.array([10]), [[300.0, -300.0]],
                            HintCorrection(radius=0.1))
    assert big[..., 1:].max() <= 1.0 and big[..., 1:].min() >= -1.0


def test_metadata_round_trip_inside_the_gate_and_checks():
    from core.hints.locality import HintLocality

    corr = HintCorrection(0.1, edge=3.0, smooth=1.5, texture=0.8, tone=0.1, colour=20.0)
    loc = HintLocality(0.05, 3.0, smooth=1.5, growth=2.0, fallback="colorizer",
                       correction=corr)
    meta = loc.to_metadata()
    assert meta["correction"]["colour"] == 20.0
    assert HintLocality.from_metadata(meta) == loc
    assert HintLocality.from_metadata({"radius": 0.3, "edge": 3.0}).correction is None
    with pytest.raises(ValueError):
        HintCorrection(0.0)
    with pytest.raises(ValueError):
        HintCorrection(0.1, texture=1.0)


def test_colorizer_corrects_the_automatic_answer_around_a_hint(tmp_path):
    """Through the colorizer: with a correction, a red hint moves the automatic colours of
    its flat region toward red well past the gate's own small patch, the photo past the edge
    keeps the automatic colours, and the weight shown covers the corrected area."""
    from core.colorizer import Colorizer

    save_toy_hint_models(
        tmp_path, fixed={"correction": {"radius": 0.3, "edge": 3.0}},
        netted={"correction": {"radius": 0.3, "edge": 3.0, "network": 0.2}},
        greyed={"correction": {"radius": 0.3, "edge": 3.0, "grey": 0.5}})
    plain = Colorizer.from_weights(tmp_path / "plain", device="cpu")
    fixed = Colorizer.from_weights(tmp_path / "fixed", device="cpu")
    netted = Colorizer.from_weights(tmp_path / "netted", device="cpu")
    assert fixed.hint_locality.correction == HintCorrection(0.3, edge=3.0)
    img = np.zeros((96, 192, 3), np.uint8)
    img[:, 128:] = 220
    red = Hint(40, 48, (200, 30, 30))
    base = fixed.predict(img)  # no hint: the automatic answer, untouched
    assert np.array_equal(base.unit_lab, plain.predict(img).unit_lab)
    p, q = fixed.predict(img, hints=[red]), plain.predict(img, hints=[red])
    red_ab = np.array(red.unit_ab())
    # 12 working px from the hint: the gate alone leaves the automatic colour there
    near = (24, 32)
    assert np.linalg.norm(q.unit_lab[near][1:] - base.unit_lab[near][1:]) < 1e-3
    before = np.linalg.norm(base.unit_lab[near][1:] - red_ab)
    assert np.linalg.norm(p.unit_lab[near][1:] - red_ab) < 0.7 * before
    assert p.hint_weight[near] > 0.5 > q.hint_weight[near]
    assert np.abs(p.unit_lab[:, 70:] - base.unit_lab[:, 70:]).max() < 1e-3  # past the edge
    np.testing.assert_allclose(p.bounded, p.unit_lab.transpose(2, 0, 1), atol=1e-6)
    # each hint's share of the correction's radius comes with the prediction
    assert q.hint_reach is None and p.hint_reach.tolist() == [1.0]  # no grey term: all of it
    greyed = Colorizer.from_weights(tmp_path / "greyed", device="cpu")
    grey_hint = Hint(40, 48, (128, 128, 128))
    g = greyed.predict(img, hints=[red, grey_hint])
    rows, cols = hint_pixels([red, grey_hint], img.shape[:2], base.unit_lab.shape[:2])
    shown = shown_ab(base.unit_lab, rows, cols, greyed.chroma_gain)
    want = grey_reach(np.array([red.unit_ab(), grey_hint.unit_ab()]) * AB_SCALE, shown, 0.5)
    np.testing.assert_allclose(g.hint_reach, want)
    assert g.hint_reach[0] == 1.0 and g.hint_reach[1] < 0.75
    # the network term only takes weight away, where the hint network paints other colours
    n = netted.predict(img, hints=[red])
    assert (n.hint_weight <= p.hint_weight + 1e-6).all()
    assert (n.hint_weight < p.hint_weight - 0.05).any()


def test_agreement_keeps_a_close_hint_from_correcting_and_a_far_one_counts_fully():
    gray = np.full((48, 96), 0.5, np.float32)
    auto = _auto()
    shown = auto[24, 20, 1:] * AB_SCALE
    corr = HintCorrection(radius=0.5, agree=10.0)
    near, _ = corrected_unit(gray, auto, np.array([24]), np.array([20]), [shown + [4.0, 0.0]],
                             corr)
    np.testing.assert_allclose(near[24, 20, 1:] * AB_SCALE, shown + [1.6, 0.0], atol=1e-4)
    far, _ = corrected_unit(gray, auto, np.array([24]), np.array([20]), [shown + [30.0, 0.0]],
                            corr)
    np.testing.assert_allclose(far[24, 20, 1:] * AB_SCALE, shown + [30.0, 0.0], atol=1e-4)


def test_a_higher_power_keeps_the_patch_and_shortens_the_tail():
    gray = np.full((48, 96), 0.5, np.float32)
    rows, cols = np.array([24]), np.array([10])
    ab = np.zeros((48, 96, 2))
    gauss = correction_weights(gray, rows, cols, ab, HintCorrection(radius=0.3))[0]
    flat = correction_weights(gray, rows, cols, ab, HintCorrection(radius=0.3, power=4.0))[0]
    d = 0.3 * 48  # one radius, in working pixels
    inside, at, past = 10 + int(0.5 * d), 10 + int(d), 10 + int(2 * d)
    assert flat[24, inside] > gauss[24, inside]  # flatter near the hint
    assert flat[24, at] == pytest.approx(gauss[24, at], abs=0.05)  # both about exp(-1/2)
    assert flat[24, past] < 0.01 < gauss[24, past]  # the tail is gone
    assert HintCorrection.from_metadata({"radius": 0.3}).power == 2.0


def test_network_term_keeps_the_correction_where_the_hint_network_paints_the_hint_s_colour():
    """A flat grey and one automatic colour everywhere: nothing tells the halves apart but the
    hint network, which paints the right half another colour than the hint's pixel. With the
    network term the correction stays on the left half; a hint still shows its own colour."""
    gray = np.full((48, 96), 0.5, np.float32)
    auto = _auto()
    net = _auto(a=0.4, b=0.0)
    net[:, 48:, 1:] = [-0.3, 0.2]  # the network reads the right half as another object
    hint = np.array([[50.0, 0.0]])
    rows, cols = np.array([24]), np.array([40])
    ab = auto[..., 1:] * AB_SCALE
    plain = correction_weights(gray, rows, cols, ab, HintCorrection(radius=1.0))
    netted = correction_weights(gray, rows, cols, ab, HintCorrection(radius=1.0, network=15.0),
                                net[..., 1:] * AB_SCALE)
    assert plain[0, 24, 56] > 0.9 and netted[0, 24, 56] < 1e-3
    assert netted[0, 24, 30] == pytest.approx(plain[0, 24, 30])
    corr = HintCorrection(1.0, network=15.0)
    out, w = corrected_unit(gray, auto, rows, cols, hint, corr, network_unit=net)
    np.testing.assert_allclose(out[24, 40, 1:] * AB_SCALE, hint[0], atol=1e-4)
    assert np.abs(out[:, 50:] - auto[:, 50:]).max() < 1e-3
    assert w[24, 40] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="network"):
        corrected_unit(gray, auto, rows, cols, hint, corr)  # the term needs the answer
    assert HintCorrection.from_metadata({"radius": 0.3, "network": 15.0}).network == 15.0


def test_a_hint_that_takes_colour_away_reaches_less_far_than_one_that_adds_it():
    """The automatic model shows a faint brown everywhere on a flat grey. A grey hint (no
    colour) reaches ``grey`` times the radius, a hint more colourful than the brown the whole
    radius; both still show their own colour on their pixel."""
    gray = np.full((48, 96), 0.5, np.float32)
    auto = _auto(a=0.05, b=0.15)  # (5.5, 16.5) ab: a faint brown
    rows, cols = np.array([24]), np.array([10])
    corr = HintCorrection(radius=0.3, grey=0.5)
    ab = auto[..., 1:] * AB_SCALE
    grey_hint, red_hint = np.array([[0.0, 0.0]]), np.array([[40.0, 30.0]])
    w_grey = correction_weights(gray, rows, cols, ab, corr, hints_ab=grey_hint)[0]
    w_red = correction_weights(gray, rows, cols, ab, corr, hints_ab=red_hint)[0]
    w_off = correction_weights(gray, rows, cols, ab, HintCorrection(radius=0.3))[0]
    np.testing.assert_allclose(w_red, w_off)  # adding colour: the whole radius
    d = int(0.3 * 48)  # one radius, in working pixels
    assert w_red[24, 10 + d] == pytest.approx(np.exp(-0.5), abs=0.05)
    assert w_grey[24, 10 + d // 2] == pytest.approx(np.exp(-0.5), abs=0.05)  # half as far
    assert w_grey[24, 10 + d] < 0.2
    for hint in (grey_hint, red_hint):
        out, _ = corrected_unit(gray, auto, rows, cols, hint, corr)
        np.testing.assert_allclose(out[24, 10, 1:] * AB_SCALE, hint[0], atol=1e-4)
    # half as colourful as what is shown: halfway between grey and 1
    np.testing.assert_allclose(grey_reach([[0.0, 10.0]], [[0.0, 20.0]], 0.5), [0.75])
    with pytest.raises(ValueError, match="grey"):
        correction_weights(gray, rows, cols, ab, corr)  # the term needs the hints' colours
    with pytest.raises(ValueError):
        HintCorrection(0.1, grey=0.0)
    assert HintCorrection.from_metadata({"radius": 0.3, "grey": 0.5}).grey == 0.5
    assert HintCorrection.from_metadata({"radius": 0.3}).grey == 1.0
