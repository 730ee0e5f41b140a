#!/usr/bin/env bash
# Issue 3's targets for the `lockstep` command, measured with the real binary on this machine:
#   (a) minimum bulk ESS per second of the WHOLE `lockstep sample` process (start to exit: data,
#       warmup, sampling, writing the .nc file, the summary), non-centered Eight Schools, against
#       rstan 2.21 (bench/peers/stan_eight_schools.R, 4 chains, 1000 + 1000, sampling() wall time)
#       run in the same invocation; ratio printed (issue 21's target >= 60);
#   (b) maximum resident set size of `lockstep sample` with 16384 chains x 1000 draws, writing
#       the .nc file and the summary (target: under 4 GB = 4e9 bytes);
#   (c) time from process start to the first draw (target: under 50 ms). Definition: from the
#       moment this script starts the process (bash $EPOCHREALTIME just before exec) until the
#       first iteration of EVERY chain has finished, i.e. the first draw of each chain exists in
#       the chain state; the sampler prints that moment when LOCKSTEP_STAMP_FIRST_DRAW is set
#       (host/run/hmc_driver.hpp, stamp_first_draw). Includes exec, dynamic loading, argument
#       parsing, reading the data, initial values, Stan's step-size heuristic and one iteration.
#       Minimum and median of 5 runs;
#   (d) writing the .nc file of 4096 x 1000 draws, the writer alone (target: under 2 s), and the
#       summary alone, and the ensemble's report alone: build/command_targets
#       (bench/command_targets.cpp);
#   (e) `lockstep ensemble peak --walkers 1024 --steps 5000` end to end (issue 21): the process's
#       wall time from outside (the median of 5 runs), the command's own "End to end" line
#       (sampling, tau and report) and the ratio report / sampling of that run (target <= 0.5). The run is validated first: every mean
#       within 5 MCSE of data/reference/peak.json.
#   (f) with --peers PYTHON (bench/peers/.venv/bin/python, install_python_peers.sh): emcee on the
#       same 1024 walkers x 5000 steps of peak (bench/peers/emcee_peak.py, stretch move, tau by
#       emcee's get_autocorr_time, as lockstep's report computes it), once per walker (emcee's
#       default) and with vectorize=True; each process timed from outside like (e). Ratio
#       emcee / lockstep wall seconds (issue 21's targets: >= 150 per walker, >= 30 vectorized);
#   (g) with --peers: nutpie (numba) on the Eight Schools of (a), 4 chains x (1000 + 1000), 2 cores
#       (bench/peers/pymc_nuts.py --diagnose: ArviZ's min bulk ESS over its sampling seconds, its
#       numba compile reported apart); ratio (a)'s whole-process ESS/s / nutpie's (target >= 20).
# Every run that gives a rate is validated first, lockstep's and the peers' alike, and a run that
# fails its check gives no rate and no ratio (the script then exits 1): (a) and (g) every mean of
# mu, tau, theta[1..8] within 5 sqrt(mcse^2 + mcse_ref^2) of posteriordb's reference (mcse =
# sd / sqrt(bulk ESS) for the peers) and R-hat < 1.01; (e) and (f) every mean of peak within
# 5 sqrt(mcse^2 + mcse_ref^2) of data/reference/peak.json (emcee: mcse = sd sqrt(tau / kept
# walker steps), its first fifth discarded).
#
# Usage (from anywhere):
#   bash bench/command_targets.sh [--build DIR] [--chains N] [--warmup W] [--algorithm A] [--skip-stan]
#                                 [--skip-memory] [--peers PYTHON]
#     --build DIR   folder holding lockstep and command_targets (default: build)
#     --chains N    chains for (a) and (c) (default 4096); --warmup W for (a) (default 1000)
#     --algorithm A nuts (the command's default), hmc or chees
# Stan needs bench/peers/install_stan.sh; its compiled model is cached in bench/peers/.cache.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
build="$repo/build"
chains=4096
warmup=1000
skip_stan=0
skip_memory=0
algorithm=nuts
peers_python=""
usage="usage: $0 [--build DIR] [--chains N] [--warmup W] [--algorithm A] [--skip-stan] [--skip-memory] [--peers PYTHON]"
# bad_flag FLAG WHY: the one-line error of bad input, exit status 2
bad_flag() { echo "command_targets: $1: $2 ($usage)" >&2; exit 2; }
# value_of FLAG ARGS...: the flag's value, or a one-line error when it has none
value_of() { (($# >= 2)) && [[ "$2" != --* ]] || bad_flag "$1" "needs a value"; printf '%s' "$2"; }
while (($#)); do
  case "$1" in
    --build) v="$(value_of "$@")" || exit 2; [[ -d "$v" ]] || bad_flag --build "no folder '$v'"; build="$(cd "$v" && pwd)"; shift 2 ;;
    --chains) chains="$(value_of "$@")" || exit 2; shift 2 ;;
    --warmup) warmup="$(value_of "$@")" || exit 2; shift 2 ;;
    --algorithm) algorithm="$(value_of "$@")" || exit 2; shift 2 ;;
    --skip-stan) skip_stan=1; shift ;;
    --skip-memory) skip_memory=1; shift ;;
    --peers) peers_python="$(value_of "$@")" || exit 2; shift 2 ;;
    *) bad_flag "$1" "unknown flag" ;;
  esac
