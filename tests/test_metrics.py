"""core.metrics: the model card's metrics (PSNR, SSIM, colourfulness) at 256², RGB uint8."""

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from core.metrics import at_eval_size, colourfulness, compare, psnr, ssim
from core.samples import load_sample


def _pairs():
    rng = np.random.default_rng(0)
    astro = load_sample("astronaut")
    noisy = np.clip(astro.astype(int) + rng.integers(-30, 30, astro.shape), 0, 255)
    return [
        (astro, noisy.astype(np.uint8)),
        (load_sample("coffee"), load_sample("chelsea")),  # different sizes, resized to 256²
        (np.full((64, 64, 3), 200, np.uint8), np.full((64, 64, 3), 201, np.uint8)),  # flat
        (rng.integers(0, 256, (300, 200, 3), dtype=np.uint8),
         rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)),
    ]


@pytest.mark.parametrize("k", range(4))
def test_ssim_matches_scikit_image(k):
    truth, pred = _pairs()[k]
    ref = structural_similarity(at_eval_size(truth), at_eval_size(pred), data_range=255,
                                channel_axis=2, gaussian_weights=True, sigma=1.5,
                                use_sample_covariance=False)
    assert ssim(pred, truth) == pytest.approx(ref, abs=1e-5)


def test_identical_images_and_compare():
    coffee = load_sample("coffee")
    assert ssim(coffee, coffee) == pytest.approx(1.0, abs=1e-9)
    assert psnr(coffee, coffee) == float("inf")
    grey = np.repeat(coffee.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    assert colourfulness(grey) == pytest.approx(0.0, abs=1e-9)
    m = compare(grey, coffee)
    assert m["psnr"] == pytest.approx(peak_signal_noise_ratio(
        at_eval_size(coffee), at_eval_size(grey), data_range=255))
    assert m["ssim"] == pytest.approx(ssim(grey, coffee))
    assert m["colourfulness_truth"] == pytest.approx(colourfulness(coffee))
    assert m["colourfulness_truth"] > 10


def test_psnr_of_float_images_as_given():
    a = np.full((10, 12), 0.5)
    assert psnr(a, a, data_range=1.0, eval_size=None) == float("inf")
    # MSE 0.01 on a peak of 1: 20 dB, no resizing of the 10 x 12 arrays
    assert psnr(a + 0.1, a, data_range=1.0, eval_size=None) == pytest.approx(20.0)
