#!/usr/bin/env bash
# Coverage-guided fuzzing of the ingestion path (Fuzz/ParseAndAssemble.swift, issue #15).
#
#   scripts/fuzz.sh [MINUTES] [--merge]   fuzz for MINUTES (default 10) over a temp copy of
#                                         Fuzz/corpus; --merge adds new interesting inputs back
#   scripts/fuzz.sh --replay              run Fuzz/corpus, Fuzz/regressions and Fuzz/crashes-found
#                                         once (CI); exits non-zero if any input crashes
#   scripts/fuzz.sh --seeds               merge fresh seeds from Fuzz/make-seeds.py into the corpus
#   scripts/fuzz.sh [MINUTES] --keep-going  exploration: fork mode, fuzzing past crashes
#
# Builds with swiftc directly (no SwiftPM): DelotonCore's sources and the harness in one module,
# with libFuzzer and AddressSanitizer from the Swift toolchain.
set -uo pipefail
cd "$(dirname "$0")/.."

minutes=10 mode=fuzz merge=0 keep_going=0
for arg in "$@"; do
    case $arg in
        --replay) mode=replay ;;
        --seeds) mode=seeds ;;
        --merge) merge=1 ;;
        --keep-going) keep_going=1 ;;
        ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [MINUTES] [--merge] [--keep-going] | --replay | --seeds" >&2; exit 2 ;;
        *) minutes=$arg ;;
    esac
done

# Fuzzed inputs stay within 64 KiB (a few hundred lines). libFuzzer would otherwise mutate up to
# the largest seed's length, so the 100-200 KB nested-bracket seeds live in Fuzz/regressions/
# and are only replayed, whole.
max_len=65536
replay_len=262144
bin=.build-fuzz/fuzz-ingest
# A crashing Swift program must not start swift-backtrace, which can hold the output pipe.
export SWIFT_BACKTRACE=enable=no
# Leak reports are off: the Swift runtime's and Foundation's caches live for the whole process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

build() {
    local sources
    sources=$(find Sources/DelotonCore Fuzz -name '*.swift' | sort)
    # Rebuild only when a source is newer than the binary.
    if [[ -x $bin ]] && [[ -z $(find $sources -newer "$bin" | head -n 1) ]]; then return 0; fi
    mkdir -p .build-fuzz
    local linker=()
    command -v ld.lld >/dev/null && linker=(-use-ld=lld)  # gold warns about every ASan symbol
    echo "fuzz: building $bin"
    # shellcheck disable=SC2086
    if ! swiftc -O -sanitize=fuzzer,address -parse-as-library "${linker[@]}" $sources \
        -module-name DelotonFuzz -o "$bin" >.build-fuzz/build.log 2>&1; then
        tail -n 30 .build-fuzz/build.log
        echo "fuzz: the fuzz target did not build"
        return 1
    fi
}

build || exit 1

# The first frame of deloton's own code in a libFuzzer crash report, demangled.
stack_top() {
    grep -m 1 -oE '^ +#[0-9]+ 0x[0-9a-f]+ in \$s11DelotonFuzz[^ ]+' "$1" | sed -E 's/.* in //' |
        swift demangle --simplified --compact 2>/dev/null
}

