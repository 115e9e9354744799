#!/usr/bin/env bash
# Builds libecs (release) and runs the main demo. Extra arguments go to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DECS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target hello
"$build/examples/hello" "$@"
