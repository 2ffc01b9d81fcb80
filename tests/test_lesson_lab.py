"""core/lessons/lab.py: the Lab screen's numbers."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.color import rgb2lab

from core.color import ntsc_gray
from core.lessons import lab as L


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)


def test_gamut_slice_depends_on_L():
    rgba, axis, inside = L.gamut_slice(50.0, n=101)
    assert rgba.shape == (101, 101, 4) and axis[0] == -110 and axis[-1] == 110
    assert 0.2 < inside < 0.4
    assert rgba[50, 50, 3] == 255  # a = b = 0: a grey, always in gamut
    assert rgba[0, 0, 3] < 255  # a = b = -110: no such colour
    assert L.gamut_slice(5.0, n=101)[2] < inside
    assert L.gamut_slice(95.0, n=101)[2] < inside
    amin, amax, bmin, bmax = L.gamut_extent(rgba, axis)
    assert amin < 0 < amax and bmin < 0 < bmax
    # Yellow (b > 0) reaches further when bright than when dark.
    assert L.gamut_extent(*L.gamut_slice(90.0, n=101)[:2])[3] > \
        L.gamut_extent(*L.gamut_slice(30.0, n=101)[:2])[3]


def test_play_lab(photo):
    lab = L.to_lab(photo)
    assert L.mean_chroma(L.play_lab(lab, zero_ab=True)) < 1.0
    np.testing.assert_array_equal(L.play_lab(lab, saturation=0.0),
                                  L.play_lab(lab, zero_ab=True))
    same = L.play_lab(lab)
    assert np.abs(same.astype(int) - photo.astype(int)).max() <= 1
    swapped = L.play_lab(lab, swap_ab=True)
    assert np.abs(swapped.astype(int) - photo.astype(int)).mean() > 5
    # L clipped to 100 and no colour: white.
    assert L.play_lab(lab, zero_ab=True, l_shift=200.0).min() >= 254
    assert L.to_lab(L.play_lab(lab, l_shift=20.0))[..., 0].mean() > lab[..., 0].mean() + 10
    assert L.mean_chroma(L.play_lab(lab, saturation=2.0)) > L.mean_chroma(photo)


def test_to_space(photo):
    ycc = L.to_space(photo, "ycbcr")
    np.testing.assert_allclose(ycc[..., 0], 16 + 219 * ntsc_gray(photo), atol=1e-3)
    hsv = L.to_space(photo, "hsv")
    assert hsv.min() >= 0 and hsv.max() <= 1
    assert L.to_space(photo, "rgb").max() == pytest.approx(255.0)
    np.testing.assert_allclose(L.to_space(photo, "lab"), rgb2lab(photo), atol=1e-3)
    with pytest.raises(ValueError):
        L.to_space(photo, "cmyk")


def test_channel_ranges_and_display():
    arr = np.stack([np.full((2, 2), 3.0), np.array([[-1.0, 2.0], [0.0, 0.0]])], axis=-1)
    assert L.channel_ranges(arr, "xy") == {"x": (3.0, 3.0), "y": (-1.0, 2.0)}
    d = L.normalise_for_display(np.array([-5.0, 0.0, 5.0, 50.0]), -5, 5)
    np.testing.assert_allclose(d, [0.0, 0.5, 1.0, 1.0])


def test_sample_pixels(photo):
    lab, px = L.sample_pixels(photo, 100, seed=3)
    assert lab.shape == (100, 3) and px.shape == (100, 3) and px.dtype == np.uint8
    lab2, px2 = L.sample_pixels(photo, 100, seed=3)
    np.testing.assert_array_equal(px, px2)
    np.testing.assert_allclose(lab, rgb2lab(px[None])[0], atol=1e-3)
    assert len(L.sample_pixels(photo, 10**6)[1]) == photo.shape[0] * photo.shape[1]
