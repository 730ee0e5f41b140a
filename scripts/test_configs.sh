#!/usr/bin/env bash
# The whole test suite in other build configurations, each in its own build directory (after
# `bash scripts/test.sh`, which covers the default CPU SIMD, double build). CI runs
# gpu-layout-float-sanitize (.ci/run, step 4: both departures from the default and ASan + UBSan in
# one build, within CI's time).
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
#                                                     fails its test
#   build-tsan              -DLOCKSTEP_SANITIZE=thread  the default configuration under
#                                                     ThreadSanitizer, OpenMP through LLVM's libomp
#                                                     with its Archer tool (below)
#   build-gpu-layout-float-tsan                       gpu-layout-float under ThreadSanitizer
#   build-gpu-layout-float-sanitize                   gpu-layout-float under ASan + UBSan (CI's
#                                                     step 4; without the MPI tests, which
#                                                     `sanitize` runs, and without UBSan's
#                                                     pointer-overflow check, which `sanitize`
#                                                     keeps: CMakeLists.txt, LOCKSTEP_NO_SANITIZE)
#
# The sanitizer builds use clang at -O1 (clang++ and LLVM's libomp are installed here if
# missing). For ASan + UBSan that is a build of 10 minutes on 2 cores instead of 46 with g++ -O3
# (UndefinedBehaviorSanitizer more than doubles a source's compile time, AddressSanitizer adds
# half; clang -O1 compiles a source in half of g++ -O3's time), and the suite then runs in about
# the same time (the heaviest posterior test runs 1/8 of its chains under a sanitizer:
# tests/build_config.hpp). ThreadSanitizer needs an OpenMP runtime that tells it about its
# barriers, locks and task joins: Debian's libgomp is not instrumented (every barrier would read
# as a race); LLVM's libomp with its Archer tool (OMP_TOOL_LIBRARIES=libarcher.so) supplies
# exactly those happens-before edges, and TSAN_OPTIONS=ignore_noninstrumented_modules=1 leaves
# the runtime's own accesses out. Under TSan the tests that run `mpirun` are left out: Open MPI
# is not instrumented either.
#
#   bash scripts/test_configs.sh              gpu-layout and float
#   bash scripts/test_configs.sh gpu-layout   one or more of them (gpu-layout, float, gpu-layout-float, sanitize, tsan,
#                                             gpu-layout-float-tsan, gpu-layout-float-sanitize)
#
# Benchmarks are not built (-DLOCKSTEP_BENCH=OFF). Each configuration prints its build and
# test wall times; on 2 cores each test run takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(gpu-layout float)

# clang and LLVM's OpenMP runtime (with Archer) for the sanitizer builds.
need_clang() {
  command -v clang++ >/dev/null && [ -e "$(archer_library)" ] && return 0
  echo "test_configs: installing clang and libomp-dev"
  local sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq clang libomp-dev >/dev/null
}
archer_library() {
  local v
  v=$(clang++ -dumpversion 2>/dev/null | cut -d. -f1)
  echo "/usr/lib/llvm-${v:-0}/lib/libarcher.so"
}

