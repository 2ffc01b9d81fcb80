"""Everything the colorize screen shows about one photo, in one call.

    view = compare_view(rgb, colorizer, Settings("shipped", 96, saturation=1.2), previous)

The screen works at display resolution (longest side :data:`SHOW_SIDE`): what a reader sees
is the same, and a 12 MP phone photo costs what a 1 MP one does; the download is made at full
resolution (:func:`full_resolution_png`). A :class:`View` holds the rendered colorization,
its encoded image, and, when the photo was in colour, the metrics against the truth and
against the grey photo and the per-pixel colour error. What does not depend on a changed
setting is taken from ``previous``: the model's :class:`~core.colorizer.Prediction` across
saturation / lightness changes (post-processing only), the photo's grey, truth and grey
metrics across any change.
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from dataclasses import dataclass, field

import numpy as np
import torch

from core.color import grey_rgb, lab_to_rgb_clipped, rgb_to_lab_torch
from core.colorizer import Colorization, Colorizer
from core.hints.planes import scale_hints
from core.images import is_grey, resize_max_side, to_jpeg_bytes, to_png_bytes
from core.metrics import at_eval_size, compare

#: Longest side of the photo on the screen (the download keeps full resolution).
SHOW_SIDE = 1280
#: Longest side of the colour-error map (every k-th pixel: a light heat map).
ERROR_SIDE = 320
#: Longest side of the maps of the predicted channels.
CHANNEL_SIDE = 200


#: id(array) -> (weak reference to it, its digest): read-only photos are hashed once.
_DIGESTS: dict[int, tuple[weakref.ref, str]] = {}


def photo_digest(rgb: np.ndarray) -> str:
    """A short fingerprint of a photo's pixels (cache key; never leaves the session).

    A read-only array that owns its pixels, or whose pixels are an immutable ``bytes``
    (a decoded upload: ui/upload.py freezes it), cannot change, so its digest is computed
    once and remembered while the array lives: the colorize and hints screens ask for it
    on every rerun, and a 12 MP photo takes 35 ms of CPU to hash.
    """
    frozen = not rgb.flags.writeable and (rgb.flags.owndata or isinstance(rgb.base, bytes))
    if frozen:
        hit = _DIGESTS.get(id(rgb))
        if hit is not None and hit[0]() is rgb:
            return hit[1]
    # the array's own buffer: no 36 MB copy of a 12 MP photo (tobytes) before hashing it
    a = np.ascontiguousarray(rgb)
    digest = hashlib.blake2b(memoryview(a).cast("B"), digest_size=8).hexdigest()
    if frozen:
        key = id(rgb)
        _DIGESTS[key] = (weakref.ref(rgb, lambda _ref, k=key: _DIGESTS.pop(k, None)), digest)
    return digest


def every_kth(a: np.ndarray, side: int) -> np.ndarray:
    """Every k-th pixel so that the longest side is at most ``side`` (light heat maps)."""
    k = max(1, int(np.ceil(max(a.shape[:2]) / side)))
    return a[::k, ::k]


def lab_of(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (H, W, 3) of an RGB uint8 photo (torch conversion, scikit-image's numbers)."""
    a = np.ascontiguousarray(rgb)
    if not a.flags.writeable:  # a frozen upload (ui/upload.py): torch wants a writable buffer
        a = a.copy()
    t = torch.from_numpy(a).permute(2, 0, 1).float() / 255.0
    return rgb_to_lab_torch(t).permute(1, 2, 0).numpy()


def lab_axis_colours(channel: str, n: int = 11, lightness: float = 65.0
                     ) -> list[tuple[float, tuple[int, int, int]]]:
    """The colour each value of a Lab axis means, for a colour scale: (position in [0, 1],
    RGB) at ``n`` values from -100 to 100 of ``a`` (green -> red) or ``b`` (blue -> yellow),
    at lightness 65 (scikit-image's conversion: the reference of the teaching screens)."""
    v = np.linspace(-100.0, 100.0, n)
    lab = np.zeros((1, n, 3))
    lab[..., 0] = lightness
    lab[0, :, 1 if channel == "a" else 2] = v
    rgb = np.clip(np.round(lab_to_rgb_clipped(lab)[0] * 255), 0, 255).astype(int)
    return [(i / (n - 1), tuple(int(c) for c in rgb[i])) for i in range(n)]


def ab_error(pred_lab: np.ndarray, truth_lab: np.ndarray) -> np.ndarray:
    """Per-pixel colour error sqrt(Δa² + Δb²) in Lab units (lightness left out).

    ``pred_lab`` (H, W, 3) is taken on the same :func:`every_kth` grid as ``truth_lab``.
    """
    pred = every_kth(pred_lab, ERROR_SIDE)
    return np.hypot(pred[..., 1] - truth_lab[..., 1], pred[..., 2] - truth_lab[..., 2])


