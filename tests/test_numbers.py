"""Numbers written the language's way: "24,03 dB" and "[24,10 ; 24,16]" in French, "24.03 dB"
and "[24.10, 24.16]" in English, in catalogue templates, helpers, charts and on a screen."""

import json
import re
import string
from pathlib import Path

import pytest
from conftest import metric, open_page

import core.i18n as i18n
import ui.lang
from core.i18n import format_number, plotly_separators, t

ROOT = Path(__file__).resolve().parent.parent
NNBSP = "\u202f"  # narrow no-break space: French thousands separator and space before "%"


@pytest.mark.parametrize(("x", "spec", "fr", "en"), [
    (24.03, ".2f", "24,03", "24.03"),
    (0.25, "+.2f", "+0,25", "+0.25"),
    (-1.5, ".1f", "-1,5", "-1.5"),
    (2.5, "", "2,5", "2.5"),
    (1.5, "g", "1,5", "1.5"),
    (12345, "", "12345", "12345"),  # no thousands separator unless the spec asks for one
    (12345, ",", f"12{NNBSP}345", "12,345"),
    (1234567.891, ",.2f", f"1{NNBSP}234{NNBSP}567,89", "1,234,567.89"),
    (0.853, ".0%", f"85{NNBSP}%", "85%"),
    (0.0625, ".2%", f"6,25{NNBSP}%", "6.25%"),
    (1.2e-13, ".1e", "1,2e-13", "1.2e-13"),
    (-0.001, ".2f", "0,00", "0.00"),  # a rounded zero has no sign
    (-0.001, "+.2f", "+0,00", "+0.00"),
    (float("-inf"), ".1f", "-inf", "-inf"),
])
def test_format_number(x, spec, fr, en):
    assert format_number(x, spec, "fr") == fr
    assert format_number(x, spec, "en") == en


def test_format_number_takes_numpy_numbers():
    np = pytest.importorskip("numpy")
    assert format_number(np.float32(0.5), ".1f", "fr") == "0,5"
    assert format_number(np.int64(7), "", "fr") == "7"


@pytest.fixture
def templates(monkeypatch):
    """A catalogue of test templates (the real ones change with the texts)."""
    cat = {"x.one": "{x:.1f}", "x.mixed": "{x:.2f} dB, {n} photos, {s}, {big:,}, {p:.0%}, {y}",
           "x.range": "[{lo:.2f} ; {hi:.2f}]"}
    monkeypatch.setattr(i18n, "catalogue", lambda lang: cat)


def test_t_writes_numbers_in_the_language(templates):
    assert t("x.one", "fr", x=1.5) == "1,5"
    assert t("x.one", "en", x=1.5) == "1.5"
    args = {"x": 24.031, "n": 60, "s": "1.5 s, 2.5", "big": 12345, "p": 0.85, "y": 0.25}
    # integers as they are, strings passed as arguments untouched, floats with a comma
    assert t("x.mixed", "fr", **args) == f"24,03 dB, 60 photos, 1.5 s, 2.5, 12{NNBSP}345, 85{NNBSP}%, 0,25"
    assert t("x.mixed", "en", **args) == "24.03 dB, 60 photos, 1.5 s, 2.5, 12,345, 85%, 0.25"
    assert t("x.range", "fr", lo=-0.5, hi=0.25) == "[-0,50 ; 0,25]"


def test_t_in_english_is_str_format_for_every_real_template():
    """English output is exactly what the templates gave before (str.format)."""
    for key, text in i18n.catalogue("en").items():
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        args = {f: 1234.5678 for f in fields if "[" not in f and "." not in f}
        if len(args) != len(fields):
            continue
        try:
            expected = text.format(**args)
        except (ValueError, TypeError):
            continue
        assert t(key, "en", **args) == expected, key


def test_french_catalogue_writes_a_real_template_with_a_comma():
    fr = t("experiments.gain_img", "fr", gain=1.5, psnr=24.13, colour=33.0)
    en = t("experiments.gain_img", "en", gain=1.5, psnr=24.13, colour=33.0)
    assert "1,5" in fr and "24,1 dB" in fr and "." not in fr
    assert "1.5" in en and "24.1 dB" in en


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_num_interval_span_tex_follow_the_session(monkeypatch, lang):
    monkeypatch.setattr(ui.lang, "lang", lambda: lang)
    fr = lang == "fr"
    assert ui.lang.num(24.031) == ("24,03" if fr else "24.03")
    assert ui.lang.num(-0.0004, "+.3f") == ("+0,000" if fr else "+0.000")
    assert ui.lang.span(24.1, 24.16) == ("[24,10\u202f; 24,16]" if fr else "[24.10, 24.16]")
    assert ui.lang.interval(24.13, 24.1, 24.16) == (
        "24,13 [24,10\u202f; 24,16]" if fr else "24.13 [24.10, 24.16]")
    assert ui.lang.interval(0.11, -0.03, 0.29, "+.2f") == (
        "+0,11 [-0,03\u202f; +0,29]" if fr else "+0.11 [-0.03, +0.29]")
    # French TeX: {,} keeps the comma a decimal mark (no space after it)
    assert ui.lang.tex(0.299, ".3f") == ("0{,}299" if fr else "0.299")
    assert ui.lang.separators() == (",\u202f" if fr else ".,")


def test_plotly_separators():
    assert plotly_separators("fr") == "," + NNBSP and plotly_separators("en") == ".,"
    assert plotly_separators("de") == plotly_separators("fr")  # unknown: French, the default


def test_no_page_formats_a_decimal_number_itself():
    """Screens write decimals through ui.lang.num (else French shows "24.03")."""
    fstring_decimal = re.compile(r"(?<![%{])\{[^{}]*:[+]?[0-9]*\.[1-9][0-9]*[fe%]\}")
    found = [f"{f.name}:{i}: {line.strip()}"
             for f in [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
             for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
             if fstring_decimal.search(line)]
    assert found == []


def _separators(at) -> set[str]:
    return {json.loads(c.proto.spec)["layout"].get("separators") for c in at.get("plotly_chart")}


def test_a_french_screen_writes_a_decimal_comma_and_an_english_one_a_point():
    fr, en = open_page("ntsc", "fr"), open_page("ntsc", "en")
    # pure red, the probe's default: L* = 53.2
    assert metric(fr, t("ntsc.probe_ltrue", "fr")) == "53,2"
    assert metric(en, t("ntsc.probe_ltrue", "en")) == "53.2"
    assert metric(fr, t("ntsc.probe_ltrue", "fr")) != metric(en, t("ntsc.probe_ltrue", "en"))
    # every chart: axes and hovers in the page's convention
    assert _separators(fr) == {"," + NNBSP} and _separators(en) == {".,"}
    assert any("0{,}299" in x.value for x in fr.latex)
    assert any("0.299" in x.value for x in en.latex)
