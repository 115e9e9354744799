#!/usr/bin/env bash
# Builds libecs (release) and runs the demos: hello, then two_groups (a
# two-group scheduler run). Extra arguments go to two_groups
# (--entities N, --ticks N).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DECS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target hello two_groups
"$build/examples/hello"
"$build/examples/two_groups" "$@"
