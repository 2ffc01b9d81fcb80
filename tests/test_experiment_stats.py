"""Paired bootstrap over photos and seeds, on synthetic data where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from core.experiment_stats import (
    bootstrap_means,
    finite_columns,
    interval,
    metric_array,
    paired_difference,
    resample_indices,
)


def _scores(rng, seeds=3, photos=60, photo_sd=3.0, seed_sd=0.05, noise_sd=0.1):
    """(seeds, photos) PSNR-like scores: photos differ a lot, seeds and noise a little."""
    photo = rng.normal(24.0, photo_sd, photos)
    seed = rng.normal(0.0, seed_sd, (seeds, 1))
    return photo + seed + rng.normal(0.0, noise_sd, (seeds, photos)), photo


def test_bootstrap_means_match_a_direct_computation():
    x = np.random.default_rng(0).normal(size=(3, 7))
    idx = resample_indices(3, 7, resamples=5, seed=1)
    direct = [x[np.ix_(s, p)].mean() for s, p in zip(*idx, strict=True)]
    np.testing.assert_allclose(bootstrap_means(x, idx), direct)


def test_a_consistent_difference_is_real_and_its_interval_holds_the_truth():
    rng = np.random.default_rng(1)
    ref, photo = _scores(rng)
    variant = photo + 0.3 + rng.normal(0.0, 0.1, ref.shape)  # 0.3 dB better everywhere
    d = paired_difference(variant, ref)
    assert d["real"] and d["lo"] < 0.3 < d["hi"] and d["lo"] > 0
    # unpaired, the photo-to-photo spread (3 dB) hides the same 0.3 dB: the means' intervals
    # overlap; pairing on the same photos is what makes it visible
    a, b = interval(variant), interval(ref)
    assert a["lo"] < b["hi"] and b["lo"] < a["hi"]


def test_no_difference_is_within_noise():
    rng = np.random.default_rng(2)
    ref, photo = _scores(rng)
    same = photo + rng.normal(0.0, 0.05, (3, 1)) + rng.normal(0.0, 0.1, ref.shape)
    d = paired_difference(same, ref)
    assert not d["real"] and d["lo"] < 0 < d["hi"]


def test_intervals_cover_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(200):
        ref, photo = _scores(rng, seed_sd=0.0)
        variant = photo - 0.1 + rng.normal(0.0, 0.3, ref.shape)
        d = paired_difference(variant, ref, resample_indices(3, 60, resamples=400,
                                                             seed=int(rng.integers(1 << 30))))
        hits += d["lo"] <= -0.1 <= d["hi"]
    assert 0.88 <= hits / 200 <= 0.99


def test_seed_to_seed_luck_widens_the_interval():
    rng = np.random.default_rng(4)
    ref, photo = _scores(rng, seed_sd=0.0)
    calm = photo + 0.2 + rng.normal(0.0, 0.1, ref.shape)
    lucky = calm + np.array([[-1.0], [0.0], [1.0]])  # the seed moves every photo by 1 dB
    d_calm, d_lucky = paired_difference(calm, ref), paired_difference(lucky, ref)
    assert d_calm["real"] and not d_lucky["real"]
    assert d_lucky["hi"] - d_lucky["lo"] > 10 * (d_calm["hi"] - d_calm["lo"])


def test_unpaired_shapes_are_refused():
    with pytest.raises(ValueError):
        paired_difference(np.zeros((3, 5)), np.zeros((2, 5)))
    with pytest.raises(ValueError):
        bootstrap_means(np.zeros(5), resample_indices(1, 5))


def test_metric_array_pairs_by_seed_and_photo():
    recs = [{"seed": s, "photos": [{"photo": p, "psnr": 10 * s + i}
                                   for i, p in enumerate(("b", "a"))]} for s in (1, 0)]
    a = metric_array(recs, "psnr", [0, 1], ["a", "b"])
    np.testing.assert_array_equal(a, [[1, 0], [11, 10]])
    with pytest.raises(KeyError):
        metric_array(recs, "psnr", [0, 2], ["a", "b"])


def test_finite_columns_drop_a_photo_with_an_infinite_score():
    a = np.array([[1.0, np.inf, 2.0], [1.0, 3.0, 2.0]])
    b = np.array([[1.0, 2.0, np.nan], [1.0, 2.0, 2.0]])
    assert finite_columns(a, b).tolist() == [True, False, False]
