#!/usr/bin/env bash
# Rebuild migration 0001 from the models. Only valid while 0001 has never been deployed.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f migrations/versions/0001_initial.py
.venv/bin/python tools/regenerate_migration.py 0001 "${1:-initial schema}"
mv migrations/versions/0001_*.py migrations/versions/0001_initial.py
sed -i '/# ### /d' migrations/versions/0001_initial.py
.venv/bin/ruff format -q migrations && .venv/bin/ruff check --fix -q migrations
