#!/usr/bin/env bash
# Client start-up benchmark (Benchmarks/README.md, "Client commands"): release builds of
# cn-relay, cn-account and cn-friend with the Swift runtime linked statically (the form
# release packages ship, BUILDING.md; in .build-static so the usual build stays), then Benchmarks/ClientStartup/startup.py: median wall
# time of `cn-friend list` and `cn-account whoami` over BENCH_CLIENT_RUNS (50) runs each,
# spawn to exit, against a local relay. Target: ≤ 30 ms median.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
lock="${CN_BUILD_LOCK-/tmp/cn-build.lock}"
flags=(-c release --static-swift-stdlib --scratch-path .build-static)
build() { if [ -n "$lock" ]; then flock "$lock" swift build "${flags[@]}" "$@"; else swift build "${flags[@]}" "$@"; fi; }
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  for product in cn-relay cn-account cn-friend; do build --product "$product" >&2; done
fi
python3 Benchmarks/ClientStartup/startup.py "$(swift build "${flags[@]}" --show-bin-path)"
