#!/usr/bin/env bash
# scripts/gpu_box_pack.sh CUDA_BUILD_DIR [DEST]: makes DEST (default build-gpu/) a copy of a CUDA
# build made on this machine that runs on a GPU box which cannot install packages (no network,
# another Linux, nothing of lockstep's dependencies) — `GPU_BOX_PREBUILT=1 bash scripts/gpu_box.sh`
# there runs the test suite and the benchmarks from it without building anything.
#
# What DEST holds:
#   - every executable of the build (the command, test_*, the benchmarks), stripped of host symbols
#     (the device code in .nv_fatbin stays);
#   - CMakeCache.txt and the ctest files, with GoogleTest's test lists discovered HERE (listing
#     tests runs no kernel) and frozen: each test_<group>[1]_include.cmake is rewritten to include
#     its list directly, so that the box's ctest, whatever its version, needs none of this
#     machine's CMake modules;
#   - libs/: the shared libraries the executables need beyond the C library, the C++ runtime and
#     the CUDA driver (netCDF, HDF5 and theirs, OpenMP's runtime, fmt), for LD_LIBRARY_PATH.
# DEST.tar.xz, the same compressed, is what travels to the box (gpu_box.sh unpacks it when DEST is
# missing there). GPU_BOX_PACK_LEAVE_OUT="name ..." leaves executables out (to stay under a
# transfer limit: each benchmark carries the whole model table's device code, ~20 MB).
# Paths inside the ctest files and the tests' compiled-in data paths name the source folder the
# build was configured in; gpu_box.sh links that folder to the box's checkout when it is missing
# there. Build with a portable -march (e.g. -DLOCKSTEP_ARCH=x86-64-v3): the box's CPU may differ.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/gpu_box_pack.sh CUDA_BUILD_DIR [DEST]" >&2; exit 2; }
src=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
dst=${2:-build-gpu}
[ -f "$src/CMakeCache.txt" ] || { echo "gpu_box_pack: $src: no CMakeCache.txt (not a build folder)" >&2; exit 2; }
grep -q '^LOCKSTEP_CUDA:BOOL=ON' "$src/CMakeCache.txt" ||
  { echo "gpu_box_pack: $src: not a CUDA build (LOCKSTEP_CUDA is not ON)" >&2; exit 2; }
[ "$(cd "$dst" 2>/dev/null && pwd)" != "$src" ] || { echo "gpu_box_pack: DEST is the build folder itself" >&2; exit 2; }

# 1. Discover the tests (PRE_TEST discovery runs each binary with --gtest_list_tests).
(cd "$src" && ctest -N > /dev/null)

rm -rf "$dst"
mkdir -p "$dst/libs"
# 2. Executables and ctest files, in their places.
(cd "$src" && find . -path '*/CMakeFiles' -prune -o -type f \
   \( -perm -u+x -o -name CTestTestfile.cmake -o -name '*_tests.cmake' -o -name '*_include.cmake' \
      -o -name CMakeCache.txt \) -print) |
  while read -r f; do
    mkdir -p "$dst/$(dirname "$f")"
    cp -p "$src/$f" "$dst/$f"
  done
for name in ${GPU_BOX_PACK_LEAVE_OUT:-}; do rm -f "$dst/$name"; done
# 3. Freeze the test lists.
find "$dst" -name '*_include.cmake' | while read -r inc; do
  tests=$(basename "$inc" | sed 's/_include\.cmake$/_tests.cmake/')
  [ -f "$(dirname "$inc")/$tests" ] || { echo "gpu_box_pack: $inc: no $tests (test discovery failed?)" >&2; exit 1; }
  rel=${inc#"$dst"/}
  printf 'include("%s/%s/%s")\n' "$src" "$(dirname "$rel")" "$tests" | sed 's#/\./#/#g' > "$inc"
done
# 4. Strip, and collect the shared libraries.
find "$dst" -type f -perm -u+x ! -name '*.cmake' | while read -r exe; do
  file "$exe" | grep -q ELF || continue
  strip --strip-unneeded "$exe" 2>/dev/null || true
  ldd "$exe" | awk '/=> \//{print $3}'
done | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libstdc++.so*|libgcc_s.so*|libcuda.so*) ;;
    *) cp -L "$lib" "$dst/libs/" ;;
  esac
done
tar cf - "$dst" | xz -6 -T"$(nproc)" > "$dst.tar.xz.tmp" && mv "$dst.tar.xz.tmp" "$dst.tar.xz"
echo "gpu_box_pack: $dst.tar.xz: $(du -m "$dst.tar.xz" | cut -f1) MiB; $dst: $(find "$dst" -type f -perm -u+x ! -path '*/libs/*' | wc -l) executables," \
     "$(ls "$dst/libs" | wc -l) libraries, $(du -sm "$dst" | cut -f1) MiB"
