#!/usr/bin/env bash
# Builds libecs (Release) and runs the main demo, examples/boids: 10,000
# agents steering as a flock on the worker pool, with a per-second summary
# and the world checksum at the end (the same for any --threads).
# Extra arguments go to boids: --agents N --ticks N --threads N --seed N.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DECS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target boids hello two_groups
"$build/examples/boids" "$@"
