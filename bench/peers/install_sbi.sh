#!/usr/bin/env bash
# Creates the Python virtual environment of the sbi peer (bench/peers/sbi_peak.py, run by
# bench/npe_peak.sh --sbi): sbi from PyPI with the torch it requires (PyPI's torch wheel, run on
# the CPU here; it brings its CUDA libraries, about 6 GB in all). Kept apart from
# bench/peers/.venv so that torch's pins never move the other peers' versions.
#
# The environment lives in bench/peers/.venv-sbi (git-ignored). Idempotent: a second run only
# checks that sbi and torch import. pip's output goes to $TMPDIR/lockstep_install_sbi.log.
# Prints the Python to pass to --sbi on stdout; exit status 0 when sbi imports.
#
# Usage: bash bench/peers/install_sbi.sh [PYTHON=python3]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-sbi"
py="${1:-python3}"
log="${TMPDIR:-/tmp}/lockstep_install_sbi.log"
check() { "$venv/bin/python" -c "import sbi, torch; print(f'sbi {sbi.__version__}, torch {torch.__version__}')" 2>>"$log"; }
if [[ -x "$venv/bin/python" ]] && out="$(check)"; then
  echo "install_sbi: ok: $out" >&2
  echo "$venv/bin/python"
  exit 0
fi
: >"$log"
"$py" -m venv "$venv" >>"$log" 2>&1
"$venv/bin/python" -m pip install -q sbi >>"$log" 2>&1 || { echo "install_sbi: pip failed (log: $log)" >&2; exit 1; }
out="$(check)" || { echo "install_sbi: sbi does not import (log: $log)" >&2; exit 1; }
echo "install_sbi: ok: $out" >&2
echo "$venv/bin/python"
