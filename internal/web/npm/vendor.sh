#!/usr/bin/env bash
# Refreshes ../static/vendor from the versions pinned in package-lock.json.
# Run it after changing package.json, then commit package*.json and
# static/vendor together. The binary embeds static/vendor; nothing is
# fetched from a CDN at run time.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
out=../static/vendor
rm -rf "$out" && mkdir -p "$out"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/uplot/dist/uPlot.iife.min.js "$out/uPlot.iife.min.js"
cp node_modules/uplot/dist/uPlot.min.css "$out/uPlot.min.css"
cp node_modules/@picocss/pico/css/pico.classless.min.css "$out/pico.classless.min.css"
cp node_modules/htmx.org/LICENSE "$out/htmx.LICENSE.txt"
cp node_modules/uplot/LICENSE "$out/uPlot.LICENSE.txt"
cp node_modules/@picocss/pico/LICENSE.md "$out/pico.LICENSE.txt"
{
  echo "Vendored browser libraries, copied by internal/web/npm/vendor.sh from npm:"
  for p in htmx.org uplot @picocss/pico; do
    printf '  %s %s (%s)\n' "$p" "$(node -p "require('./node_modules/$p/package.json').version")" "$(node -p "require('./node_modules/$p/package.json').license")"
  done
} >"$out/VERSIONS.txt"
cat "$out/VERSIONS.txt"
