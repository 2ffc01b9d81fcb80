"""Screen: autoencoder (placeholder until its issue lands)."""

import streamlit as st

from pages.ui import tr

st.title(tr("nav.autoencoder"))
st.info("🚧")
