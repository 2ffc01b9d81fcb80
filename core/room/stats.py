"""The class's figures with intervals: bootstrap over students.

Each student is one unit: a student's votes (or training runs) are not independent of each
other, so the bootstrap draws students with replacement, keeps all of a drawn student's
votes, and reads the 2.5 and 97.5 percentiles of the resampled figures (95 % intervals).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95
#: The vote for "this photo is a real colour photo" (the other is "colorized").
REAL, COLORIZED = "real", "colorized"
ANSWERS = (REAL, COLORIZED)


def _interval(draws: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(draws, [a, 1.0 - a])
    return float(lo), float(hi)


def ratio_interval(hits: Sequence[float], totals: Sequence[float], resamples: int = RESAMPLES,
                   seed: int = 0) -> dict | None:
    """Sum of ``hits`` over sum of ``totals`` (one entry per student) and its interval, the
    students drawn with replacement. None when nobody counted."""
    h, n = np.asarray(hits, dtype=np.float64), np.asarray(totals, dtype=np.float64)
    keep = n > 0
    h, n = h[keep], n[keep]
    if not len(n):
        return None
    rate = float(h.sum() / n.sum())
    if len(n) == 1:
        lo = hi = rate
    else:
        idx = np.random.default_rng(seed).integers(0, len(n), (resamples, len(n)))
        lo, hi = _interval(h[idx].sum(axis=1) / n[idx].sum(axis=1))
    return {"rate": rate, "lo": lo, "hi": hi, "votes": int(n.sum()), "students": int(len(n))}


def fool_rates(photos: Sequence[Mapping], votes: Mapping[tuple[str, str], str],
               resamples: int = RESAMPLES, seed: int = 0) -> dict[str, dict | None]:
    """Per method: the share of votes that said "real". For a colorization method that is
    its fool rate; for the real photos it is how often the class trusted a real photo.

    ``photos``: the round's photos ({"id", "method"}); ``votes``: (student, photo id) ->
    answer. Votes for a photo not in the round are ignored.
    """
    method_of = {p["id"]: p["method"] for p in photos}
    methods = list(dict.fromkeys(p["method"] for p in photos))
    per: dict[str, dict[str, list[int]]] = {m: {} for m in methods}
    for (student, pid), answer in votes.items():
        m = method_of.get(pid)
        if m is None or answer not in ANSWERS:
            continue
        h, n = per[m].setdefault(student, [0, 0])
        per[m][student] = [h + (answer == REAL), n + 1]
    out = {}
    for m in methods:
        rows = list(per[m].values())
        out[m] = ratio_interval([r[0] for r in rows], [r[1] for r in rows], resamples, seed)
    return out


def per_photo(photos: Sequence[Mapping], votes: Mapping[tuple[str, str], str]) -> list[dict]:
    """Each photo's votes: {"id", "method", "real", "colorized", "share_real"}."""
    counts = {p["id"]: {REAL: 0, COLORIZED: 0} for p in photos}
    for (_, pid), answer in votes.items():
        if pid in counts and answer in ANSWERS:
            counts[pid][answer] += 1
    out = []
    for p in photos:
        c = counts[p["id"]]
        total = c[REAL] + c[COLORIZED]
        out.append({**p, "real": c[REAL], "colorized": c[COLORIZED], "votes": total,
                    "share_real": c[REAL] / total if total else None})
    return out


def mean_interval(values: Iterable[float], resamples: int = RESAMPLES, seed: int = 0
                  ) -> dict | None:
    """Mean of one value per student and its bootstrap interval (None when empty)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)
    if not len(x):
        return None
    if len(x) == 1:
        return {"mean": float(x[0]), "lo": float(x[0]), "hi": float(x[0]), "n": 1}
    idx = np.random.default_rng(seed).integers(0, len(x), (resamples, len(x)))
    lo, hi = _interval(x[idx].mean(axis=1))
    return {"mean": float(x.mean()), "lo": lo, "hi": hi, "n": int(len(x))}
