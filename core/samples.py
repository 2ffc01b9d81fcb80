"""Bundled sample photos: scikit-image's images, on every machine that has scikit-image."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from skimage import data

#: Colour photos every screen can start on (name -> scikit-image loader).
COLOUR_SAMPLES = {
    "astronaut": data.astronaut,
    "chelsea": data.chelsea,
    "coffee": data.coffee,
    "rocket": data.rocket,
    "immunohistochemistry": data.immunohistochemistry,
    "colorwheel": data.colorwheel,
}
#: Old black-and-white photos (already grey): only the model can invent their colours.
GREY_SAMPLES = {
    "camera": data.camera,
    "moon": data.moon,
}
DEFAULT_SAMPLE = "astronaut"


@lru_cache(maxsize=16)
def _load(name: str) -> np.ndarray:
    loader = COLOUR_SAMPLES.get(name) or GREY_SAMPLES.get(name)
    if loader is None:
        raise KeyError(f"unknown sample {name!r}")
    img = np.asarray(loader())
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.shape[2] == 4:
        img = img[..., :3]
    img = img.astype(np.uint8)
    img.setflags(write=False)  # shared by every session: nobody may modify it
    return img


def load_sample(name: str) -> np.ndarray:
    """A sample as an (H, W, 3) RGB uint8 array (read-only)."""
    return _load(name)
