#!/usr/bin/env bash
# Install the app in the project's virtual environment .venv (created when missing), then serve
# it on http://localhost:8501 (arguments go to `streamlit run`).
#
# torch, when not installed yet: with an NVIDIA GPU the CUDA build from pip's default index;
# without one the CPU build (about 190 MB), from a wheel pip already finds on this machine or
# from PyTorch's CPU index. When that index cannot be reached, the script says so before
# downloading gigabytes and offers the choice (see scripts/venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh

need "python3 python3-venv" "the project's virtual environment (python3 >= 3.10 with venv)" \
  python3 -c "import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))"
install_system_packages

use_venv
install_torch
python -m pip install -q -r requirements.txt
# Beside the server: ask for its readiness check, which makes it open every screen once
# (ui/warm.py), so the first student's first screen costs what the thirtieth's does.
port=8501
for ((i = 1; i <= $#; i++)); do
  case "${!i}" in
    --server.port=*) port="${!i#*=}" ;;
    --server.port) j=$((i + 1)); port="${!j}" ;;
  esac
done
python -m ui.warm --url "http://127.0.0.1:${port}" &
exec python -m streamlit run streamlit_app.py "$@"
