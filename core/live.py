"""Live training in the browser: one small U-Net per student, trained tick by tick.

The training screen calls :meth:`LiveRun.tick` from a Streamlit fragment that reruns every
second; a tick does as many :meth:`core.train.Trainer.step` as fit in a short time box
(0.6 s by default), then measures the validation loss. Nothing here blocks, starts a
thread or imports Streamlit: the state of a run lives in the student's own session.

Server-wide caps (one Streamlit server serves a whole class):

* at most :data:`MAX_TRAININGS` sessions train at once (``COLORISATION_MAX_TRAININGS``,
  4 by default). :class:`SlotRegistry` hands out *leases* that expire when a session stops
  ticking for :data:`LEASE_SECONDS` (a closed tab frees its slot); the others wait in a
  first-come, first-served queue and see their position;
* every run stops after :data:`MAX_STEPS` steps or :data:`MAX_SECONDS` seconds of training;
* the CPU is shared: ticks of all sessions go through :func:`compute_slot`, at most
  :data:`COMPUTE_SLOTS` (``COLORISATION_TRAIN_PARALLEL``, half the cores by default) at the
  same time, each with :data:`CPU_THREADS` torch thread (``COLORISATION_TRAIN_THREADS``, 1),
  so trainings never take the whole machine (``torch.set_num_threads`` sets the calling
  thread's OpenMP team size, and is restored at the end of the tick). Replicas on one
  machine share these slots when ``COLORISATION_TRAIN_SLOT_DIR`` names a common folder;
* memory stays small: at most :data:`MAX_PHOTOS` photos per session, each downscaled to
  :data:`PHOTO_SIDE` pixels, and tiny models (width <= 16, depth <= 4, crops <= 128 px).
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch

from core.color import to_rgb
from core.data import PhotoArrays, StepBatches, make_pair
from core.images import resize_max_side
from core.train import Trainer
from core.unet import UNet, UNetConfig


def _env_int(name: str, default: int, low: int = 1) -> int:
    try:
        return max(low, int(os.environ.get(name, default)))
    except ValueError:
        return default


#: Sessions that may train at the same time on one server.
MAX_TRAININGS = _env_int("COLORISATION_MAX_TRAININGS", 4)
#: A session that has not ticked for this long loses its training slot (closed tab).
LEASE_SECONDS = 15.0
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
#: Ticks computing at the same time, each with CPU_THREADS torch threads. One thread per
#: tick: on a busy CPU, OpenMP teams of 2+ threads spin and run 3-10x slower (measured).
_CPUS = os.cpu_count() or 1
COMPUTE_SLOTS = _env_int("COLORISATION_TRAIN_PARALLEL", max(1, _CPUS // 2))
CPU_THREADS = _env_int("COLORISATION_TRAIN_THREADS", 1)
#: A validation loss at or below this fraction of the grey baseline's: colour is visible.
FIRST_COLOUR_RATIO = 0.8
#: Runs kept per session for the comparison chart.
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

    def differences(self, other: LiveSettings) -> dict[str, tuple]:
        """``{name: (mine, theirs)}`` for every setting that differs (the runs comparison)."""
        return {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if f.name != "seed" and getattr(self, f.name) != getattr(other, f.name)}

    def to_dict(self) -> dict:
        return asdict(self)


# -- server-wide caps ----------------------------------------------------------------------
class SlotRegistry:
    """Thread-safe training slots with expiring leases and a first-come, first-served queue.

    Every tick of a training session calls :meth:`request`; a holder that stops calling
    (closed tab, lost connection) loses its slot after ``lease_seconds``. Waiting sessions
    also refresh their place by calling :meth:`request`; a waiter that stops asking leaves
    the queue after the same delay.
    """

    def __init__(self, capacity: int = MAX_TRAININGS, lease_seconds: float = LEASE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.capacity = max(1, int(capacity))
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._holders: dict[str, float] = {}  # session id -> last seen
        self._waiting: OrderedDict[str, float] = OrderedDict()  # arrival order

    def _expire(self, now: float) -> None:
        for table in (self._holders, self._waiting):
            for sid in [s for s, seen in table.items() if now - seen > self.lease_seconds]:
                del table[sid]

    def request(self, session_id: str) -> int:
        """0 when ``session_id`` holds (or just got) a slot, else its 1-based queue position."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            if session_id in self._holders:
                self._holders[session_id] = now
                return 0
            if session_id not in self._waiting:
                self._waiting[session_id] = now
            self._waiting[session_id] = now
            free = self.capacity - len(self._holders)
            ahead = list(self._waiting).index(session_id)
            if ahead < free:
                del self._waiting[session_id]
                self._holders[session_id] = now
                return 0
            return ahead - free + 1

    def release(self, session_id: str) -> None:
        """Give the slot (or the place in the queue) back at once (pause, reset, end)."""
        with self._lock:
            self._holders.pop(session_id, None)
            self._waiting.pop(session_id, None)

    def counts(self) -> tuple[int, int]:
        """(sessions training, sessions waiting)."""
        with self._lock:
            self._expire(self.clock())
            return len(self._holders), len(self._waiting)


