"""Interop tests: the Swift client commands (cn-account, cn-friend) against the independent
Python peer of cnpeer.py, which follows the original app's wire format and cryptography.

The Python side is written from /work/shared/PROTOCOL.md only, so each scenario checks
that the Swift client seals and opens friend packets (§6.3) under the pairwise key of
§6.2, enforces the sender check of §5.2, and computes the safety number of §6.4 exactly
as an independent implementation does.

Run from the repository root:
    python3 -m pytest -q Tests/interop

Binaries: $CN_BIN_DIR (cn-account, cn-friend), else the directory of $CN_RELAY_BIN.
Each cn-account user gets its own store (--home) under pytest's tmp_path; every command
runs with stdin from /dev/null and a timeout, and its exit code and JSON lines are checked.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cnpeer import (
    Peer,
    conversation_id,
    email_hash,
    load_public_key,
    normalize_email,
    now_ms,
    safety_number,
    seal_friend_packet,
)
from harness import QUIET, RELAY_BIN, Relay, Users, run

BIN_DIR = Path(os.environ.get("CN_BIN_DIR") or RELAY_BIN.parent)
VECTORS = Path(os.environ.get("CN_SHARED_DIR", "/work/shared")) / "testdata" / "safety" / "vectors.json"
# A client command talks to a relay on loopback; anything near this is a hang.
COMMAND_TIMEOUT = 60
# sysexits, DESIGN §4.
EX_OK = 0
EX_NOPERM = 77


# --------------------------------------------------------------------------
# Running the client commands
# --------------------------------------------------------------------------

@dataclass
class Result:
    """A finished command: exit code, stdout's JSON lines, stderr's JSON lines and text."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    lines: list[dict] = field(default_factory=list)
    diagnostics: list[dict] = field(default_factory=list)

    def events(self, kind: str | None = None) -> list[dict]:
        """The {"event":{…}} lines on stderr, optionally of one type."""
        found = [d["event"] for d in self.diagnostics if isinstance(d.get("event"), dict)]
        return [e for e in found if kind is None or e.get("type") == kind]

    def errors(self) -> list[dict]:
        return [d["error"] for d in self.diagnostics if isinstance(d.get("error"), dict)]

    def explain(self) -> str:
        return (f"$ {' '.join(self.argv)}\nexit {self.returncode}\n"
                f"-- stdout --\n{self.stdout}-- stderr --\n{self.stderr}")


