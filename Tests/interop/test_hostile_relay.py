"""The Swift `cn-recv` against a hostile relay: a scripted WebSocket server that plays the
relay and hands the client frames a real relay would never pass on (wrong sender keys,
payloads sealed by someone else, replays, a gzip bomb, edits of someone else's message,
cross-conversation reactions, inconsistent chunks, reflected packets, strangers).

The client must check everything the relay says (PROTOCOL §1: `sh`/`spk` come from the
relay, §6.3: open with K(me, spk) only, ≤ 2 MiB inflated, §6.4: pinned keys, §7: who may
edit/delete/react on what): each bad frame gives a "rejected" event line on cn-recv's
stdout (or, for an exact duplicate, nothing at all), cn-recv exits 0, and the stored
messages (`cn-recv --history`) do not change.

alice is the Swift account (an offline `cn-account init` pointing at the scripted relay);
bob and carol are Python identities (cnpeer.Identity) that alice's SESSION_LIST names as
friends with one pinned key each. No cn-relay process is needed.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websockets
from websockets.asyncio.server import serve

from cnpeer import Identity, b64, conversation_id, email_hash, now_ms, open_payload, seal_payload
from test_client_interop import EX_OK, expect_exit
from test_message_interop import by_id, cli, history, of_type

ALICE = "alice@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.com"
STRANGER = "mallory@example.com"
IDLE = "2"
# One scripted-relay connection: AUTH must come within this, and the whole run is bounded
# by cli()'s timeout.
AUTH_TIMEOUT = 10.0


@pytest.fixture(autouse=True)
def relay_log_on_failure():
    """Overrides conftest's autouse fixture of the same name: this file needs no cn-relay."""
    yield


# --------------------------------------------------------------------------
# The scripted relay
# --------------------------------------------------------------------------

@dataclass
class Connection:
    auth: dict | None = None
    received: list[dict] = field(default_factory=list)  # every frame after AUTH, in order
    sent: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def frames(self, t: str) -> list[dict]:
        return [f for f in self.received if f.get("t") == t]


class ScriptedRelay:
    """A WebSocket server on 127.0.0.1 (port chosen by the kernel), on its own event loop
    in a background thread, so the tests can run the client commands synchronously.

    Each connection: the client's AUTH → AUTH_SUCCESS, SESSION_LIST (``session_list``),
    PENDING_REQUESTS [] → the frames given to ``script()`` (taken by the next connection
    only) → then PING is answered with PONG, a client MSG asking for confirmation ("c")
    with DELIVERED to every device it names, and everything is recorded.
    """

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="scripted-relay", daemon=True)
        self.lock = threading.Lock()
        self.connections: list[Connection] = []
        self.session_list: list[dict] = []
        self._next: list[dict] | None = None
        self.server = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    async def _start(self) -> int:
        self.server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None, max_size=8 * 1024 * 1024)
        return self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close():
            self.server.close()
            await self.server.wait_closed()
        try:
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    def script(self, frames: list[dict]) -> None:
        with self.lock:
            self._next = list(frames)

    def mark(self) -> int:
        with self.lock:
            return len(self.connections)

    def since(self, mark: int) -> list[Connection]:
        with self.lock:
            return self.connections[mark:]

    async def _send(self, ws, conn: Connection, frame: dict) -> None:
        conn.sent.append(frame)
        await ws.send(json.dumps(frame, separators=(",", ":")))

    async def _handle(self, ws) -> None:
        conn = Connection()
        with self.lock:
            self.connections.append(conn)
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), AUTH_TIMEOUT))
            conn.auth = first
            if first.get("t") != "AUTH":
                conn.problems.append(f"first frame is not AUTH: {first!r}")
                return
            data = first.get("data") or {}
            if not isinstance(data.get("token"), str) or not isinstance(data.get("publicKey"), str):
                conn.problems.append(f"AUTH without token/publicKey: {first!r}")
            with self.lock:
                session_list = list(self.session_list)
                frames, self._next = self._next or [], None
            await self._send(ws, conn, {"t": "AUTH_SUCCESS", "data": {"email": ALICE, "token": "x", "features": ["ack"]}})
            await self._send(ws, conn, {"t": "SESSION_LIST", "data": session_list})
            await self._send(ws, conn, {"t": "PENDING_REQUESTS", "data": []})
            for frame in frames:
                await self._send(ws, conn, frame)
            async for raw in ws:
                try:
                    frame = json.loads(raw)
                except (TypeError, ValueError):
                    conn.problems.append(f"not JSON: {raw!r:.200}")
                    continue
                conn.received.append(frame)
                if frame.get("t") == "PING":
                    await self._send(ws, conn, {"t": "PONG"})
                elif frame.get("t") == "MSG" and frame.get("c"):
                    keys = sorted(((frame.get("data") or {}).get("payloads") or {}).keys())
                    await self._send(ws, conn, {"t": "DELIVERED", "sid": frame.get("sid"), "id": frame.get("id"),
                                                "data": {"delivered": keys, "stored": [], "offline": []}})
        except websockets.ConnectionClosed:
            pass
        except Exception as exc:  # recorded, so a test can show what went wrong here
            conn.problems.append(f"{type(exc).__name__}: {exc}")


