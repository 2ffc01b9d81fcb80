"""Colour hints screen (AppTest): hints change the result, survive saturation, undo, clear,
suggestions, true hints against the truth, and a new photo clears them.

Clicks on the photo go through a custom component that AppTest cannot click: they are
covered by the browser test (tests/test_browser_hints.py); here the hints are placed the
way the click callback does, in the session.
"""

import numpy as np
from conftest import open_page

from core.hints import Hint
from ui import state


def result(at) -> np.ndarray:
    return at.session_state[state.HINTS_VIEW].result.rgb


def place(at, *hints: Hint):
    at.session_state[state.HINTS] = list(hints)
    at.session_state[state.HINTS_SELECTED] = len(hints) - 1
    at.session_state[state.HINTS_HISTORY] = [([], None)]
    return at.run()


def test_a_hint_changes_the_result_and_survives_saturation():
    at = open_page("hints", "en")
    assert any(t.value == "Colour hints" for t in at.title)
    before = result(at)
    h, w = at.session_state[state.HINTS_VIEW].photo.shown.shape[:2]
    place(at, Hint(w / 2, h / 2, (20, 200, 40)))
    assert not at.exception
    after = result(at)
    assert np.abs(after.astype(int) - before.astype(int)).max() > 30
    # the suggestion buttons of the selected hint are shown; "Use" recolours it
    uses = [b for b in at.button if b.key and b.key.startswith("hints_use_")]
    assert len(uses) >= 3
    uses[1].click().run()
    assert at.session_state[state.HINTS][0].rgb != (20, 200, 40)
    at.slider(key="hints_sat").set_value(1.5).run()
    assert len(at.session_state[state.HINTS]) == 1  # kept through a saturation change
    assert at.session_state[state.HINTS_VIEW].settings.saturation == 1.5


def test_undo_delete_clear():
    at = open_page("hints", "fr")
    place(at, Hint(5, 5, (255, 0, 0)), Hint(30, 30, (0, 0, 255)))
    delete = next(b for b in at.button if b.label == "Supprimer")
    delete.click().run()
    assert len(at.session_state[state.HINTS]) == 1
    next(b for b in at.button if b.label == "Annuler").click().run()
    assert len(at.session_state[state.HINTS]) == 2
    next(b for b in at.button if b.label == "Tout effacer").click().run()
    assert at.session_state[state.HINTS] == []
    assert not at.exception


def test_true_hints_are_scored_against_the_truth():
    at = open_page("hints", "en")
    at.segmented_control(key="hints_explain").set_value("truth").run()
    at.button(key="hints_true_10").click().run()
    assert not at.exception
    assert len(at.session_state[state.HINTS]) == 10
    labels = {m.label: m.value for m in at.metric}
    with_hints = float(labels["PSNR with 10 hint(s)"].split()[0])
    auto = float(labels["Automatic model (no hint)"].split()[0])
    assert with_hints > auto  # ten true colours beat guessing


def test_other_views_and_new_photo_clears_hints():
    at = open_page("hints", "en")
    h, w = at.session_state[state.HINTS_VIEW].photo.shown.shape[:2]
    place(at, Hint(w / 3, h / 3, (230, 200, 20)))
    for kind in ("influence", "nearest", "several"):
        at.segmented_control(key="hints_explain").set_value(kind).run()
        assert not at.exception, kind
        assert len(at.image) >= 2, kind
    at.selectbox(key="hints_picker_sample").set_value("coffee").run()
    assert at.session_state[state.HINTS] == []
