#!/usr/bin/env bash
# Builds deloton (release) and starts `deloton run` on the embedded defaults:
# simulator → deloton.sqlite → alerts → API and live dashboard on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product deloton
exec .build/release/deloton run "$@"
