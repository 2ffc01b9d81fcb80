"""Unit tests of core/explain_color.py: what the NTSC, Lab and pipeline screens compute."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.color import rgb2lab

from core import explain_color as ec
from core.activations import scaled_sigmoid
from core.color import ntsc_gray
from core.unet import UNet


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def tiny() -> UNet:
    torch.manual_seed(0)
    return UNet(width=4, depth=2).eval()


# -- NTSC ------------------------------------------------------------------------------------
def test_probe_pure_red():
    assert ec.probe((255, 0, 0), ec.WEIGHT_PRESETS["equal"])["Y255"] == 85
    p = ec.probe((255, 0, 0))
    assert p["Y255"] == 76  # 0.299 * 255
    assert p["L_true"] == pytest.approx(53.24, abs=0.05)
    assert p["L_gray"] < p["L_true"]


def test_probe_grey_has_no_gap():
    p = ec.probe((128, 128, 128))
    assert p["Y255"] == 128
    assert p["L_gray"] == pytest.approx(p["L_true"], abs=0.05)


def test_weighted_channels_add_up_to_ntsc(photo):
    terms = ec.weighted_channels(photo)
    total = terms["wR"] + terms["wG"] + terms["wB"]
    np.testing.assert_allclose(total, ntsc_gray(photo), atol=1e-5)
    np.testing.assert_allclose(terms["Y"], ntsc_gray(photo), atol=1e-6)
    assert terms["R"].max() <= 1.0 and terms["wB"].max() <= 0.114 + 1e-6


def test_normalise_weights():
    assert sum(ec.normalise_weights((0.5, 0.5, 0.5))) == pytest.approx(1.0)
    assert ec.normalise_weights((0.0, 0.0, 0.0)) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert ec.normalise_weights((2.0, 0.0, 0.0)) == pytest.approx((1.0, 0.0, 0.0))


def test_channel_shares():
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 200
    assert ec.channel_shares(red) == pytest.approx((1.0, 0.0, 0.0))
    white = np.full((4, 4, 3), 255, np.uint8)
    assert ec.channel_shares(white) == pytest.approx((0.299, 0.587, 0.114), abs=1e-6)
    assert sum(ec.channel_shares(np.zeros((2, 2, 3), np.uint8))) == pytest.approx(1.0)


def test_lightness_gap_zero_on_grey_large_on_green():
    grey = np.repeat(np.linspace(0, 255, 30).astype(np.uint8)[None, :, None], 3, axis=2)
    assert np.abs(ec.lightness_gap(grey)).max() < 0.1
    green = np.zeros((2, 2, 3), np.uint8)
    green[..., 1] = 255
    gap = ec.lightness_gap(green)
    assert gap.mean() == pytest.approx(62.0 - 87.7, abs=0.5)


def test_pure_colour_table_matches_skimage():
    rows = {r["name"]: r for r in ec.pure_colour_table()}
    assert set(rows) == set(ec.PURE_COLOURS)
    for name, r in rows.items():
        px = np.array(ec.PURE_COLOURS[name], np.uint8).reshape(1, 1, 3)
        assert r["L_true"] == pytest.approx(rgb2lab(px)[0, 0, 0], abs=1e-3)
    # The saturated colours are where Y misleads most.
    assert abs(rows["green"]["gap"]) > 20 and abs(rows["blue"]["gap"]) > 20
    assert abs(rows["white"]["gap"]) < 0.1


@settings(max_examples=60, deadline=None)
@given(st.tuples(*[st.integers(0, 255)] * 3),
       st.tuples(*[st.floats(0.0, 1.0)] * 3))
def test_normalised_grey_lies_between_channels(rgb, w):
    """With non-negative weights summing to 1, Y is a mean of R, G, B: between min and max."""
    p = ec.probe(rgb, ec.normalise_weights(w))
    assert min(rgb) - 1 <= p["Y255"] <= max(rgb) + 1


# -- Lab -------------------------------------------------------------------------------------
def test_gamut_slice_depends_on_L():
    rgba, axis, inside = ec.gamut_slice(50.0, n=101)
    assert rgba.shape == (101, 101, 4) and axis[0] == -110 and axis[-1] == 110
    assert 0.2 < inside < 0.4
    assert rgba[50, 50, 3] == 255  # a = b = 0: a grey, always in gamut
    assert rgba[0, 0, 3] < 255  # a = b = -110: no such colour
    assert ec.gamut_slice(5.0, n=101)[2] < inside
    assert ec.gamut_slice(95.0, n=101)[2] < inside
    amin, amax, bmin, bmax = ec.gamut_extent(rgba, axis)
    assert amin < 0 < amax and bmin < 0 < bmax
    # Yellow (b > 0) reaches further when bright than when dark.
    assert ec.gamut_extent(*ec.gamut_slice(90.0, n=101)[:2])[3] > \
        ec.gamut_extent(*ec.gamut_slice(30.0, n=101)[:2])[3]


def test_play_lab(photo):
    lab = ec.to_lab(photo)
    assert ec.mean_chroma(ec.play_lab(lab, zero_ab=True)) < 1.0
    np.testing.assert_array_equal(ec.play_lab(lab, saturation=0.0),
                                  ec.play_lab(lab, zero_ab=True))
    same = ec.play_lab(lab)
    assert np.abs(same.astype(int) - photo.astype(int)).max() <= 1
    swapped = ec.play_lab(lab, swap_ab=True)
    assert np.abs(swapped.astype(int) - photo.astype(int)).mean() > 5
    # L clipped to 100 and no colour: white.
    assert ec.play_lab(lab, zero_ab=True, l_shift=200.0).min() >= 254
    assert ec.to_lab(ec.play_lab(lab, l_shift=20.0))[..., 0].mean() > lab[..., 0].mean() + 10
    assert ec.mean_chroma(ec.play_lab(lab, saturation=2.0)) > ec.mean_chroma(photo)


def test_to_space(photo):
    ycc = ec.to_space(photo, "ycbcr")
    np.testing.assert_allclose(ycc[..., 0], 16 + 219 * ntsc_gray(photo), atol=1e-3)
    hsv = ec.to_space(photo, "hsv")
    assert hsv.min() >= 0 and hsv.max() <= 1
    assert ec.to_space(photo, "rgb").max() == pytest.approx(255.0)
    np.testing.assert_allclose(ec.to_space(photo, "lab"), rgb2lab(photo), atol=1e-3)
    with pytest.raises(ValueError):
        ec.to_space(photo, "cmyk")


def test_channel_ranges_and_display():
    arr = np.stack([np.full((2, 2), 3.0), np.array([[-1.0, 2.0], [0.0, 0.0]])], axis=-1)
    assert ec.channel_ranges(arr, "xy") == {"x": (3.0, 3.0), "y": (-1.0, 2.0)}
    d = ec.normalise_for_display(np.array([-5.0, 0.0, 5.0, 50.0]), -5, 5)
    np.testing.assert_allclose(d, [0.0, 0.5, 1.0, 1.0])


def test_sample_pixels(photo):
    lab, px = ec.sample_pixels(photo, 100, seed=3)
    assert lab.shape == (100, 3) and px.shape == (100, 3) and px.dtype == np.uint8
    lab2, px2 = ec.sample_pixels(photo, 100, seed=3)
    np.testing.assert_array_equal(px, px2)
    np.testing.assert_allclose(lab, rgb2lab(px[None])[0], atol=1e-3)
    assert len(ec.sample_pixels(photo, 10**6)[1]) == photo.shape[0] * photo.shape[1]


def test_diverging_rgb():
    out = ec.diverging_rgb(np.array([-1.0, 0.0, 1.0, 5.0]), (0, 0, 0), (255, 255, 255),
                           mid=(100, 100, 100))
    np.testing.assert_array_equal(out[:, 0], [0, 100, 255, 255])


# -- Pipeline --------------------------------------------------------------------------------
def test_trace_pipeline(tiny, photo):
    tr = ec.trace_pipeline(tiny, photo, size=32)
    h, w = tr.gray.shape
    assert min(h, w) == 32
    keys = [s.key for s in tr.stages]
    assert keys == ["rgb", "gray", "raw", "bounded", "lab", "out"]
    shapes = {s.key: s.shape for s in tr.stages}
    assert shapes["gray"] == (h, w, 1) and shapes["bounded"] == (h, w, 3)
    assert shapes["out"] == (h, w, 3) and tr.out.dtype == np.uint8
    # The bound is the course's scaled sigmoid of the raw output.
    np.testing.assert_allclose(tr.bounded, scaled_sigmoid(tr.raw), atol=1e-5)
    bounded = {s.key: s for s in tr.stages}["bounded"]
    assert -1 <= bounded.vmin <= bounded.vmax <= 1
    assert len(bounded.channels) == 3
    gray = {s.key: s for s in tr.stages}["gray"]
    assert gray.vmin >= 0 and gray.vmax <= 1
    lab = {s.key: s for s in tr.stages}["lab"]
    assert 0 <= lab.channels[0][0] <= lab.channels[0][1] <= 100


def test_skipped_steps(tiny, photo):
    tr = ec.trace_pipeline(tiny, photo, size=32)
    a = ec.skip_input_scaling(tiny, tr.gray)
    assert a["rgb"].shape == tr.out.shape
    # 255 times larger inputs: the raw outputs spread much wider.
    assert np.ptp(a["raw"]) > 3 * np.ptp(tr.raw)
    assert 0.0 <= a["saturated"] <= 1.0
    post = ec.skip_post_processing(tr.unit_lab)
    assert post["as_lab"].mean() < 20  # L in [-1, 1] out of 100: almost black
    assert post["as_rgb"].dtype == np.uint8


def test_input_scalings_and_histogram():
    g = np.linspace(0, 1, 101, dtype=np.float32)
    s = ec.input_scalings(g)
    assert s["raw"].max() == pytest.approx(255.0)
    assert s["centred"].min() == pytest.approx(-1.0) and s["centred"].max() == pytest.approx(1.0)
    assert s["standard"].mean() == pytest.approx(0.0, abs=1e-6)
    assert s["standard"].std() == pytest.approx(1.0, abs=1e-5)
    counts, centres = ec.histogram(np.append(g, np.nan), 10)
    assert counts.sum() == 101 and len(centres) == 10
    counts, _ = ec.histogram(np.zeros(5), 4)  # constant values: no zero-width range
    assert counts.sum() == 5
