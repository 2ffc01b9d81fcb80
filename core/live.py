"""Live training in the browser: one small U-Net per student, trained tick by tick.

The training screen calls :meth:`LiveRun.tick` from a Streamlit fragment that reruns every
second; a tick does as many :meth:`core.train.Trainer.step` as fit in a short time box
(0.6 s by default), then measures the validation loss. Nothing here blocks, starts a
thread or imports Streamlit.

Caps of one run: it stops after :data:`MAX_STEPS` steps or :data:`MAX_SECONDS` seconds of
training; at most :data:`MAX_RUN_PHOTOS` photos, each downscaled to :data:`PHOTO_SIDE`
pixels, and tiny models (width <= 16, depth <= 4, crops <= 128 px), so a run holds a few
MiB (:meth:`LiveRun.nbytes`). Who may train now is :mod:`core.admission`; where a run is
kept between two connections of its student is :mod:`core.runs`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from core.colorizer import Colorizer
from core.data import PhotoArrays, StepBatches, make_pair
from core.images import resize_max_side
from core.train import Trainer
from core.unet import UNet, UNetConfig

#: Caps of one run.
MAX_STEPS = 2000
MAX_SECONDS = 180.0
#: Photos a session may upload for training, and their longest side once in memory.
MAX_PHOTOS = 8
#: Photos of one run (uploads + the bundled samples).
MAX_RUN_PHOTOS = 16
PHOTO_SIDE = 256
#: Time box of one tick (seconds of optimisation steps, the validation comes on top).
TICK_SECONDS = 0.6
#: A validation loss at or below this fraction of the grey baseline's: colour is visible.
FIRST_COLOUR_RATIO = 0.8
#: Runs kept per student for the comparison chart (a few numbers each).
MAX_RUNS_KEPT = 5

#: Choices offered on the screen (validated again here: the session state is user input).
SIZES = (32, 48, 64, 96, 128)
WIDTHS = (4, 8, 12, 16)
DEPTHS = (1, 2, 3, 4)
OUTPUTS = ("lab", "ab", "rgb")
BOUNDS = ("scaled_sigmoid", "none")
LOSSES = ("l1", "l2")
BATCHES = (4, 8, 16, 32)
DATA = ("samples", "own", "both")
LR_RANGE = (1e-4, 3e-2)


@dataclass(frozen=True)
class LiveSettings:
    """What the student chooses. The defaults show colour within seconds on 2 CPU cores."""

    data: str = "samples"
    size: int = 48
    width: int = 8
    depth: int = 3
    output: str = "lab"
    bound: str = "scaled_sigmoid"
    loss: str = "l1"
    lr: float = 5e-3
    batch: int = 8
    seed: int = 0

    def checked(self) -> LiveSettings:
        """The same settings forced into the allowed choices (never trust session state)."""

        def pick(value, allowed):
            return value if value in allowed else allowed[0]

        def nearest(value, allowed):
            return min(allowed, key=lambda a: abs(a - int(value)))

        lr = float(np.clip(float(self.lr), *LR_RANGE)) if np.isfinite(float(self.lr)) else 5e-3
        return replace(
            self, data=pick(self.data, DATA), size=nearest(self.size, SIZES),
            width=nearest(self.width, WIDTHS), depth=nearest(self.depth, DEPTHS),
            output=pick(self.output, OUTPUTS), bound=pick(self.bound, BOUNDS),
            loss=pick(self.loss, LOSSES), lr=lr, batch=nearest(self.batch, BATCHES),
            seed=int(self.seed) % 2**31)

    def model_config(self) -> UNetConfig:
        return UNetConfig(width=self.width, depth=self.depth, output=self.output,
                          bound=self.bound, upsampling="transposed", skips=True)

    def to_dict(self) -> dict:
        return asdict(self)


# -- the data of a run ---------------------------------------------------------------------
def prepare_photos(photos: Sequence[np.ndarray], side: int = PHOTO_SIDE,
                   limit: int = MAX_PHOTOS) -> list[np.ndarray]:
    """At most ``limit`` photos, each RGB uint8 with its longest side at most ``side``."""
    out = []
    for p in list(photos)[:limit]:
        p = np.asarray(p)
        if p.ndim == 2:
            p = np.repeat(p[..., None], 3, axis=2)
        out.append(np.ascontiguousarray(resize_max_side(p[..., :3].astype(np.uint8), side)))
    return out


def validation_set(photos: Sequence[np.ndarray], size: int, crops_per_photo: int = 3,
                   seed: int = 12345) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Fixed validation crops: the centre crop plus ``crops_per_photo - 1`` fixed random crops.

    The same crops at every tick and for every run with the same photos and size, so loss
    curves are comparable. They come from the training photos (there are few of them):
    the validation loss measures how well the model learned these photos, not whether it
    generalizes to new ones.
    """
    grays, labs, rgbs = [], [], []
    for i, p in enumerate(photos):
        pairs = [make_pair(p, size)]
        pairs += [make_pair(p, size, np.random.default_rng(seed + 97 * i + k))
                  for k in range(crops_per_photo - 1)]
        for g, lab, rgb in pairs:
            grays.append(g)
            labs.append(lab)
            rgbs.append(rgb)
    return (torch.from_numpy(np.stack(grays)), torch.from_numpy(np.stack(labs)),
            torch.from_numpy(np.stack(rgbs)))


