"""core/lessons/ntsc.py: the NTSC screen's numbers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.color import rgb2lab

from core.color import ntsc_gray
from core.lessons import ntsc as L


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)


def test_probe_pure_red():
    assert L.probe((255, 0, 0), L.WEIGHT_PRESETS["equal"])["Y255"] == 85
    p = L.probe((255, 0, 0))
    assert p["Y255"] == 76  # 0.299 * 255
    assert p["L_true"] == pytest.approx(53.24, abs=0.05)
    assert p["L_gray"] < p["L_true"]


def test_probe_grey_has_no_gap():
    p = L.probe((128, 128, 128))
    assert p["Y255"] == 128
    assert p["L_gray"] == pytest.approx(p["L_true"], abs=0.05)


def test_weighted_channels_add_up_to_ntsc(photo):
    terms = L.weighted_channels(photo)
    total = terms["wR"] + terms["wG"] + terms["wB"]
    np.testing.assert_allclose(total, ntsc_gray(photo), atol=1e-5)
    np.testing.assert_allclose(terms["Y"], ntsc_gray(photo), atol=1e-6)
    assert terms["R"].max() <= 1.0 and terms["wB"].max() <= 0.114 + 1e-6


def test_normalise_weights():
    assert sum(L.normalise_weights((0.5, 0.5, 0.5))) == pytest.approx(1.0)
    assert L.normalise_weights((0.0, 0.0, 0.0)) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert L.normalise_weights((2.0, 0.0, 0.0)) == pytest.approx((1.0, 0.0, 0.0))


def test_channel_shares():
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 200
    assert L.channel_shares(red) == pytest.approx((1.0, 0.0, 0.0))
    white = np.full((4, 4, 3), 255, np.uint8)
    assert L.channel_shares(white) == pytest.approx((0.299, 0.587, 0.114), abs=1e-6)
    assert sum(L.channel_shares(np.zeros((2, 2, 3), np.uint8))) == pytest.approx(1.0)


def test_lightness_gap_zero_on_grey_large_on_green():
    grey = np.repeat(np.linspace(0, 255, 30).astype(np.uint8)[None, :, None], 3, axis=2)
    assert np.abs(L.lightness_gap(grey)).max() < 0.1
    green = np.zeros((2, 2, 3), np.uint8)
    green[..., 1] = 255
    gap = L.lightness_gap(green)
    assert gap.mean() == pytest.approx(62.0 - 87.7, abs=0.5)


def test_pure_colour_table_matches_skimage():
    rows = {r["name"]: r for r in L.pure_colour_table()}
    assert set(rows) == set(L.PURE_COLOURS)
    for name, r in rows.items():
        px = np.array(L.PURE_COLOURS[name], np.uint8).reshape(1, 1, 3)
        assert r["L_true"] == pytest.approx(rgb2lab(px)[0, 0, 0], abs=1e-3)
    # The saturated colours are where Y misleads most.
    assert abs(rows["green"]["gap"]) > 20 and abs(rows["blue"]["gap"]) > 20
    assert abs(rows["white"]["gap"]) < 0.1


@settings(max_examples=60, deadline=None)
@given(st.tuples(*[st.integers(0, 255)] * 3),
       st.tuples(*[st.floats(0.0, 1.0)] * 3))
def test_normalised_grey_lies_between_channels(rgb, w):
    """With non-negative weights summing to 1, Y is a mean of R, G, B: between min and max."""
    p = L.probe(rgb, L.normalise_weights(w))
    assert min(rgb) - 1 <= p["Y255"] <= max(rgb) + 1


def test_lightness_gap_with_a_known_true_lightness():
    """The page passes the photo's true L* (cached per photo): same gap as computing it."""
    from core.lessons.ntsc import lightness_gap, true_lightness

    rgb = np.random.default_rng(3).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    w = (0.5, 0.3, 0.2)
    np.testing.assert_array_equal(lightness_gap(rgb, w, true_l=true_lightness(rgb)),
                                  lightness_gap(rgb, w))