@pytest.fixture(scope="module")
def scripted():
    relay = ScriptedRelay()
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


# --------------------------------------------------------------------------
# The cast
# --------------------------------------------------------------------------

@dataclass
class Party:
    email: str
    identity: Identity = field(default_factory=Identity)

    @property
    def key(self) -> str:
        return self.identity.public_key_b64

    @property
    def hash(self) -> str:
        return email_hash(self.email)


def session_entry(me: str, peer: Party) -> dict:
    return {"sid": conversation_id(me, peer.email), "peerHash": peer.hash, "peerEmail": peer.email, "online": True,
            "peerPubKeys": [peer.key], "onlinePubKeys": [peer.key], "ownPubKeys": []}


class Alice:
    """The Swift account, in its own store, pointed at the scripted relay."""

    def __init__(self, relay: ScriptedRelay, home: Path):
        self.relay = relay
        self.home = home
        self.email = ALICE
        self.bob = Party(BOB)
        self.carol = Party(CAROL)
        self.key = ""

    def sid(self, peer: Party) -> str:
        return conversation_id(self.email, peer.email)

    def init(self) -> None:
        # Any token string: the scripted relay accepts what the client sends in AUTH.
        done = expect_exit(cli("cn-account", "init", "--email", self.email, "--relay", self.relay.url,
                               "--token", f"sess:4102444800:{self.email}:{'0' * 64}", "--offline", home=self.home), EX_OK)
        assert len(done.lines) == 1 and done.lines[0]["email"] == self.email, done.explain()
        self.key = done.lines[0]["device"]

    def recv(self, frames: list[dict]):
        """cn-recv --idle 2 with ``frames`` sent after PENDING_REQUESTS; returns the result
        and the scripted relay's record of the connection(s)."""
        self.relay.session_list = [session_entry(self.email, self.bob), session_entry(self.email, self.carol)]
        self.relay.script(frames)
        mark = self.relay.mark()
        done = cli("cn-recv", "--idle", IDLE, home=self.home)
        expect_exit(done, EX_OK)
        connections = self.relay.since(mark)
        assert connections, f"cn-recv never connected to the scripted relay\n{done.explain()}"
        for conn in connections:
            assert not conn.problems, f"scripted relay: {conn.problems}\n{done.explain()}"
        assert connections[0].auth["data"]["publicKey"] == self.key, connections[0].auth
        return done, connections

    def send(self, *args: str, to: str = BOB) -> tuple[dict, dict]:
        """cn-send (to bob by default); returns the result line and the MSG frame the relay got."""
        self.relay.session_list = [session_entry(self.email, self.bob), session_entry(self.email, self.carol)]
        self.relay.script([])
        mark = self.relay.mark()
        done = expect_exit(cli("cn-send", "--to", to, *args, home=self.home), EX_OK)
        assert len(done.lines) == 1, done.explain()
        line = done.lines[0]
        msgs = [f for conn in self.relay.since(mark) for f in conn.frames("MSG") if f.get("id") == line["id"]]
        assert len(msgs) == 1, f"expected one MSG with id {line['id']}: {msgs}\n{done.explain()}"
        assert line["status"] == "delivered", done.explain()
        return line, msgs[0]

    def history(self) -> list[dict]:
        return history(self.home)

    # -- frames as the relay relays them (§5.6) ----------------------------------

    def relayed(self, sender: Party, data: dict, *, sid: str | None = None, frame_id: str | None = None,
                sh: str | None = None, spk: str | None = None, sealer: Identity | None = None,
                packed: str | None = None, queued: bool = False) -> dict:
        """{"t":"MSG","sid","id","sh","spk","data":{"payloads":{alice: packed}}}: by default
        sealed by ``sender`` with K(sender, alice) and named by the relay as ``sender``."""
        if packed is None:
            packed = seal_payload((sealer or sender.identity).pairwise_key(self.key), {"t": "MSG", "data": data})
        frame = {"t": "MSG", "sid": sid or self.sid(sender), "id": frame_id or data.get("id") or str(uuid.uuid4()),
                 "sh": sh or sender.hash, "spk": spk or sender.key, "data": {"payloads": {self.key: packed}}}
        if queued:
            frame["q"] = True
            frame["ts"] = now_ms()
        return frame


