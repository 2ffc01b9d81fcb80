"""Live-training screen (AppTest): start, ticks that learn, refresh, save/load, isolation."""

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from core import admission, runs
from core.weights import model_from_bytes, model_to_bytes

FAST = {"tr_size": 32, "tr_width": 4, "tr_depth": 2, "tr_batch": 4, "tr_lr": 1e-2}


def open_train(lang="en", run=None, **state):
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    at.query_params["lang"] = lang
    if run is not None:
        at.query_params["run"] = run
    at.session_state["tr_keep"] = dict(FAST)  # tiny model: a fast test
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    return at


def workspace(at) -> runs.Workspace:
    ws = runs.STORE.get(at.session_state["run_token"])
    assert ws is not None
    return ws


def click(at, label):
    [b for b in at.button if b.label == label][0].click().run()
    assert not at.exception


def test_start_ticks_and_learns():
    at = open_train()
    run = at.session_state["live_run"]
    assert run.steps == 0 and run.settings.size == 32
    first_val = run.curves.val_loss[0]
    click(at, "Start")
    assert workspace(at).running
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
    click(at, "Pause")
    steps = at.session_state["live_run"].steps
    at.run()
    assert at.session_state["live_run"].steps == steps
    assert workspace(at).key not in admission.REGISTRY._holders


def test_a_refresh_finds_the_same_run_and_it_goes_on():
    """A new session with the URL's ?run= token (a refresh, a phone waking up) shows the
    same run: settings, model, curves, photos, running state; and it continues."""
    first = open_train(tr_keep={**FAST, "tr_output": "ab", "tr_data": "both"})
    ws = workspace(first)
    ws.photos.append(("mine", np.full((40, 60, 3), (200, 30, 30), np.uint8)))
    click(first, "New training")  # a run with the student's photo
    click(first, "Start")
    first.run()
    run, token = first.session_state["live_run"], first.session_state["run_token"]
    steps, curve = run.steps, list(run.curves.val_loss)
    assert steps > 0 and first.query_params["run"] == token

    again = open_train(run=token)  # the fresh session brings other widget values: ignored
    assert again.session_state["run_token"] == token
    assert again.session_state["live_run"] is run
    assert again.session_state["tr_output"] == "ab" and again.session_state["tr_data"] == "both"
    assert any("Welcome back" in i.value for i in again.info)
    assert any(b.label == "Pause" for b in again.button)  # still running: it goes on
    assert run.curves.val_loss[:len(curve)] == curve
    again.run()
    assert run.steps > steps
    assert len(workspace(again).photos) == 1
    assert any(b.label == "Download the model (.zip)" for b in again.get("download_button"))
    click(again, "Pause")


def test_a_wrong_token_says_so_and_starts_afresh():
    first = open_train()
    click(first, "A few steps")
    token = first.session_state["run_token"]
    other = open_train(run=token[:-3] + "xyz")
    assert any("unknown or has expired" in w.value for w in other.warning)
    assert other.session_state["run_token"] not in (token, token[:-3] + "xyz")
    assert other.session_state["live_run"].steps == 0
    assert other.query_params["run"] == other.session_state["run_token"]


def test_step_button_and_runs_comparison_and_french():
    at = open_train(lang="fr")
    click(at, "Quelques pas")
    assert at.session_state["live_run"].steps > 0
    at.session_state["tr_keep"] = {**FAST, "tr_output": "ab"}
    click(at, "Nouvel entraînement")
    # A new run with the same widget values; the first one stays in the comparison.
    click(at, "Quelques pas")
    assert [r["run_id"] for r in workspace(at).runs] == [1, 2]
    assert any("Comparer vos entraînements" in s.value for s in at.subheader)


def test_loss_chart_fits_every_value_and_labels_its_lines_in_the_legend():
    """Early losses are not cut at the top; the reference lines are legend entries (a label
    drawn inside the plot sits under the curves)."""
    at = open_train()
    click(at, "A few steps")
    chart = at.get("plotly_chart")[0]
    fig = json.loads(chart.proto.spec)
    top = fig["layout"]["yaxis"]["range"][1]
    values = [y for tr in fig["data"] for y in tr["y"]]
    assert max(values) <= top
    names = [tr["name"] for tr in fig["data"]]
    assert "grey (no colour)" in names and "colour visible (80% of grey)" in names
    assert not fig["layout"].get("annotations")


