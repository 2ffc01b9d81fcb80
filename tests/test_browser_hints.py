"""Colour hints in a real Chromium: a click (desktop) or a tap (phone) on the photo places a
hint, drawn as a dot of the chosen colour at that point, and the colorization changes."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image
from test_browser import DESKTOP, MAIN, PHONE, assert_healthy, open_screen, page_url, wait_idle

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
        assert "1 hint(s)" in pg.locator(MAIN).inner_text()
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
            assert "1 hint(s)" in pg.locator(MAIN).inner_text()
    finally:
        ctx.close()
