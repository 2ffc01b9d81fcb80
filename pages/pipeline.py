"""Screen: pre-processing -> U-Net -> post-processing, measured on the student's photo."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.data import make_pair
from core.lessons.pipeline import (
    diverging_rgb,
    histogram,
    input_scalings,
    skip_input_scaling,
    skip_post_processing,
    trace_pipeline,
)
from ui.figures import show
from ui.images import png
from ui.lang import labels, num, span, tr
from ui.model import BY_MODEL, colorizer
from ui.photo import photo_picker
from ui.samples import photo_name

GREEN_RED = ((0, 160, 96), (224, 32, 106))
BLUE_YELLOW = ((32, 96, 224), (240, 200, 0))


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs=BY_MODEL)
def _trace(rgb: np.ndarray, c):
    """The chain at the colorizer's own working size (calibrated with the weights)."""
    return trace_pipeline(c, rgb)


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs=BY_MODEL)
def _skip_a(gray: np.ndarray, c) -> dict:
    return skip_input_scaling(c, gray)


@st.cache_data(show_spinner=False, max_entries=16)
def _pair(rgb: np.ndarray, size: int, seed: int):
    return make_pair(rgb, size, np.random.default_rng(seed))


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def _num(v: float) -> str:
    """Three significant figures at most: a metric like [-215.60, 447.12] is cut on a phone."""
    return num(v, ".2f" if abs(v) < 10 else ".1f" if abs(v) < 100 else ".0f")


def _interval(lo: float, hi: float) -> str:
    """ui.lang.span with :func:`_num`'s three significant figures."""
    return tr("common.interval", lo=_num(lo), hi=_num(hi))


def _strip(arr: np.ndarray, ranges: list[tuple[float, float]]) -> np.ndarray:
    """The channels of (h, w, C) side by side, each mapped from its range to grey [0, 1]."""
    parts = []
    for i, (lo, hi) in enumerate(ranges):
        c = (arr[..., i] - lo) / max(hi - lo, 1e-6)
        parts.append(np.clip(c, 0, 1))
        if i < len(ranges) - 1:
            parts.append(np.ones((arr.shape[0], 6), dtype=np.float32))
    return np.concatenate(parts, axis=1)


def _card(col, title: str, image: np.ndarray, lines: list[str]) -> None:
    with col.container(border=True):
        st.markdown(f"**{title}**")
        # Small tensors (96 px): PNG keeps their pixels as they are.
        st.image(png(image), width="stretch")
        st.caption("  \n".join(lines))


#: Arrows point right, and down once the columns stack (Streamlit stacks under 640 px).
ARROW_CSS = ("<style>.cz-arrow{display:inline-block;font-size:2.4rem}"
             "@media (max-width:640px){.cz-arrow{transform:rotate(90deg)}}</style>")


def _arrow(col, op: str, stage) -> None:
    col.markdown(
        "<div style='text-align:center;line-height:1.35;margin-top:2rem'>"
        "<div class='cz-arrow'>➜</div>"
        f"<div style='font-weight:600'>{op}</div>"
        f"<code>{_shape(stage.shape)}</code><br>"
        f"<span style='font-size:0.9rem'>{span(stage.vmin, stage.vmax)}</span></div>",
        unsafe_allow_html=True)


def _ranges(stage) -> str:
    names = {3: "L a b", 2: "a b", 1: "Y"}.get(len(stage.channels), "")
    per = ", ".join(f"{n} {span(lo, hi)}"
                    for n, (lo, hi) in zip(names.split(), stage.channels, strict=False))
    return per


def hist_figure(series: list[tuple[str, np.ndarray, str]], title: str) -> go.Figure:
    fig = go.Figure()
    for name, values, colour in series:
        counts, centres = histogram(values, 60)
        fig.add_bar(x=centres, y=counts, name=name, marker_color=colour, opacity=0.75,
                    hovertemplate="%{x:.3f}: %{y}<extra>" + name + "</extra>")
    fig.update_layout(barmode="overlay", height=300, title={"text": title, "font": {"size": 16}},
                      bargap=0, legend={"orientation": "h", "y": -0.2},
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, font={"size": 14})
    return fig


# -- page ----------------------------------------------------------------------------------
st.title(tr("pipeline.title"))
st.markdown(tr("pipeline.intro"))
name, rgb = photo_picker("pipeline")
st.caption(tr("common.current_photo", name=photo_name(name)))
col = colorizer()
model = col.model
with st.spinner(tr("pipeline.running")):
    trace = _trace(rgb, col)
    skipped = _skip_a(trace.gray, col)
