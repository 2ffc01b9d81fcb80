import numpy as np
import pytest
import torch

from core.color import gray_lightness, ntsc_gray
from core.colorizer import Colorizer, device_label, pick_device, working_shape
from core.samples import load_sample
from core.unet import UNet, UNetConfig


def _colorizer(**kw):
    torch.manual_seed(0)
    return Colorizer(UNet(UNetConfig(width=4, depth=3, **kw)), device="cpu", working_size=64)


def test_full_resolution_output_keeps_size_and_luminance():
    rgb = load_sample("chelsea")  # 300 x 451
    res = _colorizer().colorize(rgb)
    assert res.rgb.shape == rgb.shape and res.rgb.dtype == np.uint8
    assert res.unit_lab.shape == (64, 96, 3)
    np.testing.assert_allclose(res.lab[..., 0], gray_lightness(ntsc_gray(rgb)), atol=1e-4)
    # The luminance survives the Lab -> RGB conversion (up to gamut clipping and rounding).
    y_out = ntsc_gray(res.rgb)
    assert np.mean(np.abs(y_out - ntsc_gray(rgb))) < 0.03
    assert res.model_seconds > 0 and res.total_seconds >= res.model_seconds
    assert res.device.startswith("CPU")


def test_model_l_option_and_grey_input_and_ab_and_rgb_models():
    gray = load_sample("camera")[..., 0]
    for out in ("lab", "ab", "rgb"):
        res = _colorizer(output=out).colorize(gray, use_model_l=out == "lab")
        assert res.rgb.shape == (512, 512, 3)
        assert np.isfinite(res.lab).all()


def test_saturation_zero_gives_grey():
    res = _colorizer().colorize(load_sample("coffee"), saturation=0.0)
    spread = res.rgb.astype(int).max(axis=2) - res.rgb.astype(int).min(axis=2)
    assert spread.max() <= 2


def test_predict_then_render_is_colorize_and_keeps_what_screens_show():
    c = _colorizer()
    rgb = load_sample("chelsea")  # 300 x 451
    p = c.predict(rgb)
    assert p.gray.shape == (300, 451) and p.gray_small.shape == (64, 96)
    assert p.pre.shape == p.bounded.shape == (3, 64, 96)
    # the bound is the scaled sigmoid of the pre-activations
    np.testing.assert_allclose(p.bounded, 2 / (1 + np.exp(-p.pre)) - 1, atol=1e-5)
    np.testing.assert_allclose(p.unit_lab, p.bounded.transpose(1, 2, 0), atol=1e-6)
    assert p.hints == () and p.working_size == 64 and p.model_seconds > 0
    a, b = c.render(p), c.colorize(rgb)
    np.testing.assert_array_equal(a.rgb, b.rgb)
    assert a.prediction is p and a.unit_lab is p.unit_lab
    small = c.render(p, full_resolution=False)
    assert small.rgb.shape == (64, 96, 3)


def test_a_saturation_step_reuses_the_lightness_and_changes_nothing_else():
    """render keeps the input's L* with the prediction (computed once): a step at another
    saturation gives what a render from scratch gives."""
    from dataclasses import replace

    c = _colorizer()
    p = c.predict(load_sample("chelsea"))
    first = c.render(p, saturation=1.0)
    light = p.lightness
    np.testing.assert_allclose(first.lab[..., 0], light, atol=1e-6)
    step = c.render(p, saturation=1.6)
    assert p.lightness is light  # not computed again
    fresh = c.render(replace(p), saturation=1.6)  # a new prediction: nothing cached
    np.testing.assert_array_equal(step.rgb, fresh.rgb)
    assert not np.array_equal(step.rgb, first.rgb)


def test_render_matches_the_scikit_image_reference():
    from core.color import to_rgb, unit_to_lab

    c = _colorizer()
    rgb = load_sample("coffee")[:64, :80]
    p = c.predict(rgb)  # no resize (short side 64): compare post-processing alone
    res = c.render(p, use_model_l=True)
    ref = to_rgb(p.unit_lab)  # scikit-image's lab2rgb
    assert np.abs(res.rgb.astype(int) - ref.astype(int)).max() <= 1
    np.testing.assert_allclose(res.lab, unit_to_lab(np.clip(p.unit_lab, -1, 1)), atol=1e-3)


