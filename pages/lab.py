"""Screen: the Lab colour space on the student's photo (channels, scaling, gamut, channel play)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.colors import hex_to_rgb

from core.color import AB_SCALE, lab_to_unit, ntsc_gray
from core.lessons.lab import (
    SPACES,
    channel_ranges,
    gamut_extent,
    gamut_slice,
    mean_chroma,
    normalise_for_display,
    play_lab,
    sample_pixels,
    to_lab,
    to_space,
)
from core.lessons.pipeline import diverging_rgb
from ui.figures import colour_bar, show
from ui.images import jpeg, png_uri
from ui.lang import num, span, tr
from ui.photo import photo_picker
from ui.samples import photo_name

#: Colour scales of the channels: L from black to white, a from green to red, b from blue
#: to yellow.
SCALES = {
    "L": [[0, "#000000"], [0.5, "#808080"], [1, "#ffffff"]],
    "a": [[0, "#00a060"], [0.5, "#d0d0d0"], [1, "#e0206a"]],
    "b": [[0, "#2060e0"], [0.5, "#d0d0d0"], [1, "#f0c800"]],
}


@st.cache_data(show_spinner=False, max_entries=8)
def _lab(rgb: np.ndarray) -> np.ndarray:
    return to_lab(rgb)


@st.cache_data(show_spinner=False, max_entries=32)
def _gamut(L: float) -> tuple[np.ndarray, np.ndarray, float]:
    return gamut_slice(L)


@st.cache_data(show_spinner=False, max_entries=32)
def _gamut_png(L: float) -> str:
    """The gamut slice as a PNG data URI: a tenth of the bytes of its pixel values."""
    return png_uri(_gamut(L)[0])


@st.cache_data(show_spinner=False, max_entries=8)
def _pixels(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return sample_pixels(rgb, 3000)


@st.cache_data(show_spinner=False, max_entries=16)
def _space_pictures(rgb: np.ndarray, space: str) -> tuple[list[bytes], list[tuple], float]:
    """A colour space's three channel pictures (JPEG), each channel's measured range, and
    for Y'CbCr the largest gap between Y' and the NTSC grey: encoded once per photo, not on
    every visit of the screen (12 pictures: a fifth of the screen's CPU)."""
    arr = to_space(rgb, space)
    _, ranges = SPACES[space]
    pictures = [jpeg(normalise_for_display(arr[..., i], lo, hi))
                for i, (lo, hi) in enumerate(ranges)]
    measured = [(float(arr[..., i].min()), float(arr[..., i].max())) for i in range(3)]
    gap = float(np.abs(arr[..., 0] - (16 + 219 * ntsc_gray(rgb))).max()) \
        if space == "ycbcr" else 0.0
    return pictures, measured, gap


@st.cache_data(show_spinner=False, max_entries=16)
def _channel_pictures(shown: np.ndarray, zr: dict[str, tuple[float, float]]) -> list[bytes]:
    """The L, a, b pictures of the channels section (raw or scaled), once per photo."""
    return [channel_picture(shown[..., i], n, zr[n]) for i, n in enumerate("Lab")]


def _css(rgb: np.ndarray) -> list[str]:
    """CSS colours of an (n, 3) uint8 array."""
    return [f"rgb({int(r)},{int(g)},{int(b)})" for r, g, b in rgb]


def channel_picture(channel: np.ndarray, name: str, zrange: tuple[float, float]) -> bytes:
    """A channel coloured by its scale (a picture: the range chart gives the numbers)."""
    lo, hi = zrange
    t = (np.asarray(channel, dtype=np.float32) - lo) / (hi - lo)  # 0..1 along the scale
    low, mid, high = (hex_to_rgb(c) for _, c in SCALES[name])
    return jpeg(diverging_rgb(2 * t - 1, low, high, mid))


def scale_legend(name: str, zrange: tuple[float, float]) -> str:
    """The colour bar of a channel picture, from its low to its high end."""
    return colour_bar([c for _, c in SCALES[name]], num(zrange[0], "g"), name,
                      num(zrange[1], "g"))


def ranges_figure(measured: dict[str, tuple[float, float]], allowed: dict[str, tuple]
                  ) -> go.Figure:
    """Per channel: the allowed interval (light) and the photo's measured one (dark)."""
    fig = go.Figure()
    names = list(measured)
    fig.add_bar(y=names, x=[allowed[n][1] - allowed[n][0] for n in names],
                base=[allowed[n][0] for n in names], orientation="h", name=tr("lab.allowed"),
                marker_color="#dddddd", hoverinfo="skip")
    fig.add_bar(y=names, x=[measured[n][1] - measured[n][0] for n in names],
                base=[measured[n][0] for n in names], orientation="h", width=0.4,
                name=tr("lab.measured"), marker_color="#3a6ea5",
                customdata=[measured[n][1] for n in names],
                hovertemplate="%{y}: " + tr("common.interval", lo="%{base:.2f}",
                                              hi="%{customdata:.2f}") + "<extra></extra>")
    lo = min(v[0] for v in allowed.values())
    hi = max(v[1] for v in allowed.values())
    # The measured interval is written beside the channel's name: written after the bar, it
    # needed an x axis running far past the data (to 200 for a ±110 scale).
    fig.update_layout(barmode="overlay", height=220, font={"size": 14},
                      yaxis={"autorange": "reversed", "tickvals": names,
                             "ticktext": [f"{n}  {span(*measured[n])} " for n in names]},
                      xaxis={"range": [lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)]},
                      # above the plot, anchored by its foot: plotly makes room for it
                      # (anchored by its top, its second row on a phone covered the L bar)
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def scatter3d(lab: np.ndarray, rgb: np.ndarray) -> go.Figure:
    colours = _css(rgb)
    fig = go.Figure(go.Scatter3d(
        x=lab[:, 1], y=lab[:, 2], z=lab[:, 0], mode="markers",
        marker={"size": 3, "color": colours},
        hovertemplate="L=%{z:.1f}<br>a=%{x:.1f}<br>b=%{y:.1f}<extra></extra>"))
    fig.update_layout(
        height=520, margin={"l": 0, "r": 0, "t": 0, "b": 0},
        scene={"xaxis": {"title": "a", "range": [-AB_SCALE, AB_SCALE]},
               "yaxis": {"title": "b", "range": [-AB_SCALE, AB_SCALE]},
               "zaxis": {"title": "L", "range": [0, 100]},
               "aspectmode": "manual", "aspectratio": {"x": 1, "y": 1, "z": 0.9}})
    return fig


def gamut_figure(L: float, lab_px: np.ndarray, rgb_px: np.ndarray) -> go.Figure:
    _, axis, _ = _gamut(L)
    d = float(axis[1] - axis[0])
    fig = go.Figure(go.Image(source=_gamut_png(L), x0=float(axis[0]), dx=d,
                             y0=float(axis[0]), dy=d,
                             hovertemplate="a=%{x:.0f}, b=%{y:.0f}<extra></extra>"))
    near = np.abs(lab_px[:, 0] - L) < 4
    if near.any():
        fig.add_scatter(x=lab_px[near, 1], y=lab_px[near, 2], mode="markers",
                        name=tr("lab.photo_pixels"),
                        marker={"size": 7, "color": _css(rgb_px[near]),
                                "line": {"color": "black", "width": 1}},
                        hovertemplate="a=%{x:.1f}<br>b=%{y:.1f}<extra></extra>")
    fig.update_xaxes(title="a  (← " + tr("lab.green") + " · " + tr("lab.red") + " →)",
                     range=[-AB_SCALE, AB_SCALE], zeroline=True)
    fig.update_yaxes(title="b  (← " + tr("lab.blue") + " · " + tr("lab.yellow") + " →)",
                     range=[-AB_SCALE, AB_SCALE], autorange=False, scaleanchor="x")
    fig.update_layout(height=480, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      showlegend=False, plot_bgcolor="white")
    return fig


# -- page ----------------------------------------------------------------------------------
st.title(tr("lab.title"))
st.markdown(tr("lab.intro"))
name, rgb = photo_picker("lab")
st.caption(tr("common.current_photo", name=photo_name(name)))
lab = _lab(rgb)

# 1. Channels, raw or scaled --------------------------------------------------------------
st.subheader(tr("lab.channels_title"))


@st.fragment
def channels(lab: np.ndarray) -> None:
    """The toggle redraws only this section."""
    scaled = st.toggle(tr("lab.scaled_toggle"), key="lab_scaled")
    # a and b maps use a symmetric scale fitted to the photo (vivid colours on a projector);
    # the bar chart below shows them against the whole interval.
    ab_max = max(20.0, float(np.ceil(np.abs(lab[..., 1:]).max() / 10) * 10))
    if scaled:
        # One formula per column: one under the other on a phone (one line is too wide).
        for col, formula in zip(st.columns(3), (r"L' = \frac{L}{50} - 1", r"a' = \frac{a}{110}",
                                                r"b' = \frac{b}{110}"), strict=True):
            col.latex(formula)
        shown, m = lab_to_unit(lab), ab_max / AB_SCALE
        zr = {"L": (-1, 1), "a": (-m, m), "b": (-m, m)}
        allowed = {"L": (-1, 1), "a": (-1, 1), "b": (-1, 1)}
    else:
        st.markdown(tr("lab.channels_text"))
        shown, zr = lab, {"L": (0, 100), "a": (-ab_max, ab_max), "b": (-ab_max, ab_max)}
        allowed = {"L": (0, 100), "a": (-AB_SCALE, AB_SCALE), "b": (-AB_SCALE, AB_SCALE)}
    measured = channel_ranges(shown, "Lab")
    cols = st.columns(3)
    pictures = _channel_pictures(shown, zr)
    for i, n in enumerate("Lab"):
        with cols[i]:
            st.image(pictures[i], width="stretch", caption=tr(f"lab.channel_{n}"))
            st.html(scale_legend(n, zr[n]))
            lo, hi = measured[n]
            st.metric(tr("lab.range_of", c=n + ("'" if scaled else "")),
                      span(lo, hi))
    show(ranges_figure({n + ("'" if scaled else ""): v for n, v in measured.items()},
                       {n + ("'" if scaled else ""): v for n, v in allowed.items()}),
         width="stretch", config={"displayModeBar": False})
    st.markdown(tr("lab.scaled_read" if scaled else "lab.raw_read"))

channels(lab)

# 2. The pixels in 3-D, and the gamut ------------------------------------------------------
st.subheader(tr("lab.cloud_title"))
st.markdown(tr("lab.cloud_text"))
lab_px, rgb_px = _pixels(rgb)
show(scatter3d(lab_px, rgb_px), width="stretch")

st.subheader(tr("lab.gamut_title"))
st.markdown(tr("lab.gamut_text"))


@st.fragment
def gamut(lab_px: np.ndarray, rgb_px: np.ndarray) -> None:
    """The L slider redraws only the gamut slice."""
    L = st.slider(tr("lab.gamut_L"), 0, 100, 50, step=5, key="lab_gamut_L")
    g1, g2 = st.columns([3, 2])
    with g1:
        show(gamut_figure(float(L), lab_px, rgb_px), width="stretch")
    rgba, axis, inside = _gamut(float(L))
    amin, amax, bmin, bmax = gamut_extent(rgba, axis)
    with g2:
        st.metric(tr("lab.gamut_inside"), num(inside, ".0%"))
        st.metric(tr("lab.gamut_a"), span(amin, amax, ".0f"))
        st.metric(tr("lab.gamut_b"), span(bmin, bmax, ".0f"))
        st.markdown(tr("lab.gamut_read"))

gamut(lab_px, rgb_px)

# 3. Channel play ------------------------------------------------------------------------
st.subheader(tr("lab.play_title"))
st.markdown(tr("lab.play_text"))


@st.fragment
def channel_play(rgb: np.ndarray, lab: np.ndarray) -> None:
    """The checkboxes and sliders redraw only this section."""
    c1, i1, i2 = st.columns([4, 3, 3])
    zero_ab = c1.checkbox(tr("lab.zero_ab"), key="lab_zero_ab")
    swap_ab = c1.checkbox(tr("lab.swap_ab"), key="lab_swap_ab")
    sat = c1.slider(tr("lab.saturation"), 0.0, 3.0, 1.0, step=0.1, key="lab_sat")
    shift = c1.slider(tr("lab.l_shift"), -50, 50, 0, step=5, key="lab_shift")
    played = play_lab(lab, zero_ab=zero_ab, swap_ab=swap_ab, saturation=sat,
                      l_shift=float(shift))
    i1.image(jpeg(rgb), caption=tr("lab.original"), width="stretch")
    i2.image(jpeg(played), caption=tr("lab.result"), width="stretch")
    m1, m2, m3 = st.columns(3)
    chroma_before = float(np.hypot(lab[..., 1], lab[..., 2]).mean())
    chroma_after = mean_chroma(played)
    m1.metric(tr("lab.chroma_before"), num(chroma_before, ".1f"))
    m2.metric(tr("lab.chroma_after"), num(chroma_after, ".1f"),
              delta=num(chroma_after - chroma_before, "+.1f"), delta_color="off")
    m3.metric(tr("lab.grey_change"),
              num(255 * float(np.abs(ntsc_gray(played) - ntsc_gray(rgb)).mean()), ".1f"))
    st.markdown(tr("lab.play_read"))

channel_play(rgb, lab)

# 4. Other colour spaces -----------------------------------------------------------------
st.subheader(tr("lab.spaces_title"))
st.markdown(tr("lab.spaces_text"))
tabs = st.tabs([tr(f"lab.space_{s}") for s in SPACES])
for tab, (space, (names, ranges)) in zip(tabs, SPACES.items(), strict=True):
    with tab:
        pictures, measured, gap = _space_pictures(rgb, space)
        cols = st.columns(3)
        for i, (n, (lo, hi)) in enumerate(zip(names, ranges, strict=True)):
            cmin, cmax = measured[i]
            cols[i].image(pictures[i], width="stretch",
                          caption=tr("lab.space_caption", name=n, range=span(lo, hi, "g"),
                                     measured=tr("lab.measured_short", lo=cmin, hi=cmax)))
        st.markdown(tr(f"lab.note_{space}"))
        if space == "ycbcr":
            st.metric(tr("lab.ycbcr_check"), num(gap, ".3f"))
st.info(tr("lab.conclusion"))
