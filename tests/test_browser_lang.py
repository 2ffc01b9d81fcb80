"""In Chromium: the language (and every sticky URL parameter, see ui/sticky.py) survives a
click on another screen, a reload and a copy-pasted link."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from test_browser import (
    DESKTOP,
    MAIN,
    assert_healthy,
    assert_nav_in,
    open_screen,
    page_url,
    wait_idle,
)

from core.i18n import t

pytestmark = pytest.mark.browser


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _wait_url(pg, test, timeout: float = 10.0) -> str:
    """The page's URL once ``test(url)`` holds (the server rewrites it after the run)."""
    deadline = time.monotonic() + timeout
    while not test(pg.url) and time.monotonic() < deadline:
        time.sleep(0.1)
    return pg.url


def _click_nav(pg, name: str, lang: str) -> None:
    pg.locator('[data-testid="stSidebarNav"] a').filter(has_text=t(f"nav.{name}", lang)).first.click()
    wait_idle(pg, expect_run=3)


def _title(pg) -> str:
    return pg.locator(f"{MAIN} h1").first.inner_text()


def test_language_survives_navigation_reload_and_shared_link(chromium, streamlit_url):
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    try:
        open_screen(pg, page_url(streamlit_url, "home"))
        assert _title(pg) == t("home.title", "fr")
        pg.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(
            has_text="English").click()
        wait_idle(pg)
        assert _title(pg) == t("home.title", "en")
        assert _params(pg.url).get("lang") == ["en"]

        # A click on another screen: Streamlit drops the query string, the app puts it back.
        _click_nav(pg, "lab", "en")
        url = _wait_url(pg, lambda u: "lang=en" in u)
        assert urlparse(url).path.endswith("/lab"), url
        assert _params(url).get("lang") == ["en"], url
        assert _title(pg) == t("lab.title", "en")
        assert_nav_in(pg, "en", "lab after a click")

        _click_nav(pg, "ntsc", "en")
        url = _wait_url(pg, lambda u: "lang=en" in u and "/ntsc" in u)
        assert _params(url).get("lang") == ["en"] and _title(pg) == t("ntsc.title", "en")

        # A reload is a new session: the URL alone brings English back.
        pg.reload()
        wait_idle(pg)
        assert _title(pg) == t("ntsc.title", "en")
        assert_nav_in(pg, "en", "ntsc after a reload")
        assert_healthy(pg, "ntsc after a reload")
    finally:
        ctx.close()

    # The link copied from the address bar, opened by someone else.
    other = chromium.new_context(viewport=DESKTOP)
    pg2 = other.new_page()
    pg2.set_default_timeout(60_000)
    try:
        open_screen(pg2, url)
        assert _title(pg2) == t("ntsc.title", "en")
        assert_nav_in(pg2, "en", "shared link")
    finally:
        other.close()


def test_every_sticky_parameter_is_kept_across_screens(chromium, streamlit_url):
    """``?run=`` (a live-training run) rides along with the language on every screen."""
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    try:
        open_screen(pg, page_url(streamlit_url, "lab", lang="en", run="tok123", x="1"))
        _click_nav(pg, "upsampling", "en")
        url = _wait_url(pg, lambda u: "run=" in u and "lang=" in u and "/upsampling" in u)
        q = _params(url)
        assert q.get("run") == ["tok123"] and q.get("lang") == ["en"], url
        assert "x" not in q  # a page preset is not sticky: it belonged to the other screen
        assert _title(pg) == t("upsampling.title", "en")
    finally:
        ctx.close()
