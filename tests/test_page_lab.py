"""AppTest of the Lab screen: scaling, gamut slice, channel play and other colour spaces."""

from __future__ import annotations

import pytest
from conftest import bounds, metric, number, open_page

from core.i18n import t


def _metric(at, key: str, lang: str, **fmt) -> str:
    return metric(at, t(key, lang, **fmt))


def _number(at, key: str, lang: str) -> float:
    return number(_metric(at, key, lang), lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_lab_screen(lang):
    at = open_page("lab", lang)
    assert at.title[0].value == t("lab.title", lang)

    # Raw Lab ranges of the astronaut, then the same scaled to [-1, 1].
    assert bounds(_metric(at, "lab.range_of", lang, c="L"), lang) == pytest.approx((0, 100), abs=0.01)
    a_lo, a_hi = bounds(_metric(at, "lab.range_of", lang, c="a"), lang)
    at.toggle(key="lab_scaled").set_value(True).run()
    assert bounds(_metric(at, "lab.range_of", lang, c="L'"), lang) == pytest.approx((-1, 1), abs=0.01)
    sa_lo, sa_hi = bounds(_metric(at, "lab.range_of", lang, c="a'"), lang)
    assert (sa_lo, sa_hi) == pytest.approx((a_lo / 110, a_hi / 110), abs=0.006)

    # The gamut slice shrinks towards black.
    mid = _number(at, "lab.gamut_inside", lang)
    at.slider(key="lab_gamut_L").set_value(10).run()
    dark = _number(at, "lab.gamut_inside", lang)
    assert 0 < dark < mid

    # Channel play: a = b = 0 leaves a grey image (no saturation at all).
    before = _number(at, "lab.chroma_before", lang)
    assert _number(at, "lab.chroma_after", lang) == pytest.approx(before, abs=0.2)
    at.checkbox(key="lab_zero_ab").check().run()
    assert not at.exception
    assert _metric(at, "lab.chroma_after", lang) == ("0,0" if lang == "fr" else "0.0")
    at.checkbox(key="lab_zero_ab").uncheck().run()
    at.slider(key="lab_sat").set_value(2.0).run()
    assert _number(at, "lab.chroma_after", lang) > 1.5 * before

    # YCbCr's Y is the NTSC grey.
    assert _number(at, "lab.ycbcr_check", lang) < 0.01


def test_lab_swap_keeps_saturation():
    at = open_page("lab")
    before = _number(at, "lab.chroma_before", "fr")
    at.checkbox(key="lab_swap_ab").check().run()
    assert not at.exception
    # sqrt(a^2 + b^2) is symmetric in a and b (up to gamut clipping).
    assert _number(at, "lab.chroma_after", "fr") == pytest.approx(before, rel=0.15)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_other_spaces_captions_use_the_language_punctuation(lang):
    """The other colour spaces' captions: "Y : [0 ; 255] — mesuré ..." in French, "Y: [0, 255]
    — measured ..." in English (English had the French space before the colon)."""
    at = open_page("lab", lang)
    captions = [i.caption for e in at.get("image") for i in e.proto.imgs
                if " — " in i.caption and "[" in i.caption]
    assert captions
    for c in captions:
        name = c.split("[")[0]
        assert name.endswith(" : ") if lang == "fr" else (name.endswith(": ")
                                                          and not name.endswith(" : ")), c
