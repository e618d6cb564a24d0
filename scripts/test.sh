#!/usr/bin/env bash
# Install khazar with its test dependencies (and the Debian packages some tests use), run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/setup.sh test,semantic,spark,postgres
exec .venv/bin/python -m pytest "$@"
