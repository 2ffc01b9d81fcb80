"""Live training: the student trains a small U-Net in the browser and watches colour appear.

Training runs tick by tick inside a fragment that reruns every second (never a blocking
loop): each tick does a few optimisation steps (core.live.LiveRun.tick, time-boxed), then
updates the loss chart and the preview. A student's training (settings, model, curves,
photos, compared runs) lives in a workspace of core.runs.STORE under an unguessable token
that the URL carries (``?run=``, a sticky parameter): a refresh, a new tab or a phone
waking up finds it again. Who may train now is core.admission.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import admission, live, runs
from core.images import is_grey
from core.samples import COLOUR_SAMPLES, load_sample
from ui import state
from ui.figures import show
from ui.lang import labels, num, tr
from ui.model_files import save_load_section
from ui.sticky import set_sticky, sticky
from ui.upload import uploaded_photos

#: Session keys of this screen: the token this session last showed, a notice to show once.
SHOWN, NOTICE = "live_shown_token", "live_notice"
TICK_EVERY = 1.0  # seconds between two ticks of the fragment
#: A paused page still tells the store it is open (else its run expires while it is read).
HEARTBEAT_SECONDS = 60.0
#: The loss chart's step axis shows at least this many steps (whole steps, not 0 to 1 before
#: the first one); past them it follows the training.
MIN_STEPS_SHOWN = 20
LRS = (1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2)

ss = st.session_state
D = live.LiveSettings()
WIDGET_DEFAULTS = {f"tr_{k}": v for k, v in D.to_dict().items() if k != "seed"}


# -- the student's workspace -------------------------------------------------------------
def attach() -> runs.Workspace:
    """The workspace of ``?run=`` (a refresh, a new tab, a phone waking up), else a new one.

    A wrong or expired token gives a notice and a fresh start, never another's run. The
    first time this session shows a workspace, the controls take its run's settings.
    """
    token = sticky("run")
    ws = runs.STORE.get(token)
    if ws is None:
        if token:
            ss[NOTICE] = "expired"
        try:
            token, ws = runs.STORE.create()
        except runs.StoreFull:
            st.error(tr("train.store_full"))
            st.stop()
        set_sticky("run", token)
    if ss.get(SHOWN) != token:
        ss[SHOWN] = token
        if ws.run is not None:
            ss["tr_keep"] = {f"tr_{k}": v for k, v in ws.run.settings.to_dict().items()
                             if f"tr_{k}" in WIDGET_DEFAULTS}
            for key in WIDGET_DEFAULTS:
                ss.pop(key, None)
            if ws.run.steps:
                ss[NOTICE] = "back"
    return ws


def settings_from_widgets() -> live.LiveSettings:
    values = {k[3:]: ss.get(k, v) for k, v in WIDGET_DEFAULTS.items()}
    return live.LiveSettings(**values).checked()


def run_photos(ws: runs.Workspace, settings: live.LiveSettings) -> list[np.ndarray]:
    """The photos of a new run: the student's own first (they lead the preview)."""
    own = [p for _, p in ws.photos] if settings.data in ("own", "both") else []
    samples = [load_sample(n) for n in COLOUR_SAMPLES] if settings.data != "own" else []
    return own + samples


def new_run(ws: runs.Workspace) -> None:
    """Replace the current run by a fresh one with the current settings (kept for comparison)."""
    settings = settings_from_widgets()
    photos = run_photos(ws, settings)
    ws.pause()
    if not photos:
        ws.run = None
        return
    run = live.LiveRun(settings, photos, run_id=ws.next_id)
    try:
        runs.STORE.reserve(ws, run.nbytes())
    except runs.StoreFull:
        ss[NOTICE] = "full"
        return
    ws.run, ws.next_id = run, ws.next_id + 1


def start(ws: runs.Workspace) -> None:
    run = ws.run
    if run is None or run.finished or run.settings != settings_from_widgets():
        new_run(ws)
    ws.running = ws.run is not None


