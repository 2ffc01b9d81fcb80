"""Live training: the student trains a small U-Net in the browser and watches colour appear.

Training runs tick by tick inside a fragment that reruns every second (never a blocking
loop): each tick does a few optimisation steps (core.live.LiveRun.tick, time-boxed), then
updates the loss chart and the preview. Everything of a student (photos, model, runs) is
in their own st.session_state; the server-wide caps are in core.live.
"""

from __future__ import annotations

import io
import uuid
import zipfile

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import live
from core.i18n import t
from core.images import ImageError, is_grey, load_image
from core.samples import COLOUR_SAMPLES, load_sample
from core.weights import WeightsError, model_from_bytes, model_to_bytes
from pages.ui import lang, show_image_error, tr

RUN, RUNS, PHOTOS, LOADED = "live_run", "live_runs", "live_photos", "live_loaded"
RUNNING, SID, NEXT_ID = "live_running", "live_sid", "live_next_id"
TICK_EVERY = 1.0  # seconds between two ticks of the fragment
LRS = (1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2)

ss = st.session_state
ss.setdefault(SID, uuid.uuid4().hex)
ss.setdefault(RUNS, [])
ss.setdefault(PHOTOS, [])
ss.setdefault(RUNNING, False)
ss.setdefault(NEXT_ID, 1)
D = live.LiveSettings()
WIDGET_DEFAULTS = {f"tr_{k}": v for k, v in D.to_dict().items() if k != "seed"}


def labels(prefix: str):
    """format_func for a choice: the language is bound now (AppTest calls it outside the run)."""
    code = lang()
    return lambda v: t(f"train.{prefix}_{v}", code)


# -- settings --------------------------------------------------------------------------------
def settings_from_widgets() -> live.LiveSettings:
    values = {k[3:]: ss.get(k, v) for k, v in WIDGET_DEFAULTS.items()}
    return live.LiveSettings(**values).checked()


def run_photos(settings: live.LiveSettings) -> list[np.ndarray]:
    """The photos of a new run: the student's own first (they lead the preview)."""
    own = [p for _, p in ss[PHOTOS]] if settings.data in ("own", "both") else []
    samples = [load_sample(n) for n in COLOUR_SAMPLES] if settings.data != "own" else []
    return own + samples


def new_run() -> None:
    """Replace the current run by a fresh one with the current settings (kept for comparison)."""
    settings = settings_from_widgets()
    photos = run_photos(settings)
    live.REGISTRY.release(ss[SID])
    ss[RUNNING] = False
    if not photos:
        ss[RUN] = None
        return
    ss[RUN] = live.LiveRun(settings, photos, run_id=ss[NEXT_ID])
    ss[NEXT_ID] += 1


def start() -> None:
    run = ss.get(RUN)
    if run is None or run.finished or run.settings != settings_from_widgets():
        new_run()
    ss[RUNNING] = ss.get(RUN) is not None


def pause() -> None:
    ss[RUNNING] = False
    live.REGISTRY.release(ss[SID])


def tick(run: live.LiveRun) -> None:
    """One tick: wait for a training slot and a CPU slot, train, remember the curves."""
    position = live.REGISTRY.request(ss[SID])
    if position:
        st.warning(tr("train.queue", position=position, cap=live.REGISTRY.capacity))
        return
    with live.compute_slot() as got:
        if not got:
            st.caption(tr("train.cpu_busy"))
            return
        run.tick()
    ss[RUNS] = live.remember_run(ss[RUNS], run.summary())
    if run.finished:
        pause()
        st.rerun(scope="app")  # stop the automatic ticks


