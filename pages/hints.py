"""Colour hints: the student clicks the photo, picks a colour, the U-Net spreads it to edges.

Colorization is ill-posed; a few hints remove the doubt (Zhang et al. 2017). The model is
the shipped hint U-Net (weights/hints): the grey image plus six hint planes in, the
course's Lab out. Everything per student (hints, undo history, view) lives in this
session; the photo is the student's photo of every screen.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.compare import Settings, compare_view, full_resolution_png, photo_digest
from core.hints import Hint, true_hints
from core.hints.suggest import load_table
from core.hints.view import (
    MAX_HINTS,
    colourings,
    draw_hints,
    edge_fill_rgb,
    hex_to_rgb,
    hints_against_truth,
    influence_image,
    influence_map,
    nearest_fill_rgb,
    suggestions_at,
)
from core.images import resize_max_side, to_jpeg_bytes
from ui import state
from ui.figures import show
from ui.lang import labels, num, tr
from ui.model import colorizer as shipped_colorizer
from ui.photo import photo_full, photo_picker

HINT_WEIGHTS = DEFAULT_WEIGHTS.with_name("hints")
#: Longer side of the clickable image (px): sharp on a laptop, light for a phone.
CLICK_SIDE = 720
DEFAULT_COLOUR = "#d62828"
VIEWS = ("influence", "nearest", "several", "truth")
ss = st.session_state


@st.cache_resource(show_spinner=False)
def hint_colorizer() -> Colorizer | None:
    """The shipped hint model, loaded once per server (read-only, shared)."""
    if not HINT_WEIGHTS.with_suffix(".safetensors").is_file():
        return None
    return Colorizer.from_weights(HINT_WEIGHTS)


@st.cache_data(show_spinner=False)
def suggestion_table() -> dict:
    return load_table()


@st.cache_data(show_spinner=False)
def evaluation() -> dict | None:
    """The committed evaluation (python -m core.evaluate --hints ...), if any."""
    p = HINT_WEIGHTS.with_name("hints_eval.json")
    return json.loads(p.read_text()) if p.is_file() else None


# -- the session's hints ------------------------------------------------------------------
def hints() -> list[Hint]:
    return ss.setdefault(state.HINTS, [])


def set_hints(new: list[Hint], selected: int | None) -> None:
    """Replace the hints, keeping the old list for undo."""
    ss.setdefault(state.HINTS_HISTORY, []).append((list(hints()), ss.get(state.HINTS_SELECTED)))
    ss[state.HINTS_HISTORY] = ss[state.HINTS_HISTORY][-50:]
    ss[state.HINTS] = new
    ss[state.HINTS_SELECTED] = selected


def reset_for_photo(digest: str) -> None:
    """A new photo clears the hints (they were points of the old one)."""
    if ss.get(state.HINTS_PHOTO) != digest:
        ss[state.HINTS_PHOTO] = digest
        ss[state.HINTS] = []
        ss[state.HINTS_HISTORY] = []
        ss[state.HINTS_SELECTED] = None
        ss.pop(state.HINTS_VIEW, None)
        ss.pop(state.HINTS_AUTO_VIEW, None)


def on_click() -> None:
    """The photo was clicked: add a hint there (current colour) or move the selected one."""
    click = ss.get("hints_click")
    if not click or click.get("unix_time") == ss.get(state.HINTS_LAST_CLICK):
        return
    ss[state.HINTS_LAST_CLICK] = click.get("unix_time")
    h, w = ss["hints_shown_shape"]
    x = float(np.clip(click["x"] * w / max(click["width"], 1), 0, w - 1))
    y = float(np.clip(click["y"] * h / max(click["height"], 1), 0, h - 1))
    current, sel = list(hints()), ss.get(state.HINTS_SELECTED)
    if ss.get("hints_mode") == "move" and sel is not None and sel < len(current):
        current[sel] = Hint(x, y, current[sel].rgb)
        set_hints(current, sel)
    elif len(current) >= MAX_HINTS:
        ss["hints_message"] = "too_many"
    else:
        current.append(Hint(x, y, hex_to_rgb(ss.get("hints_colour", DEFAULT_COLOUR))))
        set_hints(current, len(current) - 1)


def recolour(colour: str) -> None:
    """Give the selected hint this colour (and make it the colour of the next clicks)."""
    ss["hints_colour"] = colour
    sel, current = ss.get(state.HINTS_SELECTED), list(hints())
    if sel is not None and sel < len(current):
        current[sel] = Hint(current[sel].x, current[sel].y, hex_to_rgb(colour))
        set_hints(current, sel)


def on_picker() -> None:
    recolour(ss["hints_colour"])


def delete_selected() -> None:
    sel, current = ss.get(state.HINTS_SELECTED), list(hints())
    if sel is not None and sel < len(current):
        del current[sel]
        set_hints(current, len(current) - 1 if current else None)


def undo() -> None:
    history = ss.get(state.HINTS_HISTORY) or []
    if history:
        ss[state.HINTS], ss[state.HINTS_SELECTED] = history.pop()


def clear() -> None:
    if hints():
        set_hints([], None)


def give_true_hints(truth: np.ndarray, n: int) -> None:
    set_hints(true_hints(truth, n, seed=len(ss.get(state.HINTS_HISTORY) or [])), None)


# -- the screen -----------------------------------------------------------------------------
def swatch_css(suggestions: list[dict]) -> str:
    """Each suggestion button painted in its colour (Streamlit marks a keyed widget with the
    class st-key-KEY), its text black or white, whichever reads better."""
    rules = []
    for i, s in enumerate(suggestions):
        r, g, b = hex_to_rgb(s["hex"])
        ink = "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"
        # hover and focus too: Streamlit's own hover colours would hide the swatch
        rules.append(f".st-key-hints_use_{i} button,.st-key-hints_use_{i} button:hover,"
                     f".st-key-hints_use_{i} button:focus{{background:{s['hex']};color:{ink};"
                     f"border:2px solid #444}}")
    return "<style>" + "".join(rules) + "</style>"


def controls(view, model: Colorizer) -> None:
    """Suggestions at the selected point, the list of hints, delete / undo / clear."""
    current, sel = hints(), ss.get(state.HINTS_SELECTED)
    if sel is not None and sel < len(current):
        h = current[sel]
        st.markdown(tr("hints.suggested", n=sel + 1))
        sugg = suggestions_at(view.result.prediction, h.x, h.y, suggestion_table())
        st.html(swatch_css(sugg))
        cols = st.columns(2)
        for i, s in enumerate(sugg):
            label = tr(f"hints.source_{s['source']}", share=num(100 * (s["share"] or 0), ".0f"))
            cols[i % 2].button(label, key=f"hints_use_{i}",
                               on_click=recolour, args=(s["hex"],), width="stretch",
                               help=tr("hints.use_help", colour=s["hex"]))
        st.caption(tr("hints.suggest_how"))
    else:
        st.info(tr("hints.how_to"))
    b1, b2, b3 = st.columns(3)
    b1.button(tr("hints.delete"), on_click=delete_selected, disabled=sel is None,
              width="stretch")
    b2.button(tr("hints.undo"), on_click=undo, disabled=not ss.get(state.HINTS_HISTORY),
              width="stretch")
    b3.button(tr("hints.clear"), on_click=clear, disabled=not current,
              width="stretch")
    if current:
        # The widget shows the selection made elsewhere (a click on the photo); its labels are
        # the hints' numbers only: a label that changed with the colour would come back from
        # the browser as a stale string instead of the hint's index.
        if ss.get("hints_pick") != sel:
            ss["hints_pick"] = sel
        st.radio(tr("hints.list"), list(range(len(current))), key="hints_pick", horizontal=True,
                 format_func=lambda i: str(i + 1), on_change=pick_hint)


def pick_hint() -> None:
    picked = ss.get("hints_pick")
    if isinstance(picked, int) and 0 <= picked < len(hints()):
        ss[state.HINTS_SELECTED] = picked


def extra_view(kind: str, view, model: Colorizer, image: np.ndarray) -> None:
    """One of the four explanations under the result, computed only when chosen."""
    settings, pred = view.settings, view.result.prediction
    sel = ss.get(state.HINTS_SELECTED)
    if kind == "influence":
        if sel is None or sel >= len(settings.hints):
            st.info(tr("hints.influence_none"))
            return
        delta = influence_map(model, image, settings, sel, pred)
        c1, c2 = st.columns(2)
        c1.image(to_jpeg_bytes(draw_hints(view.result.rgb, settings.hints, sel)),
                 caption=tr("hints.result"), width="stretch")
        c2.image(to_jpeg_bytes(draw_hints(influence_image(delta), settings.hints[sel:sel + 1])),
                 caption=tr("hints.influence_caption", n=sel + 1), width="stretch")
        st.caption(tr("hints.influence_help"))
    elif kind == "nearest":
        edges = model.hint_fill == "edges"  # then show the fill the network receives too
        shown = [(nearest_fill_rgb(pred, settings.hints), tr("hints.nearest_caption"))]
        if edges:
            shown.append((edge_fill_rgb(pred, settings.hints), tr("hints.edges_caption")))
        shown.append((view.result.rgb, tr("hints.network_caption")))
        for col, (rgb, caption) in zip(st.columns(len(shown)), shown, strict=True):
            col.image(to_jpeg_bytes(draw_hints(rgb, settings.hints)), caption=caption,
                      width="stretch")
        st.caption(tr("hints.edges_help" if edges else "hints.nearest_help"))
    elif kind == "several":
        if not settings.hints:
            st.info(tr("hints.several_none"))
            return
        results = colourings(model, image, settings, suggestion_table(), pred)
        cols = st.columns(len(results))
        for k, (col, rgb) in enumerate(zip(cols, results, strict=True)):
            col.image(to_jpeg_bytes(rgb), caption=tr("hints.several_caption", k=k + 1),
                      width="stretch")
        st.caption(tr("hints.several_help"))
    else:
        truth_section(view, model, image)


def truth_section(view, model: Colorizer, image: np.ndarray) -> None:
    """A colour photo: true hints from its own colours, and the metrics against it."""
    if not view.photo.has_truth:
        st.info(tr("hints.truth_none"))
        return
    cols = st.columns(4)
    for col, n in zip(cols, (1, 3, 10, 30), strict=True):
        col.button(tr("hints.give_true", n=n), key=f"hints_true_{n}", on_click=give_true_hints,
                   args=(view.photo.shown, n), width="stretch")
    auto = compare_view(image, shipped_colorizer(),
                        Settings("shipped", shipped_colorizer().working_size),
                        previous=ss.get(state.HINTS_AUTO_VIEW), digest=view.photo.digest)
    ss[state.HINTS_AUTO_VIEW] = auto  # the next hint reuses it: same photo, same settings
    m, a, g = view.metrics, auto.metrics, view.photo.grey_metrics
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("hints.psnr_hints", n=len(view.settings.hints)), f"{num(m['psnr'])} dB",
              f"{num(m['psnr'] - a['psnr'], '+.2f')} dB", help=tr("hints.psnr_help"))
    c2.metric(tr("hints.psnr_auto"), f"{num(a['psnr'])} dB")
    c3.metric(tr("hints.psnr_grey"), f"{num(g['psnr'])} dB")
    if st.toggle(tr("hints.table_toggle"), key="hints_table"):
        rows = hints_against_truth(model, view.photo, replace(view.settings, hints=()))
        st.dataframe([{tr("hints.col_n"): r["hints"],
                       # text, not floats: the grid would write them with a point
                       tr("hints.col_model"): num(r["model_psnr"]),
                       tr("hints.col_nearest"): num(r["nearest_psnr"]),
                       tr("hints.col_auto"): num(a["psnr"])} for r in rows],
                     hide_index=True, width="stretch")


@st.fragment
def hint_section(image: np.ndarray, digest: str, model: Colorizer) -> None:
    """The interactive part: only it reruns when a hint is placed or a colour chosen."""
    reset_for_photo(digest)
    # The colour first: on a phone the columns stack, and the colour is chosen before a tap.
    top1, top2, top3 = st.columns([2, 3, 3], vertical_alignment="bottom")
    ss.setdefault("hints_colour", DEFAULT_COLOUR)
    top1.color_picker(tr("hints.colour"), key="hints_colour", on_change=on_picker,
                      help=tr("hints.colour_help"))
    top2.segmented_control(tr("hints.click_mode"), ["add", "move"], key="hints_mode",
                           format_func=labels("hints.mode_"), default="add")
    saturation = top3.slider(tr("hints.saturation"), 0.0, 2.0, 1.0, 0.1, key="hints_sat",
                             help=tr("hints.saturation_help"))
    settings = Settings("hints", model.working_size, saturation, hints=tuple(hints()))
    view = compare_view(image, model, settings, previous=ss.get(state.HINTS_VIEW),
                        digest=digest)
    ss[state.HINTS_VIEW] = view
    col_img, col_ctl = st.columns([3, 2], gap="medium")
    with col_ctl:
        controls(view, model)
    shown = view.photo.shown
    ss["hints_shown_shape"] = shown.shape[:2]
    with col_img:
        small = resize_max_side(draw_hints(view.result.rgb, settings.hints,
                                           ss.get(state.HINTS_SELECTED)), CLICK_SIDE)
        streamlit_image_coordinates(small, key="hints_click", use_column_width="always",
                                    image_format="JPEG", jpeg_quality=85, on_click=on_click,
                                    cursor="crosshair")
        if ss.pop("hints_message", None):
            st.warning(tr("hints.too_many", n=MAX_HINTS))
        st.caption(tr("hints.status", n=len(settings.hints),
                      ms=num(1000 * view.result.total_seconds, ".0f")))
        st.download_button(tr("hints.download"), key="hints_download",
                           data=lambda: full_resolution_png(view.photo, model, settings),
                           file_name="colorisation-hints.png", mime="image/png",
                           icon=":material/download:")
    kind = st.segmented_control(tr("hints.explain"), VIEWS, key="hints_explain",
                                format_func=labels("hints.view_"), default="influence")
    if kind:
        extra_view(kind, view, model, image)


def evaluation_section() -> None:
    """PSNR against the number of hints: the hint U-Net against the fills (committed)."""
    ev = evaluation()
    if ev is None:
        return
    st.subheader(tr("hints.eval_title"))
    fig = go.Figure()
    counts = ev["counts"]
    for method, dash in (("model", "solid"), ("edges", "dashdot"), ("nearest", "dash"),
                         ("global", "dot")):
        if method not in ev["table"][str(counts[-1])]:
            continue  # an evaluation made before the edge-aware fill existed
        ys = [ev["table"][str(n)][method]["psnr"] for n in counts]
        fig.add_trace(go.Scatter(
            x=counts, y=[y[0] for y in ys], mode="lines+markers", line={"dash": dash},
            name=tr(f"hints.method_{method}"),
            error_y={"type": "data", "symmetric": False, "array": [y[2] - y[0] for y in ys],
                     "arrayminus": [y[0] - y[1] for y in ys]}))
    auto = ev["table"][str(counts[0])].get("automatic")
    if auto:
        fig.add_trace(go.Scatter(x=[counts[0]], y=[auto["psnr"][0]], mode="markers",
                                 marker={"size": 12, "symbol": "diamond"},
                                 name=tr("hints.method_automatic")))
    fig.add_trace(go.Scatter(x=counts, y=[ev["grey"]["psnr"][0]] * len(counts),
                             mode="lines", line={"color": "#999"}, name=tr("hints.method_grey")))
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis_title=tr("hints.axis_hints"), yaxis_title="PSNR (dB)",
                      legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(type="category")  # 0, 1, 3, 10, 30 evenly spaced
    show(fig, width="stretch", config={"displayModeBar": False})
    st.caption(tr("hints.eval_caption", photos=ev["photos"]))


st.title(tr("hints.title"))
st.markdown(tr("hints.intro"))
model = hint_colorizer()
if model is None:
    st.error(tr("hints.no_model"))
    st.stop()
photo_picker("hints_picker")
image = photo_full()
hint_section(image, photo_digest(image), model)
evaluation_section()