@dataclass(frozen=True, eq=False)
class Photo:
    """One photo at display resolution, with what does not depend on the model."""

    digest: str
    full: np.ndarray  # (H, W, 3) uint8 as loaded (the download's resolution)
    shown: np.ndarray  # longest side at most SHOW_SIDE: what the screen colorizes
    gray_jpeg: bytes  # the NTSC grey photo, encoded once
    truth_jpeg: bytes | None  # the photo itself when it was in colour, else None
    grey_metrics: dict | None  # the grey photo against the truth (the baseline)
    truth_lab: np.ndarray | None  # the truth's Lab on the colour-error grid

    @property
    def has_truth(self) -> bool:
        """A colour photo: its own colours are the truth the colorization is compared with."""
        return self.truth_jpeg is not None

    @functools.cached_property
    def truth_at_eval_size(self) -> np.ndarray:
        """The shown photo at the metrics' size: resized once, not on every saturation step."""
        return at_eval_size(self.shown)


def study_photo(rgb: np.ndarray, digest: str | None = None) -> Photo:
    """Grey check, grey version, truth and the grey baseline's metrics of a photo."""
    shown = resize_max_side(rgb, SHOW_SIDE)
    grey = grey_rgb(shown)
    colour = not is_grey(shown)
    return Photo(digest=digest or photo_digest(rgb), full=rgb, shown=shown,
                 gray_jpeg=to_jpeg_bytes(grey),
                 truth_jpeg=to_jpeg_bytes(shown) if colour else None,
                 grey_metrics=compare(grey, shown) if colour else None,
                 truth_lab=lab_of(every_kth(shown, ERROR_SIDE)) if colour else None)


@dataclass(frozen=True)
class Settings:
    """The screen's choices. ``hints``: core.hints.Hint in pixels of :attr:`Photo.shown`."""

    model_key: str  # which model (the shipped one, a student's): a prediction is per model
    working_size: int
    saturation: float = 1.0
    use_model_l: bool = False
    hints: tuple = ()

    def same_prediction(self, other: Settings) -> bool:
        """True when only post-processing differs (the model need not run again)."""
        return (self.model_key, self.working_size, self.hints) == (
            other.model_key, other.working_size, other.hints)


@dataclass(frozen=True, eq=False)
class View:
    """What the screen shows for one photo and one setting."""

    photo: Photo
    settings: Settings
    result: Colorization  # at display resolution; result.prediction is the model's output
    rgb_jpeg: bytes
    #: the screen's own objects derived from the prediction (figures), kept while it is.
    memo: dict = field(default_factory=dict)

    # Computed when a screen first reads them, then kept: the hints screen shows them only
    # in its "against the true colours" view, so a tap does not pay for SSIM on every
    # colour photo (bench_actions: metrics were a fifth of a tap's CPU).
    @functools.cached_property
    def metrics(self) -> dict | None:
        """psnr, ssim, colourfulness, colourfulness_truth against the truth (colour photos;
        None for a grey one)."""
        return (compare(self.result.rgb, self.photo.truth_at_eval_size)
                if self.photo.has_truth else None)

    @functools.cached_property
    def ab_error(self) -> np.ndarray | None:
        """(h, w) Δab on the ERROR_SIDE grid against the truth (colour photos; else None)."""
        if not self.photo.has_truth:
            return None
        return ab_error(self.result.lab, self.photo.truth_lab)

    @property
    def channels(self) -> np.ndarray:
        """The prediction's L, a, b in Lab units at the working size (longest side at most
        CHANNEL_SIDE): what the model itself output, before any post-processing."""
        return every_kth(self.result.prediction.lab, CHANNEL_SIDE)

    def matches(self, digest: str, settings: Settings) -> bool:
        return self.photo.digest == digest and self.settings == settings


def compare_view(rgb: np.ndarray, colorizer: Colorizer, settings: Settings,
                 previous: View | None = None, digest: str | None = None,
                 photo: Photo | None = None) -> View:
    """The view of a photo for these settings (reusing what ``previous`` already computed).

    ``photo``: the photo already studied (:func:`study_photo` of ``rgb``), when the caller
    needed its display size first (hints are placed in its pixels).
    """
    digest = digest or photo_digest(rgb)
    same_photo = previous is not None and previous.photo.digest == digest
    if photo is None or photo.digest != digest:
        photo = previous.photo if same_photo else study_photo(rgb, digest)
    reuse = same_photo and previous.settings.same_prediction(settings)
    prediction = (previous.result.prediction if reuse else
                  colorizer.predict(photo.shown, settings.working_size, settings.hints))
    result = colorizer.render(prediction, saturation=settings.saturation,
                              use_model_l=settings.use_model_l)
    return View(photo=photo, settings=settings, result=result,
                rgb_jpeg=to_jpeg_bytes(result.rgb), memo=previous.memo if reuse else {})


def full_resolution_png(photo: Photo, colorizer: Colorizer, settings: Settings) -> bytes:
    """The download: the colorization at the photo's full resolution, as PNG bytes."""
    hints = scale_hints(settings.hints, photo.shown.shape[:2], photo.full.shape[:2])
    res = colorizer.colorize(photo.full, working_size=settings.working_size,
                             use_model_l=settings.use_model_l,
                             saturation=settings.saturation, hints=hints)
    return to_png_bytes(res.rgb)