# -- charts ------------------------------------------------------------------------------------
def smooth(values: list[float], k: int = 10) -> np.ndarray:
    """Moving average over the last k steps (the raw training loss is noisy)."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) < 2:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(0, idx - k)
    return (c[idx] - c[lo]) / (idx - lo)


def loss_figure(run: live.LiveRun) -> go.Figure:
    """The loss curves with the grey baseline and the "colour appears" line.

    Built from plain dicts in one go: it is redrawn every second for every student who
    trains, and plotly's add_hline / update_layout validation is slow Python holding the GIL.
    """
    c = run.curves
    data = []
    if c.train_steps:
        data.append({"type": "scatter", "x": c.train_steps, "y": smooth(c.train_loss),
                     "mode": "lines", "name": tr("train.curve_train"),
                     "line": {"color": "#9ecae1", "width": 2}})
    data.append({"type": "scatter", "x": c.val_steps, "y": c.val_loss, "mode": "lines+markers",
                 "name": tr("train.curve_val"), "line": {"color": "#08519c", "width": 3}})
    lines = [(c.grey_loss, "#555", "dash", tr("train.curve_grey"), "bottom"),
             (live.FIRST_COLOUR_RATIO * c.grey_loss, "#e6550d", "dot", tr("train.curve_colour"),
              "top")]
    top = max([c.grey_loss * 1.6] + c.val_loss[-20:])
    layout = {
        "height": 360, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "font": {"size": 15},
        "xaxis": {"title": {"text": tr("train.axis_steps")}},
        "yaxis": {"title": {"text": tr("train.axis_loss", loss=run.settings.loss.upper())},
                  "range": [0, top]},
        "legend": {"orientation": "h", "y": 1.12},
        "shapes": [{"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y",
                    "y0": y, "y1": y, "line": {"color": color, "dash": dash}}
                   for y, color, dash, _, _ in lines],
        "annotations": [{"xref": "x domain", "x": 0, "yref": "y", "y": y, "text": text,
                         "showarrow": False, "xanchor": "left", "yanchor": anchor}
                        for y, _, _, text, anchor in lines],
    }
    return go.Figure(data=data, layout=layout)


def describe(s: live.LiveSettings, names: list[str]) -> str:
    return ", ".join(f"{tr('train.short_' + n)} {format_value(n, getattr(s, n))}"
                     for n in names) or tr("train.same_settings")


def format_value(name: str, value) -> str:
    if name in ("output", "bound", "loss", "data"):
        return tr(f"train.{name}_{value}")
    if name == "size":
        return f"{value}²"
    return f"{value:g}" if isinstance(value, float) else str(value)


def compare_figure(runs: list[dict]) -> tuple[go.Figure, list[str]]:
    """Validation loss / grey baseline of the kept runs over training time."""
    names = [f.name for f in live.LiveSettings.__dataclass_fields__.values()]
    differ = [n for n in names if n != "seed"
              and len({getattr(r["settings"], n) for r in runs}) > 1]
    fig = go.Figure()
    for r in runs:
        label = tr("train.run_label", n=r["run_id"])
        fig.add_scatter(x=r["seconds"], y=r["ratios"], mode="lines",
                        name=f"{label}: {describe(r['settings'], differ)}", line={"width": 3})
    fig.add_hline(y=1.0, line={"color": "#555", "dash": "dash"},
                  annotation_text=tr("train.curve_grey"))
    fig.add_hline(y=live.FIRST_COLOUR_RATIO, line={"color": "#e6550d", "dash": "dot"},
                  annotation_text=tr("train.curve_colour"), annotation_position="bottom right")
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      xaxis_title=tr("train.axis_seconds"), yaxis_title=tr("train.axis_ratio"),
                      yaxis_range=[0, 1.6], legend={"orientation": "h", "y": -0.25},
                      font={"size": 15})
    return fig, differ


# -- the page ----------------------------------------------------------------------------------
st.title(tr("train.title"))
st.markdown(tr("train.intro"))

# Widget values vanish when the student visits another screen: keep a copy and restore it.
for key, default in WIDGET_DEFAULTS.items():
    ss.setdefault(key, ss.get("tr_keep", {}).get(key, default))

with st.expander(tr("train.settings"), icon=":material/tune:", expanded=ss.get(RUN) is None or ss.get(RUN).steps == 0):
    c1, c2, c3, c4 = st.columns(4)
    c1.radio(tr("train.data"), live.DATA, key="tr_data",
             format_func=labels("data"), help=tr("train.data_help"))
    c1.select_slider(tr("train.size"), live.SIZES, key="tr_size",
                     format_func=lambda v: f"{v}×{v}", help=tr("train.size_help"))
    c2.select_slider(tr("train.width"), live.WIDTHS, key="tr_width", help=tr("train.width_help"))
    c2.select_slider(tr("train.depth"), live.DEPTHS, key="tr_depth", help=tr("train.depth_help"))
    c3.radio(tr("train.output"), live.OUTPUTS, key="tr_output",
             format_func=labels("output"), help=tr("train.output_help"))
    c3.radio(tr("train.bound"), live.BOUNDS, key="tr_bound",
             format_func=labels("bound"), help=tr("train.bound_help"))
    c4.radio(tr("train.loss"), live.LOSSES, key="tr_loss",
             format_func=labels("loss"), help=tr("train.loss_help"),
             horizontal=True)
    c4.select_slider(tr("train.lr"), LRS, key="tr_lr", format_func=lambda v: f"{v:g}",
                     help=tr("train.lr_help"))
    c4.select_slider(tr("train.batch"), live.BATCHES, key="tr_batch",
                     help=tr("train.batch_help"))
    ss["tr_keep"] = {k: ss[k] for k in WIDGET_DEFAULTS}
    if ss.get("tr_data", D.data) != "samples":
        ups = st.file_uploader(tr("train.upload", n=live.MAX_PHOTOS), accept_multiple_files=True,
                               key="tr_upload")
        seen = {name for name, _ in ss[PHOTOS]}
        for up in ups or []:
            if up.file_id in seen:
                continue
            if len(ss[PHOTOS]) >= live.MAX_PHOTOS:
                st.warning(tr("train.too_many", n=live.MAX_PHOTOS))
                break
            try:
                rgb = load_image(up.getvalue())
            except ImageError as e:
                st.caption(up.name)
                show_image_error(e)
                continue
            if is_grey(rgb):
                st.warning(tr("train.grey_photo", name=up.name))
                continue
            ss[PHOTOS].append((up.file_id, live.prepare_photos([rgb])[0]))
        if ss[PHOTOS]:
            st.image([p for _, p in ss[PHOTOS]], width=96)
            if st.button(tr("train.forget_photos")):
                ss[PHOTOS] = []
                st.rerun()
        elif ss.get("tr_data") == "own":
            st.info(tr("train.need_photos"))
    st.caption(tr("train.caps", steps=live.MAX_STEPS, minutes=int(live.MAX_SECONDS // 60),
                  photos=live.MAX_PHOTOS, side=live.PHOTO_SIDE))

if ss.get(RUN) is None and run_photos(settings_from_widgets()):
    new_run()
run: live.LiveRun | None = ss.get(RUN)

b1, b2, b3, b4 = st.columns(4)
if ss[RUNNING]:
    b1.button(tr("train.pause"), icon=":material/pause:", on_click=pause, type="primary", width="stretch")
else:
    b1.button(tr("train.start") if run is None or run.steps == 0 else tr("train.resume"),
              icon=":material/play_arrow:", on_click=start, type="primary", width="stretch",
              disabled=not run_photos(settings_from_widgets()))
step_now = b2.button(tr("train.step"), icon=":material/skip_next:", width="stretch", disabled=ss[RUNNING] or run is None,
                     help=tr("train.step_help"))
b3.button(tr("train.reset"), icon=":material/restart_alt:", on_click=new_run, width="stretch")
if run is not None and run.settings != settings_from_widgets():
    b4.caption(tr("train.settings_changed"))

if run is not None and step_now and not run.finished:
    tick(run)


@st.fragment(run_every=TICK_EVERY if ss[RUNNING] else None)
def live_panel() -> None:
    run = ss.get(RUN)
    if run is None:
        st.info(tr("train.need_photos"))
        return
    c = run.curves
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(tr("train.m_steps"), f"{run.steps}", help=tr("train.m_steps_help"))
    m2.metric(tr("train.m_time"), f"{run.seconds:.1f} s")
    m3.metric(tr("train.m_val"), f"{c.val_loss[-1]:.4f}",
              delta=f"{c.val_loss[-1] - c.grey_loss:+.4f}", delta_color="inverse",
              help=tr("train.m_val_help", grey=c.grey_loss))
    m4.metric(tr("train.m_ratio"), f"{run.ratio:.0%}", help=tr("train.m_ratio_help"))
    if run.first_colour is not None:
        st.success(tr("train.first_colour", step=run.first_colour[0],
                      seconds=run.first_colour[1]))
    if run.finished:
        st.info(tr("train.finished"))
    left, right = st.columns([3, 2])
    left.plotly_chart(loss_figure(run), width="stretch", key="loss_chart",
                      config={"displayModeBar": False})
    grey, pred, truth = run.preview()
    with right:
        st.markdown(tr("train.preview", step=run.steps))
        st.image(grey, caption=tr("train.row_grey"), width="stretch")
        st.image(pred, caption=tr("train.row_pred"), width="stretch")
        st.image(truth, caption=tr("train.row_truth"), width="stretch")
        st.caption(tr("train.val_note"))
    # The tick comes last: what is on screen stays fresh (not greyed out) while it trains;
    # its result shows at the next rerun, a second later.
    if ss[RUNNING]:
        tick(run)


live_panel()

if len(ss[RUNS]) > 1:
    st.subheader(tr("train.compare"))
    fig, differ = compare_figure(ss[RUNS])
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False})
    st.caption(tr("train.compare_note") if differ else tr("train.compare_same"))


# -- save / load -------------------------------------------------------------------------------
def zip_bytes(tensors: bytes, config: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("colorizer.safetensors", tensors)
        z.writestr("colorizer.json", config)
    return buf.getvalue()


def read_model(files) -> None:
    """A .zip, or a .safetensors + .json pair -> the session's loaded model."""
    parts: dict[str, bytes] = {}
    try:
        for f in files:
            data = f.getvalue()
            if f.name.lower().endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for n in z.namelist():
                        if n.endswith((".safetensors", ".json")) and z.getinfo(n).file_size < 2**26:
                            parts[n.rsplit(".", 1)[1]] = z.read(n)
            elif f.name.lower().endswith((".safetensors", ".json")):
                parts[f.name.rsplit(".", 1)[1].lower()] = data
    except (zipfile.BadZipFile, OSError, ValueError):
        st.error(tr("train.load_bad_zip"))
        return
    if set(parts) != {"safetensors", "json"}:
        st.error(tr("train.load_need_both"))
        return
    try:
        model, meta = model_from_bytes(parts["safetensors"], parts["json"])
    except WeightsError as e:
        st.error(tr("errors.weights", detail=tr("train.load_mismatch")))
        st.caption(str(e)[:300])
        return
    ss[LOADED] = (model, meta)
    st.success(tr("train.loaded", params=sum(p.numel() for p in model.parameters())))


