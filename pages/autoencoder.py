"""Autoencoder and latent space: what the bottleneck holds, and walking between two photos."""

import hashlib

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.lessons.autoencoder import (
    compression,
    decode_rgb,
    encode,
    latent_side,
    mix_features,
    top_channels,
)
from core.lessons.network import square_gray
from core.samples import COLOUR_SAMPLES, load_sample
from ui.figures import mosaic_figure, show
from ui.images import png
from ui.lang import labels, num, tex, tr
from ui.model import BY_MODEL, colorizer
from ui.photo import photo_picker

CHART = {"displayModeBar": False}
N_LATENT = 8


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=BY_MODEL)
def model_summary(c, side: int) -> list[dict]:
    return c.model.summary(side, side)


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=BY_MODEL)
def encoding(c, photo_key: str, _rgb: np.ndarray) -> list:
    return encode(c.model, square_gray(_rgb, latent_side(c)))


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=BY_MODEL)
def decoded(c, key_a: str, _rgb_a: np.ndarray, name_b: str, t: float,
            mode: str) -> np.ndarray:
    rgb_a, rgb_b = _rgb_a, load_sample(name_b)
    fa = encoding(c, key_a, rgb_a)
    fb = encoding(c, f"sample:{name_b}", rgb_b)
    side = latent_side(c)
    ga, gb = square_gray(rgb_a, side), square_gray(rgb_b, side)
    grey = (1 - t) * ga + t * gb if mode == "all" else ga
    return decode_rgb(c.model, mix_features(fa, fb, t, mode), grey)


def sizes_figure(comp: dict) -> go.Figure:
    items = [(tr("autoencoder.bar_input"), comp["input_values"], "#cccccc"),
             (tr("autoencoder.bar_latent"), comp["latent_values"], "#ee964b"),
             (tr("autoencoder.bar_output"), comp["output_values"], "#a3c4f3"),
             (tr("autoencoder.bar_skips"), comp["skip_values"], "#2a9d8f")]
    fig = go.Figure(go.Bar(x=[v for _, v, _ in items], y=[n for n, _, _ in items],
                           orientation="h", marker={"color": [c for _, _, c in items]},
                           text=[num(v, ",") for _, v, _ in items], textposition="auto",
                           textfont={"size": 15}))
    fig.update_layout(height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      font={"size": 14}, xaxis_title=tr("autoencoder.values"),
                      yaxis={"autorange": "reversed"})
    return fig


def latent_figure(latent: np.ndarray, idx: list[int]) -> go.Figure:
    # Same mosaic drawing as the U-Net screen's feature maps.
    return mosaic_figure(latent[idx], [f"{tr('autoencoder.channel')} {i}" for i in idx],
                       height=170)


st.title(tr("autoencoder.title"))
st.markdown(tr("autoencoder.intro"))
name, rgb = photo_picker("autoencoder")
c = colorizer()
# Both photos are cropped to a centred square at the model's working size (said on screen):
# two latent codes must have one shape to be mixed.
side = latent_side(c)

# -- what the bottleneck holds ---------------------------------------------------------------
st.header(tr("autoencoder.bottleneck_title"))
summary = model_summary(c, side)
comp = compression(summary, (side, side))
lc, lh, lw = comp["latent_shape"]
m1, m2, m3, m4 = st.columns(4)
m1.metric(tr("autoencoder.input_size"), num(comp["input_values"], ","),
          help=f"{side}×{side}×1")
m2.metric(tr("autoencoder.latent_size"), num(comp["latent_values"], ","),
          help=f"{lc}×{lh}×{lw}")
m3.metric(tr("autoencoder.ratio"), tr("autoencoder.ratio_value", r=num(comp["ratio"], ".0f")))
m4.metric(tr("autoencoder.skip_ratio"), f"× {num(comp['skip_ratio'], '.0f')}")
show(sizes_figure(comp), width="stretch", config=CHART)
st.markdown(tr("autoencoder.bottleneck_text", c=lc, h=lh, w=lw, side=side,
               ratio=num(comp["ratio"], ".0f"), out_ratio=num(comp["output_ratio"], ".0f"),
               skip=num(comp["skip_ratio"], ".0f")))

photo_key = hashlib.sha1(np.ascontiguousarray(rgb).tobytes()).hexdigest()
fa = encoding(c, photo_key, rgb)
latent = fa[-1][0].numpy()
idx = top_channels(latent, N_LATENT)
st.subheader(tr("autoencoder.latent_title"))
show(latent_figure(latent, idx), width="stretch", config=CHART)
st.caption(tr("autoencoder.latent_caption", n=N_LATENT, c=lc, h=lh, w=lw))

# -- interpolation in the latent space -----------------------------------------------------
st.header(tr("autoencoder.interp_title"))
st.markdown(tr("autoencoder.interp_intro", side=side))


@st.fragment
def interpolation(c, name: str, rgb: np.ndarray, photo_key: str, side: int) -> None:
    """The second photo, the mode and t redraw only this section."""
    others = [s for s in COLOUR_SAMPLES if s != name]
    col1, col2 = st.columns(2)
    other = col1.selectbox(tr("autoencoder.second_photo"), others,
                           index=others.index("chelsea") if "chelsea" in others else 0,
                           format_func=labels("common.sample_"), key="ae_other")
    mode = col2.radio(tr("autoencoder.mode"), ["all", "bottleneck"], key="ae_mode",
                      format_func=labels("autoencoder.mode_"))
    rgb_b = load_sample(other)
    t = st.slider(tr("autoencoder.t"), 0.0, 1.0, 0.5, step=0.1, key="ae_t",
                  help=tr("autoencoder.t_help"))
    st.latex(rf"z = (1 - t)\,z_A + t\,z_B \quad (t = {tex(t, '.1f')})")
    with st.spinner(tr("autoencoder.decoding")):
        img_a = decoded(c, photo_key, rgb, other, 0.0, "all")  # t = 0: both modes give A
        img_t = decoded(c, photo_key, rgb, other, round(t, 1), mode)
        img_b = decoded(c, photo_key, rgb, other, 1.0, mode)
    g1, _, g3 = st.columns(3)
    g1.image(png(square_gray(rgb, side)), caption=tr("autoencoder.input_a"), width=96)
    g3.image(png(square_gray(rgb_b, side)), caption=tr("autoencoder.input_b"), width=96)
    i1, i2, i3 = st.columns(3)
    i1.image(png(img_a), caption=tr("autoencoder.decoded_a"), width="stretch")
    i2.image(png(img_t), caption=tr("autoencoder.decoded_t", t=num(t, ".1f")), width="stretch")
    i3.image(png(img_b), caption=tr("autoencoder.decoded_b_" + mode), width="stretch")
    st.markdown(tr(f"autoencoder.why_{mode}"))


interpolation(c, name, rgb, photo_key, side)
st.info(tr("autoencoder.takeaway"))
