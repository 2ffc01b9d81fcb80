"""Every screen of the navigation runs without exception, in French and in English (AppTest),
and really is that screen: its own title, in the chosen language."""

import pytest
from conftest import app_pages, current_page, open_page

from core.i18n import t


def test_the_navigation_lists_the_course_and_practice_screens():
    pages = app_pages()
    assert pages[0] == "home" and len(pages) == len(set(pages))
    assert {"ntsc", "lab", "pipeline", "sigmoid", "unet", "autoencoder", "upsampling",
            "colorize", "train"} <= set(pages)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_runs(lang):
    at = open_page("home", lang)
    assert at.title[0].value == t("home.title", lang)
    titles = {t("home.title", lang)}
    for page in app_pages()[1:]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert current_page(at) == page
        title = at.title[0].value
        assert title == t(f"{page}.title", lang), page
        titles.add(title)
    # Each screen has a title of its own (a screen showing another's content would repeat it).
    assert len(titles) == len(app_pages())


def test_language_switch_in_sidebar():
    at = open_page("home")
    assert at.title[0].value == t("home.title", "fr")
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == t("home.title", "en")
    assert at.query_params["lang"] in ("en", ["en"])


def test_sticky_params_come_back_after_navigation_drops_them():
    """A click on another screen reaches the server with an empty query string: the language
    (and ``?run=``, ``?projector=``) must come back into the URL, and the screen stay English."""
    at = open_page("home")
    at.sidebar.radio[0].set_value("en").run()
    at.query_params["run"] = "tok123"
    at.run()
    at.toggle(key="_projector_toggle").set_value(True).run()
    for page in ("lab", "ntsc"):
        at.query_params.clear()  # what the browser sends after a click in the navigation
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception
        assert at.title[0].value == t(f"{page}.title", "en")
        assert at.query_params["lang"] in ("en", ["en"])
        assert at.query_params["run"] in ("tok123", ["tok123"])
        assert at.query_params["projector"] in ("1", ["1"])
        assert at.session_state["projector"] is True
    at.toggle(key="_projector_toggle").set_value(False).run()
    assert "projector" not in at.query_params  # switched off: gone, and not put back
    at.run()
    assert "projector" not in at.query_params
    # Changing or removing one goes through ui.sticky.set_sticky: a link that brings
    # another value wins over the session's.
    at.query_params["lang"] = "fr"
    at.run()
    assert at.title[0].value == t("ntsc.title", "fr")


def test_a_tidy_language_in_the_url():
    at = open_page("home", lang="EN-gb")
    assert at.title[0].value == t("home.title", "en")
    assert at.query_params["lang"] in ("en", ["en"])