@pytest.fixture
def alice(scripted, tmp_path):
    a = Alice(scripted, tmp_path / "alice")
    a.init()
    return a


def text(body: str, message_id: str | None = None, ts: int | None = None) -> dict:
    return {"type": "TEXT", "id": message_id or str(uuid.uuid4()), "text": body, "timestamp": ts or now_ms()}


def check_message(event: dict, data: dict, sender: Party, sid: str) -> None:
    assert event["id"] == data["id"] and event["text"] == data["text"], event
    assert event["from"] == sender.email and event["fromDevice"] == sender.key and event["sid"] == sid, event


def rejected(done) -> list[dict]:
    return of_type(done, "rejected")


def explain(done, connections=None) -> str:
    out = done.explain()
    if connections:
        out += "\n-- frames the client sent --\n" + "\n".join(
            json.dumps(f)[:300] for conn in connections for f in conn.received)
    return out


def baseline(alice: Alice) -> tuple[dict, dict]:
    """A good TEXT from bob (the first frame of each case): its data and relayed frame."""
    data = text("hello alice, bob here")
    return data, alice.relayed(alice.bob, data)


def check_baseline_only(alice: Alice, done, good: dict, before: list[dict] | None = None) -> list[dict]:
    """The good TEXT was printed once; history is what it was plus exactly that message."""
    messages = of_type(done, "message")
    assert [m["id"] for m in messages] == [good["id"]], f"expected only the baseline message event\n{explain(done)}"
    check_message(messages[0], good, alice.bob, alice.sid(alice.bob))
    after = alice.history()
    expected_ids = [m["id"] for m in (before or [])] + [good["id"]]
    assert sorted(m["id"] for m in after) == sorted(expected_ids), f"stored messages changed: {after}"
    stored = by_id(after)
    for old in before or []:
        assert stored[old["id"]] == old, f"a stored message changed:\n before {old}\n after  {stored[old['id']]}"
    assert stored[good["id"]]["text"] == good["text"], stored[good["id"]]
    return after


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def test_baseline_text_is_stored_and_printed(alice):
    good, frame = baseline(alice)
    done, conns = alice.recv([frame])
    assert not rejected(done), explain(done, conns)
    check_baseline_only(alice, done, good)
    stored = by_id(alice.history())[good["id"]]
    assert stored["from"] == BOB and stored["fromDevice"] == alice.bob.key and stored["to"] == ALICE, stored
    # The AUTH asked for mailbox acknowledgements (§5.10), and the client sent bob's device
    # a delivered RECEIPT for the message, sealed with K(alice, bob).
    assert "ack" in (conns[0].auth["data"].get("features") or []), conns[0].auth
    receipts = []
    for conn in conns:
        for msg in conn.frames("MSG"):
            payloads = msg["data"]["payloads"]
            assert msg["sid"] == alice.sid(alice.bob) and set(payloads) == {alice.bob.key}, msg
            receipts.append(open_payload(alice.bob.identity.pairwise_key(alice.key), payloads[alice.bob.key])["data"])
    assert any(r["type"] == "RECEIPT" and r["ids"] == [good["id"]] and r["kind"] == "delivered" for r in receipts), (
        f"no delivered RECEIPT for {good['id']}: {receipts}\n{explain(done, conns)}")


