#!/usr/bin/env bash
# Create .venv with archrank and its test dependencies. Idempotent: reruns only when pyproject.toml changes.
# Takes the CPU build of torch: the local 2.13.0 CPU wheel where the machine has one, else PyTorch's CPU index.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${ARCHRANK_VENV:-.venv}
stamp="$VENV/.archrank-installed"
want=$(sha256sum pyproject.toml | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then exit 0; fi
[[ -x $VENV/bin/python ]] || "$PY" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@"; }
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  pip install "torch==2.13.0" 2>/dev/null \
    || pip install torch --index-url https://download.pytorch.org/whl/cpu \
    || { echo "bootstrap: could not install a CPU build of torch" >&2; exit 1; }
fi
pip install -e ".[test,plot,ray]" || pip install -e ".[test,plot]"
echo "$want" > "$stamp"
