"""Unit tests of core/explain_net.py: the numbers the teaching screens show."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core import explain_net as en
from core.unet import UNet, count_parameters


@pytest.fixture(scope="module")
def small_model() -> UNet:
    torch.manual_seed(0)
    return UNet(width=4, depth=3).eval()


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:40, 0:56]
    img = np.stack([x * 4, y * 5, (x + y) * 2], axis=2) + rng.integers(0, 20, (40, 56, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


# -- scaled sigmoid ---------------------------------------------------------------------------
def test_point_at_zero():
    p = en.sigmoid_point(0.0)
    assert p["f"] == 0.0 and p["df"] == 0.5 and p["sigma"] == 0.5 and p["dsigma"] == 0.25


@given(st.floats(-30, 30))
@settings(max_examples=60, deadline=None)
def test_identity_and_derivative(x):
    p = en.sigmoid_point(x)
    assert p["identity_gap"] < 1e-12
    assert -1.0 <= p["f"] <= 1.0
    assert p["df"] == pytest.approx((1 - p["f"] ** 2) / 2, abs=1e-12)
    assert p["df"] == pytest.approx(2 * p["dsigma"], abs=1e-15)


def test_curves_match_finite_differences():
    c = en.sigmoid_curves(-6, 6, 1201)
    num = np.gradient(c["f"], c["x"])
    assert np.max(np.abs(num - c["df"])[5:-5]) < 1e-4
    assert c["f"].min() > -1 and c["f"].max() < 1
    assert np.allclose(c["f"], 2 * c["sigma"] - 1)


def test_saturation():
    sx = en.saturation_x(0.05)
    assert float(en.sigmoid_point(sx)["df"]) == pytest.approx(0.05, abs=1e-9)
    pre = np.array([0.0, 1.0, sx - 0.01, sx + 0.01, -10.0])
    assert en.saturation_share(pre) == pytest.approx(2 / 5)
    assert en.saturation_share(np.array([])) == 0.0


def test_bound_variants_differ_on_large_values():
    gray = np.full((4, 4), 0.5, np.float32)
    pre = np.zeros((3, 4, 4), np.float32)
    pre[1] = 3.0  # a = 3 raw: bounded -> f(3) = 0.905, clipped -> 1, unbounded -> 3
    v = en.bound_variants("lab", pre, gray)
    assert {k: a.shape for k, a in v.items()} == {k: (4, 4, 3) for k in v}
    assert all(a.dtype == np.uint8 for a in v.values())
    assert not np.array_equal(v["bounded"], v["unbounded"])
    # Everything zero: all three post-processings agree (mid grey).
    same = en.bound_variants("lab", np.zeros((3, 2, 2), np.float32), gray[:2, :2])
    assert np.array_equal(same["bounded"], same["clipped"])
    assert np.array_equal(same["bounded"], same["unbounded"])


def test_output_to_unit_lab_ab_takes_l_from_input():
    gray = np.full((3, 3), 1.0, np.float32)
    unit = en.output_to_unit_lab("ab", np.zeros((2, 3, 3), np.float32), gray)
    assert unit.shape == (3, 3, 3)
    assert np.allclose(unit[..., 0], 1.0, atol=1e-4)  # white: L = 100 -> 1


def test_bound_training_runs_bounded_converges_unbounded_diverges():
    bounded = en.bound_training_run("scaled_sigmoid", steps=40, lr=3.0)
    free = en.bound_training_run("none", steps=40, lr=3.0)
    assert len(bounded["loss"]) == len(free["loss"]) == 40
    assert en.first_divergence(bounded["loss"]) is None
    assert bounded["loss"][-1] < bounded["loss"][0]
    assert max(bounded["max_abs"]) <= 1.0
    assert en.first_divergence(free["loss"]) is not None
    # Same seed -> same curve.
    again = en.bound_training_run("scaled_sigmoid", steps=40, lr=3.0)
    assert again["loss"] == bounded["loss"]


def test_single_thread_restores():
    before = torch.get_num_threads()
    with en.single_thread():
        assert torch.get_num_threads() == 1
        with en.single_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_first_divergence():
    assert en.first_divergence([1.0, 0.5]) is None
    assert en.first_divergence([1.0, 5.0, 0.1]) == 1
    assert en.first_divergence([1.0, float("nan")]) == 1


def test_bound_runs_from_results():
    def run(name, bound, lr=1e-3):
        return {"name": name, "settings": {"bound": bound, "lr": lr}, "metrics": {},
                "curve": [{"step": 1, "train_loss": 1.0, "val_loss": 1.0}]}
    runs = [run("a", "scaled_sigmoid", 1e-2), run("b", "none"), run("c", "scaled_sigmoid"),
            {"name": "bad"}, run("d", "none", 5.0)]
    pair = en.bound_runs_from_results(runs)
    assert [r["name"] for r in pair] == ["c", "b"]
    loose = en.bound_runs_from_results([run("x", "none", 1), run("y", "scaled_sigmoid", 2)])
    assert [r["name"] for r in loose] == ["y", "x"]
    assert en.bound_runs_from_results([{"name": "z"}]) == []


# -- U-Net --------------------------------------------------------------------------------------
def test_feature_maps(small_model, photo):
    gray = en.working_gray(photo, 256)
    out = en.feature_maps(small_model, gray, n_channels=3, max_side=16)
    assert set(out["maps"]) == {"inc", "down1", "down2", "down3", "up1", "up2", "up3",
                                "outc", "bound"}
    assert out["pre"].shape == (3, 40, 56)
    assert out["maps"]["inc"].shape[0] == 3 and max(out["maps"]["inc"].shape[1:]) <= 16
    assert out["std"]["down1"].shape == (8,)
    assert np.allclose(out["output"], 2 / (1 + np.exp(-out["pre"])) - 1, atol=1e-5)


def test_layout_and_skips(small_model):
    summary = small_model.summary(64, 64)
    lay = en.unet_layout(summary)
    assert sum(r["params"] for r in lay) == count_parameters(small_model)
    by = {r["name"]: r for r in lay}
    assert by["down3"]["level"] == 3 and by["inc"]["level"] == 0 and by["up3"]["level"] == 0
    assert by["down3"]["cy"] < by["down1"]["cy"] < by["inc"]["cy"]
    # Height follows the spatial size, width the channels.
    assert by["inc"]["y1"] - by["inc"]["y0"] > by["down3"]["y1"] - by["down3"]["y0"]
    assert by["down3"]["x1"] - by["down3"]["x0"] > by["inc"]["x1"] - by["inc"]["x0"]
    pairs = en.skip_pairs(summary)
    assert pairs == [("inc", "up3"), ("down1", "up2"), ("down2", "up1")]
    for enc, dec in pairs:
        assert by[enc]["out_shape"][1:] == by[dec]["out_shape"][1:]


def test_detail_energy():
    flat = np.full((10, 10), 0.3)
    assert en.detail_energy(flat) == pytest.approx(0.0, abs=1e-12)
    checker = (np.indices((10, 10)).sum(axis=0) % 2).astype(float)
    assert en.detail_energy(checker) == pytest.approx(4.0)


def test_normalise_channels():
    m = np.stack([np.arange(4.0).reshape(2, 2), np.full((2, 2), 7.0)])
    n = en.normalise_channels(m)
    assert n[0].min() == 0 and n[0].max() == 1 and np.all(n[1] == 0)


def test_mnist_shapes():
    assert [n for _, n in en.MNIST_CLASSIFIER][-1] == 10
    ae = [n for _, n in en.MNIST_AUTOENCODER]
    assert ae[0] == ae[-1] == 784 and min(ae) == 10


# -- auto-encoder ------------------------------------------------------------------------------
def test_compression(small_model):
    summary = small_model.summary(64, 64)
    c = en.compression(summary, (64, 64))
    assert c["latent_shape"] == (32, 8, 8)
    assert c["latent_values"] == 32 * 8 * 8
    assert c["ratio"] == pytest.approx(64 * 64 / 2048)
    assert c["output_ratio"] == pytest.approx(3 * 64 * 64 / 2048)
    assert c["skip_values"] == 4 * 64 * 64 + 8 * 32 * 32 + 16 * 16 * 16


def test_shipped_shape_compression():
    summary = UNet().summary(256, 256)
    c = en.compression(summary, (256, 256))
    assert c["latent_values"] == 256 * 8 * 8 and c["ratio"] == 4.0


def test_interpolation_endpoints(small_model, photo):
    a = en.square_gray(photo, 32)
    b = 1.0 - a
    fa, fb = en.encode(small_model, a), en.encode(small_model, b)
    for mode in ("all", "bottleneck"):
        m0 = en.mix_features(fa, fb, 0.0, mode)
        assert all(torch.equal(x, y) for x, y in zip(m0, fa, strict=True))
    m1 = en.mix_features(fa, fb, 1.0, "all")
    assert all(torch.allclose(x, y) for x, y in zip(m1, fb, strict=True))
    mb = en.mix_features(fa, fb, 1.0, "bottleneck")
    assert torch.allclose(mb[-1], fb[-1]) and torch.equal(mb[0], fa[0])
    with pytest.raises(ValueError):
        en.mix_features(fa, fb, 0.5, "nope")
    # Decoding A's own code reproduces the model's output on A.
    rgb = en.decode_rgb(small_model, fa, a)
    with torch.no_grad():
        y = small_model(torch.from_numpy(a)[None, None])[0].numpy()
    assert np.array_equal(rgb, en.to_rgb(y.transpose(1, 2, 0)))
    half = en.decode_rgb(small_model, en.mix_features(fa, fb, 0.5), a)
    assert half.shape == (32, 32, 3) and not np.array_equal(half, rgb)


def test_top_channels():
    lat = np.zeros((5, 2, 2))
    lat[3, 0, 0] = 10
    lat[1, 0, 0] = 1
    assert en.top_channels(lat, 2) == [3, 1]


# -- upsampling -------------------------------------------------------------------------------
def test_overlap_counts():
    c3 = en.overlap_counts(6, 3, 2)
    assert set(np.unique(c3[1:-2, 1:-2])) == {1.0, 2.0, 4.0}  # the checkerboard
    for k in (2, 4):
        inner = en.overlap_counts(6, k, 2)[2:-2, 2:-2]
        assert np.all(inner == inner[0, 0])  # even overlap: no checkerboard


def test_transposed_upsample_on_constant():
    ones = np.ones((8, 8), np.float32)
    y3 = en.transposed_upsample(ones, 3, 2)
    assert y3.shape == (16, 16)
    assert y3[2:-2, 2:-2].std() > 0.3
    y2 = en.transposed_upsample(ones, 2, 2)
    assert np.allclose(y2, 1.0)  # kernel = stride: exact copy of the level
    y4 = en.transposed_upsample(ones, 4, 2)
    assert np.allclose(y4[2:-2, 2:-2], 1.0)


def test_upsample_modes():
    img = np.arange(16, dtype=np.float32).reshape(4, 4) / 15
    near = en.upsample(img, 2, "nearest")
    assert near.shape == (8, 8) and np.array_equal(near[::2, ::2], img)
    rgb = np.random.default_rng(0).random((4, 4, 3)).astype(np.float32)
    assert en.upsample(rgb, 4, "bicubic").shape == (16, 16, 3)


def test_psnr_and_downsample():
    a = np.zeros((4, 4))
    assert en.psnr_db(a, a) == math.inf
    assert en.psnr_db(a + 0.1, a) == pytest.approx(20.0)
    d = en.downsample(np.arange(16.0).reshape(4, 4), 2)
    assert np.array_equal(d, [[2.5, 4.5], [10.5, 12.5]])


def test_learned_upsampler_beats_bicubic():
    from core.color import ntsc_gray
    from core.samples import load_sample

    w = en.fit_learned_upsampler(2)
    assert w.shape == (26, 4)
    truth = en.crop_multiple(ntsc_gray(load_sample("astronaut")), 4)
    small = en.downsample(truth, 2)
    learned = en.learned_upsample(w, small, 2)
    bicubic = np.clip(en.upsample(small, 2, "bicubic"), 0, 1)
    nearest = en.upsample(small, 2, "nearest")
    assert learned.shape == truth.shape
    assert en.psnr_db(learned, truth) > en.psnr_db(bicubic, truth) > en.psnr_db(nearest, truth)
    # Colour: channel by channel.
    assert en.learned_upsample(w, np.dstack([small] * 3), 2).shape == (*truth.shape, 3)


def test_learned_upsampler_recovers_a_known_layer():
    # Large images made by nearest upsampling: the best layer copies the centre pixel.
    rng = np.random.default_rng(1)
    imgs = [np.repeat(np.repeat(rng.random((20, 20)), 2, 0), 2, 1) for _ in range(3)]
    w = en.fit_learned_upsampler(2, kernel=3, ridge=1e-8, images=imgs)
    small = rng.random((6, 6)).astype(np.float32)
    assert np.allclose(en.learned_upsample(w, small, 2), en.upsample(small, 2, "nearest"),
                       atol=1e-3)


def test_other_model_kinds(photo):
    # An ab model without bound and of depth 2: every screen function still works.
    torch.manual_seed(0)
    model = UNet(width=4, depth=2, output="ab", bound="none").eval()
    gray = en.working_gray(photo)
    out = en.feature_maps(model, gray, n_channels=2, max_side=8)
    assert out["pre"].shape == (2, 40, 56)
    assert np.array_equal(out["pre"], out["output"])  # no bound: identity
    v = en.bound_variants("ab", out["pre"], gray)
    assert v["bounded"].shape == (40, 56, 3)
    sq = en.square_gray(photo, 16)
    rgb = en.decode_rgb(model, en.encode(model, sq), sq)
    assert rgb.shape == (16, 16, 3) and rgb.dtype == np.uint8
    c = en.compression(model.summary(16, 16), (16, 16))
    assert c["latent_shape"] == (16, 4, 4) and c["ratio"] == 1.0


def test_mosaic():
    maps = np.stack([np.arange(6.0).reshape(2, 3) * (i + 1) for i in range(5)])
    m = en.mosaic(maps, wrap=4, gap=1)
    assert m.shape == (2 * 3 - 1, 4 * 4 - 1)
    assert np.allclose(m[0:2, 0:3], en.normalise_channels(maps)[0])
    assert np.isnan(m[:, 3]).all() and np.isnan(m[2]).all()  # gaps
    assert np.isnan(m[3:, 4:]).all()  # the unused tiles of the last row
    fig = en.mosaic_figure(maps, [str(i) for i in range(5)])
    assert len(fig.data) == 1 and len(fig.layout.annotations) == 5
