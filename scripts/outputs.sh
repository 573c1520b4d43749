#!/usr/bin/env bash
# scripts/outputs.sh CODE_DIR OUT_DIR: every output a refactoring must not change, written by the moa in CODE_DIR
# (a checkout or `git worktree`) from the catalog in $MOA_DATA. Run it for two commits on one catalog, then
# `diff -r OUT_A OUT_B`: compare (--all, --report, one section), every query of bench/queries.txt, every export
# format for a search and a comparison, `moa show` and `ledger counts`.
set -uo pipefail
CODE="$(cd "$1" && pwd)"; OUT="$2"; mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
cd "$CODE"
export PYTHONPATH="$CODE"
moa() { python3 -m moa "$@"; }
moa compare --all --json > "$OUT/compare-all.json" 2> "$OUT/compare-all.err"
moa compare --report --json > "$OUT/compare-report.json" 2>&1
moa compare --section costs --model TFM --json > "$OUT/compare-costs-tfm.json" 2>&1
n=0
grep -v '^#' bench/queries.txt | grep . | while IFS=$'\t' read -r level query; do
  n=$((n+1))
  moa search "$query" --level "$level" --json --limit 50 > "$OUT/search-$(printf %03d $n).json" 2>&1
done
for f in csv jsonl xlsx md html csl zip; do
  moa export --query 'section:costs overtime' --level clause --format $f -o "$OUT/export-q.$f" > /dev/null 2>&1
  moa export --compare --section costs --format $f -o "$OUT/export-c.$f" > /dev/null 2>&1
done
for d in Grayson Pinellas Etowah; do moa show "$d" --json > "$OUT/show-$d.json" 2>&1; done
moa ledger counts --as-of 2026-03-10 --json > "$OUT/counts.json" 2>&1
echo "outputs of $CODE in $OUT"
