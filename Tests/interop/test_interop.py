"""Interop tests: the Swift relay (cn-relay) against an independent Python peer that
behaves like the original CryptNode app on the wire (see cnpeer.py).

Run from the repository root:
    python3 -m pip install -r Tests/interop/requirements.txt
    python3 -m pytest -q Tests/interop

The relay binary is $CN_RELAY_BIN, else <repo>/.build/debug/cn-relay (the fixtures are in
conftest.py, the harness behind them in harness.py). Each test uses
fresh, unique e-mail addresses, so the tests share one relay without sharing state.
Section numbers (§) refer to /work/shared/PROTOCOL.md.
"""

from __future__ import annotations

import asyncio
import http.client
import re
import time
import uuid
from datetime import datetime

from cnpeer import (
    Peer,
    conversation_id,
    normalize_email,
)
from harness import QUIET, Users, run


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

async def reconnect(peer: Peer) -> int:
    """Close and reopen the device's socket and AUTH again (with the fresh token the
    relay gave last time). Returns the index in ``peer.history`` where this session starts."""
    await peer.close()  # waits for the old reader, so no old frame lands after the mark
    mark = len(peer.history)
    await peer.connect()
    await peer.login()
    return mark


def order_of(peer: Peer, mark: int, types: list[str]) -> list[int]:
    """Position of the first frame of each type in ``peer.history`` from ``mark`` on."""
    seen = [f.get("t") for f in peer.history[mark:]]
    missing = [t for t in types if t not in seen]
    assert not missing, f"never received {missing}; got {seen}"
    return [seen.index(t) for t in types]


async def request_friendship(a: Peer, b: Peer, legacy: bool = False) -> dict:
    """a asks b (b online); checks the frames of §5.1/§5.2 and returns b's decrypted packet."""
    keys = await a.get_public_keys(b.email)
    assert keys["publicKeys"] == [b.public_key], keys
    assert keys["publicKey"] == b.public_key, keys

    await a.friend_request(b.email, keys["publicKeys"], legacy=legacy)
    sent = await a.expect("REQUEST_SENT")
    assert normalize_email(sent["data"]["targetEmail"]) == b.email, sent

    pushed = await b.expect("FRIEND_REQUEST")
    data = pushed["data"]
    assert data["senderHash"] == a.email_hash, pushed
    assert data["senderEmail"] == a.email, pushed
    assert data["publicKeys"] == [a.public_key], pushed
    assert data["publicKey"] == a.public_key, pushed
    info = b.open_friend_frame(pushed)
    assert info["email"] == a.email and info["_sealedBy"] == a.public_key, info
    return info


async def accept_friendship(a: Peer, b: Peer, legacy: bool = False) -> str:
    """b accepts a's pending request; checks §5.4's frames and returns the sid."""
    sid = conversation_id(a.email, b.email)
    await b.friend_accept(a.email, [a.public_key], legacy=legacy)

    ack = await b.expect("FRIEND_ACCEPTED_ACK")
    assert normalize_email(ack["data"]["targetEmail"]) == a.email, ack
    assert ack["data"]["sid"] == sid, ack

    accepted = await a.expect("FRIEND_ACCEPTED")
    data = accepted["data"]
    assert data["senderHash"] == b.email_hash, accepted
    assert data["senderEmail"] == b.email, accepted
    assert data["sid"] == sid, accepted
    assert data["publicKeys"] == [b.public_key], accepted
    assert data["publicKey"] == b.public_key, accepted
    info = a.open_friend_frame(accepted)
    assert info["email"] == b.email and info["_sealedBy"] == b.public_key, info

    # Both online: presence both ways, right away (§5.4: no re-login needed).
    for me, other in ((a, b), (b, a)):
        online = await me.expect("PEER_ONLINE", where=lambda f: f.get("sid") == sid)
        assert online["data"]["devicePublicKey"] == other.public_key, online
        assert other.public_key in online["data"]["peerPubKeys"], online
    return sid


async def befriend(a: Peer, b: Peer, legacy: bool = False) -> str:
    await request_friendship(a, b, legacy)
    return await accept_friendship(a, b, legacy)


async def exchange(sender: Peer, receiver: Peer, sid: str, text: str) -> None:
    """One confirmed MSG, live path (§5.6): checks relayed fields, plaintext and DELIVERED."""
    mid = await sender.send_text(sid, [receiver.public_key], text)

    got = await receiver.expect("MSG", where=lambda f: f.get("id") == mid)
    assert got["sid"] == sid, got
    assert got["sh"] == sender.email_hash, got
    assert got["spk"] == sender.public_key, got
    assert list(got["data"]["payloads"]) == [receiver.public_key], got
    assert not got.get("q"), f"a live MSG must not be marked as a mailbox item: {got}"
    inner = receiver.open_msg(got)
    assert inner["t"] == "MSG", inner
    assert inner["data"]["type"] == "TEXT", inner
    assert inner["data"]["text"] == text, inner
    assert inner["data"]["id"] == mid, inner

    delivered = await sender.expect("DELIVERED", where=lambda f: f.get("id") == mid)
    assert delivered["sid"] == sid, delivered
    assert delivered["data"]["delivered"] == [receiver.public_key], delivered
    assert not delivered["data"].get("stored"), delivered


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