def client_env() -> dict[str, str]:
    """The caller's environment without CN_* settings (CN_HOME, CN_ACCOUNT, CN_RELAY,
    CN_PASSPHRASE…), so each command uses exactly the store and account we name."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CN_")}


def command(binary: str, *args: str) -> Result:
    path = BIN_DIR / binary
    if not path.exists():
        pytest.fail(f"client binary not built: {path} (run `swift build`, or set CN_BIN_DIR)")
    argv = [str(path), *args]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT, env=client_env())
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"$ {' '.join(argv)}\ndid not finish within {COMMAND_TIMEOUT}s\n"
                    f"-- stdout --\n{exc.stdout}\n-- stderr --\n{exc.stderr}")
    return collect(argv, done)


def collect(argv: list[str], done: subprocess.CompletedProcess) -> "Result":
    """The finished command as a Result: its stdout lines (each must be a JSON object) and
    the JSON lines among its stderr."""
    result = Result(argv, done.returncode, done.stdout, done.stderr)
    # DESIGN §4: results are JSON lines on stdout, nothing else.
    for line in done.stdout.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            pytest.fail(f"stdout line is not JSON: {line!r}\n{result.explain()}")
        assert isinstance(value, dict), f"stdout line is not a JSON object: {line!r}\n{result.explain()}"
        result.lines.append(value)
    # stderr mixes JSON lines (events, the fatal error) and notes for humans.
    for line in done.stderr.splitlines():
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                result.diagnostics.append(value)
    return result


def expect_exit(result: Result, code: int) -> Result:
    assert result.returncode == code, f"expected exit {code}\n{result.explain()}"
    if code != EX_OK:
        # DESIGN §4: a fatal error also prints {"error":{"code":…,"message":…}} on stderr.
        errors = result.errors()
        assert errors and errors[-1].get("code") == code, f"no error line with code {code}\n{result.explain()}"
    return result


class CliUser:
    """An account made with `cn-account init` in its own store, driven by cn-friend."""

    def __init__(self, relay: Relay, email: str, home: Path):
        self.relay = relay
        self.email = normalize_email(email)
        self.home = home
        self.device = ""  # this device's public key (b64), from cn-account init

    def friend(self, *args: str) -> Result:
        return command("cn-friend", *args, "--home", str(self.home))

    async def afriend(self, *args: str) -> Result:
        # In a thread: the Python peers' readers keep running while the command talks to the relay.
        return await asyncio.to_thread(self.friend, *args)

    @classmethod
    async def create(cls, relay: Relay, email: str, home: Path) -> "CliUser":
        user = cls(relay, email, home)
        # Enrollment as the relay's operator does it (§3): `cn-relay token --email E`.
        token = await asyncio.to_thread(relay.token, user.email)
        relay_url = f"ws://127.0.0.1:{relay.port}"
        done = expect_exit(await asyncio.to_thread(
            command, "cn-account", "init", "--home", str(home), "--email", user.email,
            "--relay", relay_url, "--token", token), EX_OK)
        assert len(done.lines) == 1, done.explain()
        line = done.lines[0]
        assert line["email"] == user.email, done.explain()
        assert line["relay"].rstrip("/") == relay_url, done.explain()
        user.device = line["device"]
        load_public_key(user.device)  # a 65-byte uncompressed P-256 point (§3)
        return user

    def only_line(self, result: Result) -> dict:
        assert len(result.lines) == 1, f"expected one result line\n{result.explain()}"
        return result.lines[0]

    def no_rejections(self, result: Result) -> None:
        rejected = result.events("rejected")
        assert not rejected, f"the client rejected something the peer sent correctly: {rejected}\n{result.explain()}"


def peer_line(result: Result, email: str) -> dict | None:
    return next((line for line in result.lines if line.get("email") == email), None)


def check_friend_packet(info: dict, email: str) -> None:
    """§6.3: {email, name?, avatar?, nameVersion, avatarVersion, timestamp}."""
    assert info["email"] == email, info
    for key in ("nameVersion", "avatarVersion", "timestamp"):
        assert isinstance(info.get(key), int) and not isinstance(info.get(key), bool), f"{key} missing or not an integer: {info}"
    # Milliseconds since 1970 (§7's timestamps), made just now.
    assert abs(info["timestamp"] - now_ms()) < 10 * 60 * 1000, f"timestamp is not 'now' in ms: {info}"


def check_friend_listed(result: Result, peer: Peer, sid: str) -> dict:
    line = peer_line(result, peer.email)
    assert line is not None, f"{peer.email} is not listed\n{result.explain()}"
    assert line["state"] == "friend", f"state is {line['state']!r}, not 'friend'\n{result.explain()}"
    assert line["sid"] == sid, result.explain()
    keys = {d["key"]: d for d in line["devices"]}
    assert list(keys) == [peer.public_key], f"pinned devices {list(keys)} != [{peer.public_key}]\n{result.explain()}"
    assert keys[peer.public_key]["trust"] == "trusted", result.explain()
    return line


async def check_fingerprint(bob: CliUser, peer: Peer) -> None:
    """The safety number cn-friend prints equals the one we compute from PROTOCOL §6.4."""
    done = expect_exit(await bob.afriend("fingerprint", peer.email), EX_OK)
    report = bob.only_line(done)
    expected = safety_number(peer.email, [peer.public_key], bob.email, [bob.device])
    assert report["email"] == peer.email, done.explain()
    assert report["safetyNumber"] == expected, (
        f"safety number differs from PROTOCOL §6.4:\n  cn-friend: {report['safetyNumber']}\n  expected:  {expected}\n{done.explain()}")
    assert report["peerDevices"] == [peer.public_key], done.explain()
    assert report["ownDevices"] == [bob.device], done.explain()


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

def test_safety_number_vectors():
    """Our §6.4 implementation reproduces the shared vectors before it judges cn-friend."""
    cases = json.loads(VECTORS.read_text())["cases"]
    assert cases
    for case in cases:
        a, b = case["a"], case["b"]
        assert safety_number(a["email"], a["publicKeys"], b["email"], b["publicKeys"]) == case["safetyNumber"], case
        # Identical on both sides (§6.4).
        assert safety_number(b["email"], b["publicKeys"], a["email"], a["publicKeys"]) == case["safetyNumber"], case
        # Key order does not matter (the keys are sorted).
        assert safety_number(a["email"], a["publicKeys"][::-1], b["email"], b["publicKeys"][::-1]) == case["safetyNumber"]


def test_python_peer_requests_cli_user_accepts(relay, tmp_path):
    async def scenario():
        async with Users(relay) as users:
            alice = await users.online("alice")
            bob = await CliUser.create(relay, users.email("bob"), tmp_path / "bob")
            sid = conversation_id(alice.email, bob.email)

            # §5.1: the relay lists bob's one device, the key cn-account made.
            keys = await alice.get_public_keys(bob.email)
            assert keys["publicKeys"] == [bob.device], keys
            assert keys["publicKey"] == bob.device, keys

            # §5.2: one packet per device key of bob.
            await alice.friend_request(bob.email, keys["publicKeys"])
            sent = await alice.expect("REQUEST_SENT")
            assert normalize_email(sent["data"]["targetEmail"]) == bob.email, sent

            pending = expect_exit(await bob.afriend("pending"), EX_OK)
            bob.no_rejections(pending)
            request = peer_line(pending, alice.email)
            assert request is not None, f"cn-friend pending does not list {alice.email}\n{pending.explain()}"
            assert request["devices"] == [alice.public_key], pending.explain()
            # The name inside alice's packet: proves cn-friend decrypted it, not just read the frame.
            assert request.get("name") == alice.email.split("@")[0], pending.explain()

            accepted_out = expect_exit(await bob.afriend("accept", alice.email), EX_OK)
            bob.no_rejections(accepted_out)
            outcome = bob.only_line(accepted_out)
            assert outcome["op"] == "accept" and outcome["email"] == alice.email, accepted_out.explain()
            assert outcome["status"] == "friends" and outcome["sid"] == sid, accepted_out.explain()
            assert outcome["devices"] == [alice.public_key], accepted_out.explain()

            # §5.4: alice (online) gets FRIEND_ACCEPTED with bob's accept packet sealed to her device.
            accepted = await alice.expect("FRIEND_ACCEPTED")
            data = accepted["data"]
            assert data["senderEmail"] == bob.email and data["senderHash"] == email_hash(bob.email), accepted
            assert data["sid"] == sid, accepted
            assert data["publicKeys"] == [bob.device] and data["publicKey"] == bob.device, accepted
            # open_friend_frame tries publicKey, then the other publicKeys, and checks the
            # packet's e-mail against senderEmail (§5.2).
            info = alice.open_friend_frame(accepted)
            assert info["_sealedBy"] == bob.device, info
            check_friend_packet(info, bob.email)

            listed = expect_exit(await bob.afriend("list"), EX_OK)
            bob.no_rejections(listed)
            check_friend_listed(listed, alice, sid)

            await check_fingerprint(bob, alice)

    run(scenario())


def test_cli_user_requests_python_peer_accepts(relay, tmp_path):
    async def scenario():
        async with Users(relay) as users:
            alice = await users.online("alice")
            bob = await CliUser.create(relay, users.email("bob"), tmp_path / "bob")
            sid = conversation_id(alice.email, bob.email)

            requested = expect_exit(await bob.afriend("request", alice.email), EX_OK)
            bob.no_rejections(requested)
            outcome = bob.only_line(requested)
            assert outcome["op"] == "request" and outcome["email"] == alice.email, requested.explain()
            assert outcome["status"] == "sent" and outcome["sid"] == sid, requested.explain()
            assert outcome["devices"] == [alice.public_key], requested.explain()

            # §5.2: pushed to alice's online device, with the relay-verified sender.
            pushed = await alice.expect("FRIEND_REQUEST")
            data = pushed["data"]
            assert data["senderEmail"] == bob.email, pushed
            assert data["senderHash"] == email_hash(bob.email), pushed
            assert data["publicKeys"] == [bob.device] and data["publicKey"] == bob.device, pushed
            info = alice.open_friend_frame(pushed)  # also checks email == senderEmail
            assert info["_sealedBy"] == bob.device, info
            check_friend_packet(info, bob.email)

            # bob's command has exited: the relay must keep FRIEND_ACCEPTED for his next AUTH (§5.4, §5.7).
            await alice.friend_accept(bob.email, [bob.device])
            ack = await alice.expect("FRIEND_ACCEPTED_ACK")
            assert normalize_email(ack["data"]["targetEmail"]) == bob.email and ack["data"]["sid"] == sid, ack

            listed = expect_exit(await bob.afriend("list"), EX_OK)
            bob.no_rejections(listed)
            # The stored FRIEND_ACCEPTED arrived after AUTH, was opened with K(bob, alice)
            # and passed the sender check: cn-friend reports it as an event.
            events = [e for e in listed.events("friend_accepted") if e.get("email") == alice.email]
            assert events, f"no friend_accepted event for {alice.email} (the stored FRIEND_ACCEPTED)\n{listed.explain()}"
            check_friend_listed(listed, alice, sid)

            await check_fingerprint(bob, alice)

    run(scenario())


def test_friend_request_with_a_forged_email_is_refused(relay, tmp_path):
    async def scenario():
        async with Users(relay) as users:
            mallory = await users.online("mallory")
            bob = await CliUser.create(relay, users.email("bob"), tmp_path / "bob")
            victim = users.email("alice")  # who mallory pretends to be

            keys = await mallory.get_public_keys(bob.email)
            assert keys["publicKeys"] == [bob.device], keys
            forged = {
                "email": victim,
                "name": "alice",
                "nameVersion": 1,
                "avatarVersion": 0,
                "timestamp": now_ms(),
            }
            # A well-formed packet under the right key K(mallory, bob): only its e-mail lies.
            packet = seal_friend_packet(mallory.identity.pairwise_key(bob.device), forged)
            await mallory.send({"t": "FRIEND_REQUEST", "data": {
                "targetEmail": bob.email,
                "payloads": [{"publicKey": bob.device, "encryptedPacket": packet}],
            }})
            await mallory.expect("REQUEST_SENT")

            # §5.2 fix: the packet's e-mail must equal senderEmail, else the request is dropped.
            pending = expect_exit(await bob.afriend("pending"), EX_OK)
            listed_emails = [line.get("email") for line in pending.lines]
            assert mallory.email not in listed_emails, f"a forged request is listed\n{pending.explain()}"
            assert victim not in listed_emails, f"a forged request is listed under the claimed e-mail\n{pending.explain()}"
            assert pending.lines == [], pending.explain()
            rejected = pending.events("rejected")
            assert rejected, f"no rejected event for the forged request\n{pending.explain()}"
            assert any(mallory.email in (e.get("reason") or "") for e in rejected), pending.explain()

            refused = expect_exit(await bob.afriend("accept", mallory.email), EX_NOPERM)
            assert refused.lines == [], refused.explain()
            expect_exit(await bob.afriend("accept", victim), EX_NOPERM)
            await mallory.expect_none("FRIEND_ACCEPTED", QUIET)

            # Nothing was recorded as a friend or a request from either address.
            everyone = expect_exit(await bob.afriend("list", "--all"), EX_OK)
            for email in (mallory.email, victim):
                line = peer_line(everyone, email)
                assert line is None or line["state"] not in ("friend", "incoming"), everyone.explain()

    run(scenario())
