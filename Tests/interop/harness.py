"""Shared harness of the interop tests: the cn-relay process, users of the Python peer,
and a runner for asyncio scenarios. The pytest fixtures built on it are in conftest.py.

The relay binary is $CN_RELAY_BIN, else <repo>/.build/debug/cn-relay.
Section numbers (§) refer to /work/shared/PROTOCOL.md.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from cnpeer import Peer

REPO_ROOT = Path(__file__).resolve().parents[2]
RELAY_BIN = Path(os.environ.get("CN_RELAY_BIN", REPO_ROOT / ".build" / "debug" / "cn-relay"))
SCENARIO_TIMEOUT = 60.0
# How long we listen to be reasonably sure something is NOT sent. Only used where
# the protocol gives no end marker to wait for (e.g. after the last mailbox item).
QUIET = 1.5


# --------------------------------------------------------------------------
# The relay process
# --------------------------------------------------------------------------

class Relay:
    def __init__(self, binary: Path, data_dir: Path, port: int, log_path: Path):
        self.binary = binary
        self.data_dir = data_dir
        self.port = port
        self.log_path = log_path
        self.url = f"ws://127.0.0.1:{port}/"
        self.proc: subprocess.Popen | None = None

    def token(self, email: str) -> str:
        """Enroll a user the self-hosted way (§3): `cn-relay token --email E`."""
        done = subprocess.run(
            [str(self.binary), "token", "--email", email, "--data-dir", str(self.data_dir)],
            capture_output=True, text=True, timeout=30,
        )
        assert done.returncode == 0, f"cn-relay token failed ({done.returncode}): {done.stderr}"
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"cn-relay token should print one line, got {done.stdout!r}"
        return lines[0].strip()

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def log_since(self, offset: int, limit: int = 8000) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        return text[-limit:]


def free_port() -> int:
    # Bind port 0 to let the kernel pick, then release it for the relay. There is a
    # small window where something else could take it; on a test machine that is fine.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(relay: Relay, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if relay.proc.poll() is not None:
            pytest.fail(f"cn-relay exited early ({relay.proc.returncode}):\n{relay.log_since(0)}")
        try:
            with socket.create_connection(("127.0.0.1", relay.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"cn-relay did not listen on {relay.port} within {timeout}s:\n{relay.log_since(0)}")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def run(coro):
    """Each test drives one asyncio scenario, bounded so a hang fails instead of stalling."""
    return asyncio.run(asyncio.wait_for(coro, SCENARIO_TIMEOUT))


class Users:
    """Creates uniquely named users for one scenario and closes their sockets after it."""

    def __init__(self, relay: Relay):
        self.relay = relay
        self.peers: list[Peer] = []
        self.tag = uuid.uuid4().hex[:8]

    def email(self, name: str) -> str:
        return f"{name}-{self.tag}@example.com"

    async def online(self, name: str, features=None) -> Peer:
        email = self.email(name)
        token = await asyncio.to_thread(self.relay.token, email)
        peer = Peer(self.relay.url, email, token, features=features)
        self.peers.append(peer)
        await peer.connect()
        await peer.login()
        return peer

    async def __aenter__(self) -> "Users":
        return self

    async def __aexit__(self, *exc) -> None:
        for peer in self.peers:
            try:
                await asyncio.wait_for(peer.close(), 5)
            except Exception:
                pass  # a socket the relay already closed, or one a test closed itself

