#!/usr/bin/env bash
# Lint and run every test (browser tests included): this is what CI runs.
#
# First, in seconds, what the suite needs from the system (one `need` line each); what is missing
# is installed with apt-get when this runs as root, else the script stops at once with the exact
# command. Then the project's virtual environment .venv (created when missing), torch (the CPU
# build on a machine without an NVIDIA GPU), requirements-dev.txt, ruff and pytest (parallel:
# pytest-xdist; `bash scripts/test.sh -n 0` runs in one process, other arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh

need "python3 python3-venv" "the project's virtual environment (python3 >= 3.10 with venv)" \
  python3 -c "import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))"
need chromium "the browser tests (tests/test_browser*.py)" have chromium
need nginx "the deploy and load tests (tests/test_deploy.py, tests/test_load_test.py)" have nginx
need redis-server "the room tests on Redis (tests/test_room*.py)" have redis-server
install_system_packages

use_venv
install_torch
python -m pip install -q -r requirements-dev.txt
python -m ruff check .
python -m pytest -n "${COLORISATION_TEST_WORKERS:-3}" --no-loadscope-reorder "$@"
