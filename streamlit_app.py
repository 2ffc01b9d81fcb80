"""Colorisation: an interactive course on image colorization (entry point)."""

import streamlit as st

from pages.ui import (
    apply_projector_layout,
    language_switch,
    open_preset_page,
    projector_mode,
    projector_switch,
    server_setup,
    tr,
)

# Projector mode (?projector=1) starts with the sidebar folded away.
st.set_page_config(page_title="Colorisation", page_icon="🎨", layout="wide",
                   initial_sidebar_state="collapsed" if projector_mode() else "auto")

PAGES = {
    "course": [
        ("home", "pages/home.py", ":material/home:"),
        ("ntsc", "pages/ntsc.py", ":material/contrast:"),
        ("lab", "pages/lab.py", ":material/palette:"),
        ("pipeline", "pages/pipeline.py", ":material/arrow_forward:"),
        ("sigmoid", "pages/sigmoid.py", ":material/show_chart:"),
        ("unet", "pages/unet.py", ":material/account_tree:"),
        ("autoencoder", "pages/autoencoder.py", ":material/compress:"),
        ("upsampling", "pages/upsampling.py", ":material/zoom_in:"),
    ],
    "practice": [
        ("colorize", "pages/colorize.py", ":material/brush:"),
        ("train", "pages/train.py", ":material/model_training:"),
    ],
}

server_setup()
language_switch()
projector_switch()
apply_projector_layout()
st_pages = {
    section: {name: st.Page(path, title=tr(f"nav.{name}"), icon=icon, url_path=name,
                            default=name == "home")
              for name, path, icon in pages}
    for section, pages in PAGES.items()
}
nav = st.navigation({tr(f"nav.section_{s}"): list(ps.values()) for s, ps in st_pages.items()})
# Classroom links: ?page=sigmoid&x=3&lang=en opens that screen (once per session).
open_preset_page({name: p for ps in st_pages.values() for name, p in ps.items()}, nav)
nav.run()
