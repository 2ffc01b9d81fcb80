"""The "Which parametrization?" screen in a real Chromium, desktop and phone, both languages.

What only a browser shows: the charts really drawn by plotly (the dot-with-error-bars chart
has one bar per variant and a line at 0), the committed photos decoded, nothing wider than a
phone, a metric switch that redraws the chart, and a "test it yourself" button that opens
the Train screen with its setting chosen, and its tables readable on a phone without
scrolling sideways, numbers written the page's way, chart titles that fit and legends that
leave the axis titles readable. Screenshots: experiments_<lang>_<desktop|phone>.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from test_browser import MAIN, PHONE, assert_healthy, open_screen, page_url, shoot, wait_idle

from core.experiment_view import load_results
from core.i18n import t

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1440, "height": 900}


def _plots(pg) -> list[dict]:
    """Every plotly chart of the page: its traces' x lengths, error bars and axis title."""
    return pg.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({"
        " traces: gd.data.map(d => ({n: (d.x || []).length, err: !!(d.error_x && d.error_x.array),"
        "   name: d.name || ''})),"
        " xtitle: ((gd.layout.xaxis || {}).title || {}).text || '',"
        " shapes: (gd.layout.shapes || []).length}))")


def _chart_clashes(pg) -> list[str]:
    """Chart titles that run past their chart, legends that cover an axis title."""
    return pg.evaluate(
        "(() => { const out = []; const r = e => e && e.getBoundingClientRect();"
        " const meet = (a, b) => a && b && a.width && b.width && a.left < b.right"
        "  && b.left < a.right && a.top < b.bottom && b.top < a.bottom;"
        " document.querySelectorAll('.js-plotly-plot').forEach((gd, i) => {"
        "  const box = r(gd), title = r(gd.querySelector('.gtitle'));"
        "  if (title && title.width && (title.left < box.left - 1 || title.right > box.right + 1))"
        "   out.push('title of chart ' + i + ' cut');"
        "  const legend = r(gd.querySelector('.legend'));"
        "  gd.querySelectorAll('.xtitle, .ytitle, .y2title').forEach(t => {"
        "   if (meet(legend, r(t))) out.push('legend of chart ' + i + ' covers ' + t.textContent);"
        "  }); }); return out; })()")


def _overflow(pg) -> int:
    return pg.evaluate("(() => { const m = document.querySelector('[data-testid=stMain]');"
                       " return m.scrollWidth - m.clientWidth; })()")


def _page_overflow(pg) -> int:
    """How far the page itself scrolls sideways (0: not at all)."""
    return pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _wide_tables(pg) -> list[int]:
    """The tables that scroll sideways inside their own frame: how far, in pixels."""
    return pg.evaluate(
        "Array.from(document.querySelectorAll('[data-testid=stTable]')).flatMap(t =>"
        " [t, ...t.querySelectorAll('*')]).filter(e => e.scrollWidth > e.clientWidth + 1"
        " && getComputedStyle(e).overflowX !== 'visible').map(e => e.scrollWidth - e.clientWidth)")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_experiments_screen_desktop_and_phone(chromium, streamlit_url, screenshot_dir, lang):
    res = load_results()
    assert res is not None, "docs/experiments/results.json is missing or of the old format"
    others = [v for v in res["variants"] if "difference" in v]
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    try:
        open_screen(pg, page_url(streamlit_url, "experiments", lang=lang))
        # variant photos (grey, truth, 8 variants), 3 gains + truth, 6 cases x 4; on a busy
        # machine the run may not have started when wait_idle looked: wait for all of them
        expected = 2 + len(res["variants"]) + 4 + 24
        pg.wait_for_function(f"document.querySelectorAll('{MAIN} img').length >= {expected}",
                             timeout=120_000)
        wait_idle(pg, expect_run=0)
        imgs = assert_healthy(pg, f"experiments ({lang})")
        assert len(imgs) >= expected, len(imgs)
        text = pg.locator(MAIN).inner_text()
        assert t("experiments.title", lang) in text
        for v in res["variants"]:  # sentences, never run names
            assert t(f"experiments.v_{v['name']}", lang) in text
        assert "no_bound" not in text and "results.json" not in text
        tables = pg.locator(f"{MAIN} [data-testid=stTable]").all_inner_texts()
        # numbers written the page's way: "24,13 [24,10 ; 24,16]" in French (a narrow
        # no-break space before the semicolon)
        assert re.search(r"\d,\d\d \[\d+,\d\d\u202f; \d+,\d\d\]" if lang == "fr" else
                         r"\d\.\d\d \[\d+\.\d\d, \d+\.\d\d\]", "\n".join(tables)), tables

        plots = _plots(pg)
        assert len(plots) >= 5, plots  # differences, curves, gain, histogram, weights
        diff = next(p for p in plots if any(tr["err"] for tr in p["traces"]))
        assert sum(tr["n"] for tr in diff["traces"] if tr["err"]) == len(others)
        assert diff["shapes"] >= 1  # the line at 0
        assert diff["xtitle"] == t("experiments.diff_x_db", lang)
        assert _chart_clashes(pg) == []
        shoot(pg, screenshot_dir, f"experiments_{lang}_desktop")

        # another metric: the chart is redrawn with its own axis title
        pg.get_by_text(t("experiments.metric_colourfulness", lang), exact=True).click()
        wait_idle(pg)
        diff = next(p for p in _plots(pg) if any(tr["err"] for tr in p["traces"]))
        assert diff["xtitle"] == t("experiments.diff_x", lang)

        pg.set_viewport_size(PHONE)
        time.sleep(1.5)  # charts re-layout at the new width
        wait_idle(pg, expect_run=0)
        assert_healthy(pg, f"experiments ({lang}, phone)")
        assert _overflow(pg) <= 1, "wider than a phone"
        assert _page_overflow(pg) <= 0, "the page scrolls sideways on a phone"
        assert pg.locator("[data-testid=stTable]").count() >= 2  # results, per source
        assert _wide_tables(pg) == [], "a table scrolls sideways on a phone"
        assert _chart_clashes(pg) == []
        shoot(pg, screenshot_dir, f"experiments_{lang}_phone")
    finally:
        ctx.close()


def test_a_try_button_opens_the_train_screen_with_its_setting(chromium, streamlit_url):
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    try:
        open_screen(pg, page_url(streamlit_url, "experiments", lang="en"))
        pg.get_by_role("button", name=t("experiments.try_l2", "en")).click()
        wait_idle(pg, expect_run=3)
        assert pg.url.split("?")[0].endswith("/train"), pg.url
        assert_healthy(pg, "train, opened from the experiments screen")
        # the loss radio of the Train screen shows L2 chosen
        loss = pg.locator('[data-testid="stRadio"]').filter(has_text=t("train.loss", "en"))
        checked = loss.locator("input:checked")
        assert checked.count() == 1
        label = checked.locator("xpath=ancestor::label").inner_text()
        assert label.strip() == t("train.loss_l2", "en"), json.dumps(label)
    finally:
        ctx.close()
