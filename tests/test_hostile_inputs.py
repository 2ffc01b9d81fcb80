"""Hostile and odd uploads: a correct picture or a translated message, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hostile_files import Hostile, hostile_files
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.i18n import catalogue, t
from core.images import ERROR_KEYS, ImageError, load_image

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FILES = hostile_files()


def test_at_least_twenty_files_of_both_kinds():
    assert len(FILES) >= 20
    assert len({f.name for f in FILES}) == len(FILES)
    assert sum(f.expect == "ok" for f in FILES) >= 10
    assert sum(f.expect != "ok" for f in FILES) >= 10


@pytest.mark.parametrize("f", FILES, ids=[f.name for f in FILES])
def test_hostile_file_gives_picture_or_translated_error(f: Hostile):
    try:
        rgb = load_image(f.data)
    except ImageError as e:  # any other exception fails the test
        assert f.expect != "ok", f"{f.name} should load, got ImageError({e.key}: {e.detail})"
        assert e.key in f.expect, (f.name, e.key, e.detail)
        for lang in ("fr", "en"):
            assert f"errors.{e.key}" in catalogue(lang), (lang, e.key)
        return
    assert f.expect == "ok", f"{f.name} should be refused with {f.expect}, loaded {rgb.shape}"
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
    assert rgb.flags["C_CONTIGUOUS"]
    if f.check is not None:
        f.check(rgb)


def test_same_result_from_bytes_file_object_and_path(tmp_path):
    f = next(f for f in FILES if f.name == "exif_rotated_6.jpg")
    path = tmp_path / f.name
    path.write_bytes(f.data)
    a = load_image(f.data)
    np.testing.assert_array_equal(a, load_image(io.BytesIO(f.data)))
    np.testing.assert_array_equal(a, load_image(path))
    np.testing.assert_array_equal(a, load_image(str(path)))


def test_every_error_key_is_translated_differently_in_both_languages():
    for key in ERROR_KEYS:
        fr, en = t(f"errors.{key}", "fr"), t(f"errors.{key}", "en")
        assert fr != f"errors.{key}" and en != f"errors.{key}"
        assert fr != en, key


def _good_png() -> bytes:
    y, x = np.mgrid[0:40, 0:60]
    rgb = np.stack([x * 4, y * 6, 255 - x * 4], axis=2).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_upload_bad_then_good_file_in_the_app(lang: str):
    """The real upload path (pages/ui.photo_picker): a bad file shows the translated message,
    the session keeps working, and a good file afterwards becomes the photo."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    bad = next(f for f in FILES if f.name == "truncated.jpg")
    at.file_uploader[0].set_value((bad.name, bad.data, bad.mime))
    at.run()
    assert not at.exception
    assert t("errors.corrupt", lang) in [e.value for e in at.error]
    assert at.session_state["photo"][0] != bad.name  # the previous photo is kept

    at.file_uploader[0].set_value(("good.png", _good_png(), "image/png"))
    at.run()
    assert not at.exception
    assert not at.error
    name, rgb = at.session_state["photo"]
    assert name == "good.png" and rgb.shape == (40, 60, 3)

    # ...and the session still works on another screen.
    at.switch_page("pages/ntsc.py").run()
    assert not at.exception


def test_upload_not_an_image_in_the_app():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    svg = next(f for f in FILES if f.name == "page.svg")
    at.file_uploader[0].set_value((svg.name, svg.data, svg.mime))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("errors.not_an_image", "fr")]