def tick(ws: runs.Workspace, interval: float = 0.0) -> None:
    """One tick: wait for a training slot and a CPU slot, train, remember the curves.

    ``interval``: the automatic ticks skip one when the run's last tick started less than
    this long ago (another page on the same run ticks it)."""
    position = admission.REGISTRY.request(ws.key)
    if position:
        st.warning(tr("train.queue", position=position, cap=admission.REGISTRY.capacity))
        return
    if not ws.try_tick(interval):
        return  # another page on the same run is ticking it
    try:
        with admission.compute_slot() as got:
            if not got:
                st.caption(tr("train.cpu_busy"))
                return
            ws.run.tick()
        ws.runs = live.remember_run(ws.runs, ws.run.summary())
    finally:
        ws.lock.release()
    if ws.run.finished:
        ws.pause()
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


def reference_lines(x_end: float, levels: list[tuple[float, str, str, str]]) -> list[dict]:
    """Horizontal reference lines as legend entries: a label drawn inside the plot would
    sit under the curves that cross it."""
    return [{"type": "scatter", "x": [0, x_end], "y": [y, y], "mode": "lines", "name": name,
             "line": {"color": color, "dash": dash, "width": 2}, "hoverinfo": "skip"}
            for y, color, dash, name in levels]


def chart_layout(height: int, x_title: str, y_title: str, top: float) -> dict:
    """Shared layout: the y axis from 0 to ``top`` (every plotted value fits), legend above."""
    return {"height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "font": {"size": 15}, "xaxis": {"title": {"text": x_title}},
            "yaxis": {"title": {"text": y_title}, "range": [0, top]},
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}}


def loss_figure(run: live.LiveRun) -> go.Figure:
    """The loss curves with the grey baseline and the "colour appears" line.

    Built from plain dicts in one go: it is redrawn every second for every student who
    trains, and plotly's add_hline / update_layout validation is slow Python holding the GIL.
    """
    c = run.curves
    train = smooth(c.train_loss).tolist()
    data = []
    if c.train_steps:
        data.append({"type": "scatter", "x": c.train_steps, "y": train,
                     "mode": "lines", "name": tr("train.curve_train"),
                     "line": {"color": "#9ecae1", "width": 2}})
    data.append({"type": "scatter", "x": c.val_steps, "y": c.val_loss, "mode": "lines+markers",
                 "name": tr("train.curve_val"), "line": {"color": "#08519c", "width": 3},
                 "cliponaxis": False})  # step 0's marker whole, on the axis's edge
    data += reference_lines(max(run.steps, MIN_STEPS_SHOWN), [
        (c.grey_loss, "#555", "dash", tr("train.curve_grey")),
        (live.FIRST_COLOUR_RATIO * c.grey_loss, "#e6550d", "dot", tr("train.curve_colour"))])
    # before the first step, room above the grey line for the note saying how to start
    top = 1.05 * max([(1.5 if run.steps == 0 else 1.2) * c.grey_loss, *c.val_loss, *train])
    layout = chart_layout(380, tr("train.axis_steps"),
                          tr("train.axis_loss", loss=run.settings.loss.upper()), top)
    if run.steps < MIN_STEPS_SHOWN:  # whole steps from the start, room for the curve to come
        layout["xaxis"]["range"] = [0, MIN_STEPS_SHOWN]
    if run.steps == 0:  # nothing trained yet: say how the curve starts
        layout["annotations"] = [{
            "text": tr("train.chart_empty", start=tr("train.start"), step=tr("train.step")),
            "xref": "paper", "yref": "paper", "x": 1, "y": 1, "xanchor": "right",
            "yanchor": "top", "align": "right", "showarrow": False,
            "font": {"size": 13, "color": "#555"}, "bgcolor": "rgba(255,255,255,0.85)"}]
    return go.Figure(data=data, layout=layout)


def describe(s: live.LiveSettings, names: list[str]) -> str:
    return ", ".join(f"{tr('train.short_' + n)} {format_value(n, getattr(s, n))}"
                     for n in names) or tr("train.same_settings")


