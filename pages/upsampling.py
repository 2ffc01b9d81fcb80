"""Screen: upsampling (placeholder until its issue lands)."""

import streamlit as st

from pages.ui import tr

st.title(tr("nav.upsampling"))
st.info("🚧")
