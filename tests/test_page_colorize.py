"""Colorize screen (AppTest): full-resolution result, channels, truth and metrics, options."""

import numpy as np
from conftest import chart_figures, strings_in
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
    res = at.session_state["cz_view"].result
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
    res = at.session_state["cz_view"].result
    assert res.rgb.shape == load_sample(at.session_state["cz_old_name"]).shape
    assert is_grey(res.rgb)  # a and b multiplied by 0: nothing but lightness left
    assert "PSNR" not in {m.label for m in at.metric}
    assert any("no \"right\" colours" in i.value for i in at.info)


def test_model_lightness_option_and_french():
    at = open_colorize("fr")
    at.select_slider(key="cz_working").set_value(128).run()
    a = at.session_state["cz_view"].result
    at.toggle(key="cz_model_l").set_value(True).run()
    b = at.session_state["cz_view"].result
    assert not at.exception
    assert not np.array_equal(a.lab[..., 0], b.lab[..., 0])  # L now comes from the model
    assert any("Comparaison avec la vérité" in s.value for s in at.subheader)
    # the device in words of the page's language, not core's "CPU (1 thread)"
    badge = next(m.value for m in at.markdown if "badge[" in m.value)
    assert "processeur (" in badge and "thread" not in badge, badge


def test_saturation_change_reuses_the_prediction_and_download_is_full_resolution():
    import io

    import torch
    from PIL import Image

    from core.colorizer import Colorizer
    from core.compare import SHOW_SIDE, Settings, compare_view, full_resolution_png
    from core.unet import UNet, UNetConfig

    at = open_colorize()
    at.selectbox(key="cz_samples_name").set_value("coffee").run()
    before = at.session_state["cz_view"]
    at.slider(key="cz_sat").set_value(1.5).run()
    after = at.session_state["cz_view"]
    assert not at.exception
    # Post-processing only: the model's prediction object is reused, the colours change.
    assert after.result.prediction is before.result.prediction
    assert after.rgb_jpeg != before.rgb_jpeg
    ab = lambda v: np.abs(v.result.lab[..., 1:]).mean()  # noqa: E731
    assert ab(after) > 1.3 * ab(before)

    # A photo larger than the screen: shown at SHOW_SIDE, downloaded at full resolution.
    torch.manual_seed(0)
    model = Colorizer(UNet(UNetConfig(width=4, depth=2)), device="cpu")
    big = np.random.default_rng(0).integers(0, 255, (1500, 2000, 3), dtype=np.uint8)
    view = compare_view(big, model, Settings("m", 128))
    assert max(view.result.rgb.shape[:2]) == SHOW_SIDE
    png = full_resolution_png(view.photo, model, view.settings)
    assert Image.open(io.BytesIO(png)).size == (2000, 1500)


def test_error_map_is_dark_where_the_colour_is_right():
    """The caption says "dark = right colour": the scale starts dark at 0, written as rgb()
    (plotly's own Inferno starts with "#000004", a placeholder colour that Streamlit's front
    end replaces by a light purple; the browser test checks what is drawn)."""
    import re

    at = open_colorize()
    at.selectbox(key="cz_samples_name").set_value("coffee").run()
    # The decoded figures, not their JSON text: plotly writes "Δ" as "\u0394" unless orjson
    # is installed.
    charts = [fig for fig in chart_figures(at) if any("Δab" in s for s in strings_in(fig))]
    assert len(charts) == 1
    heat = charts[0]["data"][0]
    assert heat["zmin"] == 0
    colours = [tuple(map(int, re.findall(r"\d+", c))) for _, c in heat["colorscale"]]
    assert all(c.startswith("rgb(") for _, c in heat["colorscale"])
    assert sum(colours[0]) < 30 and sum(colours[-1]) > 500
    assert [sum(c) for c in colours] == sorted(sum(c) for c in colours)  # dark to light


def test_metric_arrows_say_what_they_compare_with():
    """PSNR's and SSIM's arrows compare with the grey photo, colourfulness's with the original
    (grey's colourfulness is 0): each arrow says so, and so does the text above them (it said
    that all of them compared with the grey photo)."""
    from core.i18n import t

    for lang in ("fr", "en"):
        at = open_colorize(lang)
        at.selectbox(key="cz_samples_name").set_value("coffee").run()
        assert not at.exception
        view = at.session_state["cz_view"]
        m, g = view.metrics, view.photo.grey_metrics
        deltas = {x.label: x.delta for x in at.metric}
        grey, original = t("colorize.vs_grey", lang, d=""), t("colorize.vs_truth_delta", lang, d="")
        assert deltas["PSNR"].endswith(grey) and deltas["SSIM"].endswith(grey), deltas
        colour = deltas[t("colorize.colourfulness", lang)]
        assert colour.endswith(original), deltas
        dot = (lambda s: s.replace(",", ".")) if lang == "fr" else (lambda s: s)
        assert float(dot(deltas["PSNR"].split()[0])) == round(m["psnr"] - g["psnr"], 1)
        assert float(dot(colour.split()[0])) == round(
            m["colourfulness"] - m["colourfulness_truth"], 1)
        intro = t("colorize.vs_truth_intro", lang)
        assert intro in [x.value for x in at.markdown]
        assert ("image grise" in intro and "photo d'origine" in intro) if lang == "fr" else (
            "grey image" in intro and "original photo" in intro)
