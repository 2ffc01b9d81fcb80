# Sourced by scripts/run_app.sh and scripts/test.sh (not run on its own): the system check, the
# project's virtual environment and torch.
#
#   need PACKAGES WHAT CHECK...   one line per thing the scripts need from the system
#   install_system_packages       installs what `need` found missing (apt-get, as root), or
#                                 stops at once with the exact command to run
#   use_venv                      creates .venv at the repository root when missing (python3 -m
#                                 venv; gitignored), then python and pip are the venv's
#   install_torch                 the right torch build when torch is not installed yet
#
# Environment: COLORISATION_VENV (default .venv), COLORISATION_NO_APT=1 (never run apt-get: stop
# with the command instead), COLORISATION_TORCH=cuda (accept pip's default index's CUDA build when
# PyTorch's CPU index cannot be reached), COLORISATION_TORCH_CPU_INDEX (a mirror of that index).

VENV="${COLORISATION_VENV:-.venv}"
CPU_INDEX="${COLORISATION_TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"
SCRIPT="scripts/$(basename "$0")"
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "[$SCRIPT] $*" >&2; }

# ---- the system ------------------------------------------------------------------------------

MISSING_PACKAGES=()
MISSING_WHAT=()
MISSING_CHECKS=()

#: A command, on PATH or in the sbin folders (a user's PATH often lacks /usr/sbin: nginx).
have() {
  local found
  found="$(command -v "$1" 2>/dev/null)" && [ -x "$found" ] && return 0
  [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}

need() {  # need "DEBIAN PACKAGES" "what needs them" CHECK COMMAND...
  local packages="$1" what="$2"
  shift 2
  if ! "$@" >/dev/null 2>&1; then
    MISSING_PACKAGES+=("$packages")
    MISSING_WHAT+=("  $packages: $what")
    MISSING_CHECKS+=("$(printf '%q ' "$@")")
  fi
}

still_missing() {  # the packages whose check still fails (after apt-get)
  local i
  for i in "${!MISSING_CHECKS[@]}"; do
    eval "${MISSING_CHECKS[$i]}" >/dev/null 2>&1 || echo "${MISSING_PACKAGES[$i]}"
  done
}

install_system_packages() {
  [ ${#MISSING_PACKAGES[@]} -eq 0 ] && return 0
  local packages="${MISSING_PACKAGES[*]}" reason="" log
  local cmd="apt-get update && apt-get install -y $packages"
  say "missing from this system:"
  printf '%s\n' "${MISSING_WHAT[@]}" >&2
  if [ -n "${COLORISATION_NO_APT:-}" ]; then
    reason="COLORISATION_NO_APT is set"
  elif [ "$(id -u)" -ne 0 ]; then
    reason="installing them needs root"
  elif ! command -v apt-get >/dev/null 2>&1; then
    reason="no apt-get here (the names above are Debian's packages)"
  else
    say "installing them: $cmd"
    log="$(mktemp)"
    # No retries, short timeouts, a mirror that fails is an error (apt-get update says only W:
    # otherwise): a machine without a Debian mirror answers in seconds.
    if apt-get update -qq -o Acquire::Retries=0 -o Acquire::http::Timeout=20 \
          -o APT::Update::Error-Mode=any >"$log" 2>&1 \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >>"$log" 2>&1; then
      rm -f "$log"
      local left
      left="$(still_missing | tr '\n' ' ')"
      [ -z "$left" ] && return 0
      reason="apt-get ran, but these are still missing: $left"
    else
      reason="apt-get failed:
$(grep -v '^\s*$' "$log" | tail -n 2 | sed 's/^/    /')"
      rm -f "$log"
    fi
  fi
  [ "$(id -u)" -ne 0 ] && cmd="sudo sh -c '$cmd'"
  say "cannot install them: $reason"
  say "stopped, nothing else installed. Run this, then 'bash $SCRIPT' again:"
  echo "    $cmd" >&2
  exit 1
}

# ---- the project's virtual environment -------------------------------------------------------

use_venv() {
  if ! "$VENV/bin/python" -c "" >/dev/null 2>&1; then
    say "creating the project's virtual environment $VENV (python3 -m venv)"
    python3 -m venv "$VENV"
  fi
  export VIRTUAL_ENV="$(cd "$VENV" && pwd)"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
  hash -r
}

# ---- torch -----------------------------------------------------------------------------------

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

#: The version of a CPU build of torch that pip finds without any index (a wheel in a folder of
#: PIP_FIND_LINKS or pip's find-links setting), or nothing.
cpu_torch_at_hand() {
  python -m pip install --dry-run --no-index --no-deps --ignore-installed --quiet \
      --report - "torch>=2.3" 2>/dev/null | python -c '
import json, sys
try:
    found = [i["metadata"]["version"] for i in json.load(sys.stdin)["install"]]
except Exception:
    found = []
print(found[0] if found and found[0].endswith("+cpu") else "")' || true
}

install_torch() {
  python -c "import torch" >/dev/null 2>&1 && return 0  # an installed torch is kept
  if has_nvidia_gpu; then
    say "NVIDIA GPU found: torch with CUDA from pip's default index (several GB)."
    python -m pip install -q "torch>=2.3"
    return
  fi
  local at_hand
  at_hand="$(cpu_torch_at_hand)"
  if [ -n "$at_hand" ]; then
    say "No NVIDIA GPU: the CPU build torch==$at_hand that pip finds on this machine."
    python -m pip install -q "torch==$at_hand"
  elif index_reachable "$CPU_INDEX"; then
    say "No NVIDIA GPU: the CPU build of torch from $CPU_INDEX (about 190 MB)."
    python -m pip install -q "torch>=2.3" --index-url "$CPU_INDEX"
  else
    torch_choice
  fi
}

torch_choice() {
  local py plat
  py="$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  plat="manylinux_2_28_$(uname -m)"
  cat >&2 <<EOF
[$SCRIPT] No NVIDIA GPU, and PyTorch's CPU index ($CPU_INDEX) cannot be reached from here.
    pip's default index has only the CUDA build of torch for Linux: about 6 GB to download and
    install, instead of about 190 MB for the CPU build (both run on a CPU). Either
  - continue with the CUDA build:
        COLORISATION_TORCH=cuda bash $SCRIPT
  - or fetch the CPU build another way: on a machine that reaches download.pytorch.org,
        pip download --no-deps --only-binary=:all: --python-version $py --platform $plat \\
            --index-url https://download.pytorch.org/whl/cpu -d torch-cpu "torch>=2.3"
    copy the folder torch-cpu here, then
        PIP_FIND_LINKS=\$PWD/torch-cpu bash $SCRIPT
    (or a mirror of that index: COLORISATION_TORCH_CPU_INDEX=URL bash $SCRIPT).
EOF
  local answer="${COLORISATION_TORCH:-}"
  if [ -z "$answer" ] && [ -t 0 ]; then
    read -r -p "Download the CUDA build now (about 6 GB)? [y/N] " answer
  fi
  case "$answer" in
    y|Y|yes|cuda)
      say "torch from pip's default index (CUDA build)."
      python -m pip install -q "torch>=2.3" ;;
    *)
      say "stopped: torch is not installed."
      exit 2 ;;
  esac
}
