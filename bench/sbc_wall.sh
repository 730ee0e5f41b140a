#!/usr/bin/env bash
# SBC wall time, 200 replicates of non-centered Eight Schools (posteriordb priors), NUTS, 4 chains
# x (300 warmup + 200 draws) per replicate, ranks among 100 thinned draws:
#   (1) `lockstep sbc` with the replicates in lanes (its default: all 200 x 4 = 800 chains at
#       once, each chain on its own replicate's data set), every core;
#   (2) `lockstep sbc --batch 1`: one replicate after another, each fit's 4 chains in lanes, with
#       --threads 1 and with every core;
#   (3) the same 800 chains as ONE run of `lockstep sample` on the observed data (every core):
#       what 800 chains of this model cost in lanes, for comparison with (1).
# Prints a markdown table (wall seconds: the commands' own "Wall time" lines, minimum of 3 runs).
# Usage: bash bench/sbc_wall.sh [--build DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="$repo/build"
if [[ "${1:-}" == "--build" ]]; then build="$2"; fi
bin="$build/lockstep"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
data="$repo/data/eight_schools.json"
common="--chains 4 --warmup 300 --draws 200"

wall() {  # the minimum over 3 runs of the "Wall time: X s" line of the command's output
  local best=""
  for _ in 1 2 3; do
    local t
    t="$("$@" 2>/dev/null | sed -n 's/^Wall time: \([0-9.]*\) s.*/\1/p')"
    if [[ -z "$best" ]] || awk "BEGIN{exit !($t < $best)}"; then best="$t"; fi
  done
  echo "$best"
}

sbcl="$(wall "$bin" sbc eight_schools_noncentered --data "$data" --replicates 200 $common --ranks 100 \
        --seed 7 --quiet --output "$tmp/l")"
sbc1="$(wall "$bin" sbc eight_schools_noncentered --data "$data" --replicates 200 $common --ranks 100 \
        --seed 7 --quiet --batch 1 --threads 1 --output "$tmp/a")"
sbcn="$(wall "$bin" sbc eight_schools_noncentered --data "$data" --replicates 200 $common --ranks 100 \
        --seed 7 --quiet --batch 1 --output "$tmp/b")"
lanes="$(wall "$bin" sample eight_schools_noncentered --data "$data" --chains 800 --warmup 300 --draws 200 \
         --seed 7 --quiet)"
cores="$(nproc)"
echo "| configuration | wall time (s) |"
echo "|---|---|"
echo "| \`sbc\`: 200 replicates in lanes (800 chains at once), $cores threads | $sbcl |"
echo "| \`sbc --batch 1\`: one replicate after another, 4 chains each in lanes, --threads 1 | $sbc1 |"
echo "| \`sbc --batch 1\`: the same, $cores threads | $sbcn |"
echo "| for comparison: one \`sample\` run of 800 chains on the observed data, $cores threads | $lanes |"
