#!/usr/bin/env bash
# Set up .venv (first time only) and start FeatherFace Live on the bundled sample clip.
# Arguments replace that default and go to the app, e.g.  ./run.sh --source camera:0
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup_venv.sh
if [[ $# -eq 0 ]]; then
    set -- --source sample
fi
exec .venv/bin/python main.py "$@"
