"""Colour hints in a real Chromium: a click (desktop) or a tap (phone) on the photo places a
hint, drawn as a dot of the chosen colour at that point, and the colorization changes; a
12 MP phone photo goes through three taps, every view and the download."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from phone_photos import phone_jpeg
from PIL import Image
from test_browser import (
    DESKTOP,
    MAIN,
    PHONE,
    assert_healthy,
    open_screen,
    page_url,
    upload,
    wait_idle,
)

pytestmark = pytest.mark.browser
FRAME = 'iframe[title*="streamlit_image_coordinates"]'
RED = np.array([0xD6, 0x28, 0x28])  # the screen's default hint colour


def decode(src: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB"))


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_click_places_a_dot_and_changes_the_result(streamlit_url, chromium, screenshot_dir,
                                                     device):
    opts = {"viewport": DESKTOP} if device == "desktop" else {
        "viewport": PHONE, "has_touch": True, "is_mobile": True}
    ctx = chromium.new_context(**opts)
    try:
        pg = ctx.new_page()
        open_screen(pg, page_url(streamlit_url, "hints", lang="en"), expect_run=5)
        img = pg.frame_locator(FRAME).locator("#image")
        img.wait_for(timeout=60_000)
        before = img.get_attribute("src")
        box = img.bounding_box()
        pos = {"x": box["width"] * 0.3, "y": box["height"] * 0.35}
        img.scroll_into_view_if_needed()
        (img.tap if device == "phone" else img.click)(position=pos)
        wait_idle(pg)
        pg.wait_for_function(
            "s => { const f = document.querySelector(s); const i = f && "
            "f.contentDocument.getElementById('image'); return i && i.complete; }",
            arg=FRAME, timeout=30_000)
        after = img.get_attribute("src")
        assert after != before, "the image did not change after the click"
        assert "1 hint;" in pg.locator(MAIN).inner_text()
        assert_healthy(pg, f"hints {device}")
        a, b = decode(before), decode(after)
        # the dot: the default colour at the clicked point of the new image
        r, c = int(a.shape[0] * 0.35), int(a.shape[1] * 0.3)
        patch = b[r - 1:r + 2, c - 1:c + 2].reshape(-1, 3).mean(axis=0)
        assert np.abs(patch - RED).max() < 40, patch
        # and the colorization changed beyond the dot (the hint spread)
        changed = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 12
        assert changed.sum() > 20 * 20, changed.sum()
        pg.screenshot(path=str(screenshot_dir / f"hints-{device}-en.png"), full_page=True)
        if device == "desktop":
            # A suggested colour recolours the hint; then every explanation still opens (a
            # hint list labelled with the colours once came back stale and crashed here).
            pg.locator(f'{MAIN} .st-key-hints_use_1 button').first.click()
            wait_idle(pg)
            assert_healthy(pg, "hints after a suggested colour")
            tabs = pg.locator(f'{MAIN} .st-key-hints_explain button')
            names = list(dict.fromkeys(t.inner_text() for t in tabs.all()))
            assert len(names) == 4, names
            for name in names:
                tabs.filter(has_text=name).first.click()
                wait_idle(pg)
                assert_healthy(pg, f"hints view {name}")
            assert "1 hint;" in pg.locator(MAIN).inner_text()
    finally:
        ctx.close()


def wait_image(pg) -> None:
    pg.wait_for_function(
        "s => { const f = document.querySelector(s); const i = f && "
        "f.contentDocument.getElementById('image'); return i && i.complete; }",
        arg=FRAME, timeout=60_000)


@pytest.mark.parametrize("device", ["phone"])
def test_a_phone_photo_three_taps_every_view_and_the_download(streamlit_url, chromium,
                                                              screenshot_dir, device):
    """The teacher's report: a 4032 px phone photo, taps, then every view (the first one
    crashed) and the download, with the hints where they were tapped."""
    ctx = chromium.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                               accept_downloads=True)
    try:
        pg = ctx.new_page()
        open_screen(pg, page_url(streamlit_url, "hints", lang="fr"), expect_run=5)
        upload(pg, "IMG_0001.jpg", phone_jpeg(4032, 3024), lang="fr")
        img = pg.frame_locator(FRAME).locator("#image")
        img.wait_for(timeout=60_000)
        wait_image(pg)
        first = decode(img.get_attribute("src"))
        assert abs(first.shape[1] / first.shape[0] - 4032 / 3024) < 0.01, first.shape
        taps = [(0.3, 0.65, (200, 30, 30)), (0.5, 0.15, None), (0.6, 0.9, None)]
        for k, (fx, fy, _) in enumerate(taps):
            box = img.bounding_box()
            img.scroll_into_view_if_needed()
            img.tap(position={"x": box["width"] * fx, "y": box["height"] * fy})
            wait_idle(pg, expect_run=3)
            wait_image(pg)
            assert_healthy(pg, f"phone photo, tap {k + 1}")
        shown = decode(img.get_attribute("src"))
        # each hint's dot (the default red) where it was tapped on the returned picture
        for fx, fy, _ in taps:
            r, c = int(shown.shape[0] * fy), int(shown.shape[1] * fx)
            patch = shown[r - 1:r + 2, c - 1:c + 2].reshape(-1, 3).mean(axis=0)
            assert np.abs(patch - RED).max() < 45, (fx, fy, patch)
        assert "3 indices ;" in pg.locator(MAIN).inner_text()
        tabs = pg.locator(f'{MAIN} .st-key-hints_explain button')
        names = list(dict.fromkeys(t.inner_text() for t in tabs.all()))
        assert len(names) == 4, names
        for name in names:
            tabs.filter(has_text=name).first.click()
            wait_idle(pg, expect_run=3)
            assert_healthy(pg, f"phone photo, view {name}")
            assert pg.locator(f'{MAIN} [class*="st-key-section_error"]').count() == 0, name
            if name == "Plusieurs coloriages":
                # each colouring carries the dots where they were tapped (a past bug put
                # them at half their coordinates on photos wider than 1280 px)
                pics = pg.locator(f'{MAIN} [data-testid="stImage"] img')
                assert pics.count() == 3
                for i in range(3):
                    rgb = np.asarray(Image.open(io.BytesIO(pics.nth(i).screenshot())).convert("RGB"))

                    def white_near(fx, fy, rgb=rgb):
                        r, c = int(rgb.shape[0] * fy), int(rgb.shape[1] * fx)
                        win = rgb[max(0, r - 8):r + 9, max(0, c - 8):c + 9].reshape(-1, 3)
                        return bool((win.min(axis=1) > 215).any())  # a dot's white ring

                    for fx, fy, _ in taps:
                        assert white_near(fx, fy), (i, fx, fy)
                        assert not white_near(fx / 2, fy / 2), (i, fx / 2, fy / 2)
        pg.screenshot(path=str(screenshot_dir / "hints-phone-photo-fr.png"), full_page=True)
        with pg.expect_download(timeout=120_000) as dl:
            pg.locator(f'{MAIN} .st-key-hints_download button').click()
        png = Image.open(dl.value.path()).convert("RGB")
        assert png.size == (4032, 3024)
        out = np.asarray(png)
        x, y = int(0.3 * 4032), int(0.65 * 3024)
        ball = out[y - 20:y + 20, x - 20:x + 20].reshape(-1, 3).mean(axis=0)
        assert ball[0] > ball[1] + 30 and ball[0] > ball[2] + 30, ball  # red where tapped red
        assert_healthy(pg, "phone photo after the download")
    finally:
        ctx.close()
