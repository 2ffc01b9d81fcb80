"""core/lessons/pipeline.py: the pipeline screen's chain, skipped steps and scalings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.activations import scaled_sigmoid
from core.colorizer import Colorizer
from core.lessons import pipeline as L
from core.unet import UNet


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def tiny() -> Colorizer:
    torch.manual_seed(0)
    return Colorizer(UNet(width=4, depth=2), device="cpu", working_size=32)


def test_diverging_rgb():
    out = L.diverging_rgb(np.array([-1.0, 0.0, 1.0, 5.0]), (0, 0, 0), (255, 255, 255),
                           mid=(100, 100, 100))
    np.testing.assert_array_equal(out[:, 0], [0, 100, 255, 255])


def test_trace_pipeline(tiny, photo):
    tr = L.trace_pipeline(tiny, photo)
    h, w = tr.gray.shape
    assert min(h, w) == 32 == tr.working_size  # the colorizer's working size
    # The model saw exactly what the colorizer feeds it.
    np.testing.assert_array_equal(tr.gray, tiny.predict(photo).gray_small)
    assert tr.rgb.shape == (h, w, 3) and tr.rgb.dtype == np.uint8
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
    tr = L.trace_pipeline(tiny, photo)
    a = L.skip_input_scaling(tiny, tr.gray)
    assert a["rgb"].shape == tr.out.shape
    # 255 times larger inputs: the raw outputs spread much wider.
    assert np.ptp(a["raw"]) > 3 * np.ptp(tr.raw)
    assert 0.0 <= a["saturated"] <= 1.0
    post = L.skip_post_processing(tr.unit_lab)
    assert post["as_lab"].mean() < 20  # L in [-1, 1] out of 100: almost black
    assert post["as_rgb"].dtype == np.uint8


def test_input_scalings_and_histogram():
    g = np.linspace(0, 1, 101, dtype=np.float32)
    s = L.input_scalings(g)
    assert s["raw"].max() == pytest.approx(255.0)
    assert s["centred"].min() == pytest.approx(-1.0) and s["centred"].max() == pytest.approx(1.0)
    assert s["standard"].mean() == pytest.approx(0.0, abs=1e-6)
    assert s["standard"].std() == pytest.approx(1.0, abs=1e-5)
    counts, centres = L.histogram(np.append(g, np.nan), 10)
    assert counts.sum() == 101 and len(centres) == 10
    counts, _ = L.histogram(np.zeros(5), 4)  # constant values: no zero-width range
    assert counts.sum() == 5
