#!/usr/bin/env bash
# Tests lockstep as an installed package (issue 12): builds lockstep (CPU backend, Release,
# no tests or benchmarks) in a temporary build folder, `cmake --install`s it into a temporary
# prefix, then builds examples/custom_model -- a separate CMake project that finds lockstep
# with find_package(lockstep) and adds a logistic regression model -- against that prefix
# only, and runs it:
#
#   custom_lockstep models          lists logistic_regression AND every built-in model
#   custom_lockstep check ...       gradient/transform checks pass (exit 0)
#   custom_lockstep sample ...      64 chains x (500 + 500); each parameter's posterior mean is
#                                   within 5 sqrt(mcse^2 + ref_mcse^2) of the reference
#                                   (examples/custom_model/data/logistic_reference.json, computed
#                                   independently by make_data.py) and its sd within 10%.
#
# To make sure the example uses nothing but the installed files, the install goes to a staging
# prefix that is then moved elsewhere (a relocated install must still work), the lockstep build
# folder is deleted before the example is configured, the example is copied out of the source
# tree, and the installed CMake files must not mention the source or build folders.
#
# Runs from a clean checkout (installs the build dependencies first). Exits non-zero on any
# failure. Environment: JOBS (parallel build jobs, default nproc), KEEP_TMP=1 (keep the
# temporary folder), LOCKSTEP_ARCH (passed to lockstep's CMake, default native),
# INSTALL_FROM=<build folder>: install from that existing Release build instead of building
# lockstep again (CI passes build/, which the README's test command has just built: the same
# library and command, so the install is the same; a configure-only run with tests and benches
# off still checks that configuration). The folder is moved aside while the example is built
# and run -- nothing may come from it -- and put back on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}

# The build dependencies (idempotent); ArviZ is not needed here.
LOCKSTEP_ALLOW_NO_ARVIZ=${LOCKSTEP_ALLOW_NO_ARVIZ:-1} bash scripts/install_deps.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/lockstep-install-test.XXXXXX")
if [ "${KEEP_TMP:-0}" = "1" ]; then
  echo "test_install: keeping $TMP"
else
  trap 'rm -rf "$TMP"' EXIT
fi
BUILD=$TMP/build
STAGE=$TMP/stage
PREFIX=$TMP/prefix
EXAMPLE_SRC=$TMP/custom_model
EXAMPLE_BUILD=$TMP/custom_build
GEN=()
command -v ninja >/dev/null 2>&1 && GEN=(-G Ninja)

fail() { echo "test_install: FAIL: $*" >&2; exit 1; }
t0=$(date +%s)
step_start=$t0
step_name=""
step() {  # prints the time the previous step took, then the next step's title
  local now; now=$(date +%s)
  [ -n "$step_name" ] && echo "-- $((now - step_start)) s"
  step_name=$1; step_start=$now
  echo "== test_install: $1"
}

# ---- 1. build and install lockstep ---------------------------------------------------------
configure_release() {  # $1: build folder
  cmake -S "$ROOT" -B "$1" ${GEN[@]+"${GEN[@]}"} -DCMAKE_BUILD_TYPE=Release -DLOCKSTEP_TESTS=OFF -DLOCKSTEP_BENCH=OFF \
    ${LOCKSTEP_ARCH:+-DLOCKSTEP_ARCH=$LOCKSTEP_ARCH} -DCMAKE_INSTALL_PREFIX="$STAGE" >"$TMP/configure.log" \
    || { cat "$TMP/configure.log"; fail "configuring lockstep"; }
}
if [ -n "${INSTALL_FROM:-}" ]; then
  step "configure lockstep (Release, tests and benches off) in $BUILD; install from $INSTALL_FROM"
  [ -f "$INSTALL_FROM/CMakeCache.txt" ] || fail "INSTALL_FROM=$INSTALL_FROM: not a CMake build folder"
  grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$INSTALL_FROM/CMakeCache.txt" \
    || fail "INSTALL_FROM=$INSTALL_FROM: not a Release build"
  configure_release "$BUILD"
  rm -rf "$BUILD"
  BUILD=$(cd "$INSTALL_FROM" && pwd)
  cmake --build "$BUILD" -j "$JOBS" --target lockstep
