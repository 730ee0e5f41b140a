#!/usr/bin/env bash
# Fuzzes the readers that face users' input (fuzz/fuzz_targets.hpp): libFuzzer under ASan and
# UBSan, one target after another (two at a time), each for FUZZ_SECONDS (default 600), from
# the committed corpus fuzz/corpus/<target>/ (seeded with the repository's data files). Prints
# one line per target: executions, executions per second, corpus size, crashes. A crash, leak,
# hang (> 10 s on one input) or undefined behaviour stops that target; its input is copied to
# fuzz/regressions/<target>/ (commit it: tests/fuzz replays every file there) and the script
# exits 1.
#
#   bash scripts/fuzz.sh                      all targets, 10 minutes each
#   FUZZ_SECONDS=30 FUZZ_SEED=1 bash scripts/fuzz.sh
#                                             CI's smoke run (a fixed seed: the same inputs
#                                             in the same order on every machine, as far as
#                                             its speed gets in the time)
#   FUZZ_UPDATE_CORPUS=1 bash scripts/fuzz.sh also merge what was found into fuzz/corpus/
#   bash scripts/fuzz.sh json_data stan_csv   some targets
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
seed_flag=()
[ -n "${FUZZ_SEED:-}" ] && seed_flag=(-seed="$FUZZ_SEED")
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json_data csv_data stan_csv set_options init_values)

if ! command -v clang++ >/dev/null; then
  echo "fuzz: installing clang (libFuzzer)"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq clang >/dev/null
fi
bash scripts/install_deps.sh
cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz -j "$(nproc)"

run_target() {
  local t=$1 work=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
  rm -rf "$work" "$crashes" && mkdir -p "$work" "$crashes"
  cp fuzz/corpus/"$t"/* "$work"/
  local status=0
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build-fuzz/fuzz_"$t" "$work" ${seed_flag[@]+"${seed_flag[@]}"} -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$crashes"/ > build-fuzz/fuzz_"$t".log 2>&1 || status=$?
  local execs rate files
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/fuzz_"$t".log | grep -o '[0-9]*$' || echo 0)
  rate=$(( execs / (seconds > 0 ? seconds : 1) ))
  files=$(find "$work" -type f | wc -l)
  local found
  found=$(find "$crashes" -type f | wc -l)
  printf 'fuzz: %-12s %4ss %12s executions %8s/s  corpus %5s files  crashes %s\n' "$t" "$seconds" "$execs" "$rate" "$files" "$found"
  if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
    mkdir -p fuzz/regressions/"$t"
    cp "$crashes"/* fuzz/regressions/"$t"/ 2>/dev/null || true
    echo "fuzz: $t failed (status $status): see build-fuzz/fuzz_$t.log; inputs copied to fuzz/regressions/$t/" >&2
    return 1
  fi
  if [ "${FUZZ_UPDATE_CORPUS:-0}" = 1 ]; then
    build-fuzz/fuzz_"$t" -merge=1 fuzz/corpus/"$t" "$work" > /dev/null 2>&1
  fi
}

failed=0
pids=()
names=()
for t in "${targets[@]}"; do
  [ -d fuzz/corpus/"$t" ] || { echo "fuzz: unknown target '$t'" >&2; exit 2; }
  run_target "$t" & pids+=($!); names+=("$t")
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "$failed" -eq 0 ] && echo "fuzz: every target ran $seconds s with no crash, leak, hang or undefined behaviour"
exit "$failed"
