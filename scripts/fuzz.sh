#!/usr/bin/env bash
# Builds the FrameFuzz libFuzzer target and runs it for $1 seconds (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
# libFuzzer reports crashes itself; Swift's interactive backtracer would only slow that down.
export SWIFT_BACKTRACE=enable=no
swift build -c debug --product FrameFuzz --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address
mkdir -p .build-fuzz/corpus
bin="$(swift build -c debug --scratch-path .build-fuzz --show-bin-path)/FrameFuzz"
cd .build-fuzz
"$bin" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus ../Fuzz/corpus