s = {st_.key: st_ for st_ in trace.stages}

# 1. The chain ---------------------------------------------------------------------------
st.subheader(tr("pipeline.chain_title"))
st.markdown(tr("pipeline.chain_text", size=trace.working_size))
st.markdown(ARROW_CSS, unsafe_allow_html=True)
st.caption(tr("pipeline.model_info", n=tr(f"pipeline.out_{model.config.output}"),
              b=tr(f"pipeline.bound_{model.config.bound}"),
              d=tr("pipeline.device_cuda" if col.device.type == "cuda" else "pipeline.device_cpu")))
st.markdown(f"##### {tr('pipeline.pre')}")
r1 = st.columns([4, 2, 4, 2, 4])
_card(r1[0], tr("pipeline.stage_rgb"), trace.rgb,
      [f"`{_shape(s['rgb'].shape)}` uint8", tr("pipeline.expected", r=s["rgb"].expected)])
_arrow(r1[1], tr("pipeline.op_ntsc"), s["gray"])
_card(r1[2], tr("pipeline.stage_gray"), trace.gray,
      [f"`{_shape(s['gray'].shape)}` float32", tr("pipeline.expected", r=s["gray"].expected)])
_arrow(r1[3], tr("pipeline.op_unet"), s["raw"])
_card(r1[4], tr("pipeline.stage_raw"), _strip(trace.raw, s["raw"].channels),
      [f"`{_shape(s['raw'].shape)}` float32", _ranges(s["raw"]),
       tr("pipeline.expected", r=s["raw"].expected)])
st.markdown(f"##### {tr('pipeline.post')}")
r2 = st.columns([2, 4, 2, 4, 2, 4])
_arrow(r2[0], tr("pipeline.op_bound"), s["bounded"])
nch = trace.bounded.shape[-1]
_card(r2[1], tr("pipeline.stage_bounded"), _strip(trace.bounded, [(-1.0, 1.0)] * nch),
      [f"`{_shape(s['bounded'].shape)}` float32", _ranges(s["bounded"]),
       tr("pipeline.expected", r=s["bounded"].expected)])
_arrow(r2[2], tr("pipeline.op_unscale"), s["lab"])
_card(r2[3], tr("pipeline.stage_lab"),
      _strip(trace.lab, [(0.0, 100.0), (-110.0, 110.0), (-110.0, 110.0)]),
      [f"`{_shape(s['lab'].shape)}` float32", _ranges(s["lab"]),
       tr("pipeline.expected", r=s["lab"].expected)])
_arrow(r2[4], tr("pipeline.op_rgb"), s["out"])
_card(r2[5], tr("pipeline.stage_out"), trace.out,
      [f"`{_shape(s['out'].shape)}` uint8", tr("pipeline.expected", r=s["out"].expected)])
# One formula per column: side by side on a screen, one under the other on a phone.
for col, formula in zip(st.columns(3), (r"L = 50\,(L' + 1)", r"a = 110\,a'", r"b = 110\,b'"),
                        strict=True):
    col.latex(formula)

# 2. Skipping a step ----------------------------------------------------------------------
st.subheader(tr("pipeline.skip_title"))
st.markdown(tr("pipeline.skip_text"))
post = skip_post_processing(trace.unit_lab)
k = st.columns(4)
k[0].image(png(trace.out), caption=tr("pipeline.skip_ok"), width="stretch")
k[1].image(png(skipped["rgb"]), caption=tr("pipeline.skip_a"), width="stretch")
k[2].image(png(post["as_rgb"]), caption=tr("pipeline.skip_b"), width="stretch")
k[3].image(png(post["as_lab"]), caption=tr("pipeline.skip_c"), width="stretch")
m = st.columns(4)
m[0].metric(tr("pipeline.raw_range_ok"), _interval(s["raw"].vmin, s["raw"].vmax))
m[1].metric(tr("pipeline.raw_range_a"), _interval(*skipped["raw_range"]))
m[2].metric(tr("pipeline.saturated_a"), num(skipped["saturated"], ".0%"))
m[3].metric(tr("pipeline.mean_b"), num(float(post["as_lab"].mean()), ".0f"))
st.markdown(tr("pipeline.skip_read"))

# 3. Training data for free ---------------------------------------------------------------
st.subheader(tr("pipeline.free_title"))
st.markdown(tr("pipeline.free_text"))
st.session_state.setdefault("pipeline_seed", 0)


