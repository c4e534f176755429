"""An independent, test-side CryptNode peer.

It behaves on the wire like the ORIGINAL CryptNode app (TypeScript, WebCrypto), so
the relay can be tested against a client that shares no code with the Swift toolkit.
Everything here is written from /work/shared/PROTOCOL.md (version 1), not from the
Swift sources: if the two disagree, one of them deviates from the contract.

Layout:
- pure helpers: e-mail normalization, emailHash, sid (§4), the pairwise key (§6.2),
  sealed MSG payloads and friend packets (§6.3), safety numbers (§6.4);
- ``Identity``: one device's P-256 key pair (§3, §6.1);
- ``Peer``: one WebSocket connection of one device, with a queue of received
  frames and ``expect()`` to await the next frame of a given type.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import os
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# PROTOCOL §6.3: a receiver refuses a decompressed payload over 2 MiB (zip-bomb guard).
MAX_INFLATED = 2 * 1024 * 1024
# PROTOCOL §1: a frame is at most 1 MiB; allow a little slack so that an over-size
# frame from the relay shows up as a test failure we can read, not a silent close.
MAX_FRAME = 2 * 1024 * 1024
DEFAULT_TIMEOUT = 5.0


class ProtocolViolation(Exception):
    """Something received does not match PROTOCOL.md (a relay or peer bug)."""


class RelayError(Exception):
    """The relay answered with ERROR while we were waiting for something else."""

    def __init__(self, frame: dict):
        data = frame.get("data") or {}
        self.frame = frame
        self.code = data.get("code")
        super().__init__(f"relay ERROR {json.dumps(frame)}")


# --------------------------------------------------------------------------
# Identities and ids (PROTOCOL §3, §4)
# --------------------------------------------------------------------------

def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    # validate=True: the original app's atob() rejects non-alphabet characters too,
    # and silently skipping them would hide a relay that mangles payloads.
    return base64.b64decode(text, validate=True)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_hash(email: str) -> str:
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()


def conversation_id(email_a: str, email_b: str) -> str:
    """sid = hex(H(e1 ":" e2)), e1 <= e2 in byte order of the normalized e-mails."""
    e1, e2 = sorted(
        (normalize_email(email_a), normalize_email(email_b)),
        key=lambda e: e.encode("utf-8"),
    )
    return hashlib.sha256(f"{e1}:{e2}".encode("utf-8")).hexdigest()


def load_public_key(public_key_b64: str) -> ec.EllipticCurvePublicKey:
    """Parse and validate a device key (§6.2: on the curve, not the identity).

    The original app imports keys as WebCrypto "raw", i.e. only the 65-byte
    uncompressed form 0x04||X||Y; a compressed point is refused as it would be there.
    """
    raw = unb64(public_key_b64)
    if len(raw) != 65 or raw[0] != 0x04:
        raise ProtocolViolation(f"device key is not a 65-byte uncompressed point: {public_key_b64!r}")
    # from_encoded_point checks that the point lies on P-256; the identity has no
    # uncompressed encoding, so it cannot get past the checks above.
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise ProtocolViolation(f"device key is not on P-256: {public_key_b64!r}") from exc


@dataclass
class Identity:
    """One device's P-256 identity key (§6.1); its public half is the device id."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    @property
    def public_key_b64(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64(raw)

    def pairwise_key(self, peer_public_key_b64: str) -> bytes:
        """K(me, peer): the raw 32-byte ECDH X coordinate, used directly as the
        AES-256-GCM key. This is what WebCrypto's deriveKey(ECDH -> AES-GCM 256)
        yields in the original app, so no KDF is applied on purpose (§6.2)."""
        shared = self.private_key.exchange(ec.ECDH(), load_public_key(peer_public_key_b64))
        assert len(shared) == 32
        return shared


# --------------------------------------------------------------------------
# Sealed payloads (PROTOCOL §6.3)
# --------------------------------------------------------------------------

def seal_payload(key: bytes, inner_packet: dict) -> str:
    """packed = b64(IV12 || ct || tag16) over gzip(UTF-8 JSON of the inner packet)."""
    iv = os.urandom(12)
    plain = gzip.compress(json.dumps(inner_packet, separators=(",", ":")).encode("utf-8"))
    return b64(iv + AESGCM(key).encrypt(iv, plain, None))


def gunzip_limited(data: bytes, limit: int = MAX_INFLATED) -> bytes:
    """Inflate a gzip stream, refusing to produce more than ``limit`` bytes."""
    # max_length stops inflation at limit+1 bytes, so a bomb never gets expanded
    # in memory before we can refuse it.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit:
        raise ProtocolViolation(f"payload inflates to more than {limit} bytes")
    if not inflater.eof:
        raise ProtocolViolation("truncated gzip stream in payload")
    return out


def open_payload(key: bytes, packed: str) -> dict:
    raw = unb64(packed)
    if len(raw) < 12 + 16:
        raise ProtocolViolation("sealed payload shorter than IV + tag")
    plain = AESGCM(key).decrypt(raw[:12], raw[12:], None)
    inner = json.loads(gunzip_limited(plain).decode("utf-8"))
    if not isinstance(inner, dict) or not isinstance(inner.get("data"), dict):
        raise ProtocolViolation(f"inner packet has no data object: {inner!r}")
    return inner


def seal_friend_packet(key: bytes, info: dict) -> str:
    """b64(IV) "." b64(ct || tag) of the plain (not gzipped) JSON profile."""
    iv = os.urandom(12)
    ct = AESGCM(key).encrypt(iv, json.dumps(info, separators=(",", ":")).encode("utf-8"), None)
    return f"{b64(iv)}.{b64(ct)}"


def open_friend_packet(key: bytes, packet: str) -> dict:
    iv_part, sep, ct_part = packet.partition(".")
    if not sep:
        raise ProtocolViolation(f"friend packet has no '.': {packet[:40]!r}")
    iv = unb64(iv_part)
    if len(iv) != 12:
        raise ProtocolViolation("friend packet IV is not 12 bytes")
    info = json.loads(AESGCM(key).decrypt(iv, unb64(ct_part), None).decode("utf-8"))
    if not isinstance(info, dict):
        raise ProtocolViolation(f"friend packet is not a JSON object: {info!r}")
    return info


# --------------------------------------------------------------------------
# Safety numbers (PROTOCOL §6.4)
# --------------------------------------------------------------------------

SAFETY_ITERATIONS = 5200


def safety_digits(email: str, device_keys_b64: Iterable[str]) -> str:
    """One user's 30 digits: h = 0x0000 || K || e, then 5,200 times h = SHA-512(h || K),
    where K is the user's device keys (65 raw bytes each) sorted bytewise and
    concatenated, and e the normalized e-mail; the first 30 bytes of h, as six 5-byte
    big-endian numbers, each mod 100,000 and written as 5 digits."""
    raw_keys = []
    for key in device_keys_b64:
        load_public_key(key)  # a device key is validated before any use (§6.2)
        raw_keys.append(unb64(key))
    if not raw_keys:
        raise ValueError("a safety number needs at least one device key")
    keys = b"".join(sorted(raw_keys))
    h = b"\x00\x00" + keys + normalize_email(email).encode("utf-8")
    for _ in range(SAFETY_ITERATIONS):
        h = hashlib.sha512(h + keys).digest()
    return "".join(f"{int.from_bytes(h[i:i + 5], 'big') % 100_000:05d}" for i in range(0, 30, 5))


def safety_number(email_a: str, keys_a: Iterable[str], email_b: str, keys_b: Iterable[str]) -> str:
    """The 60-digit safety number of two users, as 12 space-separated groups of 5: the
    user whose normalized e-mail sorts first (byte order) comes first, so both sides
    compute the same number."""
    parts = sorted(
        ((normalize_email(email_a), safety_digits(email_a, keys_a)),
         (normalize_email(email_b), safety_digits(email_b, keys_b))),
        key=lambda part: part[0].encode("utf-8"),
    )
    digits = parts[0][1] + parts[1][1]
    return " ".join(digits[i:i + 5] for i in range(0, 60, 5))


def now_ms() -> int:
    return int(time.time() * 1000)


def text_packet(text: str, message_id: str | None = None) -> dict:
    """The inner TEXT packet as the original app builds it (§7)."""
    return {
        "t": "MSG",
        "data": {
            "type": "TEXT",
            "id": message_id or str(uuid.uuid4()),
            "text": text,
            "timestamp": now_ms(),
        },
    }


# --------------------------------------------------------------------------
# The connection
# --------------------------------------------------------------------------

class Peer:
    """One device of one account, connected to a relay over one WebSocket.

    Frames are read by a background task into ``inbox`` (in arrival order) and
    also appended to ``history``, which is never consumed, so tests can check the
    order in which the relay sent things (e.g. mailbox items after PENDING_REQUESTS).
    """

    def __init__(
        self,
        url: str,
        email: str,
        token: str,
        identity: Identity | None = None,
        features: Iterable[str] | None = None,
    ):
        self.url = url
        self.email = normalize_email(email)
        self.token = token
        self.identity = identity or Identity()
        # None means "do not send the field at all", which is what the original app does.
        self.features = list(features) if features is not None else None
        self.ws: Any = None
        self.inbox: list[dict] = []
        self.history: list[dict] = []
        self.closed: BaseException | None = None
        self.session_list: list[dict] = []  # from the last login()
        self.login_pending: list[dict] = []  # from the last login()
        self._arrived = asyncio.Event()
        self._reader: asyncio.Task | None = None

    # -- identity shortcuts ------------------------------------------------

    @property
    def public_key(self) -> str:
        return self.identity.public_key_b64

    @property
    def email_hash(self) -> str:
        return email_hash(self.email)

    def sid_with(self, other_email: str) -> str:
        return conversation_id(self.email, other_email)

    # -- connection --------------------------------------------------------

    async def connect(self) -> "Peer":
        # ping_interval=None: a browser (the original app) never sends WebSocket
        # pings; liveness is the relay's application-level PING (§1).
        self.ws = await websockets.connect(self.url, ping_interval=None, max_size=MAX_FRAME)
        self.inbox.clear()
        self.closed = None
        self._reader = asyncio.create_task(self._read_loop())
        return self

    async def _read_loop(self) -> None:
        try:
            async for message in self.ws:
                if isinstance(message, bytes):
                    frame = {"t": "__binary__", "raw": message}
                else:
                    try:
                        frame = json.loads(message)
                    except ValueError:
                        frame = {"t": "__invalid_json__", "raw": message}
                    if not isinstance(frame, dict):
                        frame = {"t": "__not_an_object__", "raw": message}
                self.inbox.append(frame)
                self.history.append(frame)
                self._arrived.set()
            self.closed = ConnectionError(
                f"closed by relay: code={self.ws.close_code} reason={self.ws.close_reason!r}"
            )
        except websockets.ConnectionClosed as exc:
            self.closed = exc
        finally:
            if self.closed is None:
                self.closed = ConnectionError("connection reader stopped")
            self._arrived.set()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader
        self._reader = None

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame, separators=(",", ":")))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    # -- receiving ---------------------------------------------------------

    def _take(self, t: str, where: Callable[[dict], bool] | None) -> dict | None:
        for i, frame in enumerate(self.inbox):
            if frame.get("t") == t and (where is None or where(frame)):
                return self.inbox.pop(i)
        return None

    async def expect(
        self,
        t: str,
        timeout: float = DEFAULT_TIMEOUT,
        where: Callable[[dict], bool] | None = None,
        raise_on_error: bool = True,
    ) -> dict:
        """Return the next frame of type ``t`` (matching ``where``); other frames stay queued.

        An ERROR that arrives while we wait for something else is raised at once
        (unless ``raise_on_error`` is False), so a refused frame fails the test with
        the relay's own explanation instead of a bare timeout.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            frame = self._take(t, where)
            if frame is not None:
                return frame
            if raise_on_error and t != "ERROR":
                error = self._take("ERROR", None)
                if error is not None:
                    raise RelayError(error)
            if self.closed is not None:
                raise ConnectionError(f"waiting for {t}: connection closed ({self.closed}); queued: {self._summary()}")
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"{self.email}: no {t} within {timeout}s; queued: {self._summary()}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def expect_none(self, t: str, within: float, where: Callable[[dict], bool] | None = None) -> None:
        """Fail if a frame of type ``t`` arrives (or is queued) within ``within`` seconds."""
        try:
            frame = await self.expect(t, timeout=within, where=where, raise_on_error=False)
        except TimeoutError:
            return
        raise ProtocolViolation(f"{self.email}: unexpected {t}: {json.dumps(frame)[:400]}")

    def discard(self, t: str) -> int:
        """Drop queued frames of type ``t`` (e.g. stale presence events)."""
        before = len(self.inbox)
        self.inbox = [f for f in self.inbox if f.get("t") != t]
        return before - len(self.inbox)

    def _summary(self) -> str:
        return ", ".join(json.dumps(f)[:160] for f in self.inbox[-8:]) or "(nothing)"

    async def ping(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Round-trip a client PING; the relay answers frames of one socket in order,
        so PONG also tells us every frame we sent before it has been handled."""
        await self.send({"t": "PING"})
        await self.expect("PONG", timeout=timeout)

    # -- requests ----------------------------------------------------------

    async def auth(self, timeout: float = DEFAULT_TIMEOUT) -> dict:
        """AUTH as the original app does; returns AUTH_SUCCESS's data.

        The relay hands out a fresh session token, which is kept for the next
        connection, as the original app does.
        """
        data: dict[str, Any] = {"token": self.token, "publicKey": self.public_key}
        if self.features is not None:
            data["features"] = self.features
        await self.send({"t": "AUTH", "data": data})
        ok = (await self.expect("AUTH_SUCCESS", timeout=timeout))["data"]
        if ok.get("token"):
            self.token = ok["token"]
        return ok

    async def login(self, timeout: float = DEFAULT_TIMEOUT) -> dict:
        """AUTH, then take the SESSION_LIST and PENDING_REQUESTS that §3 says follow it.

        Consuming them here keeps a later GET_PENDING_REQUESTS answer from being
        confused with the login-time list. Mailbox items (which come after
        PENDING_REQUESTS) stay queued for the caller. Returns AUTH_SUCCESS's data.
        """
        ok = await self.auth(timeout)
        self.session_list = (await self.expect("SESSION_LIST", timeout=timeout))["data"]
        self.login_pending = (await self.expect("PENDING_REQUESTS", timeout=timeout))["data"]
        return ok

    async def get_public_keys(self, target_email: str) -> dict:
        await self.send({"t": "GET_PUBLIC_KEY", "data": {"targetEmail": target_email}})
        return (await self.expect("PUBLIC_KEY"))["data"]

    def friend_packet_for(self, device_key: str, name: str | None = None) -> str:
        """Our profile, sealed to one device of the other user (§6.3)."""
        info = {
            "email": self.email,
            "name": name or self.email.split("@")[0],
            "nameVersion": 1,
            "avatarVersion": 0,
            "timestamp": now_ms(),
        }
        return seal_friend_packet(self.identity.pairwise_key(device_key), info)

    def _friend_body(self, target_email: str, device_keys: list[str], legacy: bool) -> dict:
        if legacy:
            # The original single-device form: one packet, for the first key only.
            return {"targetEmail": target_email, "encryptedPacket": self.friend_packet_for(device_keys[0])}
        return {
            "targetEmail": target_email,
            "payloads": [{"publicKey": k, "encryptedPacket": self.friend_packet_for(k)} for k in device_keys],
        }

    async def friend_request(self, target_email: str, device_keys: list[str], legacy: bool = False) -> None:
        await self.send({"t": "FRIEND_REQUEST", "data": self._friend_body(target_email, device_keys, legacy)})

    async def friend_accept(self, target_email: str, device_keys: list[str], legacy: bool = False) -> None:
        await self.send({"t": "FRIEND_ACCEPT", "data": self._friend_body(target_email, device_keys, legacy)})

    def open_friend_frame(self, frame: dict) -> dict:
        """Decrypt FRIEND_REQUEST / FRIEND_ACCEPTED / a PENDING_REQUESTS item.

        Returns the profile plus ``_sealedBy`` (the sender key that opened it).
        The original app decrypts with ``publicKey``; §5.2 does not say which of
        the sender's devices sealed it, so the other listed keys are tried next.
        The e-mail inside must equal the relay-verified ``senderEmail`` (§5.2 fix).
        """
        data = frame["data"] if "data" in frame and "t" in frame else frame
        packet = data["encryptedPacket"]
        candidates = [data["publicKey"]] + [k for k in data.get("publicKeys") or [] if k != data["publicKey"]]
        last_error: Exception | None = None
        for key in candidates:
            try:
                info = open_friend_packet(self.identity.pairwise_key(key), packet)
            except Exception as exc:  # wrong key: InvalidTag; keep trying the others
                last_error = exc
                continue
            if normalize_email(str(info.get("email", ""))) != normalize_email(data["senderEmail"]):
                raise ProtocolViolation(
                    f"friend packet e-mail {info.get('email')!r} != senderEmail {data['senderEmail']!r}"
                )
            return {**info, "_sealedBy": key}
        raise ProtocolViolation(f"no listed sender key opens the friend packet ({last_error!r})")

    async def send_text(
        self,
        sid: str,
        device_keys: Iterable[str],
        text: str,
        confirm: bool = True,
        message_id: str | None = None,
    ) -> str:
        """MSG with one sealed copy per recipient device; returns the message id."""
        message_id = message_id or str(uuid.uuid4())
        inner = text_packet(text, message_id)
        payloads = {k: seal_payload(self.identity.pairwise_key(k), inner) for k in device_keys}
        frame: dict[str, Any] = {"t": "MSG", "sid": sid, "id": message_id, "data": {"payloads": payloads}}
        if confirm:
            frame["c"] = True
        await self.send(frame)
        return message_id

    async def send_packet(
        self,
        sid: str,
        device_keys: Iterable[str],
        data: dict,
        frame_id: str | None = None,
        confirm: bool = True,
    ) -> str:
        """MSG carrying any inner packet ``{"t":"MSG","data":data}`` (§7), one sealed copy
        per recipient device; returns the frame id (default: ``data["id"]`` or a new UUID)."""
        frame_id = frame_id or data.get("id") or str(uuid.uuid4())
        inner = {"t": "MSG", "data": data}
        payloads = {k: seal_payload(self.identity.pairwise_key(k), inner) for k in device_keys}
        frame: dict[str, Any] = {"t": "MSG", "sid": sid, "id": frame_id, "data": {"payloads": payloads}}
        if confirm:
            frame["c"] = True
        await self.send(frame)
        return frame_id

    def open_msg(self, frame: dict) -> dict:
        """Decrypt a relayed MSG with K(me, spk) only (§6.3 fix) and return the inner packet."""
        spk = frame.get("spk")
        if not spk:
            raise ProtocolViolation(f"relayed MSG without spk: {json.dumps(frame)[:300]}")
        payloads = (frame.get("data") or {}).get("payloads") or {}
        if self.public_key not in payloads:
            raise ProtocolViolation(f"relayed MSG has no payload for this device: keys {list(payloads)}")
        return open_payload(self.identity.pairwise_key(spk), payloads[self.public_key])

    async def ack(self, ids: list[str]) -> None:
        await self.send({"t": "ACK", "data": {"ids": ids}})
