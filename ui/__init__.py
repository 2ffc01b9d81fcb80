"""Shared Streamlit UI of the app (not a page): language, sticky URL parameters, the
student's photo, uploads, the shipped model, classroom mode.

Thin helpers only: all logic lives in ``core/``. Everything per student lives in
``st.session_state`` (keys in :mod:`ui.state`), never in a module global or a cache shared
between sessions.
"""

from __future__ import annotations


def _leave_pages_directory_mode() -> None:
    """Make every visit go through streamlit_app.py, even the first one of a fresh server.

    Streamlit quirk: with a folder named ``pages/`` beside the entry point, a fresh server
    starts in the old "pages folder" mode until some run calls ``st.navigation``. If its
    first visitor opens a deep link (a teacher's ``/sigmoid?x=3``), pages/sigmoid.py runs
    alone: no navigation titles, no language switch. Every screen imports this package:
    switch that mode off here (a class attribute; concurrent first visits share it), and
    :func:`ui.lang.lang` reruns, through the entry point, a screen that ran alone.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without it has no such mode either
        return
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False


_leave_pages_directory_mode()
