"""Interop tests: the Swift messaging commands (cn-send, cn-recv) against the independent
Python peer of cnpeer.py, through a real cn-relay.

The Python peer seals and opens MSG payloads exactly as the original app does (§6.3:
b64(IV ‖ AES-GCM(gzip(JSON))) under K(me, device) of §6.2) and builds the inner packets
of §7 (TEXT, TEXT_CHUNK, EDIT, DELETE, REACTION, RECEIPT) from PROTOCOL.md alone, so
each scenario checks that the Swift client speaks the original app's message format
in both directions.

Run from the repository root:
    CN_RELAY_BIN=.build/debug/cn-relay python3 -m pytest -q Tests/interop/test_message_interop.py

Each Swift user has its own store (CN_HOME) under pytest's tmp_path. cn-recv runs with
``--idle 2`` and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import string
import subprocess
import uuid
from pathlib import Path

import pytest

from cnpeer import Peer, conversation_id, email_hash, now_ms
from harness import Users, run
from test_client_interop import BIN_DIR, EX_OK, CliUser, Result, client_env, collect, expect_exit

# A command talks to a relay on loopback; anything near this is a hang.
CLI_TIMEOUT = 45
# cn-recv exits after this many seconds without an event.
IDLE = "2"
# How long the Python peer waits for something the Swift client sends.
WAIT = 8.0


# --------------------------------------------------------------------------
# Running cn-send / cn-recv (shared with test_hostile_relay.py)
# --------------------------------------------------------------------------

def cli(binary: str, *args: str, home: Path, input: str | None = None, timeout: float = CLI_TIMEOUT) -> Result:
    """Runs one client command with CN_HOME=home (and no other CN_* setting), stdin from
    ``input`` (else /dev/null); parses stdout's JSON lines (DESIGN §4: nothing else there)."""
    path = BIN_DIR / binary
    if not path.exists():
        pytest.fail(f"client binary not built: {path} (run `swift build`, or set CN_BIN_DIR)")
    argv = [str(path), *args]
    env = {**client_env(), "CN_HOME": str(home)}
    try:
        done = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"$ CN_HOME={home} {' '.join(argv)}\ndid not finish within {timeout}s\n"
                    f"-- stdout --\n{exc.stdout}\n-- stderr --\n{exc.stderr}")
    result = collect(argv, done)
    # A signal (a crash: SIGSEGV, SIGILL from a Swift trap, SIGABRT) shows as a negative code.
    assert done.returncode >= 0, f"the command crashed (signal {-done.returncode})\n{result.explain()}"
    return result


def of_type(result: Result, kind: str) -> list[dict]:
    """cn-recv's stdout event lines of one type."""
    return [line for line in result.lines if line.get("type") == kind]


def history(home: Path, *args: str) -> list[dict]:
    done = expect_exit(cli("cn-recv", "--history", *args, home=home), EX_OK)
    return done.lines


