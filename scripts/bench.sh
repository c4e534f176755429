#!/usr/bin/env bash
# Relay benchmarks (Benchmarks/README.md): builds release cn-relay and cn-relay-load, then
# against a fresh loopback relay each time (--msg-rate 0 --mailbox off, defaults otherwise):
#   1. latency     one friend pair, MSG round trips, p50/p99/max
#   2. throughput  16 pairs × 64-character payloads, messages/s and relay CPU per relayed MSG,
#                  then the same with "c": true (a DELIVERED answer per MSG)
#   3. idle        5,000 authenticated idle connections, relay RSS per connection
#   4. capacity    15,000 authenticated connections from 3 processes on 127.0.0.2/3/4
# and prints a summary against the targets. Everything stays on loopback; every step has a
# time limit; the relay is stopped with SIGTERM and every child is cleaned up on exit.
#
# Knobs (environment): BENCH_MESSAGES (per direction per pair, default 10000 → 320,000
# relayed), BENCH_PAIRS (16), BENCH_PAYLOAD (64), BENCH_ROUND_TRIPS (10000), BENCH_IDLE
# (5000), BENCH_CAPACITY (15000), BENCH_PROCESSES (3), BENCH_HOLD (60 s), BENCH_OUT
# (.build/bench), BENCH_SKIP_BUILD=1, BENCH_PERF=1 (perf profile of the relay during the
# throughput run, software cpu-clock), CN_BUILD_LOCK (a flock file that serializes builds,
# default /tmp/cn-build.lock; empty disables).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"

