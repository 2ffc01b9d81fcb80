"""Shared Streamlit widgets: language, the student's photo, the shipped model.

Thin UI helpers only: all logic lives in ``core/``. Everything per student lives in
``st.session_state`` (one per browser session), never in a module global or a cache
shared between sessions.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.colorizer import DEFAULT_WEIGHTS, Colorizer
from core.i18n import DEFAULT_LANG, LANGS, normalize_lang, t
from core.images import ImageError, load_image, resize_max_side
from core.samples import COLOUR_SAMPLES, DEFAULT_SAMPLE, GREY_SAMPLES, load_sample

#: Longest side at which the teaching screens work (fast controls on 2 cores).
DISPLAY_SIDE = 512


def lang() -> str:
    """The session's language: ``?lang=`` in the URL, else the sidebar switch, else French."""
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
    with st.expander(tr("common.photo_picker"), expanded=expanded):
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