for c in "${configs[@]}"; do
  compilers=()
  case "$c" in
    gpu-layout) dir=build-gpu-layout; flags=(-DLOCKSTEP_GPU_LAYOUT=ON -DLOCKSTEP_REAL_FLOAT=OFF) ;;
    float) dir=build-float; flags=(-DLOCKSTEP_GPU_LAYOUT=OFF -DLOCKSTEP_REAL_FLOAT=ON) ;;
    gpu-layout-float) dir=build-gpu-layout-float; flags=(-DLOCKSTEP_GPU_LAYOUT=ON -DLOCKSTEP_REAL_FLOAT=ON) ;;
    sanitize) dir=build-sanitize; flags=(-DLOCKSTEP_GPU_LAYOUT=OFF -DLOCKSTEP_REAL_FLOAT=OFF
                                         -DLOCKSTEP_SANITIZE=address,undefined) ;;
    tsan) dir=build-tsan; flags=(-DLOCKSTEP_GPU_LAYOUT=OFF -DLOCKSTEP_REAL_FLOAT=OFF -DLOCKSTEP_SANITIZE=thread) ;;
    gpu-layout-float-tsan) dir=build-gpu-layout-float-tsan; flags=(-DLOCKSTEP_GPU_LAYOUT=ON -DLOCKSTEP_REAL_FLOAT=ON
                                                                   -DLOCKSTEP_SANITIZE=thread) ;;
    gpu-layout-float-sanitize) dir=build-gpu-layout-float-sanitize; flags=(-DLOCKSTEP_GPU_LAYOUT=ON
                                 -DLOCKSTEP_REAL_FLOAT=ON -DLOCKSTEP_SANITIZE=address,undefined
                                 -DLOCKSTEP_NO_SANITIZE=pointer-overflow) ;;
    *) echo "test_configs: unknown configuration '$c' (gpu-layout, float, gpu-layout-float, sanitize, tsan," \
            "gpu-layout-float-tsan or gpu-layout-float-sanitize)" >&2
       exit 2 ;;
  esac
  if [[ "$c" == *sanitize ]] || [[ "$c" == *tsan ]]; then
    need_clang
    # A checking build: the library's host-only sources as a few units (CMakeLists.txt,
    # LOCKSTEP_UNITY_LIBRARY; the tests are one unit per folder in every CPU build).
    compilers=(-DCMAKE_CXX_COMPILER=clang++ "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" -DLOCKSTEP_UNITY_LIBRARY=ON)
  fi
  echo "test_configs: $c ($dir, ${flags[*]})"
  # The Python package is a host-side binding over the library: built and tested in build/ only.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${compilers[@]}" "${flags[@]}" -DLOCKSTEP_BENCH=OFF \
    -DLOCKSTEP_PYTHON=OFF >/dev/null
  t0=$(date +%s)
  cmake --build "$dir" -j "$(nproc)"
  t1=$(date +%s)
  # Two tests pin the bits of g++ -O3 code generation (FMA contraction, vectorized sums), which
  # another compiler, level or instrumentation changes: they run in every other configuration.
  bits='Leapfrog\.BatchAndScalarViewsAgreeBitwise|SummaryParallel\.EveryThreadCountGivesTheSerialBitsAndTheOldBits'
  case "$c" in
    *sanitize)
      # Sanitizer findings end the program with a report (halt_on_error); leaks are findings too,
      # except Open MPI's own (scripts/lsan_suppressions.txt), which the suppressions recognize
      # only with full malloc stacks (fast_unwind_on_malloc=0, slow: for the MPI tests alone).
      asan=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1
      (cd "$dir" && export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
         LSAN_OPTIONS="suppressions=$PWD/../scripts/lsan_suppressions.txt" OMPI_MCA_mca_base_component_disable_dlclose=1 &&
       ASAN_OPTIONS=$asan ctest --output-on-failure -j 2 --timeout 900 -E "^($bits)\$|^MpiRun\." &&
       if [ "$c" = sanitize ]; then
         ASAN_OPTIONS=$asan:fast_unwind_on_malloc=0 ctest --output-on-failure -j 2 --timeout 900 -R "^MpiRun\."
       fi) ;;
    *tsan)
      # Every test but those that start mpirun, every thread count they use (the command's
      # --threads 2 default on this machine, the suites' explicit 1 to 8). A race report fails
      # its test (halt_on_error, exit code 66).
      (cd "$dir" && export OMP_TOOL_LIBRARIES="$(archer_library)" \
         TSAN_OPTIONS=ignore_noninstrumented_modules=1:halt_on_error=1:exitcode=66:second_deadlock_stack=1 &&
       ctest --output-on-failure -j 2 --timeout 1800 -E "^($bits)\$|^MpiRun\.") ;;
    *) (cd "$dir" && ctest --output-on-failure -j 2 --timeout 900) ;;
  esac
  t2=$(date +%s)
  echo "test_configs: $c: build $((t1 - t0)) s, tests $((t2 - t1)) s"
done
