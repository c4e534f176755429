#!/usr/bin/env bash
# Builds the FrameFuzz libFuzzer target and runs it for $1 seconds (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
# libFuzzer reports crashes itself; Swift's interactive backtracer would only slow that down.
export SWIFT_BACKTRACE=enable=no
# Only the fuzzer sanitizer: SwiftPM passes each --sanitize as its own -sanitize= flag in no
# fixed order, and the compiler keeps the last, so "--sanitize=fuzzer --sanitize=address"
# sometimes built without coverage (libFuzzer then reports no "cov:" and finds nothing).
# The debug build keeps Swift's bounds checks on the scanner's unsafe buffers.
flags=(-c debug --product FrameFuzz --scratch-path .build-fuzz --sanitize=fuzzer)
swift build "${flags[@]}"
mkdir -p .build-fuzz/corpus
bin="$(swift build "${flags[@]}" --show-bin-path)/FrameFuzz"
cd .build-fuzz
"$bin" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus ../Fuzz/corpus
