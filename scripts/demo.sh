#!/usr/bin/env bash
# Quick start: install, ingest a sample into ./khazar.db and show what came out.
# The sample is ../shared/seeds when it is there, else the small sample shipped in khazar/sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
sample=khazar/sample/articles
[ -d ../shared/seeds ] && sample=../shared/seeds
echo "ingesting $sample into khazar.db"
.venv/bin/khazar ingest "$sample" --db khazar.db
first=$(.venv/bin/khazar export --db khazar.db --jsonl | head -n 1 | .venv/bin/python -c 'import json,sys; print(json.loads(sys.stdin.read())["id"])')
.venv/bin/khazar show "$first" --db khazar.db
