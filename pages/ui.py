"""Shared Streamlit widgets: language, the student's photo, the shipped model.

Thin UI helpers only: all logic lives in ``core/``. Everything per student lives in
``st.session_state`` (one per browser session), never in a module global or a cache
shared between sessions.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import streamlit as st

from core.colorizer import DEFAULT_WEIGHTS, Colorizer, configure_threads
from core.i18n import DEFAULT_LANG, LANGS, normalize_lang, t
from core.images import ImageError, load_image, resize_max_side
from core.samples import COLOUR_SAMPLES, DEFAULT_SAMPLE, GREY_SAMPLES, load_sample

#: Longest side at which the teaching screens work (fast controls on 2 cores).
DISPLAY_SIDE = 512


def _leave_pages_directory_mode() -> None:
    """Make every visit go through streamlit_app.py, even the first ones of a fresh server.

    Streamlit quirk: with a ``pages/`` folder beside the entry point, a fresh server starts in
    the old "pages folder" mode until a run calls ``st.navigation``. If its first visitor
    opens a deep link (a teacher's ``/sigmoid?x=3``), pages/sigmoid.py runs alone: no
    navigation titles, no language switch, for every student, until someone opens ``/``.
    This module is imported by every screen: switch that mode off at import (no exception
    here: concurrent first visits share this module), and :func:`lang` reruns a screen that
    is running alone this time.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without it has no such mode either
        return
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False


_leave_pages_directory_mode()


def _rerun_if_running_alone() -> None:
    """In the old mode's run, Streamlit lists every pages/*.py file, ui.py included (our
    navigation never does): rerun once, through the entry point, same page and URL.
    Checked once per session (the mode never comes back once switched off)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or st.session_state.get("_entry_checked"):
            return
        st.session_state["_entry_checked"] = True
        pages = ctx.pages_manager.get_pages().values()
    except Exception:  # internals moved: nothing to repair
        return
    if any(Path(str(p.get("script_path", ""))).name == "ui.py" for p in pages):
        st.rerun()


def lang() -> str:
    """The session's language: ``?lang=`` in the URL, else the sidebar switch, else French."""
    _rerun_if_running_alone()
    if "lang" not in st.session_state:
        st.session_state["lang"] = normalize_lang(st.query_params.get("lang", DEFAULT_LANG))
    return st.session_state["lang"]


def tr(key: str, **kwargs) -> str:
    """Translate ``key`` in the session's language."""
    return t(key, lang(), **kwargs)


def language_switch() -> None:
    """FR / EN switch in the sidebar; the choice is mirrored in the URL (shareable link)."""
    current = lang()

    def _changed() -> None:
        st.session_state["lang"] = st.session_state["_lang_radio"]
        st.query_params["lang"] = st.session_state["lang"]

    st.sidebar.radio(
        "Langue / Language", LANGS, index=LANGS.index(current), horizontal=True,
        format_func=lambda c: {"fr": "Français", "en": "English"}[c], key="_lang_radio",
        on_change=_changed,
    )


def show_image_error(err: ImageError) -> None:
    """The translated message of a bad file, never a traceback."""
    st.error(tr(f"errors.{err.key}"))


def photo() -> tuple[str, np.ndarray]:
    """The student's current photo (name, RGB uint8 at display size); a sample by default.

    Shared by every screen of this session only (st.session_state).
    """
    if "photo" not in st.session_state:
        st.session_state["photo"] = (DEFAULT_SAMPLE, load_sample(DEFAULT_SAMPLE))
    return st.session_state["photo"]


def photo_full() -> np.ndarray:
    """The student's current photo at full resolution (for colorizing)."""
    return st.session_state.get("photo_full", photo()[1])


def set_photo(name: str, rgb: np.ndarray) -> None:
    st.session_state["photo_full"] = rgb
    st.session_state["photo"] = (name, resize_max_side(rgb, DISPLAY_SIDE))


def photo_picker(key: str = "picker", expanded: bool = False) -> tuple[str, np.ndarray]:
    """Choose the photo: a sample, an upload or a webcam shot. Returns :func:`photo`."""
    with st.expander(tr("common.photo_picker"), expanded=expanded, icon=":material/photo_camera:"):
        samples = list(COLOUR_SAMPLES) + list(GREY_SAMPLES)
        name = photo()[0]
        # format_func may be called outside the script run (AppTest): bind the language now.
        labels = {s: tr(f"common.sample_{s}") for s in samples}
        col1, col2 = st.columns(2)
        choice = col1.selectbox(
            tr("common.sample"), samples,
            index=samples.index(name) if name in samples else None,
            placeholder=tr("common.own_photo"), key=f"{key}_sample",
            format_func=labels.__getitem__,
        )
        if choice and choice != name and st.session_state.get(f"{key}_last") != choice:
            set_photo(choice, load_sample(choice))
        st.session_state[f"{key}_last"] = choice
        up = col2.file_uploader(tr("common.upload"), key=f"{key}_upload",
                                type=None, accept_multiple_files=False)
        if up is not None and st.session_state.get(f"{key}_upload_id") != up.file_id:
            st.session_state[f"{key}_upload_id"] = up.file_id
            try:
                set_photo(up.name, load_image(up.getvalue()))
            except ImageError as e:
                show_image_error(e)
        if st.toggle(tr("common.webcam"), key=f"{key}_cam_on"):
            shot = st.camera_input(tr("common.webcam_take"), key=f"{key}_cam")
            if shot is not None and st.session_state.get(f"{key}_cam_id") != shot.file_id:
                st.session_state[f"{key}_cam_id"] = shot.file_id
                try:
                    set_photo(tr("common.webcam_photo"), load_image(shot.getvalue()))
                except ImageError as e:
                    show_image_error(e)
    return photo()


@st.cache_resource(show_spinner=False)
def server_setup() -> int:
    """Once per server: torch CPU threads for a shared classroom server (see configure_threads),
    and the warm-up of what the first training would otherwise import mid-lesson."""
    _warm_up()
    return configure_threads()


@st.cache_resource(show_spinner=False)
def _warm_up() -> threading.Thread:
    """Import torch's optimizer machinery in the background, once per server.

    The first ``torch.optim.AdamW`` imports ``torch._dynamo`` (measured: about 3 s holding
    the GIL in the load test, freezing every session of the class when the first student
    starts a training). Done in a thread at the first visit (the teacher's), nobody waits.
    """
    def work() -> None:
        import torch

        torch.optim.AdamW([torch.zeros(1, requires_grad=True)])

    thread = threading.Thread(target=work, name="colorisation-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def shipped_colorizer() -> Colorizer | None:
    """The shipped model, loaded once per server (read-only, shared by every session)."""
    if not DEFAULT_WEIGHTS.with_suffix(".safetensors").is_file():
        return None
    return Colorizer.from_weights(DEFAULT_WEIGHTS)


def colorizer() -> Colorizer:
    """The shipped colorizer, or (before weights exist) a freshly initialised U-Net."""
    c = shipped_colorizer()
    if c is None:
        st.warning(tr("common.no_weights"))
        c = _untrained_colorizer()
    return c


@st.cache_resource(show_spinner=False)
def _untrained_colorizer() -> Colorizer:
    import torch

    from core.unet import UNet

    torch.manual_seed(0)
    return Colorizer(UNet())


# ---- Classroom mode: URL presets and projector layout ----------------------------------
# ?page=sigmoid&x=3&lang=en opens a screen in a given state (the teacher's links);
# ?projector=1 (or the sidebar toggle) enlarges everything for a projected screen.

#: URL parameters the app itself uses; every other one is a preset for the page.
RESERVED_PARAMS = ("page", "lang", "projector")
_TRUE = ("1", "true", "yes", "on", "oui")


def projector_mode() -> bool:
    """Projector layout on? ``?projector=1`` in the URL, else the sidebar toggle."""
    if "projector" not in st.session_state:
        st.session_state["projector"] = (
            str(st.query_params.get("projector", "0")).strip().lower() in _TRUE)
    return st.session_state["projector"]


def projector_switch() -> None:
    """Sidebar toggle for the projector layout; mirrored in the URL (shareable link)."""
    current = projector_mode()

    def _changed() -> None:
        st.session_state["projector"] = st.session_state["_projector_toggle"]
        if st.session_state["projector"]:
            st.query_params["projector"] = "1"
        else:
            st.query_params.pop("projector", None)

    st.sidebar.toggle(tr("classroom.projector"), value=current, key="_projector_toggle",
                      help=tr("classroom.projector_help"), on_change=_changed)


#: Larger type, wider content, Streamlit's own chrome hidden: readable from the back row.
PROJECTOR_CSS = """<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"], .block-container {
  max-width: 100%; padding-top: 2.2rem; padding-left: 2rem; padding-right: 2rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 1.2rem; line-height: 1.5; }
[data-testid="stCaptionContainer"], [data-testid="stImageCaption"] { font-size: 1rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.1rem; font-weight: 600; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.4rem; }
[data-testid="stMainMenu"], [data-testid="stToolbarActions"], [data-testid="stAppDeployButton"],
[data-testid="stDecoration"], footer { display: none; }
</style>"""


def apply_projector_layout() -> None:
    """Inject the projector stylesheet when the mode is on (no space taken on the page)."""
    if projector_mode():
        st.html(PROJECTOR_CSS)


def open_preset_page(pages: dict[str, st.Page], current: st.Page | None = None) -> None:
    """``?page=NAME``: switch to that screen once per session, keeping the other parameters.

    Call after ``st.navigation`` and before ``nav.run()``. An unknown name shows a toast
    and stays on the current screen. The url paths also work directly (``/sigmoid?x=3``).
    """
    if st.session_state.get("_preset_page_done"):
        return
    st.session_state["_preset_page_done"] = True
    name = str(st.query_params.get("page", "")).strip().lower()
    if not name:
        return
    page = pages.get(name)
    if page is None:
        st.toast(tr("classroom.unknown_page", page=name[:40]), icon="⚠️")
        return
    if current is not None and current.url_path == page.url_path:
        return
    keep = {k: st.query_params.get_all(k) for k in st.query_params if k != "page"}
    if "lang" not in keep:
        keep["lang"] = [lang()]
    st.switch_page(page, query_params=keep)


def url_preset(name: str, default, *, lo=None, hi=None, choices=None):
    """A page's starting value from the URL (``?name=value``), else ``default``.

    The value is cast to ``type(default)`` (bool accepts 1/true/yes/on/oui), clipped to
    ``[lo, hi]`` and checked against ``choices``; anything unreadable gives ``default``,
    so a mistyped link never breaks a screen. Example: ``st.slider("x", -8.0, 8.0,
    url_preset("x", 0.0, lo=-8.0, hi=8.0))`` makes ``/sigmoid?x=3`` open at x = 3.
    """
    raw = st.query_params.get(name)
    if raw is None or name in RESERVED_PARAMS:
        return default
    raw = str(raw).strip()
    try:
        if isinstance(default, bool):
            value = raw.lower() in _TRUE
        elif isinstance(default, int):
            value = int(float(raw))
        elif isinstance(default, float):
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                return default
        else:
            value = type(default)(raw) if default is not None else raw
    except (TypeError, ValueError):
        return default
    if lo is not None and value < lo:
        value = lo
    if hi is not None and value > hi:
        value = hi
    if choices is not None and value not in choices:
        return default
    return value