def test_wrong_spk_is_rejected(alice):
    good, first = baseline(alice)
    other = Identity()
    bad = text("sealed by bob, but the relay names another device")
    # Sealed by bob with K(bob, alice), but spk names a random valid key (not pinned).
    frame = alice.relayed(alice.bob, bad, spk=other.public_key_b64)
    done, conns = alice.recv([first, frame])
    assert len(rejected(done)) == 1, explain(done, conns)
    assert rejected(done)[0].get("fromDevice") in (None, other.public_key_b64), explain(done)
    check_baseline_only(alice, done, good)


def test_payload_not_sealed_by_bob_is_rejected(alice):
    good, first = baseline(alice)
    bad = text("sealed with K(alice, someone else)")
    frame = alice.relayed(alice.bob, bad, sealer=Identity())  # spk = bob's key, key is not K(alice, bob)
    done, conns = alice.recv([first, frame])
    assert len(rejected(done)) == 1, explain(done, conns)
    check_baseline_only(alice, done, good)


def test_exact_replay_is_silently_ignored(alice):
    good, first = baseline(alice)
    resealed = alice.relayed(alice.bob, good)  # same id, same text, fresh IV
    done, conns = alice.recv([first, dict(first), resealed])
    assert not rejected(done), f"a duplicate is not an attack: it is ignored (§5.10, §7.3)\n{explain(done, conns)}"
    check_baseline_only(alice, done, good)
    # And again in a later run (a mailbox item sent twice, at-least-once).
    before = alice.history()
    again, _ = alice.recv([alice.relayed(alice.bob, good, queued=True)])
    assert not of_type(again, "message") and not rejected(again), explain(again)
    assert alice.history() == before


def test_replayed_id_with_other_text_is_rejected(alice):
    good, first = baseline(alice)
    forged = dict(good, text="a different text under the same id")
    done, conns = alice.recv([first, alice.relayed(alice.bob, forged)])
    stored = by_id(alice.history())
    # The stored text must not change (and no second message event).
    assert stored[good["id"]]["text"] == good["text"], f"the replay overwrote the message: {stored[good['id']]}"
    assert [m["id"] for m in of_type(done, "message")] == [good["id"]], explain(done, conns)
    # A different packet under a known id is an attack, not a duplicate, and is refused
    # visibly with a "rejected" line.
    # Found by this test: a same-author repeat of an id was once taken for a duplicate
    # without comparing the content; a different text (or time) is a forgery and reported.
    assert len(rejected(done)) == 1, f"same id, different text: no rejected event\n{explain(done, conns)}"
    check_baseline_only(alice, done, good)