case $mode in
replay)
    # One pass over the corpus, then each saved crash input on its own so that every one that
    # still crashes is named.
    # Crash files go to .build-fuzz, not the working directory.
    replay=(-runs=0 -max_len=$replay_len -timeout=60 -artifact_prefix=.build-fuzz/replay-)
    failed=0
    count=$(find Fuzz/corpus -type f | wc -l)
    if ! $bin "${replay[@]}" Fuzz/corpus >.build-fuzz/replay.log 2>&1; then
        grep -E "ERROR|Fatal error|Test unit written" .build-fuzz/replay.log | head -n 5
        echo "fuzz replay: an input of Fuzz/corpus crashed (log: .build-fuzz/replay.log)"
        failed=1
    fi
    saved=0
    for input in Fuzz/regressions/* Fuzz/crashes-found/*; do
        [[ -f $input && $input != *.md ]] || continue
        saved=$((saved + 1))
        if ! $bin "${replay[@]}" "$input" >.build-fuzz/replay-one.log 2>&1; then
            echo "fuzz replay: $input still crashes (in $(stack_top .build-fuzz/replay-one.log))"
            failed=1
        fi
    done
    ((failed)) || echo "fuzz replay: $count corpus inputs and $saved saved inputs ran without a crash"
    exit $failed
    ;;
seeds)
    seeds=$(mktemp -d)
    trap 'rm -rf "$seeds"' EXIT
    python3 Fuzz/make-seeds.py "$seeds"
    mkdir -p Fuzz/corpus
    # -merge keeps only the seeds that add coverage; it carries on past crashing ones. Counting
    # edges rather than hit counts (-use_counters=0) keeps the corpus at a few hundred files.
    $bin -merge=1 -use_counters=0 -max_len=$max_len -timeout=60 -artifact_prefix=.build-fuzz/merge- Fuzz/corpus "$seeds" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files"
    exit 0
    ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/crashes"
cp Fuzz/corpus/* "$work/corpus/"
flags=(-max_len=$max_len -dict=Fuzz/ingest.dict -max_total_time=$((minutes * 60)) -timeout=25
       -print_final_stats=1 -artifact_prefix="$work/crashes/")
# One worker only: the machine has 2 cores and is shared.
((keep_going)) && flags+=(-fork=1 -ignore_crashes=1)
echo "fuzz: running for $minutes min (log: .build-fuzz/fuzz.log)"
# Children's CPU seconds (bash's `times`), before and after: on a shared machine the wall-clock
# rate says more about the load than about the target.
# (`times` runs in this shell, not in a $(...) subshell, which would count its own children.)
child_cpu() { tail -n 1 "$1" | awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } } END { print s }'; }
times >"$work/times-before"
$bin "${flags[@]}" "$work/corpus" >.build-fuzz/fuzz.log 2>&1
rc=$?
times >"$work/times-after"
cpu=$(awk -v a="$(child_cpu "$work/times-before")" -v b="$(child_cpu "$work/times-after")" 'BEGIN { printf "%.0f", b - a }')

runs=$(grep -oE "stat::number_of_executed_units: +[0-9]+" .build-fuzz/fuzz.log | awk '{s += $2} END {print s + 0}')
if [[ $runs == 0 ]]; then  # fork mode prints no final stats: take the last status line
    runs=$(grep -oE "^#[0-9]+" .build-fuzz/fuzz.log | tail -n 1 | tr -d '#')
fi
rate=$(grep -oE "stat::average_exec_per_sec: +[0-9]+" .build-fuzz/fuzz.log | tail -n 1 | awk '{print $2}')
if [[ -z $rate ]]; then  # fork mode: the last status line's runs over its time
    secs=$(grep -oE " time: [0-9]+s" .build-fuzz/fuzz.log | tail -n 1 | grep -oE "[0-9]+")
    ((${secs:-0} > 0)) && rate=$((runs / secs))
fi
per_cpu=$(awk -v r="${runs:-0}" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", r / c; else print "?" }')
echo "fuzz: ${runs:-0} inputs executed, ${rate:-?} exec/s (wall clock); ${cpu}s of CPU, $per_cpu exec per CPU second"

crashes=("$work"/crashes/*)
if [[ -e ${crashes[0]} ]]; then
    mkdir -p Fuzz/crashes-found
    for c in "${crashes[@]}"; do cp -n "$c" Fuzz/crashes-found/; done
    echo "fuzz: CRASHED: ${#crashes[@]} input(s) saved to Fuzz/crashes-found/; first report:"
    grep -m 1 -E "Fatal error|ERROR: " .build-fuzz/fuzz.log
    echo "  in $(stack_top .build-fuzz/fuzz.log)"
else
    echo "fuzz: no crash (libFuzzer exit $rc)"
fi

if ((merge)); then
    before=$(find Fuzz/corpus -type f | wc -l)
    $bin -merge=1 -use_counters=0 -max_len=$max_len -timeout=60 -artifact_prefix=.build-fuzz/merge- Fuzz/corpus "$work/corpus" >.build-fuzz/merge.log 2>&1
    echo "fuzz: merged: Fuzz/corpus has $before -> $(find Fuzz/corpus -type f | wc -l) files"
fi
[[ ! -e ${crashes[0]} ]]
