"""Classroom mode: preset links (?page=...&x=...), projector layout, url_preset parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def _app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _current_page(at: AppTest) -> str:
    """url path of the page that ran last ("" = home)."""
    return at._registered_pages[at._finished_page_script_hash]["url_pathname"]


def test_preset_link_opens_the_screen_and_keeps_its_parameters():
    at = _app(page="sigmoid", x="3", lang="en")
    assert not at.exception
    assert _current_page(at) == "sigmoid"
    assert at.query_params["x"] == "3" and at.query_params["lang"] == "en"
    assert "page" not in at.query_params
    assert at.session_state["lang"] == "en"


def test_preset_page_switch_happens_once_per_session():
    at = _app(page="lab")
    assert _current_page(at) == "lab"
    at.switch_page("pages/ntsc.py").run()
    at.query_params["page"] = "lab"  # still in the URL: must not pull the student back
    at.run()
    assert not at.exception
    assert _current_page(at) == "ntsc"


def test_unknown_preset_page_stays_home_with_a_message():
    at = _app(page="nowhere")
    assert not at.exception
    assert _current_page(at) == ""
    assert len(at.toast) == 1
    assert t("classroom.unknown_page", "fr", page="nowhere") in at.toast[0].value


def test_projector_from_url_and_toggle():
    at = _app(projector="1")
    assert not at.exception
    assert at.session_state["projector"] is True
    assert at.toggle(key="_projector_toggle").value is True
    assert any("min-width: 900px" in h.value for h in at.get("html"))
    at.toggle(key="_projector_toggle").set_value(False).run()
    assert not at.exception
    assert at.session_state["projector"] is False
    assert "projector" not in at.query_params


def test_projector_toggle_on_mirrors_the_url():
    at = _app()
    assert at.session_state["projector"] is False
    # the projector layout's rules (wide screens only; the phone rules are always there)
    assert not any("min-width: 900px" in h.value for h in at.get("html"))
    at.toggle(key="_projector_toggle").set_value(True).run()
    assert not at.exception
    assert at.session_state["projector"] is True
    assert at.query_params["projector"] == "1"
    # (AppTest drops the elements drawn before st.navigation on a widget rerun, so the
    # stylesheet itself is checked after the toggle in tests/test_browser.py.)


def test_projector_toggle_is_translated():
    for lang in ("fr", "en"):
        at = _app(lang=lang)
        assert at.toggle(key="_projector_toggle").label == t("classroom.projector", lang)


def _preset_script():
    import streamlit as st

    from ui.classroom import url_preset

    st.text(repr(url_preset("x", 0.0, lo=-8.0, hi=8.0)))
    st.text(repr(url_preset("n", 4, lo=1, hi=10)))
    st.text(repr(url_preset("skips", True)))
    st.text(repr(url_preset("up", "bilinear", choices=("bilinear", "nearest", "transposed"))))
    st.text(repr(url_preset("lang", "zz")))  # reserved: never a page preset


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["0.0", "4", "True", "'bilinear'", "'zz'"]),
    ({"x": "3", "n": "7", "skips": "0", "up": "nearest", "lang": "en"},
     ["3.0", "7", "False", "'nearest'", "'zz'"]),
    ({"x": "99", "n": "-5", "skips": "oui", "up": "transposed"},
     ["8.0", "1", "True", "'transposed'", "'zz'"]),
    ({"x": "nan", "n": "abc", "skips": "yes", "up": "<script>"},
     ["0.0", "4", "True", "'bilinear'", "'zz'"]),
    ({"x": "-2.5e0", "n": "2.9"}, ["-2.5", "2", "True", "'bilinear'", "'zz'"]),
])
def test_url_preset_parses_and_guards(params, expected):
    at = AppTest.from_function(_preset_script, default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    assert [x.value for x in at.text] == expected