def by_id(lines: list[dict]) -> dict[str, dict]:
    return {line["id"]: line for line in lines}


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def varied_text(length: int, seed: int) -> str:
    """Text that does not compress to nothing and whose parts cannot be swapped unnoticed."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + " .,;éü→"
    return "".join(rng.choice(alphabet) for _ in range(length))


# --------------------------------------------------------------------------
# Scenario helpers
# --------------------------------------------------------------------------

class Swift(CliUser):
    """A cn-account user that also sends and receives with cn-send / cn-recv."""

    async def send(self, *args: str, input: str | None = None) -> Result:
        return await asyncio.to_thread(cli, "cn-send", *args, home=self.home, input=input)

    async def recv(self, *args: str) -> Result:
        return await asyncio.to_thread(cli, "cn-recv", "--idle", IDLE, *args, home=self.home)

    async def history(self, *args: str) -> list[dict]:
        return await asyncio.to_thread(history, self.home, *args)


async def befriend(users: Users, tmp_path: Path) -> tuple[Peer, Swift, str]:
    """A Python peer (online) and a Swift user (offline between commands) become friends:
    the peer requests, `cn-friend accept` accepts (as in test_client_interop.py)."""
    py = await users.online("py")
    sw = await Swift.create(users.relay, users.email("sw"), tmp_path / "sw")
    sid = conversation_id(py.email, sw.email)
    keys = await py.get_public_keys(sw.email)
    assert keys["publicKeys"] == [sw.device], keys
    await py.friend_request(sw.email, keys["publicKeys"])
    await py.expect("REQUEST_SENT")
    accepted = expect_exit(await sw.afriend("accept", py.email), EX_OK)
    sw.no_rejections(accepted)
    assert sw.only_line(accepted)["status"] == "friends", accepted.explain()
    frame = await py.expect("FRIEND_ACCEPTED")
    assert frame["data"]["sid"] == sid, frame
    py.discard("PEER_ONLINE")
    py.discard("PEER_OFFLINE")
    return py, sw, sid


async def stored_for(py: Peer, frame_id: str, device: str) -> None:
    """The relay's DELIVERED for a frame the peer sent to the offline Swift device: it is in
    the mailbox (§5.10), so a cn-recv started now gets it."""
    notice = await py.expect("DELIVERED", timeout=WAIT, where=lambda f: f.get("id") == frame_id)
    data = notice["data"]
    assert device in data.get("stored", []) or device in data.get("delivered", []), notice


class Packets:
    """MSG frames the Python peer receives, opened with K(py, spk), for picking by type."""

    def __init__(self, py: Peer, sender_device: str, sender_email: str, sid: str):
        self.py = py
        self.sender_device = sender_device
        self.sender_email = sender_email
        self.sid = sid
        self.opened: list[tuple[dict, dict]] = []  # (frame, inner data)

    async def take(self, kind: str, where=lambda data: True, timeout: float = WAIT) -> tuple[dict, dict]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for i, (frame, data) in enumerate(self.opened):
                if data.get("type") == kind and where(data):
                    return self.opened.pop(i)
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = [(f.get("id"), d.get("type")) for f, d in self.opened]
                raise TimeoutError(f"no {kind} packet within {timeout}s; opened so far: {seen}")
            frame = await self.py.expect("MSG", timeout=remaining)
            # §5.6: the relay names the sender; §6.3: open with K(me, spk) only.
            assert frame.get("spk") == self.sender_device, f"spk is not the Swift device key: {json.dumps(frame)[:300]}"
            assert frame.get("sh") == email_hash(self.sender_email), frame
            assert frame.get("sid") == self.sid, frame
            inner = self.py.open_msg(frame)
            assert inner.get("t") == "MSG", inner
            self.opened.append((frame, inner["data"]))


def check_result_line(line: dict, sid: str, to: str, device: str) -> None:
    assert line.get("sid") == sid and line.get("to") == to, line
    assert line.get("status") == "delivered", f"the online Python device did not get it: {line}"
    assert device in line.get("delivered", []), line


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

def test_text_both_ways(relay, tmp_path):
    """1. TEXT from the Python peer reaches cn-recv; cn-send's TEXT opens on the Python side."""
    async def scenario():
        async with Users(relay) as users:
            py, sw, sid = await befriend(users, tmp_path)

            # Python → Swift (offline: the relay's mailbox holds it).
            text = "hello from python ✓"
            mid = await py.send_text(sid, [sw.device], text)
            await stored_for(py, mid, sw.device)
            got = expect_exit(await sw.recv(), EX_OK)
            sw.no_rejections(got)
            assert not of_type(got, "rejected"), got.explain()
            messages = of_type(got, "message")
            assert len(messages) == 1, f"expected one message event\n{got.explain()}"
            m = messages[0]
            assert m["id"] == mid and m["text"] == text, got.explain()
            assert m["sid"] == sid, got.explain()
            assert m["from"] == py.email and m["fromDevice"] == py.public_key, got.explain()
            assert m["to"] == sw.email, got.explain()
            assert is_int(m["ts"]), got.explain()
            assert m.get("queued") is True, f"a mailbox item is reported as queued\n{got.explain()}"

            # Swift → Python (online).
            packets = Packets(py, sw.device, sw.email, sid)
            sent = expect_exit(await sw.send("--to", py.email, "hi"), EX_OK)
            line = sw.only_line(sent)
            check_result_line(line, sid, py.email, py.public_key)
            frame, data = await packets.take("TEXT")
            assert data["text"] == "hi", data
            assert is_uuid(data["id"]), f"TEXT id is not a UUID: {data}"
            assert is_int(data["timestamp"]) and abs(data["timestamp"] - now_ms()) < 10 * 60 * 1000, data
            assert "replyTo" not in data, data
            assert data["id"] == line["id"] == frame["id"], (data, line, frame)
            assert set(frame["data"]["payloads"]) == {py.public_key}, frame

            # The Swift side keeps what it sent, and what it received, in its history.
            stored = by_id(await sw.history())
            assert stored[mid]["text"] == text and stored[mid]["from"] == py.email, stored
            assert stored[line["id"]]["text"] == "hi" and stored[line["id"]]["from"] == sw.email, stored

    run(scenario())