messages="${BENCH_MESSAGES:-10000}"
pairs="${BENCH_PAIRS:-16}"
payload="${BENCH_PAYLOAD:-64}"
round_trips="${BENCH_ROUND_TRIPS:-10000}"
idle="${BENCH_IDLE:-5000}"
capacity="${BENCH_CAPACITY:-15000}"
processes="${BENCH_PROCESSES:-3}"
hold="${BENCH_HOLD:-60}"
out="${BENCH_OUT:-.build/bench}"
lock="${CN_BUILD_LOCK-/tmp/cn-build.lock}"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
results="$out/results.jsonl"
: > "$results"
work="$(mktemp -d "${TMPDIR:-/tmp}/cn-bench.XXXXXX")"
relay_pid=""
relay_port=""
relay_data=""
children=()

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${children[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${children[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  stop_relay
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---- build ------------------------------------------------------------------------------
build() {
  local product="$1"
  local cmd=(swift build -c release --product "$product")
  if [ -n "$lock" ] && command -v flock >/dev/null; then cmd=(flock "$lock" "${cmd[@]}"); fi
  log "building $product (release; the first build takes several minutes)"
  if ! "${cmd[@]}" > "$out/build-$product.log" 2>&1; then
    tail -n 40 "$out/build-$product.log" >&2
    die "swift build -c release --product $product (log: $out/build-$product.log)"
  fi
}
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  build cn-relay
  build cn-relay-load
fi
bin="$(swift build -c release --show-bin-path)"
[ -x "$bin/cn-relay" ] && [ -x "$bin/cn-relay-load" ] || die "no release binaries in $bin"

# ---- relay lifecycle --------------------------------------------------------------------
# start_relay NAME [FD_LIMIT]: a fresh relay on a free port with a fresh data directory.
start_relay() {
  local name="$1" fds="${2:-}"
  relay_data="$work/$name-data"
  local relay_log="$out/relay-$name.log"
  (
    [ -n "$fds" ] && ulimit -n "$fds"
    exec "$bin/cn-relay" serve --host 127.0.0.1 --port 0 --data-dir "$relay_data" --msg-rate 0 --mailbox off
  ) 2> "$relay_log" &
  relay_pid=$!
  relay_port=""
  for _ in $(seq 1 100); do
    relay_port="$(grep -m1 '"listening"' "$relay_log" 2>/dev/null | grep -o '"port":"[0-9]*"' | grep -o '[0-9]\+' || true)"
    [ -n "$relay_port" ] && break
    kill -0 "$relay_pid" 2>/dev/null || { cat "$relay_log" >&2; die "relay $name exited at start"; }
    sleep 0.1
  done
  [ -n "$relay_port" ] || die "relay $name did not log its port (log: $relay_log)"
  log "relay $name: pid $relay_pid, port $relay_port, fd limit $(awk '/Max open files/ {print $4}' /proc/$relay_pid/limits)"
}

stop_relay() {
  [ -n "$relay_pid" ] || return 0
  if kill -0 "$relay_pid" 2>/dev/null; then
    kill -TERM "$relay_pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$relay_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$relay_pid" 2>/dev/null; then
      log "relay $relay_pid ignored SIGTERM for 15 s; killing it"
      kill -KILL "$relay_pid" 2>/dev/null || true
    fi
  fi
  wait "$relay_pid" 2>/dev/null || true
  relay_pid=""
}

relay_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$relay_pid/status"; }
relay_fds() { ls "/proc/$relay_pid/fd" | wc -l; }
relay_cpu_seconds() {
  # utime + stime (fields 14, 15) of /proc/<pid>/stat, after the parenthesized command name.
  local ticks
  ticks="$(getconf CLK_TCK)"
  sed 's/.*) //' "/proc/$relay_pid/stat" | awk -v t="$ticks" '{printf "%.3f", ($12 + $13) / t}'
}

# load MODE ARGS...: runs cn-relay-load against the current relay; its JSON goes to the results.
load() {
  local mode="$1"; shift
  "$bin/cn-relay-load" "$mode" --port "$relay_port" --data-dir "$relay_data" --relay-pid "$relay_pid" "$@" \
    2> >(tee -a "$out/load.log" >&2) | tee -a "$results"
}

# ---- 1 + 2: latency and throughput --------------------------------------------------------
start_relay messages
log "1/4 latency: $round_trips round trips"
load latency --round-trips "$round_trips" --payload-size "$payload" --timeout 300
log "2/4 throughput: $pairs pairs × 2 × $messages MSGs of $payload characters"
perf_pid=""
if [ "${BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
  # A CPU profile of the relay during the throughput run (software clock: works in VMs too).
  perf record -q -e cpu-clock -F 2000 -g -p "$relay_pid" -o "$out/perf-throughput.data" > "$out/perf.log" 2>&1 &
  perf_pid=$!
  children+=("$perf_pid")
  sleep 1
fi
load throughput --pairs "$pairs" --messages "$messages" --payload-size "$payload" --timeout 600
if [ -n "$perf_pid" ]; then
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  children=()
  perf report -i "$out/perf-throughput.data" --stdio --no-children --sort dso,symbol -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -n 40 > "$out/perf-throughput-top.txt" || true
  log "relay profile: $out/perf-throughput.data (top symbols: $out/perf-throughput-top.txt)"
fi
log "2/4 throughput again, every MSG with \"c\": true (the relay answers each with DELIVERED)"
load throughput --pairs "$pairs" --messages "$messages" --payload-size "$payload" --confirm --timeout 600
stop_relay

# ---- 3: idle connections, RSS ------------------------------------------------------------
start_relay idle 20000
log "3/4 idle: $idle authenticated connections"
load idle --connections "$idle" --warmup 50 --timeout 600
stop_relay

# ---- 4: capacity: $capacity connections from $processes processes --------------------------
hard="$(ulimit -Hn)"
if [ "$hard" != unlimited ] && [ "$hard" -lt $((capacity + 200)) ]; then
  log "hard fd limit $hard < $((capacity + 200)): the relay cannot hold $capacity sockets; lowering the goal"
  capacity=$((hard - 200))
fi
per=$(( (capacity + processes - 1) / processes ))
start_relay capacity "$([ "$hard" = unlimited ] && echo 20000 || echo $(( hard < 20000 ? hard : 20000 )))"
rss_before="$(relay_rss_kib)"
cpu_before="$(relay_cpu_seconds)"
log "4/4 capacity: $processes processes × $per connections from 127.0.0.2…, held $hold s"
started="$(date +%s.%N)"
for i in $(seq 1 "$processes"); do
  "$bin/cn-relay-load" idle --port "$relay_port" --data-dir "$relay_data" --source "127.0.0.$((i + 1))" \
    --connections "$per" --warmup 0 --concurrency 32 --hold "$hold" --timeout $((hold + 600)) \
    > "$work/capacity-$i.jsonl" 2> "$out/capacity-$i.log" &
  children+=($!)
done
# Wait until every process reported (its first JSON line), at most 10 minutes.
deadline=$(( $(date +%s) + 600 ))
while :; do
  ready=0
  for i in $(seq 1 "$processes"); do
    [ -s "$work/capacity-$i.jsonl" ] && ready=$((ready + 1))
  done
  [ "$ready" -eq "$processes" ] && break
  for i in $(seq 1 "$processes"); do
    if [ ! -s "$work/capacity-$i.jsonl" ] && ! kill -0 "${children[$((i - 1))]}" 2>/dev/null; then
      tail -n 5 "$out/capacity-$i.log" >&2
      die "capacity process $i exited before reporting (log: $out/capacity-$i.log)"
    fi
  done
  [ "$(date +%s)" -lt "$deadline" ] || die "capacity: only $ready of $processes processes finished opening in 10 minutes"
  sleep 1
done
ready_at="$(date +%s.%N)"
authenticated=0
for i in $(seq 1 "$processes"); do
  n="$(head -n1 "$work/capacity-$i.jsonl" | grep -o '"authenticated":[0-9]*' | grep -o '[0-9]*$' || echo 0)"
  authenticated=$((authenticated + n))
  head -n1 "$work/capacity-$i.jsonl" >> "$results"
done
sleep 2
fds="$(relay_fds)"
established=-1
if command -v ss >/dev/null; then established="$(ss -Htn state established "( sport = :$relay_port )" | wc -l)"; fi
rss_after="$(relay_rss_kib)"
cpu_opened="$(relay_cpu_seconds)"
log "capacity: $authenticated authenticated; relay holds $fds fds, $established established sockets, RSS $rss_before → $rss_after KiB"
log "capacity: latency probe while $authenticated connections are held"
"$bin/cn-relay-load" latency --port "$relay_port" --data-dir "$relay_data" --relay-pid "$relay_pid" \
  --round-trips 2000 --warmup 200 --payload-size "$payload" --timeout 120 > "$work/probe.jsonl" 2>> "$out/load.log"
# Relay CPU over 20 s of idling (two heartbeat rounds: a PING to every socket, a PONG back).
idle_cpu0="$(relay_cpu_seconds)"; sleep 20; idle_cpu1="$(relay_cpu_seconds)"
still="$(relay_fds)"
printf '{"mode":"capacity","goal":%s,"processes":%s,"authenticated":%s,"relayFds":%s,"established":%s,"relayFdsAfter20s":%s,"relayRssBeforeKiB":%s,"relayRssAfterKiB":%s,"relayRssPerConnectionKiB":%s,"openSeconds":%s,"relayCpuUsPerConnectionOpened":%s,"relayIdleCpuPercent":%s,"probe":%s}\n' \
  "$capacity" "$processes" "$authenticated" "$fds" "$established" "$still" "$rss_before" "$rss_after" \
  "$(awk -v a="$rss_after" -v b="$rss_before" -v n="$authenticated" 'BEGIN {printf "%.2f", n ? (a - b) / n : 0}')" \
  "$(awk -v a="$ready_at" -v b="$started" 'BEGIN {printf "%.2f", a - b}')" \
  "$(awk -v a="$cpu_opened" -v b="$cpu_before" -v n="$authenticated" 'BEGIN {printf "%.2f", n ? (a - b) * 1e6 / n : 0}')" \
  "$(awk -v a="$idle_cpu1" -v b="$idle_cpu0" 'BEGIN {printf "%.2f", (a - b) * 100 / 20}')" \
  "$(cat "$work/probe.jsonl")" | tee -a "$results"
log "capacity: waiting for the holders to finish"
for pid in "${children[@]}"; do wait "$pid" || log "a capacity process exited with $?"; done
children=()
for i in $(seq 1 "$processes"); do tail -n +2 "$work/capacity-$i.jsonl" >> "$results"; done
stop_relay

# ---- summary -----------------------------------------------------------------------------
machine="$(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), $(swift --version 2>/dev/null | head -n1)"
BENCH_MACHINE="$machine" python3 - "$results" <<'PY' | tee "$out/summary.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def first(mode): return next((r for r in rows if r.get("mode") == mode), {})
lat, tp, idle, cap = first("latency"), first("throughput"), first("idle"), first("capacity")
tpc = next((r for r in rows if r.get("mode") == "throughput" and r.get("confirm")), {})
def verdict(ok): return "met" if ok else "MISSED"
import os
print("CryptNode relay benchmark:", os.environ.get("BENCH_MACHINE", ""))
print(f"  latency     round trip p50 {lat.get('p50Us')} µs, p99 {lat.get('p99Us')} µs, max {lat.get('maxUs')} µs "
      f"({lat.get('roundTrips')} round trips; relay CPU {lat.get('relayCpuUsPerMessage')} µs per MSG at one in flight)")
cpu = tp.get("relayCpuUsPerMessage")
print(f"  throughput  {tp.get('messagesPerSecond')} MSG/s relayed ({tp.get('relayed')} in {tp.get('seconds')} s, {tp.get('pairs')} pairs, "
      f"{tp.get('clientFrameBytes')}-byte frames); relay CPU {cpu} µs per MSG "
      f"[target ≤ 20 µs, Go relay ~134: {verdict(cpu is not None and cpu <= 20)}]")
cpuc = tpc.get("relayCpuUsPerMessage")
print(f"              with \"c\": true (DELIVERED per MSG): {tpc.get('messagesPerSecond')} MSG/s, relay CPU {cpuc} µs per MSG "
      f"[target ≤ 20 µs: {verdict(cpuc is not None and cpuc <= 20)}]")
rss = idle.get("relayRssPerConnectionKiB")
print(f"  idle        {idle.get('authenticated')} connections: relay RSS {rss} KiB each "
      f"[target ≤ 12 KiB, Go relay ~39: {verdict(rss is not None and rss <= 12)}]")
n = cap.get("authenticated", 0)
print(f"  capacity    {n} authenticated connections held ({cap.get('relayFds')} relay fds, {cap.get('established')} established), "
      f"RSS {cap.get('relayRssPerConnectionKiB')} KiB each, idle relay CPU {cap.get('relayIdleCpuPercent')} % "
      f"[target 15,000: {verdict(n >= 15000)}]")
probe = cap.get("probe") or {}
print(f"              latency under that load: p50 {probe.get('p50Us')} µs, p99 {probe.get('p99Us')} µs")
busy = [(name, r.get("otherCpuCores")) for name, r in (("latency", lat), ("throughput", tp), ("confirmed throughput", tpc)) if (r.get("otherCpuCores") or 0) > 0.25]
for name, cores in busy:
    print(f"  WARNING: other processes kept {cores} cores busy during the {name} run: its figures are not comparable; rerun on a quiet machine")
PY
log "results: $results (summary: $out/summary.txt, logs: $out/)"
