"""Colorisation: an interactive course on image colorization (entry point)."""

import streamlit as st

from pages.ui import language_switch, tr

st.set_page_config(page_title="Colorisation", page_icon="🎨", layout="wide")

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
nav = st.navigation(
    {
        tr(f"nav.section_{section}"): [
            st.Page(path, title=tr(f"nav.{name}"), icon=icon, url_path=name,
                    default=name == "home")
            for name, path, icon in pages
        ]
        for section, pages in PAGES.items()
    }
)
nav.run()
