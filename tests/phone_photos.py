"""Photos as phones take them, made on the fly (nothing large is committed).

A synthetic scene with objects a colour hint must stay on: a blue sky, a red ball, a green
meadow, a grey rock, with a little texture so JPEG behaves as on a real photo.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

SKY, BALL, MEADOW, ROCK = (70, 130, 220), (200, 30, 30), (60, 150, 50), (128, 120, 115)


def scene(width: int, height: int, seed: int = 0) -> np.ndarray:
    """(height, width, 3) uint8: sky above 40 % of the height, meadow below, a red ball
    centred at (30 %, 65 %) of the size, a grey rock at (75 %, 60 %)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.empty((height, width, 3), np.float32)
    img[:] = MEADOW
    img[yy < 0.4 * height] = SKY
    r = 0.12 * min(width, height)
    img[(xx - 0.3 * width) ** 2 + (yy - 0.65 * height) ** 2 < r**2] = BALL
    img[(np.abs(xx - 0.75 * width) < 0.1 * width) & (np.abs(yy - 0.6 * height) < 0.08 * height)] = ROCK
    img += rng.normal(0, 4, (height, width, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def phone_jpeg(width: int = 4032, height: int = 3024, orientation: int | None = None) -> bytes:
    """A 12 MP JPEG as a phone writes it. ``orientation=6`` stores the pixels sideways
    (``height`` x ``width`` stored as ``width`` x ``height``) with the EXIF tag that tells
    a viewer to turn them: displayed, it is a ``width`` x ``height`` photo (a portrait when
    width < height)."""
    rgb = scene(width, height)
    im = Image.fromarray(rgb)
    kwargs = {"quality": 90}
    if orientation == 6:
        im = im.transpose(Image.Transpose.ROTATE_90)  # stored sideways; 6 turns it back
        exif = Image.Exif()
        exif[0x0112] = 6
        kwargs["exif"] = exif.tobytes()
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def png_bytes(width: int = 2560, height: int = 1600) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(scene(width, height, seed=1)).save(buf, "PNG", compress_level=1)
    return buf.getvalue()
