"""Screen: train (placeholder until its issue lands)."""

import streamlit as st

from pages.ui import tr

st.title(tr("nav.train"))
st.info("🚧")
