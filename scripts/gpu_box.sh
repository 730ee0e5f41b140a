#!/usr/bin/env bash
# The one command for a GPU machine that has the CUDA toolkit and a driver: install what is
# missing (scripts/install_deps.sh), build the CUDA backend with its tests and benchmarks for the
# detected compute capability (build-gpu/), run the CUDA test suite, run every benchmark in
# --quick mode and write bench/RESULTS-gpu.md (device, driver, clocks, the benchmark tables and
# the achieved fraction of the FP64 roofline; bench/gpu_report.py).
#
# On a machine without a CUDA device it builds, then stops with one line and exit status 0
# (CI runs it that way: the CUDA build of the library, the command, the tests and the benchmarks).
# Environment: LOCKSTEP_CUDA_ARCHS overrides the architectures (default: the detected device's,
# else 90-real); GPU_BOX_SKIP_BENCH=1 runs the tests only; GPU_BOX_HOST_ONLY_TESTS=OFF (CI) leaves
# out the test groups nvcc does not compile (g++ builds of sources the CPU build tests);
# GPU_BOX_TESTS=OFF (CI) builds no tests at all (with GPU_BOX_COMPILE_CHECK=1 only: the library,
# the command and the benchmarks; a box that runs needs its tests);
# GPU_BOX_COMPILE_CHECK=1 (CI, no device) builds unoptimized, only to check that every source
# compiles and links (-DLOCKSTEP_CUDA_COMPILE_CHECK=ON, and the library's host-only sources as a few
# units: -DLOCKSTEP_UNITY_LIBRARY=ON; never for a box that runs); GPU_BOX_HOST_TESTS=1, where there
# is no device, runs the whole CUDA-built test suite and one `lockstep sample` on the host
# (LOCKSTEP_BACKEND=cpu) before the "no CUDA device" line.
# GPU_BOX_PREBUILT=1, for a box that cannot install packages (no network): build-gpu/ was built
# elsewhere and copied here by scripts/gpu_box_pack.sh (binaries, ctest files, and the shared
# libraries they need in build-gpu/libs/); nothing is installed or built, the tests and the
# benchmarks run as below. GPU_BOX_BENCH_TIMEOUT (default 300) caps each benchmark's seconds and
# GPU_BOX_CTEST_JOBS (default 8) the tests run at once, GPU_BOX_TEST_TIMEOUT (default 600) each test's seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
if [ "${GPU_BOX_TESTS:-ON}" = "OFF" ] && [ "${GPU_BOX_COMPILE_CHECK:-0}" != "1" ]; then
  echo "gpu_box: GPU_BOX_TESTS=OFF is for a compile check (GPU_BOX_COMPILE_CHECK=1); a box that runs needs its tests" >&2
  exit 2
fi
if [ "${GPU_BOX_PREBUILT:-0}" = "1" ]; then
  [ -d build-gpu ] || [ ! -f build-gpu.tar.xz ] || tar xJf build-gpu.tar.xz
  [ -x build-gpu/lockstep ] || { echo "gpu_box: GPU_BOX_PREBUILT=1 but build-gpu/lockstep is missing (scripts/gpu_box_pack.sh)" >&2; exit 2; }
  export LD_LIBRARY_PATH="$PWD/build-gpu/libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # The ctest files and the tests' data paths name the source folder the build was made in.
  built_in=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build-gpu/CMakeCache.txt)
  if [ -n "$built_in" ] && [ "$built_in" != "$PWD" ] && [ ! -e "$built_in" ]; then
    mkdir -p "$(dirname "$built_in")" && ln -s "$PWD" "$built_in"
    echo "gpu_box: $built_in -> $PWD (the folder the build was made in)"
  fi
  archs=$(sed -n 's/^LOCKSTEP_CUDA_ARCHS:[A-Z]*=//p' build-gpu/CMakeCache.txt)
else
  # The ArviZ round-trip test reads files with Python; a box without PyPI access still builds.
  LOCKSTEP_ALLOW_NO_ARVIZ=${LOCKSTEP_ALLOW_NO_ARVIZ:-1} bash scripts/install_deps.sh
  command -v nvcc >/dev/null || { echo "gpu_box: nvcc not found (install the CUDA toolkit)" >&2; exit 1; }
  arch=""
  if command -v nvidia-smi >/dev/null 2>&1; then
    cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .' || true)
    [ -n "$cc" ] && arch="${cc}-real"
  fi
  archs=${LOCKSTEP_CUDA_ARCHS:-${arch:-90-real}}
  echo "gpu_box: building build-gpu/ for CUDA architectures $archs"
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOCKSTEP_CUDA=ON -DLOCKSTEP_CUDA_ARCHS="$archs" \
    -DLOCKSTEP_TESTS="${GPU_BOX_TESTS:-ON}" -DLOCKSTEP_CUDA_HOST_ONLY_TESTS="${GPU_BOX_HOST_ONLY_TESTS:-ON}" \
    -DLOCKSTEP_CUDA_COMPILE_CHECK="$([ "${GPU_BOX_COMPILE_CHECK:-0}" = 1 ] && echo ON || echo OFF)" \
    -DLOCKSTEP_UNITY_LIBRARY="$([ "${GPU_BOX_COMPILE_CHECK:-0}" = 1 ] && echo ON || echo OFF)" \
    -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" >/dev/null
  # The build log keeps nvcc's per-kernel resource usage; the screen gets the rest.
  if ! cmake --build build-gpu -j "$(nproc)" 2>&1 | tee build-gpu/build.log |
      { grep -v -E "^(ptxas info|    [0-9]+ bytes stack| *REG:|Resource usage|Function |  GLOBAL:|Common:)" || true; }; then
    echo "gpu_box: the CUDA build failed (build-gpu/build.log)" >&2
    exit 1
  fi
  echo "gpu_box: built in $(( $(date +%s) - t0 )) s"
  # Every kernel, its registers per thread and the block size the occupancy API will pick.
  python3 scripts/kernel_shapes.py build-gpu/build.log --arch "${archs%%[-;]*}" | tee build-gpu/kernel_shapes.md | tail -4
