"""core.compare: what the colorize screen shows about one photo, in one call."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from skimage.color import rgb2lab

from core.colorizer import Colorizer
from core.compare import (
    SHOW_SIDE,
    Settings,
    ab_error,
    compare_view,
    every_kth,
    full_resolution_png,
    lab_axis_colours,
    lab_of,
    photo_digest,
)
from core.samples import load_sample
from core.unet import UNet, UNetConfig


@pytest.fixture(scope="module")
def colorizer() -> Colorizer:
    torch.manual_seed(0)
    return Colorizer(UNet(UNetConfig(width=4, depth=2)), device="cpu", working_size=32)


def test_colour_photo_has_truth_metrics_and_error_map(colorizer):
    rgb = load_sample("coffee")
    view = compare_view(rgb, colorizer, Settings("m", 32))
    assert view.photo.has_truth and view.photo.digest == photo_digest(rgb)
    assert set(view.metrics) == {"psnr", "ssim", "colourfulness", "colourfulness_truth"}
    assert view.photo.grey_metrics["colourfulness"] == pytest.approx(0.0, abs=1e-6)
    assert view.ab_error.shape == every_kth(rgb, 320).shape[:2]
    assert view.result.rgb.shape == rgb.shape  # 400 x 600: under SHOW_SIDE, as loaded
    assert view.channels.shape == (32, 48, 3)
    assert Image.open(io.BytesIO(view.rgb_jpeg)).size == (600, 400)


def test_grey_photo_has_no_truth(colorizer):
    view = compare_view(load_sample("camera"), colorizer, Settings("m", 32))
    assert not view.photo.has_truth
    assert view.metrics is None and view.ab_error is None and view.photo.truth_jpeg is None


def test_prediction_reused_only_when_post_processing_changes(colorizer):
    rgb = load_sample("chelsea")
    a = compare_view(rgb, colorizer, Settings("m", 32))
    a.memo["figure"] = object()
    b = compare_view(rgb, colorizer, Settings("m", 32, saturation=1.5, use_model_l=True), a)
    assert b.result.prediction is a.result.prediction and b.memo is a.memo
    assert b.photo is a.photo and not np.array_equal(a.result.rgb, b.result.rgb)
    c = compare_view(rgb, colorizer, Settings("m", 24), b)  # new working size: model again
    assert c.result.prediction is not b.result.prediction and c.memo == {}
    assert c.photo is a.photo  # the grey, truth and grey metrics stay
    d = compare_view(load_sample("coffee"), colorizer, Settings("m", 24), c)  # new photo
    assert d.photo is not c.photo


def test_error_map_and_lab_of():
    rgb = load_sample("astronaut")
    np.testing.assert_allclose(lab_of(rgb[:50, :50]), rgb2lab(rgb[:50, :50]), atol=1e-3)
    truth = lab_of(every_kth(rgb, 320))
    assert np.abs(ab_error(lab_of(rgb), truth)).max() < 1e-4  # the truth has no error
    shifted = lab_of(rgb) + np.array([0.0, 3.0, 4.0], dtype=np.float32)
    np.testing.assert_allclose(ab_error(shifted, truth), 5.0, atol=1e-3)  # lightness ignored


def test_lab_axis_colours_go_from_green_to_red_and_blue_to_yellow():
    a, b = lab_axis_colours("a"), lab_axis_colours("b")
    assert a[0][0] == 0 and a[-1][0] == 1
    (r0, g0, _), (r1, g1, _) = a[0][1], a[-1][1]
    assert g0 > r0 and r1 > g1
    (_, _, b0), (_, _, b1) = b[0][1], b[-1][1]
    assert b0 > b1


def test_large_photo_shown_small_downloaded_full_with_hints_moved():
    from core.hints import Hint

    torch.manual_seed(0)
    model = Colorizer(UNet(UNetConfig(width=4, depth=2, in_channels=7)), device="cpu")
    big = np.random.default_rng(0).integers(0, 255, (1500, 2000, 3), dtype=np.uint8)
    settings = Settings("m", 64, hints=(Hint(640, 480, (255, 0, 0)),))
    view = compare_view(big, model, settings)
    assert max(view.result.rgb.shape[:2]) == SHOW_SIDE
    assert view.result.prediction.hints == settings.hints  # in pixels of the shown photo
    png = full_resolution_png(view.photo, model, settings)
    assert Image.open(io.BytesIO(png)).size == (2000, 1500)


def test_photo_digest_kept_only_for_photos_that_cannot_change():
    import hashlib

    from core.compare import _DIGESTS, photo_digest

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    plain = hashlib.blake2b(rgb.tobytes(), digest_size=8).hexdigest()
    assert photo_digest(rgb) == plain
    rgb[0, 0] ^= 255  # a writeable array may change: never remembered
    assert photo_digest(rgb) != plain and id(rgb) not in _DIGESTS
    frozen = np.ndarray(rgb.shape, np.uint8, buffer=rgb.tobytes())  # as a decoded upload
    assert not frozen.flags.writeable
    first = photo_digest(frozen)
    assert _DIGESTS[id(frozen)][1] == first == photo_digest(frozen) == photo_digest(rgb)
    key = id(frozen)
    del frozen
    assert key not in _DIGESTS  # forgotten with the photo
