#!/usr/bin/env bash
# Runs every test: installs what is missing, checks the deployment files, then builds and runs
# the Swift tests. The tests start their own throwaway PostgreSQL, Kafka broker, SMTP sink and
# Chromium on 127.0.0.1. The last line counts the tests that ran.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# A crashed child must not leave swift-backtrace holding the output pipe (see PLATFORM notes).
export SWIFT_BACKTRACE=enable=no
mkdir -p artifacts

status=0
python3 -m pytest -q Tests/static 2>&1 | tee artifacts/pytest.log || status=1
py_line=$(grep -E "[0-9]+ (passed|failed)" artifacts/pytest.log | tail -n 1)

# The fuzz target over the parser and ride assembler replays its corpus and saved crash inputs
# once (Fuzz/README.md); an input that crashes fails the run.
scripts/fuzz.sh --replay 2>&1 | tee artifacts/fuzz-replay.log || status=1

swift build --build-tests 2>&1 | tail -n 5
if [[ ${PIPESTATUS[0]} != 0 ]]; then
    echo "the Swift build failed; no Swift test ran"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi

# A hung test must not hold CI for its whole time limit: after DELOTON_TEST_TIMEOUT seconds
# (default 1200) the run is stopped, once the tests still running and every thread's stack
# have been written down (artifacts/hang-stacks.txt).
limit=${DELOTON_TEST_TIMEOUT:-1200}
# The test binary is run directly (what `swift test --skip-build` runs) for Swift Testing's
# verbose log, which names each test as it starts; the console shows results only.
: >artifacts/swift-test.log
rm -f artifacts/hang-stacks.txt
# At most 12 tests at once: every suite starting its servers and processes together on two cores
# stalled the test process for half a minute at the start, and with it every test that times
# something (a refused connection seen 36 s late).
NO_COLOR=1 "$(swift build --show-bin-path)/delotonPackageTests.xctest" --testing-library swift-testing --verbose \
    --experimental-maximum-parallelization-width 12 \
    >>artifacts/swift-test.log 2>&1 &
test_pid=$!
tail -n +1 -f --pid="$test_pid" artifacts/swift-test.log 2>/dev/null | grep --line-buffered -vE "^(Test Case|Test Suite|◇|↳)" &
shown_pid=$!
waited=0
while kill -0 "$test_pid" 2>/dev/null && ((waited < limit)); do
    sleep 2
    waited=$((waited + 2))
done
if kill -0 "$test_pid" 2>/dev/null; then
    for pid in $(pgrep -f delotonPackageTests); do
        gdb -p "$pid" -batch -ex "thread apply all bt" >>artifacts/hang-stacks.txt 2>&1
    done
    pkill -TERM -f delotonPackageTests; sleep 5; pkill -KILL -f delotonPackageTests
    echo "swift test was still running after ${limit}s and was stopped; stacks in artifacts/hang-stacks.txt"
    echo "Tests that had started but not finished:"
    scripts/testing/unfinished-tests.sh artifacts/swift-test.log | sed 's/^/  /'
    status=1
fi
wait "$test_pid" || status=1
wait "$shown_pid" 2>/dev/null

# One closing line over both runners: "N passed, N failed, N skipped" (a test stopped by the
# watchdog counts as failed; the benchmarks, off unless asked for, as skipped).
log=artifacts/swift-test.log
swift_tests() { grep -E "^$1 Test " "$log" | grep -vE "^$1 Test (run with|case )" | grep -cE "$2" || true; }
# A test that passed with known issues (withKnownIssue) is marked ━, not ✔: it passed.
swift_passed=$(( $(swift_tests ✔ " passed after ") + $(swift_tests ━ " passed after ") ))
swift_failed=$(( $(swift_tests ✘ " failed after ") + $(scripts/testing/unfinished-tests.sh "$log" | wc -l) ))
swift_skipped=$(swift_tests ➜ " skipped")
py_passed=$(grep -oE "[0-9]+ passed" <<<"$py_line" | grep -oE "[0-9]+" || echo 0)
py_failed=$(grep -oE "[0-9]+ failed" <<<"$py_line" | grep -oE "[0-9]+" || echo 0)
passed=$(( swift_passed + ${py_passed:-0} ))
failed=$(( swift_failed + ${py_failed:-0} ))
((failed == 0)) || status=1
# CI keeps only the end of this output: name what failed right above the closing line.
if ((swift_failed > 0)); then
    echo "Failed:"
    grep -E "^✘ Test .* recorded an issue" "$log" | cut -c1-240 | head -n 12 | sed 's/^/  /'
    scripts/testing/unfinished-tests.sh "$log" | sed 's/^/  unfinished: /'
fi
echo "$passed passed, $failed failed, $swift_skipped skipped"
exit $status
