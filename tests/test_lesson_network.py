"""core/lessons/network.py, and every lesson on other kinds of model (ab output, no bound)."""

import numpy as np
import torch

from core.color import ntsc_gray
from core.lessons import network as L
from core.lessons.autoencoder import compression, decode_rgb, encode
from core.lessons.sigmoid import bound_variants
from core.lessons.unet import feature_maps
from core.unet import UNet


def test_ab_output_takes_l_from_the_input():
    white = np.full((3, 3), 1.0, np.float32)
    rgb = L.output_rgb("ab", np.zeros((2, 3, 3), np.float32), white)
    assert rgb.shape == (3, 3, 3) and rgb.dtype == np.uint8
    assert np.all(rgb >= 254)  # L from a white input, a = b = 0: white


def test_unbounded_values_are_kept_only_when_asked():
    y = np.zeros((3, 2, 2), np.float32)
    y[0] = 3.0  # L' = 3: L = 200 unclipped (white), L = 100 clipped (white too)
    y[1] = -3.0
    gray = np.zeros((2, 2), np.float32)
    clipped, free = L.output_rgb("lab", y, gray), L.output_rgb("lab", y, gray, clip=False)
    assert not np.array_equal(clipped, free)
    np.testing.assert_array_equal(L.unit_lab_rgb(y.transpose(1, 2, 0)), clipped)


def test_square_gray_is_centred_and_sized():
    img = np.zeros((10, 30, 3), np.uint8)
    img[:, 10:20] = 255  # the centred square is white, the sides black
    sq = L.square_gray(img, 5)
    assert sq.shape == (5, 5) and np.allclose(sq, 1.0)


def test_other_model_kinds(smooth_photo):
    # An ab model without bound and of depth 2: every screen function still works.
    torch.manual_seed(0)
    model = UNet(width=4, depth=2, output="ab", bound="none").eval()
    gray = ntsc_gray(smooth_photo)
    out = feature_maps(model, gray, n_channels=2, max_side=8)
    assert out["pre"].shape == (2, 40, 56)
    assert np.array_equal(out["pre"], out["output"])  # no bound: identity
    v = bound_variants("ab", out["pre"], gray)
    assert v["bounded"].shape == (40, 56, 3)
    sq = L.square_gray(smooth_photo, 16)
    rgb = decode_rgb(model, encode(model, sq), sq)
    assert rgb.shape == (16, 16, 3) and rgb.dtype == np.uint8
    c = compression(model.summary(16, 16), (16, 16))
    assert c["latent_shape"] == (16, 4, 4) and c["ratio"] == 1.0
