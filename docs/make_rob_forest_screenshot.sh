#!/usr/bin/env bash
# Renders the risk-of-bias forest plot snapshot (acumen-plot's rob_forest_svg
# test) into docs/rob_forest.png (headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
s = open('crates/acumen-plot/tests/plot/snapshots/plot__rob__rob_forest_svg.snap').read()
svg = s.split('---\n', 2)[2]
open('/tmp/acumen-rob-forest.html', 'w').write(
    f'<!doctype html><html lang="en"><head><meta charset="utf-8"><style>body{{margin:8px;background:#fff}}</style></head><body>{svg}</body></html>')
w = svg.split('width="', 1)[1].split('"', 1)[0]
h = svg.split('height="', 1)[1].split('"', 1)[0]
open('/tmp/acumen-rob-forest.size', 'w').write(f'{int(float(w)) + 16},{int(float(h)) + 40}')
PY
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$(cat /tmp/acumen-rob-forest.size)" \
  --screenshot="$PWD/docs/rob_forest.png" file:///tmp/acumen-rob-forest.html
