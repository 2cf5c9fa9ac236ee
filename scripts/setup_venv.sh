#!/usr/bin/env bash
# Create .venv beside the repository (if missing) and install the project into it, editable.
#   scripts/setup_venv.sh            # the app only
#   scripts/setup_venv.sh test       # plus what the tests and the packaging step need (torch CPU)
# Installs again only when pyproject.toml or the constraints changed, or new extras are asked for.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
need="${extras:-base}"
venv=".venv"
stamp="$venv/.featherface-installed"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating $venv with $(${PYTHON:-python3} --version)" >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi

hash="$(cat pyproject.toml requirements/constraints.txt | sha256sum | cut -c1-16)"
installed=""
if [[ -f "$stamp" && "$(head -n1 "$stamp")" == "$hash" ]]; then
    installed="$(tail -n +2 "$stamp")"
fi
if grep -qxF "$need" <<<"$installed" || [[ "$need" == base && -n "$installed" ]]; then
    exit 0
fi

echo "installing featherface-live${extras:+[$extras]} into $venv (first time: a few minutes)" >&2
"$venv/bin/python" -m pip install -qq --upgrade pip
"$venv/bin/python" -m pip install -qq -c requirements/constraints.txt -e ".${extras:+[$extras]}"
printf '%s\n' "$hash" $installed "$need" > "$stamp"
