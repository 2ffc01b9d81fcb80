import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.color import rgb2lab

from core.color import (
    AB_SCALE,
    gray_lightness,
    lab_to_rgb_clipped,
    lab_to_rgb_torch,
    lab_to_unit,
    lab_to_unit_torch,
    ntsc_gray,
    rgb_to_lab_torch,
    rgb_to_unit_lab,
    to_rgb,
    unit_to_lab,
    unit_to_lab_torch,
)


def test_ntsc_weights_on_pure_colours():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]]],
                   dtype=np.uint8)
    y = ntsc_gray(rgb)
    np.testing.assert_allclose(y[0], [0.299, 0.587, 0.114, 1.0, 0.0], atol=1e-6)
    assert y.shape == (1, 5) and y.dtype == np.float32


def test_ntsc_float_and_uint8_agree_and_range():
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    a, b = ntsc_gray(u8), ntsc_gray(u8 / 255.0)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert a.min() >= 0.0 and a.max() <= 1.0


def test_scaling_constants_follow_the_course():
    lab = np.array([[0.0, -AB_SCALE, AB_SCALE], [100.0, 0.0, 0.0], [50.0, 55.0, -55.0]])
    unit = lab_to_unit(lab)
    np.testing.assert_allclose(unit, [[-1, -1, 1], [1, 0, 0], [0, 0.5, -0.5]], atol=1e-6)
    np.testing.assert_allclose(unit_to_lab(unit), lab, atol=1e-4)


def test_scaling_covers_the_srgb_gamut():
    corners = np.array([[[r, g, b] for r in (0, 1) for g in (0, 1) for b in (0, 1)]], float)
    # A dense sample of the 256^3 colours: every 5th level of each channel (52^3 colours).
    levels = np.arange(0, 256, 5) / 255.0
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(1, -1, 3)
    for rgb in (corners, grid):
        unit = rgb_to_unit_lab(rgb)
        assert unit.min() >= -1.0 and unit.max() <= 1.0
    lab = rgb2lab(grid)
    # The documented extremes of a and b over the gamut.
    assert -87 < lab[..., 1].min() < -85 and 97 < lab[..., 1].max() < 99
    assert -109 < lab[..., 2].min() < -107 and 94 < lab[..., 2].max() < 95


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 255), min_size=3, max_size=3))
def test_round_trip_rgb_lab_unit_rgb(colour):
    rgb = np.array(colour, dtype=np.uint8).reshape(1, 1, 3)
    back = to_rgb(rgb_to_unit_lab(rgb))
    assert np.abs(back.astype(int) - rgb.astype(int)).max() <= 1


def test_round_trip_random_image():
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    back = to_rgb(rgb_to_unit_lab(rgb))
    assert np.abs(back.astype(int) - rgb.astype(int)).max() <= 1


def test_to_rgb_never_nan_and_clips_out_of_gamut():
    unit = np.array([[[np.nan, 5.0, -7.0], [1.0, 1.0, 1.0], [-1.0, -1.0, -1.0], [np.inf, 0, 0]]],
                    dtype=np.float32)
    out = to_rgb(unit)
    assert out.dtype == np.uint8 and out.shape == (1, 4, 3)
    np.testing.assert_array_equal(out[0, 3], [255, 255, 255])


def test_gray_lightness_equals_rgb2lab_of_grey_pixel():
    y = np.linspace(0, 1, 257, dtype=np.float32).reshape(1, -1)
    expected = rgb2lab(np.dstack([y, y, y]))[..., 0]
    np.testing.assert_allclose(gray_lightness(y), expected, atol=1e-3)


def test_gray_lightness_torch_matches_numpy_scaled():
    from core.color import gray_lightness_torch

    y = np.linspace(0, 1, 101, dtype=np.float32).reshape(1, 1, 1, -1)
    got = gray_lightness_torch(torch.from_numpy(y))[0, 0].numpy()
    np.testing.assert_allclose(got, gray_lightness(y[0, 0]) / 50.0 - 1.0, atol=1e-4)


def _chw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32))


def test_torch_rgb_to_lab_matches_scikit_image():
    rng = np.random.default_rng(3)
    # random colours plus the gamut's corners and the dark linear segment of sRGB
    rgb = np.concatenate([rng.random((1, 500, 3)),
                          np.array([[[r, g, b] for r in (0, 1) for g in (0, 1) for b in (0, 1)]]),
                          rng.random((1, 20, 3)) * 0.04], axis=1)
    got = rgb_to_lab_torch(_chw(rgb)).numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(got, rgb2lab(rgb), atol=1e-4)
    np.testing.assert_allclose(lab_to_unit_torch(_chw(rgb2lab(rgb))).numpy().transpose(1, 2, 0),
                               lab_to_unit(rgb2lab(rgb)), atol=1e-5)


def test_torch_lab_to_rgb_matches_scikit_image_inside_the_gamut():
    rng = np.random.default_rng(4)
    lab = rgb2lab(rng.random((30, 30, 3)))  # colours that exist in sRGB
    got = lab_to_rgb_torch(_chw(lab)).numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(got, lab_to_rgb_clipped(lab), atol=1e-4)


def test_torch_lab_to_rgb_clips_out_of_gamut_colours_as_scikit_image():
    rng = np.random.default_rng(5)
    # L beyond [0, 100], a and b far beyond the gamut: negative Z and RGB outside [0, 1]
    lab = np.stack([rng.uniform(-10, 110, (40, 40)), rng.uniform(-150, 150, (40, 40)),
                    rng.uniform(-150, 150, (40, 40))], axis=-1)
    ref = lab_to_rgb_clipped(lab)
    assert (ref == 0).mean() > 0.1 and (ref == 1).mean() > 0.1  # the test reaches both clips
    got = lab_to_rgb_torch(_chw(lab)).numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(got, ref, atol=1e-4)
    batch = lab_to_rgb_torch(torch.stack([_chw(lab), _chw(lab)]))  # (N, 3, H, W) works too
    np.testing.assert_allclose(batch[1].numpy().transpose(1, 2, 0), ref, atol=1e-4)


def test_unit_to_lab_torch_matches_numpy():
    unit = np.random.default_rng(6).uniform(-1, 1, (5, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(unit_to_lab_torch(_chw(unit)).numpy().transpose(1, 2, 0),
                               unit_to_lab(unit), atol=1e-4)
