#!/usr/bin/env bash
# Builds libecs with every test suite and runs them all through ctest.
# Usage: scripts/test.sh            (build dir: build/test)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build=${ECS_BUILD_DIR:-build/test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DECS_BUILD_TESTS=ON ${ECS_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
