#!/usr/bin/env bash
# Builds lockstep and samples non-centered Eight Schools with 4096 chains.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p out
./build/lockstep sample eight_schools_noncentered --data data/eight_schools.json \
  --chains 4096 --warmup 1000 --draws 1000 --seed 20261122 --summary out/eight_schools_summary.json
