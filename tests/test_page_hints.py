"""Colour hints screen (AppTest): hints change the result, survive saturation, undo, clear,
suggestions, true hints against the truth, a new photo clears them; real-size phone photos
through every view; an injected failure shows a message, never a traceback.

Taps on the photo go through a custom component that AppTest cannot tap: they are covered
by the browser test (tests/test_browser_hints.py); here they go to the student's
HintSession the way the tap callback forwards them.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import open_page
from phone_photos import phone_jpeg, png_bytes

from core.images import load_image, resize_max_side
from ui import state
from ui.errors import STRICT_ENV


def result(at) -> np.ndarray:
    return at.session_state[state.HINTS_VIEW].result.rgb


def session(at):
    return at.session_state[state.HINT_SESSION]


def tap(at, fx: float, fy: float, colour: str | None = None, width: float = 720):
    """A tap at (fx, fy) (fractions of the picture) on a picture ``width`` px wide."""
    s = session(at)
    H, W = s.shape
    if colour:
        s.colour = colour
    s.tap(fx * width, fy * width * H / W, width, width * H / W)
    return at.run()


def test_a_hint_changes_the_result_and_survives_saturation():
    at = open_page("hints", "en")
    assert any(t.value == "Colour hints" for t in at.title)
    before = result(at)
    tap(at, 0.5, 0.5, "#14c828")
    assert not at.exception
    after = result(at)
    assert np.abs(after.astype(int) - before.astype(int)).max() > 30
    # the suggestion buttons of the selected hint, each with its own sentence
    uses = [b for b in at.button if b.key and b.key.startswith("hints_use_")]
    assert len(uses) >= 3
    assert len({b.label for b in uses}) == len(uses)
    assert uses[0].label == "The model's guess"
    uses[1].click().run()
    assert session(at).hints[0].rgb != (0x14, 0xC8, 0x28)
    at.slider(key="hints_sat").set_value(1.5).run()
    assert len(session(at).hints) == 1  # kept through a saturation change
    assert at.session_state[state.HINTS_VIEW].settings.saturation == 1.5


def test_undo_delete_clear():
    at = open_page("hints", "fr")
    tap(at, 0.1, 0.1, "#ff0000")
    tap(at, 0.6, 0.6, "#0000ff")
    next(b for b in at.button if b.label == "Supprimer").click().run()
    assert len(session(at).hints) == 1
    next(b for b in at.button if b.label == "Annuler").click().run()
    assert len(session(at).hints) == 2
    next(b for b in at.button if b.label == "Tout effacer").click().run()
    assert session(at).hints == ()
    assert not at.exception


def test_true_hints_are_scored_against_the_truth():
    at = open_page("hints", "en")
    at.segmented_control(key="hints_explain").set_value("truth").run()
    assert [b.label for b in at.button if b.key == "hints_true_1"] == ["Give 1 true hint"]
    at.button(key="hints_true_10").click().run()
    assert not at.exception
    assert len(session(at).hints) == 10
    labels = {m.label: m.value for m in at.metric}
    with_hints = float(labels["PSNR with 10 hints"].split()[0])
    auto = float(labels["Automatic model (no hint)"].split()[0])
    assert with_hints > auto  # ten true colours beat guessing


def test_other_views_and_new_photo_clears_hints():
    at = open_page("hints", "en")
    tap(at, 1 / 3, 1 / 3, "#e6c814")
    for kind in ("influence", "fills", "several"):
        at.segmented_control(key="hints_explain").set_value(kind).run()
        assert not at.exception, kind
        assert len(at.image) >= 2, kind
    at.selectbox(key="hints_picker_sample").set_value("coffee").run()
    assert session(at).hints == ()


PHONE_PHOTOS = {
    "landscape 4032 x 3024 JPEG": lambda: phone_jpeg(4032, 3024),
    "portrait 3024 x 4032 (EXIF orientation)": lambda: phone_jpeg(3024, 4032, orientation=6),
    "2560 px PNG": lambda: png_bytes(2560, 1600),
}


@pytest.mark.parametrize("name", list(PHONE_PHOTOS))
def test_phone_photos_through_every_view(name):
    rgb = load_image(PHONE_PHOTOS[name]())
    at = open_page("hints", "fr")
    # what the upload does (ui.photo.set_photo): the full photo, and a small one for screens
    at.session_state[state.PHOTO_FULL] = rgb
    at.session_state[state.PHOTO] = ("phone.jpg", resize_max_side(rgb, 512))
    at.run()
    assert session(at).shape == rgb.shape[:2]
    taps = [(0.3, 0.65, "#1e8c28"), (0.5, 0.15, "#e6b400"), (0.6, 0.9, "#c81e78")]
    for fx, fy, colour in taps:
        tap(at, fx, fy, colour, width=340)  # a phone's picture
        assert not at.exception
    view = at.session_state[state.HINTS_VIEW]
    sh, sw = view.photo.shown.shape[:2]
    for h, (fx, fy, _colour) in zip(view.settings.hints, taps, strict=True):
        assert (h.x / sw, h.y / sh) == pytest.approx((fx, fy), abs=0.005)
        # the result shows the hint's colour under its dot
        assert view.result.rgb.shape[:2] == (sh, sw)
    for kind in ("influence", "fills", "several", "truth"):
        at.segmented_control(key="hints_explain").set_value(kind).run()
        assert not at.exception, (name, kind)
        assert not [e.value for e in at.error], (name, kind)
    at.button(key="hints_true_3").click().run()
    assert not at.exception and len(session(at).hints) == 3


def test_an_unexpected_error_shows_a_short_message_and_the_page_still_answers(monkeypatch):
    monkeypatch.delenv(STRICT_ENV, raising=False)  # as students run it
    at = open_page("hints", "en")
    tap(at, 0.5, 0.5, "#14c828")

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure in /work/main/core/hints/view.py")

    monkeypatch.setattr("core.hints.view.influence_map", broken)
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "unexpected problem" in errors[0], errors
    assert "Traceback" not in errors[0] and "/work" not in errors[0] and ".py" not in errors[0]
    ref = errors[0].rstrip(".").rsplit(" ", 1)[-1]
    assert len(ref) == 6 and ref.isalnum()
    # the rest of the page works: the title, the evaluation, and a control still answers
    assert any(t.value == "Colour hints" for t in at.title)
    assert at.subheader
    at.slider(key="hints_sat").set_value(1.4).run()
    assert at.session_state[state.HINTS_VIEW].settings.saturation == 1.4
    # another view of the same screen is not affected
    at.segmented_control(key="hints_explain").set_value("fills").run()
    assert not at.exception and not at.error
    # a failure of the whole screen: the message, and the app's menu still there
    monkeypatch.setattr("ui.photo.photo_full", broken)
    at.run()
    assert not at.exception
    assert any("unexpected problem" in e.value for e in at.error)
    monkeypatch.undo()
    at.run()
    assert not at.exception and not at.error



def test_a_grey_hint_says_why_it_hardly_spreads_and_a_vivid_one_does_not():
    """A hint duller than the automatic colour at its point reaches a fraction of the
    correction's radius (core.hints.correction.grey_reach); the screen says so under the
    selected hint's suggestions, with that share, and says nothing for a vivid hint."""
    from core.hints.view import hint_reach

    def notes(at):
        return [c.value for c in at.caption if "is duller" in c.value]

    at = open_page("hints", "en")
    tap(at, 0.25, 0.8, "#808080")  # grey on the suit, which the automatic model paints brown
    assert not at.exception
    assert session(at).selected == 0
    assert len(notes(at)) == 1 and notes(at)[0].startswith("Hint no. 1 is duller"), notes(at)
    share = int(notes(at)[0].split("(")[1].split("%")[0])
    assert 10 <= share < 50
    assert hint_reach(at.session_state[state.HINTS_VIEW], 0) == pytest.approx(
        share / 100, abs=0.01)
    tap(at, 0.25, 0.8, "#ff2020")  # the same point, a vivid red: the whole reach, no note
    assert session(at).selected == 1
    assert notes(at) == []
    assert hint_reach(at.session_state[state.HINTS_VIEW], 1) == 1.0
