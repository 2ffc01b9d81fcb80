"""core/lessons/upsampling.py: nearest, bilinear, transposed convolution, learned layer."""

from functools import partial

import numpy as np
import torch
from skimage.metrics import peak_signal_noise_ratio

from core.color import ntsc_gray
from core.lessons import upsampling as L
from core.samples import load_sample
from core.unet import UNet

psnr = partial(peak_signal_noise_ratio, data_range=1.0)


def test_overlap_counts():
    c3 = L.overlap_counts(6, 3, 2)
    assert set(np.unique(c3[1:-2, 1:-2])) == {1.0, 2.0, 4.0}  # the checkerboard
    for k in (2, 4):
        inner = L.overlap_counts(6, k, 2)[2:-2, 2:-2]
        assert np.all(inner == inner[0, 0])  # even overlap: no checkerboard


def test_transposed_upsample_on_constant():
    ones = np.ones((8, 8), np.float32)
    y3 = L.transposed_upsample(ones, 3, 2)
    assert y3.shape == (16, 16)
    assert y3[2:-2, 2:-2].std() > 0.3
    y2 = L.transposed_upsample(ones, 2, 2)
    assert np.allclose(y2, 1.0)  # kernel = stride: exact copy of the level
    y4 = L.transposed_upsample(ones, 4, 2)
    assert np.allclose(y4[2:-2, 2:-2], 1.0)


def test_upsample_modes():
    img = np.arange(16, dtype=np.float32).reshape(4, 4) / 15
    near = L.upsample(img, 2, "nearest")
    assert near.shape == (8, 8) and np.array_equal(near[::2, ::2], img)
    rgb = np.random.default_rng(0).random((4, 4, 3)).astype(np.float32)
    assert L.upsample(rgb, 4, "bicubic").shape == (16, 16, 3)


def test_downsample():
    d = L.downsample(np.arange(16.0).reshape(4, 4), 2)
    assert np.array_equal(d, [[2.5, 4.5], [10.5, 12.5]])


def test_learned_upsampler_beats_bicubic():
    w = L.fit_learned_upsampler(2)
    assert w.shape == (26, 4)
    truth = L.crop_multiple(ntsc_gray(load_sample("astronaut")), 4)
    small = L.downsample(truth, 2)
    learned = L.learned_upsample(w, small, 2)
    bicubic = np.clip(L.upsample(small, 2, "bicubic"), 0, 1)
    nearest = L.upsample(small, 2, "nearest")
    assert learned.shape == truth.shape
    assert psnr(truth, learned) > psnr(truth, bicubic) > psnr(truth, nearest)
    # Colour: channel by channel.
    assert L.learned_upsample(w, np.dstack([small] * 3), 2).shape == (*truth.shape, 3)


def test_learned_upsampler_recovers_a_known_layer():
    # Large images made by nearest upsampling: the best layer copies the centre pixel.
    rng = np.random.default_rng(1)
    imgs = [np.repeat(np.repeat(rng.random((20, 20)), 2, 0), 2, 1) for _ in range(3)]
    w = L.fit_learned_upsampler(2, kernel=3, ridge=1e-8, images=imgs)
    small = rng.random((6, 6)).astype(np.float32)
    assert np.allclose(L.learned_upsample(w, small, 2), L.upsample(small, 2, "nearest"),
                       atol=1e-3)



def test_super_resolution_learned_beats_bicubic():
    rgb = load_sample("astronaut")[:128, :128]
    sr = L.super_resolution(rgb, 2, L.fit_learned_upsampler(2))
    assert sr["small"].shape == (64, 64, 3) and sr["up"]["learned"].shape == (128, 128, 3)
    assert sr["psnr"]["learned"] > sr["psnr"]["bicubic"] > sr["psnr"]["nearest"]
    assert sr["psnr"]["nearest"] == psnr(sr["truth"], sr["up"]["nearest"])


def test_model_channel_is_a_feature_map_of_the_input_in_unit_range():
    torch.manual_seed(0)
    model = UNet(width=4, depth=3).eval()
    gray = ntsc_gray(load_sample("astronaut")[:96, :96])
    m = L.model_channel(model, gray)
    assert m.shape == (24, 24)  # down2: a quarter of the working size
    assert m.min() == 0.0 and m.max() == 1.0
