#!/usr/bin/env bash
# schemathesis.sh — check a running deloton API against its own /openapi.json.
#
#   schemathesis.sh BASE_URL [WRITE_KEY]
#
# Runs every schemathesis check (server errors, status codes, content types, response schemas,
# headers, positive and negative data, 405s, auth) in every mode over every operation. With
# WRITE_KEY the DELETE routes are exercised too (they delete what they find: use a throwaway
# warehouse). Exit 0 when no check failed.
# Env: SCHEMATHESIS_MAX_EXAMPLES (default 40), SCHEMATHESIS_SEED (default 20220725),
#      SCHEMATHESIS_WORKERS (default 2), SCHEMATHESIS_REPORT_DIR (a JUnit report is left there).
set -euo pipefail

base="${1:-}"
[[ -n "$base" ]] || { sed -n "2,9p" "$0" >&2; exit 2; }
key="${2:-}"
command -v st >/dev/null 2>&1 || command -v schemathesis >/dev/null 2>&1 || {
    echo "schemathesis.sh: schemathesis is not installed: pip install schemathesis" >&2; exit 2; }
runner="$(command -v st || command -v schemathesis)"

# /events never ends (a live feed); the dashboard's own tests read it.
args=(run "$base/openapi.json" --url "$base"
      --exclude-path /events
      --checks all
      --mode all
      --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}"
      --seed "${SCHEMATHESIS_SEED:-20220725}"
      --workers "${SCHEMATHESIS_WORKERS:-2}"
      --generation-database none
      --request-timeout 10
      --wait-for-schema 30)
if [[ -n "$key" ]]; then args+=(-H "Authorization: Bearer $key"); fi
if [[ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]]; then
    args+=(--report junit --report-dir "$SCHEMATHESIS_REPORT_DIR")
fi
# Plain output: this runs in CI logs and under `swift test`.
export NO_COLOR=1
exec "$runner" "${args[@]}"
