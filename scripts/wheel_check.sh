#!/usr/bin/env bash
# Build the wheel, install it (not editable) into a fresh venv made by Python 3.11's own venv with the pip
# it ships (23.2, never upgraded here: that old resolver is what users get and what dropped justext's
# lxml[html_clean] extra), then run `khazar extract` on the sample the wheel carries. Catches dependencies
# an editable install with a newer pip hides, and package data missing from the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON311:-python3.11}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip --version
"$work/venv/bin/python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" .
"$work/venv/bin/python" -m pip install --quiet "$work"/dist/khazar-*.whl
cd "$work"  # away from the checkout: the installed package, not the source tree, must be imported
sample="$("$work/venv/bin/python" -c 'import khazar, pathlib; print(pathlib.Path(khazar.__file__).parent / "sample" / "articles")')"
case "$sample" in "$work"/venv/*) ;; *) echo "wheel check: khazar imported from $sample, not the venv" >&2; exit 1 ;; esac
"$work/venv/bin/khazar" extract "$sample" --jsonl > "$work/out.jsonl"
articles="$(wc -l < "$work/out.jsonl")"
if [ "$articles" -lt 3 ]; then
    echo "wheel check: khazar extract gave $articles articles from the sample, expected 3" >&2
    exit 1
fi
echo "wheel check: built, installed with $("$work/venv/bin/python" -m pip --version | cut -d' ' -f1-2), extract gave $articles articles"
