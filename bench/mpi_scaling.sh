#!/usr/bin/env bash
# Weak scaling of a run split over MPI ranks (issue 20), on this machine: the chains per rank are
# fixed and the ranks go 1 -> R (each rank one OpenMP thread, --threads 1, so that R ranks use R
# cores), and the bytes the ranks exchange per warmup iteration. For each algorithm:
#   - one process with C chains (no MPI), then `mpirun -np r` with r * C chains, r = 1 .. R;
#   - the wall time of the whole process from outside, the sampler's warmup and sampling seconds,
#     and the command's "MPI:" line: the bytes the ranks sent each other before the draws were
#     gathered (all ranks together) and, of them, the per-iteration cross-chain sums' bytes per
#     warmup iteration (the rest: Welford sums at window ends, the first step size);
#   - efficiency = time(1 rank, C chains) / time(r ranks, r * C chains) (1.0: perfect weak scaling).
# Every run is validated before its time counts: the means of mu and tau within 5 combined MCSE
# of posteriordb's reference (data/reference/eight_schools_noncentered.json) and R-hat < 1.01.
# NUTS with --pool-adaptation and ChEES meet every warmup iteration (a cross-chain sum each);
# NUTS with per-chain adaptation meets only at the end (the draws are gathered to rank 0).
#
# Usage: bash bench/mpi_scaling.sh [--build DIR] [--chains-per-rank C] [--ranks R] [--warmup W] [--draws D]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="$repo/build"
per_rank=1024
max_ranks=2
warmup=500
draws=500
while (($#)); do
  case "$1" in
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --chains-per-rank) per_rank="$2"; shift 2 ;;
    --ranks) max_ranks="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --draws) draws="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--chains-per-rank C] [--ranks R] [--warmup W] [--draws D]" >&2; exit 2 ;;
  esac
done
lockstep="$build/lockstep"
[[ -x "$lockstep" ]] || { echo "mpi_scaling: $lockstep not found (build it first)" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "mpi_scaling: mpirun not found (apt-get install openmpi-bin)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work="$(mktemp -d "${TMPDIR:-/tmp}/lockstep_mpi.XXXXXX")"
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) hardware threads"
echo "# lockstep: $lockstep ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')); $(mpirun --version | head -1)"
echo "# model: eight_schools_noncentered; $per_rank chains per rank, $warmup warmup + $draws draws, --threads 1 per rank"
echo "# load average at start: $(load)"

validate() {  # summary.json -> "passed" or "FAILED ..."
  python3 - "$1" "$repo/data/reference/eight_schools_noncentered.json" <<'PY'
import json, math, sys
s = json.load(open(sys.argv[1]))["parameters"]; ref = json.load(open(sys.argv[2]))
bad = []
for n in ["mu", "tau"]:
    p, r = s[n], ref[n]
    bound = 5 * math.sqrt(p["mcse_mean"] ** 2 + r.get("mcse_mean", 0.0) ** 2)
    if not (abs(p["mean"] - r["mean"]) <= bound and p["r_hat"] < 1.01):
        bad.append(f"{n}: mean {p['mean']:.4g} ref {r['mean']:.4g} bound {bound:.3g} r_hat {p['r_hat']:.4f}")
print("passed" if not bad else "FAILED " + "; ".join(bad))
PY
}

printf '%-26s %5s %7s %9s %9s %9s %6s %14s %14s %s\n' algorithm ranks chains wall_s warmup_s sampling_s eff \
  bytes_run bytes_per_warm validation
for alg in "nuts" "nuts --pool-adaptation" "chees"; do
  base=""
  for ((r = 0; r <= max_ranks; ++r)); do
    ranks=$((r == 0 ? 1 : r))
    chains=$((per_rank * ranks))
    args=(sample eight_schools_noncentered --data "$repo/data/eight_schools.json" --algorithm ${alg}
          --chains "$chains" --warmup "$warmup" --draws "$draws" --seed 1 --threads 1 --quiet --summary "$work/s.json")
    if ((r == 0)); then launcher=(); label="1 (no MPI)"; else launcher=(mpirun -np "$ranks"); label="$ranks"; fi
    t0=$EPOCHREALTIME
    "${launcher[@]}" "$lockstep" "${args[@]}" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
    t1=$EPOCHREALTIME
    wall="$(python3 -c "print(f'{$t1 - $t0:.3f}')")"
    ok="$(validate "$work/s.json")"
    read -r warm samp <<<"$(sed -n 's/^Wall time: .*(warmup \([0-9.]*\) s, sampling \([0-9.]*\) s).*/\1 \2/p' "$work/out.txt")"
    read -r bytes per_warm <<<"$(sed -n 's/^MPI: .*; \([0-9]*\) bytes sent between ranks before the draws were gathered, \([0-9.]*\) per warmup iteration in cross-chain sums.*/\1 \2/p' "$work/out.txt")"
    [[ -z "$base" ]] && base="$wall"
    eff="$(python3 -c "print(f'{$base / $wall:.2f}')")"
    printf '%-26s %5s %7d %9s %9s %9s %6s %14s %14s %s\n' "$alg" "$label" "$chains" "$wall" "${warm:-?}" "${samp:-?}" \
      "$eff" "${bytes:-0}" "${per_warm:-0}" "$ok"
  done
done
echo "# load average at end: $(load)"
