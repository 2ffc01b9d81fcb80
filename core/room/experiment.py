"""The class's own experiment: the open question's variants, one per student, same budget.

The experiments screen answers "which parametrization works best?" with a table computed
before the lesson (:mod:`core.experiments`). Here the class answers it again: the teacher
starts an experiment, each student is given one variant (the room assigns them evenly,
:meth:`core.room.room.Rooms.assignment`), trains the small live model
(:class:`core.live.LiveRun`, the training screen's) on the shipped sample photos for the
same number of steps, and sends their score to the room. Each student trains with their own
seed, so the spread within a variant is the spread over seeds; the board shows each
variant's mean with a bootstrap interval over students (:mod:`core.room.stats`).

The score is the PSNR of the final RGB colorization of the run's fixed validation crops,
through the app's one inference path (:class:`core.colorizer.Colorizer`): a run's loss lives
in its own output space (Lab, ab or RGB) and cannot be compared across variants. No photo
leaves a student's session: only settings and scores go to the room.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from core.live import LiveRun, LiveSettings
from core.room.stats import mean_interval
from core.unet import UNetConfig

#: The variants of core.experiments.RUNS that the live model can train: each changes ONE
#: choice of the reference (Huber is left out: the live screen offers L1 and L2 only).
VARIANTS: dict[str, dict] = {
    "reference": {},
    "ab": {"output": "ab"},
    "rgb": {"output": "rgb"},
    "no_bound": {"bound": "none"},
    "l2": {"loss": "l2"},
    "bilinear": {"upsampling": "bilinear"},
    "no_skips": {"skips": False},
}
REFERENCE = "reference"
#: Steps of one student's run the teacher may choose (the same for everyone; 20: a quick
#: demonstration, colour barely shows).
BUDGETS = (20, 100, 200, 400)
DEFAULT_BUDGET = 200


@dataclass(frozen=True)
class ClassSettings(LiveSettings):
    """The live settings plus the two architecture choices the experiment also varies."""

    upsampling: str = "transposed"
    skips: bool = True

    def checked(self) -> ClassSettings:
        s = super().checked()
        return replace(s, upsampling=self.upsampling if self.upsampling in (
            "transposed", "bilinear") else "transposed", skips=bool(self.skips))

    def model_config(self) -> UNetConfig:
        return replace(super().model_config(), upsampling=self.upsampling, skips=self.skips)


def settings_for(variant: str, seed: int) -> ClassSettings:
    """The settings of ``variant`` (the live screen's defaults otherwise), with ``seed``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    return ClassSettings(data="samples", seed=int(seed) % 2**31, **VARIANTS[variant]).checked()


def seed_of(member_id: str) -> int:
    """A student's own seed, from their id in the room (stable across reloads)."""
    return int(member_id[:8], 16) % 10_000 if member_id else 0


def score(run: LiveRun) -> dict[str, float]:
    """PSNR (dB) of the run's final colorization of its validation crops, and the grey
    photo's PSNR on the same crops (the bar to beat), and the run's steps."""
    from core.colorizer import Colorizer
    from core.metrics import psnr

    _, _, rgb = run.val
    colorizer = Colorizer(run.snapshot(), device="cpu", working_size=run.settings.size)
    got, grey = [], []
    for r in rgb:
        truth = (r.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
        pred = colorizer.render(colorizer.predict(truth), full_resolution=False).rgb
        g = np.repeat((0.299 * truth[..., 0] + 0.587 * truth[..., 1]
                       + 0.114 * truth[..., 2]).round().astype(np.uint8)[..., None], 3, axis=2)
        got.append(psnr(pred, truth, eval_size=None))
        grey.append(psnr(g, truth, eval_size=None))
    return {"psnr": float(np.mean(got)), "grey_psnr": float(np.mean(grey)),
            "steps": float(run.steps), "seconds": round(float(run.seconds), 2)}


def board(scores: Mapping[str, Mapping], variants: Sequence[str]) -> list[dict]:
    """Per variant: the class's PSNR (mean over students, interval by bootstrap over them),
    and the difference to the class's reference; variants in the given order."""
    by: dict[str, list[float]] = {v: [] for v in variants}
    for s in scores.values():
        if s.get("variant") in by and "psnr" in s:
            by[s["variant"]].append(float(s["psnr"]))
    ref = mean_interval(by.get(REFERENCE, []))
    out = []
    for v in variants:
        iv = mean_interval(by[v], seed=len(out))
        out.append({"variant": v, "psnr": iv, "students": len(by[v]),
                    "vs_reference": None if iv is None or ref is None or v == REFERENCE
                    else iv["mean"] - ref["mean"]})
    return out
