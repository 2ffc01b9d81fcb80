"""Odd and hostile image files, generated in memory (nothing is written to disk).

Each :class:`Hostile` says what :func:`core.images.load_image` must do with it: return a
correct RGB uint8 array (``expect="ok"``, optionally checked by ``check``) or raise an
``ImageError`` whose key is in ``expect`` (a tuple of acceptable keys). Used by
tests/test_hostile_inputs.py and tests/test_browser.py.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from PIL import Image, features

from core.images import MAX_BYTES


@dataclass(frozen=True)
class Hostile:
    """One test file: its name (with the extension a student would see), bytes, expectation."""

    name: str
    data: bytes
    #: "ok", or the acceptable ImageError keys.
    expect: str | tuple[str, ...]
    #: For "ok" files: raises AssertionError when the decoded RGB array is wrong.
    check: Callable[[np.ndarray], None] | None = field(default=None, compare=False)
    mime: str = "application/octet-stream"


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _gradient(w: int = 64, h: int = 48) -> Image.Image:
    """A colourful RGB test picture (every pixel differs a little)."""
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1),
                    (x + y) * 255 // max(w + h - 2, 1)], axis=2).astype(np.uint8)
    return Image.fromarray(rgb)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def _png_bomb(w: int = 100_000, h: int = 100_000) -> bytes:
    """A PNG whose header declares w x h pixels, a few hundred bytes on disk."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit grey
    row = b"\x00" + b"\x00" * 16  # a few rows only: the decoder must never get that far
    idat = zlib.compress(row * 4, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


# ---- checks for the files that must load ------------------------------------------------

def _shape(h: int, w: int) -> Callable[[np.ndarray], None]:
    def check(rgb: np.ndarray) -> None:
        assert rgb.shape == (h, w, 3), rgb.shape
    return check


def _grey(h: int, w: int) -> Callable[[np.ndarray], None]:
    def check(rgb: np.ndarray) -> None:
        _shape(h, w)(rgb)
        assert np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
    return check


def _check_exif_rotated(rgb: np.ndarray) -> None:
    # Stored 64 wide x 32 high with a red block top-left; orientation 6 = "rotate 90 degrees
    # clockwise to display": the result is 32 wide x 64 high, the red block top-right.
    assert rgb.shape == (64, 32, 3), rgb.shape
    top_right = rgb[:8, -8:].reshape(-1, 3).mean(axis=0)
    top_left = rgb[:8, :8].reshape(-1, 3).mean(axis=0)
    assert top_right[0] > 200 and top_right[1] < 60, top_right
    assert top_left[0] < 60, top_left


def _check_transparent_white(rgb: np.ndarray) -> None:
    # Left half opaque red, right half fully transparent: composited on white.
    assert rgb.shape == (32, 32, 3), rgb.shape
    assert (rgb[:, :16] == (255, 0, 0)).all()
    assert (rgb[:, 16:] == 255).all()


def _check_palette_transparent(rgb: np.ndarray) -> None:
    assert rgb.shape == (32, 32, 3), rgb.shape
    assert (rgb[:, :16] == (0, 0, 255)).all()
    assert (rgb[:, 16:] == 255).all()


def _check_16bit(rgb: np.ndarray) -> None:
    # 16-bit ramp 0..65535 left to right: rescaled by 65535, not clipped at 255.
    _grey(16, 256)(rgb)
    row = rgb[0, :, 0].astype(int)
    assert row[0] <= 1 and row[-1] >= 254, (row[0], row[-1])
    assert np.all(np.diff(row) >= 0)
    assert len(np.unique(row)) > 200


def _check_ramp(rgb: np.ndarray) -> None:
    # Any integer or float range is rescaled to the full 0..255 range.
    _grey(16, 64)(rgb)
    row = rgb[0, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 255, (row[0], row[-1])
    assert np.all(np.diff(row) >= 0)


def _check_first_frame(rgb: np.ndarray) -> None:
    assert rgb.shape == (24, 24, 3), rgb.shape
    mean = rgb.reshape(-1, 3).mean(axis=0)
    assert mean[1] > 200 and mean[0] < 60, mean  # frame 0 is green, frame 1 red


def _check_cmyk(rgb: np.ndarray) -> None:
    assert rgb.shape == (32, 40, 3), rgb.shape
    mean = rgb.reshape(-1, 3).mean(axis=0)
    # C=255 M=0 Y=0 K=0 is cyan: little red, much green and blue (JPEG loses a little).
    assert mean[0] < 80 and mean[1] > 170 and mean[2] > 170, mean


def _check_colourful(h: int, w: int) -> Callable[[np.ndarray], None]:
    def check(rgb: np.ndarray) -> None:
        _shape(h, w)(rgb)
        assert rgb.dtype == np.uint8
        assert rgb[..., 0].std() > 10  # the gradient survived decoding
    return check


def _check_max_side(rgb: np.ndarray) -> None:
    from core.images import MAX_SIDE

    assert max(rgb.shape[:2]) <= MAX_SIDE and rgb.shape[2] == 3, rgb.shape
    assert abs(rgb.shape[1] / rgb.shape[0] - 3.0) < 0.05, rgb.shape  # aspect kept


# ---- the files --------------------------------------------------------------------------

def hostile_files(include_large: bool = True) -> list[Hostile]:
    """Every odd file (>= 20). ``include_large=False`` leaves out the two multi-MB ones."""
    return list(_hostile_files(include_large))


@cache
def _hostile_files(include_large: bool) -> tuple[Hostile, ...]:
    good_jpeg = _save(_gradient(), "JPEG", quality=90)
    out: list[Hostile] = [
        # Broken or not images at all.
        Hostile("empty.jpg", b"", ("empty",), mime="image/jpeg"),
        Hostile("random_bytes.jpg", bytes(np.random.default_rng(0).integers(0, 256, 4096,
                                                                          dtype=np.uint8)),
                ("not_an_image",), mime="image/jpeg"),
        Hostile("truncated.jpg", good_jpeg[: len(good_jpeg) // 2], ("corrupt",), mime="image/jpeg"),
        Hostile("header_only.png", b"\x89PNG\r\n\x1a\n", ("not_an_image", "corrupt"),
                mime="image/png"),
        Hostile("notes.txt.jpg", b"Bonjour, ceci n'est pas une image.\n" * 20,
                ("not_an_image",), mime="image/jpeg"),
        Hostile("page.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
                b'width="64" height="64"><rect width="64" height="64" fill="red"/></svg>',
                ("not_an_image",), mime="image/svg+xml"),
        Hostile("photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
                + b"\x00" * 512, ("not_an_image",), mime="image/heic"),
        # Sizes: bombs, strips, specks.
        Hostile("bomb.png", _png_bomb(), ("too_many_pixels",), mime="image/png"),
        Hostile("gif_bomb.gif", _gif_bomb(), ("too_many_pixels",), mime="image/gif"),
        Hostile("text_chunk_bomb.png", _text_chunk_bomb(), ("corrupt", "too_many_pixels"),
                mime="image/png"),
        Hostile("strip_20000x50.png", _save(Image.new("L", (20000, 50), 128), "PNG"),
                ("bad_aspect",), mime="image/png"),
        Hostile("pixel_1x1.png", _save(Image.new("RGB", (1, 1), (255, 0, 0)), "PNG"),
                ("too_small",), mime="image/png"),
        # Every pixel format.
        Hostile("cmyk.jpg", _save(Image.new("CMYK", (40, 32), (255, 0, 0, 0)), "JPEG"),
                "ok", _check_cmyk, "image/jpeg"),
        Hostile("grey16.png", _save(Image.fromarray(np.tile(
            np.linspace(0, 65535, 256).astype(np.uint16), (16, 1))), "PNG"),
                "ok", _check_16bit, "image/png"),
        Hostile("int32.tif", _save(Image.fromarray(np.tile(
            np.linspace(-100_000, 300_000, 64).astype(np.int32), (16, 1)), mode="I"), "TIFF"),
                "ok", _check_ramp, "image/tiff"),
        Hostile("float32.tif", _save(Image.fromarray(np.tile(
            np.linspace(-3.5, 12.0, 64).astype(np.float32), (16, 1)), mode="F"), "TIFF"),
                "ok", _check_ramp, "image/tiff"),
        Hostile("float_nan.tif", _save(Image.fromarray(np.where(
            np.arange(64 * 16).reshape(16, 64) % 7 == 0, np.nan, 0.5).astype(np.float32),
            mode="F"), "TIFF"), "ok", _grey(16, 64), "image/tiff"),
        Hostile("palette_transparent.png", _palette_transparent(), "ok",
                _check_palette_transparent, "image/png"),
        Hostile("rgba.png", _rgba(), "ok", _check_transparent_white, "image/png"),
        Hostile("grey_alpha_LA.png", _save(Image.merge("LA", (
            Image.new("L", (20, 30), 90), Image.new("L", (20, 30), 255))), "PNG"),
                "ok", _grey(30, 20), "image/png"),
        Hostile("bilevel_1bit.png", _save(_gradient(50, 40).convert("1"), "PNG"),
                "ok", _grey(40, 50), "image/png"),
        Hostile("bilevel_1bit.tif", _save(_gradient(50, 40).convert("1"), "TIFF",
                                          compression="group4"), "ok", _grey(40, 50),
                "image/tiff"),
        Hostile("exif_rotated_6.jpg", _exif_rotated(), "ok", _check_exif_rotated, "image/jpeg"),
        Hostile("bad_exif.jpg", _bad_exif(), "ok", _shape(48, 64), "image/jpeg"),
        Hostile("animated.gif", _animated_gif(), "ok", _check_first_frame, "image/gif"),
        Hostile("grey.jpg", _save(_gradient().convert("L"), "JPEG"), "ok", _grey(48, 64),
                "image/jpeg"),
        Hostile("photo.webp", _save(_gradient(), "WEBP"), "ok", _check_colourful(48, 64),
                "image/webp"),
        Hostile("photo.bmp", _save(_gradient(), "BMP"), "ok", _check_colourful(48, 64),
                "image/bmp"),
        Hostile("ycbcr.jpg", _save(_gradient(), "JPEG", subsampling=0), "ok",
                _check_colourful(48, 64), "image/jpeg"),
    ]
    if features.check("avif"):
        out.append(Hostile("photo.avif", _save(_gradient(), "AVIF"), "ok",
                           _check_colourful(48, 64), "image/avif"))
    else:  # without an AVIF codec, the translated "not an image" message
        out.append(Hostile("photo.avif", b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1"
                           + b"\x00" * 256, ("not_an_image",), mime="image/avif"))
    if include_large:
        out += [
            # Above the upload limit: refused before decoding (a real JPEG header first).
            Hostile("too_big.jpg", good_jpeg + b"\x00" * (MAX_BYTES + 1 - len(good_jpeg)),
                    ("too_large_file",), mime="image/jpeg"),
            # A 27-megapixel JPEG: decoded at reduced scale, longest side capped, aspect kept.
            Hostile("huge_9000x3000.jpg", _save(Image.new("RGB", (9000, 3000), (30, 120, 200)),
                                                "JPEG", quality=50),
                    "ok", _check_max_side, "image/jpeg"),
        ]
    return tuple(out)


def _palette_transparent() -> bytes:
    im = Image.new("P", (32, 32), 1)
    im.putpalette([0, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    px = im.load()
    for y in range(32):
        for x in range(16, 32):
            px[x, y] = 0
    return _save(im, "PNG", transparency=0)


def _rgba() -> bytes:
    arr = np.zeros((32, 32, 4), np.uint8)
    arr[:, :16] = (255, 0, 0, 255)
    arr[:, 16:] = (0, 255, 0, 0)  # green but fully transparent: must not show
    return _save(Image.fromarray(arr, "RGBA"), "PNG")


def _exif_rotated() -> bytes:
    arr = np.full((32, 64, 3), 20, np.uint8)
    arr[:8, :8] = (255, 0, 0)
    im = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    return _save(im, "JPEG", quality=95, exif=exif.tobytes())


def _bad_exif() -> bytes:
    """A JPEG whose APP1 'Exif' segment is garbage: orientation must fail gracefully."""
    jpeg = _save(_gradient(), "JPEG")
    payload = b"Exif\x00\x00" + b"MM\x00\x2a\x00\x00\x00\x08\xff\xff" + b"\x13" * 40
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + app1 + jpeg[2:]


def _gif_bomb() -> bytes:
    """A 16 x 16 GIF whose logical screen claims 65535 x 65535 pixels."""
    gif = bytearray(_save(Image.new("P", (16, 16), 0), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    return bytes(gif)


def _text_chunk_bomb() -> bytes:
    """A valid PNG carrying a zTXt chunk that inflates to 8 MB (8 KB on disk; Pillow allows 1 MB)."""
    png = _save(_gradient(), "PNG")
    payload = b"Comment\x00\x00" + zlib.compress(b"\x00" * (8 * 1024 * 1024), 9)
    return png[:33] + _png_chunk(b"zTXt", payload) + png[33:]  # right after IHDR


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (24, 24), (0, 255, 0)), Image.new("RGB", (24, 24), (255, 0, 0))]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