def test_message_reusing_another_authors_id_is_rejected(alice):
    good, first = baseline(alice)
    from_carol = text("carol's message")
    # bob's own, correctly sealed TEXT, but under the id of carol's message.
    takeover = text("bob takes over carol's message id", message_id=from_carol["id"])
    done, conns = alice.recv([first, alice.relayed(alice.carol, from_carol), alice.relayed(alice.bob, takeover)])
    assert len(rejected(done)) == 1, explain(done, conns)
    messages = of_type(done, "message")
    assert sorted(m["id"] for m in messages) == sorted([good["id"], from_carol["id"]]), explain(done)
    stored = by_id(alice.history())
    assert stored[from_carol["id"]]["text"] == from_carol["text"] and stored[from_carol["id"]]["from"] == CAROL, stored


def test_gzip_bomb_is_rejected(alice):
    good, first = baseline(alice)
    bomb = text(" " * (3 * 1024 * 1024))
    inner = json.dumps({"t": "MSG", "data": bomb}, separators=(",", ":")).encode()
    plain = gzip.compress(inner, compresslevel=9)
    assert len(inner) > 2 * 1024 * 1024 and len(plain) < 64 * 1024, (len(inner), len(plain))
    frame = alice.relayed(alice.bob, bomb)  # seal_payload gzips the same JSON
    assert len(frame["data"]["payloads"][alice.key]) < 64 * 1024
    done, conns = alice.recv([first, frame])
    assert len(rejected(done)) == 1, explain(done, conns)
    assert bomb["id"] not in by_id(alice.history())
    check_baseline_only(alice, done, good)


def test_edit_and_delete_of_alices_message_by_bob_are_rejected(alice):
    line, _ = alice.send("mine")
    mine = line["id"]
    before = alice.history()
    assert [m["id"] for m in before] == [mine] and before[0]["text"] == "mine", before
    good, first = baseline(alice)
    t = now_ms()
    edit = {"type": "EDIT", "id": mine, "text": "bob rewrote this", "timestamp": t}
    delete = {"type": "DELETE", "id": mine, "timestamp": t + 1}
    # Control: bob may edit his own message, so EDIT itself is understood.
    own_edit = {"type": "EDIT", "id": good["id"], "text": "bob's own edit", "timestamp": good["timestamp"] + 5}
    done, conns = alice.recv([first, alice.relayed(alice.bob, edit, frame_id=str(uuid.uuid4())),
                              alice.relayed(alice.bob, delete, frame_id=str(uuid.uuid4())),
                              alice.relayed(alice.bob, own_edit, frame_id=str(uuid.uuid4()))])
    assert len(rejected(done)) == 2, explain(done, conns)
    edits = of_type(done, "edit")
    assert [e["id"] for e in edits] == [good["id"]], explain(done)
    assert not of_type(done, "delete"), explain(done)
    stored = by_id(alice.history())
    assert stored[mine] == before[0], f"alice's message changed:\n before {before[0]}\n after  {stored[mine]}"
    assert stored[good["id"]]["text"] == "bob's own edit", stored[good["id"]]


def test_reaction_to_a_message_of_another_conversation_is_rejected(alice):
    good, first = baseline(alice)
    from_carol = text("carol's message")
    carol_frame = alice.relayed(alice.carol, from_carol)
    t = now_ms()
    cross = {"type": "REACTION", "messageId": from_carol["id"], "emoji": "😈", "action": "add", "timestamp": t}
    # Control: bob's reaction to his own message in his conversation is taken.
    fine = {"type": "REACTION", "messageId": good["id"], "emoji": "👍", "action": "add", "timestamp": t + 1}
    done, conns = alice.recv([first, carol_frame, alice.relayed(alice.bob, cross, frame_id=str(uuid.uuid4())),
                              alice.relayed(alice.bob, fine, frame_id=str(uuid.uuid4()))])
    assert len(rejected(done)) == 1, explain(done, conns)
    assert [(r["id"], r["emoji"]) for r in of_type(done, "reaction")] == [(good["id"], "👍")], explain(done)
    messages = by_id(of_type(done, "message"))
    assert set(messages) == {good["id"], from_carol["id"]}, explain(done)
    check_message(messages[from_carol["id"]], from_carol, alice.carol, alice.sid(alice.carol))
    stored = by_id(alice.history())
    assert not stored[from_carol["id"]].get("reactions"), f"bob's reaction landed on carol's message: {stored[from_carol['id']]}"
    assert stored[good["id"]].get("reactions") == [{"from": BOB, "emoji": "👍"}], stored[good["id"]]