else
  step "build lockstep (Release, tests and benches off) in $BUILD"
  configure_release "$BUILD"
  cmake --build "$BUILD" -j "$JOBS"
fi

step "cmake --install into $STAGE, then move it to $PREFIX"
cmake --install "$BUILD" --prefix "$STAGE" >"$TMP/install.log" || { cat "$TMP/install.log"; fail "cmake --install"; }
mv "$STAGE" "$PREFIX"
LIBDIR=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
CONFIG_DIR=$PREFIX/${LIBDIR:-lib}/cmake/lockstep
for f in "$CONFIG_DIR/lockstepConfig.cmake" "$CONFIG_DIR/lockstepConfigVersion.cmake" \
         "$CONFIG_DIR/lockstepTargets.cmake" "$PREFIX/${LIBDIR:-lib}/liblockstep.a" \
         "$PREFIX/include/lockstep/host/cli/run_cli.hpp" "$PREFIX/include/lockstep/host/registry/model_entry.hpp" \
         "$PREFIX/include/lockstep/models/contract/model_contract.hpp" "$PREFIX/include/lockstep/kernels/core/batch.hpp" \
         "$PREFIX/bin/lockstep"; do
  [ -f "$f" ] || fail "not installed: ${f#"$PREFIX"/}"
done
# Every quoted #include of an installed header resolves inside the installed tree.
missing=$(cd "$PREFIX/include/lockstep" &&
  grep -rhoE '#include "[^"]+"' . | sed 's/#include "\(.*\)"/\1/' | sort -u |
  while read -r h; do [ -f "$h" ] || echo "$h"; done)
[ -z "$missing" ] || fail "installed headers include files that are not installed: $missing"
if grep -rlF -e "$ROOT" -e "$BUILD" -e "$STAGE" "$CONFIG_DIR" >/dev/null; then
  grep -rnF -e "$ROOT" -e "$BUILD" -e "$STAGE" "$CONFIG_DIR" >&2
  fail "the installed CMake files name the source, build or staging folder (above)"
fi
# Absolute paths outside the prefix (system dependencies) are legitimate but tie the package to
# this machine's layout: list them.
abs=$(grep -hoE '"[^"]*"' "$CONFIG_DIR"/lockstepTargets.cmake | tr -d '"' | tr ';' '\n' |
      grep -E '^/.' | sort -u || true)
[ -z "$abs" ] || echo "test_install: note: absolute paths in lockstepTargets.cmake: $(echo $abs)"
# Nothing may come from the build folder any more: deleted, or (INSTALL_FROM) moved aside
# until the script exits.
if [ -n "${INSTALL_FROM:-}" ]; then
  HIDDEN=$BUILD.hidden-by-test-install
  [ ! -e "$HIDDEN" ] || fail "$HIDDEN exists (left by an interrupted run? move it back to $BUILD)"
  mv "$BUILD" "$HIDDEN"
  restore_build() { mv "$HIDDEN" "$BUILD"; [ "${KEEP_TMP:-0}" = "1" ] || rm -rf "$TMP"; }
  trap restore_build EXIT
else
  rm -rf "$BUILD"
fi

# ---- 2. the example, a separate project, against the installed lockstep only -----------------
step "configure and build examples/custom_model against $PREFIX"
cp -r "$ROOT/examples/custom_model" "$EXAMPLE_SRC"
rm -rf "$EXAMPLE_SRC/build"
cmake -S "$EXAMPLE_SRC" -B "$EXAMPLE_BUILD" ${GEN[@]+"${GEN[@]}"} -DCMAKE_PREFIX_PATH="$PREFIX" >"$TMP/example_configure.log" \
  || { cat "$TMP/example_configure.log"; fail "configuring examples/custom_model"; }