done
[[ "$chains" =~ ^[1-9][0-9]*$ ]] || bad_flag --chains "must be a positive integer, found '$chains'"
[[ "$warmup" =~ ^[0-9]+$ ]] || bad_flag --warmup "must be a non-negative integer, found '$warmup'"
case "$algorithm" in nuts|hmc|chees) ;; *) bad_flag --algorithm "must be nuts, hmc or chees, found '$algorithm'" ;; esac
lockstep="$build/lockstep"
[[ -x "$lockstep" ]] || { echo "command_targets: $lockstep not found (build it first)" >&2; exit 2; }
data="$repo/data/eight_schools.json"
ref="$repo/data/reference/eight_schools_noncentered.json"
work="$(mktemp -d "${TMPDIR:-/tmp}/lockstep_targets.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failed=0  # a validation failed: no rate was reported for it, and the script exits 1

# check_eight_schools JSON: a peer's Eight Schools run ({"means", "sds", "ess_bulk" or "mcse",
# "max_rhat"} or {"error"}) against posteriordb's reference; prints "passed" or "FAILED: why".
check_eight_schools() {
  python3 - "$1" "$ref" <<'EOF'
import json, math, sys
try:
    d = json.loads(sys.argv[1])
except ValueError:
    print("FAILED: no JSON from the peer"); sys.exit()
if "error" in d:
    print("FAILED: " + d["error"]); sys.exit()
ref = json.load(open(sys.argv[2]))
bad = []
for n, r in ref.items():
    if n not in d.get("means", {}):
        bad.append(n + " missing"); continue
    mcse = d["mcse"][n] if "mcse" in d else d["sds"][n] / math.sqrt(max(d["ess_bulk"][n], 1.0))
    if not abs(d["means"][n] - r["mean"]) <= 5 * math.sqrt(mcse ** 2 + r.get("mcse_mean", 0.0) ** 2):
        bad.append(f"{n} mean {d['means'][n]:.4g} (ref {r['mean']:.4g})")
if not d.get("max_rhat", math.inf) < 1.01:
    bad.append(f"max R-hat {d.get('max_rhat')}")
print("passed" if not bad else "FAILED: " + "; ".join(bad))
EOF
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) hardware threads, $(free -g | awk '/Mem:/ {print $2}') GB"
echo "# lockstep: $lockstep ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# load average at start: $(load)"

# ---- (a) ESS per second, whole process --------------------------------------------------------
cmd_a=("$lockstep" sample eight_schools_noncentered --algorithm "$algorithm" --data "$data" --chains "$chains" --warmup "$warmup"
       --draws 1000 --seed 1 --quiet --output "$work/a.nc" --summary "$work/a.json")
echo "# (a) command: ${cmd_a[*]}"
load_a="$(load)"
t0=$EPOCHREALTIME
"${cmd_a[@]}" >"$work/a.out"
t1=$EPOCHREALTIME
wall_a="$(python3 -c "print(f'{$t1 - $t0:.3f}')")"
read -r min_ess min_var ok_a <<<"$(python3 - "$work/a.json" "$ref" <<'EOF'
import json, math, sys
s = json.load(open(sys.argv[1]))["parameters"]
ref = json.load(open(sys.argv[2]))
names = ["mu", "tau"] + [f"theta[{j}]" for j in range(1, 9)]
ok = True
for n in names:
    p, r = s[n], ref[n]
    bound = 5 * math.sqrt(p["mcse_mean"] ** 2 + r.get("mcse_mean", 0.0) ** 2)
    if not abs(p["mean"] - r["mean"]) <= bound or not p["r_hat"] < 1.01:
        ok = False
        print(f"# VALIDATION FAILED: {n} mean {p['mean']:.5g} ref {r['mean']:.5g} bound {bound:.3g} r_hat {p['r_hat']:.4f}", file=sys.stderr)
