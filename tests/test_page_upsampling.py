"""The upsampling screen: the checkerboard and the PSNR of each upsampling, both languages."""

import pytest
from conftest import number, open_page


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_upsampling_page(lang):
    at = open_page("upsampling", lang)
    names = {"fr": ("Plus proche voisin", "Bicubique", "Couche apprise",
                    "Pixels réellement calculés"),
             "en": ("Nearest neighbour", "Bicubic", "Learnt layer", "Pixels actually computed")}
    nearest, bicubic, learned, pixels = names[lang]
    m = metrics(at)
    psnr = {k: number(m[f"PSNR · {k}"], lang) for k in (nearest, bicubic, learned)}
    assert psnr[learned] > psnr[bicubic] > psnr[nearest] > 15
    # percentages written the language's way: "25 %" (narrow no-break space) / "25%"
    assert m[pixels] == ("25\u202f%" if lang == "fr" else "25%")
    at.radio(key="up_factor").set_value(4).run()
    assert not at.exception
    assert metrics(at)[pixels] == ("6,25\u202f%" if lang == "fr" else "6.25%")
    # A real feature map of the model (at its working size) as the small input.
    at.radio(key="up_source").set_value("feature").run()
    assert not at.exception, at.exception
    # A uniform image: kernel 3 makes a checkerboard, kernel 2 does not.
    at.radio(key="up_source").set_value("constant").run()
    spread = next(v for k, v in metrics(at).items() if "uniform" in k or "uniforme" in k)
    assert number(spread, lang) > 0.1
    at.select_slider(key="up_kernel").set_value(2).run()
    spread = next(v for k, v in metrics(at).items() if "uniform" in k or "uniforme" in k)
    assert number(spread, lang) == 0.0
    at.radio(key="up_source").set_value("feature").run()
    assert not at.exception
