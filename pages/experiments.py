"""Which parametrization? The course's open question answered with error bars; vivid or safe;
where the shipped model fails; what to test on the Train screen.

Every figure reads committed data files (core.experiment_view); nothing is trained or
colorized here, so the screen opens at once.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import experiment_view as ev
from core.live import LiveSettings
from ui.figures import show
from ui.lang import interval, labels, num, tr
from ui.scales import rgb_scale

CHART = {"displayModeBar": False}
METRICS = ("psnr", "ssim", "colourfulness")
GREY_COL, REAL_COL, REF_COL = "#8a8a8a", "#d62828", "#1f77b4"
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f"]
#: What each "test it yourself" button changes on the Train screen (its widget keys).
#: The photo collections of the model card (their names are in the locale files).
SOURCES = ("bsds500", "imagenet-sample", "imagenette")
TRY = {"rgb": {"output": "rgb"}, "nobound": {"bound": "none"}, "l2": {"loss": "l2"}}
ss = st.session_state


@st.cache_data(show_spinner=False)
def data() -> dict:
    """Every committed data file the screen reads (cached: files change only with a commit)."""
    return {"results": ev.load_results(), "meta": ev.read_json(ev.EXPERIMENTS / "meta.json"),
            "study": ev.load_study(), "calibration": ev.calibration_curve(),
            "sources": ev.per_source(), "previews": ev.preview_count()}


def name(v: dict) -> str:
    return tr(f"experiments.v_{v['name']}")


def short(v: dict) -> str:
    return tr(f"experiments.s_{v['name']}")


def fmt_iv(i: dict, digits: int = 2, sign: bool = False) -> str:
    """"mean [lo, hi]" written the page's way ("24,13 [24,10 ; 24,16]" in French)."""
    return interval(i["mean"], i["lo"], i["hi"], f"{'+' if sign else ''}.{digits}f")


def verdict(v: dict, metric: str = "psnr") -> str:
    d = v.get("difference", {}).get(metric)
    if d is None:
        return tr("experiments.verdict_ref")
    if not d["real"]:
        return tr("experiments.verdict_noise")
    return tr("experiments.verdict_better" if d["mean"] > 0 else "experiments.verdict_worse")


def class_name(subject: str) -> str:
    """An ImageNet class in the page's language (its English name when not translated)."""
    key = f"experiments.class_{subject}"
    text = tr(key)
    return subject if text == key else text


def joined(items: list[str]) -> str:
    if not items:
        return tr("experiments.none")
    return items[0] if len(items) == 1 else (
        ", ".join(items[:-1]) + f" {tr('experiments.and')} " + items[-1])


# -- figures ------------------------------------------------------------------------------------
def difference_figure(res: dict, metric: str) -> go.Figure:
    """Each variant's paired difference to the reference: a dot and its 95 % interval."""
    rows = [v for v in res["variants"] if "difference" in v][::-1]  # first at the top
    fig = go.Figure()
    for real in (True, False):
        sel = [v for v in rows if v["difference"][metric]["real"] == real]
        if not sel:
            continue
        d = [v["difference"][metric] for v in sel]
        fig.add_trace(go.Scatter(
            x=[x["mean"] for x in d], y=[short(v) for v in sel], mode="markers",
            name=tr("experiments.real" if real else "experiments.noise"),
            marker={"size": 12, "color": REAL_COL if real else GREY_COL},
            error_x={"type": "data", "symmetric": False, "thickness": 3, "width": 6,
                     "array": [x["hi"] - x["mean"] for x in d],
                     "arrayminus": [x["mean"] - x["lo"] for x in d]},
            hovertemplate="%{y}: %{x:+.3f}<extra></extra>"))
    fig.add_vline(x=0, line={"color": "#333", "width": 2})
    fig.update_layout(
        height=80 + 42 * len(rows), margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"size": 14}, legend={"orientation": "h", "y": -0.25, "x": 0},
        xaxis_title=tr("experiments.diff_x_db" if metric == "psnr" else "experiments.diff_x"),
        yaxis={"categoryorder": "array", "categoryarray": [short(v) for v in rows]})
    return fig


