"""The hint session (core.hints.session) and the views computed from it (core.hints.view),
on photos at the sizes phones take them: one pixel space, whatever size a view works at."""

from __future__ import annotations

import io

import numpy as np
import pytest
from phone_photos import BALL, phone_jpeg, png_bytes, scene
from PIL import Image

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.compare import photo_digest
from core.hints import view as hv
from core.hints.planes import Hint
from core.hints.session import MAX_HINTS, HintSession
from core.hints.suggest import load_table
from core.images import load_image


@pytest.fixture(scope="module")
def model() -> Colorizer:
    return Colorizer.from_weights(DEFAULT_WEIGHTS.with_name("hints"), device="cpu")


def test_a_tap_lands_on_the_photo_pixel_under_the_finger():
    s = HintSession()
    s.for_photo("a", (3024, 4032))
    # a tap at the centre of a 720 x 540 picture is the centre of the photo
    assert s.tap(360 - 0.5, 270 - 0.5, 720, 540)
    h = s.hints[0]
    assert h.x == pytest.approx(2015.5, abs=0.01) and h.y == pytest.approx(1511.5, abs=0.01)
    # the same picture drawn 3 times smaller on a phone: the same point of the photo
    s.tap(120 - 0.5, 90 - 0.5, 240, 180)
    assert (s.hints[1].x, s.hints[1].y) == pytest.approx((h.x, h.y), abs=0.01)
    # a tap on the picture's far corner stays inside the photo
    s.tap(720, 540, 720, 540)
    assert s.hints[2].x == 4031 and s.hints[2].y == 3023
    # the hints at the size a view works at: the same points
    shown = s.hints_on((960, 1280))
    assert shown[0].x == pytest.approx(639.5, abs=0.01) and shown[0].y == pytest.approx(479.5)


def test_a_repeated_tap_counts_once_and_edits_can_be_undone():
    s = HintSession()
    s.for_photo("a", (100, 200))
    assert s.tap(10, 10, 200, 100, stamp=1)
    assert not s.tap(10, 10, 200, 100, stamp=1)  # the component repeats its last click
    assert s.tap(50, 50, 200, 100, stamp=2)
    assert len(s.hints) == 2 and s.selected == 1
    s.recolour("#2050a0")
    assert s.hints[1].rgb == (0x20, 0x50, 0xA0) and s.colour == "#2050a0"
    s.mode = "move"
    s.tap(150, 20, 200, 100, stamp=3)
    assert (s.hints[1].x, s.hints[1].y, len(s.hints)) == (150, 20, 2)
    s.delete_selected()
    assert len(s.hints) == 1 and s.selected == 0
    s.undo()
    assert len(s.hints) == 2 and s.hints[1].x == 150
    s.undo()
    s.undo()
    assert s.hints[1].rgb == Hint.from_hex(0, 0, "#d62828").rgb  # before the recolour
    s.clear()
    assert s.hints == () and s.can_undo
    with pytest.raises(ValueError):
        s.recolour("red")


