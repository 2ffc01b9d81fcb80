"""U-Net: the real model drawn as a U, its feature maps on the student's photo, skip connections."""

import re

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.lessons.unet import (
    MNIST_AUTOENCODER,
    MNIST_CLASSIFIER,
    feature_maps,
    skip_pairs,
    skips_effect,
    unet_layout,
    unet_sizes,
)
from core.unet import count_parameters
from ui.figures import mosaic_figure, show
from ui.lang import num, tr
from ui.model import BY_MODEL, colorizer, shipped_colorizer
from ui.photo import photo_picker

CHART = {"displayModeBar": False}
ROLE_COLOURS = {"encoder": "#7fb7be", "bottleneck": "#ee964b", "decoder": "#a3c4f3",
                "output": "#90be6d"}
N_MAPS = 16


def _part(name: str) -> tuple[str, str]:
    """"down3" -> ("down", "3"): the kind of part and its number (internal module names)."""
    m = re.fullmatch(r"([a-z]+)(\d*)", name)
    return (m.group(1), m.group(2)) if m else (name, "")


def short_label(name: str) -> str:
    """A part's label on the drawing, a word in the student's language (never "outc")."""
    kind, n = _part(name)
    return tr(f"unet.short_{kind}", n=n)


def long_label(row: dict) -> str:
    """A part in a sentence: what it is, and its role in the U."""
    kind, n = _part(row["name"])
    return f"{tr(f'unet.long_{kind}', n=n)} — {tr('unet.role_' + row['role'])}"


def compact(n: int) -> str:
    """1 048 576 -> 1.0M (1,0M in French), 65 536 -> 66k (bar labels that fit)."""
    if n >= 1_000_000:
        return f"{num(n / 1e6, '.1f')}M"
    return f"{n / 1e3:.0f}k" if n >= 10_000 else str(n)


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=BY_MODEL)
def analyse(c, rgb: np.ndarray) -> dict:
    """Feature maps of every part, on what the model sees (its working size)."""
    gray = c.predict(rgb).gray_small
    out = feature_maps(c.model, gray, n_channels=N_MAPS, max_side=64)
    return {"shape": gray.shape, "maps": out["maps"], "std": out["std"]}


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=BY_MODEL)
def model_summary(c, h: int, w: int) -> list[dict]:
    return c.model.summary(h, w)


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=BY_MODEL)
def skips_compare(c, rgb: np.ndarray) -> dict:
    return skips_effect(c, rgb)


def diagram(layout: list[dict], selected: str) -> go.Figure:
    # Shapes and annotations are built as plain dicts and set at once: add_shape /
    # add_annotation validate one by one and cost ~0.6 s for this drawing.
    shapes, notes = [], []
    by_name = {r["name"]: r for r in layout}
    arrow = {"xref": "x", "yref": "y", "axref": "x", "ayref": "y", "showarrow": True,
             "arrowhead": 2, "text": ""}
    for r in layout:
        sel = r["name"] == selected
        shapes.append({"type": "rect", "x0": r["x0"], "x1": r["x1"], "y0": r["y0"],
                       "y1": r["y1"], "fillcolor": ROLE_COLOURS[r["role"]],
                       "line": {"color": "#d62828" if sel else "#333", "width": 4 if sel else 1}})
        notes.append({"x": r["cx"], "y": r["y1"], "text": f"<b>{short_label(r['name'])}</b>",
                      "showarrow": False, "yanchor": "bottom",
                      "font": {"size": 14, "color": "#111"}})
        c, h, w = r["out_shape"]
        notes.append({"x": r["cx"], "y": r["y0"], "showarrow": False, "yanchor": "top",
                      "text": f"{c}×{h}×{w}<br>{num(r['params'], ',')} p.",
                      "font": {"size": 11, "color": "#333"}})
    # Data flow: each part feeds the next (pooling down, upsampling up).
    for a, b in zip(layout[:-1], layout[1:], strict=True):
        notes.append({**arrow, "x": b["x0"], "y": b["cy"], "ax": a["x1"], "ay": a["cy"],
                      "arrowwidth": 1.5, "arrowcolor": "#555"})
    # Skip connections: encoder map copied to the decoder part of the same spatial size.
    for enc, dec in skip_pairs(layout):
        a, b = by_name[enc], by_name[dec]
        y = a["cy"] + 0.12
        notes.append({**arrow, "x": b["x0"], "y": y, "ax": a["x1"], "ay": y,
                      "arrowwidth": 2.5, "arrowcolor": "#2a9d8f"})
    # Where each half of the U is: encoder on the left, decoder on the right.
    deepest = min(r["cy"] for r in layout)
    enc_rows = [r for r in layout if r["role"] == "encoder"]
    dec_rows = [r for r in layout if r["role"] == "decoder"]
    for rows, key, anchor in ((enc_rows, "unet.role_encoder", "right"),
                              (dec_rows, "unet.role_decoder", "left")):
        mid = rows[len(rows) // 2]
        notes.append({"x": mid["cx"] + (-0.9 if anchor == "right" else 0.9),
                      "y": deepest * 0.55, "text": f"<i>{tr(key)}</i>", "showarrow": False,
                      "xanchor": anchor, "font": {"size": 18, "color": "#555"}})
    bottom = next((r for r in layout if r["role"] == "bottleneck"), None)
    if bottom is not None:
        notes.append({"x": bottom["x1"] + 0.15, "y": bottom["cy"], "showarrow": False,
                      "xanchor": "left", "text": f"<i>{tr('unet.role_bottleneck')}</i>",
                      "font": {"size": 13, "color": "#b35c00"}})
    fig = go.Figure(go.Scatter(
        x=[r["cx"] for r in layout], y=[r["cy"] for r in layout], mode="markers",
        marker={"size": 28, "color": "rgba(0,0,0,0.01)"}, showlegend=False,
        customdata=[r["name"] for r in layout],
        hovertext=[f"{long_label(r)}<br>{r['out_shape'][0]}×{r['out_shape'][1]}×"
                   f"{r['out_shape'][2]}<br>{num(r['params'], ',')} {tr('unet.params')}"
                   for r in layout], hoverinfo="text"))
    ys = [r["y0"] for r in layout] + [r["y1"] for r in layout]
    xs = [r["x0"] for r in layout] + [r["x1"] for r in layout]
    fig.update_layout(
        shapes=shapes, annotations=notes, height=470,
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)", clickmode="event+select", dragmode=False,
        xaxis={"visible": False, "range": [min(xs) - 0.3, max(xs) + 0.3], "fixedrange": True},
        yaxis={"visible": False, "range": [min(ys) - 0.9, max(ys) + 0.45], "fixedrange": True})
    return fig


