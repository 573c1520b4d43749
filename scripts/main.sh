#!/usr/bin/env bash
# The main job, end to end, on the embedded default (SQLite) into ./corpus (or $MOA_DATA):
# harvest ICE's 287(g) page, its sheets and MOA PDFs (from a local mirror of ../shared/corpus and
# ../shared/validation/moa when ICE is out of reach), import every saved snapshot into the ledger, extract,
# index, and answer one search.
# A step whose subcommand is not registered yet is skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/.."

export MOA_DATA="${MOA_DATA:-$PWD/corpus}"
SHARED="${MOA_SHARED_CORPUS:-$(cd .. && pwd)/shared/corpus}"
VALIDATION="$SHARED/../validation/moa"   # ICE's sheets link these MOAs too; the mirror serves them in place
ICE="https://www.ice.gov"
PY="${PYTHON:-python3}"
moa() { "$PY" -m moa "$@"; }
has() { moa "$1" --help >/dev/null 2>&1; }
step() { printf '\n== %s\n' "$*" >&2; }
skip() { printf '   (skipped: `moa %s` is not available yet)\n' "$1" >&2; }

WORK="$(mktemp -d)"
MIRROR_PID=""
cleanup() {
    if [ -n "$MIRROR_PID" ] && kill -0 "$MIRROR_PID" 2>/dev/null; then
        kill "$MIRROR_PID" 2>/dev/null || true
        wait "$MIRROR_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

step "data directory: $MOA_DATA"

# 1. Where to harvest from: ICE itself if it answers within 10 s, else a mirror of the shared corpus.
BASE="$ICE"; DELAY=1
if ! "$PY" - "$ICE/identify-and-arrest/287g" <<'PYEOF' 2>/dev/null; then
import sys, requests
from moa import USER_AGENT
r = requests.head(sys.argv[1], timeout=10, headers={"User-Agent": USER_AGENT}, allow_redirects=True)
sys.exit(0 if r.status_code < 400 else 1)
PYEOF
    step "ICE is out of reach: serving $SHARED with \`moa mirror\`"
    if [ ! -d "$SHARED" ]; then
        echo "moa: shared corpus not found at $SHARED (set MOA_SHARED_CORPUS)" >&2
        exit 2
    fi
    ALSO=()
    [ -d "$VALIDATION" ] && ALSO=(--also "$VALIDATION")
    # Not through the `moa` function: $! must be the server itself, or the trap would leave it running.
    "$PY" -m moa mirror "$SHARED" "${ALSO[@]}" --port 0 >"$WORK/mirror.out" 2>"$WORK/mirror.err" &
    MIRROR_PID=$!
    for _ in $(seq 1 100); do
        grep -q " at http" "$WORK/mirror.out" 2>/dev/null && break
        kill -0 "$MIRROR_PID" 2>/dev/null || { cat "$WORK/mirror.err" >&2; exit 1; }
        sleep 0.1
    done
    cat "$WORK/mirror.out" >&2
    BASE="$(sed -n 's/.* at \(http:\/\/[^/]*\)\/.*/\1/p' "$WORK/mirror.out" | head -n1)"
    [ -n "$BASE" ] || { echo "moa: the mirror did not start" >&2; exit 1; }
    DELAY=0
fi

# 2. Harvest (a failure of some downloads is recorded and retried next run; it does not stop the job).
step "moa harvest --base-url $BASE --delay $DELAY"
moa harvest --base-url "$BASE" --delay "$DELAY" || echo "   harvest incomplete (see above); continuing with what was stored" >&2

# 3. Every saved snapshot into the ledger.
step "moa ledger import"
if has ledger; then
    moa ledger import "$SHARED/sheets/ice" "$SHARED/sheets/wayback-html-tables"
else skip ledger; fi

# 4. Extraction, index, two searches: the MOAs' text, and the agreements ICE lists.
step "moa extract"
if has extract; then moa extract; else skip extract; fi
step "moa index"
if has index; then moa index; else skip index; fi
step "moa search 'overtime \"costs and expenditures\"' --limit 5"
if has search; then
    # each hit under the agency's name as ICE lists it (the document's own reading beside it where it differs)
    moa search 'overtime "costs and expenditures"' --limit 5
    step "moa search 'model:TFM state:FL' --level agreement --limit 5"
    moa search 'model:TFM state:FL' --level agreement --limit 5   # ICE's agreements, PDF held or not
else skip search; fi

# 5. The program at a glance: its figures beside the catalog, and where to see it all.
step "moa ledger plot"
if has ledger; then
    mkdir -p "$MOA_DATA/figures"
    moa ledger plot --kind growth -o "$MOA_DATA/figures/growth.png" || echo "   growth chart not drawn (see above)" >&2
    moa ledger plot --kind map -o "$MOA_DATA/figures/map.svg" || echo "   county map not drawn (see above)" >&2
fi
printf '\nThe Program page: run `moa serve --data %s`, then open http://127.0.0.1:8287/program\n' "$MOA_DATA"
