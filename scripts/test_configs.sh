#!/usr/bin/env bash
# The whole test suite in other build configurations, each in its own build directory (after
# `bash scripts/test.sh`, which covers the default CPU SIMD, double build). CI runs
# gpu-layout-float (.ci/run, step 4: both departures from the default in one build, within CI's
# time).
#
#   build-gpu-layout        -DLOCKSTEP_GPU_LAYOUT=ON  the CUDA build's shape on the CPU: one
#                                                     chain per lane, NUTS's coalesced layout, no
#                                                     CPU-only padding, separate draw buffers
#   build-float             -DLOCKSTEP_REAL_FLOAT=ON  Real = float (tolerances:
#                                                     tests/build_config.hpp), CPU SIMD blocks
#   build-gpu-layout-float  both
#   build-sanitize          -DLOCKSTEP_SANITIZE=address,undefined  the default configuration
#                                                     under AddressSanitizer (with LeakSanitizer)
#                                                     and UndefinedBehaviorSanitizer; any finding
#                                                     fails its test (CI runs it, .ci/run)
#
#   bash scripts/test_configs.sh              gpu-layout and float
#   bash scripts/test_configs.sh gpu-layout   one or more of them (gpu-layout, float, gpu-layout-float, sanitize)
#
# Benchmarks are not built (-DLOCKSTEP_BENCH=OFF). Each configuration prints its build and
# test wall times; on 2 cores each test run takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(gpu-layout float)

for c in "${configs[@]}"; do
  case "$c" in
    gpu-layout) dir=build-gpu-layout; flags=(-DLOCKSTEP_GPU_LAYOUT=ON -DLOCKSTEP_REAL_FLOAT=OFF) ;;
    float) dir=build-float; flags=(-DLOCKSTEP_GPU_LAYOUT=OFF -DLOCKSTEP_REAL_FLOAT=ON) ;;
    gpu-layout-float) dir=build-gpu-layout-float; flags=(-DLOCKSTEP_GPU_LAYOUT=ON -DLOCKSTEP_REAL_FLOAT=ON) ;;
    sanitize) dir=build-sanitize; flags=(-DLOCKSTEP_GPU_LAYOUT=OFF -DLOCKSTEP_REAL_FLOAT=OFF
                                         -DLOCKSTEP_SANITIZE=address,undefined) ;;
    *) echo "test_configs: unknown configuration '$c' (gpu-layout, float, gpu-layout-float or sanitize)" >&2; exit 2 ;;
  esac
  echo "test_configs: $c ($dir, ${flags[*]})"
  # The Python package is a host-side binding over the library: built and tested in build/ only.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${flags[@]}" -DLOCKSTEP_BENCH=OFF -DLOCKSTEP_PYTHON=OFF \
    >/dev/null
  t0=$(date +%s)
  cmake --build "$dir" -j "$(nproc)"
  t1=$(date +%s)
  if [ "$c" != sanitize ]; then
    (cd "$dir" && ctest --output-on-failure -j 2 --timeout 900)
  else
    # Sanitizer findings end the program with a report (halt_on_error); leaks are findings too,
    # except Open MPI's own (scripts/lsan_suppressions.txt), which the suppressions recognize only
    # with full malloc stacks (fast_unwind_on_malloc=0, slow: for the MPI tests alone). Two tests
    # are left out: they pin the bits of -O3 code generation (FMA contraction, vectorized sums),
    # which the instrumentation changes, and they run in every other configuration.
    bits='Leapfrog\.BatchAndScalarViewsAgreeBitwise|SummaryParallel\.EveryThreadCountGivesTheSerialBitsAndTheOldBits'
    asan=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1
    (cd "$dir" && export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       LSAN_OPTIONS="suppressions=$PWD/../scripts/lsan_suppressions.txt" OMPI_MCA_mca_base_component_disable_dlclose=1 &&
     ASAN_OPTIONS=$asan ctest --output-on-failure -j 2 --timeout 900 -E "^($bits)\$|^MpiRun\." &&
     ASAN_OPTIONS=$asan:fast_unwind_on_malloc=0 ctest --output-on-failure -j 2 --timeout 900 -R "^MpiRun\.")
  fi
  t2=$(date +%s)
  echo "test_configs: $c: build $((t1 - t0)) s, tests $((t2 - t1)) s"
done