def sizes_figures(summary: list[dict], shape: tuple[int, int]) -> tuple[go.Figure, go.Figure]:
    mnist = go.Figure()
    # The autoencoder first (dashed, labelled), the classifier drawn over its first half.
    mnist.add_trace(go.Scatter(
        x=list(range(len(MNIST_AUTOENCODER))), y=[n for _, n in MNIST_AUTOENCODER],
        mode="lines+markers+text", name=tr("unet.autoencoder"),
        text=[str(n) for _, n in MNIST_AUTOENCODER], textposition="top right",
        line={"color": "#ee964b", "width": 3, "dash": "dash"}, marker={"size": 9}))
    mnist.add_trace(go.Scatter(
        x=list(range(len(MNIST_CLASSIFIER))), y=[n for _, n in MNIST_CLASSIFIER],
        mode="lines+markers", name=tr("unet.classifier"),
        line={"color": "#1d6f7a", "width": 6}, marker={"size": 13}))
    mnist.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                        title=tr("unet.mnist_title"), font={"size": 13},
                        xaxis_title=tr("unet.layer"), yaxis_title=tr("unet.neurons"),
                        yaxis_range=[0, 900], xaxis_range=[-0.4, 6.6],
                        legend={"orientation": "h", "y": -0.3, "x": 0})
    sizes = unet_sizes(summary, shape)
    roles = ["input"] + [r["role"] for r in summary]
    unet = go.Figure(go.Bar(
        x=[short_label(n) for n, _ in sizes], y=[v for _, v in sizes],
        marker={"color": ["#cccccc" if r == "input" else ROLE_COLOURS[r] for r in roles]},
        text=[compact(v) for _, v in sizes], textposition="outside", cliponaxis=False,
        textangle=0, textfont={"size": 11}))
    unet.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                       title=tr("unet.unet_sizes_title"), font={"size": 13},
                       # one tick per power of ten: log minor ticks piled up on each other
                       yaxis={"type": "log", "title": tr("unet.values"), "dtick": 1,
                              "exponentformat": "power"})
    return mnist, unet


st.title(tr("unet.title"))
st.markdown(tr("unet.intro"))
name, rgb = photo_picker("unet")
c = colorizer()
a = analyse(c, rgb)
h, w = a["shape"]
summary = model_summary(c, h, w)
layout = unet_layout(summary)
names = [r["name"] for r in layout]
total = count_parameters(c.model)

# -- the architecture ------------------------------------------------------------------------
st.header(tr("unet.arch_title"))