def format_value(name: str, value) -> str:
    if name in ("output", "bound", "loss", "data"):
        return tr(f"train.{name}_{value}")
    if name == "size":
        return f"{value}²"
    return num(value, "g") if isinstance(value, float) else str(value)


def compare_figure(kept: list[dict]) -> tuple[go.Figure, list[str]]:
    """Validation loss / grey baseline of the kept runs over training time."""
    names = [f.name for f in live.LiveSettings.__dataclass_fields__.values()]
    differ = [n for n in names if n != "seed"
              and len({getattr(r["settings"], n) for r in kept}) > 1]
    data = [{"type": "scatter", "x": r["seconds"], "y": r["ratios"], "mode": "lines",
             "line": {"width": 3},
             "name": f"{tr('train.run_label', n=r['run_id'])}: {describe(r['settings'], differ)}"}
            for r in kept]
    x_end = max([1.0] + [r["seconds"][-1] for r in kept if r["seconds"]])
    data += reference_lines(x_end, [(1.0, "#555", "dash", tr("train.curve_grey")),
                                    (live.FIRST_COLOUR_RATIO, "#e6550d", "dot",
                                     tr("train.curve_colour"))])
    top = 1.05 * max([1.2] + [v for r in kept for v in r["ratios"] if np.isfinite(v)])
    layout = chart_layout(400, tr("train.axis_seconds"), tr("train.axis_ratio"), top)
    return go.Figure(data=data, layout=layout), differ


