#!/usr/bin/env bash
# Messaging benchmark (Benchmarks/README.md, "Client commands: messaging"): release builds of
# cn-relay, cn-account, cn-friend, cn-send and cn-recv with the Swift runtime linked
# statically (the form the README builds), then Benchmarks/ClientMessaging/messaging.py:
# one-shot cn-send latency (median of BENCH_MESSAGING_RUNS, 50), BENCH_MESSAGING_LINES
# (10,000) lines through one cn-send, and the agent (cn-recv --follow) receiving them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
lock="${CN_BUILD_LOCK-/tmp/cn-build.lock}"
flags=(-c release --static-swift-stdlib --scratch-path .build-static)
build() { if [ -n "$lock" ]; then flock "$lock" swift build "${flags[@]}" "$@"; else swift build "${flags[@]}" "$@"; fi; }
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  for product in cn-relay cn-account cn-friend cn-send cn-recv; do build --product "$product" >&2; done
fi
python3 Benchmarks/ClientMessaging/messaging.py "$(swift build "${flags[@]}" --show-bin-path)"