def test_unit_lab_to_rgb_clips_or_not():
    from core.colorizer import unit_lab_to_rgb

    unit = torch.tensor([[[[3.0]], [[2.0]], [[0.0]]]])  # L and a far beyond [-1, 1]
    clipped, raw = unit_lab_to_rgb(unit), unit_lab_to_rgb(unit, clip=False)
    assert clipped.shape == (1, 1, 1, 3) and clipped.dtype == torch.uint8
    assert not torch.equal(clipped, raw)


def test_hints_need_a_hints_model_and_reach_its_input():
    from core.hints import Hint

    rgb = load_sample("coffee")
    hint = Hint(10, 20, (255, 0, 0))
    with pytest.raises(ValueError, match="hints"):
        _colorizer().predict(rgb, hints=[hint])
    torch.manual_seed(0)
    model = UNet(UNetConfig(width=4, depth=3, in_channels=7))
    c = Colorizer(model, device="cpu", working_size=64)
    seen = []
    model.inc.register_forward_hook(lambda m, i, o: seen.append(i[0].detach().clone()))
    p = c.predict(rgb, hints=[hint])
    assert p.hints == (hint,)
    x = seen[-1]
    assert x.shape == (1, 7, 64, 96)
    np.testing.assert_allclose(x[0, 0].numpy(), p.gray_small, atol=1e-6)
    assert x[0, 3].sum() == 1  # the mask marks one working pixel (400 x 600 -> 64 x 96)
    assert x[0, 3, 3, 1] == 1  # (x 10, y 20) of the photo: row 20.5 * 64 / 400, column 10.5 * 96 / 600
    without = c.predict(rgb)
    assert not np.allclose(without.unit_lab, p.unit_lab)


def test_working_shape_never_upscales():
    assert working_shape(100, 50, 256) == (100, 50)
    assert working_shape(1000, 2000, 256) == (256, 512)


def test_device_selection(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device({}).type == "cuda"
    assert pick_device({"COLORISATION_DEVICE": "cpu"}).type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device({}).type == "cpu"
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d=None: "Fake GPU 9000")
    assert device_label(torch.device("cuda", 0)) == "GPU (Fake GPU 9000)"
    assert device_label(torch.device("cpu")).startswith("CPU")


def test_configure_threads():
    from core.colorizer import configure_threads

    before = torch.get_num_threads()
    try:
        assert configure_threads({}) == 1 and torch.get_num_threads() == 1
        assert configure_threads({"COLORISATION_TORCH_THREADS": "2"}) == 2
    finally:
        torch.set_num_threads(before)


def test_calibrated_chroma_gain_is_read_from_the_weights(tmp_path):
    from core.weights import save_model

    torch.manual_seed(0)
    model = UNet(UNetConfig(width=4, depth=2)).eval()
    save_model(model, tmp_path / "m", metadata={"chroma_gain": 0.5})
    c = Colorizer.from_weights(tmp_path / "m", device="cpu", working_size=32)
    assert c.chroma_gain == 0.5 and c.metadata["chroma_gain"] == 0.5
    raw = Colorizer(model, device="cpu", working_size=32)
    assert raw.metadata == {}  # built from a model, not from files
    rgb = load_sample("coffee")
    half, full = c.colorize(rgb), raw.colorize(rgb)
    np.testing.assert_allclose(half.lab[..., 1:], 0.5 * full.lab[..., 1:], atol=1e-4)


def test_calibrated_working_size_is_read_from_the_weights(tmp_path):
    from core.colorizer import WORKING_SIZE
    from core.weights import save_model

    torch.manual_seed(0)
    model = UNet(UNetConfig(width=4, depth=2)).eval()
    save_model(model, tmp_path / "m", metadata={"working_size": 48})
    c = Colorizer.from_weights(tmp_path / "m", device="cpu")
    assert c.working_size == 48
    res = c.colorize(load_sample("coffee"))  # 400 x 600: the model sees 48 x 72
    assert res.unit_lab.shape == (48, 72, 3) and res.rgb.shape == (400, 600, 3)
    assert Colorizer.from_weights(tmp_path / "m", device="cpu", working_size=64).working_size == 64
    save_model(model, tmp_path / "old")  # weights without calibration: the default
    assert Colorizer.from_weights(tmp_path / "old", device="cpu").working_size == WORKING_SIZE
