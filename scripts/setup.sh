#!/usr/bin/env bash
# Installs what deloton needs to build, run and test on Debian 12, idempotently (prometheus
# brings promtool, which checks deploy/prometheus/ in Tests/static):
# Debian packages only when missing, PyPI tools only when not yet satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(pkg-config libsqlite3-dev librdkafka-dev libcurl4-openssl-dev libcairo2-dev tzdata fonts-dejavu-core
      libjs-chart.js ca-certificates poppler-utils chromium kcat wrk hyperfine curl sqlite3 gdb
      prometheus)
missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Test tools: the Kafka-compatible broker, the SMTP sink, the API fuzzer, the static checks.
if ! python3 -m pip install -q --disable-pip-version-check -r scripts/requirements-test.txt 2>/tmp/deloton-pip.log; then
    cat /tmp/deloton-pip.log >&2; exit 1
fi