found=$(sed -n 's/^lockstep_DIR:[A-Z]*=//p' "$EXAMPLE_BUILD/CMakeCache.txt")
[ "$found" = "$CONFIG_DIR" ] || fail "find_package(lockstep) found '$found', expected '$CONFIG_DIR'"
cmake --build "$EXAMPLE_BUILD" -j "$JOBS"
EXE=$EXAMPLE_BUILD/custom_lockstep
[ -x "$EXE" ] || fail "no executable $EXE"

DATA=examples/custom_model/data/logistic.csv
REF=examples/custom_model/data/logistic_reference.json

# ---- 3. run it -----------------------------------------------------------------------------
step "custom_lockstep models"
"$EXE" models >"$TMP/models.txt" || { cat "$TMP/models.txt"; fail "custom_lockstep models exited non-zero"; }
# Model names are the lines that do not start with a space.
names() { grep -E '^[A-Za-z0-9_]' "$1" | sort -u; }
names "$TMP/models.txt" | grep -qx logistic_regression || { cat "$TMP/models.txt"; fail "models does not list logistic_regression"; }
"$PREFIX/bin/lockstep" models >"$TMP/builtin.txt"
builtins=$(names "$TMP/builtin.txt")
[ -n "$builtins" ] || fail "the installed lockstep lists no models"
absent=$(comm -23 <(echo "$builtins") <(names "$TMP/models.txt"))
[ -z "$absent" ] || fail "custom_lockstep models misses built-in model(s): $absent"
echo "models: logistic_regression and the built-ins: $(echo $builtins)"

step "custom_lockstep check logistic_regression"
"$EXE" check logistic_regression --data "$DATA" || fail "custom_lockstep check exited non-zero"

step "custom_lockstep sample logistic_regression (64 chains, 500 + 500)"
SUMMARY=$TMP/summary.json
"$EXE" sample logistic_regression --data "$DATA" --chains 64 --warmup 500 --draws 500 --seed 1 \
  --summary "$SUMMARY" --quiet || fail "custom_lockstep sample exited non-zero"

step "compare the posterior with $REF"
python3 - "$SUMMARY" "$REF" <<'EOF' || fail "posterior does not match the reference (above)"
import json, math, sys
summary = json.load(open(sys.argv[1]))["parameters"]
ref = json.load(open(sys.argv[2]))
bad = 0
print("mean: |gap| < 5 se, se = sqrt(mcse^2 + ref_mcse^2);  sd: |sd / ref sd - 1| < 10%")
print("%-8s %10s %10s %9s %8s %7s   %8s %8s %7s" %
      ("param", "mean", "ref", "gap", "se", "gap/se", "sd", "ref sd", "sd gap"))
for name, r in ref.items():
    s = summary.get(name)
    if s is None:
        print("%s: not in the summary" % name); bad += 1; continue
    se = math.sqrt(s["mcse_mean"] ** 2 + r.get("mcse_mean", 0.0) ** 2)
    gap = s["mean"] - r["mean"]
    sd_gap = (s["sd"] - r["sd"]) / r["sd"]
    ok_mean = abs(gap) < 5 * se
    ok_sd = abs(sd_gap) < 0.10
    bad += (not ok_mean) + (not ok_sd)
    print("%-8s %10.5f %10.5f %+9.5f %8.5f %+7.2f   %8.5f %8.5f %+6.1f%%  %s" %
          (name, s["mean"], r["mean"], gap, se, gap / se, s["sd"], r["sd"], 100 * sd_gap,
           "ok" if ok_mean and ok_sd else "FAIL" + ("" if ok_mean else " (mean)") + ("" if ok_sd else " (sd)")))
sys.exit(1 if bad else 0)
EOF

step_done() { local now; now=$(date +%s); echo "-- $((now - step_start)) s"; }
step_done
echo "test_install: passed in $(( $(date +%s) - t0 )) s"