def test_healthz(relay):
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_auth_friendship_and_messages_both_ways(relay):
    async def scenario():
        async with Users(relay) as users:
            # A mixed-case enrollment e-mail: AUTH_SUCCESS must report it normalized (§3).
            alice_email = f"Alice-{users.tag}@Example.COM"
            token = await asyncio.to_thread(relay.token, alice_email)
            alice = Peer(relay.url, alice_email, token)
            users.peers.append(alice)
            await alice.connect()
            before = time.time()
            ok = await alice.login()
            assert ok["email"] == normalize_email(alice_email), ok
            m = re.fullmatch(r"sess:(\d+):([^:]+):([0-9a-f]{64})", ok["token"])
            assert m, f"AUTH_SUCCESS token is not a session token: {ok['token']!r}"
            assert m.group(2) == normalize_email(alice_email), ok
            assert int(m.group(1)) >= before + 30 * 86400 - 120, "fresh token should last 30 days"

            bob = await users.online("bob")

            # No such account: an empty list and no publicKey (§5.1).
            nobody = await alice.get_public_keys(users.email("nobody"))
            assert nobody["publicKeys"] == [] and "publicKey" not in nobody, nobody

            sid = await befriend(alice, bob)
            assert sid == conversation_id(alice.email, bob.email)

            await exchange(alice, bob, sid, "hello bob, from the original app")
            await exchange(bob, alice, sid, "hi alice ✓ — unicode survives gzip+GCM")

    run(scenario())


def test_legacy_single_packet_friend_request(relay):
    async def scenario():
        async with Users(relay) as users:
            alice = await users.online("alice")
            bob = await users.online("bob")

            await request_friendship(alice, bob, legacy=True)

            # The same request, as the pending list the target fetches (§5.3).
            await bob.send({"t": "GET_PENDING_REQUESTS"})
            pending = (await bob.expect("PENDING_REQUESTS"))["data"]
            assert isinstance(pending, list) and len(pending) == 1, pending
            item = pending[0]
            assert item["senderHash"] == alice.email_hash and item["senderEmail"] == alice.email, item
            assert item["publicKey"] == alice.public_key and item["publicKeys"] == [alice.public_key], item
            datetime.fromisoformat(item["timestamp"])  # RFC 3339
            assert bob.open_friend_frame(item)["email"] == alice.email

            sid = await accept_friendship(alice, bob, legacy=True)
            await exchange(bob, alice, sid, "accepted with the single-packet form")

            # Accepting deleted the request.
            await bob.send({"t": "GET_PENDING_REQUESTS"})
            assert (await bob.expect("PENDING_REQUESTS"))["data"] == []

    run(scenario())


async def go_offline(peer: Peer, friend: Peer, sid: str) -> None:
    """Close peer's socket and wait until the relay has noticed (friend sees PEER_OFFLINE),
    so that a following MSG really takes the offline path."""
    await peer.close()
    gone = await friend.expect(
        "PEER_OFFLINE",
        where=lambda f: f.get("sid") == sid and (f.get("data") or {}).get("devicePublicKey") == peer.public_key,
    )
    assert gone["data"]["online"] is False, gone


async def send_while_offline(sender: Peer, receiver: Peer, sid: str, text: str) -> str:
    mid = await sender.send_text(sid, [receiver.public_key], text)
    receipt = await sender.expect("DELIVERED", where=lambda f: f.get("id") == mid)
    assert receipt["sid"] == sid, receipt
    assert receipt["data"]["stored"] == [receiver.public_key], receipt
    assert not receipt["data"].get("delivered"), receipt
    return mid


def check_mailbox_item(frame: dict, sender: Peer, receiver: Peer, sid: str, mid: str, text: str) -> None:
    assert frame.get("q") is True, f"mailbox item without q:true: {frame}"
    assert "ts" in frame, f"mailbox item without ts: {frame}"
    assert frame["sid"] == sid and frame["sh"] == sender.email_hash and frame["spk"] == sender.public_key, frame
    inner = receiver.open_msg(frame)
    assert inner["data"]["text"] == text and inner["data"]["id"] == mid, inner