v = min(names, key=lambda n: s[n]["ess_bulk"])
print(f"{s[v]['ess_bulk']:.1f} {v} {'passed' if ok else 'FAILED'}")
EOF
)"
ess_rate="$(python3 -c "print(f'{$min_ess / $wall_a:.4g}')")"
echo "# (a) validation $ok_a (means of mu, tau, theta[1..8] vs posteriordb, R-hat < 1.01); load during run: $load_a"
printf '%-58s %s\n' "(a) lockstep wall seconds (whole process)" "$wall_a"
if [[ "$ok_a" == passed ]]; then
  printf '%-58s %s (%s)\n' "(a) lockstep min bulk ESS" "$min_ess" "$min_var"
  printf '%-58s %s\n' "(a) lockstep min bulk ESS per second" "$ess_rate"
else
  echo "# (a) no rate and no ratio: the run failed its check"
  ess_rate=""
  failed=1
fi
grep -E '^(Wall time|End to end|Gradient evaluations)' "$work/a.out" | sed 's/^/#     /'
if ((skip_stan == 0)); then
  cmd_s=(Rscript "$here/peers/stan_eight_schools.R" "$data" 4 1000 1000 20240601 2 --cache-dir="$here/peers/.cache")
  echo "# (a) peer command: ${cmd_s[*]}"
  load_s="$(load)"
  Rscript_out="$("${cmd_s[@]}" 2>"$work/stan.err")"
  read -r stan_rate stan_ess stan_sec stan_err <<<"$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
if "error" in d: print("nan nan nan", d["error"].replace(" ", "_"))
else: print(d["ess_bulk_per_second"], d["min_ess_bulk"], d["sampling_seconds"], "-")
' "$Rscript_out")"
  echo "# (a) peer load during run: $load_s"
  ok_s="$(check_eight_schools "$Rscript_out")"
  if [[ "$stan_err" != "-" ]]; then
    echo "# (a) peer FAILED: $stan_err"
  elif [[ "$ok_s" != passed ]]; then
    echo "# (a) peer validation $ok_s: no rate and no ratio"
    failed=1
  else
    echo "# (a) peer validation passed (means of mu, tau, theta[1..8] vs posteriordb, R-hat < 1.01)"
    printf '%-58s %.3f\n' "(a) rstan sampling() seconds (4 chains, 1000+1000)" "$stan_sec"
    printf '%-58s %.1f\n' "(a) rstan min bulk ESS" "$stan_ess"
    printf '%-58s %.4g\n' "(a) rstan min bulk ESS per second" "$stan_rate"
    if [[ -n "$ess_rate" ]]; then
      printf '%-58s %.1f   (target >= 60)\n' "(a) RATIO lockstep / rstan" "$(python3 -c "print($ess_rate / $stan_rate)")"
    fi
  fi
fi

# ---- (b) memory, 16384 chains x 1000 draws ----------------------------------------------------
if ((skip_memory == 0)); then
  cmd_b=("$lockstep" sample eight_schools_noncentered --algorithm "$algorithm" --data "$data" --chains 16384 --warmup 200 --draws 1000
         --seed 2 --quiet --output "$work/b.nc" --summary "$work/b.json")
  echo "# (b) command: /usr/bin/time -f %M ${cmd_b[*]}   (200 warmup: memory does not depend on it)"
  load_b="$(load)"
  /usr/bin/time -f '%M %e' -o "$work/b.time" "${cmd_b[@]}" >"$work/b.out"
  read -r rss_kb wall_b <"$work/b.time"
  echo "# (b) load at start: $load_b"
  printf '%-58s %s   (target < 4e9; %s s wall)\n' "(b) max RSS bytes, 16384 chains x 1000 draws" \
    "$(python3 -c "print(f'{$rss_kb * 1024:.4g}')")" "$wall_b"
  rm -f "$work/b.nc"
fi

