"""Scaled sigmoid: the course's bound f(x) = 2/(1+e^-x) - 1, on the model's real outputs."""

import math
import textwrap

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import experiment_view
from core.activations import scaled_sigmoid, scaled_sigmoid_derivative
from core.lessons.sigmoid import (
    SATURATION_THRESHOLD,
    bound_training_run,
    bound_variants,
    first_divergence,
    saturation_share,
    saturation_x,
    sigmoid_curves,
    sigmoid_point,
)
from ui.figures import show
from ui.images import png
from ui.lang import num, tr
from ui.model import BY_MODEL, colorizer
from ui.photo import photo_picker
from ui.warm import also_warm

X_MIN, X_MAX = -8.0, 8.0
LRS = (0.5, 1.0, 2.0, 3.0, 5.0)
CHART = {"displayModeBar": False}
BLUE, ORANGE, GREEN, GREY = "#1f77b4", "#ee964b", "#2a9d8f", "#888888"


def initial_x() -> float:
    """``?x=3`` in the URL sets the slider (a teacher shares a point); else 0."""
    try:
        x = float(st.query_params.get("x", 0.0))
    except (TypeError, ValueError):
        return 0.0
    return float(min(X_MAX, max(X_MIN, round(x, 1)))) if math.isfinite(x) else 0.0


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=BY_MODEL)
def analyse(c, rgb: np.ndarray) -> dict:
    """The model's pre-activations on the photo, at its working size (Colorizer.predict)."""
    p = c.predict(rgb)
    return {"gray": p.gray_small, "pre": p.pre}


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=BY_MODEL)
def variants(c, rgb: np.ndarray) -> dict:
    a = analyse(c, rgb)
    return bound_variants(c.output, a["pre"], a["gray"])


@st.cache_data(max_entries=16, show_spinner=False)
def tiny_runs(lr: float) -> dict:
    return {b: bound_training_run(b, steps=40, lr=lr) for b in ("scaled_sigmoid", "none")}


def curves_figure(x: float) -> go.Figure:
    c = sigmoid_curves(X_MIN, X_MAX)
    p = sigmoid_point(x)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=c["x"], y=c["f"], name=tr("sigmoid.curve_f"),
                             line={"color": BLUE, "width": 4}))
    fig.add_trace(go.Scatter(x=c["x"], y=c["sigma"], name=tr("sigmoid.curve_sigma"),
                             line={"color": ORANGE, "width": 3}))
    fig.add_trace(go.Scatter(x=c["x"], y=c["df"], name=tr("sigmoid.curve_df"),
                             line={"color": BLUE, "width": 2, "dash": "dash"}))
    fig.add_trace(go.Scatter(x=c["x"], y=c["dsigma"], name=tr("sigmoid.curve_dsigma"),
                             line={"color": ORANGE, "width": 2, "dash": "dot"}))
    fig.add_trace(go.Scatter(
        x=[x, x, x], y=[p["f"], p["sigma"], p["df"]], mode="markers+text",
        marker={"size": 13, "color": [BLUE, ORANGE, BLUE], "line": {"width": 2, "color": "#fff"}},
        text=[f"f={num(p['f'], '.3f')}", f"σ={num(p['sigma'], '.3f')}", ""],
        textposition=["middle right", "top left", "middle right"],
        textfont={"size": 15, "color": [BLUE, ORANGE, BLUE]}, showlegend=False,
        hoverinfo="skip"))
    # f' on its dashed curve had its label written over the curve itself (and sigma's point
    # is the same at x = 0): the label goes up and aside, with an arrow, towards the side
    # where the curves leave room (and back inside the chart near its edges).
    side = 1 if (0 <= x <= 5 or x < -5) else -1
    fig.add_annotation(x=x, y=p["df"], text=f"f'={num(p['df'], '.3f')}", showarrow=True,
                       arrowhead=0, arrowcolor=BLUE, ax=80 * side, ay=-70,
                       font={"size": 15, "color": BLUE}, bgcolor="rgba(255,255,255,0.8)")
    fig.add_vline(x=x, line={"color": GREY, "width": 1, "dash": "dot"})
    for y in (-1, 1):
        fig.add_hline(y=y, line={"color": GREY, "width": 1, "dash": "dash"})
    fig.update_layout(height=430, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                              "font": {"size": 14}},
                      xaxis_title="x", yaxis={"range": [-1.15, 1.15]}, font={"size": 14})
    return fig


