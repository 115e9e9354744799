#!/usr/bin/env bash
# Soak test: the boids demo for many ticks on 2 threads, agents dying and
# spawning all along, a snapshot every 1,000 ticks and a rollback-and-replay
# (which must reproduce the world exactly) every 2,000; resident memory must
# stay flat (growth after the warm-up under a bound). A shorter run of the same demo is leak-checked by
# the ASan build of the test suite.
# Usage: scripts/soak.sh [ticks] (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
ticks=${1:-100000}
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DECS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target boids >/dev/null
"$build/examples/boids" --agents 1000 --ticks "$ticks" --threads 2 --rss-growth-mb 4 --snapshot-every 1000 | tail -5
