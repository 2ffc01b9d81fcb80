"""Classroom mode: URL presets and the projector layout.

``?page=sigmoid&x=3&lang=en`` opens a screen in a given state (the teacher's links);
``?projector=1`` (or the sidebar toggle) enlarges everything for a projected screen.
"""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.lang import lang, tr
from ui.sticky import STICKY_PARAMS, set_sticky, sticky
from ui.style import app_css

#: URL parameters the app itself uses; every other one is a preset for the page.
RESERVED_PARAMS = ("page", *STICKY_PARAMS)
_TRUE = ("1", "true", "yes", "on", "oui")


def projector_mode() -> bool:
    """Projector layout on? ``?projector=1`` (a sticky URL parameter: set by a link or the
    sidebar toggle, kept across screens and reloads)."""
    on = str(sticky("projector") or "").strip().lower() in _TRUE
    st.session_state[state.PROJECTOR] = on
    return on


def projector_switch() -> None:
    """Sidebar toggle for the projector layout; the choice goes into the URL."""
    current = projector_mode()

    def _changed() -> None:
        set_sticky("projector", "1" if st.session_state[state.PROJECTOR_TOGGLE] else None)
        projector_mode()

    st.sidebar.toggle(tr("classroom.projector"), value=current, key=state.PROJECTOR_TOGGLE,
                      help=tr("classroom.projector_help"), on_change=_changed)


def apply_projector_layout() -> None:
    """Inject the app's stylesheet (ui/style.py): Streamlit's English uploader words in the
    page's language, and the projector layout when the mode is on (wide screens only)."""
    st.html(app_css(tr("common.uploader_button"),
                    tr("common.uploader_limit", mb=st.get_option("server.maxUploadSize")),
                    projector_mode()))


def open_preset_page(pages: dict[str, st.Page], current: st.Page | None = None) -> None:
    """``?page=NAME``: switch to that screen once per session, keeping the other parameters.

    Call after ``st.navigation`` and before ``nav.run()``. An unknown name shows a toast
    and stays on the current screen. The url paths also work directly (``/sigmoid?x=3``).
    """
    if st.session_state.get(state.PRESET_DONE):
        return
    st.session_state[state.PRESET_DONE] = True
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
