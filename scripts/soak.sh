#!/usr/bin/env bash
# Soak test of checkpoints (not in CI): RUNS runs (default 100) of `lockstep sample --checkpoint`
# with random seeds, chain counts, algorithms (nuts, hmc, chees; with and without pooled adaptation)
# and models, (one run in four) of `lockstep ensemble --checkpoint` on the peak model with
# random walkers, steps, discard, thinning and moves, (one in nine each) of `abc`, `smc-abc` and
# `npe` on the peak model with random budgets, and (one in nine) of `vi` on Eight Schools with a
# random family, fit count and step budget, each sent SIGINT at a random moment and resumed (`lockstep resume`) until it
# completes -- a resumed run may be interrupted again -- then compared, draw line by draw line,
# with its uninterrupted twin. Prints one line per run and a table of runs, kills, resumes and
# mismatches (which must be 0); exit status 1 if any run mismatched or failed.
#
#   bash scripts/soak.sh [RUNS] [--build DIR]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=100
build="$repo/build"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    *) runs="$1"; shift ;;
  esac
done
bin="$build/lockstep"
[[ -x "$bin" ]] || { echo "soak: $bin not found (build first: bash scripts/test.sh)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$repo"

models=("std_normal --set dim=20" "eight_schools_noncentered --data data/eight_schools.json"
        "eight_schools_centered --data data/eight_schools.json" "funnel --set dim=5")
algorithms=("nuts" "nuts --pool-adaptation" "nuts --metric dense" "hmc --steps 12" "hmc --steps 8 --pool-adaptation" "chees")
moves=("stretch" "de" "stretch:0.7,de:0.2,walk:0.1")
kills=0; resumes=0; mismatches=0; failures=0

data_lines() { grep -v '^#' "$1"; }

for ((i = 1; i <= runs; i++)); do
  seed=$((RANDOM * 32768 + RANDOM))
  model="${models[RANDOM % ${#models[@]}]}"
  algorithm="${algorithms[RANDOM % ${#algorithms[@]}]}"
  chains=$((1 + RANDOM % 64))
  warmup=$((200 + RANDOM % 3000))
  draws=$((100 + RANDOM % 1000))
  args="sample $model --algorithm $algorithm --chains $chains --warmup $warmup --draws $draws --seed $seed --quiet"
  kind=$((RANDOM % 9))
  if ((kind < 2)); then  # two runs in nine: the ensemble (its walkers are the chains compared)
    chains=$((2 * (5 + RANDOM % 60)))
    args="ensemble peak --data data/peak.csv --walkers $chains --steps $((2000 + RANDOM % 20000)) --discard $((RANDOM % 500)) --thin $((1 + RANDOM % 5)) --move ${moves[RANDOM % ${#moves[@]}]} --seed $seed"
  elif ((kind == 5)); then  # one in nine: vi (one file of draws from the best fit)
    chains=1
    approx=(meanfield fullrank)
    args="vi eight_schools_noncentered --data data/eight_schools.json --approx ${approx[RANDOM % 2]} --fits $((1 + RANDOM % 4)) --samples $((16 + RANDOM % 64)) --steps $((10000 + RANDOM % 30000)) --tol-rel-obj 0 --draws 300 --seed $seed --quiet"
  elif ((kind == 2)); then  # one in nine: smc-abc (one file of resampled particles)
    chains=1
    args="smc-abc peak --data data/peak.csv --set prior=sbi --sims $((100000 + RANDOM * 20)) --particles $((200 + RANDOM % 1800)) --seed $seed"
  elif ((kind == 4)); then  # one in nine: rejection abc (the nearest, one file)
    chains=1
    args="abc peak --data data/peak.csv --set prior=sbi --sims $((1000000 + RANDOM * 60)) --keep $((100 + RANDOM % 900)) --seed $seed"
  elif ((kind == 3)); then  # one in nine: npe (interrupted in training; one file of draws)
    chains=1
    args="npe peak --data data/peak.csv --set prior=sbi --sims $((2000 + RANDOM % 6000)) --draws 200 --seed $seed --quiet"
  fi
  d="$tmp/$i"
  mkdir -p "$d"
  # shellcheck disable=SC2086
  "$bin" $args --output "$d/twin.csv" > /dev/null 2>&1 || { echo "run $i: the twin failed: $args"; failures=$((failures + 1)); continue; }
  # shellcheck disable=SC2086
  "$bin" $args --output "$d/x.csv" --checkpoint "$d/c.ckpt" --checkpoint-every 0.05 > "$d/out" 2> "$d/err" &
  pid=$!
  sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
  kill -INT "$pid" 2> /dev/null && kills=$((kills + 1))
  status=0
  wait "$pid" || status=$?
  n_resumes=0
  while [[ $status -ne 0 ]]; do
    if [[ $status -ne 130 || ! -f "$d/c.ckpt" ]]; then
      # interrupted before the first checkpoint: nothing to resume, run again from the start
      if [[ $status -eq 130 ]]; then
        # shellcheck disable=SC2086
        "$bin" $args --output "$d/x.csv" --checkpoint "$d/c.ckpt" > "$d/out" 2> "$d/err" || status=$?
        status=0
        break
      fi
      echo "run $i: failed with status $status: $(head -1 "$d/err")"
      failures=$((failures + 1))
      break
    fi
    "$bin" resume "$d/c.ckpt" > "$d/out" 2> "$d/err" &
    pid=$!
    resumes=$((resumes + 1))
    n_resumes=$((n_resumes + 1))
    if ((RANDOM % 3 == 0)); then
      sleep "0.$((RANDOM % 10))"
      kill -INT "$pid" 2> /dev/null && kills=$((kills + 1))
    fi
    status=0
    wait "$pid" || status=$?
  done
  [[ $status -eq 0 ]] || continue
  same=1
  for ((c = 1; c <= chains; c++)); do
    cmp -s <(data_lines "$d/x_$c.csv") <(data_lines "$d/twin_$c.csv") || { same=0; break; }
  done
  if ((same)); then result="same"; else result="MISMATCH"; mismatches=$((mismatches + 1)); fi
  echo "run $i: $args -> resumed $n_resumes times, $result"
  rm -rf "$d"
done

echo
echo "| runs | kills | resumes | mismatches | failures |"
echo "|---|---|---|---|---|"
echo "| $runs | $kills | $resumes | $mismatches | $failures |"
[[ $mismatches -eq 0 && $failures -eq 0 ]]
