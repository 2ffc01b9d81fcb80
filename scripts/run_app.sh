#!/usr/bin/env bash
# Install the app and start it on http://localhost:8501
#
# torch: a machine without an NVIDIA GPU gets the CPU build from PyTorch's CPU package index
# (about 200 MB instead of a multi-GB CUDA build); when that index cannot be reached, pip's
# default index is used instead. A torch that is already installed is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
CPU_INDEX="${COLORISATION_TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"

has_nvidia_gpu() {
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q "^GPU"
}

index_reachable() {
  python - "$1" <<'EOF'
import sys, urllib.request
url = sys.argv[1].rstrip("/") + "/torch/"
try:
    urllib.request.urlopen(url, timeout=10).close()
except Exception:
    sys.exit(1)
EOF
}

if ! python -c "import torch" >/dev/null 2>&1; then
  if has_nvidia_gpu; then
    echo "NVIDIA GPU found: installing torch with CUDA from the default index." >&2
  elif index_reachable "$CPU_INDEX"; then
    echo "No NVIDIA GPU: installing the CPU build of torch from $CPU_INDEX" >&2
    python -m pip install -q "torch>=2.3" --index-url "$CPU_INDEX" \
      || echo "warning: the CPU build failed to install; using the default index" >&2
  else
    echo "No NVIDIA GPU, but $CPU_INDEX cannot be reached: torch from the default index" \
         "(may be the large CUDA build)." >&2
  fi
fi
python -m pip install -q -r requirements.txt
exec python -m streamlit run streamlit_app.py "$@"
