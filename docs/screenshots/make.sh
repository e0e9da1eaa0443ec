#!/usr/bin/env bash
# Regenerates docs/screenshots/: every page of the web app at desktop
# (1280 px) and phone (375 px) width, taken by the browser test while it
# walks through the clinic day on a fresh simulated demo clinic, plus the
# answers page of the full 320-patient demo clinic.
# Needs what .ci/run installs: chromium and `npm ci --prefix e2e`.
# Run from the repository root:  bash docs/screenshots/make.sh
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
# ACUMEN_BIN=path/to/acumen uses a binary already built (e.g. target/debug/acumen).
if [ -n "${ACUMEN_BIN:-}" ]; then
  bin="$(realpath "$ACUMEN_BIN")"
else
  cargo build --release -j2 -p acumen-cli
  bin="$PWD/target/release/acumen"
fi
export ACUMEN_AUDIT_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
"$bin" demo --db "$work/demo.db" > /dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --db "$work/demo.db" --listen "127.0.0.1:$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/login" > /dev/null && break; sleep 0.2; done
SCREENSHOTS="$out" node e2e/run.mjs "http://127.0.0.1:$port"
echo "wrote $(ls "$out"/*.png | wc -l) screenshots to $out"
