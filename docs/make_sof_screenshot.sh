#!/usr/bin/env bash
# Renders the Summary-of-Findings snapshot (acumen-evidence's sof_html test)
# with the web app's stylesheet into docs/sof_table.png (headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
s = open('crates/acumen-evidence/tests/evidence/snapshots/evidence__sof__sof_html.snap').read()
body = s.split('---\n', 2)[2]
css = open('crates/acumen-web/static/app.css').read()
extra = ("body{padding:16px;max-width:980px} table.sof{border-collapse:collapse} "
         "table.sof th,table.sof td{border:1px solid #bbb;padding:6px 8px;text-align:left;vertical-align:top} "
         "caption{font-weight:bold;text-align:left;padding-bottom:6px}")
open('/tmp/acumen-sof.html', 'w').write(
    f'<!doctype html><html lang="en"><head><meta charset="utf-8"><style>{css}{extra}</style></head><body>{body}</body></html>')
PY
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,420 \
  --screenshot="$PWD/docs/sof_table.png" file:///tmp/acumen-sof.html
