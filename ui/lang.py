"""The session's language: ``?lang=`` (a sticky URL parameter), the sidebar switch, ``tr``."""

from __future__ import annotations

import streamlit as st

from core.i18n import LANGS, normalize_lang, t
from ui import state
from ui.sticky import set_sticky, sticky


def _rerun_if_entry_point_skipped() -> None:
    """A run that went around streamlit_app.py (see :mod:`ui`: the first visit of a fresh
    server can run a screen alone) is run again, same screen and URL, through the entry
    point, which marks every run it makes. Once per session at most."""
    if state.ENTRY_RAN not in st.session_state:
        st.session_state[state.ENTRY_RAN] = True
        st.rerun()


def lang() -> str:
    """The session's language: ``?lang=`` in the URL, else the sidebar switch, else French."""
    _rerun_if_entry_point_skipped()
    raw = sticky("lang")
    code = normalize_lang(raw)
    if raw is not None and raw != code:  # "EN-gb" in a link: keep the URL tidy
        set_sticky("lang", code)
    return code


def tr(key: str, **kwargs) -> str:
    """Translate ``key`` in the session's language."""
    return t(key, lang(), **kwargs)


def language_switch() -> None:
    """FR / EN switch in the sidebar; the choice goes into the URL (shareable link)."""
    current = lang()

    def _changed() -> None:
        set_sticky("lang", st.session_state[state.LANG_RADIO])

    st.sidebar.radio(
        "Langue / Language", LANGS, index=LANGS.index(current), horizontal=True,
        format_func=lambda c: {"fr": "Français", "en": "English"}[c], key=state.LANG_RADIO,
        on_change=_changed,
    )
