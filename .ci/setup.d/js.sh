#!/usr/bin/env bash
# JavaScript and geometry from the npm registry, pinned by vendor/package-lock.json: Vega, Vega-Lite and
# vega-embed (moa serve draws its charts with them, offline) and us-atlas (the Census Bureau's county TopoJSON,
# for `moa ledger plot --kind map` and the Program page's map). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/../../vendor"
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# npm ci leaves node_modules/.package-lock.json, newer than the lock file it installed from
if [ -f node_modules/us-atlas/counties-10m.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
