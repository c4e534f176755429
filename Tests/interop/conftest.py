"""pytest fixtures shared by the interop tests: one cn-relay for the whole session,
and its log printed for a failing test. The classes behind them are in harness.py."""

from __future__ import annotations

import signal
import subprocess

import pytest

from harness import RELAY_BIN, Relay, free_port, wait_for_port


@pytest.fixture(scope="session")
def relay(tmp_path_factory):
    if not RELAY_BIN.exists():
        pytest.fail(f"relay binary not built: {RELAY_BIN} (run `swift build` or set CN_RELAY_BIN)")
    base = tmp_path_factory.mktemp("cn-relay")
    data_dir = base / "data"
    data_dir.mkdir()
    log_path = base / "relay.log"
    r = Relay(RELAY_BIN, data_dir, free_port(), log_path)
    with open(log_path, "wb") as log:
        # Logs go to a file, not a pipe: nobody reads a pipe during the tests, and a
        # full pipe would block the relay.
        r.proc = subprocess.Popen(
            [str(RELAY_BIN), "serve", "--host", "127.0.0.1", "--port", str(r.port), "--data-dir", str(data_dir)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(r)
        yield r
    finally:
        if r.proc.poll() is None:
            r.proc.send_signal(signal.SIGTERM)
            try:
                r.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                r.proc.kill()
                r.proc.wait()
                pytest.fail("cn-relay did not stop within 15 s of SIGTERM")
        assert r.proc.returncode == 0, (
            f"cn-relay exited with {r.proc.returncode} after SIGTERM:\n{r.log_since(0)}"
        )


@pytest.fixture(autouse=True)
def relay_log_on_failure(relay):
    """Print what the relay logged during a test; pytest shows it only if the test fails."""
    start = relay.log_size()
    yield
    print(f"---- cn-relay log during this test ({relay.log_path}) ----")
    print(relay.log_since(start))
