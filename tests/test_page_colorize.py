"""Colorize screen (AppTest): full-resolution result, channels, truth and metrics, options."""

import numpy as np
from streamlit.testing.v1 import AppTest

from core.images import is_grey
from core.samples import load_sample


def open_colorize(lang="en"):
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/colorize.py").run()
    assert not at.exception
    return at


def test_colour_sample_full_resolution_with_truth_and_metrics():
    at = open_colorize()
    at.selectbox(key="cz_samples_name").set_value("coffee")
    at.select_slider(key="cz_working").set_value(128).run()
    assert not at.exception
    res = at.session_state["cz_result"]
    truth = load_sample("coffee")
    assert res.rgb.shape == truth.shape and res.rgb.dtype == np.uint8  # full resolution
    assert res.unit_lab.shape[0] == 128  # the model ran at the working size
    assert not is_grey(res.rgb)
    shown = {m.label: m.value for m in at.metric}
    assert {"Model time", "Total time", "PSNR", "SSIM", "Colourfulness"} <= set(shown)
    assert shown["PSNR"].endswith("dB") and 5 < float(shown["PSNR"].split()[0]) < 60
    assert any("Comparison with the truth" in s.value for s in at.subheader)
    assert any(s.value.startswith("The three channels") for s in at.subheader)


def test_old_photo_has_no_truth_and_saturation_zero_gives_grey():
    at = open_colorize()
    at.radio(key="cz_source").set_value("old").run()
    at.slider(key="cz_sat").set_value(0.0).run()
    assert not at.exception
    res = at.session_state["cz_result"]
    assert res.rgb.shape == load_sample(at.session_state["cz_old_name"]).shape
    assert is_grey(res.rgb)  # a and b multiplied by 0: nothing but lightness left
    assert "PSNR" not in {m.label for m in at.metric}
    assert any("no \"right\" colours" in i.value for i in at.info)


def test_model_lightness_option_and_french():
    at = open_colorize("fr")
    at.select_slider(key="cz_working").set_value(128).run()
    a = at.session_state["cz_result"]
    at.toggle(key="cz_model_l").set_value(True).run()
    b = at.session_state["cz_result"]
    assert not at.exception
    assert not np.array_equal(a.lab[..., 0], b.lab[..., 0])  # L now comes from the model
    assert any("Comparaison avec la vérité" in s.value for s in at.subheader)