def histogram_figure(values: np.ndarray) -> go.Figure:
    reach = max(4.0, float(np.percentile(np.abs(values), 99.9)) * 1.15)
    counts, edges = np.histogram(np.clip(values, -reach, reach), bins=80, range=(-reach, reach))
    centres = (edges[:-1] + edges[1:]) / 2
    xs = np.linspace(-reach, reach, 301)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=centres, y=counts / counts.sum() * 100, name=tr("sigmoid.hist_name"),
                         marker={"color": "rgba(238,150,75,0.7)"}, width=edges[1] - edges[0]))
    fig.add_trace(go.Scatter(x=xs, y=scaled_sigmoid(xs), name=tr("sigmoid.curve_f"), yaxis="y2",
                             line={"color": BLUE, "width": 3}))
    sx = saturation_x()
    for s in (-sx, sx):
        fig.add_vline(x=s, line={"color": "#c0392b", "width": 1, "dash": "dash"})
    fig.add_vrect(x0=-1, x1=1, fillcolor="rgba(42,157,143,0.12)", line_width=0)
    fig.update_layout(
        height=380, margin={"l": 10, "r": 10, "t": 10, "b": 10}, bargap=0, font={"size": 14},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis_title=tr("sigmoid.hist_x"), yaxis_title=tr("sigmoid.hist_y"),
        yaxis2={"overlaying": "y", "side": "right", "range": [-1.1, 1.1], "title": "f(x)",
                "showgrid": False, "tickvals": [-1, -0.5, 0, 0.5, 1]})
    return fig


def loss_figure(runs: dict) -> go.Figure:
    """The two tiny trainings of this screen, step by step (log scale)."""
    fig = go.Figure()
    style = {"scaled_sigmoid": (BLUE, tr("sigmoid.run_bound")),
             "none": ("#c0392b", tr("sigmoid.run_nobound"))}
    for bound, run in runs.items():
        colour, name = style[bound]
        loss = np.array(run["loss"], dtype=float)
        fig.add_trace(go.Scatter(x=np.arange(1, len(loss) + 1), y=loss, name=name,
                                 mode="lines+markers", line={"color": colour, "width": 3}))
        div = first_divergence(run["loss"])
        if div is not None:
            fig.add_vline(x=div + 1, line={"color": colour, "dash": "dot"})
            fig.add_annotation(x=div + 1, y=1, yref="paper", text=tr("sigmoid.diverged"),
                               showarrow=False, font={"color": colour, "size": 14},
                               xanchor="left", yanchor="top")
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      font={"size": 14}, xaxis_title=tr("sigmoid.step"),
                      # 1, 10k, 100M, 1T, 10¹⁶ mixed three notations: powers of ten only
                      yaxis={"type": "log", "title": tr("sigmoid.loss"),
                             "exponentformat": "power"},
                      legend={"orientation": "h", "y": -0.25, "x": 0})
    return fig


