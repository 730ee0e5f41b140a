#!/usr/bin/env bash
# NPE on the peak model with the sbi tutorial's prior (the sbi tutorial's SNPE setup,
# BoxUniform low (0,0,0,-1,0) high (2,1,1,1,1), 10,000 simulations, 10,000 posterior draws),
# against NUTS with the same prior (lockstep sample peak --set prior=sbi).
#
# For each simulation budget (default 10000; give others as arguments, e.g. 10000 100000), the
# command as a user runs it (without --rounds: one truncated round per 10,000 simulations, at
# most 5, so one round at 10000 and 5 at 100000): simulation, training and sampling seconds and epochs per second (the command's own lines),
# then per parameter the NPE mean and sd against NUTS's: |mean difference| in NUTS sds and the
# sd ratio; and the C2ST accuracy against the NUTS draws when bench/c2st.py is present
# (0.5: indistinguishable). Prints `uptime` first: on a shared machine the times depend on load.
# With --sbi PYTHON (a Python with sbi and torch, e.g. bench/peers/install_sbi.sh's venv): sbi's
# default NPE (bench/peers/sbi_peak.py: a masked autoregressive flow) at the same budgets, right
# after lockstep's, with its training time and C2ST against the same NUTS draws, and a last
# table of both (the ratio of training times; issue 18's target: >= 10x faster than sbi to the
# same C2ST, read off that table across budgets).
# With --rounds R: also lockstep with --rounds R at each budget (e.g. --rounds 1: one amortized
# round, as sbi's default NPE), with its wall time and C2ST (extra columns).
# sbi and the --rounds runs are skipped above --peer-max N simulations (default 100000: sbi's
# one round at 1e5 trains for ~6 minutes, at 1e6 for about an hour); their cells say so.
# Usage: bash bench/npe_peak.sh [--build DIR] [--sbi PYTHON] [--rounds R] [--peer-max N] [N ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="$repo/build"
sbi=""
rounds=""
peer_max=100000
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --sbi) sbi="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --peer-max) peer_max="$2"; shift 2 ;;
    *) echo "npe_peak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