def _new_crop() -> None:
    st.session_state["pipeline_seed"] += 1


@st.fragment
def training_pair(rgb: np.ndarray) -> None:
    """Crop size and "new crop" redraw only this section."""
    c1, c2, c3 = st.columns([2, 2, 3])
    size = c1.selectbox(tr("pipeline.crop_size"), [64, 128, 256], index=1, key="pipeline_size")
    c2.button(tr("pipeline.new_crop"), on_click=_new_crop, key="pipeline_new_crop",
              width="stretch")
    seed = int(st.session_state["pipeline_seed"])
    c3.metric(tr("pipeline.seed"), seed)
    gray_p, lab_p, rgb_p = _pair(rgb, int(size), seed)
    p = st.columns(5)
    p[0].image(png(gray_p[0]), width="stretch", caption=tr("pipeline.pair_input"))
    p[1].image(png((lab_p[0] + 1) / 2), width="stretch", caption=tr("pipeline.pair_L"))
    # a' and b' rarely exceed +-0.5: a scale fitted to the crop keeps their colours visible.
    ab_m = max(0.1, float(np.abs(lab_p[1:]).max()))
    p[2].image(png(diverging_rgb(lab_p[1] / ab_m, *GREEN_RED)), width="stretch",
               caption=tr("pipeline.pair_a", m=ab_m))
    p[3].image(png(diverging_rgb(lab_p[2] / ab_m, *BLUE_YELLOW)), width="stretch",
               caption=tr("pipeline.pair_b", m=ab_m))
    p[4].image(png(rgb_p.transpose(1, 2, 0)), width="stretch", caption=tr("pipeline.pair_rgb"))
    st.caption(tr("pipeline.pair_shapes", g=_shape((size, size, 1)),
                  lab=_shape((size, size, 3)), gmin=float(gray_p.min()),
                  gmax=float(gray_p.max()), lmin=float(lab_p.min()), lmax=float(lab_p.max())))


training_pair(rgb)

# 4. The two tricks, on numbers -------------------------------------------------------------
st.subheader(tr("pipeline.tricks_title"))
st.markdown(tr("pipeline.trick1"))


@st.fragment
def input_scaling(gray: np.ndarray) -> None:
    """The scaling choice redraws only its histogram."""
    scalings = input_scalings(gray)
    choice = st.radio(tr("pipeline.scaling"), list(scalings), index=1, horizontal=True,
                      key="pipeline_scaling", format_func=labels("pipeline.scaling_"))
    x = scalings[choice]
    h1, h2 = st.columns([3, 1])
    show(hist_figure([(tr(f"pipeline.scaling_{choice}"), x, "#3a6ea5")],
                     tr("pipeline.hist_input")), where=h1, width="stretch")
    h2.metric(tr("pipeline.min_max"), _interval(float(x.min()), float(x.max())))
    h2.metric(tr("pipeline.mean_std"), f"{num(float(x.mean()))} ± {num(float(x.std()))}")
    st.markdown(tr(f"pipeline.scaling_note_{choice}"))


input_scaling(trace.gray)

st.markdown(tr("pipeline.trick2"))
fig = make_subplots(1, 2, subplot_titles=(tr("pipeline.hist_ok"), tr("pipeline.hist_a")))
for j, (raw, bounded) in enumerate(((trace.raw, trace.bounded),
                                    (skipped["raw"], skipped["bounded"]))):
    # Same bins for both series: their widths compare directly with [-1, 1].
    bins = (min(float(raw.min()), -1.1), max(float(raw.max()), 1.1))
    for name_, values, colour in ((tr("pipeline.raw"), raw, "#ee964b"),
                                  (tr("pipeline.bounded"), bounded, "#3a6ea5")):
        counts, centres = histogram(values, 80, bins)
        fig.add_bar(x=centres, y=counts, name=name_, marker_color=colour, opacity=0.75,
                    showlegend=j == 0, legendgroup=name_, row=1, col=j + 1,
                    hovertemplate="%{x:.3f}: %{y}<extra>" + name_ + "</extra>")
    for v in (-1, 1):
        fig.add_vline(x=v, line={"dash": "dash", "color": "#444"}, row=1, col=j + 1)
fig.update_layout(barmode="overlay", bargap=0, height=330, font={"size": 14},
                  legend={"orientation": "h", "y": -0.2},
                  margin={"l": 10, "r": 10, "t": 40, "b": 10})
show(fig, width="stretch")
st.markdown(tr("pipeline.trick2_read"))
st.info(tr("pipeline.conclusion"))
