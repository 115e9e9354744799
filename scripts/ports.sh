#!/usr/bin/env bash
# The ports, built and tested from Linux (docs/platforms.md):
#   scripts/ports.sh windows   MinGW-w64 cross build; every suite, the
#                              examples and the boids checksums under Wine
#   scripts/ports.sh wasm      emscripten with threads (-pthread); every
#                              suite and the boids checksums under node
#   scripts/ports.sh wasm-st   emscripten without threads: the suites and
#                              examples that need no worker thread, the
#                              boids checksums on the inline pool
# Each builds cmocka for its target from Debian's source package first
# (scripts/cmocka-from-source.sh). The boids checksums must equal a native
# build's (ECS_NATIVE_BOIDS, default build/test/examples/boids, built here
# when missing). Debian packages needed: see .ci/run. Build dirs:
# build/mingw, build/wasm, build/wasm-st.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
port=${1:-}

native_boids=${ECS_NATIVE_BOIDS:-$PWD/build/test/examples/boids}
if [ ! -x "$native_boids" ]; then
  cmake -S . -B build/ports-native -DCMAKE_BUILD_TYPE=Release -DECS_BUILD_TESTS=OFF -DECS_BUILD_BENCH=OFF >/dev/null
  cmake --build build/ports-native -j "$jobs" --target boids >/dev/null
  native_boids=$PWD/build/ports-native/examples/boids
fi

# Release at -O1 with assertions kept: the suites check the library's
# invariants as in the native Debug build, and the cross toolchains spend
# their time on the code, not on optimising it
common=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O1" "-DCMAKE_CXX_FLAGS_RELEASE=-O1"
  -DECS_BUILD_BENCH=OFF -DECS_NATIVE_BOIDS="$native_boids")
deps_args() { # the cross cmocka and uthash, built or copied into $1
  echo -DCMOCKA_INCLUDE_DIR="$1/include" -DCMOCKA_LIBRARY="$1/lib/libcmocka.a" -DUTHASH_INCLUDE_DIR="$1/include"
}

case "$port" in
windows)
  toolchain=$PWD/cmake/toolchain-mingw-w64.cmake
  scripts/cmocka-from-source.sh build/mingw-deps cmake -DCMAKE_TOOLCHAIN_FILE="$toolchain"
  # Wine keeps its state (a Windows directory tree) in the build tree
  export WINEPREFIX=$PWD/build/wine-prefix WINEDEBUG=-all
  # shellcheck disable=SC2046
  cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE="$toolchain" "${common[@]}" $(deps_args "$PWD/build/mingw-deps") >/dev/null
  cmake --build build/mingw -j "$jobs"
  # the prefix is made once, before tests start in parallel (two Wine
  # processes creating it at the same time race for its server)
  wine=$(grep -m1 '^ECS_WINE:' build/mingw/CMakeCache.txt | cut -d= -f2-)
  "$wine" build/mingw/examples/hello.exe >/dev/null
  "$(dirname "$wine")/wineserver" -w
  ctest --test-dir build/mingw --output-on-failure -j "$jobs" --timeout 600
  # a DLL build (BUILD_SHARED_LIBS=ON, ECS_API's dllexport/dllimport): its
  # boids, loading libecs.dll, gives the native checksum too
  # shellcheck disable=SC2046
  cmake -S . -B build/mingw-shared -DCMAKE_TOOLCHAIN_FILE="$toolchain" "${common[@]}" -DBUILD_SHARED_LIBS=ON \
    -DECS_BUILD_TESTS=OFF $(deps_args "$PWD/build/mingw-deps") >/dev/null
  cmake --build build/mingw-shared -j "$jobs" --target boids
  args=(--agents 2000 --ticks 120 --threads 2)
  dll_dir=$PWD/build/mingw-shared
  dll_sum=$(WINEPATH="Z:${dll_dir//\//\\}" "$wine" build/mingw-shared/examples/boids.exe \
    "${args[@]}" | grep -o 'checksum [0-9a-f]*')
  native_sum=$("$native_boids" "${args[@]}" | grep -o 'checksum [0-9a-f]*')
  echo "libecs.dll: boids $dll_sum, native: $native_sum"
  [ -n "$dll_sum" ] && [ "$dll_sum" = "$native_sum" ]
  ;;
wasm | wasm-st)
  # emscripten's own JavaScript tools need Debian's node modules (acorn),
  # which a node from outside Debian does not look for
  export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
  # cmocka configured once, for the threaded build; the build without
  # threads compiles it again without -pthread (its thread-local state
  # would need the threaded runtime)
  ECS_CMOCKA_CFLAGS=-pthread scripts/cmocka-from-source.sh build/wasm-deps emcmake cmake
  deps=$PWD/build/wasm-deps
  if [ "$port" = wasm-st ]; then
    scripts/cmocka-from-source.sh build/wasm-st-deps --reuse-config build/wasm-deps emcc emar -D_UINTPTR_T
    deps=$PWD/build/wasm-st-deps
  fi
  # node 18+ has fetch(), which emscripten 3.1.6's loader then uses for a
  # file path and fails: the flag makes it read the file
  emulator="$(command -v node);--no-experimental-fetch"
  # real files for the suites' snapshot and replay files (NODERAWFS)
  link="-sALLOW_MEMORY_GROWTH=1 -sNODERAWFS=1 -sEXIT_RUNTIME=1"
  if [ "$port" = wasm ]; then
    # main() on a worker (PROXY_TO_PTHREAD), so that the browser-style
    # main thread stays free to start the pool's workers. The memory starts
    # large enough for every suite: emscripten 3.1.6 can start a worker
    # with views of the memory from before a growth, which then reads out of
    # bounds in its thread setup (seen about once in 24 runs of test_async
    # under load); growth stays allowed for what needs more
    dir=build/wasm
    cflags=-pthread
    link="-pthread -sPROXY_TO_PTHREAD $link -sINITIAL_MEMORY=256MB -Wno-pthreads-mem-growth"
  else
    dir=build/wasm-st
    cflags=""
  fi
  # shellcheck disable=SC2046
  emcmake cmake -S . -B "$dir" "${common[@]}" $(deps_args "$deps") -DCMAKE_C_FLAGS="$cflags" \
    -DCMAKE_CXX_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$link" -DCMAKE_CROSSCOMPILING_EMULATOR="$emulator" >/dev/null
  cmake --build "$dir" -j "$jobs"
  # (without threads, the suites that start worker threads are disabled
  # by tests/CMakeLists.txt and listed as not run)
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600
  ;;
*)
  echo "usage: scripts/ports.sh windows|wasm|wasm-st" >&2
  exit 2
  ;;
esac
