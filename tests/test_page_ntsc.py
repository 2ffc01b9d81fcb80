"""AppTest of the NTSC screen: presets move the sliders, the probe and the gap are computed."""

from __future__ import annotations

import pytest
from conftest import metric, number, open_page

from core.i18n import t


def _open(lang: str):
    return open_page("ntsc", lang)


def _metric(at, key: str, lang: str) -> str:
    return metric(at, t(key, lang))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_ntsc_screen(lang):
    at = _open(lang)
    assert at.title[0].value == t("ntsc.title", lang)
    # The sample is named as the picker names it, not by its key ("astronaut").
    assert t("common.current_photo", lang, name=t("common.sample_astronaut", lang)) in [
        c.value for c in at.caption]
    # French TeX writes the decimal comma {,}
    assert any(("0{,}299" if lang == "fr" else "0.299") in x.value for x in at.latex)
    # Pure red (the probe's default) through NTSC: 0.299 * 255 = 76.
    assert _metric(at, "ntsc.probe_y", lang) == "76"
    assert _metric(at, "ntsc.diff_ntsc", lang) == ("0,0" if lang == "fr" else "0.0")
    assert number(_metric(at, "ntsc.probe_ltrue", lang), lang) == pytest.approx(53.2, abs=0.1)

    # The "1/3 each" button sets the three sliders; pure red then gives 85.
    at.button(key="ntsc_preset_equal").click().run()
    assert not at.exception
    assert [s.value for s in at.slider] == pytest.approx([1 / 3] * 3, abs=1e-3)
    assert _metric(at, "ntsc.probe_y", lang) == "85"
    assert number(_metric(at, "ntsc.diff_ntsc", lang), lang) > 0.5

    # Green only: a pure green pixel becomes white, pure red black.
    at.button(key="ntsc_preset_green").click().run()
    assert _metric(at, "ntsc.probe_y", lang) == "0"
    at.number_input(key="ntsc_probe_G").set_value(255).run()
    at.number_input(key="ntsc_probe_R").set_value(0).run()
    assert _metric(at, "ntsc.probe_y", lang) == "255"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_ntsc_sum_warning_and_normalise(lang):
    at = _open(lang)
    assert not at.warning
    at.slider(key="ntsc_wR").set_value(0.9).run()
    assert at.warning and ("1,601" if lang == "fr" else "1.601") in at.warning[0].value
    at.checkbox(key="ntsc_norm").check().run()
    assert not at.exception and not at.warning
    assert any((r"\Sigma = 1{,}000" if lang == "fr" else r"\Sigma = 1.000") in x.value
               for x in at.latex)
    # Normalised weights 0.9/1.601, ...: pure red gives round(255 * 0.562) = 143.
    assert _metric(at, "ntsc.probe_y", lang) == "143"


def test_ntsc_gap_grows_on_colour_wheel():
    at = _open("en")
    astronaut = float(_metric(at, "ntsc.gap_mean", "en"))
    at.selectbox(key="ntsc_sample").set_value("colorwheel").run()
    assert not at.exception
    wheel = float(_metric(at, "ntsc.gap_mean", "en"))
    assert wheel > astronaut + 3
    assert float(_metric(at, "ntsc.gap_max", "en")) > 20


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pixel_probe_keeps_the_photo_proportions_and_speaks_of_touch(lang):
    """The grey panel matches the colour panel's axes and only the colour panel is anchored
    (anchored to its own x as well, the grey one was drawn stretched sideways); the text
    says what works with a finger, not only the mouse wheel."""
    import json

    at = _open(lang)
    probe = next(f for f in (json.loads(e.proto.spec) for e in at.get("plotly_chart"))
                 if [d["type"] for d in f["data"]] == ["image", "image"])
    layout = probe["layout"]
    assert layout["xaxis2"].get("matches") == "x" and layout["yaxis2"].get("matches") == "y"
    assert layout["yaxis"].get("scaleanchor") == "x" and "scaleanchor" not in layout["yaxis2"]
    text = t("ntsc.probe_text", lang)
    assert text in [m.value for m in at.markdown]
    assert ("Touchez" in text and "molette" not in text) if lang == "fr" else (
        "Tap" in text and "scroll" not in text)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_shares_chart_writes_percentages_the_language_way(lang):
    """The shares bar: "0,299·R : 30 %" in French, "0.299·R: 30%" in English (English pages
    had French spacing before the colon and the percent sign)."""
    import json

    at = _open(lang)
    shares = next(f for f in (json.loads(e.proto.spec) for e in at.get("plotly_chart"))
                  if f["data"][0]["type"] == "bar" and f["data"][0].get("orientation") == "h"
                  and f["data"][0]["y"] == ["Y"])
    sign = "\u202f%" if lang == "fr" else "%"
    assert shares["layout"]["xaxis"]["ticksuffix"] == sign
    texts = [d["text"] for d in shares["data"]]
    assert all(x.endswith(sign) and x[-len(sign) - 1].isdigit() for x in texts), texts
    long = [x for x in texts if "·" in x]
    assert long and all((" : " in x) if lang == "fr" else (": " in x and " :" not in x)
                        for x in long), texts
