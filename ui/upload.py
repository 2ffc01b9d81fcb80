"""The one upload handler: files and webcam shots become RGB photos, or a translated message.

Used by every screen that takes photos (the photo picker of the teaching screens, colorize,
train). A file is decoded once (kept per uploader in ``st.session_state``, never on disk);
a file removed from the uploader is forgotten; a bad file shows its translated error under
its name on every run while it stays in the uploader, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from core.images import ImageError, load_image
from ui import state
from ui.lang import tr


@dataclass(frozen=True)
class Upload:
    """One decoded photo: Streamlit's file id (stable while the file stays), name, RGB uint8."""

    file_id: str
    name: str
    rgb: np.ndarray


def show_image_error(err: ImageError, name: str | None = None) -> None:
    """The translated message of a bad file (under its name when given), never a traceback."""
    if name:
        st.caption(name)
    st.error(tr(f"errors.{err.key}"))


def _decoded(store: dict, file_id: str, name: str, data) -> Upload | None:
    """The file's Upload, decoded on first sight; None (message shown) for a bad file."""
    if file_id not in store:
        try:
            rgb = load_image(data.getvalue())
            rgb.setflags(write=False)  # a photo never changes: its digest is kept (core.compare)
            store[file_id] = Upload(file_id, name, rgb)
        except ImageError as e:
            store[file_id] = e
    got = store[file_id]
    if isinstance(got, ImageError):
        show_image_error(got, name)
        return None
    return got


def uploaded_photos(label: str, key: str, *, multiple: bool = True, limit: int | None = None,
                    too_many: str | None = None, help: str | None = None) -> list[Upload]:
    """A file uploader whose good files come back decoded, in upload order.

    Parameters
    ----------
    label, key, help
        As for ``st.file_uploader``.
    multiple
        Several files at once, or one.
    limit, too_many
        Keep the first ``limit`` files; ``too_many`` is the warning shown past it.
    """
    files = st.file_uploader(label, key=key, type=None, accept_multiple_files=multiple,
                             help=help)
    files = list(files or []) if multiple else ([files] if files is not None else [])
    store: dict = st.session_state.setdefault(state.UPLOADS_PREFIX + key, {})
    ids = {f.file_id for f in files}
    for gone in [k for k in store if k not in ids]:
        del store[gone]  # removed from the uploader: forget it (memory)
    if limit is not None and len(files) > limit:
        if too_many:
            st.warning(too_many)
        files = files[:limit]
    out = (_decoded(store, f.file_id, f.name, f) for f in files)
    return [u for u in out if u is not None]


def camera_photo(key: str) -> Upload | None:
    """A webcam shot (``st.camera_input``), decoded; None before the shot or if it is bad."""
    shot = st.camera_input(tr("common.webcam_take"), key=key)
    if shot is None:
        return None
    store: dict = st.session_state.setdefault(state.UPLOADS_PREFIX + key, {})
    for gone in [k for k in store if k != shot.file_id]:
        del store[gone]
    return _decoded(store, shot.file_id, tr("common.webcam_photo"), shot)
