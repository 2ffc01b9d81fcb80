"""Upsampling layers: nearest, bilinear, transposed convolution (checkerboard), and DLSS's idea."""


import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.lessons.network import square_gray
from core.lessons.upsampling import (
    fit_learned_upsampler,
    model_channel,
    overlap_counts,
    super_resolution,
    transposed_upsample,
    upsample,
)
from ui.figures import show
from ui.images import png
from ui.lang import labels, num, percent_sign, tr
from ui.model import BY_MODEL, colorizer
from ui.photo import photo_picker
from ui.warm import also_warm

CHART = {"displayModeBar": False}
SMALL = 40  # side of the small input of part 1: pixels must be visible
ZOOM = 96  # side of the zoomed crop of part 2 (in pixels of the full image)
SOURCES = ["photo", "feature", "constant"]
METHOD_COLOURS = {"nearest": "#ee964b", "bilinear": "#2a9d8f", "transposed": "#d62828"}


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=BY_MODEL)
def feature_source(c, rgb: np.ndarray) -> np.ndarray:
    """A real feature map of the model, on what it sees (its working size)."""
    return model_channel(c.model, c.predict(rgb).gray_small)


@st.cache_data(max_entries=4, show_spinner=False)
def upsampler(factor: int) -> np.ndarray:
    return fit_learned_upsampler(factor)


@st.cache_data(max_entries=8, show_spinner=False)
def enlarged(rgb: np.ndarray, factor: int) -> dict:
    return super_resolution(rgb, factor, upsampler(factor))


def heat(img: np.ndarray, title: str, zmin: float, zmax: float) -> go.Figure:
    """A small grey heatmap with each cell's value written in it."""
    fig = go.Figure(go.Heatmap(z=img, colorscale="gray", zmin=zmin, zmax=zmax, showscale=False,
                               hoverinfo="skip", text=img, texttemplate="%{text:.0f}",
                               textfont={"size": 12}))
    fig.update_layout(
        height=280, margin={"l": 0, "r": 0, "t": 30, "b": 0}, title=title,
        title_font={"size": 15}, plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"visible": False, "constrain": "domain"},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x",
               "constrain": "domain"})
    return fig


def pixels(img: np.ndarray, lo: float, hi: float, side: int = 240) -> bytes:
    """A small map as a picture with visible pixels: grey from ``lo`` to ``hi``, each pixel
    repeated (PNG: the browser must not smooth what the lesson is about)."""
    k = max(1, side // max(img.shape))
    grey = np.clip((img - lo) / (hi - lo), 0.0, 1.0)
    return png(np.repeat(np.repeat(grey, k, 0), k, 1))


def profile_figure(rows: dict[str, np.ndarray]) -> go.Figure:
    fig = go.Figure()
    for name, row in rows.items():
        fig.add_trace(go.Scatter(y=row, name=tr(f"upsampling.m_{name}"), mode="lines+markers",
                                 line={"color": METHOD_COLOURS[name], "width": 3,
                                       "shape": "hv" if name == "nearest" else "linear"}))
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis_title=tr("upsampling.profile_x"), yaxis_title=tr("upsampling.profile_y"),
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      font={"size": 14})
    return fig


