"""core/lessons/autoencoder.py: the bottleneck and the latent interpolation."""

import numpy as np
import pytest
import torch

from core.colorizer import Colorizer
from core.lessons import autoencoder as L
from core.lessons.network import output_rgb, square_gray
from core.unet import UNet


def test_compression(small_unet):
    summary = small_unet.summary(64, 64)
    c = L.compression(summary, (64, 64))
    assert c["latent_shape"] == (32, 8, 8)
    assert c["latent_values"] == 32 * 8 * 8
    assert c["ratio"] == pytest.approx(64 * 64 / 2048)
    assert c["output_ratio"] == pytest.approx(3 * 64 * 64 / 2048)
    assert c["skip_values"] == 4 * 64 * 64 + 8 * 32 * 32 + 16 * 16 * 16


def test_shipped_shape_compression():
    summary = UNet().summary(256, 256)
    c = L.compression(summary, (256, 256))
    assert c["latent_values"] == 256 * 8 * 8 and c["ratio"] == 4.0


def test_interpolation_endpoints(small_unet, smooth_photo):
    a = square_gray(smooth_photo, 32)
    b = 1.0 - a
    fa, fb = L.encode(small_unet, a), L.encode(small_unet, b)
    for mode in ("all", "bottleneck"):
        m0 = L.mix_features(fa, fb, 0.0, mode)
        assert all(torch.equal(x, y) for x, y in zip(m0, fa, strict=True))
    m1 = L.mix_features(fa, fb, 1.0, "all")
    assert all(torch.allclose(x, y) for x, y in zip(m1, fb, strict=True))
    mb = L.mix_features(fa, fb, 1.0, "bottleneck")
    assert torch.allclose(mb[-1], fb[-1]) and torch.equal(mb[0], fa[0])
    with pytest.raises(ValueError):
        L.mix_features(fa, fb, 0.5, "nope")
    # Decoding A's own code reproduces the model's output on A.
    rgb = L.decode_rgb(small_unet, fa, a)
    with torch.no_grad():
        y = small_unet(torch.from_numpy(a)[None, None])[0].numpy()
    assert np.array_equal(rgb, output_rgb("lab", y, a))
    half = L.decode_rgb(small_unet, L.mix_features(fa, fb, 0.5), a)
    assert half.shape == (32, 32, 3) and not np.array_equal(half, rgb)


def test_top_channels():
    lat = np.zeros((5, 2, 2))
    lat[3, 0, 0] = 10
    lat[1, 0, 0] = 1
    assert L.top_channels(lat, 2) == [3, 1]



def test_latent_side_is_the_working_size_on_the_encoder_grid():
    assert L.latent_side(Colorizer(UNet(depth=5), device="cpu", working_size=96)) == 96
    assert L.latent_side(Colorizer(UNet(depth=5), device="cpu", working_size=100)) == 96
    assert L.latent_side(Colorizer(UNet(depth=2), device="cpu", working_size=2)) == 4
