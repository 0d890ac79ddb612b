#!/usr/bin/env bash
# Names the Swift tests of a verbose Swift Testing log that started and never passed, failed or
# were skipped (tests of the same name in two suites count as one).
set -euo pipefail
log="$1"
sed -nE 's/^◇ Test (.*) started\.$/\1/p' "$log" | grep -vx "run" | sort -u >"$log.started"
sed -nE 's/^[✔✘━] Test (.*) (passed|failed) after .*/\1/p; s/^➜ Test (.*) skipped.*/\1/p' "$log" \
    | sed -E 's/ with [0-9]+ test cases?$//' | sort -u >"$log.ended"
comm -23 "$log.started" "$log.ended"
rm -f "$log.started" "$log.ended"
