"""Colorize: the student's photos through the model, at full resolution, with what it predicted.

Sources: uploads (several at once), the webcam, the colour samples and old black-and-white
photos. The result comes with a before/after slider, the three channels the model
predicted (L, a, b), and, when the photo was in colour, the truth and the metrics against
it. The model is the shipped one, or one the student trained or loaded on the training
screen (st.session_state, this session only).
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from core import runs
from core.colorizer import Colorizer
from core.compare import (
    Settings,
    View,
    compare_view,
    full_resolution_png,
    lab_axis_colours,
    photo_digest,
)
from core.live import LiveRun
from core.samples import COLOUR_SAMPLES, GREY_SAMPLES, load_sample
from ui import state
from ui.figures import show
from ui.lang import labels, lang, num, tr
from ui.model import colorizer
from ui.photo import photo, photo_full, share_photo
from ui.scales import rgb_scale
from ui.sticky import sticky
from ui.upload import camera_photo, uploaded_photos

SOURCES = ("samples", "old", "upload", "webcam", "mine")
WORKING = (64, 96, 128, 192, 256, 384, 512)
MAX_UPLOADS = 8
#: The colour-error map's scale, dark at 0 ("dark = right colour") to light at 60 Δab
#: (as rgb() stops: by name its black would be drawn purple, see ui.scales).
ERROR_SCALE = rgb_scale("Inferno")
ERROR_MAX = 60
ss = st.session_state


# -- figures -------------------------------------------------------------------------------
def lab_colourscale(channel: str) -> list[list]:
    """Plotly colour scale of a Lab axis: the colour each value means (a: green -> red)."""
    return [[pos, f"rgb({r},{g},{b})"] for pos, (r, g, b) in lab_axis_colours(channel)]


def heat_figure(z: np.ndarray, scale, zmin: float, zmax: float, title: str, height: int,
                colorbar: dict) -> go.Figure:
    """An image-like heat map (row 0 at the top, square pixels, no axes)."""
    fig = go.Figure(go.Heatmap(z=z[::-1], colorscale=scale, zmin=zmin, zmax=zmax,
                               colorbar=colorbar))
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 40, "b": 0},
                      title={"text": title, "font": {"size": 15}})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return fig


def channel_figure(values: np.ndarray, channel: str) -> go.Figure:
    scale, lo, hi = ("gray", 0, 100) if channel == "L" else (lab_colourscale(channel), -100, 100)
    return heat_figure(values, scale, lo, hi, tr(f"colorize.channel_{channel}"), 260,
                       {"thickness": 12})


def slider_html(before: bytes, after: bytes, left: str, right: str, max_h: int) -> str:
    """Before/after slider: two stacked images, the top one clipped at the cursor (no network).

    The range input sits inside the picture's box, as wide as the picture (a portrait photo
    is narrower than the column), and its thumb is exactly 16 px wide with the track widened
    by 8 px on each side: the thumb's centre is then at p % of the picture, under the line
    (the frame keeps 8 px on each side so that a full-width picture's knob is not cut).
    """
    b64 = [base64.b64encode(x).decode() for x in (before, after)]
    return f"""
<style>
 body{{margin:0;font-family:sans-serif}}
 .w{{position:relative;display:inline-block;max-width:100%;user-select:none}}
 .pic{{position:relative;touch-action:none}}
 .pic img{{display:block;max-width:100%;max-height:{max_h}px}}
 .top{{position:absolute;inset:0;width:100%;height:100%;clip-path:inset(0 0 0 50%)}}
 .line{{position:absolute;top:0;bottom:0;left:50%;width:3px;margin-left:-1px;background:#fff;
        box-shadow:0 0 4px #000;pointer-events:none}}
 .tag{{position:absolute;top:8px;padding:2px 8px;background:rgba(0,0,0,.6);color:#fff;
       font-size:16px;border-radius:4px}}
 input{{-webkit-appearance:none;appearance:none;display:block;width:calc(100% + 16px);
        margin:8px -8px 4px -8px;height:16px;background:transparent}}
 input::-webkit-slider-runnable-track{{height:4px;background:#bbb;border-radius:2px}}
 input::-webkit-slider-thumb{{-webkit-appearance:none;width:16px;height:16px;margin-top:-6px;
        border-radius:50%;background:#ff4b4b;border:0}}
 input::-moz-range-track{{height:4px;background:#bbb;border-radius:2px}}
 input::-moz-range-thumb{{width:16px;height:16px;border-radius:50%;background:#ff4b4b;border:0}}
</style>
<div style="text-align:center;padding:0 8px"><div class="w" id="w">
 <div class="pic" id="pic">
  <img src="data:image/jpeg;base64,{b64[0]}">
  <img class="top" id="top" src="data:image/jpeg;base64,{b64[1]}">
  <div class="line" id="line"></div>
  <span class="tag" style="left:8px">{left}</span><span class="tag" style="right:8px">{right}</span>
 </div>
 <input type="range" min="0" max="100" step="0.1" value="50" id="r" aria-label="{left} / {right}">
</div></div>
<script>
 const r=document.getElementById('r'), pic=document.getElementById('pic');
 function set(p){{document.getElementById('top').style.clipPath='inset(0 0 0 '+p+'%)';
   document.getElementById('line').style.left=p+'%'; r.value=p;}}
 r.addEventListener('input', e=>set(e.target.value));
 let drag=false;
 function move(e){{if(!drag)return; const b=pic.getBoundingClientRect();
   set(Math.max(0,Math.min(100,(e.clientX-b.left)/b.width*100)));}}
 pic.addEventListener('pointerdown', e=>{{drag=true; move(e);}});
 window.addEventListener('pointermove', move);
 window.addEventListener('pointerup', ()=>drag=false);
</script>"""


def device_text(device: torch.device) -> str:
    """The device that colorized, as core.colorizer.device_label says it, in the page's
    language: "processeur (2 fils d'exécution)" / "CPU (2 threads)", or the GPU's name."""
    if device.type == "cuda":
        return tr("colorize.device_gpu", name=torch.cuda.get_device_name(device))
    n = torch.get_num_threads()
    return tr("colorize.device_cpu_one") if n == 1 else tr("colorize.device_cpu", n=n)


# -- the view, computed once per setting ---------------------------------------------------
@st.cache_resource(max_entries=48, show_spinner=False)
def shared_sample_view(digest: str, settings: Settings, _rgb: np.ndarray, _model: Colorizer,
                       _previous: View | None) -> View:
    """Views of the bundled samples with the shipped model, shared by all sessions.

    Public images only (never a student's photo): the 30 students who open the screen on
    the same sample get the result computed once. Read-only by convention.
    """
    return compare_view(_rgb, _model, settings, _previous, digest)


def current_view(rgb: np.ndarray, model: Colorizer, settings: Settings, public: bool) -> View:
    """The view for these settings; this session keeps the last one (reruns for any other
    reason, such as the language, reuse its encoded images as they are)."""
    digest = photo_digest(rgb)
    view = ss.get("cz_view")
    if view is not None and view.matches(digest, settings):
        return view
    if public and settings.model_key == "shipped":
        view = shared_sample_view(digest, settings, rgb, model, view)
    else:
        view = compare_view(rgb, model, settings, view, digest)
    ss["cz_view"] = view
    return view


# -- choosing the photo ----------------------------------------------------------------------
def choose_photo() -> tuple[str, np.ndarray] | None:
    """The photo to colorize (name, full-resolution RGB), from the chosen source."""
    current = photo()[0]
    if "cz_source" not in ss:
        ss["cz_source"] = ("old" if current in GREY_SAMPLES else "samples"
                           if current in COLOUR_SAMPLES else "mine")
    source = st.radio(tr("colorize.source"), SOURCES, key="cz_source", horizontal=True,
                      format_func=labels("colorize.source_"))
    if source in ("samples", "old"):
        names = list(COLOUR_SAMPLES if source == "samples" else GREY_SAMPLES)
        key = f"cz_{source}_name"
        if key not in ss:
            ss[key] = current if current in names else names[0]
        name = st.selectbox(tr("colorize.sample"), names, key=key,
                            format_func=labels("common.sample_"))
        return name, load_sample(name)
    if source == "mine":  # the photo of the other screens (an upload, a frozen live frame)
        return current, photo_full()
    if source == "upload":
        ups = uploaded_photos(tr("colorize.upload", n=MAX_UPLOADS), "cz_upload",
                              limit=MAX_UPLOADS, too_many=tr("colorize.too_many", n=MAX_UPLOADS))
        if not ups:
            st.info(tr("colorize.need_upload"))
            return None
        by_id = {u.file_id: u for u in ups}
        fid = st.radio(tr("colorize.which"), list(by_id), key="cz_which", horizontal=True,
                       format_func=lambda k: by_id[k].name if k in by_id else "")
        up = by_id.get(fid) or ups[0]
        share_photo(up, "cz_upload")  # the other screens follow the student's photo
        return up.name, up.rgb
    shot = camera_photo("cz_cam")
    if shot is None:
        return None
    share_photo(shot, "cz_cam")
    return shot.name, shot.rgb


# -- choosing the model ----------------------------------------------------------------------
def live_run() -> LiveRun | None:
    """This student's training run: the one the train screen showed in this session or,
    after a refresh that opened this screen first, the one of ``?run=`` kept on the server."""
    run = ss.get(state.LIVE_RUN)
    if run is None:
        ws = runs.STORE.get(sticky("run"))
        run = ws.run if ws is not None else None
    return run


def model_choices(run: LiveRun | None) -> dict[str, str]:
    """{choice: label}: the shipped model, and this session's trained (``run``) / loaded ones."""
    out = {"shipped": tr("colorize.model_shipped")}
    if run is not None and run.steps > 0:
        out["trained"] = tr("colorize.model_trained", n=run.run_id, steps=run.steps)
    if ss.get(state.LIVE_LOADED) is not None:
        out["loaded"] = tr("colorize.model_loaded")
    return out


def session_colorizer(choice: str, run: LiveRun | None) -> tuple[Colorizer, str]:
    """(colorizer, cache key). Student models live in this session only, on the CPU."""
    if choice == "trained":
        key = f"trained-{run.run_id}-{run.steps}"
        if ss.get("cz_model_key") != key:  # a frozen copy: training may go on meanwhile
            ss["cz_model"] = Colorizer(run.snapshot(), device="cpu")
            ss["cz_model_key"] = key
        return ss["cz_model"], key
    if choice == "loaded":
        model = ss[state.LIVE_LOADED][0]
        key = f"loaded-{id(model)}"
        if ss.get("cz_model_key") != key:
            ss["cz_model"] = Colorizer(model, device="cpu")
            ss["cz_model_key"] = key
        return ss["cz_model"], key
    return colorizer(), "shipped"


# -- the page ----------------------------------------------------------------------------------
st.title(tr("colorize.title"))
st.markdown(tr("colorize.intro"))

picked = choose_photo()
run = live_run()  # looked up once: after a refresh, in the server's run store
choices = model_choices(run)
o1, o2, o3, o4 = st.columns(4)
# Default: the working size calibrated with the shipped weights (weights/colorizer.json).
calibrated = colorizer().working_size
working = o1.select_slider(tr("colorize.working"), WORKING,
                           value=calibrated if calibrated in WORKING else 256, key="cz_working",
                           format_func=lambda v: f"{v} px", help=tr("colorize.working_help"))
saturation = o2.slider(tr("colorize.saturation"), 0.0, 2.0, 1.0, 0.1, key="cz_sat",
                       help=tr("colorize.saturation_help"))
use_model_l = o3.toggle(tr("colorize.model_l"), key="cz_model_l", help=tr("colorize.model_l_help"))
if ss.get("cz_choice") not in choices:
    ss["cz_choice"] = "shipped"
choice = o4.radio(tr("colorize.model"), list(choices), key="cz_choice",
                  format_func=lambda k: choices.get(k, k), help=tr("colorize.model_help"))

if picked is None:
    st.stop()
name, rgb = picked
model, model_key = session_colorizer(choice, run)
settings = Settings(model_key, working, saturation=saturation, use_model_l=use_model_l)
view = current_view(rgb, model, settings, public=ss.get("cz_source") in ("samples", "old"))
res, pred = view.result, view.result.prediction

b1, b2, b3 = st.columns([2, 1, 1])
with b1:
    gpu = model.device.type == "cuda"
    st.badge(device_text(model.device), icon=":material/memory:", color="green" if gpu else "blue")
    h, w = rgb.shape[:2]
    st.caption(tr("colorize.size_note", w=w, h=h, working=working))
b2.metric(tr("colorize.model_time"), f"{num(pred.model_seconds * 1000, '.0f')} ms",
          help=tr("colorize.model_time_help"))
b3.metric(tr("colorize.total_time"), f"{num(res.total_seconds * 1000, '.0f')} ms",
          help=tr("colorize.total_time_help"))

st.subheader(tr("colorize.before_after"))
# Our own HTML (translated labels, re-encoded images): nothing from the student is injected.
# A frame of its own for each photo: the frame measures its content, but never below its
# current height, so a landscape photo after a portrait one kept the portrait's height.
with st.container(key=f"cz_slider_{view.photo.digest}"):
    st.iframe(slider_html(view.photo.gray_jpeg, view.rgb_jpeg, tr("colorize.tag_grey"),
                          tr("colorize.tag_colour"), max_h=560), height="content")
st.download_button(tr("colorize.download"),
                   lambda: full_resolution_png(view.photo, model, settings),
                   file_name=f"{name.rsplit('.', 1)[0]}_colorise.png", mime="image/png",
                   type="primary", icon=":material/download:", on_click="ignore")

has_truth = view.photo.has_truth
cols = st.columns(3 if has_truth else 2)
cols[0].image(view.photo.gray_jpeg, caption=tr("colorize.cap_grey"), width="stretch")
cols[1].image(view.rgb_jpeg, caption=tr("colorize.cap_result"), width="stretch")
if has_truth:
    cols[2].image(view.photo.truth_jpeg, caption=tr("colorize.cap_truth"), width="stretch")
else:
    st.info(tr("colorize.no_truth"))

st.subheader(tr("colorize.channels"))
st.markdown(tr("colorize.channels_intro", h=pred.unit_lab.shape[0], w=pred.unit_lab.shape[1]))
ch = st.columns(3)
for col, (i, c) in zip(ch, enumerate("Lab"), strict=True):
    key = (lang(), c)
    if key not in view.memo:  # built once per prediction and language (plotly is slow)
        view.memo[key] = channel_figure(view.channels[..., i], c)
    show(view.memo[key], where=col, width="stretch", config={"displayModeBar": False},
         key=f"cz_ch_{c}")
if model.output == "ab":
    st.caption(tr("colorize.ab_model_note"))

if has_truth:
    st.subheader(tr("colorize.vs_truth"))
    st.markdown(tr("colorize.vs_truth_intro"))
    m, g = view.metrics, view.photo.grey_metrics
    k1, k2, k3 = st.columns(3)
    # Each arrow says what it compares with: PSNR and SSIM with the grey image (does colour
    # help?), colourfulness with the original (grey's is always 0: that arrow would say
    # nothing).
    k1.metric(tr("colorize.psnr"), f"{num(m['psnr'], '.1f')} dB",
              delta=tr("colorize.vs_grey", d=f"{num(m['psnr'] - g['psnr'], '+.1f')} dB"),
              help=tr("colorize.psnr_help", grey=g["psnr"]))
    k2.metric(tr("colorize.ssim"), num(m["ssim"], ".3f"),
              delta=tr("colorize.vs_grey", d=num(m["ssim"] - g["ssim"], "+.3f")),
              help=tr("colorize.ssim_help", grey=g["ssim"]))
    k3.metric(tr("colorize.colourfulness"), num(m["colourfulness"], ".1f"),
              delta=tr("colorize.vs_truth_delta",
                       d=num(m["colourfulness"] - m["colourfulness_truth"], "+.1f")),
              delta_color="off", help=tr("colorize.colourfulness_help"))
    e1, e2 = st.columns(2)
    values = (g["colourfulness"], m["colourfulness"], m["colourfulness_truth"])
    bars = go.Figure(go.Bar(
        x=[tr("colorize.bar_grey"), tr("colorize.bar_model"), tr("colorize.bar_truth")],
        y=values, marker_color=["#999999", "#3182bd", "#e6550d"],
        text=[num(v, ".1f") for v in values], textposition="outside"))
    bars.update_layout(height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                       title=tr("colorize.bars_title"), yaxis_title=tr("colorize.colourfulness"),
                       font={"size": 15})
    show(bars, where=e1, width="stretch", config={"displayModeBar": False})
    err = view.ab_error
    heat = heat_figure(err, ERROR_SCALE, 0, ERROR_MAX,
                       tr("colorize.error_title", mean=float(err.mean())), 340, {"title": "Δab"})
    show(heat, where=e2, width="stretch", config={"displayModeBar": False}, key="cz_error")
    st.caption(tr("colorize.error_note"))