def test_receipt_for_a_message_of_another_conversation_changes_nothing(alice):
    to_carol, _ = alice.send("for carol only", to=CAROL)
    to_bob, _ = alice.send("for bob", to=BOB)
    before = by_id(alice.history())
    assert before[to_carol["id"]]["status"] == "delivered", before
    t = now_ms()
    # bob claims to have read alice's message to carol (ignored: not his conversation), and
    # reads alice's message to him (the control: taken).
    forged = {"type": "RECEIPT", "ids": [to_carol["id"]], "kind": "read", "timestamp": t}
    real = {"type": "RECEIPT", "ids": [to_bob["id"]], "kind": "read", "timestamp": t + 1}
    done, conns = alice.recv([alice.relayed(alice.bob, forged, frame_id=str(uuid.uuid4())),
                              alice.relayed(alice.bob, real, frame_id=str(uuid.uuid4()))])
    receipts = of_type(done, "receipt")
    assert [r["ids"] for r in receipts] == [[to_bob["id"]]], explain(done, conns)
    after = by_id(alice.history())
    assert after[to_carol["id"]] == before[to_carol["id"]], f"bob's receipt changed a message to carol: {after[to_carol['id']]}"
    assert after[to_bob["id"]]["status"] == "read", after[to_bob["id"]]


def test_text_chunks_with_inconsistent_counts_are_rejected(alice):
    good, first = baseline(alice)
    long_id = str(uuid.uuid4())
    t = now_ms()
    c0 = {"type": "TEXT_CHUNK", "id": long_id, "chunkIndex": 0, "totalChunks": 3, "textChunk": "a" * 12_000, "timestamp": t}
    c1 = {"type": "TEXT_CHUNK", "id": long_id, "chunkIndex": 1, "totalChunks": 2, "textChunk": "b" * 100, "timestamp": t}
    done, conns = alice.recv([first, alice.relayed(alice.bob, c0, frame_id=f"{long_id}#0"),
                              alice.relayed(alice.bob, c1, frame_id=f"{long_id}#1")])
    assert len(rejected(done)) == 1, explain(done, conns)
    assert long_id not in by_id(alice.history())
    check_baseline_only(alice, done, good)


def test_reflected_message_is_rejected(alice):
    line, msg = alice.send("mine")
    packed = msg["data"]["payloads"][alice.bob.key]
    # What alice sealed for bob's device opens with K(alice, bob) on either side.
    assert open_payload(alice.bob.identity.pairwise_key(alice.key), packed)["data"]["text"] == "mine"
    before = alice.history()
    good, first = baseline(alice)
    reflected = alice.relayed(alice.bob, {}, frame_id=line["id"], packed=packed)
    done, conns = alice.recv([first, reflected])
    assert len(rejected(done)) == 1, explain(done, conns)
    assert "reflect" in rejected(done)[0]["reason"], explain(done)
    check_baseline_only(alice, done, good, before)


def test_sender_that_is_neither_party_is_rejected(alice):
    good, first = baseline(alice)
    stranger = Party(STRANGER)
    bad = text("hello from nobody you know")
    # The stranger's hash, bob's conversation, a payload the stranger sealed for alice.
    frame = alice.relayed(stranger, bad, sid=alice.sid(alice.bob))
    done, conns = alice.recv([first, frame])
    assert len(rejected(done)) == 1, explain(done, conns)
    # The same with bob's real key as spk: the hash still names a stranger.
    frame2 = alice.relayed(alice.bob, text("stranger hash, bob's key"), sh=stranger.hash)
    done2, conns2 = alice.recv([frame2])
    assert len(rejected(done2)) == 1 and not of_type(done2, "message"), explain(done2, conns2)
    check_baseline_only(alice, done, good)


