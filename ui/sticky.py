"""Sticky URL parameters: settings that stay in the URL across navigation and reloads.

Streamlit drops the query string when the student clicks another screen. A parameter listed
in :data:`STICKY_PARAMS` is put back on every run by :func:`keep_sticky_params` (called by
streamlit_app.py), so the URL always carries it: a reload or a copy-pasted link keeps the
language (``?lang=en``), a live-training run (``?run=<token>``) or the projector layout
(``?projector=1``).

Rules: a sticky parameter present in the URL is the truth (a shared link wins); one missing
from the URL is restored from the session. To change or remove one, call
:func:`set_sticky` (``del st.query_params[...]`` alone would be undone on the next run).
Adding one is one line in :data:`STICKY_PARAMS`: the URL name and the ``st.session_state``
key that holds its value (a string).
"""

from __future__ import annotations

import streamlit as st

from ui import state

#: URL parameter -> session-state key holding its value (a string, or None when unset).
STICKY_PARAMS: dict[str, str] = {
    "lang": state.LANG,
    "run": state.RUN_TOKEN,
    "projector": state.PROJECTOR_PARAM,
    "room": state.ROOM_TOKEN,
}


def _from_url(name: str) -> str | None:
    value = st.query_params.get(name)
    return None if value is None else str(value)


def sticky(name: str) -> str | None:
    """The value of sticky parameter ``name`` for this session (read from the URL the first
    time it is asked for), or None when unset."""
    key = STICKY_PARAMS[name]
    if key not in st.session_state:
        st.session_state[key] = _from_url(name)
    return st.session_state[key]


def set_sticky(name: str, value: str | None) -> None:
    """Set (or, with None, remove) sticky parameter ``name``, in the session and the URL."""
    st.session_state[STICKY_PARAMS[name]] = value
    if value is None:
        st.query_params.pop(name, None)
    elif _from_url(name) != value:
        st.query_params[name] = value


def keep_sticky_params() -> None:
    """Once per run, before the screen runs: adopt sticky values the URL brings, put back
    those navigation dropped. Writes the URL only when it differs (each write is a message
    to the browser)."""
    for name, key in STICKY_PARAMS.items():
        url = _from_url(name)
        if url is not None:
            st.session_state[key] = url
        elif st.session_state.get(key) is not None:
            st.query_params[name] = st.session_state[key]
