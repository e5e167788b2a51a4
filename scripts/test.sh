#!/usr/bin/env bash
# The README's test command: install the package with its test extras, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --upgrade pip
python -m pip install -q -e '.[test,spark]'
ruff check src tests bench
mypy
python -m pytest -q --durations=15 "$@"