fi

devices=$(build-gpu/lockstep info | sed -n 's/^cuda_devices: //p')
if [ "${devices:-0}" = "0" ]; then
  if [ "${GPU_BOX_HOST_TESTS:-0}" = "1" ]; then
    # The CUDA binaries' host path (--backend cpu): the whole suite, compiled by nvcc, in the
    # GPU's shape (one chain per lane, coalesced layouts, separate draw buffers), then one run
    # of the command.
    # The whole log goes to build-gpu/ctest-host.log; the screen gets the summary, and on a
    # failure the failed tests' output too (then exit status 1).
    echo "gpu_box: the CUDA build on the host (LOCKSTEP_BACKEND=cpu): the whole test suite"
    th=$(date +%s)
    if ! (cd build-gpu && LOCKSTEP_BACKEND=cpu ctest --output-on-failure -j 2 --timeout 900) \
        > build-gpu/ctest-host.log 2>&1; then
      grep -v -E "^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed" build-gpu/ctest-host.log | tail -200
      echo "gpu_box: the CUDA-built suite failed on the host (build-gpu/ctest-host.log)" >&2
      exit 1
    fi
    tail -3 build-gpu/ctest-host.log
    echo "gpu_box: the CUDA-built suite on the host took $(( $(date +%s) - th )) s"
    build-gpu/lockstep sample eight_schools_noncentered --data data/eight_schools.json --backend cpu \
      --chains 64 --warmup 300 --draws 300 --seed 1 --quiet | tail -3
  fi
  echo "gpu_box: no CUDA device (cudaGetDeviceCount reports 0); the CUDA build is complete, nothing to run"
  exit 0
fi
if [ "${GPU_BOX_COMPILE_CHECK:-0}" = "1" ]; then
  echo "gpu_box: GPU_BOX_COMPILE_CHECK=1 built unoptimized binaries; rerun without it to test and benchmark on the device"
  exit 0
fi
build-gpu/lockstep info
logs=${GPU_BOX_LOGS:-build-gpu}   # ctest.log and bench/*.txt (a box's results folder, if set)
mkdir -p "$logs/bench"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,memory.total --format=csv > "$logs/device.csv" || true

echo "gpu_box: CUDA test suite"
tt=$(date +%s)
tests_ok=1
(cd build-gpu && LOCKSTEP_ALLOW_NO_ARVIZ=${LOCKSTEP_ALLOW_NO_ARVIZ:-1} ctest --output-on-failure -j "${GPU_BOX_CTEST_JOBS:-8}" --timeout "${GPU_BOX_TEST_TIMEOUT:-600}") > "$logs/ctest.log" 2>&1 || tests_ok=0
grep -v -E "^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed" "$logs/ctest.log" | tail -40
echo "gpu_box: CUDA test suite took $(( $(date +%s) - tt )) s"
[ "${GPU_BOX_SKIP_BENCH:-0}" = "1" ] && { [ $tests_ok = 1 ]; exit $?; }

# Each benchmark validates its answers before it times anything (bench/bench_common.hpp). The
# peers (Stan, emcee) run only where they are installed; a box without them skips that half.
peers_stan=""; command -v Rscript >/dev/null 2>&1 || peers_stan="--no-stan"
peers_emcee=""; python3 -c "import emcee" >/dev/null 2>&1 || peers_emcee="--no-emcee"
benches=("hmc_throughput --quick" "nuts_ess --quick $peers_stan" "chees_throughput --quick"
         "ensemble_throughput --quick $peers_emcee" "sbi_throughput" "glmm_radon --quick $peers_stan")
for entry in "${benches[@]}"; do
  read -r -a cmd <<< "$entry"
  b=${cmd[0]}
  echo "gpu_box: ${cmd[*]}"
  tb=$(date +%s)
  (cd build-gpu && timeout "${GPU_BOX_BENCH_TIMEOUT:-300}" "./$b" "${cmd[@]:1}") > "$logs/bench/$b.txt" 2>&1 ||
    echo "gpu_box: $b failed or ran past GPU_BOX_BENCH_TIMEOUT (see $logs/bench/$b.txt)"
  tail -5 "$logs/bench/$b.txt"
  echo "gpu_box: $b took $(( $(date +%s) - tb )) s"
done
# The command end to end (the README's demo, then 16x the chains): start to exit, summary included.
for chains in 4096 65536; do
  te=$(date +%s.%N)
  build-gpu/lockstep sample eight_schools_noncentered --data data/eight_schools.json --chains $chains \
    --warmup 1000 --draws 1000 --seed 20261122 --quiet --summary "$logs/demo_$chains.json" > "$logs/bench/demo_$chains.txt" 2>&1 ||
    echo "gpu_box: the demo at $chains chains failed (see $logs/bench/demo_$chains.txt)"
  echo "end to end: $(python3 -c "import time; print(f'{time.time() - $te:.2f}')") s" >> "$logs/bench/demo_$chains.txt"
  tail -4 "$logs/bench/demo_$chains.txt"
done
python3 bench/gpu_report.py "$logs" bench/RESULTS-gpu.md
echo "gpu_box: bench/RESULTS-gpu.md written; total $(( $(date +%s) - t0 )) s"
[ $tests_ok = 1 ] || { echo "gpu_box: the CUDA test suite failed ($logs/ctest.log)" >&2; exit 1; }
