"""Colour hints: the student taps the photo, picks a colour, the U-Net spreads it.

Colorization is ill-posed; a few hints remove the doubt (Zhang et al. 2017). This screen
draws widgets and forwards their events to the student's
:class:`core.hints.session.HintSession`; what it shows is computed by
:mod:`core.hints.view` from one View (one photo size, one set of hints).
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.compare import Settings, compare_view, photo_digest
from core.hints import view as hv
from core.hints.session import MAX_HINTS, MODES, VIEWS, HintSession
from core.hints.suggest import load_table
from core.images import resize_max_side, to_jpeg_bytes
from ui import state
from ui.errors import guarded, guarded_section
from ui.figures import show
from ui.lang import interval, labels, num, tr
from ui.model import colorizer as shipped_colorizer
from ui.model import hint_colorizer
from ui.photo import photo_full, photo_picker

#: Longer side of the clickable image (px): sharp on a laptop, light for a phone.
CLICK_SIDE = 720
ss = st.session_state


@st.cache_data(show_spinner=False)
def suggestion_table() -> dict:
    return load_table()


@st.cache_data(show_spinner=False)
def evaluation() -> dict | None:
    """The committed evaluation of the hint model (weights/hints_eval.json), if any."""
    p = DEFAULT_WEIGHTS.with_name("hints_eval.json")
    return json.loads(p.read_text()) if p.is_file() else None


def session() -> HintSession:
    return ss.setdefault(state.HINT_SESSION, HintSession())


# -- events: forwarded to the session -----------------------------------------------------------
def on_tap() -> None:
    click = ss.get("hints_click")
    if click:
        session().tap(click["x"], click["y"], click["width"], click["height"],
                      stamp=click.get("unix_time"))


def on_colour() -> None:
    session().recolour(ss["hints_colour"])


def use_colour(colour: str) -> None:
    ss["hints_colour"] = colour  # the picker shows the colour now in use
    session().recolour(colour)


def on_mode() -> None:
    session().mode = ss.get("hints_mode") or "add"


def on_pick() -> None:
    session().select(ss.get("hints_pick"))


def on_view() -> None:
    session().set_view(ss.get("hints_explain"))


def give_true(truth, n: int) -> None:
    session().give_true_hints(truth, n)


# -- the screen ---------------------------------------------------------------------------------
def swatch_css(suggestions: list[dict]) -> str:
    """Each suggestion button painted in its colour (Streamlit marks a keyed widget with the
    class st-key-KEY), its text black or white, whichever reads better."""
    rules = []
    for i, s in enumerate(suggestions):
        r, g, b = hv.hex_to_rgb(s["hex"])
        ink = "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"
        # hover and focus too: Streamlit's own hover colours would hide the swatch
        rules.append(f".st-key-hints_use_{i} button,.st-key-hints_use_{i} button:hover,"
                     f".st-key-hints_use_{i} button:focus{{background:{s['hex']};color:{ink};"
                     f"border:2px solid #444}}")
    return "<style>" + "".join(rules) + "</style>"


def suggestion_labels(suggestions: list[dict]) -> list[str]:
    """One sentence per suggestion, never twice the same (a rank is added if needed)."""
    out = []
    for s in suggestions:
        hue = tr(f"hints.hue_{s['hue']}")
        label = tr(f"hints.source_{s['source']}", hue=hue,
                   share=num(100 * (s["share"] or 0), ".0f"))
        while label in out:
            label = f"{label} ({len(out) + 1})"
        out.append(label)
    return out


def controls(view, model: Colorizer) -> None:
    """Suggestions at the selected hint, delete / undo / clear, the list of hints."""
    s = session()
    if s.selected is not None:
        with guarded("hints.suggestions"):
            st.markdown(tr("hints.suggested", n=s.selected + 1))
            sugg = hv.suggestions_at(model, view, s.selected, suggestion_table())
            st.html(swatch_css(sugg))
            cols = st.columns(2)
            for i, (g, label) in enumerate(zip(sugg, suggestion_labels(sugg), strict=True)):
                cols[i % 2].button(label, key=f"hints_use_{i}", on_click=use_colour,
                                   args=(g["hex"],), width="stretch",
                                   help=tr("hints.use_help", colour=g["hex"]))
            st.caption(tr("hints.suggest_how"))
            share = hv.hint_reach(view, s.selected)
            if share < 0.5:  # a hint duller than what is shown: say why it hardly spreads
                st.caption(tr("hints.grey_reach", n=s.selected + 1, share=num(100 * share, ".0f")))
    else:
        st.info(tr("hints.how_to"))
    # a row that wraps, each button as wide as its words: three equal columns cut
    # "Tout effacer" on a laptop
    row = st.container(horizontal=True, gap="small")
    row.button(tr("hints.delete"), on_click=s.delete_selected, disabled=s.selected is None)
    row.button(tr("hints.undo"), on_click=s.undo, disabled=not s.can_undo)
    row.button(tr("hints.clear"), on_click=s.clear, disabled=not s.hints)
    if s.hints:
        # Labels are the hints' numbers only: a label that changed with the colour would come
        # back from the browser as a stale string instead of the hint's index.
        if ss.get("hints_pick") != s.selected:
            ss["hints_pick"] = s.selected
        st.radio(tr("hints.list"), list(range(len(s.hints))), key="hints_pick",
                 horizontal=True, format_func=lambda i: str(i + 1), on_change=on_pick)


def influence_view(view, model: Colorizer) -> None:
    s = session()
    if s.selected is None:
        st.info(tr("hints.influence_none"))
        return
    hints = view.settings.hints
    delta = hv.influence_map(model, view, s.selected)
    c1, c2 = st.columns(2)
    c1.image(to_jpeg_bytes(hv.draw_hints(view.result.rgb, hints, s.selected)),
             caption=tr("hints.result"), width="stretch")
    c2.image(to_jpeg_bytes(hv.draw_hints(hv.influence_image(delta),
                                         hints[s.selected:s.selected + 1])),
             caption=tr("hints.influence_caption", n=s.selected + 1), width="stretch")
    st.caption(tr("hints.influence_reach", share=num(100 * hv.reach(delta), ".0f")))
    st.caption(tr("hints.influence_help"))


def fills_view(view, model: Colorizer) -> None:
    edges = model.hint_fill == "edges"  # then show the fill the network receives too
    shown = [(hv.nearest_fill_rgb(view), tr("hints.nearest_caption"))]
    if edges:
        shown.append((hv.edge_fill_rgb(view), tr("hints.edges_caption")))
    shown.append((view.result.rgb, tr("hints.network_caption")))
    for col, (rgb, caption) in zip(st.columns(len(shown)), shown, strict=True):
        col.image(to_jpeg_bytes(hv.draw_hints(rgb, view.settings.hints)), caption=caption,
                  width="stretch")
    st.caption(tr("hints.edges_help" if edges else "hints.nearest_help"))


def several_view(view, model: Colorizer) -> None:
    if not view.settings.hints:
        st.info(tr("hints.several_none"))
        return
    results = hv.colourings(model, view, suggestion_table())
    for k, (col, rgb) in enumerate(zip(st.columns(len(results)), results, strict=True)):
        col.image(to_jpeg_bytes(hv.draw_hints(rgb, view.settings.hints)),
                  caption=tr("hints.several_caption", k=k + 1), width="stretch")
    st.caption(tr("hints.several_help"))


def truth_view(view, model: Colorizer, image) -> None:
    """A colour photo: true hints from its own colours, and the metrics against it."""
    if not view.photo.has_truth:
        st.info(tr("hints.truth_none"))
        return
    for col, n in zip(st.columns(4), (1, 3, 10, 30), strict=True):
        col.button(tr("hints.give_true_one" if n == 1 else "hints.give_true", n=n),
                   key=f"hints_true_{n}", on_click=give_true, args=(view.photo.shown, n),
                   width="stretch")
    auto_model = shipped_colorizer()
    auto = compare_view(image, auto_model, Settings("shipped", auto_model.working_size),
                        previous=ss.get(state.HINTS_AUTO_VIEW), digest=view.photo.digest,
                        photo=view.photo)
    ss[state.HINTS_AUTO_VIEW] = auto  # the next hint reuses it: same photo, same settings
    m, a, g = view.metrics, auto.metrics, view.photo.grey_metrics
    n = len(view.settings.hints)
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("hints.psnr_hints_one" if n == 1 else "hints.psnr_hints", n=n),
              f"{num(m['psnr'])} dB", f"{num(m['psnr'] - a['psnr'], '+.2f')} dB",
              help=tr("hints.psnr_help"))
    c2.metric(tr("hints.psnr_auto"), f"{num(a['psnr'])} dB")
    c3.metric(tr("hints.psnr_grey"), f"{num(g['psnr'])} dB")
    if n and m["psnr"] < a["psnr"]:
        st.warning(tr("hints.below_auto", n=n))
    if st.toggle(tr("hints.table_toggle"), key="hints_table"):
        rows = hv.hints_against_truth(model, view)
        st.dataframe([{tr("hints.col_n"): r["hints"],
                       # text, not floats: the grid would write them with a point
                       tr("hints.col_model"): num(r["model_psnr"]),
                       tr("hints.col_nearest"): num(r["nearest_psnr"]),
                       tr("hints.col_auto"): num(a["psnr"])} for r in rows],
                     hide_index=True, width="stretch")


@st.fragment
@guarded_section("hints.workspace")
def hint_section(image, digest: str, model: Colorizer) -> None:
    """The interactive part: only it reruns when a hint is placed or a colour chosen."""
    s = session()
    if s.for_photo(digest, image.shape[:2]):
        ss.pop(state.HINTS_VIEW, None)
        ss.pop(state.HINTS_AUTO_VIEW, None)
    # The colour first: on a phone the columns stack, and the colour is chosen before a tap.
    top1, top2, top3 = st.columns([2, 3, 3], vertical_alignment="bottom")
    ss.setdefault("hints_colour", s.colour)
    top1.color_picker(tr("hints.colour"), key="hints_colour", on_change=on_colour,
                      help=tr("hints.colour_help"))
    top2.segmented_control(tr("hints.click_mode"), MODES, key="hints_mode",
                           format_func=labels("hints.mode_"), default=s.mode,
                           on_change=on_mode)
    saturation = top3.slider(tr("hints.saturation"), 0.0, 2.0, 1.0, 0.1, key="hints_sat",
                             help=tr("hints.saturation_help"))
    view = hv.hint_view(model, image, digest, s, saturation, previous=ss.get(state.HINTS_VIEW))
    ss[state.HINTS_VIEW] = view
    col_img, col_ctl = st.columns([3, 2], gap="medium")
    with col_ctl:
        controls(view, model)
    with col_img:
        # The tap's own width and height travel with it (HintSession.tap): whatever size
        # this picture is drawn at, the hint lands on the photo's pixel under the finger.
        picture = resize_max_side(hv.draw_hints(view.result.rgb, view.settings.hints,
                                                s.selected), CLICK_SIDE)
        streamlit_image_coordinates(picture, key="hints_click", use_column_width="always",
                                    image_format="JPEG", jpeg_quality=85, on_click=on_tap,
                                    cursor="crosshair")
        if s.take_message() == "too_many":
            st.warning(tr("hints.too_many", n=MAX_HINTS))
        n = len(view.settings.hints)
        st.caption(tr("hints.status_one" if n == 1 else "hints.status", n=n,
                      ms=num(1000 * view.result.total_seconds, ".0f")))
        st.download_button(tr("hints.download"), key="hints_download",
                           data=lambda: hv.download_png(model, view),
                           file_name="colorisation-hints.png", mime="image/png",
                           icon=":material/download:")
    ss.setdefault("hints_explain", s.view)
    kind = st.segmented_control(tr("hints.explain"), VIEWS, key="hints_explain",
                                format_func=labels("hints.view_"), on_change=on_view)
    with guarded(f"hints.view_{kind}"):
        if kind == "influence":
            influence_view(view, model)
        elif kind == "fills":
            fills_view(view, model)
        elif kind == "several":
            several_view(view, model)
        elif kind == "truth":
            truth_view(view, model, image)


@guarded_section("hints.evaluation")
def evaluation_section() -> None:
    """PSNR, reach and leak against the number of hints (the committed evaluation)."""
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
    # Legend under the axis title, inside the figure's width on a phone (x anchored left).
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      xaxis_title=tr("hints.axis_hints"), yaxis_title="PSNR (dB)",
                      legend={"orientation": "h", "y": -0.3, "x": 0, "xanchor": "left",
                              "yanchor": "top"})
    fig.update_xaxes(type="category")  # 0, 1, 3, 10, 30 evenly spaced
    show(fig, width="stretch", config={"displayModeBar": False})
    st.caption(tr("hints.eval_caption", photos=ev["photos"]))
    rows = []
    for n in counts:
        model = ev["table"][str(n)].get("model", {})
        if n == 0 or "reach" not in model:
            continue
        reach, leak = model["reach"], model["leak"]
        rows.append({tr("hints.col_n"): n,
                     tr("hints.col_reach"): interval(*(100 * v for v in reach), spec=".0f"),
                     tr("hints.col_leak"): interval(*leak)})
    if rows:
        st.markdown(tr("hints.reach_title"))
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(tr("hints.reach_caption"))


st.title(tr("hints.title"))
st.markdown(tr("hints.intro"))
hint_model = hint_colorizer()
if hint_model is None:
    st.error(tr("hints.no_model"))
    st.stop()
photo_picker("hints_picker")
photo = photo_full()
hint_section(photo, photo_digest(photo), hint_model)
evaluation_section()
