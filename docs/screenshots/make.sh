#!/usr/bin/env bash
# Regenerates the screenshots in docs/screenshots/ from a fresh simulated
# demo clinic: the answers page at desktop (1280 px) and phone (375 px)
# width. Needs Debian's chromium (apt-get install -y chromium) and, to trim
# the empty space below the page, python3 with Pillow.
# Run from the repository root:  bash docs/screenshots/make.sh
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release -j2 -p acumen-cli
bin="$PWD/target/release/acumen"
"$bin" demo --db "$work/demo.db" > /dev/null
"$bin" report --db "$work/demo.db" --format html -o "$work/answers.html"
shot() { # width height file
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/profile" \
    --window-size="$1,$2" --screenshot="$3" "file://$work/answers.html" 2> /dev/null
}
shot 1280 9000 "$out/answers-1280.png"
shot 375 26000 "$out/answers-375.png"
python3 - "$out/answers-1280.png" "$out/answers-375.png" <<'PY' || echo "Pillow missing: screenshots not trimmed"
import sys
from PIL import Image, ImageChops
for path in sys.argv[1:]:
    im = Image.open(path).convert("RGB")
    bbox = ImageChops.difference(im, Image.new("RGB", im.size, "white")).getbbox()
    if bbox:
        im.crop((0, 0, im.size[0], min(im.size[1], bbox[3] + 24))).save(path, optimize=True)
PY
echo "wrote $out/answers-1280.png and $out/answers-375.png"
