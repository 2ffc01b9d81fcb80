"""A short camera clip for Chromium's fake camera (``--use-file-for-fake-video-capture``),
made from the app's shipped sample photos, with the frame number burnt in.

The clip pans across a colour sample photo. Its top 16 rows carry the frame number as 8
black or white blocks (bit 7 on the left, 40 px each at 320 px wide), so that a reader of
any frame drawn from it (the grey or the colour canvas: both keep the lightness) knows
which frame of the clip it was, and a glass-to-glass latency can be read back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from core.samples import load_sample

BITS = 8
BAR_ROWS = 16


def frames(n: int = 90, width: int = 320, height: int = 240, sample: str = "astronaut"
           ) -> list[np.ndarray]:
    """``n`` RGB frames panning across ``sample``, each tagged with its number."""
    photo = Image.fromarray(load_sample(sample))
    scale = 1.3 * max(width / photo.width, height / photo.height)
    big = np.asarray(photo.resize((round(photo.width * scale), round(photo.height * scale))))
    out = []
    for k in range(n):
        t = 0.5 - 0.5 * np.cos(2 * np.pi * k / n)  # there and back: the clip loops smoothly
        y = int(t * (big.shape[0] - height))
        x = int(t * (big.shape[1] - width))
        f = big[y:y + height, x:x + width].copy()
        f[:BAR_ROWS] = 0
        block = width // BITS
        for i in range(BITS):
            if (k >> (BITS - 1 - i)) & 1:
                f[:BAR_ROWS, i * block:(i + 1) * block] = 255
        out.append(f)
    return out


def read_tag(rgb: np.ndarray, mirrored: bool = False) -> int:
    """The frame number burnt into a frame (RGB or grey, any size that keeps the layout)."""
    grey = rgb if rgb.ndim == 2 else rgb[..., :3].mean(axis=2)
    if mirrored:
        grey = grey[:, ::-1]
    h, w = grey.shape
    block = w / BITS
    row = grey[: max(1, round(BAR_ROWS * h / 240) // 2)].mean(axis=0)
    bits = [row[int((i + 0.5) * block)] > 128 for i in range(BITS)]
    return int(sum(int(b) << (BITS - 1 - i) for i, b in enumerate(bits)))


def write_y4m(path: str | Path, clip: list[np.ndarray], fps: int = 30) -> Path:
    """The clip as a YUV4MPEG2 4:2:0 file (what Chromium's fake camera reads)."""
    path = Path(path)
    h, w = clip[0].shape[:2]
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in clip:
            ycc = Image.fromarray(rgb).convert("YCbCr")
            y, cb, cr = ycc.split()
            f.write(b"FRAME\n")
            f.write(np.asarray(y).tobytes())
            f.write(np.asarray(cb.resize((w // 2, h // 2), Image.BILINEAR)).tobytes())
            f.write(np.asarray(cr.resize((w // 2, h // 2), Image.BILINEAR)).tobytes())
    return path