def _one_two_five(values: list[float]) -> list[float] | None:
    """Ticks 1, 2, 5 times a power of ten between the smallest and largest positive value
    (None, plotly's own, when fewer than two fall in)."""
    pos = [v for v in values if v is not None and v > 0]
    if not pos:
        return None
    lo, hi = min(pos), max(pos)
    ticks = [m * 10.0 ** e
             for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
             for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    return ticks if len(ticks) >= 2 else None


def long_runs_figure(extra: dict) -> go.Figure:
    """The experiments' long trainings: mean over seeds, band from min to max.

    A chart of its own: drawn over the tiny runs, it needed a second x-axis with another
    scale, which confused students.
    """
    fig = go.Figure()
    for key, colour, rgba in (("bounded", BLUE, "rgba(31,119,180,0.15)"),
                              ("unbounded", "#c0392b", "rgba(192,57,43,0.15)")):
        c = extra[key].get("train_curve", [])
        if not c:
            continue
        steps = [p["step"] for p in c]
        fig.add_trace(go.Scatter(
            x=steps + steps[::-1], y=[p["max"] for p in c] + [p["min"] for p in c][::-1],
            fill="toself", fillcolor=rgba, line={"width": 0}, mode="lines",
            hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(
            x=steps, y=[p["mean"] for p in c], mode="lines",
            # on lines of ~30 characters: a phone cut the one-line name short
            name="<br>".join(textwrap.wrap(tr(f"experiments.sig_{key}", seeds=extra["seeds"]),
                                           30)),
            line={"width": 2, "dash": "dash", "color": colour}))
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      font={"size": 14}, xaxis_title=tr("experiments.sig_step"),
                      # within a decade or so: ticks at 1, 2, 5 (all nine piled up)
                      yaxis={"type": "log", "title": tr("experiments.sig_loss"),
                             "tickvals": _one_two_five([y for t in fig.data for y in t.y])},
                      legend={"orientation": "h", "y": -0.3, "x": 0})
    return fig


@st.cache_data(show_spinner=False)
def load_results() -> dict | None:
    """The experiments' two variants that differ only by the bound (committed data)."""
    return experiment_view.bound_comparison(experiment_view.load_results())


def results_caption(extra: dict) -> str:
    """The long trainings in words, with the PSNR difference and its interval."""
    d = extra["psnr_difference"]
    verdict = ("experiments.verdict_noise" if not d["real"] else
               "experiments.verdict_better" if d["mean"] > 0 else "experiments.verdict_worse")
    return tr("experiments.sig_caption", seeds=extra["seeds"], d=d["mean"], lo=d["lo"],
              hi=d["hi"], verdict=tr(verdict))


def _x_changed() -> None:
    st.query_params["x"] = f"{st.session_state['sigmoid_x']:g}"


# -- 1. the function ---------------------------------------------------------------------------
st.title(tr("sigmoid.title"))
st.markdown(tr("sigmoid.intro"))
# Three formulas side by side on a screen, one under the other on a phone.
for col, formula in zip(st.columns([2, 3, 3]), (
        r"\sigma(x) = \frac{1}{1 + e^{-x}}", r"f(x) = \frac{2}{1 + e^{-x}} - 1 = 2\sigma(x) - 1",
        r"f'(x) = 2\sigma(x)\,(1 - \sigma(x))"), strict=True):
    col.latex(formula)

if "sigmoid_x" not in st.session_state:
    st.session_state["sigmoid_x"] = initial_x()


@st.fragment
def the_function() -> None:
    """The x slider redraws only the values, the curves and the identity."""
    x = st.slider(tr("sigmoid.slider_x"), X_MIN, X_MAX, step=0.1, key="sigmoid_x",
                  on_change=_x_changed, help=tr("sigmoid.slider_help"))
    p = sigmoid_point(x)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("f(x)", num(p["f"], ".4f"))
    c2.metric("f'(x)", num(p["df"], ".4f"))
    c3.metric("σ(x)", num(p["sigma"], ".4f"))
    c4.metric("σ'(x)", num(p["dsigma"], ".4f"))
    show(curves_figure(x), width="stretch", config=CHART)
    st.caption(tr("sigmoid.curves_caption"))

    st.subheader(tr("sigmoid.identity_title"))
    st.latex(r"2\sigma(x) - 1 = \tanh\left(\frac{x}{2}\right)")
    i1, i2, i3 = st.columns(3)
    i1.metric("2σ(x) − 1", num(p["two_sigma_minus_one"], ".10f"))
    i2.metric("tanh(x/2)", num(p["tanh_half"], ".10f"))
    i3.metric(tr("sigmoid.identity_gap"), num(p["identity_gap"], ".1e"))
    st.caption(tr("sigmoid.identity_caption"))


the_function()

# -- 2. why bound: the model's real pre-activations ---------------------------------------------
st.header(tr("sigmoid.why_title"))
st.markdown(tr("sigmoid.why_intro"))
name, rgb = photo_picker("sigmoid")
c = colorizer()
a = analyse(c, rgb)
pre = a["pre"]
channels = ["L", "a", "b"] if pre.shape[0] == 3 and c.output == "lab" else \
    [str(i) for i in range(pre.shape[0])]


@st.fragment
def raw_values(pre: np.ndarray, channels: list[str]) -> None:
    """The channel choice redraws only the histogram and its numbers."""
    choice = st.radio(tr("sigmoid.channel"), [tr("sigmoid.all_channels")] + channels,
                      horizontal=True, key="sigmoid_channel")
    values = (pre.ravel() if choice == tr("sigmoid.all_channels")
              else pre[channels.index(choice)].ravel())
    show(histogram_figure(values), width="stretch", config=CHART)
    outside = float((np.abs(values) > 1).mean())
    m1, m2, m3 = st.columns(3)
    m1.metric(tr("sigmoid.min_max"), f"{num(values.min())} … {num(values.max())}")
    m2.metric(tr("sigmoid.outside"), num(outside, ".1%"))
    m3.metric(tr("sigmoid.n_values"), num(values.size, ","))
    st.caption(tr("sigmoid.hist_caption", h=pre.shape[1], w=pre.shape[2]))


raw_values(pre, channels)

st.subheader(tr("sigmoid.variants_title"))
v = variants(c, rgb)
cols = st.columns(3)
for col, k in zip(cols, ("bounded", "clipped", "unbounded"), strict=True):
    col.image(png(v[k]), caption=tr(f"sigmoid.variant_{k}"), width="stretch")
st.markdown(tr("sigmoid.variants_text"))

# -- 3. saturation -----------------------------------------------------------------------------
st.header(tr("sigmoid.sat_title"))
share = saturation_share(pre)
grad = scaled_sigmoid_derivative(pre)
s1, s2, s3 = st.columns(3)
s1.metric(tr("sigmoid.sat_share", t=SATURATION_THRESHOLD), num(share, ".1%"))
s2.metric(tr("sigmoid.sat_mean"), num(grad.mean(), ".3f"))
s3.metric(tr("sigmoid.sat_x", t=SATURATION_THRESHOLD), num(saturation_x()))
st.markdown(tr("sigmoid.sat_text"))

st.subheader(tr("sigmoid.div_title"))
st.markdown(tr("sigmoid.div_intro"))


@st.fragment
def tiny_trainings() -> None:
    """The learning rate reruns (or reads from cache) only the two tiny trainings."""
    # labels written now: AppTest calls format functions outside the script run
    lr = st.select_slider(tr("sigmoid.lr"), LRS, value=3.0, key="sigmoid_lr",
                          format_func={v: num(v, "g") for v in LRS}.get,
                          help=tr("sigmoid.lr_help"))
    with st.spinner(tr("sigmoid.training")):
        runs = tiny_runs(lr)
    # the server's own first visit computes every rate (ui/warm.py): no first-step wait
    also_warm("sigmoid: learning rates", tiny_runs, LRS)
    show(loss_figure(runs), width="stretch", config=CHART)
    d1, d2 = st.columns(2)
    for col, b in ((d1, "scaled_sigmoid"), (d2, "none")):
        run = runs[b]
        div = first_divergence(run["loss"])
        label = tr("sigmoid.run_bound") if b == "scaled_sigmoid" else tr("sigmoid.run_nobound")
        last = run["loss"][-1]
        col.metric(label, tr("sigmoid.diverged_at", step=div + 1) if div is not None
                   else num(last, ".4f"),
                   help=tr("sigmoid.maxabs", m=np.nanmax(run["max_abs"])))
    st.caption(tr("sigmoid.div_caption"))


tiny_trainings()
extra = load_results()
if extra:
    show(long_runs_figure(extra), width="stretch", config=CHART)
    st.caption(results_caption(extra))
st.info(tr("sigmoid.takeaway"))
