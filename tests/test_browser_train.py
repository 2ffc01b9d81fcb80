"""The training screen's model loader in a real Chromium: a photo dropped on "Load a model"
gets a translated message saying it is not a model (the uploader used to refuse it with a red
icon and an English tooltip only)."""

from __future__ import annotations

import pytest
from test_browser import MAIN, assert_healthy, jpeg_bytes, open_screen, page_url, wait_idle

from core.i18n import t
from core.samples import load_sample

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_photo_in_the_model_loader_gets_a_translated_message(chromium, streamlit_url, lang):
    pg = chromium.new_page(viewport={"width": 1440, "height": 900})
    pg.set_default_timeout(60_000)
    try:
        open_screen(pg, page_url(streamlit_url, "train", lang=lang), expect_run=3)
        loader = pg.locator('[data-testid="stFileUploader"]').filter(
            has_text=t("train.load", lang))
        loader.locator("input[type=file]").set_input_files(
            {"name": "photo.jpg", "mimeType": "image/jpeg",
             "buffer": jpeg_bytes(load_sample("coffee"))})
        lead = t("train.load_not_model", lang, names="photo.jpg").split(".")[0]
        pg.locator(f"{MAIN} [data-testid=stAlert]").filter(has_text=lead).wait_for()
        wait_idle(pg)
        assert_healthy(pg, f"train, a photo as a model ({lang})")
        assert "not allowed" not in pg.locator("body").inner_text()
    finally:
        pg.close()
