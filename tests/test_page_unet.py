"""The U-Net screen runs in both languages and shows the model's real numbers."""

import pytest
from conftest import metric, number, open_page

from core.i18n import t
from core.samples import DEFAULT_SAMPLE, load_sample
from core.unet import count_parameters
from ui.model import _untrained_colorizer, shipped_colorizer

PARTS = ("encoder", "bottleneck", "decoder", "output")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_unet_page(lang):
    at = open_page("unet", lang)
    col = shipped_colorizer() or _untrained_colorizer()
    model = col.model
    # Every part is shown and they add up to the total (the output layer was left out).
    total = number(metric(at, t("unet.total_params", lang)), lang)
    parts = {p: number(metric(at, t(f"unet.{p}_params", lang)), lang) for p in PARTS}
    assert total == count_parameters(model) == sum(parts.values()), (total, parts)
    assert parts["output"] == model.outc.conv.weight.numel() + model.outc.conv.bias.numel()
    assert t("unet.params_sum", lang) in [c.value for c in at.caption]
    # The block selector lists every named part; choosing the bottleneck shows its maps.
    box = at.selectbox(key="unet_block")
    depth = model.config.depth
    assert len(box.options) == 2 * depth + 3
    # Parts are named in sentences of the student's language, never module names ("outc").
    assert box.options[0].startswith(t("unet.long_inc", lang))
    assert box.options[-2].startswith(t("unet.long_outc", lang))
    assert not any(name in " ".join(box.options) for name in ("inc", "outc", "down1", "up1"))
    box.set_value(f"down{depth}").run()  # the bottleneck
    assert not at.exception
    caption = " ".join(c.value for c in at.caption)
    # Everything at the model's working size: what Colorizer.predict feeds it.
    h0, w0 = col.predict(load_sample(DEFAULT_SAMPLE)).gray_small.shape
    assert min(h0, w0) == col.working_size
    assert f"{h0}×{w0}" in caption
    c, h, w = model.summary(h0, w0)[depth]["out_shape"]
    assert f"{c}" in caption and f"{h}×{w}" in caption
    detail = {"fr": "Détail (intactes)", "en": "Detail (intact)"}[lang]
    assert number(metric(at, detail), lang) >= 0
    # The "untrained model" warning only for an untrained model (the shipped one is trained).
    texts = " ".join(m.value for m in at.markdown)
    assert (t("unet.skips_untrained", lang) in texts) == (shipped_colorizer() is None)
    # The model concatenates the encoder's maps: "skip connections", never "residual".
    assert not any(word in texts.lower() for word in ("résiduel", "residual"))
