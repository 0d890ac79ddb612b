#!/bin/bash
# Container health check for every long-running deloton role, using only bash
# and coreutils so the runtime image needs no curl.
#
#   deloton-healthcheck [MAX_AGE_SECONDS]
#
# With DELOTON_LIVENESS_FILE set (ingest, schedule), healthy means the process
# touched that file within MAX_AGE_SECONDS (default 60; it touches it every
# 10 s, so one missed beat is tolerated several times over). ingest stops
# touching it when its pipeline stalls with input waiting (DELOTON_STALL_TIMEOUT).
# Otherwise (serve), healthy means GET /ready on DELOTON_PORT answers 200,
# which the server does only when the warehouse answers with deloton's schema.
set -u

max_age="${1:-60}"

if [[ -n "${DELOTON_LIVENESS_FILE:-}" ]]; then
    if ! modified="$(stat -c %Y -- "$DELOTON_LIVENESS_FILE" 2>/dev/null)"; then
        echo "unhealthy: liveness file $DELOTON_LIVENESS_FILE does not exist yet" >&2
        exit 1
    fi
    age=$(( $(date +%s) - modified ))
    if (( age > max_age )); then
        echo "unhealthy: liveness file $DELOTON_LIVENESS_FILE is ${age}s old (limit ${max_age}s)" >&2
        exit 1
    fi
    exit 0
fi

port="${DELOTON_PORT:-8080}"
# Loopback reaches the server whether it binds 0.0.0.0 or 127.0.0.1.
if ! { exec 3<>"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null; then
    echo "unhealthy: nothing listens on 127.0.0.1:${port}" >&2
    exit 1
fi
printf 'GET /ready HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: deloton-healthcheck\r\nConnection: close\r\n\r\n' "$port" >&3
status_line=""
if ! IFS= read -r -t 4 status_line <&3; then
    echo "unhealthy: no answer from GET /ready on port ${port}" >&2
    exit 1
fi
exec 3<&-
read -r _ code _ <<<"$status_line"
if [[ "$code" != "200" ]]; then
    echo "unhealthy: GET /ready answered ${status_line%$'\r'}" >&2
    exit 1
fi
exit 0