def test_too_many_hints_are_refused_with_a_message_and_a_new_photo_clears_them():
    s = HintSession()
    s.for_photo("a", (100, 100))
    for i in range(MAX_HINTS):
        s.tap(i % 100, i // 100, 100, 100)
    assert not s.tap(5, 5, 100, 100) and len(s.hints) == MAX_HINTS
    assert s.take_message() == "too_many" and s.take_message() is None
    assert not s.for_photo("a", (100, 100))
    assert s.for_photo("b", (100, 100))
    assert s.hints == () and s.selected is None and not s.can_undo


def test_true_hints_are_stored_in_the_photos_own_pixels():
    full = scene(4032, 3024)
    shown = np.asarray(Image.fromarray(full).resize((1280, 960)))
    s = HintSession()
    s.for_photo("a", full.shape[:2])
    s.give_true_hints(shown, 10)
    assert len(s.hints) == 10
    for h in s.hints:
        assert 0 <= h.x < 4032 and 0 <= h.y < 3024
        # each hint carries the true colour at its point of the full photo
        true = full[int(round(h.y)), int(round(h.x))].astype(int)
        assert np.abs(np.array(h.rgb) - true).max() < 40, (h, true)


def dot_colour(rgb: np.ndarray, x: float, y: float) -> np.ndarray:
    r, c = int(round(y)), int(round(x))
    return rgb[r - 1:r + 2, c - 1:c + 2].reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize("kind", ["landscape_jpeg", "portrait_exif", "png_2560"])
def test_every_view_of_a_phone_photo_uses_the_same_points(model, kind):
    data = {"landscape_jpeg": lambda: phone_jpeg(4032, 3024),
            "portrait_exif": lambda: phone_jpeg(3024, 4032, orientation=6),
            "png_2560": lambda: png_bytes(2560, 1600)}[kind]()
    full = load_image(data)
    expect = {"landscape_jpeg": (3024, 4032), "portrait_exif": (4032, 3024),
              "png_2560": (1600, 2560)}[kind]
    assert full.shape[:2] == expect  # EXIF orientation applied
    H, W = full.shape[:2]
    digest = photo_digest(full)
    s = HintSession()
    s.for_photo(digest, (H, W))
    # three taps on a 720 px picture: the ball, the sky, the meadow
    pw, ph = (720, 720 * H / W) if W >= H else (720 * W / H, 720)
    taps = [(0.3, 0.65), (0.5, 0.15), (0.6, 0.9)]
    colours = ["#1e8c28", "#e6b400", "#c81e78"]
    for (fx, fy), colour in zip(taps, colours, strict=True):
        s.colour = colour
        s.tap(fx * pw, fy * ph, pw, ph)
    view = hv.hint_view(model, full, digest, s, previous=None)
    sh, sw = view.photo.shown.shape[:2]
    assert max(sh, sw) <= 1280 and view.result.rgb.shape[:2] == (sh, sw)
    for h, (fx, fy) in zip(view.settings.hints, taps, strict=True):
        assert h.x == pytest.approx(fx * sw, abs=1.5) and h.y == pytest.approx(fy * sh, abs=1.5)
    # influence: the result's size, and zero far from a hint that changes nothing there
    for i in range(3):
        delta = hv.influence_map(model, view, i)
        assert delta.shape == (sh, sw)
        assert 0.0 < hv.reach(delta) <= 1.0
    # fills and several colourings: the same size, each dot where it was tapped
    for rgb in (hv.nearest_fill_rgb(view), hv.edge_fill_rgb(view)):
        assert rgb.shape == (sh, sw, 3)
    several = hv.colourings(model, view, load_table())
    assert len(several) == 3
    for rgb in several:
        assert rgb.shape == (sh, sw, 3)
        drawn = hv.draw_hints(rgb, view.settings.hints)
        for h in view.settings.hints:
            assert np.abs(dot_colour(drawn, h.x, h.y) - np.array(h.rgb)).max() < 3
    # suggestions: the model's colour without the hint, not the hint echoed back
    sugg = hv.suggestions_at(model, view, 0, load_table())
    assert sugg[0]["source"] == "model"
    labels = [(g["source"], g["hue"]) for g in sugg]
    assert len(labels) >= 3
    # against the truth (a colour photo): rows for 0, 1, 3 and 10 true hints
    rows = hv.hints_against_truth(model, view)
    assert [r["hints"] for r in rows] == [0, 1, 3, 10]
    if kind != "landscape_jpeg":
        return  # the download (12 MP, seconds) once is enough: its scaling is the same
    # the download: full resolution, the green hint's colour on the ball where it was tapped
    png = Image.open(io.BytesIO(hv.download_png(model, view))).convert("RGB")
    assert png.size == (W, H)
    out = np.asarray(png)
    x, y = int(taps[0][0] * W), int(taps[0][1] * H)
    patch = out[y - 5:y + 5, x - 5:x + 5].reshape(-1, 3).mean(axis=0)
    assert patch[1] > patch[0], patch  # green now, where the photo was red (BALL)
    assert np.asarray(BALL)[0] > np.asarray(BALL)[1]


def test_a_session_of_another_photo_is_refused(model):
    full = scene(640, 480)
    s = HintSession()
    s.for_photo("other", (480, 640))
    with pytest.raises(ValueError):
        hv.hint_view(model, full, photo_digest(full), s)
