#!/usr/bin/env bash
# Builds cmocka for a cross target (Windows with MinGW-w64, WebAssembly with
# emscripten) from Debian's own source package: Debian ships cmocka only for
# the host. The source comes through apt (a private list of deb-src entries,
# checked against Debian's archive key); nothing else is downloaded.
# Installs a static libcmocka, its header and the uthash headers (which are
# plain headers, needed by the library build) into PREFIX.
#
# Usage: scripts/cmocka-from-source.sh PREFIX CONFIGURE...
#   CONFIGURE: the cmake configure command for the target, e.g.
#     cmake -DCMAKE_TOOLCHAIN_FILE=$PWD/cmake/toolchain-mingw-w64.cmake
#     emcmake cmake
# or:    scripts/cmocka-from-source.sh PREFIX --reuse-config EARLIER CC AR [CFLAGS...]
#   another variant for the same target (other compiler flags) without
#   cmocka's configure step: cmocka.c compiled with CC and the config.h of
#   the variant built earlier into EARLIER (emcc's configure checks take
#   minutes; its results do not depend on the flags)
# Needs: apt-get, dpkg-source (dpkg-dev), uthash-dev. ECS_DEBIAN_MIRROR
# overrides the archive (default http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(realpath -m "$1")
shift
if [ -f "$prefix/include/cmocka.h" ] && [ -f "$prefix/lib/libcmocka.a" ]; then
  echo "cmocka: already built in $prefix"
  exit 0
fi

src_root=$PWD/build/cross-src
if [ "${1:-}" = --reuse-config ]; then
  earlier=$(realpath -m "$2")
  cc=$3
  ar=$4
  shift 4
  if [ ! -f "$earlier-build/config.h" ] || [ ! -f "$earlier/include/cmocka.h" ]; then
    echo "cmocka: no configured variant in $earlier" >&2
    exit 1
  fi
  rm -rf "$prefix-build"
  mkdir -p "$prefix-build" "$prefix/include" "$prefix/lib"
  "$cc" "$@" -O2 -DHAVE_CONFIG_H -I"$earlier-build" -I"$src_root/cmocka/include" \
    -c "$src_root/cmocka/src/cmocka.c" -o "$prefix-build/cmocka.o"
  rm -f "$prefix/lib/libcmocka.a"
  "$ar" rcs "$prefix/lib/libcmocka.a" "$prefix-build/cmocka.o"
  cp "$earlier"/include/*.h "$prefix/include/"
  echo "cmocka: static library for the target in $prefix (configured as $earlier)"
  exit 0
fi
mkdir -p "$src_root"
if [ ! -d "$src_root/cmocka" ]; then
  # shellcheck disable=SC1091
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ -z "$codename" ]; then
    echo "cmocka: cannot tell the Debian release (VERSION_CODENAME in /etc/os-release)" >&2
    exit 1
  fi
  apt_dir=$src_root/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb-src [signed-by=$keyring] ${ECS_DEBIAN_MIRROR:-http://deb.debian.org/debian} $codename main" \
    >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root -qq)
  apt-get "${apt_opts[@]}" update
  (cd "$src_root" && apt-get "${apt_opts[@]}" source --download-only cmocka)
  dscs=("$src_root"/cmocka_*.dsc)
  dsc=${dscs[0]}
  # apt checked the files against the signed archive index; dpkg-source
  # then has no key for the uploader's own signature and says so
  (cd "$src_root" && dpkg-source -x "$dsc" cmocka >/dev/null 2>&1)
  echo "cmocka: Debian source $(basename "$dsc" .dsc) unpacked"
fi

# MinGW-w64: cmocka formats with MinGW's C99 stdio (%zu), as libecs and
# its suites are built (CMakeLists.txt), and its header says so to gcc's
# format checks (gnu_printf, not msvcrt's printf rules)
mingw=0
case "$*" in *mingw*) mingw=1 ;; esac
# ECS_CMOCKA_CFLAGS: more compiler flags (-pthread for a WebAssembly build
# with threads: every object of a threaded module must have it)
cflags="${ECS_CMOCKA_CFLAGS:-}"
# emscripten's libc defines uintptr_t, which cmocka.h would define again
# unless told (its own opt-out macro; the suites get it too, EcsDependencies)
case "$*" in *emcmake*) cflags="$cflags -D_UINTPTR_T" ;; esac
[ "$mingw" = 1 ] && cflags="$cflags -D__USE_MINGW_ANSI_STDIO=1"

build=$prefix-build
rm -rf "$build"
"$@" -S "$src_root/cmocka" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF \
  -DCMAKE_C_FLAGS="$cflags" >/dev/null
cmake --build "$build" -j "$(nproc)" --target cmocka-static >/dev/null
mkdir -p "$prefix/include" "$prefix/lib"
cp "$src_root/cmocka/include/cmocka.h" "$prefix/include/"
if [ "$mingw" = 1 ]; then
  sed -i 's/__format__ (__printf__, a, b)/__format__ (gnu_printf, a, b)/' "$prefix/include/cmocka.h"
  grep -q 'gnu_printf' "$prefix/include/cmocka.h"
fi
cp "$(find "$build" -name 'libcmocka-static.a' | head -n 1)" "$prefix/lib/libcmocka.a"
mapfile -t uthash_headers < <(dpkg -L uthash-dev | grep '^/usr/include/.*\.h$')
cp "${uthash_headers[@]}" "$prefix/include/"
echo "cmocka: static library for the target in $prefix"
