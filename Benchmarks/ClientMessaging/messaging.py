#!/usr/bin/env python3
"""Messaging benchmarks of the client commands (Benchmarks/README.md, "Client commands:
messaging").

Against a fresh local release relay (`--msg-rate 0`: the per-socket limit would otherwise
be what a flood measures) with two befriended accounts, alice and bob, and bob's agent
(`cn-recv --follow`) online:

1. one-shot: `cn-send --to bob hi`, spawn → DELIVERED → exit, after 5 warm-up runs, N runs
   (BENCH_MESSAGING_RUNS, 50); beside it the `cn-send --help` floor and `/bin/true`;
2. bulk send: BENCH_MESSAGING_LINES (10,000) lines piped into one `cn-send`, spawn to exit;
   every result line must be `delivered`;
3. bulk receive: bob's agent printing those messages: first to last message line on its
   stdout, and its peak RSS (VmHWM).

The bulk figures also give the CPU time (user + system) per message of the sender, the
agent and the relay: steadier than rates on a VM whose speed varies.

One JSON line per measurement on stdout. Every wait is bounded; all processes are stopped
at the end.
"""
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

bin_dir = sys.argv[1]
runs = int(os.environ.get("BENCH_MESSAGING_RUNS", "50"))
lines_total = int(os.environ.get("BENCH_MESSAGING_LINES", "10000"))
work = tempfile.mkdtemp(prefix="cn-bench-messaging-")
children = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(user):
    return {"CN_HOME": f"{work}/{user}", "PATH": "/usr/bin:/bin", "HOME": work}


def cli(user, *args, stdin=None):
    return subprocess.run([f"{bin_dir}/{args[0]}", *args[1:]], env=env(user), check=True, capture_output=True,
                          input=stdin, timeout=120).stdout


def cpu_seconds(pid):
    """User plus system CPU time of a running process, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


port = free_port()
relay = subprocess.Popen([f"{bin_dir}/cn-relay", "serve", "--host", "127.0.0.1", "--port", str(port), "--msg-rate", "0",
                          "--data-dir", f"{work}/relay"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
children.append(relay)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    for user in ("alice", "bob"):
        token = subprocess.run([f"{bin_dir}/cn-relay", "token", "--email", f"{user}@example.com", "--data-dir", f"{work}/relay"],
                               check=True, capture_output=True, text=True).stdout.strip()
        cli(user, "cn-account", "init", "--email", f"{user}@example.com", "--relay", f"ws://127.0.0.1:{port}", "--token", token, "-q")
    cli("alice", "cn-friend", "request", "bob@example.com", "-q")
    cli("bob", "cn-friend", "accept", "alice@example.com", "-q")
    cli("alice", "cn-friend", "list", "-q")

    # bob's agent: its stdout read line by line, each message line timestamped on arrival.
    agent = subprocess.Popen([f"{bin_dir}/cn-recv", "--follow", "-q"], env=env("bob"), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    children.append(agent)
    arrivals = []
    arrivals_lock = threading.Lock()

    def read_agent():
        for raw in agent.stdout:
            if b'"type":"message"' in raw:
                with arrivals_lock:
                    arrivals.append(time.perf_counter())

    threading.Thread(target=read_agent, daemon=True).start()
    time.sleep(1.0)

    devnull = os.open(os.devnull, os.O_RDWR)
    measured = {
        "/bin/true (floor: spawn and exit)": ["/bin/true"],
        "cn-send --help (floor: Swift runtime start-up)": ["cn-send", "--help"],
        "cn-send --to bob hi (one-shot, delivered)": ["cn-send", "--to", "bob@example.com", "hi"],
    }
    for name, argv in measured.items():
        path = argv[0] if argv[0].startswith("/") else f"{bin_dir}/{argv[0]}"
        samples = []
        for i in range(5 + runs):
            out_r, out_w = os.pipe()
            start = time.perf_counter_ns()
            pid = os.posix_spawn(path, argv, env("alice"),
                                 file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                                               (os.POSIX_SPAWN_DUP2, devnull, 2)])
            os.close(out_w)
            _, status = os.waitpid(pid, 0)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            output = b""
            while chunk := os.read(out_r, 65536):
                output += chunk
            os.close(out_r)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{name}: exit {os.waitstatus_to_exitcode(status)}: {output[:300]!r}")
            if argv[0] == "cn-send" and "--help" not in argv and b'"status":"delivered"' not in output:
                sys.exit(f"{name}: not delivered: {output[:300]!r}")
            if i >= 5:
                samples.append(elapsed)
        samples.sort()
        print(json.dumps({"command": name, "runs": len(samples), "medianMs": round(statistics.median(samples), 1),
                          "p90Ms": round(samples[int(len(samples) * 0.9) - 1], 1), "minMs": round(samples[0], 1),
                          "maxMs": round(samples[-1], 1)}), flush=True)

    # Let the one-shot messages reach the agent, then start counting afresh.
    time.sleep(1.5)
    with arrivals_lock:
        arrivals.clear()
    text = "".join(f"bulk message {i:05d} of the benchmark\n" for i in range(lines_total)).encode()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    agent_cpu, relay_cpu = cpu_seconds(agent.pid), cpu_seconds(relay.pid)
    start = time.perf_counter()
    sent = subprocess.run([f"{bin_dir}/cn-send", "--to", "bob@example.com", "-q"], env=env("alice"), input=text,
                          capture_output=True, timeout=600)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sender_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    results = [json.loads(line) for line in sent.stdout.splitlines()]
    delivered = sum(1 for r in results if r.get("status") == "delivered")
    if sent.returncode != 0 or delivered != lines_total:
        sys.exit(f"bulk send: exit {sent.returncode}, {delivered} of {lines_total} delivered: {sent.stderr[-500:]!r}")
    print(json.dumps({"command": f"{lines_total} lines | cn-send --to bob", "seconds": round(elapsed, 2),
                      "deliveredPerSecond": round(lines_total / elapsed),
                      "cpuMicrosecondsPerMessage": round(sender_cpu * 1e6 / lines_total)}), flush=True)

    deadline = time.time() + 300
    while time.time() < deadline:
        with arrivals_lock:
            if len(arrivals) >= lines_total:
                break
        time.sleep(0.1)
    with arrivals_lock:
        got = list(arrivals)
    if len(got) < lines_total:
        sys.exit(f"bulk receive: the agent printed {len(got)} of {lines_total}")
    span = got[-1] - got[0]
    time.sleep(0.2)  # the agent's last receipts and acknowledgements
    agent_cpu, relay_cpu = cpu_seconds(agent.pid) - agent_cpu, cpu_seconds(relay.pid) - relay_cpu
    print(json.dumps({"command": f"cn-recv --follow receiving {lines_total}", "seconds": round(span, 2),
                      "storedAndPrintedPerSecond": round((lines_total - 1) / span) if span > 0 else None,
                      "lastArrivalAfterSendStartSeconds": round(got[-1] - start, 2),
                      "cpuMicrosecondsPerMessage": round(agent_cpu * 1e6 / lines_total),
                      "relayCpuMicrosecondsPerMessage": round(relay_cpu * 1e6 / lines_total),
                      "agentPeakRssMiB": round(rss_kib(agent.pid, "VmHWM") / 1024, 1),
                      "agentRssMiB": round(rss_kib(agent.pid, "VmRSS") / 1024, 1)}), flush=True)
finally:
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
