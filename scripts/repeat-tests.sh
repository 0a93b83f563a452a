#!/usr/bin/env bash
# The whole test suite N times in a row (default 10), as CI runs it: a fresh clone of this
# repository's HEAD, CI=true, .ci/run for the first run (installs and npm ci included), then
# `npm test` again for each further run. Prints one line per run and a summary; keeps the log of
# every run that failed. docs/RELIABILITY.md, "Flakes, and how they were fixed", records what it
# printed.
#
#   scripts/repeat-tests.sh [runs]        logs go to $REPEAT_LOG_DIR (default: a new temp folder)
set -euo pipefail

runs=${1:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
logs=${REPEAT_LOG_DIR:-$(mktemp -d -t club-contracts-repeat-logs-XXXXXX)}
work=$(mktemp -d -t club-contracts-repeat-XXXXXX) # mode 0700, like a root user's own checkout
trap 'rm -rf "$work"' EXIT
mkdir -p "$logs"

git clone --quiet "$repo" "$work/clone"
cd "$work/clone"
echo "commit $(git rev-parse --short HEAD), $runs runs, $(nproc) cores, logs in $logs"

failed_runs=0
for run in $(seq 1 "$runs"); do
  log="$logs/run-$run.log"
  started=$(date +%s)
  if [ "$run" -eq 1 ]; then command=(bash .ci/run); else command=(npm test); fi
  if CI=true "${command[@]}" >"$log" 2>&1; then status=passed; else status=FAILED; failed_runs=$((failed_runs + 1)); fi
  seconds=$(($(date +%s) - started))
  summary=$(grep -E '^  [0-9]+ tests? (passed|failed)|^  [0-9]+ (known failure|uncaught exception|unhandled rejection)' "$log" | sed 's/^ *//' | paste -sd ',' - || true)
  echo "run $run: $status in $((seconds / 60)) min $((seconds % 60)) s — ${summary:-no ava summary}"
  if [ "$status" = FAILED ]; then
    grep -E '^  ✘' "$log" | sed 's/^/    /' || true
  else
    rm -f "$log"
  fi
done
echo "$((runs - failed_runs)) of $runs runs passed"
[ "$failed_runs" -eq 0 ]
