#!/usr/bin/env bash
# Install OneMap with its test tools into .venv, then lint (ruff), check the rooms' import contracts
# (import-linter) and the types of core/ queries/ views/ layers/ (mypy), and run the whole test suite.
# The Spark engine's test needs Java and the browser test (tests/test_browser.py) Chromium: installed here from Debian when missing and run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# The Spark engine's test (tests/etl/test_spark_engine.py) needs pyspark and a Java runtime: installed here, the
# JDK from Debian when missing (as Chromium below); without them that test skips (and fails when CI=true).
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
if ! command -v java >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless
    else
        echo "test.sh: java is missing and this is not root: the spark engine's test skips (and fails when CI=true)" >&2
    fi
fi
if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        # CJK fonts so the map's Chinese labels render in the test's screenshot and the report's PDF;
        # poppler-utils (pdftotext, pdffonts) to read the report's PDF back.
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            chromium fonts-noto-cjk poppler-utils
    else
        echo "test.sh: chromium or poppler-utils missing and this is not root: browser tests skip (fail when CI=true)" >&2
    fi
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
