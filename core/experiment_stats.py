"""Is a difference between two trainings real or luck? Intervals from photos and seeds.

Every variant of :mod:`core.experiments` is scored on the same P validation photos with S
seeds, seed k of every variant sharing its initial random state and batches: a metric is an
(S, P) array per variant. Two sources of luck move its mean: which photos were drawn for
validation, and which seed training got. The bootstrap below resamples both at once (seeds
with replacement, then photos with replacement, the same photos for every seed) and reads
the 2.5 and 97.5 percentiles of the resampled means: a 95 % interval.

The difference between a variant and the reference is taken pair by pair, on the same photo
and the same seed, before averaging: photo-to-photo variation (a sky is easy, a toy shop is
not) is shared by both and cancels, so a small but consistent difference is detectable. A
difference is *real* when its interval excludes 0, *within noise* otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: Resamples of the bootstrap (the percentiles move by ~0.01 dB between draws at 2000).
RESAMPLES = 2000
LEVEL = 0.95


def resample_indices(n_seeds: int, n_photos: int, resamples: int = RESAMPLES,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``resamples`` bootstrap draws: (resamples, S) seeds, (resamples, P) photos.

    Draw the indices once and use them for every variant: the intervals of all variants
    then come from the same resampled photo sets.
    """
    rng = np.random.default_rng(seed)
    return (rng.integers(0, n_seeds, (resamples, n_seeds)),
            rng.integers(0, n_photos, (resamples, n_photos)))


def bootstrap_means(x: np.ndarray, idx: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Mean of ``x`` (S seeds, P photos) for each bootstrap draw; shape (resamples,).

    The mean over a resample of seeds and photos is the mean over seeds of each seed's
    photo-resampled mean, computed without building the (resamples, S, P) array: per draw,
    the photo weights are counts, so it is ``seed_rows @ counts / P``.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected an (seeds, photos) array, got shape {x.shape}")
    seed_idx, photo_idx = idx
    n_photos = x.shape[1]
    counts = np.zeros((len(photo_idx), n_photos))
    np.add.at(counts, (np.arange(len(photo_idx))[:, None], photo_idx), 1.0)
    per_seed = counts @ x.T / n_photos  # (resamples, S): each seed's mean on the draw's photos
    return np.take_along_axis(per_seed, seed_idx, axis=1).mean(axis=1)


def interval(x: np.ndarray, idx: tuple[np.ndarray, np.ndarray] | None = None,
             level: float = LEVEL) -> dict[str, float]:
    """{"mean", "lo", "hi"}: the mean of ``x`` (S, P) and its bootstrap interval."""
    x = np.asarray(x, dtype=np.float64)
    if idx is None:
        idx = resample_indices(*x.shape)
    means = bootstrap_means(x, idx)
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(means, [a, 1.0 - a])
    return {"mean": float(x.mean()), "lo": float(lo), "hi": float(hi)}


def paired_difference(x: np.ndarray, ref: np.ndarray,
                      idx: tuple[np.ndarray, np.ndarray] | None = None,
                      level: float = LEVEL) -> dict:
    """The variant minus the reference, pair by pair (same seed, same photo).

    Returns {"mean", "lo", "hi", "real"}: ``real`` is True when the interval excludes 0.
    """
    x, ref = np.asarray(x, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if x.shape != ref.shape:
        raise ValueError(f"unpaired arrays: {x.shape} vs {ref.shape}")
    d = interval(x - ref, idx, level)
    return {**d, "real": bool(d["lo"] > 0 or d["hi"] < 0)}


def metric_array(records: list[Mapping], metric: str, seeds: list[int],
                 photos: list[str]) -> np.ndarray:
    """(S, P) array of ``metric`` from a variant's run records (one per seed).

    Raises ``KeyError`` when a seed or photo is missing: statistics are only paired when
    every variant has every (seed, photo).
    """
    by_seed = {r["seed"]: r for r in records}
    out = np.empty((len(seeds), len(photos)))
    for i, s in enumerate(seeds):
        values = {p["photo"]: p[metric] for p in by_seed[s]["photos"]}
        for j, p in enumerate(photos):
            v = values[p]
            out[i, j] = np.nan if v is None else v
    return out


def finite_columns(*arrays: np.ndarray) -> np.ndarray:
    """Photos (columns) where every array is finite (an identical photo gives PSNR = inf)."""
    ok = np.ones(arrays[0].shape[1], dtype=bool)
    for a in arrays:
        ok &= np.isfinite(a).all(axis=0)
    return ok