@st.fragment
def parts_and_maps(layout: list[dict], summary: list[dict], maps_of: dict, std_of: dict) -> None:
    """A click on the drawing or a block chosen redraws only the drawing and its maps."""
    names = [r["name"] for r in layout]
    if st.session_state.get("unet_block") not in names:
        st.session_state["unet_block"] = names[1]
    # A click on the drawing (previous run) chooses the block, like the selectbox below.
    event = st.session_state.get("unet_diagram")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        idx = points[0].get("point_index")
        if idx is not None and idx != st.session_state.get("unet_last_click") and idx < len(names):
            st.session_state["unet_block"] = names[idx]
        st.session_state["unet_last_click"] = idx
    else:
        st.session_state["unet_last_click"] = None
    selected = st.session_state["unet_block"]
    # On a phone the drawing keeps a readable width and scrolls sideways; a caption says so
    # (narrow screens only: on a wide one the whole drawing shows).
    st.html("<style>.st-key-unet_diagram_box{overflow-x:auto}"
            ".st-key-unet_diagram_box>div{min-width:720px}"
            "@media (min-width:800px){.st-key-unet_scroll_hint{display:none}}</style>")
    with st.container(key="unet_scroll_hint"):
        st.caption(tr("unet.scroll_hint"))
    with st.container(key="unet_diagram_box"):
        show(diagram(layout, selected), width="stretch", config=CHART,
             key="unet_diagram", on_select="rerun", selection_mode="points")
    st.caption(tr("unet.arch_caption", h=h, w=w))
    row = st.container(horizontal=True, gap="large")  # two metrics, no empty columns
    row.metric(tr("unet.total_params"), num(sum(r["params"] for r in summary), ","),
               width="content")
    row.metric(tr("unet.depth"), str(c.model.config.depth), width="content")
    # Every part of the model, in the order the data goes through them: they add up to the
    # total (the encoder's count includes the input block, "inc").
    for col, role in zip(st.columns(4), ("encoder", "bottleneck", "decoder", "output"),
                         strict=True):
        col.metric(tr(f"unet.{role}_params"),
                   num(sum(r["params"] for r in summary if r["role"] == role), ","))
    st.caption(tr("unet.params_sum"))

    # -- feature maps of a block -----------------------------------------------------------------
    st.header(tr("unet.maps_title"))
    block_labels = {r["name"]: long_label(r) for r in layout}
    block = st.selectbox(tr("unet.block"), names, key="unet_block", format_func=block_labels.get)
    row = layout[names.index(block)]
    maps = maps_of[block]
    cch, hh, ww = row["out_shape"]
    if block in ("outc", "bound") and c.output == "lab":
        labels = ["L", "a", "b"]
    else:
        labels = [f"{tr('unet.channel')} {i}" for i in range(len(maps))]
    st.markdown(tr(f"unet.explain_{row['kind']}"))
    show(mosaic_figure(maps, labels), width="stretch", config=CHART)
    st.caption(tr("unet.maps_caption", n=len(maps), c=cch, h=hh, w=ww,
                  active=int((std_of[block] > 1e-6).sum())))


parts_and_maps(layout, summary, a["maps"], a["std"])

# -- skip connections ---------------------------------------------------------------------------
st.header(tr("unet.skips_title"))
st.markdown(tr("unet.skips_intro"))
sk = skips_compare(c, rgb)
s1, s2, s3 = st.columns(3)
s1.image(sk[False]["rgb"], caption=tr("unet.skips_on"), width="stretch")
s2.image(sk[True]["rgb"], caption=tr("unet.skips_off"), width="stretch")
s3.image(rgb, caption=tr("unet.truth"), width="stretch")
k1, k2, k3, k4 = st.columns(4)
k1.metric(tr("unet.detail_on"), num(sk[False]["detail"] * 1000))
k2.metric(tr("unet.detail_off"), num(sk[True]["detail"] * 1000),
          delta=num(sk[True]["detail"] / max(sk[False]["detail"], 1e-12) - 1, "+.0%"))
k3.metric(tr("unet.psnr_on"), f"{num(sk[False]['psnr'], '.1f')} dB")
k4.metric(tr("unet.psnr_off"), f"{num(sk[True]['psnr'], '.1f')} dB",
          delta=f"{num(sk[True]['psnr'] - sk[False]['psnr'], '+.1f')} dB")
st.markdown(tr("unet.skips_why"))
if shipped_colorizer() is None:  # a random model's cut or intact skips mean nothing yet
    st.markdown(tr("unet.skips_untrained"))

# -- classifier vs auto-encoder -------------------------------------------------------------------
st.header(tr("unet.shapes_title"))
st.markdown(tr("unet.shapes_intro"))
f1, f2 = sizes_figures(summary, (h, w))
col1, col2 = st.columns(2)
show(f1, where=col1, width="stretch", config=CHART)
show(f2, where=col2, width="stretch", config=CHART)
st.caption(tr("unet.shapes_caption", total=num(total, ",")))