@dataclass
class Curves:
    """What the loss chart shows. Times are training seconds (ticks only, pauses excluded)."""

    train_steps: list[int]
    train_loss: list[float]
    val_steps: list[int]
    val_seconds: list[float]
    val_loss: list[float]
    grey_loss: float

    def ratios(self) -> list[float]:
        """Validation loss divided by the grey baseline's: 1 = no better than grey."""
        return [v / self.grey_loss if self.grey_loss > 0 else float("nan") for v in self.val_loss]


class LiveRun:
    """One training run of one student: model, optimizer, data, curves. Never shared."""

    def __init__(self, settings: LiveSettings, photos: Sequence[np.ndarray],
                 run_id: int = 1, preview_count: int = 6):
        self.settings = settings.checked()
        s = self.settings
        self.run_id = run_id
        self.photos = prepare_photos(photos, limit=MAX_RUN_PHOTOS)
        if not self.photos:
            raise ValueError("a run needs at least one photo")
        torch.manual_seed(s.seed)
        self.model = UNet(s.model_config())
        self.trainer = Trainer(self.model, lr=s.lr, loss=s.loss, weight_decay=0.0)
        self.train_set = PhotoArrays(self.photos, s.size, train=True)
        self.sampler = StepBatches(np.full(len(self.photos), 1.0 / len(self.photos)), s.batch,
                                   seed=s.seed)
        self.val = validation_set(self.photos, s.size)
        # Preview: the centre crop of each photo first, then other fixed crops.
        n_val = len(self.val[0])
        order = list(range(0, n_val, 3)) + [i for i in range(n_val) if i % 3]
        self.preview_index = order[:preview_count]
        self.curves = Curves([], [], [], [], [], grey_loss=0.0)
        self.seconds = 0.0
        self.first_colour: tuple[int, float] | None = None  # (step, seconds)
        self._evaluate()

    # -- progress --------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return self.trainer.steps_done

    @property
    def finished(self) -> bool:
        return self.steps >= MAX_STEPS or self.seconds >= MAX_SECONDS

    @property
    def ratio(self) -> float:
        return self.curves.ratios()[-1]

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        items = [self.train_set[k] for k in self.sampler.batch(self.steps)]
        return tuple(torch.stack(x) for x in zip(*items, strict=True))

    @torch.no_grad()
    def _evaluate(self) -> None:
        m = self.trainer.evaluate([self.val])
        c = self.curves
        c.grey_loss = m["grey_loss"]
        c.val_steps.append(self.steps)
        c.val_seconds.append(round(self.seconds, 3))
        c.val_loss.append(m["val_loss"])
        if self.first_colour is None and m["val_loss"] <= FIRST_COLOUR_RATIO * m["grey_loss"]:
            self.first_colour = (self.steps, self.seconds)

    def tick(self, budget: float = TICK_SECONDS, max_steps: int | None = None) -> int:
        """Train for about ``budget`` seconds (at least one step), then validate once.

        Returns the number of steps done (0 once the run has reached its caps).
        """
        done = 0
        start = time.perf_counter()
        while not self.finished and (max_steps is None or done < max_steps):
            t0 = time.perf_counter()
            loss = self.trainer.step(*self._batch())
            self.seconds += time.perf_counter() - t0
            self.curves.train_steps.append(self.steps)
            self.curves.train_loss.append(loss)
            done += 1
            if time.perf_counter() - start >= budget:
                break
        if done:
            t0 = time.perf_counter()
            self._evaluate()
            self.seconds += time.perf_counter() - t0
            self.curves.val_seconds[-1] = round(self.seconds, 3)
        return done

    # -- what the screen shows -------------------------------------------------------------
    @torch.no_grad()
    def preview(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Three image strips (grey | prediction | truth) of the fixed preview crops, uint8.

        The prediction goes through the app's one inference path (:class:`Colorizer`, on a
        frozen copy of the model, at the run's crop size), showing the model's own L.
        """
        gray, _, rgb = (t[self.preview_index] for t in self.val)
        colorizer = Colorizer(self.snapshot(), device="cpu", working_size=self.settings.size)
        true_rgb = [(r.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for r in rgb]
        pred_rgb = [colorizer.render(colorizer.predict(r.permute(1, 2, 0).numpy()),
                                     use_model_l=True, full_resolution=False).rgb for r in rgb]
        grey = [np.repeat((g[0].numpy() * 255).round().astype(np.uint8)[..., None], 3, axis=2)
                for g in gray]
        return tuple(_strip(x) for x in (grey, pred_rgb, true_rgb))

    def snapshot(self) -> UNet:
        """A frozen copy of the model (for the colorize screen: training goes on separately)."""
        model = copy.deepcopy(self.model).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        return model

    def nbytes(self) -> int:
        """Memory this run holds: photos, validation crops, model and optimizer state."""
        arrays = [*self.photos, *self.val]
        arrays += [p for p in self.model.parameters()]
        for state in self.trainer.optimizer.state.values():
            arrays += [v for v in state.values() if torch.is_tensor(v)]
        return int(sum(a.nbytes for a in arrays)) + 8 * 3 * MAX_STEPS  # + the curves

    def metadata(self) -> dict:
        """Stored in the JSON of a download: how this model was trained."""
        return {"source": "live-training", "settings": self.settings.to_dict(),
                "steps": self.steps, "seconds": round(self.seconds, 1),
                "val_ratio": round(self.ratio, 4), "photos": len(self.photos)}

    def summary(self) -> dict:
        """What the runs comparison keeps (no model, no photos: a few numbers)."""
        c = self.curves
        return {"run_id": self.run_id, "settings": self.settings, "steps": self.steps,
                "seconds": list(c.val_seconds), "val_steps": list(c.val_steps),
                "ratios": c.ratios(), "first_colour": self.first_colour}


def _strip(images: list[np.ndarray], gap: int = 2) -> np.ndarray:
    """Images side by side with a white gap."""
    h = images[0].shape[0]
    parts = []
    for i, im in enumerate(images):
        if i:
            parts.append(np.full((h, gap, 3), 255, np.uint8))
        parts.append(im)
    return np.concatenate(parts, axis=1)


def remember_run(runs: list[dict], summary: dict, keep: int = MAX_RUNS_KEPT) -> list[dict]:
    """The runs list with ``summary`` replacing the entry of the same run id, last ``keep``."""
    out = [r for r in runs if r["run_id"] != summary["run_id"]] + [summary]
    return out[-keep:]


def time_to_first_colour(settings: LiveSettings, photos: Sequence[np.ndarray],
                         limit_seconds: float = MAX_SECONDS,
                         tick: float = TICK_SECONDS) -> dict:
    """Train with ``settings`` until the first colour (or the limit), tick by tick as the
    training screen does; for the benchmark.

    Returns the step and training seconds of the first colour (None if not reached), the
    number of ticks it took (the screen shows one tick per second), the wall time, and the
    last validation ratio.
    """
    wall0 = time.perf_counter()
    run = LiveRun(settings, photos)
    ticks = 0
    while run.first_colour is None and run.seconds < limit_seconds and not run.finished:
        run.tick(tick)
        ticks += 1
    return {"first_colour_step": run.first_colour[0] if run.first_colour else None,
            "first_colour_seconds": run.first_colour[1] if run.first_colour else None,
            "ticks": ticks, "wall_seconds": time.perf_counter() - wall0, "steps": run.steps,
            "ratio": run.ratio, "grey_loss": run.curves.grey_loss}
