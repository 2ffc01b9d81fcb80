import io

import numpy as np
import pytest
from PIL import Image

from core.i18n import catalogue
from core.images import ERROR_KEYS, ImageError, _to_rgb, is_grey, load_image


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _gradient(w=40, h=30) -> np.ndarray:
    x = np.linspace(0, 255, w, dtype=np.uint8)
    y = np.linspace(0, 255, h, dtype=np.uint8)
    return np.dstack([np.tile(x, (h, 1)), np.tile(y[:, None], (1, w)),
                      np.full((h, w), 128, np.uint8)])


@pytest.mark.parametrize("mode,fmt", [
    ("RGB", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGBA", "PNG"),
    ("CMYK", "JPEG"), ("I;16", "PNG"), ("I", "TIFF"), ("F", "TIFF"), ("1", "PNG"),
    ("RGB", "JPEG"), ("L", "JPEG"), ("RGB", "WEBP"), ("RGB", "BMP"), ("P", "GIF"),
])
def test_every_mode_loads_to_rgb_uint8(mode, fmt):
    base = Image.fromarray(_gradient())
    if mode == "I;16":
        im = Image.fromarray(np.asarray(base.convert("L"), np.uint16) * 257)
    elif mode in ("I", "F"):
        im = Image.fromarray(np.asarray(base.convert("L")).astype(np.int32 if mode == "I"
                                                                    else np.float32))
    else:
        im = base.convert(mode)
    data = _encode(im, fmt)
    rgb = load_image(data)
    assert rgb.dtype == np.uint8 and rgb.shape == (30, 40, 3)
    if mode not in ("1",):
        # The horizontal gradient survives in the grey level: left darker than right.
        assert rgb[:, :5].mean() < rgb[:, -5:].mean()


def test_pa_mode_in_memory():
    # No common file format stores PA; Pillow can still produce it (e.g. from a GIF frame).
    im = Image.fromarray(_gradient()).convert("P").convert("PA")
    rgb = _to_rgb(im)
    assert rgb.dtype == np.uint8 and rgb.shape == (30, 40, 3)


def test_16bit_uses_its_full_range():
    arr = (np.linspace(0, 65535, 40 * 30).reshape(30, 40)).astype(np.uint16)
    rgb = load_image(_encode(Image.fromarray(arr), "PNG"))
    assert rgb.min() == 0 and rgb.max() == 255


def test_alpha_is_composited_on_white():
    im = Image.new("RGBA", (20, 20), (255, 0, 0, 0))
    rgb = load_image(_encode(im, "PNG"))
    assert (rgb == 255).all()


def test_exif_orientation_is_applied():
    im = Image.fromarray(_gradient(40, 20))  # wide
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    rgb = load_image(_encode(im, "JPEG", exif=exif))
    assert rgb.shape == (40, 20, 3)  # now tall


def test_first_frame_of_animation():
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    rgb = load_image(buf.getvalue())
    assert rgb[..., 0].mean() > 200 and rgb[..., 2].mean() < 50


def test_huge_photo_is_downscaled():
    im = Image.new("RGB", (5000, 1000), (10, 200, 30))
    rgb = load_image(_encode(im, "PNG"), max_side=1000)
    assert rgb.shape == (200, 1000, 3)


def _bomb() -> bytes:
    data = bytearray(_encode(Image.new("L", (10, 10)), "PNG"))
    # Rewrite the IHDR width/height (bytes 16-24) to 100000 x 100000: tiny file, huge image.
    import struct
    import zlib
    data[16:24] = struct.pack(">II", 100_000, 100_000)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


@pytest.mark.parametrize("data,key", [
    (b"", "empty"),
    (b"\x00\x01\x02garbage" * 10, "not_an_image"),
    (b"Bonjour, je ne suis pas une image.", "not_an_image"),
    (_encode(Image.fromarray(_gradient(200, 200)), "JPEG")[:300], "corrupt"),
    (_bomb(), "too_many_pixels"),
    (_encode(Image.new("RGB", (1, 1)), "PNG"), "too_small"),
    (_encode(Image.new("RGB", (2000, 20)), "PNG"), "bad_aspect"),
])
def test_bad_files_raise_image_error_with_translated_key(data, key):
    with pytest.raises(ImageError) as e:
        load_image(data)
    assert e.value.key == key
    assert key in ERROR_KEYS
    for lang in ("fr", "en"):
        assert f"errors.{key}" in catalogue(lang)


def test_is_grey():
    assert is_grey(np.repeat(_gradient()[..., :1], 3, axis=2))
    assert not is_grey(_gradient())


def test_oriented_size_is_the_displayed_size(tmp_path):
    from core.images import oriented_size

    im = Image.new("RGB", (30, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: displayed 20 wide, 30 high
    im.save(tmp_path / "r.jpg", exif=exif)
    im.save(tmp_path / "p.jpg")
    assert oriented_size(tmp_path / "r.jpg") == (30, 20)
    assert load_image(tmp_path / "r.jpg").shape[:2] == (30, 20)
    assert oriented_size(tmp_path / "p.jpg") == (20, 30)
