#!/usr/bin/env bash
# Install the app and start it on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements.txt
exec python -m streamlit run streamlit_app.py "$@"
