#!/usr/bin/env bash
# The inspector page in headless Chromium against a running demo:
# boids --inspect 0 --inspect-writes, then browser_check.mjs drives the page
# (entity list, search, a refused and an applied edit, schedule graph, tick
# chart) and saves OUT_DIR/screenshot.png.
# usage: browser_test.sh BOIDS OUT_DIR
# Exit status: 0 passed, 1 failed, 77 skipped (no Chromium or no node).
set -uo pipefail
boids=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
chromium=$(command -v chromium || command -v chromium-browser || true)
node=$(command -v node || command -v nodejs || true)
if [ -z "$chromium" ]; then
  echo "skipped: Chromium not installed (apt-get install chromium)"
  exit 77
fi
if [ -z "$node" ] || ! "$node" --experimental-websocket -e 'if (typeof WebSocket !== "function") process.exit(1)' 2>/dev/null; then
  echo "skipped: node with a built-in WebSocket (20 or later) not installed"
  exit 77
fi
mkdir -p "$out"
profile=$(mktemp -d)
log="$out/boids.log"
"$boids" --inspect 0 --inspect-writes --agents 400 --threads 2 --ticks 100000000 >"$log" 2>&1 &
demo=$!
cleanup() {
  kill "$demo" 2>/dev/null
  wait "$demo" 2>/dev/null
  # Chromium's child processes may still be writing for a moment after it is killed
  rm -rf "$profile" 2>/dev/null || { sleep 1; rm -rf "$profile"; }
}
trap cleanup EXIT
port=
for _ in $(seq 100); do
  port=$(sed -n 's|^inspector: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
  [ -n "$port" ] && break
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "the demo did not start its inspector:"
  cat "$log"
  exit 1
fi
echo "demo inspector on port $port"
"$node" --experimental-websocket --no-warnings "$here/browser_check.mjs" "$chromium" "http://127.0.0.1:$port/" \
  "$out/screenshot.png" "$profile"
