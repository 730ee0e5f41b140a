#!/usr/bin/env bash
# Builds lockstep (CPU backend) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j 2 --timeout 900
