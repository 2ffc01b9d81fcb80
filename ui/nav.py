"""The app's screens, in menu order: the navigation (streamlit_app.py) and the home page's
suggested tour both read them here."""

from __future__ import annotations

#: Navigation: section -> (name, script, icon). The name is the URL path and the key of its
#: title in core/locales/*/nav.json ("nav.<name>"). A new screen is one line here.
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
        ("experiments", "pages/experiments.py", ":material/science:"),
    ],
    "practice": [
        ("colorize", "pages/colorize.py", ":material/brush:"),
        ("hints", "pages/hints.py", ":material/colorize:"),
        ("live", "pages/live.py", ":material/videocam:"),
        ("train", "pages/train.py", ":material/model_training:"),
        ("classe", "pages/classe.py", ":material/groups:"),
    ],
}

#: Every screen's name, in menu order ("home" first).
NAMES = tuple(name for section in PAGES.values() for name, _, _ in section)