def test_mailbox_items_are_acknowledged(alice):
    q1, q2 = text("queued one"), text("queued two")
    done, conns = alice.recv([alice.relayed(alice.bob, q1, queued=True), alice.relayed(alice.bob, q2, queued=True)])
    assert not rejected(done), explain(done, conns)
    messages = of_type(done, "message")
    assert [m["id"] for m in messages] == [q1["id"], q2["id"]], explain(done)
    assert all(m.get("queued") is True for m in messages), explain(done)
    acked = {i for conn in conns for f in conn.frames("ACK") for i in (f.get("data") or {}).get("ids", [])}
    assert {q1["id"], q2["id"]} <= acked, f"mailbox items not acknowledged (ACK ids {sorted(acked)})\n{explain(done, conns)}"
    assert {m["id"] for m in alice.history()} == {q1["id"], q2["id"]}


def test_profile_version_downgrade_is_rejected(alice):
    good, first = baseline(alice)
    newer = {"type": "PROFILE_DATA", "name": "Bob, version two", "nameVersion": 2, "avatarVersion": 0, "timestamp": now_ms()}
    older = {"type": "PROFILE_DATA", "name": "Bob, version one", "nameVersion": 1, "avatarVersion": 0, "timestamp": now_ms()}
    done, conns = alice.recv([first, alice.relayed(alice.bob, newer), alice.relayed(alice.bob, older)])
    profiles = of_type(done, "profile")
    assert [(p["email"], p["name"], p["version"]) for p in profiles] == [(BOB, "Bob, version two", 2)], explain(done, conns)
    assert len(rejected(done)) == 1 and "below" in rejected(done)[0]["reason"], explain(done, conns)
    friends = expect_exit(cli("cn-friend", "list", "--offline", home=alice.home), EX_OK).lines
    assert [f.get("name") for f in friends if f["email"] == BOB] == ["Bob, version two"], friends
    check_baseline_only(alice, done, good)


def test_timestamps_outside_1970_to_3000_are_malformed(alice):
    good, first = baseline(alice)
    # An EDIT of bob's own message whose timestamp would overflow a subtraction.
    edit = {"type": "EDIT", "id": good["id"], "text": "overflow", "timestamp": -(2 ** 63)}
    late = text("from the year 300000", ts=10 ** 16)
    done, conns = alice.recv([first, alice.relayed(alice.bob, edit), alice.relayed(alice.bob, late)])
    assert len(rejected(done)) == 2 and all("timestamp" in r["reason"] for r in rejected(done)), explain(done, conns)
    check_baseline_only(alice, done, good)


def test_an_own_devices_copy_moved_to_another_conversation_is_rejected(alice):
    # alice's second device, known from the first sync (trusted), sent bob a message; the
    # relay hands the copy over in the conversation with carol.
    second = Party(ALICE)
    entries = [session_entry(alice.email, alice.bob), session_entry(alice.email, alice.carol)]
    for entry in entries:
        entry["ownPubKeys"] = [second.key]
    good, first = baseline(alice)
    copy = dict(text("for bob only"), to=BOB)
    unnamed = text("a copy that names nobody")
    alice.relay.session_list = entries
    alice.relay.script([first, alice.relayed(second, copy, sid=alice.sid(alice.carol)),
                        alice.relayed(second, unnamed, sid=alice.sid(alice.carol))])
    done = expect_exit(cli("cn-recv", "--idle", IDLE, home=alice.home), EX_OK)
    assert len(rejected(done)) == 2 and all("names another recipient" in r["reason"] for r in rejected(done)), done.explain()
    stored = by_id(alice.history())
    assert copy["id"] not in stored and unnamed["id"] not in stored, stored
