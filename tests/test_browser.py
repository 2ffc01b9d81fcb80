"""End to end in a real Chromium: every screen, both languages, uploads, controls, training.

A session-scoped Streamlit server (tests/conftest.py) runs the app on a free loopback port;
Playwright drives Debian's Chromium. Assertions stay on robust things: the navigation
titles of core/locales/*/nav.json, no exception box or traceback, images that really
decoded (naturalWidth > 0), the translated error of a bad upload. Each screen is saved at
desktop (1280 x 800) and phone (390 x 844) size under ./screenshots/ (or $SCREENSHOT_DIR).
"""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from hostile_files import hostile_files
from PIL import Image

from benchmarks.view_complete import VIEW_BUSY_JS
from core.i18n import catalogue, t
from core.samples import load_sample

pytestmark = pytest.mark.browser

PAGES = ["home", "ntsc", "lab", "pipeline", "sigmoid", "unet", "autoencoder", "upsampling",
         "colorize", "train"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MAIN = '[data-testid="stMain"]'


# ---- helpers ------------------------------------------------------------------------------

def page_url(base: str, name: str, **params: str) -> str:
    path = "" if name == "home" else name
    return f"{base}/{path}" + (f"?{urlencode(params)}" if params else "")


def _script_state(pg) -> tuple[str | None, str | None]:
    return tuple(pg.evaluate(
        "(() => { const a = document.querySelector('[data-testid=stApp]');"
        " return a ? [a.getAttribute('data-test-script-state'),"
        " a.getAttribute('data-test-connection-state')] : [null, null]; })()"))


def wait_idle(pg, timeout: float = 90, expect_run: float = 1.5) -> None:
    """Wait until the script run caused by the last action is over and its view is drawn.

    ``expect_run``: how long to wait for the run to start (a click reaches the server
    asynchronously); then the app must stay "notRunning" for 0.6 s.
    """
    start = time.monotonic()
    while time.monotonic() - start < expect_run and _script_state(pg)[0] != "running":
        time.sleep(0.05)
    quiet = None
    while True:
        state, conn = _script_state(pg)
        now = time.monotonic()
        if state == "notRunning" and conn == "CONNECTED":
            quiet = quiet or now
            if now - quiet >= 0.6:
                break
        else:
            quiet = None
        assert now - start < timeout, f"the app is still {state}/{conn} after {timeout} s"
        time.sleep(0.1)
    # the run is over, the view maybe not yet (placeholders, images, charts): the benchmarks'
    # definition of a complete view
    pg.wait_for_function(f"({VIEW_BUSY_JS})() === null", timeout=timeout * 1000)


def open_screen(pg, url: str, **wait: float) -> None:
    """Load ``url`` and wait until its first script run is over.

    Right after a page load the app reports "not running" before the first run has even
    started: waiting for the title first makes sure the run has begun (then ended).
    """
    pg.goto(url)
    pg.wait_for_selector(f"{MAIN} h1", timeout=wait.get("timeout", 90) * 1000)
    wait_idle(pg, **wait)


def assert_healthy(pg, where: str) -> list[list[int]]:
    """No exception box, no traceback, every image decoded; returns the images' sizes."""
    exc = pg.locator('[data-testid="stException"]')
    assert exc.count() == 0, f"{where}: exception shown:\n{exc.first.inner_text()[:1500]}"
    text = pg.locator(MAIN).inner_text()
    assert "Traceback" not in text, f"{where}: traceback in the page"
    assert pg.locator(f"{MAIN} h1").count() >= 1, f"{where}: no title"
    # A live page (training ticks) swaps its images while we look: an image caught between
    # two versions is still loading, not broken. A broken one stays broken: check 3 times.
    for _attempt in range(3):
        # still loading after 10 s: the check below reports it
        with contextlib.suppress(Exception):
            pg.wait_for_function(
                "Array.from(document.querySelectorAll('[data-testid=stMain] img'))"
                ".every(i => i.complete)", timeout=10_000)
        imgs = pg.evaluate(
            "Array.from(document.querySelectorAll('[data-testid=stMain] img'))"
            ".map(i => [i.naturalWidth, i.naturalHeight])")
        for frame in pg.main_frame.child_frames:  # st.iframe / components (same origin)
            try:
                imgs += frame.evaluate("Array.from(document.images)"
                                       ".map(i => [i.naturalWidth, i.naturalHeight])")
            except Exception:  # a frame navigating away right now: its images are not ours
                continue
        if all(w > 0 and h > 0 for w, h in imgs):
            return imgs
        pg.wait_for_timeout(1000)
    raise AssertionError(f"{where}: broken image {imgs} (3 checks)")


def nav_text(pg) -> str:
    # text_content: the sidebar is off-screen on phones but still in the page.
    return pg.locator('[data-testid="stSidebarNav"]').text_content() or ""


def assert_nav_in(pg, lang: str, where: str) -> None:
    nav = nav_text(pg)
    for name in PAGES:
        assert t(f"nav.{name}", lang) in nav, f"{where}: nav title of {name} ({lang}) missing"


def image_srcs(pg) -> list[str]:
    return pg.evaluate("Array.from(document.querySelectorAll('[data-testid=stMain] img'))"
                       ".map(i => i.src)")


def jpeg_bytes(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def upload(pg, name: str, data: bytes, mime: str = "image/jpeg", lang: str = "fr") -> None:
    """Give the screen's file uploader a file: in the photo picker expander (opened first),
    or behind a "my photos" source choice (the colorize screen)."""
    picker = pg.locator(f'{MAIN} [data-testid="stExpander"]').filter(
        has_text=t("common.photo_picker", lang)).first
    if picker.count() and not picker.evaluate(
            "e => { const d = e.querySelector('details'); return !d || d.open; }"):
        picker.locator("summary").first.click()
        pg.wait_for_timeout(300)
    files = pg.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]')
    if files.count() == 0 and "colorize.source_upload" in catalogue(lang):
        pg.locator(f'{MAIN} [data-testid="stRadio"] label').filter(
            has_text=t("colorize.source_upload", lang)).first.click()
        wait_idle(pg, expect_run=3)
    files.first.set_input_files({"name": name, "mimeType": mime, "buffer": data})
    wait_idle(pg, expect_run=3)


def shoot(pg, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    pg.screenshot(path=str(path))
    assert path.stat().st_size > 5000, f"{path} looks empty"


@pytest.fixture
def desktop(chromium):
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()


# ---- tests --------------------------------------------------------------------------------

def test_every_screen_desktop_and_phone(chromium, streamlit_url, screenshot_dir):
    """Every screen opens in French, shows its navigation, decoded images, no error; on a
    phone (the same session, resized: no second run on the server) nothing overflows."""
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    try:
        for name in PAGES:
            pg.set_viewport_size(DESKTOP)
            open_screen(pg, page_url(streamlit_url, name))
            imgs = assert_healthy(pg, name)
            assert_nav_in(pg, "fr", name)
            if name == "home":  # grey / model / truth of the student's photo
                assert len(imgs) >= 3, imgs
            shoot(pg, screenshot_dir, f"{name}_desktop")

            pg.set_viewport_size(PHONE)
            time.sleep(1.5)  # charts re-layout at the new width
            wait_idle(pg, expect_run=0)
            assert_healthy(pg, f"{name} (phone)")
            overflow = pg.evaluate(
                "(() => { const m = document.querySelector('[data-testid=stMain]');"
                " return m.scrollWidth - m.clientWidth; })()")
            assert overflow <= 1, f"{name}: {overflow}px wider than a phone"
            shoot(pg, screenshot_dir, f"{name}_phone")
    finally:
        ctx.close()


def test_language_from_url_and_sidebar(desktop, streamlit_url):
    pg = desktop
    open_screen(pg, page_url(streamlit_url, "ntsc", lang="en"))
    assert_healthy(pg, "ntsc en")
    assert_nav_in(pg, "en", "ntsc en")
    english = pg.locator(f"{MAIN} h1").first.inner_text()

    pg.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(
        has_text="Français").click()
    wait_idle(pg)
    assert_healthy(pg, "ntsc fr")
    assert_nav_in(pg, "fr", "ntsc after switch")
    assert "lang=fr" in pg.url
    sidebar = pg.locator('[data-testid="stSidebar"]')
    assert sidebar.locator('[data-testid="stRadio"]').count() == 1  # still there after a rerun
    assert sidebar.locator('[data-testid="stCheckbox"]').filter(
        has_text=t("classroom.projector", "fr")).count() == 1
    assert pg.locator(f"{MAIN} h1").first.inner_text() != english  # the page too

    open_screen(pg, page_url(streamlit_url, "home", lang="en"))
    assert pg.locator(f"{MAIN} h1").first.inner_text() == t("home.title", "en")


def test_bad_upload_then_good_photo(desktop, streamlit_url, screenshot_dir):
    """A corrupt file shows the translated message; a good photo afterwards just works."""
    pg = desktop
    open_screen(pg, page_url(streamlit_url, "home"))
    before = image_srcs(pg)
    files = {f.name: f for f in hostile_files(include_large=False)}

    bad = files["truncated.jpg"]
    upload(pg, bad.name, bad.data, bad.mime)
    alert = pg.locator('[data-testid="stAlertContentError"]')
    assert alert.count() >= 1
    assert t("errors.corrupt", "fr") in alert.first.inner_text()
    assert_healthy(pg, "after corrupt upload")
    shoot(pg, screenshot_dir, "upload_error_desktop")

    svg = files["page.svg"]
    upload(pg, svg.name, svg.data, svg.mime)
    assert t("errors.not_an_image", "fr") in pg.locator(
        '[data-testid="stAlertContentError"]').first.inner_text()

    upload(pg, "coffee.jpg", jpeg_bytes(load_sample("coffee")))
    assert pg.locator('[data-testid="stAlertContentError"]').count() == 0
    imgs = assert_healthy(pg, "after good upload")
    assert len(imgs) >= 3
    assert image_srcs(pg) != before  # the screen now shows the uploaded photo

    # The photo follows the student to another screen of the same session.
    pg.locator('[data-testid="stSidebarNav"] a').filter(has_text=t("nav.ntsc", "fr")).click()
    wait_idle(pg)
    assert_healthy(pg, "ntsc after upload")


def _first_slider(pg):
    return pg.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]').first


def _move_first_slider(pg, presses: int = 3) -> bool:
    """Move the screen's first slider with the keyboard; True when its value changed."""
    if pg.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]').count() == 0:
        return False
    before = _first_slider(pg).input_value()
    _first_slider(pg).focus()
    for _ in range(presses):
        _first_slider(pg).press("ArrowRight")
    wait_idle(pg, expect_run=3)
    return _first_slider(pg).input_value() != before


