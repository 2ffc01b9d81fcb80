"""Screen: the NTSC formula, term by term on the student's photo, and why Y is not L*."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.color import NTSC_WEIGHTS, ntsc_gray
from core.lessons.ntsc import (
    WEIGHT_PRESETS,
    channel_shares,
    lightness_gap,
    normalise_weights,
    probe,
    pure_colour_table,
    true_lightness,
    weighted_channels,
)
from core.lessons.pipeline import diverging_rgb
from ui.figures import colour_bar, show
from ui.images import jpeg, png_uri
from ui.lang import num, percent_sign, tex, tr
from ui.photo import photo_picker
from ui.samples import photo_name

KEYS = ("ntsc_wR", "ntsc_wG", "ntsc_wB")
#: Longest side of the hover charts (values per pixel are sent to the browser: a smaller
#: chart redraws at once on every slider step; the zoom still reaches single pixels).
HOVER_SIDE = 160
#: Colours of the gap map: grey darker than the colour (blue), lighter (red).
GAP_LOW, GAP_MID, GAP_HIGH = (33, 102, 172), (247, 247, 247), (178, 24, 43)


@st.cache_data(show_spinner=False, max_entries=4)
def _true_l(rgb: np.ndarray) -> np.ndarray:
    return true_lightness(rgb)


@st.cache_data(show_spinner=False, max_entries=8)
def _gap(rgb: np.ndarray, weights: tuple[float, float, float]) -> np.ndarray:
    return lightness_gap(rgb, weights, true_l=_true_l(rgb))


@st.cache_data(show_spinner=False, max_entries=4)
def _terms(rgb: np.ndarray) -> dict[str, bytes | float]:
    """Section 1 (NTSC weights only): the tinted channels and weighted terms as JPEG."""
    terms = weighted_channels(rgb, NTSC_WEIGHTS)
    out: dict[str, bytes | float] = {n: jpeg(_tint(terms[n], i)) for i, n in enumerate("RGB")}
    for n in ("wR", "wG", "wB", "Y"):
        out[n] = jpeg(terms[n])
        out[n + "_mean"] = 255 * float(terms[n].mean())
    return out


def _step(rgb: np.ndarray) -> int:
    return max(1, int(np.ceil(max(rgb.shape[:2]) / HOVER_SIDE)))


def _set_weights(preset: str) -> None:
    for k, v in zip(KEYS, WEIGHT_PRESETS[preset], strict=True):
        st.session_state[k] = float(v)


def _tint(channel: np.ndarray, i: int) -> np.ndarray:
    """A channel shown in its own colour (R as red...), uint8."""
    out = np.zeros(channel.shape + (3,), dtype=np.uint8)
    out[..., i] = np.round(channel * 255).astype(np.uint8)
    return out


def shares_figure(shares: tuple[float, float, float], weights: tuple[float, float, float]
                  ) -> go.Figure:
    fig = go.Figure()
    for share, w, name, colour in zip(shares, weights, "RGB", ("#d62728", "#2ca02c", "#1f77b4"),
                                      strict=True):
        pct = num(share, ".0%")
        fig.add_bar(y=["Y"], x=[100 * share], orientation="h", name=f"{num(w, '.3f')} · {name}",
                    marker_color=colour,
                    text=tr("ntsc.share_bar", term=f"{num(w, '.3f')}·{name}", pct=pct)
                    if share >= 0.16 else pct,
                    textposition="inside", insidetextanchor="middle",
                    textfont={"size": 16, "color": "white"},
                    hovertemplate=tr("ntsc.share_bar", term=f"{num(w, '.3f')}·{name}",
                                     pct=f"%{{x:.1f}}{percent_sign()}") + "<extra></extra>")
    fig.update_layout(barmode="stack", height=130, showlegend=False,
                      margin={"l": 10, "r": 10, "t": 10, "b": 30},
                      xaxis={"range": [0, 100], "ticksuffix": percent_sign()}, yaxis={"visible": False})
    return fig


def hover_figure(rgb: np.ndarray, gray: np.ndarray) -> go.Figure:
    """The photo and its grey, zoom-linked; hover gives R, G, B and Y of the pixel.

    Their titles are a caption under the chart (inside, they overlapped on a phone)."""
    k = _step(rgb)
    small = rgb[::k, ::k]
    y255 = np.round(gray[::k, ::k] * 255).astype(np.uint8)
    # Both axes of the grey panel match the colour panel's (zoom-linked, same ranges); only
    # the colour panel's y is anchored to its x: anchoring each panel to its own x as well
    # fought the matching and stretched the grey one sideways.
    fig = make_subplots(1, 2, shared_xaxes="all", shared_yaxes="all", horizontal_spacing=0.03)
    # The colour panel's own z gives R, G, B; Y rides along as its customdata.
    # Pictures as PNG sources (ui/images.py png_uri): hover reads the same exact values.
    fig.add_trace(go.Image(source=png_uri(small), x0=0, dx=k, y0=0, dy=k, customdata=y255,
                           hovertemplate="x=%{x}, y=%{y}<br>R=%{z[0]}  G=%{z[1]}  B=%{z[2]}"
                                         "<br><b>Y=%{customdata}</b><extra></extra>"), 1, 1)
    # The grey as an image too: both panels then keep the photo's proportions.
    fig.add_trace(go.Image(source=png_uri(np.dstack([y255] * 3)), x0=0, dx=k, y0=0, dy=k,
                           hovertemplate="x=%{x}, y=%{y}<br><b>Y=%{z[0]}</b><extra></extra>"),
                  1, 2)
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(scaleanchor="x", row=1, col=1)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(height=340, margin={"l": 0, "r": 0, "t": 34, "b": 0},
                      plot_bgcolor="rgba(0,0,0,0)")
    return fig


def gap_image(gap: np.ndarray) -> tuple[bytes, float]:
    """The ΔL* map as a picture (no hover needed: the metrics give the numbers), its scale."""
    lim = max(5.0, float(np.abs(gap).max()))
    return jpeg(diverging_rgb(gap / lim, GAP_LOW, GAP_HIGH, GAP_MID)), lim


def gap_legend(lim: float) -> str:
    """A colour bar for the gap map, from -lim (blue) through 0 to +lim (red)."""
    return colour_bar([f"rgb{c}" for c in (GAP_LOW, GAP_MID, GAP_HIGH)],
                      f"−{num(lim, '.0f')}", "ΔL* = 0", f"+{num(lim, '.0f')}",
                      height="0.8rem", label_style="font-size:0.85rem")


def pure_figure(rows: list[dict]) -> go.Figure:
    names = [tr(f"ntsc.colour_{r['name']}") for r in rows]
    swatches = [f"rgb{r['rgb']}" for r in rows]
    fig = go.Figure()
    # Horizontal bars: values written after each bar never run into the next one (upright
    # bars on a phone were too narrow for their numbers: "100100", "5454").
    fig.add_bar(y=names, x=[r["L_true"] for r in rows], name=tr("ntsc.l_true"), orientation="h",
                marker={"color": swatches, "line": {"color": "#333", "width": 1}},
                text=[num(r["L_true"], ".0f") for r in rows], textposition="outside",
                hovertemplate="%{y}: L* = %{x:.1f}<extra></extra>")
    greys = [f"rgb({int(r['Y255'])},{int(r['Y255'])},{int(r['Y255'])})" for r in rows]
    fig.add_bar(y=names, x=[r["L_gray"] for r in rows], name=tr("ntsc.l_gray"), orientation="h",
                marker={"color": greys, "line": {"color": "#333", "width": 1},
                        "pattern": {"shape": "/", "fgcolor": "#888"}},
                text=[num(r["L_gray"], ".0f") for r in rows], textposition="outside",
                customdata=[r["Y255"] for r in rows],
                hovertemplate="%{y}: Y = %{customdata}/255 → L* = %{x:.1f}<extra></extra>")
    fig.update_layout(barmode="group", height=120 + 46 * len(rows),
                      xaxis={"title": "L*", "range": [0, 116]}, yaxis={"autorange": "reversed"},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, font={"size": 16})
    return fig


# -- page ----------------------------------------------------------------------------------
for k, v in zip(KEYS, NTSC_WEIGHTS, strict=True):
    st.session_state.setdefault(k, float(v))

st.title(tr("ntsc.title"))
st.markdown(tr("ntsc.intro"))
name, rgb = photo_picker("ntsc")
st.caption(tr("common.current_photo", name=photo_name(name)))

# 1. The formula, term by term (the course's weights: drawn once per photo) ----------------
st.latex(r"Y = {}\,R + {}\,G + {}\,B".format(*(tex(w, ".3f") for w in NTSC_WEIGHTS)))
st.subheader(tr("ntsc.terms_title"))
st.markdown(tr("ntsc.terms_text"))
terms = _terms(rgb)
cols = st.columns(3)
for c, n in zip(cols, "RGB", strict=True):
    c.image(terms[n], caption=tr(f"ntsc.channel_{n}"), width="stretch")
cols = st.columns(4)
for c, n, w in zip(cols, "RGB", NTSC_WEIGHTS, strict=False):
    c.image(terms["w" + n], width="stretch",
            caption=f"{num(w, 'g')} · {n}  (" + tr("ntsc.mean", v=terms[f"w{n}_mean"]) + ")")
cols[3].image(terms["Y"], width="stretch",
              caption="= Y  (" + tr("ntsc.mean", v=terms["Y_mean"]) + ")")
st.markdown(tr("ntsc.shares_text"))
show(shares_figure(channel_shares(rgb, NTSC_WEIGHTS), NTSC_WEIGHTS), width="stretch",
     config={"displayModeBar": False})


@st.fragment
def with_your_weights(rgb: np.ndarray) -> None:
    """Sections 2 to 4 follow the weights: a slider step reruns only them."""
    st.subheader(tr("ntsc.weights_title"))
    st.markdown(tr("ntsc.weights_text"))
    left, right = st.columns([2, 3])
    with left:
        st.markdown(tr("ntsc.presets"))
        bcols = st.columns(3)
        for i, preset in enumerate(WEIGHT_PRESETS):
            bcols[i % 3].button(tr(f"ntsc.preset_{preset}"), key=f"ntsc_preset_{preset}",
                                on_click=_set_weights, args=(preset,), width="stretch")
        for k, n in zip(KEYS, "RGB", strict=True):
            st.slider(tr(f"ntsc.weight_{n}"), 0.0, 1.0, step=0.001, format="%.3f", key=k)
        normalise = st.checkbox(tr("ntsc.normalise"), key="ntsc_norm")
    raw_w = tuple(float(st.session_state[k]) for k in KEYS)
    weights = normalise_weights(raw_w) if normalise else raw_w
    total = sum(weights)
    gray = ntsc_gray(rgb, weights)
    ref = ntsc_gray(rgb)
    with right:
        # Two lines: one line with the sum is wider than a phone.
        w = [tex(x, ".3f") for x in (*weights, total)]
        st.latex(rf"\begin{{gathered}}Y = {w[0]}\,R + {w[1]}\,G + "
                 rf"{w[2]}\,B \\ \Sigma = {w[3]}\end{{gathered}}")
        if abs(total - 1.0) > 5e-3:
            st.warning(tr("ntsc.sum_high" if total > 1 else "ntsc.sum_low", s=total))
        c1, c2 = st.columns(2)
        c1.image(jpeg(gray), width="stretch", caption=tr("ntsc.your_grey"))
        c2.image(jpeg(ref), width="stretch", caption=tr("ntsc.ntsc_grey"))
        st.metric(tr("ntsc.diff_ntsc"), num(255 * float(np.abs(gray - ref).mean()), ".1f"))

    # 3. Pixel probe -----------------------------------------------------------------------
    st.subheader(tr("ntsc.probe_title"))
    st.markdown(tr("ntsc.probe_text"))
    # One figure, side by side: drawing a stacked copy for phones as well (folded by CSS)
    # doubled what every weight step sends and took the slider past 0.5 s (bench_ui).
    show(hover_figure(rgb, gray), width="stretch")
    st.caption(tr("ntsc.hover_caption", left=tr("ntsc.hover_colour"),
                  right=tr("ntsc.hover_grey")))
    pc = st.columns([1, 1, 1, 1])
    px = tuple(int(pc[i].number_input(n, 0, 255, value=v, step=1, key=f"ntsc_probe_{n}"))
               for i, (n, v) in enumerate(zip("RGB", (255, 0, 0), strict=True)))
    pc[3].markdown(
        f"<div style='height:4.2rem;border-radius:8px;border:1px solid #888;"
        f"background:rgb{px}'></div>", unsafe_allow_html=True)
    p = probe(px, weights)
    m = st.columns(3)
    m[0].metric(tr("ntsc.probe_y"), f"{p['Y255']}")
    m[1].metric(tr("ntsc.probe_lgray"), num(p["L_gray"], ".1f"))
    m[2].metric(tr("ntsc.probe_ltrue"), num(p["L_true"], ".1f"),
                delta=num(p["L_true"] - p["L_gray"], "+.1f"), delta_color="off")

    # 4. Y is not the lightness L* ---------------------------------------------------------
    st.subheader(tr("ntsc.gap_title"))
    st.markdown(tr("ntsc.gap_text"))
    st.latex(r"\Delta L^* = L^*(Y, Y, Y) - L^*(R, G, B)")
    gap = _gap(rgb, weights)
    g1, g2 = st.columns([3, 2])
    with g1:
        picture, lim = gap_image(gap)
        st.image(picture, width="stretch")
        st.markdown(gap_legend(lim), unsafe_allow_html=True)
    with g2:
        st.metric(tr("ntsc.gap_mean"), num(float(np.abs(gap).mean()), ".1f"))
        st.metric(tr("ntsc.gap_max"), num(float(np.abs(gap).max()), ".1f"))
        st.markdown(tr("ntsc.gap_read"))
    st.markdown(tr("ntsc.pure_text"))
    show(pure_figure(pure_colour_table(weights)), width="stretch",
         config={"displayModeBar": False})


with_your_weights(rgb)
st.info(tr("ntsc.conclusion"))
