#!/usr/bin/env bash
# Creates the Python virtual environment for lockstep's Python peers (NumPyro, BlackJAX, emcee, and
# optionally PyMC and nutpie) and
# pip-installs them from PyPI: jax[cpu], numpyro, blackjax, emcee, arviz (ArviZ supplies the one bulk-ESS
# estimator used for every sampler, see bench/peers/py_common.py).
#
# The environment lives in bench/peers/.venv (git-ignored). Idempotent: a second run only checks that the
# packages import. Prints one summary line on stderr; pip's output goes to $TMPDIR/lockstep_install_py.log.
# Exit status 0 when every package imports, non-zero otherwise (bench/run_all then reports the peer as
# "not installed" instead of dropping it).
#
# Usage: bash bench/peers/install_python_peers.sh [PYTHON=python3]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
py="${1:-python3}"
log="${TMPDIR:-/tmp}/lockstep_install_py.log"
: >"$log"
say() { echo "install_python_peers: $*" >&2; }

check() {
  "$venv/bin/python" - <<'PY' 2>>"$log"
import importlib
vs = []
for m in ("jax", "numpyro", "blackjax", "emcee", "arviz"):
    vs.append(f"{m} {importlib.import_module(m).__version__}")
print(", ".join(vs))
PY
}

# PyMC and nutpie (bench/peers/pymc_nuts.py): optional; when they do not install, their runs report the
# import error and the other peers still run.
optional_peers() {
  if ! "$venv/bin/python" -c "import pymc, nutpie" 2>>"$log"; then
    "$venv/bin/python" -m pip install -q pymc nutpie >>"$log" 2>&1 \
      && say "ok: pymc, nutpie" || say "pymc/nutpie not installed (log: $log); their runs will say so"
  fi
}

if [[ -x "$venv/bin/python" ]] && out="$(check)"; then
  say "ok (already installed): $out"
  optional_peers
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$py" -m venv "$venv" >>"$log" 2>&1 || { say "venv creation failed (log: $log)"; exit 1; }
fi
"$venv/bin/python" -m pip install -q --upgrade pip >>"$log" 2>&1 || true
"$venv/bin/python" -m pip install -q "jax[cpu]" numpyro blackjax emcee arviz >>"$log" 2>&1 \
  || { say "pip install failed (log: $log)"; exit 1; }
out="$(check)" || { say "packages installed but do not import (log: $log)"; exit 1; }
say "ok: $out"
optional_peers