st.subheader(tr("train.save_load"))
s1, s2 = st.columns(2)
with s1:
    if run is not None and run.steps > 0:
        tensors, config = model_to_bytes(run.model, run.metadata())
        st.download_button(tr("train.download_zip"), zip_bytes(tensors, config),
                           icon=":material/download:",
                           file_name=f"colorizer_run{run.run_id}.zip", mime="application/zip",
                           width="stretch")
        d1, d2 = st.columns(2)
        d1.download_button(".safetensors", tensors, file_name="colorizer.safetensors",
                           mime="application/octet-stream", width="stretch")
        d2.download_button(".json", config, file_name="colorizer.json",
                           mime="application/json", width="stretch")
        st.caption(tr("train.use_on_colorize"))
    else:
        st.caption(tr("train.save_first"))
with s2:
    files = st.file_uploader(tr("train.load"), type=["zip", "safetensors", "json"],
                             accept_multiple_files=True, key="tr_load")
    if files and ss.get("tr_load_ids") != [f.file_id for f in files]:
        ss["tr_load_ids"] = [f.file_id for f in files]
        read_model(files)
    if ss.get(LOADED) is not None:
        meta = ss[LOADED][1]
        st.caption(tr("train.loaded_meta", steps=meta.get("steps", "?"),
                      seconds=meta.get("seconds", "?")))
