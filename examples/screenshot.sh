#!/usr/bin/env bash
# Regenerates examples/report.png, the screenshot of the example report shown in the README:
# the example run rendered to HTML, then captured by headless Chromium (the browser tests' setup).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -- check contracts/ --now 2026-11-26T06:00:00Z --html=reports/lakegate-report.html >/dev/null || true
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size=1280,1400 --screenshot=examples/report.png "file://$PWD/reports/lakegate-report.html" 2>/dev/null
rm -rf "$profile"
echo "wrote examples/report.png"
