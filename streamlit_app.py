"""Colorisation: an interactive course on image colorization (entry point)."""

import streamlit as st

from pages.ui import (
    apply_projector_layout,
    language_switch,
    open_preset_page,
    projector_mode,
    projector_switch,
    tr,
)

# Projector mode (?projector=1) starts with the sidebar folded away.
st.set_page_config(page_title="Colorisation", page_icon="🎨", layout="wide",
                   initial_sidebar_state="collapsed" if projector_mode() else "auto")

PAGES = {
    "course": [
        ("home", "pages/home.py", "🏠"),
        ("ntsc", "pages/ntsc.py", "⚫"),
        ("lab", "pages/lab.py", "🌈"),
        ("pipeline", "pages/pipeline.py", "➡️"),
        ("sigmoid", "pages/sigmoid.py", "〰️"),
        ("unet", "pages/unet.py", "🕸️"),
        ("autoencoder", "pages/autoencoder.py", "🧬"),
        ("upsampling", "pages/upsampling.py", "🔍"),
    ],
    "practice": [
        ("colorize", "pages/colorize.py", "🎨"),
        ("train", "pages/train.py", "🏋️"),
    ],
}

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