# ---- (c) process start to first draw ----------------------------------------------------------
# Also with --threads 1: on a loaded machine every OpenMP barrier of the start-up launches can wait
# for a descheduled worker, which the single-threaded figure does not suffer.
for threads in 0 1; do
  cmd_c=("$lockstep" sample eight_schools_noncentered --algorithm "$algorithm" --data "$data" --chains "$chains" --warmup 20 --draws 10
         --seed 3 --quiet --threads "$threads")
  echo "# (c) command: LOCKSTEP_STAMP_FIRST_DRAW=1 ${cmd_c[*]}   (5 runs; --threads 0 = all cores)"
  echo "# (c) load at start: $(load)"
  lat=()
  for i in 1 2 3 4 5; do
    t0=$EPOCHREALTIME
    LOCKSTEP_STAMP_FIRST_DRAW=1 "${cmd_c[@]}" >/dev/null 2>"$work/c.err"
    stamp="$(sed -n 's/^lockstep-first-draw: //p' "$work/c.err")"
    lat+=("$(python3 -c "print(($stamp - $t0) * 1000)")")
  done
  printf '%-58s %s   (target < 50; runs: %s)\n' "(c) ms from start to first draw, min/median, threads $threads" \
    "$(python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f'{min(v):.1f} / {statistics.median(v):.1f}')" "${lat[@]}")" \
    "$(printf '%.1f ' "${lat[@]}")"
done

# ---- (d) writer alone (and the summary alone) -------------------------------------------------
if [[ -x "$build/command_targets" ]]; then
  echo "# (d) command: $build/command_targets --chains 4096 --draws 1000 --dir $work --repeat 3"
  "$build/command_targets" --chains 4096 --draws 1000 --dir "$work" --repeat 3 | sed 's/^/    /'
else
  echo "# (d) $build/command_targets not built: skipped"
fi
# ---- (e) ensemble command end to end ----------------------------------------------------------
# Validated on the same command with the first 1000 of 3000 steps discarded (the timed run keeps
# the walk away from the tiny starting ball, which biases its means by more than 5 MCSE).
"$lockstep" ensemble peak --data "$repo/data/peak.csv" --walkers 1024 --steps 3000 --discard 1000 \
  --init-ball 0.5,0.6,0.2,-0.2,0.1 --init-scale 1e-4 --seed 1 --summary "$work/ev.json" >/dev/null
ok_e="$(python3 - "$work/ev.json" "$repo/data/reference/peak.json" <<'EOF'
import json, math, sys
r = json.load(open(sys.argv[1])); ref = json.load(open(sys.argv[2]))
ok = all(abs(p["mean"] - ref[p["name"]]["mean"]) <= 5 * math.sqrt(p["mcse"] ** 2 + ref[p["name"]]["mcse_mean"] ** 2)
         for p in r["parameters"])
print("passed" if ok else "FAILED")
EOF
)"
echo "# (e) validation $ok_e (same command, 3000 steps, discard 1000: means vs the emcee reference within 5 MCSE)"
if [[ "$ok_e" != passed ]]; then
  echo "# (e) not timed: the validation run failed its check; (f) has no lockstep figure"
  failed=1
else
cmd_e=("$lockstep" ensemble peak --data "$repo/data/peak.csv" --walkers 1024 --steps 5000
       --init-ball 0.5,0.6,0.2,-0.2,0.1 --init-scale 1e-4 --seed 1 --summary)  # + "$work/e<run>.json"
echo "# (e) command: ${cmd_e[*]}   (5 runs; the median counts: this VM's run-to-run spread is +-20%)"
echo "# (e) load at start: $(load)"
walls_e=()
for run in 1 2 3 4 5; do
  t0=$EPOCHREALTIME
  "${cmd_e[@]}" "$work/e$run.json" >"$work/e$run.out"
  t1=$EPOCHREALTIME
  walls_e+=("$(python3 -c "print(f'{$t1 - $t0:.3f}')") $run")
done
read -r wall_e median_run <<<"$(printf '%s\n' "${walls_e[@]}" | sort -n | sed -n 3p)"
echo "# (e) runs (wall seconds, run): $(printf '%s; ' "${walls_e[@]}")"
read -r sampling_e report_e e2e_e <<<"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["seconds"], r["report_seconds"], r["end_to_end_seconds"])' "$work/e$median_run.json")"
grep -E '^(End to end|ensemble:)' "$work/e$median_run.out" | sed 's/^/#     /'
printf '%-58s %s\n' "(e) ensemble wall seconds (whole process, from outside)" "$wall_e   (median of 5)"
printf '%-58s %s\n' "(e) ensemble end to end (its own clock)" "$e2e_e"
printf '%-58s %s\n' "(e) ensemble sampling seconds" "$sampling_e"
printf '%-58s %s   (target <= 0.5)\n' "(e) ensemble report (tau...) / sampling" "$(python3 -c "print(f'{$report_e / $sampling_e:.2f}')")"
fi
# ---- (f) emcee on the same ensemble, (g) nutpie on the same Eight Schools ------------------------
if [[ -n "$peers_python" ]]; then
  for mode in scalar vectorized; do
    flag=(); [[ $mode == scalar ]] && flag=(--scalar)
    cmd_f=("$peers_python" "$here/peers/emcee_peak.py" --data "$repo/data/peak.csv" --walkers 1024 --steps 5000 --seed 1 "${flag[@]}")
    echo "# (f) command: ${cmd_f[*]}"
    echo "# (f) load at start: $(load)"
    t0f=$EPOCHREALTIME
    out_f="$("${cmd_f[@]}" 2>"$work/f.err")" || true
    t1f=$EPOCHREALTIME
    python3 - "$out_f" "$t0f" "$t1f" "${wall_e:-nan}" "$mode" "$repo/data/reference/peak.json" "$work/f.err" <<'EOF' || failed=1
