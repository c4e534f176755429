#!/usr/bin/env python3
"""Start-up cost of the client commands (Benchmarks/README.md, "Client commands").

Against a fresh local release relay, with two befriended accounts, runs each measured
command N times (spawn to exit, wall clock, os.posix_spawn + waitpid: the least overhead a
spawner can add) after 5 warm-up runs, and prints one JSON line per command with the
median, p90, min and max in milliseconds. Every run must exit 0 and print a JSON line.
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

bin_dir = sys.argv[1]
runs = int(os.environ.get("BENCH_CLIENT_RUNS", "50"))
work = tempfile.mkdtemp(prefix="cn-bench-client-")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
relay = subprocess.Popen([f"{bin_dir}/cn-relay", "serve", "--host", "127.0.0.1", "--port", str(port),
                          "--data-dir", f"{work}/relay"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)

    def env(user):
        return {"CN_HOME": f"{work}/{user}", "PATH": "/usr/bin:/bin", "HOME": work}

    def cli(user, *args):
        return subprocess.run([f"{bin_dir}/{args[0]}", *args[1:]], env=env(user), check=True,
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=60).stdout

    for user in ("alice", "bob"):
        token = subprocess.run([f"{bin_dir}/cn-relay", "token", "--email", f"{user}@example.com", "--data-dir", f"{work}/relay"],
                               check=True, capture_output=True, text=True).stdout.strip()
        cli(user, "cn-account", "init", "--email", f"{user}@example.com", "--relay", f"ws://127.0.0.1:{port}", "--token", token, "-q")
    cli("alice", "cn-friend", "request", "bob@example.com", "-q")
    cli("bob", "cn-friend", "accept", "alice@example.com", "-q")
    cli("alice", "cn-friend", "list", "-q")

    devnull = os.open(os.devnull, os.O_RDWR)
    # Floors for reading the figures: a process that does nothing, and one of ours that
    # only starts the Swift runtime and parses its arguments.
    measured = {
        "/bin/true (floor: spawn and exit)": ["/bin/true"],
        "cn-account --help (floor: Swift runtime start-up)": ["cn-account", "--help"],
        "cn-friend list": ["cn-friend", "list"],
        "cn-account whoami": ["cn-account", "whoami"],
        "cn-friend list --offline": ["cn-friend", "list", "--offline"],
        "cn-account whoami --offline": ["cn-account", "whoami", "--offline"],
    }
    for name, argv in measured.items():
        path = argv[0] if argv[0].startswith("/") else f"{bin_dir}/{argv[0]}"
        environment = env("alice")
        samples = []
        for i in range(5 + runs):
            out_r, out_w = os.pipe()
            start = time.perf_counter_ns()
            pid = os.posix_spawn(path, argv, environment,
                                 file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                                               (os.POSIX_SPAWN_DUP2, devnull, 2)])
            os.close(out_w)
            _, status = os.waitpid(pid, 0)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            output = os.read(out_r, 65536)
            os.close(out_r)
            if os.waitstatus_to_exitcode(status) != 0 or not (output.startswith(b"{") or argv[0].startswith("/") or "--help" in argv):
                sys.exit(f"{name}: run {i} failed (status {status}, output {output[:200]!r})")
            if i >= 5:
                samples.append(elapsed)
        samples.sort()
        print(json.dumps({"command": name, "runs": runs, "medianMs": round(statistics.median(samples), 2),
                          "p90Ms": round(samples[int(len(samples) * 0.9) - 1], 2),
                          "minMs": round(samples[0], 2), "maxMs": round(samples[-1], 2)}), flush=True)
finally:
    relay.terminate()
    relay.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)
