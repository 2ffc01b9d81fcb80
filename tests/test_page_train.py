"""Live-training screen (AppTest): start, ticks that learn, save/load, isolation of sessions."""

import numpy as np
from streamlit.testing.v1 import AppTest

from core import live
from core.weights import model_from_bytes, model_to_bytes

FAST = {"tr_size": 32, "tr_width": 4, "tr_depth": 2, "tr_batch": 4, "tr_lr": 1e-2}


def open_train(lang="en", **state):
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    at.query_params["lang"] = lang
    at.session_state["tr_keep"] = dict(FAST)  # tiny model: a fast test
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    return at


def test_start_ticks_and_learns():
    at = open_train()
    run = at.session_state["live_run"]
    assert run.steps == 0 and run.settings.size == 32
    first_val = run.curves.val_loss[0]
    [b for b in at.button if b.label == "Start"][0].click().run()
    assert at.session_state["live_running"]
    for _ in range(4):  # in AppTest the fragment does not tick by itself: every run is a tick
        at.run()
        assert not at.exception
    run = at.session_state["live_run"]
    assert run.steps > 4
    assert run.curves.val_loss[-1] < first_val
    shown = {m.label: m.value for m in at.metric}
    assert int(shown["Steps"]) > 0  # the screen shows the progress (one tick behind)
    assert any("Preview at step" in m.value for m in at.markdown)
    # Pause stops the ticks and frees the slot.
    [b for b in at.button if b.label == "Pause"][0].click().run()
    steps = at.session_state["live_run"].steps
    at.run()
    assert at.session_state["live_run"].steps == steps
    assert at.session_state["live_sid"] not in live.REGISTRY._holders


def test_step_button_and_runs_comparison_and_french():
    at = open_train(lang="fr")
    [b for b in at.button if b.label == "Quelques pas"][0].click().run()
    assert at.session_state["live_run"].steps > 0
    at.session_state["tr_keep"] = {**FAST, "tr_output": "ab"}
    [b for b in at.button if b.label == "Nouvel entraînement"][0].click().run()
    # A new run with the same widget values; the first one stays in the comparison.
    [b for b in at.button if b.label == "Quelques pas"][0].click().run()
    assert [r["run_id"] for r in at.session_state["live_runs"]] == [1, 2]
    assert any("Comparer vos entraînements" in s.value for s in at.subheader)
    assert not at.exception


def test_saved_model_loads_back_and_colorizes_the_same():
    at = open_train()
    [b for b in at.button if b.label == "A few steps"][0].click().run()
    run = at.session_state["live_run"]
    tensors, config = model_to_bytes(run.model, run.metadata())
    model, meta = model_from_bytes(tensors, config)
    at.session_state["live_loaded"] = (model, meta)
    at.switch_page("pages/colorize.py").run()
    radio = at.radio(key="cz_choice")
    assert set(radio.options) >= {"Shipped model", "My loaded model"}
    radio.set_value("trained").run()
    trained = at.session_state["cz_view"]["res"].rgb
    at.radio(key="cz_choice").set_value("loaded").run()
    assert not at.exception
    np.testing.assert_array_equal(at.session_state["cz_view"]["res"].rgb, trained)


def test_a_second_session_sees_nothing_of_the_first():
    first = open_train()
    [b for b in first.button if b.label == "A few steps"][0].click().run()
    first.session_state["live_photos"] = [("x", np.zeros((8, 8, 3), np.uint8))]
    second = open_train()
    assert second.session_state["live_run"] is not first.session_state["live_run"]
    assert second.session_state["live_run"].steps == 0
    assert second.session_state["live_photos"] == []
    assert second.session_state["live_runs"] == []
    assert second.session_state["live_sid"] != first.session_state["live_sid"]
    second.switch_page("pages/colorize.py").run()
    assert "My training" not in " ".join(second.radio(key="cz_choice").options)
