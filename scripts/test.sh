#!/usr/bin/env bash
# Install the app and its test tools, then lint and run every test (browser tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q -r requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "warning: could not install chromium; browser tests will fail" >&2
fi
if ! command -v nginx >/dev/null 2>&1 && ! [ -x /usr/sbin/nginx ]; then
  (apt-get update -qq && apt-get install -y -qq nginx-light || apt-get install -y -qq nginx) \
    >/dev/null 2>&1 || echo "warning: could not install nginx; the deploy test will fail" >&2
fi
python -m ruff check .
python -m pytest "$@"
