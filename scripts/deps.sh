#!/usr/bin/env bash
# Makes sure the Debian packages libecs needs are installed.
# Usage: scripts/deps.sh [extra-package...]
# As root it installs what is missing with apt-get; otherwise it prints the
# command to run and exits 1.
set -euo pipefail

packages=(cmake make gcc g++ pkgconf uthash-dev libcmocka-dev "$@")
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
