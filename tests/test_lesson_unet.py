"""core/lessons/unet.py: feature maps, the U drawing, skip connections, sizes."""

import numpy as np
import pytest

from core.color import ntsc_gray
from core.colorizer import Colorizer
from core.lessons import unet as L
from core.unet import count_parameters
from ui.figures import mosaic_figure


def test_feature_maps(small_unet, smooth_photo):
    gray = ntsc_gray(smooth_photo)
    out = L.feature_maps(small_unet, gray, n_channels=3, max_side=16)
    assert set(out["maps"]) == {"inc", "down1", "down2", "down3", "up1", "up2", "up3",
                                "outc", "bound"}
    assert out["pre"].shape == (3, 40, 56)
    assert out["maps"]["inc"].shape[0] == 3 and max(out["maps"]["inc"].shape[1:]) <= 16
    assert out["std"]["down1"].shape == (8,)
    assert np.allclose(out["output"], 2 / (1 + np.exp(-out["pre"])) - 1, atol=1e-5)


def test_layout_and_skips(small_unet):
    summary = small_unet.summary(64, 64)
    lay = L.unet_layout(summary)
    assert sum(r["params"] for r in lay) == count_parameters(small_unet)
    by = {r["name"]: r for r in lay}
    assert by["down3"]["level"] == 3 and by["inc"]["level"] == 0 and by["up3"]["level"] == 0
    assert by["down3"]["cy"] < by["down1"]["cy"] < by["inc"]["cy"]
    # Height follows the spatial size, width the channels.
    assert by["inc"]["y1"] - by["inc"]["y0"] > by["down3"]["y1"] - by["down3"]["y0"]
    assert by["down3"]["x1"] - by["down3"]["x0"] > by["inc"]["x1"] - by["inc"]["x0"]
    pairs = L.skip_pairs(summary)
    assert pairs == [("inc", "up3"), ("down1", "up2"), ("down2", "up1")]
    for enc, dec in pairs:
        assert by[enc]["out_shape"][1:] == by[dec]["out_shape"][1:]


def test_detail_energy():
    flat = np.full((10, 10), 0.3)
    assert L.detail_energy(flat) == pytest.approx(0.0, abs=1e-12)
    checker = (np.indices((10, 10)).sum(axis=0) % 2).astype(float)
    assert L.detail_energy(checker) == pytest.approx(4.0)


def test_normalise_channels():
    m = np.stack([np.arange(4.0).reshape(2, 2), np.full((2, 2), 7.0)])
    n = L.normalise_channels(m)
    assert n[0].min() == 0 and n[0].max() == 1 and np.all(n[1] == 0)


def test_mnist_shapes():
    assert [n for _, n in L.MNIST_CLASSIFIER][-1] == 10
    ae = [n for _, n in L.MNIST_AUTOENCODER]
    assert ae[0] == ae[-1] == 784 and min(ae) == 10


def test_mosaic():
    maps = np.stack([np.arange(6.0).reshape(2, 3) * (i + 1) for i in range(5)])
    m = L.mosaic(maps, wrap=4, gap=1)
    assert m.shape == (2 * 3 - 1, 4 * 4 - 1)
    assert np.allclose(m[0:2, 0:3], L.normalise_channels(maps)[0])
    assert np.isnan(m[:, 3]).all() and np.isnan(m[2]).all()  # gaps
    assert np.isnan(m[3:, 4:]).all()  # the unused tiles of the last row
    fig = mosaic_figure(maps, [str(i) for i in range(5)])
    assert len(fig.data) == 1 and len(fig.layout.annotations) == 5



def test_skips_effect(small_unet, smooth_photo):
    c = Colorizer(small_unet, device="cpu", working_size=32)
    out = L.skips_effect(c, smooth_photo)
    assert set(out) == {False, True}
    assert out[False]["rgb"].shape == out[True]["rgb"].shape == smooth_photo.shape
    assert not np.array_equal(out[False]["rgb"], out[True]["rgb"])
    assert out[False]["detail"] >= 0 and np.isfinite(out[True]["psnr"])
