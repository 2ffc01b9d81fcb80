"""The app's router in a real Chromium: ``/home`` and a mistyped path open the home page in
the page's language, without Streamlit's English "Page not found" dialog."""

from __future__ import annotations

import pytest
from test_browser import MAIN, open_screen

from core.i18n import t

pytestmark = pytest.mark.browser


@pytest.fixture
def pg(chromium):
    ctx = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    yield page
    ctx.close()


@pytest.mark.parametrize(("path", "lang"), [("home", "fr"), ("sigmoide", "en")])
def test_home_and_unknown_paths_open_the_home_page_quietly(pg, streamlit_url, path, lang):
    open_screen(pg, f"{streamlit_url}/{path}?lang={lang}")
    assert pg.locator(f"{MAIN} h1").first.inner_text().strip() == t("home.title", lang)
    assert pg.locator("[role=dialog]").count() == 0, pg.locator(
        "[role=dialog]").first.inner_text()
    assert "not found" not in pg.locator("body").inner_text().lower()
    # the address bar shows where the student is: the home page lives at /
    assert pg.url.split("?")[0].rstrip("/") == streamlit_url.rstrip("/"), pg.url
    assert f"lang={lang}" in pg.url
