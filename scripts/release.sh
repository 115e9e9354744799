#!/usr/bin/env bash
# Builds the libecs release archive:
#   dist/libecs-<version>-linux-<arch>.tar.gz
# holding, under libecs-<version>-linux-<arch>/, what `cmake --install` puts
# in a prefix (lib/libecs.a, include/, lib/cmake/libecs/, lib/pkgconfig/
# libecs.pc), the ecs-trace tool in bin/, and LICENSE, README.md and
# CHANGELOG.md in share/doc/libecs/.
#
# The version comes from project(... VERSION x.y.z) in CMakeLists.txt and must
# match ECS_VERSION_MAJOR/MINOR/PATCH in include/ecs/config.h. The build is
# Release with tests and benchmarks off, in build/dist (the staging prefix is
# build/dist/stage). The script refuses to run when the git tree has changes
# or untracked files, unless --allow-dirty is given.
#
# Usage: scripts/release.sh [--allow-dirty]
# Prints the archive's path on stdout; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

allow_dirty=0
for arg in "$@"; do
  case "$arg" in
  --allow-dirty) allow_dirty=1 ;;
  -h | --help)
    usage
    exit 0
    ;;
  *)
    echo "release.sh: unknown argument '$arg'" >&2
    usage >&2
    exit 2
    ;;
  esac
done

say() { echo "release.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}

[ "$(uname -s)" = Linux ] || die "builds Linux archives only (this is $(uname -s))"

# ---- the tree: clean, or explicitly allowed to be dirty
commit=unknown
dirty=unknown
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  commit=$(git rev-parse HEAD)
  if [ -n "$(git status --porcelain --untracked-files=normal)" ]; then
    dirty=yes
  else
    dirty=no
  fi
fi
if [ "$dirty" != no ]; then
  if [ "$allow_dirty" -eq 1 ]; then
    say "warning: the git tree is not clean (dirty: $dirty); building anyway (--allow-dirty)"
  else
    [ "$dirty" = yes ] && git status --short >&2
    die "the git tree is not clean (dirty: $dirty): commit or stash first, or pass --allow-dirty"
  fi
fi

# ---- the version, from CMakeLists.txt, checked against config.h
version=$(sed -n 's/^[[:space:]]*project([[:space:]]*libecs[[:space:]][^)]*VERSION[[:space:]]\{1,\}\([0-9]\{1,\}\.[0-9]\{1,\}\.[0-9]\{1,\}\).*/\1/p' CMakeLists.txt | head -n 1)
[ -n "$version" ] || die "no project(libecs VERSION x.y.z) found in CMakeLists.txt"
header_version=$(for part in MAJOR MINOR PATCH; do
  sed -n "s/^#define ECS_VERSION_${part}[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1/p" include/ecs/config.h
done | paste -sd. -)
[ "$header_version" = "$version" ] ||
  die "version mismatch: CMakeLists.txt says $version, include/ecs/config.h says ${header_version:-nothing}"

arch=$(uname -m)
name="libecs-${version}-linux-${arch}"
build=build/dist
stage="$build/stage/$name"
archive="dist/${name}.tar.gz"

# ---- build: Release, library and ecs-trace only
scripts/deps.sh >&2
say "building $name (commit $commit) in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DECS_BUILD_TESTS=OFF -DECS_BUILD_BENCH=OFF \
  -DECS_BUILD_EXAMPLES=ON -DECS_BUILD_FUZZ=OFF -DECS_PROFILE=ON -DECS_COVERAGE=OFF -DECS_SANITIZE= >/dev/null
cmake --build "$build" -j "$(nproc)" --target ecs ecs-trace >&2

# ---- stage: cmake --install, then the tool and the documents
rm -rf "$build/stage"
mkdir -p "$build/stage"
cmake --install "$build" --prefix "$stage" >&2
install -D -m 0755 "$build/examples/ecs-trace" "$stage/bin/ecs-trace"
for doc in LICENSE README.md CHANGELOG.md; do
  install -D -m 0644 "$doc" "$stage/share/doc/libecs/$doc"
done
cat >"$stage/share/doc/libecs/BUILD-INFO" <<EOF
name: libecs
version: $version
commit: $commit
tree dirty: $dirty
platform: linux-$arch
compiler: $("$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")" --version | head -n 1)
build: CMAKE_BUILD_TYPE=Release ECS_PROFILE=ON
EOF

# the staged tree must hold everything a host needs
for f in lib/libecs.a include/ecs.h lib/cmake/libecs/libecsConfig.cmake lib/cmake/libecs/libecsConfigVersion.cmake \
  lib/cmake/libecs/libecsTargets.cmake lib/pkgconfig/libecs.pc bin/ecs-trace; do
  # GNUInstallDirs may pick lib64 on some hosts: accept either
  [ -e "$stage/$f" ] || [ -e "$stage/${f/#lib\//lib64/}" ] || die "staged tree lacks $f"
done
"$stage/bin/ecs-trace" --help >/dev/null || die "the staged ecs-trace does not run"

# ---- archive: sorted names, fixed owner and times, so that two runs of one
# commit give the same bytes
mkdir -p dist
mtime=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
  -C "$build/stage" -cf - "$name" | gzip -9n >"$archive.tmp"
mv "$archive.tmp" "$archive"
say "wrote $archive ($(du -h "$archive" | cut -f1))"
echo "$archive"