import json, math, sys
t0, t1, wall_e, mode = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
try:
    d = json.loads(sys.argv[1])
except ValueError:
    err = open(sys.argv[7]).read().strip().splitlines()
    print(f"# (f) emcee {mode} FAILED: no JSON from emcee_peak.py ({err[-1] if err else 'no output'})")
    sys.exit(1)
if "error" in d:
    print(f"# (f) emcee {mode} FAILED: {d['error']}")
    sys.exit(1)
# The check: emcee's means (its first fifth discarded) against the reference, mcse from its tau.
ref = json.load(open(sys.argv[6]))
kept = d["walkers"] * (d["steps"] - d["steps"] // 5)
bad = []
for i, n in enumerate(["l", "m", "s", "a", "b"]):
    tau = d["tau"][i]
    mcse = ref[n]["sd"] * math.sqrt(tau / kept) if tau else math.inf
    if not abs(d["mean"][i] - ref[n]["mean"]) <= 5 * math.sqrt(mcse ** 2 + ref[n]["mcse_mean"] ** 2):
        bad.append(f"{n} mean {d['mean'][i]:.4g} (ref {ref[n]['mean']:.4g}, tau {tau})")
if bad:
    print(f"# (f) emcee {mode} validation FAILED: {'; '.join(bad)}: no ratio")
    sys.exit(1)
print(f"# (f) emcee {mode} validation passed (means vs data/reference/peak.json within 5 MCSE)")
target = 150 if mode == "scalar" else 30
tau = ", ".join("nan" if t is None else f"{t:.1f}" for t in d["tau"])
print(f"#     emcee {d['emcee_version']}: run_mcmc {d['seconds']:.2f} s, {d['walker_updates_per_second']:.3g} walker updates/s, tau {tau}")
print(f"{'(f) emcee ' + mode + ' wall seconds (whole process)':<58} {t1 - t0:.2f}")
if math.isfinite(wall_e):
    print(f"{'(f) RATIO emcee ' + mode + ' / lockstep (e), wall':<58} {(t1 - t0) / wall_e:.1f}   (target >= {target})")
EOF
  done
  cmd_g=("$peers_python" "$here/peers/pymc_nuts.py" --sampler nutpie --workload eight_schools --data "$data"
         --chains 4 --warmup 1000 --draws 1000 --seed 1 --cores 2 --diagnose)
  echo "# (g) command: ${cmd_g[*]}"
  echo "# (g) load at start: $(load)"
  out_g="$("${cmd_g[@]}" 2>"$work/g.err")" || true
  ok_g="$(check_eight_schools "$out_g")"
  echo "# (g) validation $ok_g"
  if [[ "$ok_g" != passed ]]; then
    echo "# (g) no rate and no ratio: nutpie's run failed its check"
    failed=1
  elif [[ -z "${ess_rate:-}" ]]; then
    echo "# (g) no lockstep figure from (a)"
  else
    python3 - "$out_g" "$ess_rate" <<'EOF'
import json, sys
d = json.loads(sys.argv[1]); lockstep_rate = float(sys.argv[2])
if "error" in d:
    print(f"# (g) nutpie FAILED: {d['error']}")
    sys.exit()
print(f"#     nutpie {d['versions'].get('nutpie')}: compile {d['compile_seconds']:.1f} s (apart), sampling {d['sampling_seconds']:.2f} s, "
      f"min bulk ESS {d['min_ess_bulk']:.0f} ({d['min_ess_bulk_variable']}), max R-hat {d['max_rhat']:.3f}, {d['divergences']} divergences")
print(f"{'(g) nutpie min bulk ESS per sampling second':<58} {d['ess_bulk_per_second']:.4g}")
print(f"{'(g) RATIO lockstep (a) / nutpie':<58} {lockstep_rate / d['ess_bulk_per_second']:.1f}   (target >= 20)")
EOF
  fi
fi
echo "# load average at end: $(load)"
exit "$failed"
