#!/usr/bin/env bash
# Set up .venv with the test extra (first time), run ruff (lint + format check) and mypy, then the
# whole test suite offscreen.
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -m "not slow" tests/core
# CI runs exactly this command (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_venv.sh test
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" LANG="${LANG:-C.UTF-8}"
# lint, format and type checks first: seconds, and they fail with a readable list
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
