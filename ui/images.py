"""Images sent to the browser at display size, in a compact format.

``st.image`` given a numpy array sends a JPEG of quality 100 at the array's own size; a page
with a dozen photos then sends megabytes on every rerun. Photos go as JPEG (quality 88) at
most :data:`MAX_SIDE` px; pixel-exact pictures (enlarged pixels, maps with sharp edges) as
PNG, which stays small for them and keeps every edge.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

#: Longest side sent: a third of a 1440 px screen on a 2x display, a phone's width at 2x.
MAX_SIDE = 640


def _uint8(image: np.ndarray) -> np.ndarray:
    """uint8 as is; floats are read in [0, 1] and clipped (``st.image(clamp=True)``)."""
    if image.dtype == np.uint8:
        return image
    return np.round(np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) * 255).astype(np.uint8)


def _pil(image: np.ndarray, max_side: int, resample: Image.Resampling) -> Image.Image:
    a = _uint8(image)
    img = Image.fromarray(a[..., 0] if a.ndim == 3 and a.shape[-1] == 1 else a)
    if max(img.size) > max_side:
        scale = max_side / max(img.size)
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                         resample)
    return img


def jpeg(image: np.ndarray, max_side: int = MAX_SIDE, quality: int = 88) -> bytes:
    """A photo (H, W[, 3]) as JPEG bytes, longest side at most ``max_side``.

    Parameters
    ----------
    image
        uint8, or floats in [0, 1] (clipped).
    max_side, quality
        Downscale bound (Lanczos) and JPEG quality.
    """
    buf = io.BytesIO()
    img = _pil(image, max_side, Image.Resampling.LANCZOS)
    img.convert("L" if img.mode == "L" else "RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def png(image: np.ndarray, max_side: int = MAX_SIDE) -> bytes:
    """A pixel-exact picture as PNG bytes (downscaled only past ``max_side``, nearest)."""
    buf = io.BytesIO()
    _pil(image, max_side, Image.Resampling.NEAREST).save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def png_uri(image: np.ndarray, max_side: int = MAX_SIDE) -> str:
    """:func:`png` as a data URI, for a plotly image trace's ``source``.

    Given ``source`` instead of ``z``, plotly draws the picture as one image element and reads
    a hovered pixel's values back from it (PNG: exactly); ``z`` sends every pixel as JSON
    numbers and the browser redraws it pixel by pixel (0.26 s of a 0.42 s NTSC weight step,
    160 px panels, Chromium on 2 cores; bench_ui).
    """
    import base64

    return "data:image/png;base64," + base64.b64encode(png(image, max_side)).decode("ascii")
