#!/usr/bin/env bash
# Runs every test: installs what is missing, checks the deployment files, then builds and runs
# the Swift tests. The tests start their own throwaway PostgreSQL, Kafka broker, SMTP sink and
# Chromium on 127.0.0.1. The last line counts the tests that ran.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

# A crashed child must not leave swift-backtrace holding the output pipe (see PLATFORM notes).
export SWIFT_BACKTRACE=enable=no
mkdir -p artifacts

status=0
python3 -m pytest -q Tests/static 2>&1 | tee artifacts/pytest.log || status=1
py_line=$(grep -E "[0-9]+ (passed|failed)" artifacts/pytest.log | tail -n 1)

swift build --build-tests 2>&1 | tail -n 5
swift test --skip-build --parallel 2>&1 | tee artifacts/swift-test.log | grep -vE "^(Test Case|Test Suite|◇|↳)" || status=1
[[ ${PIPESTATUS[0]} == 0 ]] || status=1

# One closing line over both runners: "N passed, N failed".
swift_passed=$(grep -oE "Test run with [0-9]+ tests? .* passed" artifacts/swift-test.log | grep -oE "[0-9]+" | head -n 1)
swift_failed=$(grep -cE "^✘ Test .* failed after" artifacts/swift-test.log | head -n 1)
# The runner's own closing line ("✘ Test run with …") is not a test.
swift_failed=$(( swift_failed - $(grep -cE "^✘ Test run with" artifacts/swift-test.log) ))
py_passed=$(grep -oE "[0-9]+ passed" <<<"$py_line" | grep -oE "[0-9]+" || echo 0)
py_failed=$(grep -oE "[0-9]+ failed" <<<"$py_line" | grep -oE "[0-9]+" || echo 0)
if [[ -z "$swift_passed" ]]; then
    swift_total=$(grep -oE "Test run with [0-9]+ tests?" artifacts/swift-test.log | grep -oE "[0-9]+" | head -n 1)
    swift_passed=$(( ${swift_total:-0} - swift_failed ))
fi
passed=$(( ${swift_passed:-0} + ${py_passed:-0} ))
failed=$(( ${swift_failed:-0} + ${py_failed:-0} ))
((failed == 0)) || status=1
echo "$passed passed, $failed failed"
exit $status
