"""Home: what the app is, and the whole parametrization as one picture, on the student's photo."""

import plotly.graph_objects as go
import streamlit as st

from core.color import ntsc_gray
from ui.lang import tr
from ui.model import colorizer
from ui.photo import photo_picker

STEPS = ("step_rgb", "step_gray", "step_unet", "step_sigmoid", "step_lab", "step_out")
COLOURS = ("#f4d35e", "#cccccc", "#7fb7be", "#ee964b", "#a3c4f3", "#90be6d")


def pipeline_figure() -> go.Figure:
    """Six boxes joined by arrows: RGB -> grey -> U-Net -> scaled sigmoid -> Lab -> RGB."""
    fig = go.Figure()
    n = len(STEPS)
    for i, (key, colour) in enumerate(zip(STEPS, COLOURS, strict=True)):
        x0 = i * 1.25
        fig.add_shape(type="rect", x0=x0, x1=x0 + 1, y0=0, y1=1, fillcolor=colour,
                      line={"color": "#333", "width": 1}, layer="below")
        fig.add_annotation(x=x0 + 0.5, y=0.5, text=tr(f"home.{key}").replace("\n", "<br>"),
                           showarrow=False, font={"size": 13, "color": "#111"})
        if i < n - 1:
            fig.add_annotation(x=x0 + 1.22, y=0.5, ax=x0 + 1.03, ay=0.5, xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=3,
                               arrowsize=1.5, arrowwidth=2, text="")
    fig.update_xaxes(visible=False, range=[-0.05, n * 1.25 - 0.2])
    fig.update_yaxes(visible=False, range=[-0.05, 1.05])
    fig.update_layout(height=190, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)")
    return fig


st.title(tr("home.title"))
st.markdown(tr("home.intro"))
st.subheader(tr("home.pipeline"))
st.plotly_chart(pipeline_figure(), width="stretch", config={"displayModeBar": False})
st.markdown(tr("home.summary"))

st.subheader(tr("home.on_your_photo"))
name, rgb = photo_picker("home")
result = colorizer().colorize(rgb)
c1, c2, c3 = st.columns(3)
c1.image(ntsc_gray(rgb), caption=tr("home.gray_caption"), clamp=True, width="stretch")
c2.image(result.rgb, caption=tr("home.model_caption"), width="stretch")
c3.image(rgb, caption=tr("home.truth_caption"), width="stretch")
st.caption(tr("home.tour"))
