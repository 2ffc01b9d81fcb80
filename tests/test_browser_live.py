"""Live video in a real Chromium with a fake camera (a clip made from a shipped photo, its
frame number burnt in): colorized frames arrive, their colours are not grey, "freeze" hands
the frame to the colorize screen, a hidden page stops its camera."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator

import numpy as np
import pytest
from conftest import CHROMIUM_ARGS
from fake_camera import BAR_ROWS, frames, read_tag, write_y4m
from PIL import Image
from skimage.color import rgb2lab
from test_browser import DESKTOP, MAIN, PHONE, assert_healthy, open_screen, page_url, wait_idle

pytestmark = pytest.mark.browser
FRAME = 'iframe[title*="live_view"]'


@pytest.fixture(scope="module")
def camera_chromium(chromium, tmp_path_factory) -> Iterator[object]:
    """Chromium whose camera is the clip (permission granted, as a student would); launched
    by the suite's own Playwright (one per process: a second one cannot start beside it)."""
    clip = write_y4m(tmp_path_factory.mktemp("camera") / "clip.y4m", frames(60))
    browser = chromium.browser_type.launch(
        executable_path=shutil.which("chromium"),
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
              "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={clip}"])
    try:
        yield browser
    finally:
        browser.close()


def live_frame(pg):
    return next(f for f in pg.frames if "live_view" in f.url)


def canvases(frame) -> tuple[np.ndarray, np.ndarray]:
    """The grey and the colour canvas, read at the same instant (one frame of the loop)."""
    data = frame.evaluate(
        "() => ['grey', 'colour'].map(id => { const c = document.getElementById(id);"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);"
        " return [c.width, c.height, Array.from(d.data)]; })")
    return tuple(np.asarray(px, dtype=np.uint8).reshape(h, w, 4)[..., :3] for w, h, px in data)


def start_camera(pg, frames_wanted: int = 5) -> object:
    pg.wait_for_selector(FRAME, timeout=90_000)
    pg.frame_locator(FRAME).locator("#start").click()
    frame = live_frame(pg)
    frame.wait_for_function(f"window.__live && window.__live.frames >= {frames_wanted}",
                            timeout=120_000)
    return frame


def test_live_view_colorizes_freezes_and_stops(streamlit_url, camera_chromium, screenshot_dir):
    ctx = camera_chromium.new_context(viewport=DESKTOP)
    try:
        pg = ctx.new_page()
        open_screen(pg, page_url(streamlit_url, "live", lang="fr"), expect_run=5)
        frame = start_camera(pg)
        stats = frame.evaluate("window.__live")
        assert stats["error"] is None and stats["width"] == 320 and stats["height"] == 240
        assert stats["working"] == [96, 128]
        assert "images/s" in frame.locator("#stats").inner_text()
        grey, colour = canvases(frame)
        assert grey.shape == colour.shape == (240, 320, 3)
        body = (slice(BAR_ROWS + 4, None), slice(None))
        chroma = np.hypot(*rgb2lab(colour[body])[..., 1:].transpose(2, 0, 1))
        grey_chroma = np.hypot(*rgb2lab(grey[body])[..., 1:].transpose(2, 0, 1))
        assert grey_chroma.max() < 2.0  # the input really is grey
        assert chroma.mean() > 4.0 and (chroma > 10).mean() > 0.05, chroma.mean()
        # both canvases show the same frame of the clip (mirrored: a selfie camera)
        assert read_tag(grey, mirrored=True) == read_tag(colour, mirrored=True)
        pg.screenshot(path=str(screenshot_dir / "live-desktop-fr.png"))
        # freeze: the frame becomes the student's photo on the colorize screen
        pg.frame_locator(FRAME).locator("#freeze").click()
        wait_idle(pg, expect_run=5)
        assert "Image figée" in pg.locator(MAIN).inner_text()
        assert_healthy(pg, "live view after a freeze")
        pg.locator(f'{MAIN} a[href*="colorize"]').first.click()
        wait_idle(pg, expect_run=5)
        assert_healthy(pg, "colorize after a freeze")
        checked = pg.locator(f'{MAIN} [data-testid="stRadio"] label:has(input:checked)')
        assert "Ma photo" in checked.first.inner_text()
        # the colorize screen shows the frozen frame: the clip's frame number bars on top
        shot = pg.locator(f'{MAIN} [data-testid="stImage"] img').first.screenshot()
        grey = np.asarray(Image.open(io.BytesIO(shot)).convert("L")).astype(int)
        bars = grey[: max(2, grey.shape[0] * BAR_ROWS // 240 - 1)]
        assert bars.min() < 40 and bars.max() > 215, (bars.min(), bars.max())
        assert abs(grey.shape[1] / grey.shape[0] - 4 / 3) < 0.05, grey.shape
    finally:
        ctx.close()


def test_a_hidden_page_stops_its_camera_and_a_phone_shows_both_views(
        streamlit_url, camera_chromium, screenshot_dir):
    ctx = camera_chromium.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        pg = ctx.new_page()
        open_screen(pg, page_url(streamlit_url, "live", lang="en"), expect_run=5)
        frame = start_camera(pg, 3)
        pg.locator(FRAME).scroll_into_view_if_needed()
        pg.screenshot(path=str(screenshot_dir / "live-phone-en.png"))
        box_g = frame.locator("#grey").bounding_box()
        box_c = frame.locator("#colour").bounding_box()
        assert box_c["y"] > box_g["y"] + box_g["height"] - 1  # stacked on a phone
        # the tab goes to the background: the camera stops within a second
        frame.evaluate("Object.defineProperty(document, 'hidden', {value: true, "
                       "configurable: true}); document.dispatchEvent(new Event('visibilitychange'))")
        frame.wait_for_function("document.getElementById('video').srcObject === null",
                                timeout=5_000)
        n = frame.evaluate("window.__live.frames")
        pg.wait_for_timeout(1500)
        assert frame.evaluate("window.__live.frames") <= n + 1  # at most the one in flight
    finally:
        ctx.close()