def zoom(img: np.ndarray, scale: int = 3) -> np.ndarray:
    """Central ZOOM x ZOOM crop, enlarged by pixel repetition (the browser must not smooth it)."""
    h, w = img.shape[:2]
    s = min(ZOOM, h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    crop = np.clip(img[y0:y0 + s, x0:x0 + s], 0, 1)
    return np.repeat(np.repeat((crop * 255).round().astype(np.uint8), scale, 0), scale, 1)


st.title(tr("upsampling.title"))
st.markdown(tr("upsampling.intro"))
name, rgb = photo_picker("upsampling")

# -- 1. three ways to enlarge -------------------------------------------------------------------
st.header(tr("upsampling.methods_title"))
@st.fragment
def three_ways(rgb: np.ndarray) -> None:
    """The source and the kernel size redraw only this section."""
    c1, c2 = st.columns(2)
    source = c1.radio(tr("upsampling.source"), SOURCES, horizontal=True,
                      key="up_source",
                      format_func=labels("upsampling.source_"))
    kernel = c2.select_slider(tr("upsampling.kernel"), [2, 3, 4], value=3, key="up_kernel",
                              help=tr("upsampling.kernel_help"))
    if source == "photo":
        src = square_gray(rgb, SMALL)
    elif source == "feature":
        c = colorizer()
        src = feature_source(c, rgb)
    else:
        src = np.full((SMALL // 2, SMALL // 2), 0.5, dtype=np.float32)
    ups = {"nearest": upsample(src, 2, "nearest"), "bilinear": upsample(src, 2, "bilinear"),
           "transposed": transposed_upsample(src, kernel, 2)}
    lo, hi = float(src.min()), float(src.max())
    if hi - lo < 1e-6:
        lo, hi = 0.0, 1.0
    cols = st.columns(4)
    # Pictures, not charts: nothing to hover, and a step redraws four images at once.
    cols[0].image(pixels(src, lo, hi), width="stretch",
                  caption=tr("upsampling.input", h=src.shape[0], w=src.shape[1]))
    for col, (k, v) in zip(cols[1:], ups.items(), strict=True):
        col.image(pixels(v, lo, hi), width="stretch", caption=tr(f"upsampling.m_{k}"))
    spread = float(ups["transposed"][2:-2, 2:-2].std())
    st.caption(tr("upsampling.methods_caption", k=kernel))

    st.subheader(tr("upsampling.checker_title"))
    o1, o2 = st.columns([1, 2])
    counts = overlap_counts(6, kernel, 2)[1:-1, 1:-1]  # away from the borders
    show(heat(counts, tr("upsampling.counts_title", k=kernel), 0, 4), where=o1,
         width="stretch", config=CHART)
    mid = ups["nearest"].shape[0] // 2
    show(profile_figure({k: v[mid] for k, v in ups.items()}), where=o2, width="stretch",
         config=CHART)
    if source == "constant":
        st.metric(tr("upsampling.constant_spread"), num(spread, ".3f"))
    st.markdown(tr("upsampling.checker_text", k=kernel))


three_ways(rgb)

# -- 2. render small, upsample: DLSS / FSR ----------------------------------------------------
st.header(tr("upsampling.dlss_title"))
st.markdown(tr("upsampling.dlss_intro"))


@st.fragment
def render_small(rgb: np.ndarray) -> None:
    """The factor redraws only this section."""
    factor = st.radio(tr("upsampling.factor"), [2, 4], horizontal=True, key="up_factor",
                      format_func=lambda f: f"×{f}")
    with st.spinner(tr("upsampling.training")):
        sr = enlarged(rgb, factor)
    # the server's own first visit computes both factors (ui/warm.py): no first-step wait
    also_warm("upsampling: factors", lambda f: enlarged(rgb, f), (2, 4))
    h, w = sr["truth"].shape[:2]
    st.caption(tr("upsampling.rendered", sh=sr["small"].shape[0], sw=sr["small"].shape[1],
                  h=h, w=w, share=num(1 / factor**2, ".0%")))
    names = ("nearest", "bicubic", "learned")
    cols = st.columns(4)
    for col, k in zip(cols, names, strict=False):
        col.image(png(zoom(sr["up"][k])), caption=tr(f"upsampling.sr_{k}"), width="stretch")
    cols[3].image(png(zoom(sr["truth"])), caption=tr("upsampling.sr_truth"), width="stretch")
    for col, k in zip(cols, names, strict=False):
        gain = sr["psnr"][k] - sr["psnr"]["bicubic"]
        col.metric(f"PSNR · {tr(f'upsampling.sr_{k}')}", f"{num(sr['psnr'][k])} dB",
                   delta=None if k == "bicubic" else f"{num(gain, '+.2f')} dB")
    cols[3].metric(tr("upsampling.pixels_rendered"), f"{num(100 / factor**2, 'g')}{percent_sign()}")
    st.markdown(tr("upsampling.dlss_text"))


render_small(rgb)
st.info(tr("upsampling.takeaway"))