def curves_figure(res: dict) -> go.Figure:
    """Validation loss / grey's loss against steps: mean over seeds, band from min to max."""
    fig = go.Figure()
    for i, v in enumerate(res["variants"]):
        c = v["curve"]
        if not c:
            continue
        col = PALETTE[i % len(PALETTE)]
        steps = [p["step"] for p in c]
        r, g, b = (int(col[k:k + 2], 16) for k in (1, 3, 5))
        fig.add_trace(go.Scatter(
            x=steps + steps[::-1], y=[p["max"] for p in c] + [p["min"] for p in c][::-1],
            fill="toself", fillcolor=f"rgba({r},{g},{b},0.12)", line={"width": 0}, mode="lines",
            hoverinfo="skip", showlegend=False, legendgroup=v["name"]))
        fig.add_trace(go.Scatter(
            x=steps, y=[p["mean"] for p in c], name=short(v), legendgroup=v["name"], mode="lines",
            line={"color": col, "width": 4 if v["name"] == res["reference"] else 2},
            hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.add_hline(y=1.0, line={"color": "#555", "dash": "dash"})
    # The legend at the foot of the figure (container coordinates, not a share of a plot
    # that shrinks on a phone as the legend grows rows) and the axis title above it.
    fig.update_layout(height=460, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      font={"size": 14}, xaxis_title=tr("experiments.curves_x"),
                      yaxis={"type": "log", "title": tr("experiments.curves_y")},
                      legend={"orientation": "h", "yref": "container", "y": 0,
                              "yanchor": "bottom", "x": 0})
    return fig


def gain_figure(cal: dict, shipped: float) -> go.Figure:
    """PSNR and colourfulness against the chroma gain (calibration photos), shipped marked."""
    pts = cal["points"]
    fig = go.Figure()
    for key, axis, colour, label in (("psnr", "y", REF_COL, "experiments.gain_psnr"),
                                     ("colourfulness_ratio", "y2", "#e76f51",
                                      "experiments.gain_colour")):
        measured = [p for p in pts if p["gain"] > 0]
        fig.add_trace(go.Scatter(x=[p["gain"] for p in measured], y=[p[key] for p in measured],
                                 yaxis=axis, name=tr(label), mode="lines+markers",
                                 line={"color": colour, "width": 3}))
        # gain 0 is the grey photo itself; nothing was measured between it and the grid
        ends = [pts[0], measured[0]]
        fig.add_trace(go.Scatter(x=[p["gain"] for p in ends], y=[p[key] for p in ends],
                                 yaxis=axis, mode="lines+markers", showlegend=False,
                                 hoverinfo="skip", line={"color": colour, "width": 1,
                                                         "dash": "dot"}))
    fig.add_vline(x=shipped, line={"color": "#2a9d8f", "width": 2, "dash": "dash"})
    fig.add_annotation(x=shipped, y=1.0, yref="paper", showarrow=False, xanchor="right",
                       yanchor="top", text=tr("experiments.gain_shipped", gain=shipped),
                       font={"color": "#2a9d8f", "size": 14})
    fig.update_layout(
        height=380, margin={"l": 10, "r": 10, "t": 10, "b": 10}, font={"size": 14},
        xaxis_title=tr("experiments.gain_x"), yaxis_title=tr("experiments.gain_psnr"),
        # its own round ticks (0, 0.2, 0.4...), not ones lined up on the PSNR grid
        yaxis2={"overlaying": "y", "side": "right", "title": tr("experiments.gain_colour"),
                "showgrid": False, "rangemode": "tozero", "tickmode": "linear", "tick0": 0,
                "dtick": 0.2},
        legend={"orientation": "h", "y": -0.3, "x": 0})
    return fig


def ab_figure(z: np.ndarray, centres: list[float], title: str, bar: str, log: bool) -> go.Figure:
    """An (a, b) heatmap: a across, b up (z is indexed [a bin, b bin])."""
    z = np.asarray(z, dtype=float).T
    z = np.where(z > 0, z, np.nan)  # colours never seen: no square
    if log:
        z = np.log10(z)
    ticks = {}
    if log:
        lo = math.floor(np.nanmin(z))
        # powers of ten as a teacher writes them: 10⁻³ (plotly's "power" format, by hand:
        # z already holds the exponents)
        ticks = {"tickvals": list(range(lo, 1)),
                 "ticktext": [f"10<sup>{k}</sup>".replace("-", "−") if k else "1"
                              for k in range(lo, 1)]}
    fig = go.Figure(go.Heatmap(
        z=z, x=centres, y=centres, colorscale="Viridis" if log else rgb_scale("Magma"),
        colorbar={"title": bar, **ticks}, hovertemplate="a %{x}<br>b %{y}<extra></extra>"))
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      title={"text": title, "font": {"size": 14}}, font={"size": 13},
                      xaxis={"title": tr("experiments.hist_a"), "constrain": "domain"},
                      yaxis={"title": tr("experiments.hist_b"), "scaleanchor": "x"})
    return fig


# -- sections -------------------------------------------------------------------------------
def results_section(res: dict, meta: dict | None) -> None:
    b = (meta or {}).get("budget", {})
    st.markdown(tr("experiments.intro", steps=b.get("steps", "?"), batch=b.get("batch", "?"),
                   size=b.get("size", "?"), seeds=len(res["seeds"]),
                   seed_list=", ".join(str(s) for s in res["seeds"]), photos=res["photos"]))
    st.markdown(tr("experiments.noise_why"))
    # two narrow tables rather than one of six columns: each fits a phone's width
    st.table([{tr("experiments.col_variant"): name(v),
               tr("experiments.col_psnr"): fmt_iv(v["metrics"]["psnr"]),
               tr("experiments.col_diff"): fmt_iv(v["difference"]["psnr"], sign=True)
               if "difference" in v else "—",
               tr("experiments.col_verdict"): verdict(v)} for v in res["variants"]],
             hide_index=True, border="horizontal")
    st.table([{tr("experiments.col_variant"): name(v),
               tr("experiments.col_colour"): fmt_iv(v["metrics"]["colourfulness"], 1),
               tr("experiments.col_beats"): num(v["beats_grey"], ".0%")}
              for v in res["variants"]], hide_index=True, border="horizontal")
    st.caption(tr("experiments.table_caption", photos=res["photos"], seeds=len(res["seeds"]),
                  truth=res["truth_colourfulness"], grey=res["grey"]["psnr"]["mean"]))
    difference_chart(res)
    st.subheader(tr("experiments.h_curves"))
    show(curves_figure(res), width="stretch", config=CHART)
    st.caption(tr("experiments.curves_caption", seeds=len(res["seeds"])))


@st.fragment
def difference_chart(res: dict) -> None:
    metric = st.segmented_control(tr("experiments.metric"), METRICS, default="psnr",
                                  key="ex_metric",
                                  format_func=labels("experiments.metric_"))
    show(difference_figure(res, metric or "psnr"), width="stretch", config=CHART)
    st.info(summary(res, metric or "psnr"), icon=":material/science:")


def summary(res: dict, metric: str) -> str:
    """What the chart of ``metric`` says, in words: its red dots are the changes larger than
    the noise, its grey ones those within it."""
    others = [v for v in res["variants"] if "difference" in v]
    real = [short(v) for v in others if v["difference"][metric]["real"]]
    noise = [short(v) for v in others if not v["difference"][metric]["real"]]
    key = ("experiments.summary_none" if not real else
           "experiments.summary_one" if len(real) == 1 else "experiments.summary")
    return tr(key, metric=tr(f"experiments.summary_{metric}"), real_n=len(real), n=len(others),
              real_list=joined(real), noise_list=joined(noise))


@st.fragment
def photos_section(res: dict, count: int) -> None:
    st.subheader(tr("experiments.h_photos"))
    i = st.segmented_control(tr("experiments.photo_pick"), list(range(count)), default=0,
                             key="ex_photo",
                             format_func=lambda k: tr("experiments.photo_n", i=k + 1)) or 0
    shown = [(ev.photo_path(i, "grey"), tr("experiments.grey")),
             (ev.photo_path(i, "truth"), tr("experiments.truth"))]
    shown += [(ev.photo_path(i, v["name"]), short(v)) for v in res["variants"]]
    shown = [(str(p), c) for p, c in shown if p is not None]
    st.image([p for p, _ in shown], caption=[c for _, c in shown], width=165)
    st.caption(tr("experiments.photos_caption"))


def l2_note(res: dict | None) -> str:
    """What the experiment says of L2's colours against L1's (the reference), in one sentence."""
    v = ev.variant(res, "l2") if res else None
    d = (v or {}).get("difference", {}).get("colourfulness")
    if d is None:
        return ""
    key = "same" if not d["real"] else "more" if d["mean"] > 0 else "less"
    return tr(f"experiments.brown_l2_{key}", d=d["mean"])


def vivid_section(study: dict | None, cal: dict | None, res: dict | None) -> None:
    st.header(tr("experiments.h_vivid"))
    if cal:
        shipped = float(cal["chosen"]["chroma_gain"])
        st.markdown(tr("experiments.vivid_intro", photos=cal["photos"], gain=shipped))
        show(gain_figure(cal, shipped), width="stretch", config=CHART)
    if not study:
        return
    three = study["three_gains"]
    images = [str(ev.STUDY / g["file"]) for g in three["gains"]]
    caps = [tr("experiments.gain_img", gain=g["gain"], psnr=g["psnr"], colour=g["colourfulness"])
            for g in three["gains"]]
    st.image(images + [str(ev.STUDY / three["truth_file"])], width=240,
             caption=caps + [tr("experiments.gain_truth", colour=three["colourfulness_truth"])])
    st.caption(tr("experiments.gain_caption",
                  subject=", " + tr("experiments.case_class",
                                    subject=class_name(three["subject"]))
                  if three["subject"] else ""))
    p = study["prior"]
    swatch = ("<span style='display:inline-block;width:1.4em;height:1em;vertical-align:middle;"
              "border:1px solid #999;background:rgb({},{},{})'></span> {}")
    st.markdown(tr("experiments.brown", photos=p["photos"], mean_a=p["mean_ab"][0],
                   mean_b=p["mean_ab"][1], med_a=p["median_ab"][0], med_b=p["median_ab"][1],
                   lam=p["lambda"], l2_note=l2_note(res),
                   swatch=swatch.format(*p["mean_rgb"], tr("experiments.swatch"))),
                unsafe_allow_html=True)
    c1, c2 = st.columns(2)
    show(ab_figure(p["prob"], p["centres"], tr("experiments.hist_title"),
                   tr("experiments.hist_share"), log=True), where=c1,
         width="stretch", config=CHART)
    show(ab_figure(p["weights"], p["centres"],
                   tr("experiments.weights_title", lam=p["lambda"]),
                   tr("experiments.hist_weight"), log=False), where=c2,
         width="stretch", config=CHART)
    st.caption(tr("experiments.hist_caption", pixels=p["pixels"], photos=p["photos"],
                  side=p["side"]))


def source_name(source: str) -> str:
    """A photo collection's name in words ("" = all of them)."""
    return tr(f"experiments.src_{source or 'all'}") if source in ("", *SOURCES) else source


def case_row(case: dict) -> None:
    what = (tr("experiments.case_class", subject=class_name(case["subject"]))
            if case["subject"] else
            tr("experiments.case_photo", source=source_name(case["source"])))
    st.markdown(tr("experiments.case_line", what=what, gain=case["gain_db"], psnr=case["psnr"],
                   grey=case["grey_psnr"]))
    f = case["files"]
    st.image([str(ev.STUDY / f[k]) for k in ("grey", "model", "truth", "error")], width=170,
             caption=[tr("experiments.grey"), tr("experiments.case_model"),
                      tr("experiments.truth"), tr("experiments.case_error")])


def fails_section(study: dict | None, sources: list[dict] | None) -> None:
    st.header(tr("experiments.h_fails"))
    if study:
        st.markdown(tr("experiments.fails_intro", n=study["validation_photos"],
                       beats=study["beats_grey"], emax=study["error_max"]))
        for key in ("best", "worst"):
            st.subheader(tr(f"experiments.{key}"))
            for case in study[key]:
                case_row(case)
        worst = float(np.mean([c["colourfulness_truth"] for c in study["worst"]]))
        overall = (sources or [{}])[-1].get("colourfulness_truth")
        if overall and worst < 0.5 * overall:
            st.info(tr("experiments.fails_reading", worst=worst, all=overall),
                    icon=":material/lightbulb:")
    if sources:
        st.subheader(tr("experiments.per_source"))
        # PSNR in one table, colour in another: eight columns do not fit a phone
        st.table([{tr("experiments.src"): source_name(s["source"]),
                   tr("experiments.src_n"): s["photos"],
                   tr("experiments.src_psnr"): num(s["psnr"]),
                   tr("experiments.src_grey"): num(s["grey_psnr"]),
                   tr("experiments.src_gain"): num(s["gain_db"], "+.2f")}
                  for s in sources], hide_index=True, border="horizontal")
        st.table([{tr("experiments.src"): source_name(s["source"]),
                   tr("experiments.src_colour"): num(s["colourfulness"], ".1f"),
                   tr("experiments.src_truth"): num(s["colourfulness_truth"], ".1f"),
                   tr("experiments.src_beats"): num(s["beats_grey"], ".0%")}
                  for s in sources], hide_index=True, border="horizontal")


def open_train(changes: dict) -> None:
    """Preset the Train screen's settings (its widget keys and their saved copy)."""
    values = {f"tr_{k}": v for k, v in {**LiveSettings().to_dict(), **changes}.items()
              if k != "seed"}
    ss["tr_keep"] = values
    ss.update(values)


def try_section() -> None:
    st.header(tr("experiments.h_try"))
    st.markdown(tr("experiments.try_intro"))
    for col, (key, changes) in zip(st.columns(len(TRY)), TRY.items(), strict=True):
        if col.button(tr(f"experiments.try_{key}"), help=tr(f"experiments.try_{key}_help"),
                      icon=":material/model_training:", key=f"ex_try_{key}", width="stretch"):
            open_train(changes)
            st.switch_page("pages/train.py")
    st.caption(tr("experiments.try_note"))


# -- the screen -------------------------------------------------------------------------------
d = data()
st.title(tr("experiments.title"))
st.markdown(f"> *{tr('experiments.quote')}*")
st.caption(tr("experiments.quote_translation"))
res = d["results"]
st.header(tr("experiments.h_results"))
if res is None:
    st.warning(tr("experiments.missing"))
else:
    results_section(res, d["meta"])
    if d["previews"]:
        photos_section(res, d["previews"])
vivid_section(d["study"], d["calibration"], res)
fails_section(d["study"], d["sources"])
try_section()
if d["meta"]:
    # Students never see command lines: how to redo the measurements is in the teacher's
    # guide (docs/teacher-guide.md).
    st.caption(tr("experiments.footer", date=d["meta"].get("date", "?"),
                  machine_note=tr("experiments.machine_note")))
