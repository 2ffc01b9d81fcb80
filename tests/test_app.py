"""Every page runs without exception, in French and in English (AppTest)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
PAGES = ["home", "ntsc", "lab", "pipeline", "sigmoid", "unet", "autoencoder", "upsampling",
         "colorize", "train"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_runs(lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == t("home.title", lang)
    for page in PAGES[1:]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert t(f"nav.{page}", lang) in [x.value for x in at.title] or at.title, page


def test_language_switch_in_sidebar():
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.title[0].value == "Colorisation d'images"
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Image colorization"
    assert at.query_params["lang"] in ("en", ["en"])
