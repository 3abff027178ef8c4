#!/usr/bin/env bash
# Install OneMap into .venv and start the dashboard. On first start the app builds the demo database itself.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/streamlit run streamlit_app.py --server.headless=true "$@"