#: The one registry of this server (module global on purpose: it is shared by design and
#: holds only anonymous session ids, never a student's data).
REGISTRY = SlotRegistry()
_COMPUTE = threading.BoundedSemaphore(COMPUTE_SLOTS)
#: Folder of the machine-wide slot lock files: app replicas on one machine (one process per
#: core behind nginx) then share COMPUTE_SLOTS between them instead of each taking as many.
SLOT_DIR = os.environ.get("COLORISATION_TRAIN_SLOT_DIR", "")


class MachineSlots:
    """``n`` CPU slots shared by every process of a machine: ``fcntl`` locks on ``n`` files.

    The kernel drops a process's locks when it dies, so a killed replica never leaks a slot.
    """

    def __init__(self, folder: str | os.PathLike, n: int):
        self.paths = [os.path.join(folder, f"train-slot-{i}.lock") for i in range(n)]
        os.makedirs(folder, exist_ok=True)

    def acquire(self, timeout: float) -> int | None:
        """A held file descriptor, or None after ``timeout`` seconds."""
        import fcntl

        end = time.monotonic() + timeout
        while True:
            for path in self.paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except OSError:
                    os.close(fd)
            if time.monotonic() >= end:
                return None
            time.sleep(0.02)

    @staticmethod
    def release(fd: int) -> None:
        os.close(fd)  # closing the descriptor releases its flock


_MACHINE = MachineSlots(SLOT_DIR, COMPUTE_SLOTS) if SLOT_DIR else None


@contextmanager
def compute_slot(timeout: float = 2.0, threads: int = CPU_THREADS) -> Iterator[bool]:
    """Hold one of the server's :data:`COMPUTE_SLOTS` CPU slots; yields False on timeout.

    With ``COLORISATION_TRAIN_SLOT_DIR`` set, the slots are the machine's (shared by all
    replicas, see :class:`MachineSlots`); otherwise this process's. Inside, this thread's
    torch uses ``threads`` threads; the previous value is restored.
    """
    fd = None
    if _MACHINE is not None:
        fd = _MACHINE.acquire(timeout)
        got = fd is not None
    else:
        got = _COMPUTE.acquire(timeout=timeout)
    before = torch.get_num_threads()
    try:
        if got:
            torch.set_num_threads(threads)
        yield got
    finally:
        if got:
            torch.set_num_threads(before)
            if fd is not None:
                MachineSlots.release(fd)
            else:
                _COMPUTE.release()


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


def unit_lab_of(output: str, pred: torch.Tensor, gray: torch.Tensor,
                lab: torch.Tensor) -> torch.Tensor:
    """A batch of predictions in any output space -> unit Lab (N, 3, H, W) for display.

    ``ab`` borrows L from the truth's lightness (the grey input carries it), ``rgb`` is
    converted by :func:`core.color.rgb_to_unit_lab` per image.
    """
    if output == "lab":
        return pred
    if output == "ab":
        return torch.cat([lab[:, :1], pred], dim=1)
    from core.color import rgb_to_unit_lab

    rgb = ((pred.clamp(-1, 1) + 1) / 2).permute(0, 2, 3, 1).numpy()
    return torch.from_numpy(np.stack([rgb_to_unit_lab(x) for x in rgb])).permute(0, 3, 1, 2)


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
        """Three image strips (grey | prediction | truth) of the fixed preview crops, uint8."""
        gray, lab, rgb = (t[self.preview_index] for t in self.val)
        self.model.eval()
        pred = unit_lab_of(self.settings.output, self.model(gray), gray, lab)
        pred_rgb = [to_rgb(p.permute(1, 2, 0).numpy()) for p in pred.clamp(-1, 1)]
        true_rgb = [(r.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for r in rgb]
        grey = [np.repeat((g[0].numpy() * 255).round().astype(np.uint8)[..., None], 3, axis=2)
                for g in gray]
        return tuple(_strip(x) for x in (grey, pred_rgb, true_rgb))

    def snapshot(self) -> UNet:
        """A frozen copy of the model (for the colorize screen: training goes on separately)."""
        model = copy.deepcopy(self.model).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        return model

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
    """Train with ``settings`` until the first colour (or the limit); for the benchmark."""
    wall0 = time.perf_counter()
    run = LiveRun(settings, photos)
    while run.first_colour is None and run.seconds < limit_seconds and not run.finished:
        run.tick(tick)
    return {"first_colour_step": run.first_colour[0] if run.first_colour else None,
            "first_colour_seconds": run.first_colour[1] if run.first_colour else None,
            "wall_seconds": time.perf_counter() - wall0, "steps": run.steps,
            "ratio": run.ratio, "grey_loss": run.curves.grey_loss}