def test_python_edit_delete_reaction_and_chunks(relay, tmp_path):
    """2. EDIT / DELETE / REACTION and a 3-part TEXT_CHUNK message from the Python peer."""
    async def scenario():
        async with Users(relay) as users:
            py, sw, sid = await befriend(users, tmp_path)
            t0 = now_ms()
            m1, m2 = str(uuid.uuid4()), str(uuid.uuid4())
            long_id = str(uuid.uuid4())
            parts = [varied_text(12_000, 1), varied_text(12_000, 2), varied_text(5_000, 3)]
            frames = [
                ({"type": "TEXT", "id": m1, "text": "first draft", "timestamp": t0}, m1),
                ({"type": "TEXT", "id": m2, "text": "delete me", "timestamp": t0 + 1}, m2),
                ({"type": "EDIT", "id": m1, "text": "final text", "timestamp": t0 + 10}, None),
                ({"type": "DELETE", "id": m2, "timestamp": t0 + 11}, None),
                ({"type": "REACTION", "messageId": m1, "emoji": "👍", "action": "add", "timestamp": t0 + 12}, None),
            ] + [
                ({"type": "TEXT_CHUNK", "id": long_id, "chunkIndex": i, "totalChunks": 3, "textChunk": part,
                  "timestamp": t0 + 20}, f"{long_id}#{i}")
                for i, part in enumerate(parts)
            ]
            for data, frame_id in frames:
                sent_id = await py.send_packet(sid, [sw.device], data, frame_id=frame_id or str(uuid.uuid4()))
                await stored_for(py, sent_id, sw.device)

            got = expect_exit(await sw.recv(), EX_OK)
            assert not of_type(got, "rejected"), got.explain()
            messages = by_id(of_type(got, "message"))
            assert set(messages) == {m1, m2, long_id}, f"expected messages {m1}, {m2}, {long_id}\n{got.explain()}"
            assert len(of_type(got, "message")) == 3, f"a message printed twice\n{got.explain()}"
            assert messages[long_id]["text"] == "".join(parts), "the TEXT_CHUNK parts are not joined in order"
            assert messages[long_id]["from"] == py.email and messages[long_id]["fromDevice"] == py.public_key

            edits = of_type(got, "edit")
            assert len(edits) == 1 and edits[0]["id"] == m1 and edits[0]["text"] == "final text", got.explain()
            assert edits[0]["from"] == py.email and edits[0]["sid"] == sid, got.explain()
            deletes = of_type(got, "delete")
            assert len(deletes) == 1 and deletes[0]["id"] == m2 and deletes[0]["from"] == py.email, got.explain()
            reactions = of_type(got, "reaction")
            assert len(reactions) == 1, got.explain()
            r = reactions[0]
            assert r["id"] == m1 and r["emoji"] == "👍" and r["action"] == "add" and r["from"] == py.email, got.explain()

            stored = by_id(await sw.history("--with", py.email))
            assert stored[m1]["text"] == "final text" and stored[m1].get("edited") == t0 + 10, stored[m1]
            assert stored[m1].get("reactions") == [{"from": py.email, "emoji": "👍"}], stored[m1]
            assert stored[m2].get("deleted") == t0 + 11, stored[m2]
            assert not stored[m2].get("text"), f"a deleted message keeps its text: {stored[m2]}"
            assert stored[long_id]["text"] == "".join(parts)

    run(scenario())


