"""A live training survives a refresh, in Chromium; another browser never sees it.

Uses the session's Streamlit server and Chromium (tests/conftest.py) and the helpers of
tests/test_browser.py. Screenshots before and after the refresh go to the screenshot folder
(docs/screenshots/train_refresh_*.png are copies of them).
"""

from __future__ import annotations

import re
import time

import pytest
from test_browser import MAIN, assert_healthy, open_screen, page_url, wait_idle

from core.i18n import t

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}


def shoot_page(pg, folder, name: str) -> None:
    """A tall window, so the loss chart and the preview (below the fold) are in the shot:
    Streamlit scrolls its own container, which a "full page" screenshot does not unroll."""
    path = folder / f"{name}.png"
    pg.set_viewport_size({"width": DESKTOP["width"], "height": 1500})
    pg.wait_for_timeout(500)
    pg.screenshot(path=str(path))
    pg.set_viewport_size(DESKTOP)
    assert path.stat().st_size > 5000, f"{path} looks empty"


def steps_shown(pg) -> int | None:
    """The step counter on screen (None while the metric is being redrawn)."""
    metric = pg.locator(f'{MAIN} [data-testid="stMetric"]').filter(
        has_text=t("train.m_steps", "en")).first
    try:
        return int(metric.locator('[data-testid="stMetricValue"]').inner_text(timeout=5000))
    except Exception:  # redrawn between two ticks
        return None


def wait_steps(pg, at_least: int, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    steps = None
    while time.monotonic() < deadline:
        assert pg.locator('[data-testid="stException"]').count() == 0
        steps = steps_shown(pg)
        if steps is not None and steps >= at_least:
            return steps
        time.sleep(0.5)
    raise AssertionError(f"{steps} steps on screen after {timeout} s (wanted {at_least})")


def token_of(url: str) -> str | None:
    m = re.search(r"[?&]run=([A-Za-z0-9_-]+)", url)
    return m.group(1) if m else None


def validation_points(pg) -> int:
    """Points of the validation curve drawn in the loss chart (plotly's own data)."""
    return pg.evaluate(
        "(() => { const p = document.querySelector('[data-testid=stMain] .js-plotly-plot');"
        " if (!p || !p.data) return 0;"
        " const v = p.data.find(d => d.mode === 'lines+markers');"
        " return v ? v.x.length : 0; })()")


def test_a_refresh_resumes_the_run_and_another_browser_does_not_see_it(
        chromium, streamlit_url, screenshot_dir):
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    other = chromium.new_context(viewport=DESKTOP)
    try:
        open_screen(pg, page_url(streamlit_url, "train", lang="en"))
        assert_healthy(pg, "train")
        token = token_of(pg.url)
        assert token and len(token) >= 32, f"no run token in {pg.url}"
        pg.locator(f"{MAIN} button").filter(has_text=t("train.start", "en")).first.click()
        before = wait_steps(pg, 20)
        points = validation_points(pg)
        assert points >= 2
        shoot_page(pg, screenshot_dir, "train_refresh_before")

        pg.reload()  # the run goes on ticking: the page is never idle, wait for its parts
        back = pg.locator(f'{MAIN} [data-testid="stAlert"]').filter(
            has_text=t("train.run_back", "en", step=0).split(",")[0])
        back.wait_for(timeout=90_000)  # the welcome-back notice
        assert token_of(pg.url) == token and "lang=en" in pg.url
        after = wait_steps(pg, before)  # the same run, not a new one at step 0
        pg.wait_for_function(  # with its curve (plotly draws it a moment later)
            "n => { const p = document.querySelector('[data-testid=stMain] .js-plotly-plot');"
            " const v = p && p.data && p.data.find(d => d.mode === 'lines+markers');"
            " return v && v.x.length >= n; }", arg=points, timeout=60_000)
        assert pg.locator(f"{MAIN} button").filter(has_text=t("train.pause", "en")).count()
        went_on = wait_steps(pg, after + 5)  # and it goes on by itself
        assert_healthy(pg, "train after refresh")
        shoot_page(pg, screenshot_dir, "train_refresh_after")
        pg.locator(f"{MAIN} button").filter(has_text=t("train.pause", "en")).first.click()
        wait_idle(pg, expect_run=2)

        # Another browser without the token: its own fresh run, nothing of the first.
        p2 = other.new_page()
        p2.set_default_timeout(60_000)
        open_screen(p2, page_url(streamlit_url, "train", lang="en"))
        assert token_of(p2.url) not in (None, token)
        assert steps_shown(p2) == 0 and validation_points(p2) <= 1
        # A wrong token: a clear notice and a fresh start, never someone else's run.
        open_screen(p2, page_url(streamlit_url, "train", lang="en", run=token[:-4] + "AAAA"))
        assert p2.locator(f'{MAIN} [data-testid="stAlert"]').filter(
            has_text=t("train.run_expired", "en", minutes=15)[:40]).count() == 1
        assert steps_shown(p2) == 0 and token_of(p2.url) != token
        assert went_on > before
    finally:
        other.close()
        ctx.close()
