"""Live video: the student's camera in NTSC grey and colorized by the U-Net, as it moves.

The frames are colorized in the student's browser (ui/live_view, the model exported from
core/live_video): they never reach the server, which spends nothing per stream. "Freeze"
sends one frame, which becomes the student's photo on the colorize and hints screens.
"""

from __future__ import annotations

import streamlit as st

from core.hints import Hint
from ui.errors import guarded
from ui.lang import tr
from ui.live import frozen_frame, live_view, model_info
from ui.photo import set_photo

TEXT_KEYS = ("start", "stop", "flip", "freeze", "stats", "loading", "idle", "denied",
             "no_camera", "no_camera_api", "failed", "grey_caption", "colour_caption")
ss = st.session_state

st.title(tr("live.title"))
st.markdown(tr("live.intro"))
info = model_info()
if info is None:
    st.error(tr("live.no_model"))
    st.stop()

with guarded("live.view"):
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    saturation = c1.slider(tr("live.saturation"), 0.0, 2.0, 1.0, 0.1, key="live_sat",
                           help=tr("live.saturation_help"))
    model_l = c2.toggle(tr("live.model_l"), key="live_model_l", help=tr("live.model_l_help"))
    use_hint = c1.toggle(tr("live.hint"), key="live_hint", help=tr("live.hint_help"))
    colour = c2.color_picker(tr("live.hint_colour"), "#d62828", key="live_hint_colour",
                             disabled=not use_hint)
    a, b = Hint.from_hex(0, 0, colour).unit_ab()
    value = live_view({k: tr(f"live.{k}") for k in TEXT_KEYS}, (a, b, 1.0 if use_hint else 0.0),
                      saturation, model_l, info, key="live_view")
    stamp = value.get("at") if isinstance(value, dict) else None
    if stamp and stamp != ss.get("live_frozen_at"):
        ss["live_frozen_at"] = stamp
        rgb, error = frozen_frame(value)
        if error is not None:
            ss["live_frozen"] = ("error", error.key)
        elif rgb is not None:
            set_photo(tr("live.frame_name"), rgb)
            ss["cz_source"] = "mine"  # the colorize screen opens on it
            ss["live_frozen"] = ("ok", f"{rgb.shape[1]} × {rgb.shape[0]}")
    frozen = ss.get("live_frozen")
    if frozen and frozen[0] == "ok":
        st.success(tr("live.frozen", size=frozen[1]), icon=":material/photo_camera:")
        l1, l2 = st.columns(2)
        l1.page_link("pages/colorize.py", label=tr("live.to_colorize"), icon=":material/brush:")
        l2.page_link("pages/hints.py", label=tr("live.to_hints"), icon=":material/colorize:")
    elif frozen:
        st.error(tr(f"errors.{frozen[1]}"))

st.caption(tr("live.how", size=info["working_size"]))