def test_mailbox_for_original_client_without_features(relay):
    async def scenario():
        async with Users(relay) as users:
            alice = await users.online("alice")
            bob = await users.online("bob")  # no "features": the original app
            sid = await befriend(alice, bob)

            await go_offline(bob, alice, sid)
            text = "sent while bob was offline"
            mid = await send_while_offline(alice, bob, sid, text)

            mark = await reconnect(bob)
            item = await bob.expect("MSG", where=lambda f: f.get("id") == mid)
            check_mailbox_item(item, alice, bob, sid, mid, text)
            # §3/§5.10: mailbox items come after AUTH_SUCCESS, SESSION_LIST, PENDING_REQUESTS.
            pos = order_of(bob, mark, ["AUTH_SUCCESS", "SESSION_LIST", "PENDING_REQUESTS", "MSG"])
            assert pos == sorted(pos), f"wrong order after AUTH: {[f.get('t') for f in bob.history[mark:]]}"

            # The session list names the friendship with alice's key (§5.8).
            entry = next((s for s in bob.session_list if s.get("sid") == sid), None)
            assert entry and entry["peerEmail"] == alice.email and alice.public_key in entry["peerPubKeys"], bob.session_list

            # Without "ack" the item was deleted once written: not delivered twice.
            await reconnect(bob)
            await bob.expect_none("MSG", QUIET, where=lambda f: f.get("id") == mid)

    run(scenario())


def test_mailbox_redelivers_until_ack(relay):
    async def scenario():
        async with Users(relay) as users:
            alice = await users.online("alice")
            carol = await users.online("carol", features=["ack"])
            sid = await befriend(alice, carol)

            await go_offline(carol, alice, sid)
            text = "kept until carol acknowledges"
            mid = await send_while_offline(alice, carol, sid, text)

            # Delivered, but not acknowledged: it must come again at the next AUTH.
            await reconnect(carol)
            check_mailbox_item(await carol.expect("MSG", where=lambda f: f.get("id") == mid), alice, carol, sid, mid, text)
            await reconnect(carol)
            check_mailbox_item(await carol.expect("MSG", where=lambda f: f.get("id") == mid), alice, carol, sid, mid, text)

            # ACK (and an unknown id, which is ignored without an error), then PING as a
            # barrier: the relay has handled the ACK once PONG is back.
            await carol.ack([mid, str(uuid.uuid4())])
            await carol.ping()

            await reconnect(carol)
            await carol.expect_none("MSG", QUIET, where=lambda f: f.get("id") == mid)

    run(scenario())


def test_stranger_gets_not_friends(relay):
    async def scenario():
        async with Users(relay) as users:
            alice = await users.online("alice")
            mallory = await users.online("mallory")
            sid = conversation_id(mallory.email, alice.email)
            mid = await mallory.send_text(sid, [alice.public_key], "let me in")
            error = await mallory.expect("ERROR")
            assert error["data"]["code"] == "not_friends", error
            # §2: the original app shows this text, so the wording is part of the contract.
            assert error["data"]["message"] == (
                "You cannot send messages to this user because you are not connected."
            ), error
            assert error.get("id") == mid, f"ERROR should echo the MSG id (§1): {error}"
            await alice.expect_none("MSG", QUIET)
            await mallory.expect_none("DELIVERED", 0.1)

            # Accepting a request that was never made is refused too (§5.4 fix).
            await mallory.friend_accept(alice.email, [alice.public_key])
            error = await mallory.expect("ERROR")
            assert error["data"]["code"] == "no_pending_request", error
            await alice.expect_none("FRIEND_ACCEPTED", QUIET)

    run(scenario())


def test_bad_frames_keep_the_socket_usable(relay):
    async def scenario():
        async with Users(relay) as users:
            alice = await users.online("alice")

            await alice.send_raw("{this is not json")
            error = await alice.expect("ERROR")
            assert error["data"]["code"] == "bad_frame", error
            await alice.ping()  # still open and answering

            await alice.send_raw("[1, 2, 3]")  # JSON, but not an envelope
            assert (await alice.expect("ERROR"))["data"]["code"] == "bad_frame"

            await alice.send({"t": "JOIN_ACCEPT", "sid": "x"})  # not part of version 1
            assert (await alice.expect("ERROR"))["data"]["code"] == "unknown_type"

            await alice.friend_request(alice.email, [alice.public_key])
            assert (await alice.expect("ERROR"))["data"]["code"] == "self_request"

            await alice.ping()

    run(scenario())


def test_auth_required_and_auth_failed(relay):
    async def scenario():
        async with Users(relay) as users:
            bob = await users.online("bob")
            carl_email = users.email("carl")
            carl = Peer(relay.url, carl_email, await asyncio.to_thread(relay.token, carl_email))
            users.peers.append(carl)
            await carl.connect()

            await carl.send_text(conversation_id(carl.email, bob.email), [bob.public_key], "hi")
            assert (await carl.expect("ERROR"))["data"]["code"] == "auth_required"

            # A forged session token (wrong MAC) fails, and the socket stays open (§3):
            # the same socket then authenticates with the real token.
            forged = f"sess:{int(time.time()) + 3600}:{carl.email}:{'0' * 64}"
            await carl.send({"t": "AUTH", "data": {"token": forged, "publicKey": carl.public_key}})
            assert (await carl.expect("ERROR"))["data"]["code"] == "auth_failed"
            assert (await carl.login())["email"] == carl.email

    run(scenario())
