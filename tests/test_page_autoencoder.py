"""The autoencoder screen: compression numbers and the latent interpolation, both languages."""

import pytest
from conftest import metric, number, open_page

from core.lessons.autoencoder import latent_side
from ui.model import _untrained_colorizer, shipped_colorizer

LABELS = {"fr": ("Entrée (valeurs)", "Goulot (valeurs)", "Compression entrée → goulot"),
          "en": ("Input (values)", "Bottleneck (values)", "Compression input → bottleneck")}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_autoencoder_page(lang):
    at = open_page("autoencoder", lang)
    col = shipped_colorizer() or _untrained_colorizer()
    model = col.model
    side = latent_side(col)  # the working size (96 for the shipped model), said on screen
    assert side == 2 ** model.config.depth * round(col.working_size / 2 ** model.config.depth)
    assert f"{side}×{side}" in " ".join(m.value for m in at.markdown)
    latent = [r for r in model.summary(side, side) if r["role"] == "bottleneck"][0]["out_shape"]
    n_in, n_lat = (number(metric(at, LABELS[lang][k]), lang) for k in (0, 1))
    assert n_in == side * side
    assert n_lat == latent[0] * latent[1] * latent[2]
    # a ratio written the language's way: "48 : 1" in French, "48:1" in English
    assert metric(at, LABELS[lang][2]) == f"{n_in / n_lat:.0f}{' : ' if lang == 'fr' else ':'}1"
    # Interpolation: move t, switch mode and the second photo; three images each time.
    at.slider(key="ae_t").set_value(0.3).run()
    assert not at.exception
    at.radio(key="ae_mode").set_value("bottleneck").run()
    at.selectbox(key="ae_other").set_value("coffee").run()
    assert not at.exception
    assert any(("t = 0{,}3" if lang == "fr" else "t = 0.3") in c for c in (i.value for i in at.latex))
    assert at.radio(key="ae_mode").value == "bottleneck"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_takeaway_says_what_this_person_does_not_exist_is(lang):
    """This Person Does Not Exist is StyleGAN, a GAN (Karras et al., 2019), not an
    autoencoder: the takeaway says so instead of giving it as an autoencoder's example."""
    at = open_page("autoencoder", lang)
    box = next(i.value for i in at.info if "This Person Does Not Exist" in i.value)
    assert "StyleGAN" in box and "GAN" in box and "Karras" in box and "2019" in box, box
    assert ("n'est pas un auto-encodeur" if lang == "fr" else "is not an autoencoder") in box