def test_swift_edit_delete_reaction_and_chunks(relay, tmp_path):
    """3. cn-send --json edit / delete / react and a 30,000-character text, opened in Python."""
    async def scenario():
        async with Users(relay) as users:
            py, sw, sid = await befriend(users, tmp_path)
            packets = Packets(py, sw.device, sw.email, sid)

            # A message of the Python peer for Swift to react to.
            theirs = await py.send_text(sid, [sw.device], "react to me")
            await stored_for(py, theirs, sw.device)
            expect_exit(await sw.recv(), EX_OK)

            lines = "\n".join(json.dumps({"to": py.email, "text": t}) for t in ("first", "second")) + "\n"
            sent = expect_exit(await sw.send("--json", input=lines), EX_OK)
            assert len(sent.lines) == 2, sent.explain()
            s1, s2 = sent.lines[0]["id"], sent.lines[1]["id"]
            for line in sent.lines:
                check_result_line(line, sid, py.email, py.public_key)
            await packets.take("TEXT", lambda d: d["id"] == s1)
            await packets.take("TEXT", lambda d: d["id"] == s2)

            long_text = varied_text(30_000, 7)
            actions = [
                {"to": py.email, "edit": s1, "text": "first, edited"},
                {"to": py.email, "delete": s2},
                {"to": py.email, "react": theirs, "emoji": "🎉"},
                {"to": py.email, "text": long_text},
            ]
            done = expect_exit(await sw.send("--json", input="".join(json.dumps(a) + "\n" for a in actions)), EX_OK)
            assert len(done.lines) == 4, done.explain()
            edit_line, delete_line, react_line, long_line = done.lines
            assert edit_line.get("op") == "edit" and edit_line["id"] == s1, done.explain()
            assert delete_line.get("op") == "delete" and delete_line["id"] == s2, done.explain()
            assert react_line.get("op") == "react" and react_line["id"] == theirs, done.explain()
            for line in done.lines:
                check_result_line(line, sid, py.email, py.public_key)

            _, edit = await packets.take("EDIT")
            # "to" (the conversation's other member) is the toolkit's addition; the original app ignores it.
            assert set(edit) == {"type", "id", "text", "timestamp", "to"} and edit["to"] == py.email, edit
            assert edit["id"] == s1 and edit["text"] == "first, edited" and is_int(edit["timestamp"]), edit
            _, delete = await packets.take("DELETE")
            assert set(delete) == {"type", "id", "timestamp", "to"} and delete["to"] == py.email, delete
            assert delete["id"] == s2 and is_int(delete["timestamp"]), delete
            _, reaction = await packets.take("REACTION")
            assert set(reaction) == {"type", "messageId", "emoji", "action", "timestamp", "to"} and reaction["to"] == py.email, reaction
            assert reaction["messageId"] == theirs and reaction["emoji"] == "🎉" and reaction["action"] == "add", reaction
            assert is_int(reaction["timestamp"]), reaction

            chunks = []
            for _ in range(3):
                frame, chunk = await packets.take("TEXT_CHUNK")
                chunks.append((frame, chunk))
            await asyncio.sleep(0.3)
            extra = [d for _, d in packets.opened if d.get("type") == "TEXT_CHUNK"]
            assert not extra, f"more than 3 chunks for 30,000 characters: {len(extra)} extra"
            chunks.sort(key=lambda fc: fc[1]["chunkIndex"])
            message_id = long_line["id"]
            assert is_uuid(message_id), long_line
            for index, (frame, chunk) in enumerate(chunks):
                assert chunk["id"] == message_id and chunk["chunkIndex"] == index and chunk["totalChunks"] == 3, chunk
                assert len(chunk["textChunk"]) <= 12_000, len(chunk["textChunk"])
                assert is_int(chunk["timestamp"]), chunk
                assert frame["id"] == f"{message_id}#{index}", frame["id"]
            assert "".join(c["textChunk"] for _, c in chunks) == long_text, "the TEXT_CHUNK parts do not join to the text"

            # The Swift side's own record of what it did.
            stored = by_id(await sw.history())
            assert stored[s1]["text"] == "first, edited" and stored[s1].get("edited"), stored[s1]
            assert stored[s2].get("deleted") and not stored[s2].get("text"), stored[s2]
            assert stored[theirs].get("reactions") == [{"from": sw.email, "emoji": "🎉"}], stored[theirs]
            assert stored[message_id]["text"] == long_text

    run(scenario())


def test_receipts(relay, tmp_path):
    """4. cn-recv sends a delivered RECEIPT for what it stored; a read RECEIPT from the Python
    peer moves the Swift message's status."""
    async def scenario():
        async with Users(relay) as users:
            py, sw, sid = await befriend(users, tmp_path)
            packets = Packets(py, sw.device, sw.email, sid)

            mid = await py.send_text(sid, [sw.device], "did you get this?")
            await stored_for(py, mid, sw.device)
            got = expect_exit(await sw.recv(), EX_OK)
            assert [m["id"] for m in of_type(got, "message")] == [mid], got.explain()
            # The Python peer stayed connected: the relay delivers the receipt live.
            frame, receipt = await packets.take("RECEIPT", lambda d: mid in d.get("ids", []), timeout=5)
            assert receipt["kind"] == "delivered", receipt
            assert is_int(receipt["timestamp"]), receipt
            assert set(frame["data"]["payloads"]) == {py.public_key}, frame

            # The other direction: Swift's message, read by the Python peer.
            sent = expect_exit(await sw.send("--to", py.email, "read me"), EX_OK)
            swift_id = sw.only_line(sent)["id"]
            await packets.take("TEXT", lambda d: d["id"] == swift_id)
            receipt_id = await py.send_packet(sid, [sw.device], {
                "type": "RECEIPT", "ids": [swift_id], "kind": "read", "timestamp": now_ms()})
            await stored_for(py, receipt_id, sw.device)
            got = expect_exit(await sw.recv(), EX_OK)
            assert not of_type(got, "rejected"), got.explain()
            receipts = of_type(got, "receipt")
            assert len(receipts) == 1, got.explain()
            assert receipts[0]["ids"] == [swift_id] and receipts[0]["kind"] == "read", got.explain()
            assert receipts[0]["from"] == py.email and receipts[0]["fromDevice"] == py.public_key, got.explain()
            stored = by_id(await sw.history())
            assert stored[swift_id]["status"] == "read", stored[swift_id]

    run(scenario())