def test_saved_model_loads_back_and_colorizes_the_same():
    at = open_train()
    click(at, "A few steps")
    run = at.session_state["live_run"]
    tensors, config = model_to_bytes(run.model, run.metadata())
    model, meta = model_from_bytes(tensors, config)
    at.session_state["live_loaded"] = (model, meta)
    at.switch_page("pages/colorize.py").run()
    radio = at.radio(key="cz_choice")
    assert set(radio.options) >= {"Shipped model", "My loaded model"}
    radio.set_value("trained").run()
    trained = at.session_state["cz_view"].result.rgb
    at.radio(key="cz_choice").set_value("loaded").run()
    assert not at.exception
    np.testing.assert_array_equal(at.session_state["cz_view"].result.rgb, trained)


def test_a_second_session_sees_nothing_of_the_first():
    first = open_train()
    click(first, "A few steps")
    workspace(first).photos.append(("x", np.zeros((8, 8, 3), np.uint8)))
    second = open_train()
    assert second.session_state["run_token"] != first.session_state["run_token"]
    assert second.session_state["live_run"] is not first.session_state["live_run"]
    assert second.session_state["live_run"].steps == 0
    assert workspace(second).photos == [] and workspace(second).runs == []
    second.switch_page("pages/colorize.py").run()
    assert "My training" not in " ".join(second.radio(key="cz_choice").options)


def test_after_a_refresh_the_colorize_screen_offers_the_run_first_thing():
    """A refresh that lands on the colorize screen (not the training one) still offers the
    student's trained model: the run is found by the URL's token, not by the old session."""
    first = open_train()
    token, run = first.session_state["run_token"], first.session_state["live_run"]
    run.tick()  # trained directly: the screen's training slots may be held by other tests
    assert run.steps > 0

    again = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    again.query_params.update(lang="en", run=token)
    again.run()
    again.switch_page("pages/colorize.py").run()
    assert not again.exception
    assert f"My training #{run.run_id} ({run.steps} steps)" in again.radio(key="cz_choice").options
    again.radio(key="cz_choice").set_value("trained").run()
    assert not again.exception
    assert again.session_state["cz_model_key"] == f"trained-{run.run_id}-{run.steps}"

    stranger = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    stranger.query_params["lang"] = "en"
    stranger.run()
    stranger.switch_page("pages/colorize.py").run()
    assert stranger.radio(key="cz_choice").options == ["Shipped model"]


def test_my_photos_without_a_photo_disables_both_training_buttons():
    """With "My photos" chosen and no photo, neither Start nor "A few steps" may train the
    previous run (it was trained on other photos)."""
    at = open_train()
    at.session_state["live_run"].tick()  # directly: the training slots may be held by others
    steps = at.session_state["live_run"].steps
    at.radio(key="tr_data").set_value("own").run()
    assert not at.exception
    buttons = {b.label: b for b in at.button}
    assert buttons["A few steps"].disabled and buttons["Resume"].disabled
    assert at.session_state["live_run"].steps == steps
    at.radio(key="tr_data").set_value("samples").run()
    assert not {b.label: b for b in at.button}["A few steps"].disabled


def test_save_buttons_are_sentences():
    at = open_train(lang="fr")
    at.session_state["live_run"].tick()  # directly: the training slots may be held by others
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Les poids (.safetensors)" in labels and "La configuration (.json)" in labels
    assert not any(label.startswith(".") for label in labels), labels


def test_loss_chart_before_the_first_step_has_whole_steps_and_says_how_to_start(monkeypatch):
    """Before any step the step axis ran from 0 to 1 (0.2, 0.4...): it now shows whole steps
    with room for the curve, and the empty chart says which buttons draw it."""
    from core.i18n import t

    # training slots of its own: the runs of the tests above may still hold the server's
    monkeypatch.setattr(admission, "REGISTRY", admission.SlotRegistry())

    for lang in ("fr", "en"):
        at = open_train(lang)
        assert at.session_state["live_run"].steps == 0
        layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
        assert layout["xaxis"]["range"] == [0, 20]
        notes = [a["text"] for a in layout.get("annotations", [])]
        assert notes == [t("train.chart_empty", lang, start=t("train.start", lang),
                           step=t("train.step", lang))]
    click(at, "A few steps")
    assert at.session_state["live_run"].steps > 0, [w.value for w in at.warning]
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert not layout.get("annotations")  # the curve has started
