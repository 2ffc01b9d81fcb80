"""Home: what the app is, and the whole parametrization as one picture, on the student's photo."""

import html

import streamlit as st

from core.color import ntsc_gray
from ui.images import jpeg
from ui.lang import tr
from ui.model import colorizer
from ui.nav import NAMES
from ui.photo import photo_picker

STEPS = ("step_rgb", "step_gray", "step_unet", "step_sigmoid", "step_lab", "step_out")
COLOURS = ("#f4d35e", "#cccccc", "#7fb7be", "#ee964b", "#a3c4f3", "#90be6d")
#: The suggested tour, named by the screens' own titles (core/locales/*/nav.json): every
#: screen in menu order (the course, the study of parametrizations, then practice).
TOUR = tuple(name for name in NAMES if name != "home")

#: The diagram is HTML, not a chart: its boxes wrap onto several rows on a phone (arrows turn
#: down at the end of a row), its type follows the page's (projector mode enlarges it), and
#: the first screen a student sees needs no chart library.
DIAGRAM_CSS = """<style>
.cz-flow { display: flex; flex-wrap: wrap; gap: 0.4rem 0; margin: 0.5rem 0 1rem; }
.cz-step { flex: 1 1 0; min-width: 9.5rem; display: flex; align-items: center; }
.cz-box { flex: 1; min-height: 6.2rem; padding: 0.5rem; border: 1px solid #333;
  border-radius: 6px; color: #111; text-align: center; line-height: 1.35;
  display: flex; align-items: center; justify-content: center; }
.cz-line { white-space: nowrap; }
.cz-wide { flex-grow: 1.5; }
.cz-step:not(:last-child)::after { content: "➜"; display: inline-block; transform: scale(1.5); padding: 0 0.5rem; }
@media (max-width: 640px) {
  .cz-flow { flex-direction: column; align-items: center; }
  .cz-step { flex-direction: column; width: 15rem; }
  .cz-box { width: 100%; min-height: 0; }
  .cz-step:not(:last-child)::after { content: "⬇"; display: inline-block; transform: scale(1.3); padding: 0.2rem 0; }
}
</style>"""


def pipeline_html() -> str:
    """Six boxes joined by arrows: RGB -> grey -> U-Net -> scaled sigmoid -> Lab -> RGB."""
    # Each line whole (the formula's "− 1" once wrapped onto a line of its own), and the
    # formula's box wider than the others.
    boxes = "".join(
        f"<div class='cz-step{' cz-wide' if key == 'step_sigmoid' else ''}'>"
        f"<div class='cz-box' style='background:{colour}'><div>"
        + "<br>".join(f"<span class='cz-line'>{html.escape(line)}</span>"
                      for line in tr(f"home.{key}").split("\n"))
        + "</div></div></div>"
        for key, colour in zip(STEPS, COLOURS, strict=True))
    return f"{DIAGRAM_CSS}<div class='cz-flow' data-testid='czPipeline'>{boxes}</div>"


st.title(tr("home.title"))
st.markdown(tr("home.intro"))
st.subheader(tr("home.pipeline"))
st.html(pipeline_html())
st.markdown(tr("home.summary"))

st.subheader(tr("home.on_your_photo"))
name, rgb = photo_picker("home")
# The model (torch, loaded in the background since the server's first visit) is needed
# only from here: everything above is already on the student's screen.
result = colorizer().colorize(rgb)
c1, c2, c3 = st.columns(3)
c1.image(jpeg(ntsc_gray(rgb)), caption=tr("home.gray_caption"), width="stretch")
c2.image(jpeg(result.rgb), caption=tr("home.model_caption"), width="stretch")
c3.image(jpeg(rgb), caption=tr("home.truth_caption"), width="stretch")
st.caption(tr("home.tour", screens=" → ".join(tr(f"nav.{name}") for name in TOUR)))