budgets=("$@")
if [[ ${#budgets[@]} -eq 0 ]]; then budgets=(10000); fi
bin="$build/lockstep"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
data="$repo/data/peak.json"
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
rows=()
uptime
"$bin" sample peak --data "$data" --set prior=sbi --chains 4 --warmup 1000 --draws 2500 --seed 1 --quiet \
  --output "$tmp/nuts.csv" > "$tmp/nuts.txt"
grep "^Wall time" "$tmp/nuts.txt" | sed 's/^/NUTS (4 x 2500 draws): /'
for n in "${budgets[@]}"; do
  echo
  echo "== NPE, $n simulations, 10000 draws (the command's defaults: truncated rounds from 20000 on) =="
  "$bin" npe peak --data "$data" --set prior=sbi --sims "$n" --draws 10000 --seed 1 --quiet \
    --output "$tmp/npe_$n.csv" > "$tmp/npe_$n.txt"
  grep -E "^(Simulations|Training|Sampling|Wall time):|truncated rounds" "$tmp/npe_$n.txt"
  python3 - "$tmp" "$n" <<'PY'
import sys
tmp, n = sys.argv[1], sys.argv[2]
def read(paths):
    cols, rows = None, []
    for p in paths:
        for line in open(p):
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.strip().split(",")
            if cols is None:
                cols = cells
            elif cells != cols:
                rows.append([float(c) for c in cells])
    return cols, rows
def moments(cols, rows, name):
    j = cols.index(name)
    v = [r[j] for r in rows]
    m = sum(v) / len(v)
    return m, (sum((x - m) ** 2 for x in v) / (len(v) - 1)) ** 0.5
nc, nr = read([f"{tmp}/nuts_{c}.csv" for c in (1, 2, 3, 4)])
pc, pr = read([f"{tmp}/npe_{n}_1.csv"])
print("param   NUTS mean (sd)       NPE mean (sd)        |dmean|/sd_NUTS  sd ratio")
for p in ["l", "m", "s", "a", "b"]:
    m0, s0 = moments(nc, nr, p)
    m1, s1 = moments(pc, pr, p)
    print(f"{p:5s} {m0:9.4f} ({s0:.4f})   {m1:9.4f} ({s1:.4f})   {abs(m1 - m0) / s0:8.3f}        {s1 / s0:6.3f}")
PY
  c2st_lockstep="$(python3 "$here/c2st.py" --reference "$tmp"/nuts_{1,2,3,4}.csv --approx "$tmp/npe_${n}_1.csv" | tail -1)"
  echo "C2ST vs NUTS: $c2st_lockstep"
  train_lockstep="$(sed -n 's/^Training: .* in \([0-9.]*\) s .*/\1/p' "$tmp/npe_$n.txt")"
  sim_lockstep="$(sed -n 's/^Wall time: .*(simulation \([0-9.]*\) s.*/\1/p' "$tmp/npe_$n.txt")"
  draw_lockstep="$(sed -n 's/^Wall time: .*sampling \([0-9.]*\) s).*/\1/p' "$tmp/npe_$n.txt")"
  row="| $n | $sim_lockstep | $train_lockstep | $draw_lockstep | $(field "$c2st_lockstep" c2st) | $(field "$c2st_lockstep" worst_mean_over_sd) | $(field "$c2st_lockstep" worst_sd_factor) |"
  if [[ -n "$sbi" && "$n" -gt "$peer_max" ]]; then
    row="$row not run (above --peer-max $peer_max) | | | | |"
  elif [[ -n "$sbi" ]]; then
    echo "-- sbi, $n simulations, 10000 draws --"
    j="$("$sbi" "$here/peers/sbi_peak.py" --sims "$n" --draws 10000 --seed 1 --data "$repo/data/peak.csv" \
         --output "$tmp/sbi_$n.csv" 2>"$tmp/sbi_$n.err" | tail -1)" || { echo "sbi failed:"; tail -3 "$tmp/sbi_$n.err"; j=""; }
    if [[ -n "$j" ]]; then
      echo "$j"
      c2st_sbi="$(python3 "$here/c2st.py" --reference "$tmp"/nuts_{1,2,3,4}.csv --approx "$tmp/sbi_$n.csv" | tail -1)"
      echo "C2ST vs NUTS: $c2st_sbi"
      train_sbi="$(field "$j" train_seconds)"
      row="$row $(printf '%.1f' "$train_sbi") ($(field "$j" epochs) epochs) | $(field "$c2st_sbi" c2st) | $(field "$c2st_sbi" worst_mean_over_sd) | $(field "$c2st_sbi" worst_sd_factor) | $(python3 -c "print(f'{$train_sbi / $train_lockstep:.1f}x')") |"
    fi
  fi
  if [[ -n "$rounds" && "$n" -gt "$peer_max" ]]; then
    row="$row not run (above --peer-max $peer_max) | | | |"
  elif [[ -n "$rounds" ]]; then
    echo "-- lockstep npe --rounds $rounds, $n simulations --"
    "$bin" npe peak --data "$data" --set prior=sbi --sims "$n" --rounds "$rounds" --draws 10000 --seed 1 --quiet \
      --output "$tmp/ts_$n.csv" > "$tmp/ts_$n.txt"
    grep -E "^(Training|  round|Wall time)" "$tmp/ts_$n.txt"
    c2st_ts="$(python3 "$here/c2st.py" --reference "$tmp"/nuts_{1,2,3,4}.csv --approx "$tmp/ts_${n}_1.csv" | tail -1)"
    echo "C2ST vs NUTS: $c2st_ts"
    wall_ts="$(sed -n 's/^Wall time: \([0-9.]*\) s.*/\1/p' "$tmp/ts_$n.txt")"
    row="$row $wall_ts | $(field "$c2st_ts" c2st) | $(field "$c2st_ts" worst_mean_over_sd) | $(field "$c2st_ts" worst_sd_factor) |"
  fi
  rows+=("$row")
done
echo
echo "| simulations | lockstep simulation (s) | training (s) | sampling (s) | C2ST | worst mean error / sd | worst sd factor |$([[ -n "$sbi" ]] && echo " sbi training (s) | C2ST | worst mean error / sd | worst sd factor | sbi / lockstep training time |")$([[ -n "$rounds" ]] && echo " --rounds $rounds wall (s) | C2ST | worst mean error / sd | worst sd factor |")"
echo "|---|---|---|---|---|---|---|$([[ -n "$sbi" ]] && echo "---|---|---|---|---|")$([[ -n "$rounds" ]] && echo "---|---|---|---|")"
printf '%s\n' "${rows[@]}"
uptime
