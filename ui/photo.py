"""The student's photo, shared by every screen of the session, and the photo picker."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.images import resize_max_side
from core.samples import COLOUR_SAMPLES, DEFAULT_SAMPLE, GREY_SAMPLES, load_sample
from ui import state
from ui.lang import tr
from ui.upload import Upload, camera_photo, uploaded_photos

#: Longest side at which the teaching screens work (fast controls on 2 cores).
DISPLAY_SIDE = 512


def photo() -> tuple[str, np.ndarray]:
    """The student's current photo (name, RGB uint8 at display size); a sample by default.

    Shared by every screen of this session only (st.session_state).
    """
    if state.PHOTO not in st.session_state:
        st.session_state[state.PHOTO] = (DEFAULT_SAMPLE, load_sample(DEFAULT_SAMPLE))
    return st.session_state[state.PHOTO]


def photo_full() -> np.ndarray:
    """The student's current photo at full resolution (for colorizing)."""
    return st.session_state.get(state.PHOTO_FULL, photo()[1])


def set_photo(name: str, rgb: np.ndarray) -> None:
    """Make ``rgb`` the student's photo on every screen."""
    st.session_state[state.PHOTO_FULL] = rgb
    st.session_state[state.PHOTO] = (name, resize_max_side(rgb, DISPLAY_SIDE))


def share_photo(up: Upload, key: str) -> None:
    """Make an upload the student's photo once (not again on every rerun of ``key``)."""
    if st.session_state.get(f"{key}_shared") != up.file_id:
        st.session_state[f"{key}_shared"] = up.file_id
        set_photo(up.name, up.rgb)


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
        with col2:
            ups = uploaded_photos(tr("common.upload"), f"{key}_upload", multiple=False)
        if ups:
            share_photo(ups[0], f"{key}_upload")
        if st.toggle(tr("common.webcam"), key=f"{key}_cam_on"):
            shot = camera_photo(f"{key}_cam")
            if shot is not None:
                share_photo(shot, f"{key}_cam")
    return photo()