def test_colorize_own_photo_and_controls(desktop, streamlit_url, screenshot_dir):
    pg = desktop
    open_screen(pg, page_url(streamlit_url, "colorize"))
    assert_healthy(pg, "colorize")
    upload(pg, "rocket.jpg", jpeg_bytes(load_sample("rocket")))
    assert pg.locator('[data-testid="stAlertContentError"]').count() == 0
    imgs = assert_healthy(pg, "colorize after upload")
    assert len(imgs) >= 1, "the colorize screen shows no picture"
    assert _move_first_slider(pg), "the colorize screen has no slider that moves"
    assert_healthy(pg, "colorize after slider")
    shoot(pg, screenshot_dir, "colorize_controls_desktop")


def test_control_on_a_course_screen(desktop, streamlit_url):
    pg = desktop
    open_screen(pg, page_url(streamlit_url, "sigmoid", x="3"))
    assert float(_first_slider(pg).input_value()) == pytest.approx(3.0)  # the URL preset
    assert _move_first_slider(pg)
    assert_healthy(pg, "sigmoid after slider")


def _steps(pg) -> int:
    metric = pg.locator(f'{MAIN} [data-testid="stMetric"]').filter(
        has_text=t("train.m_steps", "fr")).first
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().strip())


def test_train_a_few_ticks(desktop, streamlit_url, screenshot_dir):
    """Start the live training, watch the step counter grow, pause: no error at any time."""
    pg = desktop
    open_screen(pg, page_url(streamlit_url, "train"))
    assert_healthy(pg, "train")
    assert _steps(pg) == 0
    pg.locator(f"{MAIN} button").filter(has_text=t("train.start", "fr")).first.click()
    deadline = time.monotonic() + 60
    steps = 0
    while time.monotonic() < deadline and steps < 3:  # the fragment ticks every second
        assert pg.locator('[data-testid="stException"]').count() == 0
        time.sleep(1.0)
        try:
            steps = _steps(pg)
        except ValueError:  # the metric is being redrawn
            continue
    assert steps >= 3, f"only {steps} training steps after 60 s"
    assert_healthy(pg, "train while training")
    shoot(pg, screenshot_dir, "train_running_desktop")
    pg.locator(f"{MAIN} button").filter(has_text=t("train.pause", "fr")).first.click()
    wait_idle(pg, timeout=60, expect_run=2)
    paused = _steps(pg)
    time.sleep(2.5)
    assert _steps(pg) == paused, "training went on after pause"
    imgs = assert_healthy(pg, "train after pause")
    assert len(imgs) >= 3  # grey / prediction / truth preview


