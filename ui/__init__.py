"""Shared Streamlit UI of the app (not a page): language, sticky URL parameters, the
student's photo, uploads, the shipped model, classroom mode.

Thin helpers only: all logic lives in ``core/``. Everything per student lives in
``st.session_state`` (keys in :mod:`ui.state`), never in a module global or a cache shared
between sessions.
"""
