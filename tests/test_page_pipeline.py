"""AppTest of the pipeline screen, with a tiny U-Net standing in for the shipped model."""

from __future__ import annotations

import pytest
import torch
from conftest import bounds, metric, number, open_page

import ui.model
from core.colorizer import Colorizer
from core.i18n import t
from core.unet import UNet

torch.manual_seed(0)
TINY = Colorizer(UNet(width=4, depth=2), device="cpu")


@pytest.fixture(autouse=True)
def tiny_model(monkeypatch):
    monkeypatch.setattr(ui.model, "colorizer", lambda: TINY)


def _metric(at, key: str, lang: str) -> str:
    return metric(at, t(key, lang))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pipeline_screen(lang):
    at = open_page("pipeline", lang)
    assert at.title[0].value == t("pipeline.title", lang)
    md = " ".join(m.value for m in at.markdown)
    # The arrows carry the measured shapes: the astronaut (512 px) runs at the colorizer's
    # own working size (the shipped one's is calibrated in weights/colorizer.json).
    ws = TINY.working_size
    assert f"{ws}×{ws}×1" in md and f"{ws}×{ws}×3" in md

    # (a) a grey in [0, 255] spreads the raw output far wider than the correct input.
    ok_lo, ok_hi = bounds(_metric(at, "pipeline.raw_range_ok", lang), lang)
    a_lo, a_hi = bounds(_metric(at, "pipeline.raw_range_a", lang), lang)
    assert a_hi - a_lo > 3 * (ok_hi - ok_lo)
    # (c) Lab read without unscaling: almost black.
    assert number(_metric(at, "pipeline.mean_b", lang), lang) < 20

    # Training pairs: the button draws a new (seeded) crop.
    assert _metric(at, "pipeline.seed", lang) == "0"
    at.button(key="pipeline_new_crop").click().run()
    assert not at.exception
    assert _metric(at, "pipeline.seed", lang) == "1"
    assert any("128×128×1" in c.value for c in at.caption)

    # Trick 1: the scalings of the input, measured.
    assert bounds(_metric(at, "pipeline.min_max", lang), lang) == pytest.approx((0, 1), abs=0.01)
    at.radio(key="pipeline_scaling").set_value("raw").run()
    assert bounds(_metric(at, "pipeline.min_max", lang), lang)[1] == pytest.approx(255, abs=0.5)
    at.radio(key="pipeline_scaling").set_value("standard").run()
    assert _metric(at, "pipeline.mean_std", lang) == ("0,00 ± 1,00" if lang == "fr" else "0.00 ± 1.00")
    at.radio(key="pipeline_scaling").set_value("centred").run()
    assert bounds(_metric(at, "pipeline.min_max", lang), lang) == pytest.approx((-1, 1), abs=0.01)