def test_preset_link_and_projector(desktop, streamlit_url, screenshot_dir):
    pg = desktop
    open_screen(pg, page_url(streamlit_url, "home", page="sigmoid", lang="en", projector="1"))
    assert_healthy(pg, "preset sigmoid")
    assert "/sigmoid" in pg.url and "lang=en" in pg.url and "page=" not in pg.url
    assert_nav_in(pg, "en", "preset sigmoid")
    # The preset makes two runs (home, then the switch to sigmoid): the stylesheet arrives
    # with the second, which may still be on its way when the first has gone quiet.
    deadline = time.monotonic() + 15
    while True:
        font = pg.evaluate("getComputedStyle(document.documentElement).fontSize")
        if font == "21px" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert font == "21px", font
    assert pg.locator('[data-testid="stSidebar"]').get_attribute("aria-expanded") != "true"
    assert pg.locator('[data-testid="stExpandSidebarButton"]').is_visible()  # way back
    shoot(pg, screenshot_dir, "projector_sigmoid_desktop")

    open_screen(pg, page_url(streamlit_url, "ntsc"))
    assert pg.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"
    pg.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(
        has_text=t("classroom.projector", "fr")).locator("label").click()
    wait_idle(pg)
    assert pg.evaluate("getComputedStyle(document.documentElement).fontSize") == "21px"
    assert "projector=1" in pg.url
    assert_healthy(pg, "ntsc projector")


def test_first_visit_of_a_fresh_server_is_a_deep_link(chromium, fresh_streamlit_url):
    """A restarted server whose first visitor opens a teacher's link (/sigmoid?x=3): the
    screen runs through streamlit_app.py (navigation, language switch), not alone."""
    ctx = chromium.new_context(viewport=DESKTOP)
    pg = ctx.new_page()
    try:
        open_screen(pg, page_url(fresh_streamlit_url, "sigmoid", x="3", lang="en"))
        assert_healthy(pg, "first visit")
        assert_nav_in(pg, "en", "first visit")
        assert "ui" not in nav_text(pg).split()  # not the raw pages/ folder listing
        assert pg.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').count() == 1
        assert "/sigmoid" in pg.url
        assert float(_first_slider(pg).input_value()) == pytest.approx(3.0)
    finally:
        ctx.close()
