"""Colorisation: an interactive course on image colorization (entry point)."""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.classroom import apply_projector_layout, open_preset_page, projector_mode, projector_switch
from ui.errors import guarded
from ui.lang import language_switch, tr
from ui.model import server_setup
from ui.nav import NAMES, PAGES
from ui.room import follow_room
from ui.sticky import keep_sticky_params
from ui.warm import person_run, wait_if_probe

# Every run goes through here (ui.lang reruns a screen that ran around it). First of all:
# ?lang=, ?run=, ?projector= survive clicks on other screens (ui/sticky.py).
keep_sticky_params()

# Projector mode (?projector=1) starts with the sidebar folded away.
st.set_page_config(page_title="Colorisation", page_icon="🎨", layout="wide",
                   initial_sidebar_state="collapsed" if projector_mode() else "auto")

def unknown_path_opens_home(names: set[str]) -> None:
    """``/home`` (the home page lives at ``/``) and a mistyped path (``/sigmoide``) open the
    home page quietly: Streamlit would also open it, but under an English "Page not found"
    dialog. An unknown name is dropped from the run's intent before ``st.navigation``."""
    pm = getattr(get_script_run_ctx(), "pages_manager", None)
    if getattr(pm, "intended_page_script_hash", None):
        return  # a click in the menu names its page by hash: Streamlit resolves it
    if getattr(pm, "intended_page_name", None) and pm.intended_page_name not in names:
        pm.set_script_intent("", "")


server_setup()
wait_if_probe()  # the readiness check answers once every screen is warm (ui/warm.py)
# While someone's screen runs, the server's own warm-up waits (ui/warm.py person_run).
with person_run():
    unknown_path_opens_home(set(NAMES) - {"home"})
    language_switch()
    projector_switch()
    apply_projector_layout()
    st_pages = {
        section: {name: st.Page(path, title=tr(f"nav.{name}"), icon=icon, url_path=name,
                                default=name == "home")
                  for name, path, icon in pages}
        for section, pages in PAGES.items()
    }
    # expanded: every screen listed (by default Streamlit folds a long menu under "View N more")
    nav = st.navigation({tr(f"nav.section_{s}"): list(ps.values()) for s, ps in st_pages.items()},
                        expanded=True)
    # Classroom links: ?page=sigmoid&x=3&lang=en opens that screen (once per session).
    open_preset_page({name: p for ps in st_pages.values() for name, p in ps.items()}, nav)
    # In a class room (?room=): report this screen, follow the teacher's pushes (ui/room.py).
    follow_room(nav, {name: p for ps in st_pages.values() for name, p in ps.items()})
    with guarded("page"):  # an unexpected error: a message and a reference, never a traceback
        nav.run()
