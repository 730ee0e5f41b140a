#!/usr/bin/env bash
# ABC on the peak model with the sbi tutorial's box prior (--set prior=sbi, data/peak.csv):
#   (1) the reference: NUTS, 16 chains x (1000 warmup + 2000 draws), same prior and data;
#   (2) validation (issue 17): SMC-ABC with a budget of 1e5 simulations and 1000 particles
#       (the command's defaults: --adjust linear) against it: every mean within 1 posterior sd,
#       every sd within a factor 1.5 (PASS/FAIL);
#   (3) C2ST accuracy (bench/c2st.py: logistic regression on quadratic features, 5-fold CV; 0.5
#       is perfect) of SMC-ABC (1000 particles) and rejection ABC (the 1000 nearest) at 1e4, 1e5
#       and 1e6 simulations, with the regression adjustment (--adjust linear) and without;
#   (4) wall time of each of those runs (the command's "Wall time" line: the whole command,
#       loading and writing included) and its simulations per second (the algorithm alone).
#   (5) with --pyabc PYTHON (a Python with pyabc, e.g. a venv where `pip install pyabc` ran):
#       pyABC (bench/peers/pyabc_peak.py: the same model, prior, distance, quantile, kernel and
#       population; lockstep with --adjust none, as pyABC has no adjustment) at --pyabc-sims simulations (default 1e4; it runs ~20-100 simulations/s on
#       this machine), its C2ST against the same NUTS reference, and lockstep smc-abc at the
#       same budget in the same run: the ratio of simulations per second.
# Records the machine and the load average before and after. Prints markdown tables.
# Usage: bash bench/abc_peak.sh [--build DIR] [--seed S] [--pyabc PYTHON] [--pyabc-sims N]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="$repo/build"
seed=1
pyabc=""
pyabc_sims=10000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --pyabc) pyabc="$2"; shift 2 ;;
    --pyabc-sims) pyabc_sims="$2"; shift 2 ;;
    *) echo "abc_peak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
bin="$build/lockstep"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
data="$repo/data/peak.csv"
model=(peak --data "$data" --set prior=sbi)

echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) hardware threads"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" sample "${model[@]}" --chains 16 --warmup 1000 --draws 2000 --seed "$seed" --quiet \
  --output "$tmp/nuts.csv" >"$tmp/nuts.log"
ref=("$tmp"/nuts_*.csv)

wall_of() { sed -n 's/^Wall time: \([0-9.]*\) s.*/\1/p' "$1"; }
rate_of() { sed -n 's/.*, \([0-9.e+]*\) simulations per second).*/\1/p' "$1"; }
eps_of() { sed -n 's/^Final epsilon: \(.*\)$/\1/p' "$1"; }
c2st_of() { python3 "$here/c2st.py" --reference "${ref[@]}" --approx "$1" --seed "$seed" | tail -1; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

echo
echo "## Validation: SMC-ABC, 1e5 simulations, 1000 particles, against NUTS"
"$bin" smc-abc "${model[@]}" --sims 100000 --particles 1000 --seed "$seed" --output "$tmp/val.csv" >"$tmp/val.log"
python3 "$here/c2st.py" --reference "${ref[@]}" --approx "$tmp/val_1.csv" --seed "$seed" | tee "$tmp/val.json"
v="$(tail -1 "$tmp/val.json")"
if [[ "$(field "$v" means_ok)" == "True" && "$(field "$v" sds_ok)" == "True" ]]; then
  echo "validation: PASS (means within 1 sd, sds within a factor 1.5)"
else
  echo "validation: FAIL"
fi

echo
echo "| algorithm | --adjust | simulations | final epsilon | C2ST | worst mean error / sd | worst sd factor | wall time (s) | simulations/s |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in 10000 100000 1000000; do
  for adj in linear none; do
    "$bin" smc-abc "${model[@]}" --sims "$n" --particles 1000 --adjust "$adj" --seed "$seed" --output "$tmp/smc$n$adj.csv" >"$tmp/smc$n$adj.log"
    j="$(c2st_of "$tmp/smc$n${adj}_1.csv")"
    echo "| smc-abc (P = 1000) | $adj | $n | $(eps_of "$tmp/smc$n$adj.log") | $(field "$j" c2st) | $(field "$j" worst_mean_over_sd) | $(field "$j" worst_sd_factor) | $(wall_of "$tmp/smc$n$adj.log") | $(rate_of "$tmp/smc$n$adj.log") |"
    "$bin" abc "${model[@]}" --sims "$n" --keep 1000 --adjust "$adj" --seed "$seed" --output "$tmp/abc$n$adj.csv" >"$tmp/abc$n$adj.log"
    j="$(c2st_of "$tmp/abc$n${adj}_1.csv")"
    echo "| abc (K = 1000) | $adj | $n | $(eps_of "$tmp/abc$n$adj.log") | $(field "$j" c2st) | $(field "$j" worst_mean_over_sd) | $(field "$j" worst_sd_factor) | $(wall_of "$tmp/abc$n$adj.log") | $(rate_of "$tmp/abc$n$adj.log") |"
  done
done
echo
echo "# SMC-ABC 1e6 schedule:"
sed -n '/^ *generation/,/^Stopped/p' "$tmp/smc1000000linear.log"
if [[ -n "$pyabc" ]]; then
  echo
  echo "## pyABC $pyabc_sims simulations, 1000 particles, against lockstep smc-abc at the same budget"
  "$pyabc" "$here/peers/pyabc_peak.py" --sims "$pyabc_sims" --particles 1000 --seed "$seed" --data "$data" \
    --output "$tmp/pyabc.csv" 2>/dev/null | tail -1 >"$tmp/pyabc.json"
  p="$(cat "$tmp/pyabc.json")"
  jp="$(c2st_of "$tmp/pyabc.csv")"
  "$bin" smc-abc "${model[@]}" --sims "$(field "$p" sims)" --particles 1000 --adjust none --seed "$seed" --output "$tmp/same.csv" >"$tmp/same.log"
  jl="$(c2st_of "$tmp/same_1.csv")"
  echo "| run | simulations | final epsilon | C2ST | worst mean error / sd | worst sd factor | seconds | simulations/s |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| pyABC $(field "$p" version) | $(field "$p" sims) | $(field "$p" final_epsilon) | $(field "$jp" c2st) | $(field "$jp" worst_mean_over_sd) | $(field "$jp" worst_sd_factor) | $(field "$p" seconds) | $(field "$p" simulations_per_second) |"
  echo "| lockstep smc-abc | $(sed -n 's/^lockstep smc-abc: model peak, \([0-9]*\) simulations.*/\1/p' "$tmp/same.log") | $(eps_of "$tmp/same.log") | $(field "$jl" c2st) | $(field "$jl" worst_mean_over_sd) | $(field "$jl" worst_sd_factor) | $(wall_of "$tmp/same.log") | $(rate_of "$tmp/same.log") |"
  python3 -c "import sys; print(f'simulations/s ratio lockstep / pyABC: {float(sys.argv[1]) / float(sys.argv[2]):.4g}')" \
    "$(rate_of "$tmp/same.log")" "$(field "$p" simulations_per_second)"
fi
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