# -- the page ----------------------------------------------------------------------------------
st.title(tr("train.title"))
st.markdown(tr("train.intro"))
ws = attach()
run: live.LiveRun | None = ws.run
notice = ss.pop(NOTICE, None)
if notice == "expired":
    st.warning(tr("train.run_expired", minutes=int(runs.EXPIRE_SECONDS // 60)),
               icon=":material/history:")
elif notice == "back" and run is not None:
    st.info(tr("train.run_back", step=run.steps), icon=":material/restore:")
elif notice == "full":
    st.error(tr("train.store_full"))

# Widget values vanish when the student visits another screen: keep a copy and restore it.
for key, default in WIDGET_DEFAULTS.items():
    ss.setdefault(key, ss.get("tr_keep", {}).get(key, default))

with st.expander(tr("train.settings"), icon=":material/tune:",
                 expanded=run is None or run.steps == 0):
    c1, c2, c3, c4 = st.columns(4)
    c1.radio(tr("train.data"), live.DATA, key="tr_data",
             format_func=labels("train.data_"), help=tr("train.data_help"))
    c1.select_slider(tr("train.size"), live.SIZES, key="tr_size",
                     format_func=lambda v: f"{v}×{v}", help=tr("train.size_help"))
    c2.select_slider(tr("train.width"), live.WIDTHS, key="tr_width", help=tr("train.width_help"))
    c2.select_slider(tr("train.depth"), live.DEPTHS, key="tr_depth", help=tr("train.depth_help"))
    c3.radio(tr("train.output"), live.OUTPUTS, key="tr_output",
             format_func=labels("train.output_"), help=tr("train.output_help"))
    c3.radio(tr("train.bound"), live.BOUNDS, key="tr_bound",
             format_func=labels("train.bound_"), help=tr("train.bound_help"))
    c4.radio(tr("train.loss"), live.LOSSES, key="tr_loss",
             format_func=labels("train.loss_"), help=tr("train.loss_help"), horizontal=True)
    c4.select_slider(tr("train.lr"), LRS, key="tr_lr", format_func={v: num(v, "g") for v in LRS}.get,
                     help=tr("train.lr_help"))
    c4.select_slider(tr("train.batch"), live.BATCHES, key="tr_batch",
                     help=tr("train.batch_help"))
    ss["tr_keep"] = {k: ss[k] for k in WIDGET_DEFAULTS}
    if ss.get("tr_data", D.data) != "samples":
        # The photos are kept with the run (a refresh keeps them), not in the uploader.
        have = {fid for fid, _ in ws.photos}
        for up in uploaded_photos(tr("train.upload", n=live.MAX_PHOTOS), "tr_upload"):
            if up.file_id in have:
                continue
            if len(ws.photos) >= live.MAX_PHOTOS:
                st.warning(tr("train.too_many", n=live.MAX_PHOTOS))
                break
            if is_grey(up.rgb):
                st.warning(tr("train.grey_photo", name=up.name))
                continue
            ws.photos.append((up.file_id, live.prepare_photos([up.rgb])[0]))
        if ws.photos:
            st.image([p for _, p in ws.photos], width=96)
            if st.button(tr("train.forget_photos")):
                ws.photos = []
                st.rerun()
        elif ss.get("tr_data") == "own":
            st.info(tr("train.need_photos"))
    st.caption(tr("train.caps", steps=live.MAX_STEPS, minutes=int(live.MAX_SECONDS // 60),
                  photos=live.MAX_PHOTOS, side=live.PHOTO_SIDE))

settings = settings_from_widgets()
# No photo to train on ("My photos" and none valid): neither button trains the previous run.
no_photos = not run_photos(ws, settings)
if ws.run is None and not no_photos:
    new_run(ws)
run = ss[state.LIVE_RUN] = ws.run  # the colorize screen offers this session's model

b1, b2, b3, b4 = st.columns(4)
if ws.running:
    b1.button(tr("train.pause"), icon=":material/pause:", on_click=ws.pause, type="primary",
              width="stretch")
else:
    b1.button(tr("train.start") if run is None or run.steps == 0 else tr("train.resume"),
              icon=":material/play_arrow:", on_click=start, args=(ws,), type="primary",
              width="stretch", disabled=no_photos)
step_now = b2.button(tr("train.step"), icon=":material/skip_next:", width="stretch",
                     disabled=ws.running or run is None or no_photos, help=tr("train.step_help"))
b3.button(tr("train.reset"), icon=":material/restart_alt:", on_click=new_run, args=(ws,),
          width="stretch")
if run is not None and run.settings != settings:
    b4.caption(tr("train.settings_changed"))

if run is not None and step_now and not run.finished:
    tick(ws)


@st.fragment(run_every=TICK_EVERY if ws.running else HEARTBEAT_SECONDS)
def live_panel() -> None:
    """Progress, loss chart and preview; while training, one tick per rerun. While paused,
    a rerun a minute keeps the workspace watched (it expires only once no page shows it)."""
    ws = runs.STORE.get(sticky("run"))
    if ws is None:  # expired or deleted meanwhile: the full run says so and starts afresh
        st.rerun(scope="app")
    run = ws.run
    if run is None:
        st.info(tr("train.need_photos"))
        return
    c = run.curves
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(tr("train.m_steps"), f"{run.steps}", help=tr("train.m_steps_help"))
    m2.metric(tr("train.m_time"), f"{num(run.seconds, '.1f')} s")
    m3.metric(tr("train.m_val"), num(c.val_loss[-1], ".4f"),
              delta=num(c.val_loss[-1] - c.grey_loss, "+.4f"), delta_color="inverse",
              help=tr("train.m_val_help", grey=c.grey_loss))
    m4.metric(tr("train.m_ratio"), num(run.ratio, ".0%"), help=tr("train.m_ratio_help"))
    if run.first_colour is not None:
        st.success(tr("train.first_colour", step=run.first_colour[0],
                      seconds=run.first_colour[1]))
    if run.finished:
        st.info(tr("train.finished"))
    left, right = st.columns([3, 2])
    show(loss_figure(run), where=left, width="stretch", key="loss_chart",
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
    if ws.running:
        tick(ws, interval=TICK_EVERY / 2)  # one tick a second in all, however many tabs


live_panel()
st.caption(tr("train.run_kept", minutes=int(runs.EXPIRE_SECONDS // 60)))

if len(ws.runs) > 1:
    st.subheader(tr("train.compare"))
    fig, differ = compare_figure(ws.runs)
    show(fig, width="stretch", config={"displayModeBar": False})
    st.caption(tr("train.compare_note") if differ else tr("train.compare_same"))


# -- save / load -------------------------------------------------------------------------------
st.subheader(tr("train.save_load"))
save_load_section(run)
