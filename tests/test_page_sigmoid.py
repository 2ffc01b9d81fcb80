"""The scaled sigmoid screen runs in both languages and shows the right numbers."""

import pytest
from conftest import metric, number
from conftest import open_page as _open_page


def open_page(lang: str, x: str | None = None):
    return _open_page("sigmoid", lang, **({} if x is None else {"x": x}))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_values_at_zero(lang):
    at = open_page(lang)
    assert at.slider(key="sigmoid_x").value == 0.0
    mark = "," if lang == "fr" else "."  # the decimal mark of the page's language
    assert metric(at, "f(x)") == f"0{mark}0000"
    assert metric(at, "f'(x)") == f"0{mark}5000"
    assert metric(at, "σ(x)") == f"0{mark}5000"
    assert metric(at, "σ'(x)") == f"0{mark}2500"
    assert number(metric(at, "tanh(x/2)"), lang) == 0.0
    title = {"fr": "La sigmoïde ajustée", "en": "The scaled sigmoid"}[lang]
    assert title in at.title[0].value
    # The tiny trainings: bounded converges, unbounded diverges at the default lr 3.
    labels = {"fr": ("Avec la sigmoïde ajustée", "Sans borne"),
              "en": ("With the scaled sigmoid", "No bound")}[lang]
    assert number(metric(at, labels[0]), lang) < 0.1
    assert any(w in metric(at, labels[1]) for w in ("diverge", "diverges"))


def test_url_preset_and_slider():
    at = open_page("en", x="3")
    assert at.slider(key="sigmoid_x").value == 3.0
    assert metric(at, "f(x)") == f"{2 / (1 + 2.718281828459045 ** -3) - 1:.4f}"
    assert float(metric(at, "Difference |2σ(x) − 1 − tanh(x/2)|")) < 1e-12
    at.slider(key="sigmoid_x").set_value(-2.0).run()
    assert not at.exception
    assert metric(at, "f(x)") == "-0.7616"  # tanh(-1)
    assert at.query_params["x"] in ("-2", ["-2"])


def test_bad_url_value_falls_back_to_zero():
    at = open_page("fr", x="abc")
    assert at.slider(key="sigmoid_x").value == 0.0
